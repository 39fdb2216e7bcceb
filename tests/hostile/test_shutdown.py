"""Shutdown is bounded: work in flight is finished or stopped within 10 s, and the people whose
request was stopped are told (issue 13, part 3). The real Slack app over HTTP, ``serve`` itself,
against the mock Web API of ``tests/test_slack_app.py``."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

import pytest

from .. import test_slack_app
from ..test_slack_app import SETTLE_S, STORY, Slack, serving

make_slack = test_slack_app.make_slack  # the real app over real HTTP, and the mock Web API
slack = test_slack_app.slack

SHUTDOWN_BUDGET_S = 10.0


@pytest.mark.asyncio
async def test_stopping_the_server_tells_the_people_whose_digest_was_stopped(slack: Slack) -> None:
    server, url = await serving(slack)
    slack._url = url  # requests go to the server ``serve`` runs
    slack.summarizer.hold = threading.Event()  # the digest never finishes by itself
    try:
        await slack.mention(f"<{STORY}>")
        assert await asyncio.to_thread(slack.summarizer.entered.wait, SETTLE_S)
        started = time.perf_counter()
        server.cancel()  # what SIGTERM does, through the same finally
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(server, SHUTDOWN_BUDGET_S + 5)
        elapsed = time.perf_counter() - started
    finally:
        slack.summarizer.hold.set()
        server.cancel()
    assert elapsed < SHUTDOWN_BUDGET_S
    told = [c.body for c in slack.api.calls_to("chat.postEphemeral")]
    assert len(told) == 1
    assert "restarting" in told[0]["text"].lower() and told[0]["user"] == "U1"
    assert not slack.api.calls_to("chat.postMessage")  # no digest, and nothing public


@pytest.mark.asyncio
async def test_a_digest_that_finishes_within_the_grace_is_still_posted(slack: Slack) -> None:
    slack.summarizer.hold = threading.Event()
    await slack.mention(f"<{STORY}>")
    assert await asyncio.to_thread(slack.summarizer.entered.wait, SETTLE_S)
    drain = asyncio.create_task(slack.service.drain(SHUTDOWN_BUDGET_S / 2))
    await asyncio.sleep(0.1)
    slack.summarizer.hold.set()  # finishes during the grace
    await asyncio.wait_for(drain, SHUTDOWN_BUDGET_S)
    await asyncio.wait_for(slack.bot.aclose(1.0), SHUTDOWN_BUDGET_S)
    assert len(slack.api.calls_to("chat.postMessage")) == 1
    assert not slack.api.calls_to("chat.postEphemeral")


async def _drip(url: str, stop: asyncio.Event) -> None:
    """A client that sends headers promising a body, then one byte a second, until stopped."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    _reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(
        f"POST {parts.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0=00\r\n"
        "Content-Length: 1000\r\n\r\n".encode()
    )
    try:
        while not stop.is_set():
            writer.write(b"x")
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
    except ConnectionError:
        pass
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


@pytest.mark.asyncio
async def test_a_client_dripping_a_body_is_cut_off_and_does_not_hold_shutdown(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.slack_chat import app

    monkeypatch.setattr(app, "BODY_READ_TIMEOUT_S", 0.5)
    server, url = await serving(slack)
    stop = asyncio.Event()
    dripping = asyncio.create_task(_drip(url, stop))
    try:
        await asyncio.sleep(0.2)  # the request is in, its body still coming
        started = time.perf_counter()
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(server, SHUTDOWN_BUDGET_S + 5)
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        await asyncio.wait_for(dripping, 5)
        server.cancel()
    assert elapsed < SHUTDOWN_BUDGET_S
    assert slack.api.calls == []
