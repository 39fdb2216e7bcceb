"""Requests that Slack did not sign, sent to the real app over real HTTP.

Each is refused at the door (401; 413 for a body over the cap; 400 for a signed body that is not
UTF-8) before bolt sees it: no listener, no error handler, no Web API call (the mock API from
``tests/test_slack_app.py`` records every call) and nothing sent to the ``response_url`` the
forged body names (``Listener``, a plain TCP server on 127.0.0.1 port 0, records every connection
made to it). Each refusal is one log line, without a traceback, the signature or the body.

Signed requests still get through, but their answers go to a ``response_url`` only when it is
Slack's (``response_url_allowed``), and bolt's error handler answers only requests that came in
through the door or over Socket Mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.core.errors import BadInput
from bot.slack_chat.app import EVENTS_PATH, MAX_BODY_BYTES, response_url_allowed
from bot.slack_chat.parse import USAGE

from .. import test_slack_app
from ..test_slack_app import (
    ASKER,
    BOT_USER,
    CHANNEL,
    MISSING,
    SECRET,
    STORY,
    TEAM,
    Slack,
    SlackFactory,
    signed,
)

make_slack = test_slack_app.make_slack  # the real app over real HTTP, and the mock Web API

FORM = "application/x-www-form-urlencoded"
ATTACKER_PATH = "/services/T1/B1/attacker-token"
GARBAGE_SIGNATURE = "v0=" + "0" * 64


# -- an attacker's server, named as the response_url ----------------------------------------------


class Listener:
    """Counts every connection made to it; answers ``200 ok`` to whatever was sent."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.url = ""

    async def accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.received.append(b"")  # a connection, even one that never sends a byte
        with contextlib.suppress(ConnectionError):
            self.received[-1] = await reader.read(65536)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
        writer.close()


@pytest_asyncio.fixture
async def listener() -> AsyncIterator[Listener]:
    listener = Listener()
    server = await asyncio.start_server(listener.accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    listener.url = f"http://127.0.0.1:{port}{ATTACKER_PATH}"
    async with server:
        yield listener


@dataclass
class Door:
    """``SlackBot.web_app()`` served on 127.0.0.1, and a client that sends whatever headers it likes."""

    slack: Slack
    url: str
    http: aiohttp.ClientSession

    async def post(self, body: bytes | str, content_type: str, headers: dict[str, str]) -> tuple[int, str]:
        data = io.BytesIO(body.encode() if isinstance(body, str) else body)  # sized: a Content-Length
        headers = {"Content-Type": content_type, **headers}
        async with self.http.post(self.url, data=data, headers=headers) as response:
            return response.status, await response.text()

    async def post_chunked(self, body: bytes, content_type: str, headers: dict[str, str]) -> tuple[int, str]:
        """The same, with no Content-Length: the server only learns the size by reading."""

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(body), 64 * 1024):
                yield body[start : start + 64 * 1024]

        async with self.http.post(
            self.url, data=chunks(), headers={"Content-Type": content_type, **headers}
        ) as response:
            return response.status, await response.text()


@pytest_asyncio.fixture
async def door(make_slack: SlackFactory) -> AsyncIterator[Door]:
    slack = await make_slack()
    server = TestServer(slack.bot.web_app())
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            yield Door(slack, str(server.make_url(EVENTS_PATH)), http)
    finally:
        await server.close()


# -- forged requests -----------------------------------------------------------------------------


def command_form(response_url: str, text: str = STORY) -> str:
    return urlencode({
        "token": "legacy", "team_id": TEAM, "team_domain": "test", "channel_id": CHANNEL,
        "user_id": ASKER, "command": "/summarize", "text": text, "api_app_id": "A1",
        "response_url": response_url, "trigger_id": "trig",
    })  # fmt: skip


def signature_at(timestamp: int, body: str | bytes, secret: str = SECRET) -> dict[str, str]:
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def no_headers(body: str) -> dict[str, str]:
    return {}


def non_numeric_timestamp(body: str) -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": GARBAGE_SIGNATURE}


def huge_timestamp(body: str) -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": "9" * 5000, "X-Slack-Signature": GARBAGE_SIGNATURE}


def stale(body: str) -> dict[str, str]:
    return signature_at(int(time.time()) - 600, body)


def future(body: str) -> dict[str, str]:
    return signature_at(int(time.time()) + 600, body)


