"""Shared fixtures: a real local web server, the evaluation data, a deterministic encoder, and
the digest service's stores (SQLite, and Redis on a private redis-server)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import pytest_asyncio

from bot.core.store import RedisStore, SqliteStore, Store
from models import deadline
from models.keypoints import Hints, KeyPointResult
from models.summarizer import ExtractiveSummarizer

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
    hold: threading.Event | None = None
    """When set, the answer waits (after the hit is counted) until the test sets this event."""


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
                if route.hold is not None:
                    route.hold.wait(10)
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

    def add(
        self,
        path: str,
        body: str | bytes,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        *,
        hold: threading.Event | None = None,
        **headers: str,
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(status, data, {"Content-Type": content_type, **headers}, hold)
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


# -- the digest service's stores: SQLite, and Redis on a private server ----------------------


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of our own on a free port, no persistence, stopped after the session.

    Skips (only) when redis-server is not installed; CI installs it (``.ci/run``)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server): Redis backend not tested")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir), "--logfile", str(workdir / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not _redis_answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                logfile = workdir / "redis.log"
                tail = logfile.read_text(errors="replace")[-2000:] if logfile.exists() else ""
                pytest.fail(f"redis-server did not start on port {port}: {tail}")
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class StoreFactory:
    """Opens connections to one backend's state; each ``open()`` is what another bot process
    would get. Every store opened is closed at the end of the test."""

    def __init__(self, backend: str, target: str) -> None:
        self.backend = backend
        self.target = target
        self._prefix = f"precis-test-{uuid.uuid4().hex[:8]}:"  # a namespace per test, no flushing
        self._opened: list[Store] = []

    async def open(self) -> Store:
        store: Store
        if self.backend == "sqlite":
            store = await SqliteStore.open(self.target)
        else:
            store = await RedisStore.connect(self.target, prefix=self._prefix)
        self._opened.append(store)
        return store

    async def aclose(self) -> None:
        for store in self._opened:
            await store.aclose()


@pytest_asyncio.fixture(params=["sqlite", "redis"])
async def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StoreFactory]:
    """The same tests against SQLite (a file) and Redis (a real server, emptied for each test)."""
    if request.param == "sqlite":
        factory = StoreFactory("sqlite", str(tmp_path / "data" / "precis.sqlite3"))
    else:
        factory = StoreFactory("redis", request.getfixturevalue("redis_url"))
    try:
        yield factory
    finally:
        await factory.aclose()


@pytest_asyncio.fixture
async def store(store_factory: StoreFactory) -> Store:
    return await store_factory.open()


class HoldableSummarizer:
    """The extractive summarizer on a bag-of-words encoder, which a test can hold or break. A held
    digest still checks its deadline, like the real stages, so shutdown can stop it."""

    HOLD_LIMIT_S = 20.0

    def __init__(self) -> None:
        self._inner = ExtractiveSummarizer(BagOfWordsEncoder())
        self.name = self._inner.name
        self.error: Exception | None = None
        self.hold: threading.Event | None = None
        self.entered = threading.Event()

    def summarize(
        self, text: str, points: int, *, title: str | None = None, hints: Hints | None = None
    ) -> KeyPointResult:
        self.entered.set()
        if self.hold is not None:
            ends = time.monotonic() + self.HOLD_LIMIT_S
            while not self.hold.wait(0.01) and time.monotonic() < ends:
                deadline.check()
        if self.error is not None:
            raise self.error
        return self._inner.summarize(text, points, title=title, hints=hints)
