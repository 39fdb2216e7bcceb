"""The Slack adapter end to end, in HTTP mode, against a mock Slack Web API.

Signed requests go over real HTTP to the bolt app's ``/slack/events`` (an aiohttp server on
127.0.0.1); the app calls back into a mock Web API (also real HTTP, 127.0.0.1, port 0) that
records every call. Behind the app is the real ``DigestService`` (SQLite in memory) with a
bag-of-words encoder instead of the model, and a fetcher whose network is ``httpx.MockTransport``.
Nothing sleeps for a fixed time: tests wait for the app's work in flight, with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import aiohttp
import httpx
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer
from slack_sdk.signature import SignatureVerifier

from bot.config import Settings
from bot.core.errors import BadInput
from bot.core.fetch import Fetcher, FetchLimits
from bot.core.pipeline import Digester
from bot.core.service import DigestService, ServiceLimits
from bot.core.store import SqliteStore
from bot.core.strings import SERVER
from bot.slack_chat import SlackBot, build_app, serve
from bot.slack_chat.app import EVENTS_PATH
from bot.slack_chat.render import ACTION_MORE, ACTION_QUOTES, ACTION_SHORTER, Controls
from models.quotes import extract_quotes

from .conftest import SAMPLE_HTML, HoldableSummarizer

SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
BOT_USER, BOT_ID, TEAM = "UBOT", "BBOT", "T1"
ASKER, OTHER, ADMIN = "U1", "U2", "UADMIN"
CHANNEL = "C1"
ACK_BUDGET_S = 3.0  # Slack shows the user an error if a request is not acknowledged in 3 s
SETTLE_S = 20.0  # generous: two shared CPU cores, trafilatura and the encoder per article

STORY = "https://news.example/story"
SECOND = "https://news.example/second"
THIRD = "https://news.example/third"
FOURTH = "https://news.example/fourth"
MISSING = "https://news.example/missing"
TITLE = "Harbour town votes to rebuild its flooded sea wall with living reef"
LONG_TEXT = " ".join(
    f"Sentence {i} says the harbour council met again to discuss the reef, the wall and the budget."
    for i in range(12)
)


# -- a mock Slack Web API: real HTTP on 127.0.0.1, port 0 ---------------------------------------


@dataclass(frozen=True)
class ApiCall:
    method: str
    """Web API method (``chat.postMessage``), or ``response_url`` for a response URL."""
    body: dict[str, Any]
    token: str | None
    answer: dict[str, Any]


class SlackApi:
    """Answers like Slack's Web API and records every call; ``fail`` makes a method error."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.failures: dict[str, str] = {}
        self.throttled: set[str] = set()
        """Methods (or ``response_url``) answered once with 429 and ``Retry-After: 0``, as Slack
        answers a client over its rate limit."""
        self.parents: dict[str, str] = {}
        """thread_ts -> the text of the message that started that thread (``conversations.replies``)."""
        self.admins: set[str] = {ADMIN}
        self._ts = itertools.count(1)
        self._lock = threading.Condition()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                api._handle(self)

            def do_POST(self) -> None:
                api._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/api/"
        # A short poll interval: shutdown() waits up to one interval for the loop to notice.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def fail(self, method: str, error: str) -> None:
        self.failures[method] = error

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def made(self) -> list[str]:
        """Methods called, in order, without bolt's own ``auth.test``."""
        with self._lock:
            return [c.method for c in self.calls if c.method != "auth.test"]

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlsplit(request.path)
        raw = request.rfile.read(int(request.headers.get("Content-Length") or 0)).decode("utf-8")
        if raw.startswith("{"):
            body = json.loads(raw)
        else:
            body = dict(parse_qsl(raw or url.query))
        auth = request.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ") or None
        method = "response_url" if url.path.startswith("/response/") else url.path.removeprefix("/api/")
        if method in self.throttled:
            self.throttled.discard(method)
            self._record(ApiCall(method, body, token, {"ok": False, "error": "ratelimited"}))
            data = json.dumps({"ok": False, "error": "ratelimited"}).encode()
            request.send_response(429)
            request.send_header("Retry-After", "0")
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
            return
        if url.path.startswith("/response/"):
            self._record(ApiCall("response_url", body, token, {}))
            self._reply(request, b"ok", "text/plain")
            return
        answer = self._answer(method, body) if token == BOT_TOKEN else {"ok": False, "error": "invalid_auth"}
        self._record(ApiCall(method, body, token, answer))
        self._reply(request, json.dumps(answer).encode(), "application/json; charset=utf-8")

    def _record(self, call: ApiCall) -> None:
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()

    def wait_for(self, method: str, timeout: float = SETTLE_S) -> bool:
        """Block (a thread) until ``method`` has been called, or ``timeout`` passes."""
        with self._lock:
            return self._lock.wait_for(lambda: any(c.method == method for c in self.calls), timeout)

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method in self.failures:
            return {"ok": False, "error": self.failures[method]}
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team_id": TEAM, "user": "precis"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": body["channel"], "ts": ts, "message": {"ts": ts}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "chat.update":
            return {"ok": True, "channel": body["channel"], "ts": body["ts"]}
        if method == "chat.getPermalink":
            stamp = body["message_ts"].replace(".", "")
            return {
                "ok": True,
                "permalink": f"https://precis-test.slack.com/archives/{body['channel']}/p{stamp}",
            }
        if method == "conversations.replies":
            parent = {
                "type": "message",
                "user": OTHER,
                "ts": body["ts"],
                "text": self.parents.get(body["ts"], ""),
            }
            return {"ok": True, "messages": [parent], "has_more": False}
        if method == "users.info":
            return {"ok": True, "user": {"id": body["user"], "is_admin": body["user"] in self.admins}}
        return {"ok": True}

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, data: bytes, content_type: str) -> None:
        request.send_response(200)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)