def wrong_signature(body: str) -> dict[str, str]:
    return signature_at(int(time.time()), body + "&text=something+else")


def wrong_secret(body: str) -> dict[str, str]:
    return signed(body, "not-the-secret")


def non_ascii_signature(body: str) -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "é" * 64}


FORGERIES = [
    no_headers,
    non_numeric_timestamp,
    huge_timestamp,
    stale,
    future,
    wrong_signature,
    wrong_secret,
    non_ascii_signature,
]


def assert_one_quiet_warning(caplog: pytest.LogCaptureFixture, *never_logged: str) -> None:
    """Exactly one WARNING-or-louder line, ours, with no traceback anywhere and no secrets in it."""
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in loud] == ["bot.slack_chat.app"], [r.getMessage() for r in loud]
    assert loud[0].levelno == logging.WARNING
    assert all(r.exc_info is None for r in caplog.records)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Traceback" not in caplog.text
    for text in never_logged:
        assert text not in logged


async def assert_nothing_went_out(door: Door, listener: Listener) -> None:
    await door.slack.settle()
    assert door.slack.api.calls == []  # not even bolt's auth.test
    assert listener.received == []
    assert door.slack.pages.hits == []


@pytest.mark.asyncio
@pytest.mark.parametrize("forge", FORGERIES, ids=lambda f: f.__name__)
async def test_forged_slash_commands_are_refused_at_the_door(
    door: Door, listener: Listener, forge: Callable[[str], dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    body = command_form(listener.url)
    headers = forge(body)
    with caplog.at_level(logging.INFO):
        status, _ = await door.post(body, FORM, headers)
    assert status == 401
    await assert_nothing_went_out(door, listener)
    assert_one_quiet_warning(caplog, ATTACKER_PATH, *headers.values())


@pytest.mark.asyncio
@pytest.mark.parametrize("chunked", [False, True], ids=["with_length", "chunked"])
async def test_signed_bodies_over_the_cap_are_refused_unread(
    door: Door, listener: Listener, chunked: bool, caplog: pytest.LogCaptureFixture
) -> None:
    body = command_form(listener.url, text="x" * MAX_BODY_BYTES).encode()
    headers = signature_at(int(time.time()), body)
    with caplog.at_level(logging.INFO):
        if chunked:
            status, _ = await door.post_chunked(body, FORM, headers)
        else:
            status, _ = await door.post(body, FORM, headers)
    assert status == 413
    await assert_nothing_went_out(door, listener)
    assert_one_quiet_warning(caplog, ATTACKER_PATH, headers["X-Slack-Signature"])


@pytest.mark.asyncio
async def test_a_forged_mention_makes_no_call_with_the_bot_token(
    door: Door, listener: Listener, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({
        "token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
        "event_id": "EvForged", "event_time": int(time.time()),
        "event": {
            "type": "app_mention", "channel": "CVICTIM", "user": "UVICTIM",
            "text": f"<@{BOT_USER}> <{STORY}>", "ts": "1600000000.000001",
        },
    })  # fmt: skip
    with caplog.at_level(logging.INFO):
        status, _ = await door.post(body, "application/json", non_numeric_timestamp(body))
    assert status == 401
    await assert_nothing_went_out(door, listener)
    assert door.slack.api.calls_to("chat.postEphemeral") == []
    assert_one_quiet_warning(caplog, "CVICTIM", GARBAGE_SIGNATURE)


@pytest.mark.asyncio
async def test_a_second_signature_header_is_refused(
    door: Door, listener: Listener, caplog: pytest.LogCaptureFixture
) -> None:
    body = command_form(listener.url)
    headers = [("Content-Type", FORM), *signed(body).items(), ("X-Slack-Signature", GARBAGE_SIGNATURE)]
    with caplog.at_level(logging.INFO):
        async with door.http.post(door.url, data=body.encode(), headers=headers) as response:
            assert response.status == 401
    await assert_nothing_went_out(door, listener)
    assert_one_quiet_warning(caplog, ATTACKER_PATH, GARBAGE_SIGNATURE)


@pytest.mark.asyncio
async def test_a_signed_body_that_is_not_utf8_is_refused(
    door: Door, listener: Listener, caplog: pytest.LogCaptureFixture
) -> None:
    body = command_form(listener.url).encode() + b"&text=%FF\xff"
    with caplog.at_level(logging.INFO):
        status, _ = await door.post(body, FORM, signature_at(int(time.time()), body))
    assert status == 400
    await assert_nothing_went_out(door, listener)
    assert_one_quiet_warning(caplog, ATTACKER_PATH)


# -- signed requests -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_signed_request_still_gets_through(door: Door, listener: Listener) -> None:
    body = command_form(listener.url, text="help")
    status, text = await door.post(body, FORM, signed(body))
    assert status == 200 and text == USAGE
    await door.slack.settle()
    assert listener.received == []


@pytest.mark.asyncio
async def test_errors_are_not_posted_to_a_response_url_off_slack(
    door: Door, listener: Listener, caplog: pytest.LogCaptureFixture
) -> None:
    body = command_form(listener.url, text=MISSING)  # the page is a 404: the service declines
    with caplog.at_level(logging.INFO, logger="bot.slack_chat.app"):
        status, _ = await door.post(body, FORM, signed(body))
        await door.slack.settle()
    assert status == 200
    assert door.slack.pages.hits == [MISSING]
    assert listener.received == []
    assert door.slack.api.made() == []
    [refused] = [r for r in caplog.records if "response_url" in r.getMessage()]
    assert refused.levelno == logging.WARNING and "127.0.0.1" in refused.getMessage()
    assert ATTACKER_PATH not in caplog.text


async def broken() -> None:
    raise BadInput("that is not how this works")


@pytest.mark.asyncio
async def test_bolt_errors_are_answered_only_for_requests_we_verified(door: Door) -> None:
    """Bolt's error handler answers requests that came through ``web_app()`` (tested in
    ``tests/test_slack_app.py``) or over Socket Mode; one handed to bolt any other way is only logged."""
    slack = door.slack
    slack.bot.app.command("/broken")(broken)
    payload = {"command": "/broken", "text": "", "team_id": TEAM, "channel_id": CHANNEL, "user_id": ASKER}
    body = urlencode({**payload, "response_url": slack.api.response_url("http")})
    around_the_door = AsyncBoltRequest(body=body, headers={"Content-Type": FORM, **signed(body)})
    assert (await slack.bot.app.async_dispatch(around_the_door)).status == 500
    assert slack.api.made() == []
    socket_mode = AsyncBoltRequest(
        body={**payload, "response_url": slack.api.response_url("socket")}, mode="socket_mode"
    )
    assert (await slack.bot.app.async_dispatch(socket_mode)).status == 500
    [answer] = slack.api.calls_to("response_url")
    assert answer.body["text"] == "That is not how this works."


# -- where a response_url may point --------------------------------------------------------------

API = "http://127.0.0.1:8080/api/"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/commands/T1/123/abc",
        "https://hooks.slack-gov.com/actions/T1/123/abc",
        "https://HOOKS.slack.com/commands/T1/123/abc",
        "https://hooks.slack.com:443/commands/T1/123/abc",
        "http://127.0.0.1:8080/response/x",  # the configured Web API (a proxy; the tests' mock)
    ],
)
def test_response_urls_on_slack_are_allowed(url: str) -> None:
    assert response_url_allowed(url, API)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.slack.com/commands/T1/123/abc",
        "https://evil.example/commands/T1/123/abc",
        "https://hooks.slack.com@evil.example/",
        "https://hooks.slack.com:x@evil.example/",
        "https://hooks.slack.com\\@evil.example/",
        "https://evil.example\\@hooks.slack.com/",
        "https://hooks.slack.com.evil.example/",
        "https://hooks.slack.com:8443/commands/T1/123/abc",
        "https://hooks.slack.com\t/x",
        "https:/hooks.slack.com/x",
        "//hooks.slack.com/x",
        "ftp://hooks.slack.com/x",
        "https://hooks.slack.com:99999999/x",
        "",
        "http://127.0.0.1:9090/response/x",  # the Web API's host on another port
        "https://127.0.0.1:8080/response/x",  # ... or scheme
        "http://127.0.0.2:8080/response/x",
    ],
)
def test_response_urls_anywhere_else_are_refused(url: str) -> None:
    assert not response_url_allowed(url, API)


def test_the_slack_hosts_are_allowed_whatever_the_api_url() -> None:
    assert response_url_allowed("https://hooks.slack.com/x", "https://slack.com/api/")
    assert response_url_allowed("https://hooks.slack.com/x", "not a url")
    assert not response_url_allowed("https://evil.example/x", "not a url")
