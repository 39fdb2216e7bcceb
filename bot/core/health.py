"""``/healthz`` and ``/metrics``: whether this process can answer, for a load balancer or an
orchestrator, and its Prometheus metrics.

    GET /healthz   {"ok": bool, "model_loaded": bool, "store_reachable": bool}
                   200 when the model is loaded and the store answers, 503 otherwise
    GET /metrics   the Prometheus text format (``bot.core.metrics``)

Both are served by ``status_app`` on ``METRICS_HOST:METRICS_PORT`` when ``METRICS_PORT`` is set
(the Discord bot's only HTTP server); the Slack HTTP server also answers ``/healthz`` beside
``/slack/events``. Servers start on a socket bound earlier (``bot.startup.bind``), so a busy port
is found at start-up, before anything is written.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.core.metrics import Metrics

__all__ = ["HEALTH_PATH", "METRICS_PATH", "Health", "HealthCheck", "serving", "status_app"]

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
# On shutdown, a scrape or a health probe still being answered gets this long.
SHUTDOWN_TIMEOUT_S = 1.0


@dataclass(frozen=True, slots=True)
class Health:
    model_loaded: bool
    store_reachable: bool

    @property
    def ok(self) -> bool:
        return self.model_loaded and self.store_reachable

    def to_dict(self) -> dict[str, bool]:
        return {"ok": self.ok, "model_loaded": self.model_loaded, "store_reachable": self.store_reachable}


class HealthCheck:
    """Asks, at each probe, whether the model is loaded and whether the store answers.

    ``store_reachable`` is ``DigestService.store_reachable``: bounded in time, and never raises.
    """

    def __init__(
        self, model_loaded: Callable[[], bool], store_reachable: Callable[[], Awaitable[bool]]
    ) -> None:
        self._model_loaded = model_loaded
        self._store_reachable = store_reachable

    async def check(self) -> Health:
        return Health(model_loaded=self._model_loaded(), store_reachable=await self._store_reachable())

    async def handle(self, request: web.Request) -> web.Response:
        health = await self.check()
        return web.json_response(health.to_dict(), status=200 if health.ok else 503)


def status_app(metrics: Metrics, health: HealthCheck) -> web.Application:
    """``GET /metrics`` and ``GET /healthz``; anything else is 404."""

    async def scrape(request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    app = web.Application()
    app.router.add_get(METRICS_PATH, scrape)
    app.router.add_get(HEALTH_PATH, health.handle)
    return app


@asynccontextmanager
async def serving(app: web.Application, sock: socket.socket) -> AsyncIterator[int]:
    """Serve ``app`` on ``sock`` (bound, and listening from here on) until the block ends; yields
    the port, useful when it was bound to port 0. ``sock`` is closed on leaving."""
    runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_TIMEOUT_S, access_log=None)
    try:
        await runner.setup()
        await web.SockSite(runner, sock).start()
        yield int(sock.getsockname()[1])
    finally:
        await runner.cleanup()
        sock.close()
