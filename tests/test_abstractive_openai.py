"""The OpenAI-compatible backend against a fake server on 127.0.0.1: canned completions, a server
too slow to wait for, HTTP errors, malformed answers, and one that is not there at all."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from bot.core.errors import ModelError, SummarizerUnavailable
from models.abstractive import AbstractiveSummarizer, OpenAIChatGenerator
from models.summarizer import ExtractiveSummarizer

from .conftest import BagOfWordsEncoder
from .fake_openai import FakeOpenAIServer, fake_openai_server
from .tiny_models import ARTICLE

KEY = "sk-test-0123456789"


@pytest.fixture
def server():
    with fake_openai_server() as fake:
        yield fake


def test_a_completion_becomes_points(server: FakeOpenAIServer) -> None:
    generator = OpenAIChatGenerator(server.base_url + "/", "qwen2.5-7b-instruct", timeout_s=5)
    (points,) = generator.generate(["Ukraine fired missiles at Russia. Six were launched. Five fell."], 3)
    assert points == ["Ukraine fired missiles at Russia.", "Six were launched.", "Five fell."]
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.body["model"] == "qwen2.5-7b-instruct" and request.body["temperature"] == 0
    assert request.body["messages"][0]["role"] == "system"
    assert "3 most important key points" in request.body["messages"][1]["content"]
    assert "authorization" not in {k.lower() for k in request.headers}
    generator.close()


def test_the_key_is_a_bearer_token_and_nothing_else_shows_it(server: FakeOpenAIServer) -> None:
    generator = OpenAIChatGenerator(server.base_url, "m", api_key=KEY, timeout_s=5)
    generator.generate(["Ukraine fired missiles at Russia."], 3)
    assert server.requests[0].headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in repr(generator) and KEY not in generator.name


def test_each_chunk_is_one_request_in_order(server: FakeOpenAIServer) -> None:
    generator = OpenAIChatGenerator(server.base_url, "m", timeout_s=5)
    out = generator.generate(["First chunk says this.", "Second chunk says that."], 2, title="T")
    assert out == [["First chunk says this."], ["Second chunk says that."]]
    contents = [r.body["messages"][1]["content"] for r in server.requests]
    assert contents[0].endswith("First chunk says this.") and contents[1].endswith("Second chunk says that.")


def test_summaries_through_the_server_are_grounded_and_rewritten(server: FakeOpenAIServer) -> None:
    summarizer = AbstractiveSummarizer(
        OpenAIChatGenerator(server.base_url, "m", timeout_s=5), BagOfWordsEncoder()
    )
    result = summarizer.summarize(ARTICLE, 3)
    assert summarizer.name == "openai:m+grounded"
    # The fake echoes the lede chunk's sentences: its first is the TL;DR, so never a point again.
    assert result.tldr is not None and not result.tldr.rewritten
    rewritten = [p for p in result.points if p.rewritten]
    assert len(result.points) == 3 and len(rewritten) == 2
    for point in rewritten:
        ((s, e),) = point.spans
        assert ARTICLE[s:e].endswith(point.text)  # each echoed sentence is its own support
        assert not any(a < e and s < b for a, b in result.tldr.spans)


def test_a_slow_server_times_out(server: FakeOpenAIServer) -> None:
    server.hold = threading.Event()
    generator = OpenAIChatGenerator(server.base_url, "m", timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(
        SummarizerUnavailable, match=r"at http://127\.0\.0\.1:\d+/v1 did not answer within 0\.3 s"
    ):
        generator.generate(["Ukraine fired missiles at Russia."], 3)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (500, r"answered HTTP 500 \(the model is overloaded\)"),
        (401, r"answered HTTP 401: check OPENAI_API_KEY"),
        (404, r"answered HTTP 404: check OPENAI_BASE_URL and OPENAI_MODEL"),
    ],
)
def test_http_errors(server: FakeOpenAIServer, status: int, expected: str) -> None:
    server.status = status
    generator = OpenAIChatGenerator(server.base_url, "m", api_key=KEY, timeout_s=5)
    with pytest.raises(SummarizerUnavailable, match=expected) as info:
        generator.generate(["Ukraine fired missiles at Russia."], 3)
    assert KEY not in str(info.value)
    assert isinstance(info.value, ModelError)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"<html>Bad gateway</html>", "not JSON"),
        (b'{"choices": []}', "not a chat completion"),
        (b'{"object": "error"}', "not a chat completion"),
        (b'{"choices": [{"message": {"role": "assistant", "content": null}}]}', "without text"),
    ],
)
def test_malformed_answers(server: FakeOpenAIServer, raw: bytes, expected: str) -> None:
    server.raw = raw
    with pytest.raises(SummarizerUnavailable, match=expected):
        OpenAIChatGenerator(server.base_url, "m", timeout_s=5).generate(["Ukraine fired missiles."], 3)


def test_no_server_at_all() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    generator = OpenAIChatGenerator(f"http://user:secret@127.0.0.1:{port}/v1", "m", timeout_s=5)
    with pytest.raises(SummarizerUnavailable, match="could not be reached") as info:
        generator.generate(["Ukraine fired missiles."], 3)
    assert "secret" not in str(info.value)


def test_a_failing_server_leaves_an_extractive_digest(server: FakeOpenAIServer, caplog) -> None:
    server.status = 500
    encoder = BagOfWordsEncoder()
    summarizer = AbstractiveSummarizer(OpenAIChatGenerator(server.base_url, "m", api_key=KEY), encoder)
    with caplog.at_level(logging.DEBUG):
        result = summarizer.summarize(ARTICLE, 3)
    assert result == ExtractiveSummarizer(encoder).summarize(ARTICLE, 3)
    assert "HTTP 500" in caplog.text and KEY not in caplog.text


@pytest.mark.slow
def test_grounded_by_the_real_minilm(server: FakeOpenAIServer) -> None:
    from models.encoder import load_encoder

    summarizer = AbstractiveSummarizer(OpenAIChatGenerator(server.base_url, "m", timeout_s=5), load_encoder())
    result = summarizer.summarize(ARTICLE, 3)
    assert len(result.points) == 3 and sum(p.rewritten for p in result.points) == 2