# -- the web the fetcher sees, and a summarizer that can be held or broken ------------------------


def _article(n: int) -> str:
    """The sample article under its own canonical address: a different article per ``n``."""
    html = SAMPLE_HTML.read_text(encoding="utf-8")
    return html.replace("harbour-reef-wall", f"harbour-reef-wall-{n}")


class Pages:
    """The fetcher's network: a few articles, a 404, and a gate to hold fetches at."""

    def __init__(self) -> None:
        self.routes = {STORY: _article(1), SECOND: _article(2)}
        self.hits: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.hits.append(str(request.url))
        await self.gate.wait()
        body = self.routes.get(str(request.url))
        if body is None:
            return httpx.Response(
                404, text="<html><title>Not found</title></html>", headers={"Content-Type": "text/html"}
            )
        return httpx.Response(200, text=body, headers={"Content-Type": "text/html; charset=utf-8"})


ControlledSummarizer = HoldableSummarizer  # the real selection on bag-of-words vectors; holdable, breakable


# -- the harness: signed requests in over HTTP, recorded Web API calls out -----------------------


def signed(body: str, secret: str = SECRET) -> dict[str, str]:
    """The headers Slack signs a request with (``v0`` HMAC-SHA256 of timestamp and body)."""
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


class Slack:
    def __init__(
        self,
        api: SlackApi,
        bot: SlackBot,
        service: DigestService,
        pages: Pages,
        summarizer: ControlledSummarizer,
        http: aiohttp.ClientSession,
        url: str,
    ) -> None:
        self.api, self.bot, self.service, self.pages, self.summarizer = api, bot, service, pages, summarizer
        self._http, self._url = http, url
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self.delivered = ""

    def ts(self) -> str:
        return f"1600000000.{next(self._ts):06d}"

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        secret: str = SECRET,
        url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, float]:
        headers = {"Content-Type": content_type, **signed(body, secret), **(headers or {})}
        started = time.perf_counter()
        async with self._http.post(url or self._url, data=body.encode(), headers=headers) as response:
            text = await response.text()
        return response.status, text, time.perf_counter() - started

    async def event(self, event: dict[str, Any]) -> int:
        body = {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"Ev{next(self._ids)}",
            "event_time": int(time.time()),
            "event": {"channel": CHANNEL, "event_ts": event.get("ts"), **event},
        }
        self.delivered = json.dumps(body)
        status, _, elapsed = await self.post(self.delivered, "application/json")
        assert elapsed < ACK_BUDGET_S
        return status

    async def redeliver(self, attempt: int = 1) -> int:
        """The last event again, as Slack retries it (same body, ``X-Slack-Retry-Num``)."""
        headers = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"}
        status, _, _ = await self.post(self.delivered, "application/json", headers=headers)
        return status

    async def mention(self, text: str, *, user: str = ASKER, thread_ts: str | None = None) -> str:
        ts = self.ts()
        event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts}
        if thread_ts:
            event["thread_ts"] = thread_ts
        assert await self.event(event) == 200
        return ts

    async def message(self, text: str, **extra: Any) -> str:
        ts = self.ts()
        event = {"type": "message", "channel_type": "channel", "user": ASKER, "text": text, "ts": ts, **extra}
        assert await self.event(event) == 200
        return ts

    async def command(self, text: str, *, user: str = ASKER) -> tuple[int, str, float]:
        form = {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "test",
            "channel_id": CHANNEL,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/summarize",
            "text": text,
            "api_app_id": "A1",
            "response_url": self.api.response_url(f"command-{next(self._ids)}"),
            "trigger_id": "trig",
        }
        return await self.post(urlencode(form), "application/x-www-form-urlencoded")

    async def interact(self, payload: dict[str, Any]) -> int:
        status, _, elapsed = await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )
        assert elapsed < ACK_BUDGET_S
        return status

    async def shortcut(self, message: dict[str, Any], *, user: str = ASKER) -> int:
        return await self.interact({
            "type": "message_action", "callback_id": "summarize", "trigger_id": "trig",
            "team": {"id": TEAM}, "channel": {"id": CHANNEL}, "user": {"id": user},
            "message_ts": message["ts"], "message": message,
            "response_url": self.api.response_url(f"shortcut-{next(self._ids)}"),
        })  # fmt: skip

    async def press(
        self, button: dict[str, Any], message_ts: str, *, user: str = ASKER, thread_ts: str | None = None
    ) -> int:
        message = {"type": "message", "ts": message_ts, "thread_ts": thread_ts, "text": "digest"}
        return await self.interact({
            "type": "block_actions", "trigger_id": "trig", "team": {"id": TEAM},
            "channel": {"id": CHANNEL}, "user": {"id": user}, "message": message,
            "container": {"type": "message", "message_ts": message_ts, "channel_id": CHANNEL},
            "response_url": self.api.response_url(f"button-{next(self._ids)}"),
            "actions": [{**button, "block_id": "precis_controls", "action_ts": "1"}],
        })  # fmt: skip

    async def settle(self) -> None:
        """Wait (with a deadline) until the app has finished everything requests started."""
        async with asyncio.timeout(SETTLE_S):
            await self.bot.join()


SlackFactory = Callable[..., Awaitable[Slack]]


