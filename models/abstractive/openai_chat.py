"""Key points from any OpenAI-compatible chat server (vLLM, TGI, llama.cpp server, Ollama): how a
deployment moves inference off the bot's machine, or spreads it over many.

``POST {OPENAI_BASE_URL}/chat/completions`` with the shared prompt (``models.abstractive.prompt``)
and ``temperature`` 0. The API key, when set, is sent as a Bearer token and appears in no message
or log. Every failure (timeout, refused connection, an HTTP error, an answer that is not a chat
completion) is a ``SummarizerUnavailable`` that names the server and what went wrong.

The three stages: ``preprocess`` (chunk -> request body), ``forward`` (the HTTP call),
``postprocess`` (completion -> points). No tokenizer is at hand, so token counts are estimated.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from bot.core.errors import SummarizerUnavailable
from models.abstractive.prompt import chat_messages, parse_points

__all__ = ["ChatOptions", "OpenAIChatGenerator", "estimate_tokens"]

# English news text averages about 4 characters a token in the BPE vocabularies of current models.
CHARS_PER_TOKEN = 4


# What to check when the server refuses.
_HINTS = {
    401: ": check OPENAI_API_KEY",
    403: ": check OPENAI_API_KEY",
    404: ": check OPENAI_BASE_URL and OPENAI_MODEL",
}


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True, slots=True)
class ChatOptions:
    max_tokens: int = 400
    """Answer cap: 8 one-sentence points with room to spare."""
    max_input_tokens: int = 6000
    """Estimated prompt tokens per request: fits an 8k-context model with the answer."""


class OpenAIChatGenerator:
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        client: httpx.Client | None = None,
        options: ChatOptions = ChatOptions(),
    ) -> None:
        """``client`` comes in from outside in tests; otherwise one is made and owned here."""
        self._url = base_url.rstrip("/") + "/chat/completions"
        url = httpx.URL(base_url)
        # For messages: never the userinfo part of the URL, which may hold credentials.
        self._where = f"{url.scheme}://{url.host}{f':{url.port}' if url.port else ''}{url.path.rstrip('/')}"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout_s = timeout_s
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)))
        self._options = options
        self.name = f"openai:{model}"

    def __repr__(self) -> str:
        return f"OpenAIChatGenerator({self._where!r}, {self._model!r})"

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [estimate_tokens(t) for t in texts]

    def input_budget(self, points: int, title: str | None = None, *, language: str | None = None) -> int:
        messages = chat_messages("", points, title, language=language)
        overhead = sum(estimate_tokens(m["content"]) + 4 for m in messages)
        return max(1, self._options.max_input_tokens - overhead)

    # -- stage 1 -----------------------------------------------------------------------------
    def preprocess(
        self, chunk: str, points: int, title: str | None, language: str | None = None
    ) -> dict[str, Any]:
        return {
            "model": self._model,
            "messages": chat_messages(chunk, points, title, language=language),
            "temperature": 0,
            "max_tokens": self._options.max_tokens,
            "stream": False,
        }

    # -- stage 2 -----------------------------------------------------------------------------
    def forward(self, body: dict[str, Any]) -> Any:
        """The parsed JSON answer."""
        where = f"the OpenAI-compatible server at {self._where}"
        try:
            response = self._client.post(self._url, json=body, headers=self._headers, timeout=self._timeout_s)
        except httpx.TimeoutException as exc:
            raise SummarizerUnavailable(f"{where} did not answer within {self._timeout_s:g} s") from exc
        except httpx.HTTPError as exc:
            raise SummarizerUnavailable(f"{where} could not be reached ({type(exc).__name__})") from exc
        if response.status_code >= 400:
            hint = _HINTS.get(response.status_code, "")
            detail = _error_detail(response)
            raise SummarizerUnavailable(
                f"{where} answered HTTP {response.status_code}{hint}" + (f" ({detail})" if detail else "")
            )
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SummarizerUnavailable(f"{where} answered something that is not JSON") from exc

    # -- stage 3 -----------------------------------------------------------------------------
    def postprocess(self, data: Any) -> list[str]:
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise SummarizerUnavailable(
                f"the OpenAI-compatible server at {self._where} answered JSON that is not a chat completion"
            ) from exc
        if not isinstance(content, str):
            raise SummarizerUnavailable(
                f"the OpenAI-compatible server at {self._where} answered a completion without text"
            )
        return parse_points(content)

    def generate(
        self, chunks: Sequence[str], points: int, *, title: str | None = None, language: str | None = None
    ) -> list[list[str]]:
        """One request per chunk, in order; the prompt asks for the points in ``language``."""
        return [
            self.postprocess(self.forward(self.preprocess(chunk, points, title, language)))
            for chunk in chunks
        ]


def _error_detail(response: httpx.Response, limit: int = 160) -> str:
    """The server's own error message, if it sent one in the usual shape."""
    try:
        data = response.json()
        message = data["error"]["message"] if isinstance(data.get("error"), dict) else data.get("error")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError, KeyError, TypeError):
        return ""
    if not isinstance(message, str):
        return ""
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 3] + "..."
