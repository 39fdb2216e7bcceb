"""``/healthz`` and ``/metrics`` (issue 14, logs and ports), on real servers on 127.0.0.1, port 0:
the status server the Discord bot runs beside its metrics, and the Slack HTTP server. Also: what
reaches the log at INFO when a page is fetched."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
import redis.asyncio as aioredis

from bot.config import Settings
from bot.core.fetch import Fetcher, FetchLimits
from bot.core.health import HealthCheck, serving, status_app
from bot.core.pipeline import Digester
from bot.core.service import DigestRequest, DigestService, Requester, ServiceLimits
from bot.core.store import RedisStore, SqliteStore, Store
from bot.core.types import Source
from bot.slack_chat import serve as slack_serve
from bot.startup import QUIET_LOGGERS, bind, configure_logging

from .conftest import SAMPLE_HTML, HoldableSummarizer, PageServer

TEXT = " ".join(
    f"Sentence {i} says the harbour council met again to discuss the reef, the wall and the budget."
    for i in range(12)
)
HEALTHY = {"ok": True, "model_loaded": True, "store_reachable": True}


def closed_port() -> int:
    with contextlib.closing(bind("127.0.0.1", 0, "test")) as probe:
        return int(probe.getsockname()[1])


@dataclass
class Status:
    """A service on ``store`` and the status server in front of it, as the wiring starts them."""

    service: DigestService
    loaded: threading.Event
    url: str

    async def get(self, path: str) -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await client.get(self.url + path)


@contextlib.asynccontextmanager
async def status_server(store: Store) -> AsyncIterator[Status]:
    service = DigestService(Digester(None, HoldableSummarizer()), store, ServiceLimits(workers=1))
    loaded = threading.Event()
    health = HealthCheck(loaded.is_set, service.store_reachable)
    try:
        app = status_app(service.metrics, health)
        async with serving(app, bind("127.0.0.1", 0, "METRICS_PORT")) as port:
            yield Status(service, loaded, f"http://127.0.0.1:{port}")
    finally:
        await service.aclose()


@pytest_asyncio.fixture
async def status() -> AsyncIterator[Status]:
    async with status_server(await SqliteStore.open(":memory:")) as running:
        yield running


@pytest.mark.asyncio
async def test_healthz_is_503_until_the_model_is_loaded(status: Status) -> None:
    answer = await status.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"ok": False, "model_loaded": False, "store_reachable": True}
    status.loaded.set()
    answer = await status.get("/healthz")
    assert (answer.status_code, answer.json()) == (200, HEALTHY)
    assert answer.headers["content-type"].startswith("application/json")


@pytest.mark.asyncio
async def test_healthz_is_503_when_the_store_stops_answering(status: Status) -> None:
    status.loaded.set()
    assert (await status.get("/healthz")).status_code == 200
    await status.service.aclose()  # its SQLite connection is gone
    answer = await status.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"ok": False, "model_loaded": True, "store_reachable": False}


@pytest.mark.asyncio
async def test_healthz_is_503_when_redis_is_down() -> None:
    client = aioredis.Redis.from_url(f"redis://127.0.0.1:{closed_port()}/0", decode_responses=True)
    async with status_server(RedisStore(client)) as running:
        running.loaded.set()
        answer = await running.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"ok": False, "model_loaded": True, "store_reachable": False}


@pytest.mark.asyncio
async def test_metrics_are_served_beside_healthz(status: Status) -> None:
    request = DigestRequest(Source.from_text(TEXT), Requester("discord", "G1", "C1", "U1"))
    await status.service.summarize(request)
    await status.service.summarize(request)
    answer = await status.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    body = answer.text
    assert 'precis_requests_total{kind="summarize",outcome="ok",platform="discord"} 1.0' in body
    assert 'precis_requests_total{kind="summarize",outcome="cached",platform="discord"} 1.0' in body
    assert 'precis_stage_seconds_count{stage="digest"} 1.0' in body
    assert "precis_queue_depth 0.0" in body and "precis_workers_busy 0.0" in body
    assert (await status.get("/anything-else")).status_code == 404


@pytest.mark.asyncio
async def test_the_status_server_stops_with_its_block() -> None:
    store = await SqliteStore.open(":memory:")
    async with status_server(store) as running:
        assert (await running.get("/metrics")).status_code == 200
    with pytest.raises(httpx.ConnectError):
        await running.get("/metrics")


def test_metrics_listen_on_this_machine_only_unless_told() -> None:
    settings = Settings(_env_file=None)
    assert (settings.metrics_host, settings.host) == ("127.0.0.1", "0.0.0.0")
    with contextlib.closing(bind(settings.metrics_host, 0, "METRICS_PORT")) as sock:
        assert sock.getsockname()[0] == "127.0.0.1"


@pytest.mark.asyncio
async def test_the_slack_http_server_answers_healthz() -> None:
    store = await SqliteStore.open(":memory:")
    service = DigestService(Digester(None, HoldableSummarizer()), store, ServiceLimits(workers=1))
    settings = Settings(_env_file=None, slack_bot_token="xoxb-test", slack_signing_secret="secret")  # type: ignore[arg-type]
    sock = bind("127.0.0.1", 0, "--port")
    port = sock.getsockname()[1]
    health = HealthCheck(lambda: True, service.store_reachable)
    server = asyncio.create_task(slack_serve(settings, service, http=True, sock=sock, health=health))
    try:
        async with httpx.AsyncClient() as client, asyncio.timeout(10):
            while True:  # until it listens
                try:
                    answer = await client.get(f"http://127.0.0.1:{port}/healthz")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.02)
            assert (answer.status_code, answer.json()) == (200, HEALTHY)
            await store.aclose()
            answer = await client.get(f"http://127.0.0.1:{port}/healthz")
            assert answer.status_code == 503 and answer.json()["store_reachable"] is False
            # Slack's own door is unchanged: an unsigned request is still refused.
            assert (
                await client.post(f"http://127.0.0.1:{port}/slack/events", content=b"{}")
            ).status_code == 401
    finally:
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server
        await service.aclose()


# -- logs ------------------------------------------------------------------------------------------


@pytest.fixture
def project_logging() -> Iterator[None]:
    """``configure_logging`` as ``precis`` runs it, undone afterwards."""
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    configure_logging("INFO")
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.asyncio
@pytest.mark.usefixtures("project_logging")
async def test_a_fetched_pages_path_and_query_never_reach_the_log_at_info(
    page_server: PageServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = page_server.add("/private/story", SAMPLE_HTML.read_bytes()) + "?session=hunter2"
    page_server.routes["/private/story?session=hunter2"] = page_server.routes["/private/story"]
    caplog.set_level(logging.INFO)
    limits = FetchLimits(allow_private=frozenset({"127.0.0.1"}))
    async with Fetcher(limits) as fetcher:
        assert (await fetcher.fetch(url)).status == 200
    assert page_server.hits == ["/private/story?session=hunter2"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/private/story" not in logged and "hunter2" not in logged