@pytest_asyncio.fixture
async def make_slack() -> AsyncIterator[SlackFactory]:
    async with contextlib.AsyncExitStack() as stack:

        async def make(limits: ServiceLimits | None = None, **overrides: Any) -> Slack:
            api = SlackApi()
            api.thread.start()
            stack.callback(api.httpd.server_close)
            stack.callback(api.httpd.shutdown)
            pages = Pages()
            fetcher = await stack.enter_async_context(
                Fetcher(FetchLimits(timeout_s=SETTLE_S), transport=httpx.MockTransport(pages.handler))
            )
            summarizer = ControlledSummarizer()
            digester = Digester(fetcher, summarizer, find_quotes=extract_quotes)
            service = DigestService(digester, await SqliteStore.open(":memory:"), limits or ServiceLimits())
            stack.push_async_callback(service.aclose)
            settings = Settings(
                _env_file=None,
                slack_bot_token=BOT_TOKEN,
                slack_signing_secret=SECRET,
                slack_api_url=api.base_url,
                **overrides,
            )
            bot = build_app(settings, service)
            stack.push_async_callback(bot.aclose)
            server = TestServer(bot.web_app())
            await server.start_server()
            stack.push_async_callback(server.close)
            http = await stack.enter_async_context(aiohttp.ClientSession())
            return Slack(api, bot, service, pages, summarizer, http, str(server.make_url(EVENTS_PATH)))

        yield make


@pytest_asyncio.fixture
async def slack(make_slack: SlackFactory) -> Slack:
    return await make_slack()


def _blocks_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def _buttons(call: ApiCall) -> dict[str, dict[str, Any]]:
    actions = [b for b in call.body["blocks"] if b["type"] == "actions"]
    return {e["action_id"]: {k: e[k] for k in ("action_id", "value", "type")} for e in actions[0]["elements"]}


def _points(call: ApiCall) -> int:
    sections = [b["text"]["text"] for b in call.body["blocks"] if b["type"] == "section"]
    return sum(text.count("\n• ") for text in sections)


# -- @precis <link> --------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_mention_posts_the_digest_in_that_messages_thread(slack: Slack) -> None:
    ts = await slack.mention(f"<{STORY}>")
    await slack.settle()
    assert slack.api.made() == ["reactions.add", "chat.postMessage", "chat.getPermalink", "reactions.remove"]
    [post] = slack.api.calls_to("chat.postMessage")
    assert post.token == BOT_TOKEN
    assert post.body["channel"] == CHANNEL and post.body["thread_ts"] == ts
    blocks = post.body["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": TITLE}}
    assert "Coastline Courier · Maya Okafor" in blocks[1]["elements"][0]["text"]
    assert _points(post) == 3  # the default, beside the TL;DR
    assert "> — Harriet Blake" in _blocks_text(blocks)
    assert set(_buttons(post)) == {ACTION_SHORTER, ACTION_MORE, ACTION_QUOTES}
    assert post.body["text"].startswith(TITLE)
    # ⏳ on the message while it works, taken back once the digest is there
    for method in ("reactions.add", "reactions.remove"):
        [call] = slack.api.calls_to(method)
        assert call.body == {"channel": CHANNEL, "timestamp": ts, "name": "hourglass_flowing_sand"}


@pytest.mark.asyncio
async def test_mention_inside_a_thread_answers_in_that_thread(slack: Slack) -> None:
    await slack.mention(f"<{STORY}|news.example/story>", thread_ts="1500000000.000001")
    await slack.settle()
    [post] = slack.api.calls_to("chat.postMessage")
    assert post.body["thread_ts"] == "1500000000.000001"


@pytest.mark.asyncio
async def test_mention_without_a_link_gets_an_ephemeral_hint(slack: Slack) -> None:
    ts = await slack.mention("what do you think?")
    await slack.settle()
    assert slack.api.made() == ["chat.postEphemeral"]
    [hint] = slack.api.calls_to("chat.postEphemeral")
    assert hint.body["user"] == ASKER and hint.body["channel"] == CHANNEL and hint.body["thread_ts"] == ts
    assert "Mention me with a link" in hint.body["text"]


@pytest.mark.asyncio
async def test_mention_of_an_unreadable_page_gets_an_ephemeral_reason(slack: Slack) -> None:
    ts = await slack.mention(f"<{MISSING}>")
    await slack.settle()
    assert slack.api.made() == ["reactions.add", "chat.postEphemeral", "reactions.remove"]
    [error] = slack.api.calls_to("chat.postEphemeral")
    assert error.body["user"] == ASKER and error.body["thread_ts"] == ts
    assert error.body["text"].startswith("I couldn't summarize that:")
    assert "404" in error.body["text"]


@pytest.mark.asyncio
async def test_mention_with_several_links_gives_each_its_own_digest_three_at_most(slack: Slack) -> None:
    slack.pages.routes[THIRD] = _article(3)
    slack.pages.routes[FOURTH] = _article(4)
    ts = await slack.mention(f"<{STORY}> and <{SECOND}>, <{THIRD}>, <{FOURTH}>")
    await slack.settle()
    assert slack.pages.hits == [STORY, SECOND, THIRD]
    posts = slack.api.calls_to("chat.postMessage")
    assert [p.body["thread_ts"] for p in posts] == [ts, ts, ts]
    assert all(p.body["blocks"][0]["type"] == "header" for p in posts)


@pytest.mark.asyncio
async def test_mention_in_a_thread_without_a_link_takes_the_link_of_the_threads_first_message(
    slack: Slack,
) -> None:
    slack.api.parents["1500000000.000001"] = f"have you seen <{STORY}|this>?"
    await slack.mention("tl;dr please", thread_ts="1500000000.000001")
    await slack.settle()
    [replies] = slack.api.calls_to("conversations.replies")
    assert replies.body["channel"] == CHANNEL and replies.body["ts"] == "1500000000.000001"
    [post] = slack.api.calls_to("chat.postMessage")
    assert post.body["thread_ts"] == "1500000000.000001" and post.body["blocks"][0]["text"]["text"] == TITLE


