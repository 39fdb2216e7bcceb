"""A fake OpenAI-compatible chat server on 127.0.0.1 (port 0), in a thread: canned completions,
and on demand a slow answer, an HTTP error or a malformed body. The tests and the benchmark
(``bench.abstractive``) both use it."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["FakeOpenAIServer", "Recorded", "echo_lead", "fake_openai_server"]


def echo_lead(body: dict, points: int = 3) -> str:
    """A well-behaved model: the article's first sentences, as a list."""
    prompt = body["messages"][-1]["content"]
    article = prompt.split("Article:\n", 1)[-1]
    sentences = re.split(r"(?<=[.!?])\s+", article.strip())
    return "Here are the key points:\n" + "\n".join(f"- {s}" for s in sentences[:points])


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class FakeOpenAIServer:
    reply: Callable[[dict], str] = echo_lead
    """The completion's text for a request body."""
    status: int = 200
    raw: bytes | None = None
    """Sent as is instead of a completion (malformed answers)."""
    hold: threading.Event | None = None
    """When set, each answer waits for this event (at most 10 s): a server that is too slow."""
    requests: list[Recorded] = field(default_factory=list)
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def answer(self, path: str, headers: dict[str, str], body: dict) -> tuple[int, bytes]:
        self.requests.append(Recorded(path, headers, body))
        if self.hold is not None:
            self.hold.wait(10)
        if self.raw is not None:
            return self.status, self.raw
        if self.status >= 400:
            return self.status, json.dumps({"error": {"message": "the model is overloaded"}}).encode()
        completion = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": self.reply(body)},
                    "finish_reason": "stop",
                }
            ],
        }
        return 200, json.dumps(completion).encode()


@contextmanager
def fake_openai_server(server: FakeOpenAIServer | None = None) -> Iterator[FakeOpenAIServer]:
    fake = server or FakeOpenAIServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            status, payload = fake.answer(self.path, dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client that gave up (a timeout test) hangs up mid-answer

    httpd = Server(("127.0.0.1", 0), Handler)
    fake.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        if fake.hold is not None:
            fake.hold.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
