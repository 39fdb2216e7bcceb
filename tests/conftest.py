"""Shared fixtures: a real local web server, the evaluation data, a deterministic encoder."""

from __future__ import annotations

import gzip
import json
import re
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO.parent / "shared" / "eval"
SAMPLE_HTML = REPO / "samples" / "article.html"


def require_eval(*parts: str) -> Path:
    path = EVAL_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"evaluation data not found at {path} (it lives in ../shared/eval beside the repo)")
    return path


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def eval_page(row: dict) -> str:
    raw = gzip.decompress(require_eval("extraction", row["html_path"]).read_bytes())
    return raw.decode("utf-8", errors="replace")


# -- a real HTTP server on 127.0.0.1, port 0 -----------------------------------------------


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})


class PageServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with server._lock:
                    server.hits.append(self.path)
                route = server.routes.get(self.path, Route(404, b"<html><title>404 Not Found</title></html>"))
                self.send_response(route.status)
                for k, v in route.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # the client hanging up early (a refused body) is expected here

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: str | bytes, status: int = 200, content_type: str = "text/html; charset=utf-8",
            **headers: str) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(status, data, {"Content-Type": content_type, **headers})
        return self.url(path)


@pytest.fixture
def page_server() -> Iterator[PageServer]:
    srv = PageServer()
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()


# -- a deterministic stand-in for the sentence encoder --------------------------------------


class BagOfWordsEncoder:
    """Hashed bag-of-words vectors: similar wording -> similar vectors, no model needed."""

    name = "bag-of-words"
    quantized = False

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim
        self.calls: list[int] = []

    def encode(self, sentences: list[str]) -> np.ndarray:
        self.calls.append(len(sentences))
        out = np.zeros((len(sentences), self.dim), dtype=np.float32)
        for i, s in enumerate(sentences):
            for w in re.findall(r"[a-z0-9]+", s.lower()):
                out[i, zlib.crc32(w.encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def bow_encoder() -> BagOfWordsEncoder:
    return BagOfWordsEncoder()