@pytest.mark.asyncio
async def test_a_link_already_summarized_here_links_to_the_earlier_thread(slack: Slack) -> None:
    await slack.mention(f"<{STORY}>")
    await slack.settle()
    [first] = slack.api.calls_to("chat.getPermalink")
    again = await slack.mention(f"<{STORY}?utm_source=newsletter>", user=OTHER)
    await slack.settle()
    posts = slack.api.calls_to("chat.postMessage")
    assert len(posts) == 2 and len(slack.pages.hits) == 1  # not fetched or summarized again
    assert posts[1].body["thread_ts"] == again
    assert "blocks" not in posts[1].body
    permalink = first.answer["permalink"]
    assert posts[1].body["text"] == f"Already summarized here: <{permalink}|see the earlier thread>"


# -- links in channels set to auto -----------------------------------------------------------


@pytest.mark.asyncio
async def test_links_in_an_auto_channel_get_a_digest_in_their_thread(slack: Slack) -> None:
    await slack.service.update_settings("slack", TEAM, CHANNEL, trigger="auto", points=3)
    ts = await slack.message(f"Worth a read: <{STORY}>")
    await slack.settle()
    [post] = slack.api.calls_to("chat.postMessage")
    assert post.body["channel"] == CHANNEL and post.body["thread_ts"] == ts
    assert _points(post) == 3


@pytest.mark.asyncio
async def test_links_in_a_mention_only_channel_are_left_alone(slack: Slack) -> None:
    await slack.message(f"Worth a read: <{STORY}>")
    await slack.settle()
    assert slack.api.made() == [] and slack.pages.hits == []


@pytest.mark.asyncio
async def test_auto_ignores_bots_itself_edits_and_messages_that_mention_it(slack: Slack) -> None:
    await slack.service.update_settings("slack", TEAM, CHANNEL, trigger="auto")
    link = f"<{STORY}>"
    await slack.message(link, bot_id="BOTHER", user="UOTHERBOT")
    await slack.message(link, subtype="bot_message", bot_id="BOTHER")
    await slack.message(link, user=BOT_USER)
    await slack.message(link, subtype="message_changed")
    await slack.message(link, channel_type="im")
    await slack.message(f"<@{BOT_USER}> {link}")  # the app_mention event answers this one
    await slack.settle()
    assert slack.api.made() == [] and slack.pages.hits == []


@pytest.mark.asyncio
async def test_auto_failures_are_logged_not_shown(slack: Slack, caplog: pytest.LogCaptureFixture) -> None:
    await slack.service.update_settings("slack", TEAM, CHANNEL, trigger="auto")
    with caplog.at_level(logging.INFO):
        await slack.message(f"<{MISSING}>")
        await slack.settle()
    assert slack.api.made() == []
    assert any("declined (http_status)" in r.getMessage() for r in caplog.records)


@pytest.mark.asyncio
async def test_auto_passes_over_links_that_are_not_articles_before_fetching(slack: Slack) -> None:
    await slack.service.update_settings("slack", TEAM, CHANNEL, trigger="auto")
    await slack.message("<https://www.youtube.com/watch?v=abc> <https://news.example/cat.gif>")
    await slack.settle()
    assert slack.api.made() == [] and slack.pages.hits == []


@pytest.mark.asyncio
async def test_auto_takes_up_to_three_links_each_its_own_digest(slack: Slack) -> None:
    await slack.service.update_settings("slack", TEAM, CHANNEL, trigger="auto")
    ts = await slack.message(f"<{STORY}> <{SECOND}>")
    await slack.settle()
    posts = slack.api.calls_to("chat.postMessage")
    assert [p.body["thread_ts"] for p in posts] == [ts, ts] and slack.pages.hits == [STORY, SECOND]


# -- one reply per message, whatever happens ------------------------------------------------------


@pytest.mark.asyncio
async def test_a_retried_event_gets_no_second_answer_while_the_first_works(slack: Slack) -> None:
    slack.summarizer.hold = threading.Event()
    try:
        await slack.mention(f"<{STORY}>")
        assert await asyncio.to_thread(slack.summarizer.entered.wait, SETTLE_S)
        assert await slack.redeliver(1) == 200  # Slack thought the first delivery timed out
    finally:
        slack.summarizer.hold.set()
    await slack.settle()
    assert len(slack.api.calls_to("chat.postMessage")) == 1 and slack.api.calls_to("chat.postEphemeral") == []


@pytest.mark.asyncio
async def test_a_retried_event_after_the_answer_gets_nothing(slack: Slack) -> None:
    await slack.service.update_settings("slack", TEAM, CHANNEL, trigger="auto")
    await slack.message(f"<{STORY}>")
    await slack.settle()
    made = slack.api.made()
    for attempt in (1, 2):
        assert await slack.redeliver(attempt) == 200
    await slack.settle()
    assert slack.api.made() == made  # no "Already summarized here", no second digest


@pytest.mark.asyncio
async def test_a_throttled_post_is_retried_after_retry_after(slack: Slack) -> None:
    slack.api.throttled.add("chat.postMessage")
    await slack.mention(f"<{STORY}>")
    await slack.settle()
    refused, posted = slack.api.calls_to("chat.postMessage")
    assert refused.answer["error"] == "ratelimited" and posted.answer["ok"] is True
    assert posted.body["blocks"][0]["text"]["text"] == TITLE
    assert slack.api.calls_to("chat.postEphemeral") == []


@pytest.mark.asyncio
async def test_a_throttled_response_url_is_retried(slack: Slack) -> None:
    slack.api.throttled.add("response_url")
    await slack.command(MISSING)
    await slack.settle()
    refused, answered = slack.api.calls_to("response_url")
    assert answered.body["text"] == refused.body["text"] and "404" in answered.body["text"]


@pytest.mark.asyncio
async def test_a_digest_past_its_deadline_says_it_took_too_long(slack: Slack) -> None:
    slack.bot.flow.deadline_s = 0.5
    slack.summarizer.hold = threading.Event()
    try:
        await slack.command(STORY)
        assert await asyncio.to_thread(slack.api.wait_for, "response_url")
    finally:
        slack.summarizer.hold.set()
    await slack.settle()
    [answer] = slack.api.calls_to("response_url")
    assert (
        answer.body["text"] == "I couldn't summarize that: that took too long (over 1 s), so I gave up on it."
    )
    assert slack.api.calls_to("chat.postMessage") == []


# -- /summarize --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_slash_command_acks_at_once_then_threads_the_digest_under_a_summary_line(slack: Slack) -> None:
    slack.pages.gate.clear()  # every fetch waits until the test lets it go
    status, body, elapsed = await slack.command(STORY)
    assert status == 200 and elapsed < ACK_BUDGET_S
    assert body == "Summarizing…"  # an ack's text: only the asker sees it
    assert slack.api.made() == []  # acknowledged while the work has not even been fetched
    slack.pages.gate.set()
    await slack.settle()
    assert slack.api.made() == ["chat.postMessage", "chat.postMessage", "chat.getPermalink"]
    top, digest = slack.api.calls_to("chat.postMessage")
    assert top.body["channel"] == CHANNEL and "thread_ts" not in top.body
    assert top.body["text"] == f"Summary of *{TITLE}* for u1"  # named, not mentioned: no ping
    assert "<@" not in json.dumps(top.body)
    assert digest.body["channel"] == CHANNEL and digest.body["thread_ts"] == top.answer["ts"]
    assert digest.body["blocks"][0]["text"]["text"] == TITLE


@pytest.mark.parametrize(
    "text",
    [f"please summarize {STORY}", "news.example/story", f"<{STORY}|news.example/story> thanks!"],
    ids=["words around it", "bare domain", "slack-formatted"],
)
@pytest.mark.asyncio
async def test_slash_command_takes_the_link_however_it_is_pasted(slack: Slack, text: str) -> None:
    await slack.command(text)
    await slack.settle()
    assert slack.pages.hits == [STORY]
    _, digest = slack.api.calls_to("chat.postMessage")
    assert digest.body["blocks"][0]["text"]["text"] == TITLE


@pytest.mark.asyncio
async def test_slash_command_with_two_links_threads_two_digests_under_one_line(slack: Slack) -> None:
    await slack.command(f"{STORY} {SECOND}")
    await slack.settle()
    top, *digests = slack.api.calls_to("chat.postMessage")
    assert top.body["text"] == f"Summary of *{TITLE}* (+1 more) for u1"
    assert [d.body["thread_ts"] for d in digests] == [top.answer["ts"]] * 2
    assert slack.pages.hits == [STORY, SECOND]


@pytest.mark.asyncio
async def test_slash_command_with_pasted_text(slack: Slack) -> None:
    await slack.command(LONG_TEXT)
    await slack.settle()
    top, digest = slack.api.calls_to("chat.postMessage")
    assert top.body["text"] == "Summary of your text for u1"
    assert digest.body["thread_ts"] == top.answer["ts"]
    assert slack.api.calls_to("chat.getPermalink") == []  # text is never "already summarized"


@pytest.mark.asyncio
async def test_slash_command_errors_come_back_ephemeral(slack: Slack) -> None:
    status, _, _ = await slack.command(MISSING)
    await slack.settle()
    assert status == 200
    assert slack.api.made() == ["response_url"]
    [answer] = slack.api.calls_to("response_url")
    assert answer.body["response_type"] == "ephemeral" and answer.body["replace_original"] is False
    assert answer.body["text"].startswith("I couldn't summarize that:") and "404" in answer.body["text"]


@pytest.mark.asyncio
async def test_slash_command_where_the_bot_cannot_post_sends_the_digest_privately(slack: Slack) -> None:
    slack.api.fail("chat.postMessage", "channel_not_found")
    await slack.command(STORY)
    await slack.settle()
    assert slack.api.made() == ["chat.postMessage", "response_url"]
    [answer] = slack.api.calls_to("response_url")
    assert answer.body["response_type"] == "ephemeral"
    assert "/invite @precis" in answer.body["blocks"][0]["elements"][0]["text"]
    assert answer.body["blocks"][1]["text"]["text"] == TITLE
    assert all(b["type"] != "actions" for b in answer.body["blocks"])  # no buttons on an ephemeral


@pytest.mark.asyncio
async def test_slash_command_for_a_link_already_summarized_answers_privately(slack: Slack) -> None:
    await slack.mention(f"<{STORY}>")
    await slack.settle()
    await slack.command(STORY)
    await slack.settle()
    [answer] = slack.api.calls_to("response_url")
    assert answer.body["text"].startswith("Already summarized here: <https://precis-test.slack.com/")
    assert len(slack.api.calls_to("chat.postMessage")) == 1


@pytest.mark.asyncio
async def test_slash_command_without_arguments_acks_with_usage(slack: Slack) -> None:
    status, body, _ = await slack.command("")
    await slack.settle()
    assert status == 200 and body.startswith("Use `/summarize <link>`")  # plain text: ephemeral
    assert slack.api.made() == []


# -- /summarize settings -----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_settings_show_the_channels_settings(slack: Slack) -> None:
    await slack.command("settings")
    await slack.settle()
    [answer] = slack.api.calls_to("response_url")
    assert answer.body["response_type"] == "ephemeral"
    assert f"*precis settings for <#{CHANNEL}>*" in answer.body["text"]
    assert "Trigger: `mention`" in answer.body["text"]


@pytest.mark.asyncio
async def test_settings_changed_by_an_admin(slack: Slack) -> None:
    await slack.command("settings trigger auto points 5 quotes off block spam.example", user=ADMIN)
    await slack.settle()
    assert slack.api.made() == ["users.info", "response_url"]
    assert slack.api.calls_to("users.info")[0].body["user"] == ADMIN
    [answer] = slack.api.calls_to("response_url")
    assert answer.body["text"].startswith("Saved.") and "Trigger: `auto`" in answer.body["text"]
    saved = await slack.service.get_settings("slack", TEAM, CHANNEL)
    assert (saved.trigger, saved.points, saved.quotes) == ("auto", 5, False)
    assert saved.blocked_domains == ("spam.example",)


@pytest.mark.asyncio
async def test_settings_cannot_be_changed_by_others(slack: Slack) -> None:
    await slack.command("settings trigger auto", user=OTHER)
    await slack.settle()
    [answer] = slack.api.calls_to("response_url")
    assert answer.body["text"] == "Only workspace admins can change my settings."
    assert (await slack.service.get_settings("slack", TEAM, CHANNEL)).trigger == "mention"


@pytest.mark.asyncio
async def test_settings_with_a_bad_value_say_why(slack: Slack) -> None:
    await slack.command("settings points 99", user=ADMIN)
    await slack.settle()
    [answer] = slack.api.calls_to("response_url")
    assert "from 1 to 8" in answer.body["text"]
    assert (await slack.service.get_settings("slack", TEAM, CHANNEL)).points == 3  # unchanged


# -- the reply language (issue 15) -------------------------------------------------------------


def _labels(call: ApiCall) -> list[str]:
    actions = [b for b in call.body["blocks"] if b["type"] == "actions"]
    return [e["text"]["text"] for e in actions[0]["elements"]] if actions else []


@pytest.mark.asyncio
async def test_the_reply_language_is_the_workspaces_set_by_an_admin(slack: Slack) -> None:
    await slack.command("settings")
    await slack.settle()
    assert "Reply language (whole workspace): English" in slack.api.calls_to("response_url")[0].body["text"]

    await slack.command("settings language de", user=OTHER)
    await slack.settle()
    assert (
        slack.api.calls_to("response_url")[1].body["text"] == "Only workspace admins can change my settings."
    )
    assert await slack.service.reply_language("slack", TEAM) == "en"

    await slack.command("settings points 5 language Deutsch", user=ADMIN)
    await slack.settle()
    answer = slack.api.calls_to("response_url")[2].body["text"]
    assert answer.startswith("Saved.") and "Reply language (whole workspace): Deutsch" in answer
    assert await slack.service.reply_language("slack", TEAM) == "de"
    saved = await slack.service.get_settings("slack", TEAM, CHANNEL)
    assert saved.points == 5 and saved.language == "en"  # the channel's own: not where it is kept


@pytest.mark.asyncio
async def test_an_unknown_reply_language_is_refused_and_nothing_is_saved(slack: Slack) -> None:
    await slack.command("settings points 5 language klingon", user=ADMIN)
    await slack.settle()
    [answer] = slack.api.calls_to("response_url")
    assert answer.body["text"].startswith("The reply language must be one of en (English), de (Deutsch), ")
    assert await slack.service.reply_language("slack", TEAM) == "en"
    assert (await slack.service.get_settings("slack", TEAM, CHANNEL)).points == 3


@pytest.mark.asyncio
async def test_a_workspaces_language_words_the_reply_and_its_buttons_keep_it(slack: Slack) -> None:
    await slack.service.update_settings("slack", TEAM, SERVER, language="fr")
    thread = await slack.mention(f"<{STORY}>")
    await slack.settle()
    [post] = slack.api.calls_to("chat.postMessage")
    blocks = post.body["blocks"]
    assert blocks[0]["text"]["text"] == TITLE  # the article's own words
    context = blocks[1]["elements"][0]["text"]
    assert " min de lecture · lu en anglais · <https://" in context and context.endswith("|Ouvrir l’article>")
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections[0].startswith("*En bref* ") and sections[1].startswith("*Points clés*\n• ")
    assert "> — Harriet Blake" in _blocks_text(blocks)
    assert "TL;DR" not in _blocks_text(blocks) and "Key points" not in _blocks_text(blocks)
    assert _labels(post) == ["Plus court", "Plus de points", "Masquer les citations"]
    assert Controls.decode(_buttons(post)[ACTION_SHORTER]["value"]).language == "fr"

    # The setting changes after the digest was posted: its buttons keep the digest's language.
    await slack.service.update_settings("slack", TEAM, SERVER, language="es")
    await slack.press(_buttons(post)[ACTION_SHORTER], post.answer["ts"], thread_ts=thread)
    await slack.settle()
    [shorter] = slack.api.calls_to("chat.update")
    assert _points(shorter) == 1 and "*Points clés*" in _blocks_text(shorter.body["blocks"])
    assert _labels(shorter) == ["Plus de points", "Masquer les citations"]


@pytest.mark.asyncio
async def test_the_command_announces_in_the_workspaces_language(slack: Slack) -> None:
    await slack.service.update_settings("slack", TEAM, SERVER, language="nl")
    await slack.command(STORY)
    await slack.settle()
    top, digest = slack.api.calls_to("chat.postMessage")
    assert top.body["text"] == f"Samenvatting van *{TITLE}* voor u1"
    assert _labels(digest) == ["Korter", "Meer punten", "Citaten verbergen"]


@pytest.mark.asyncio
async def test_by_default_the_reply_is_english_and_its_buttons_as_before(slack: Slack) -> None:
    await slack.mention(f"<{STORY}>")
    await slack.settle()
    [post] = slack.api.calls_to("chat.postMessage")
    context = post.body["blocks"][1]["elements"][0]["text"]
    assert " min read · <https://" in context and "read in" not in context  # English in English
    assert _labels(post) == ["Shorter", "More points", "Hide quotes"]
    value = json.loads(_buttons(post)[ACTION_MORE]["value"])
    assert set(value) == {"article_key", "owner", "points", "quotes"}  # the value buttons had before


# -- the Summarize message shortcut --------------------------------------------------------------


@pytest.mark.asyncio
async def test_shortcut_posts_the_digest_in_that_messages_thread(slack: Slack) -> None:
    message = {"type": "message", "user": OTHER, "ts": "1600000000.000777", "text": f"see <{STORY}>"}
    assert await slack.shortcut(message) == 200
    await slack.settle()
    [post] = slack.api.calls_to("chat.postMessage")
    assert post.body["thread_ts"] == "1600000000.000777"
    assert post.body["blocks"][0]["text"]["text"] == TITLE
    [working] = slack.api.calls_to("reactions.add")
    assert working.body["timestamp"] == "1600000000.000777"
    assert slack.api.made()[-1] == "reactions.remove"


@pytest.mark.asyncio
async def test_shortcut_on_a_reply_uses_its_thread_and_summarizes_plain_text(slack: Slack) -> None:
    message = {
        "type": "message",
        "user": OTHER,
        "ts": "1600000000.000888",
        "thread_ts": "1600000000.000100",
        "text": LONG_TEXT,
    }
    await slack.shortcut(message)
    await slack.settle()
    [post] = slack.api.calls_to("chat.postMessage")
    assert post.body["thread_ts"] == "1600000000.000100"
    assert post.body["blocks"][0]["text"]["text"] == "Summary"


@pytest.mark.asyncio
async def test_shortcut_failures_come_back_ephemeral(slack: Slack) -> None:
    await slack.shortcut({"type": "message", "user": OTHER, "ts": "1600000000.000999", "text": "too short"})
    await slack.settle()
    assert slack.api.made() == ["reactions.add", "response_url", "reactions.remove"]
    [answer] = slack.api.calls_to("response_url")
    assert answer.body["response_type"] == "ephemeral" and "too little text" in answer.body["text"]


# -- Shorter / More points / Quotes ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_buttons_rerender_the_digest_in_place(slack: Slack) -> None:
    thread = await slack.mention(f"<{STORY}>")
    await slack.settle()
    [post] = slack.api.calls_to("chat.postMessage")
    digest_ts = post.answer["ts"]
    await slack.press(_buttons(post)[ACTION_SHORTER], digest_ts, thread_ts=thread)
    await slack.settle()
    [shorter] = slack.api.calls_to("chat.update")
    assert shorter.body["channel"] == CHANNEL and shorter.body["ts"] == digest_ts
    assert _points(shorter) == 1 and "> — Harriet Blake" in _blocks_text(shorter.body["blocks"])
    await slack.press(_buttons(shorter)[ACTION_QUOTES], digest_ts, thread_ts=thread)
    await slack.settle()
    no_quotes = slack.api.calls_to("chat.update")[1]
    assert _points(no_quotes) == 1 and "> —" not in _blocks_text(no_quotes.body["blocks"])
    assert Controls.decode(_buttons(no_quotes)[ACTION_QUOTES]["value"]).quotes is True
    assert len(slack.pages.hits) == 1  # re-rendered from the cached article
    assert slack.api.calls_to("response_url") == []


@pytest.mark.asyncio
async def test_no_quotes_button_when_the_article_has_none(slack: Slack) -> None:
    html = _article(1)
    for mark in ('"', "“", "”"):
        html = html.replace(mark, "")
    slack.pages.routes[STORY] = html.replace("&quot;", "").replace("&ldquo;", "").replace("&rdquo;", "")
    await slack.mention(f"<{STORY}>")
    await slack.settle()
    [post] = slack.api.calls_to("chat.postMessage")
    assert "> —" not in _blocks_text(post.body["blocks"])
    assert set(_buttons(post)) == {ACTION_SHORTER, ACTION_MORE}


@pytest.mark.asyncio
async def test_buttons_are_the_askers_unless_configured_otherwise(make_slack: SlackFactory) -> None:
    for anyone in (False, True):
        slack = await make_slack(buttons_for_anyone=anyone)
        await slack.mention(f"<{STORY}>")
        await slack.settle()
        [post] = slack.api.calls_to("chat.postMessage")
        await slack.press(_buttons(post)[ACTION_MORE], post.answer["ts"], user=OTHER)
        await slack.settle()
        if anyone:
            [update] = slack.api.calls_to("chat.update")
            assert _points(update) == 5
        else:
            assert slack.api.calls_to("chat.update") == []
            [answer] = slack.api.calls_to("response_url")
            assert answer.body["text"] == f"Only <@{ASKER}> can change this summary."


@pytest.mark.asyncio
async def test_a_button_on_an_expired_article_says_so(slack: Slack) -> None:
    value = Controls("0" * 32, ASKER, 4, True).encode()
    await slack.press({"action_id": ACTION_MORE, "value": value, "type": "button"}, "1700000000.000001")
    await slack.settle()
    assert slack.api.made() == ["response_url"]
    [answer] = slack.api.calls_to("response_url")
    assert answer.body["text"].startswith("That article has left my cache")


# -- the service saying no, and things going wrong ----------------------------------------------


@pytest.mark.asyncio
async def test_blocked_domains_are_refused_before_fetching(slack: Slack) -> None:
    await slack.service.update_settings("slack", TEAM, CHANNEL, blocked_domains=["news.example"])
    await slack.command(STORY)
    await slack.settle()
    [answer] = slack.api.calls_to("response_url")
    assert answer.body["text"] == "Links to news.example aren't summarized in this channel."
    assert slack.pages.hits == []


@pytest.mark.asyncio
async def test_rate_limited_users_are_told_when_to_try_again(make_slack: SlackFactory) -> None:
    slack = await make_slack(ServiceLimits(user_burst=1, user_rate=1 / 3600))
    await slack.mention(f"<{STORY}>")
    await slack.settle()
    await slack.mention(f"<{SECOND}>")
    await slack.settle()
    [answer] = slack.api.calls_to("chat.postEphemeral")
    assert answer.body["text"].startswith("You're going a bit fast: try again in ")
    assert slack.pages.hits == [STORY]


@pytest.mark.asyncio
async def test_a_full_queue_answers_busy(make_slack: SlackFactory) -> None:
    slack = await make_slack(ServiceLimits(workers=1, queue_size=0))
    slack.summarizer.hold = threading.Event()
    try:
        await slack.mention(f"<{STORY}>")
        assert await asyncio.to_thread(slack.summarizer.entered.wait, SETTLE_S)  # the worker is taken
        await slack.command(SECOND)
        assert await asyncio.to_thread(slack.api.wait_for, "response_url")  # answered meanwhile
    finally:
        slack.summarizer.hold.set()
    await slack.settle()
    [answer] = slack.api.calls_to("response_url")
    assert answer.body["text"] == "I'm busy right now: try again in a minute."
    assert len(slack.api.calls_to("chat.postMessage")) == 1  # the first digest still arrived


@pytest.mark.asyncio
async def test_unexpected_errors_are_logged_and_answered_plainly(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.summarizer.error = RuntimeError("encoder exploded")
    with caplog.at_level(logging.ERROR):
        await slack.command(STORY)
        await slack.settle()
    [answer] = slack.api.calls_to("response_url")
    assert answer.body["text"] == "Something went wrong on my side; it has been logged."
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]  # logged once, not twice
    assert record.levelno == logging.ERROR and record.exc_info
    assert "encoder exploded" in str(record.exc_info[1])
    assert "encoder exploded" not in answer.body["text"]


@pytest.mark.asyncio
async def test_errors_raised_inside_bolt_reach_the_same_handler(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> None:
        raise BadInput("that is not how this works")

    slack.bot.app.command("/broken")(broken)  # a plain bolt listener that fails
    form = {
        "command": "/broken",
        "text": "",
        "team_id": TEAM,
        "channel_id": CHANNEL,
        "user_id": ASKER,
        "response_url": slack.api.response_url("broken"),
    }
    with caplog.at_level(logging.INFO):
        status, _, _ = await slack.post(urlencode(form), "application/x-www-form-urlencoded")
        assert await asyncio.to_thread(slack.api.wait_for, "response_url")
    assert status == 500  # bolt's answer to Slack for a listener that raised
    [answer] = slack.api.calls_to("response_url")
    assert answer.body == {
        "text": "That is not how this works.",
        "response_type": "ephemeral",
        "replace_original": False,
    }
    assert any("declined (bad_input)" in r.getMessage() for r in caplog.records)


@pytest.mark.asyncio
async def test_requests_not_signed_by_slack_are_refused(slack: Slack) -> None:
    body = urlencode(
        {
            "command": "/summarize",
            "text": STORY,
            "user_id": ASKER,
            "channel_id": CHANNEL,
            "team_id": TEAM,
            "response_url": slack.api.response_url("x"),
        }
    )
    status, _, _ = await slack.post(body, "application/x-www-form-urlencoded", secret="not-the-secret")
    await slack.settle()
    assert status == 401
    assert slack.api.calls == [] and slack.pages.hits == []


# -- wiring --------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_serve_says_which_token_is_missing(slack: Slack, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    bare = Settings(_env_file=None, slack_bot_token=BOT_TOKEN)
    with pytest.raises(BadInput, match="SLACK_APP_TOKEN"):
        await serve(bare, slack.service, http=False, port=0)
    with pytest.raises(BadInput, match="SLACK_SIGNING_SECRET"):
        await serve(bare, slack.service, http=True, port=0)
    with pytest.raises(BadInput, match="SLACK_BOT_TOKEN"):
        build_app(Settings(_env_file=None), slack.service)


CHALLENGE = json.dumps({"token": "legacy", "challenge": "c-123", "type": "url_verification"})


async def serving(slack: Slack) -> tuple[asyncio.Task[None], str]:
    """``serve`` over HTTP on a free port, on ``slack``'s service and mock Web API; returns the
    server task and its events URL once it answers there."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        _env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.api.base_url,
    )
    server = asyncio.create_task(serve(settings, slack.service, http=True, port=port))
    url = f"http://127.0.0.1:{port}{EVENTS_PATH}"
    async with asyncio.timeout(SETTLE_S):
        for _ in itertools.count():  # until the server listens
            try:
                status, body, _ = await slack.post(CHALLENGE, "application/json", url=url)
                break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.02)
    assert status == 200 and json.loads(body) == {"challenge": "c-123"}
    return server, url


@pytest.mark.asyncio
async def test_serve_answers_slack_on_slack_events_until_stopped(slack: Slack) -> None:
    server, url = await serving(slack)
    server.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await server
    with pytest.raises(aiohttp.ClientConnectionError):
        await slack.post(CHALLENGE, "application/json", url=url)


def test_an_api_error_whose_answer_is_not_json_is_named_by_its_status() -> None:
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_slack_response import AsyncSlackResponse

    from bot.slack_chat.app import api_error

    def answered(data: object, status: int) -> SlackApiError:
        response = AsyncSlackResponse(
            client=None, http_verb="POST", api_url="x", req_args={}, data=data, headers={}, status_code=status
        )
        return SlackApiError("refused", response)

    assert api_error(answered("<html>Not Found</html>", 404)) == "HTTP 404"  # .get raised here
    assert api_error(answered({"ok": False, "error": "channel_not_found"}, 200)) == "channel_not_found"
