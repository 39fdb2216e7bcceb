"""The Discord adapter end to end, driven the way discord.py's maintainers test it.

- Gateway events are raw payloads fed to discord.py's own parsers (``ConnectionState.parsers``:
  GUILD_CREATE, MESSAGE_CREATE, INTERACTION_CREATE), so messages, interactions, threads and
  members are the objects discord.py itself builds.
- Every REST call the bot makes goes over real HTTP, through discord.py's ``HTTPClient`` and its
  interaction webhook adapter, to a stand-in for Discord's API on 127.0.0.1 (port 0, set with
  ``DISCORD_API_URL``) that records the method, the route and the JSON body.
- Behind the bot is the real ``DigestService`` (SQLite in memory), a bag-of-words encoder instead
  of the model, and a fetcher whose network is ``httpx.MockTransport``.

Nothing sleeps for a fixed time: ``Harness.settle`` waits for the bot's tasks, with a deadline.
Every test ends by checking that no message it sent could have pinged anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import threading
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

with warnings.catch_warnings():  # discord.py imports audioop (deprecated in 3.11, PEP 594)
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord import app_commands

import httpx
import pytest
import pytest_asyncio
from pydantic import ValidationError

from bot.config import Settings
from bot.core.errors import BadInput, Busy, RateLimited, StoreError
from bot.core.fetch import Fetcher, FetchLimits
from bot.core.flow import View, buttons
from bot.core.pipeline import Digester
from bot.core.service import DigestRequest, DigestService, Requester, ServiceLimits
from bot.core.store import SqliteStore, Store
from bot.core.strings import SERVER
from bot.core.types import Source
from bot.discord_chat import build_client, find_links, invite_url, is_ignored_author, serve, user_message
from bot.discord_chat.bot import REQUIRED_PERMISSIONS, PrecisBot, bot_intents, shut_down
from bot.discord_chat.buttons import digest_view
from bot.discord_chat.interactions import DONE_TEXT
from bot.discord_chat.messages import FAILED_EMOJI, WORKING_EMOJI
from bot.discord_chat.render import digest_payloads
from models.quotes import extract_quotes

from .conftest import HoldableSummarizer, StoreFactory

SETTLE_S = 20.0  # generous: two shared CPU cores, trafilatura and the encoder per article
NOW = "2024-05-01T12:00:00.000000+00:00"

GUILD = 1100000000000000001
BOT_ROLE = 1100000000000000002
AUTO = 1100000000000000010  # a channel set to auto
GENERAL = 1100000000000000011  # a channel left at the default trigger (mention)
THREAD = 1100000000000000020  # an existing thread in AUTO
DM = 1100000000000000030
BOT_ID = APP_ID = 1200000000000000001
ALICE_ID, BOB_ID, OTHER_BOT_ID = 1300000000000000001, 1300000000000000002, 1300000000000000003
MANAGE_GUILD = str(discord.Permissions(manage_guild=True).value)
EVERYONE_PERMISSIONS = str(discord.Permissions(view_channel=True).value)  # the bot's role adds the rest

STORY = "https://news.test/harbour"
SECOND = "https://news.test/second"
THIRD = "https://news.test/third"
FOURTH = "https://news.test/fourth"
TEASER = "https://news.test/teaser"
BRIEF = "https://news.test/brief"
MISSING = "https://news.test/missing"
PICTURE = "https://news.test/picture.png"
EVIL = "https://news.test/evil"
TITLE = "Harbour town rebuilds its sea wall with a living reef"

SENTENCES = [
    "The harbour council voted on Tuesday to rebuild the flooded sea wall with a living reef of oysters.",
    "Engineers said the reef would soften the waves before they reach the old stone wall.",
    '"This is the cheapest way to keep the town dry for the next fifty years," said Harriet Blake, '
    "the mayor.",
    "The plan costs four million pounds, most of it from a national coastal fund.",
    "Fishermen worried that the building work would close the harbour mouth during the busy summer season.",
    "The council promised that boats would be able to pass at high tide on every day of the works.",
    "Scientists from the university will count the oysters every spring to check that the reef is growing.",
    "Similar reefs in the Netherlands have cut wave heights by a third within five years of planting.",
    "Residents who lost their homes in the winter floods said the decision had come far too late.",
    "Work on the first section of the reef is expected to begin in early April if the weather allows it.",
    "The mayor said the town would hold an open meeting next month to answer questions about the plan.",
    "A local school has asked whether pupils can help to plant the first oyster beds on the shore.",
]
INJECTION = "@everyone @here <@123> <@&456> **bold** `code` [x](evil.test/login)"
EVIL_TITLE = f"Breaking {INJECTION}"
EVIL_SENTENCES = [
    f'"Ping them all now, {INJECTION}, right away," said Mallory Evil, the prankster.',
    f"The prankster wrote {INJECTION} in every sentence of the harbour story.",
    *SENTENCES,
]


def article_html(title: str, sentences: list[str]) -> str:
    paragraphs = "".join(f"<p>{' '.join(sentences[i : i + 2])}</p>" for i in range(0, len(sentences), 2))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )


class Pages:
    """The fetcher's network: a few articles, a teaser, a picture, and 404 for the rest."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, str]] = {
            STORY: ("text/html; charset=utf-8", article_html(TITLE, SENTENCES)),
            SECOND: ("text/html; charset=utf-8", article_html("Second story", SENTENCES[::-1])),
            THIRD: ("text/html; charset=utf-8", article_html("Third story", SENTENCES[1:] + SENTENCES[:1])),
            FOURTH: ("text/html; charset=utf-8", article_html("Fourth story", SENTENCES[2:] + SENTENCES[:2])),
            TEASER: ("text/html; charset=utf-8", article_html("Members only", SENTENCES[:2])),
            PICTURE: ("image/png", "\x89PNG"),
            EVIL: ("text/html; charset=utf-8", article_html(EVIL_TITLE, EVIL_SENTENCES)),
        }
        self.hits: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.hits.append(str(request.url))
        found = self.routes.get(str(request.url))
        if found is None:
            return httpx.Response(
                404, text="<html><title>Not found</title></html>", headers={"Content-Type": "text/html"}
            )
        return httpx.Response(200, text=found[1], headers={"Content-Type": found[0]})


BreakableSummarizer = HoldableSummarizer  # the real selection on bag-of-words vectors; holdable, breakable


# -- Discord's REST API, as far as the bot uses it ----------------------------------------------


def user(uid: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(uid),
        "username": name,
        "discriminator": "0",
        "global_name": name.title(),
        "avatar": None,
    }
    if bot:
        data["bot"] = True
    return data


BOT_USER = user(BOT_ID, "precis", bot=True)
ALICE = user(ALICE_ID, "alice")
BOB = user(BOB_ID, "bob")
OTHER_BOT = user(OTHER_BOT_ID, "otherbot", bot=True)
APP_INFO = {
    "id": str(APP_ID),
    "name": "precis",
    "icon": None,
    "description": "",
    "bot_public": True,
    "bot_require_code_grant": False,
    "owner": ALICE,
    "verify_key": "00",
    "flags": 0,
    "summary": "",
}


@dataclass
class Call:
    method: str
    path: str
    """Without the ``/api/v10`` prefix."""
    query: dict[str, str]
    body: Any


@dataclass
class FakeDiscord:
    """A stand-in for https://discord.com/api/v10 on 127.0.0.1: records every call and answers
    with the objects Discord would (a created thread's id is its message's id, as on Discord)."""

    calls: list[Call] = field(default_factory=list)
    guild_of: dict[int, int] = field(default_factory=dict)
    """channel id -> guild id, so returned messages carry their guild."""
    interactions: dict[str, dict[str, int]] = field(default_factory=dict)
    """interaction token -> {"channel": id, "message": id of the message a component was on}."""
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    refuse_login: bool = False
    forbidden: set[str] = field(default_factory=set)
    """Kinds of call answered 403 Missing Permissions: "threads", "reactions", "thread messages"."""
    threads: set[int] = field(default_factory=set)
    """Messages that have a thread: opening another answers 400, code 160004, as Discord does."""
    sync_fails: tuple[int, dict[str, Any]] | None = None
    """What a sync of the commands is answered, instead of the commands."""

    def __post_init__(self) -> None:
        self._ids = itertools.count(1400000000000000001)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw and "json" in (self.headers.get("Content-Type") or "") else None
                status, answer = fake.answer(self.command, self.path, body)
                data = b"" if answer is None else json.dumps(answer).encode()
                self.send_response(status)
                if answer is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v10"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def new_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def answer(self, method: str, target: str, body: Any) -> tuple[int, Any]:
        parts = urlsplit(target)
        path = parts.path.removeprefix("/api/v10")
        with self._lock:
            self.calls.append(Call(method, path, dict(parse_qsl(parts.query)), body))
        route = f"{method} {path}"
        if route == "GET /users/@me":
            if self.refuse_login:
                return 401, {"message": "401: Unauthorized", "code": 0}
            return 200, BOT_USER
        if route == "GET /oauth2/applications/@me":
            return 200, APP_INFO
        if m := re.fullmatch(r"PUT /applications/\d+/commands", route):
            if self.sync_fails is not None:
                return self.sync_fails
            return 200, [
                {
                    "description": "",
                    **c,
                    "id": str(self.new_id()),
                    "application_id": str(APP_ID),
                    "version": "1",
                }
                for c in body
            ]
        if (
            ("threads" in self.forbidden and route.endswith("/threads"))
            or ("reactions" in self.forbidden and "/reactions/" in route)
            or ("thread messages" in self.forbidden and method == "POST" and self.is_thread(path))
        ):
            return 403, {"message": "Missing Permissions", "code": 50013}
        if m := re.fullmatch(r"POST /channels/(\d+)/messages", route):
            return 200, self.message(int(m[1]), body)
        if m := re.fullmatch(r"GET /channels/(\d+)/messages/(\d+)", route):
            found = self.messages.get(int(m[2]))
            return (200, found) if found else (404, {"message": "Unknown Message", "code": 10008})
        if m := re.fullmatch(r"POST /channels/(\d+)/messages/(\d+)/threads", route):
            if int(m[2]) in self.threads:
                return 400, {"message": "A thread has already been created for this message", "code": 160004}
            self.threads.add(int(m[2]))
            return 201, self.thread_payload(int(m[1]), int(m[2]), body["name"])
        if re.fullmatch(r"(PUT|DELETE) /channels/\d+/messages/\d+/reactions/[^/]+/@me", route):
            return 204, None
        if m := re.fullmatch(r"POST /interactions/(\d+)/([^/]+)/callback", route):
            flags = (body.get("data") or {}).get("flags", 0)
            if body["type"] == 5:  # "thinking…": its visibility holds for the answer that ends it
                self.interactions[m[2]]["deferred_flags"] = flags
            return 200, {
                "interaction": {
                    "id": m[1],
                    "type": 2,
                    "response_message_loading": body["type"] == 5,
                    "response_message_ephemeral": bool(flags & 64),
                }
            }
        if m := re.fullmatch(r"POST /webhooks/(\d+)/([^/]+)", route):
            # The first followup after a defer ends the "thinking…" and keeps the defer's
            # visibility, whatever its own flags say (Discord's rule, discord-api-docs#3466).
            where = self.interactions[m[2]]
            flags = body.get("flags") or 0
            if "deferred_flags" in where:
                flags = (flags & ~64) | where.pop("deferred_flags")
            return 200, self.message(where["channel"], {**body, "flags": flags}, webhook=True)
        if m := re.fullmatch(r"PATCH /webhooks/(\d+)/([^/]+)/messages/@original", route):
            where = self.interactions[m[2]]
            flags = where.pop("deferred_flags", 0)
            message_id = where.get("message")
            if message_id is not None:
                flags = self.messages[message_id]["flags"]
            return 200, self.message(
                where["channel"], {**body, "flags": flags}, message_id=message_id, webhook=True
            )
        return 404, {"message": f"no route {route}", "code": 0}

    def message(
        self, channel_id: int, body: dict[str, Any], *, message_id: int | None = None, webhook: bool = False
    ) -> dict[str, Any]:
        mid = message_id or self.new_id()
        data: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel_id),
            "author": BOT_USER,
            "type": 0,
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": NOW,
            "edited_timestamp": None,
            "flags": body.get("flags") or 0,
        }
        if channel_id in self.guild_of:
            data["guild_id"] = str(self.guild_of[channel_id])
        if webhook:
            data["webhook_id"] = str(APP_ID)
        self.messages[mid] = data
        return data

    def is_thread(self, path: str) -> bool:
        m = re.fullmatch(r"/channels/(\d+)/messages", path)
        return m is not None and (int(m[1]) in self.threads or int(m[1]) == THREAD)

    def public(self) -> list[dict[str, Any]]:
        """Messages everyone in the channel sees (not ephemeral), in the order sent."""
        return [m for m in self.messages.values() if not m["flags"] & 64 and m["author"] == BOT_USER]

    def thread_payload(self, parent: int, message_id: int, name: str) -> dict[str, Any]:
        self.guild_of[message_id] = self.guild_of[parent]
        return thread_channel(message_id, parent, name)

    # -- what tests read -----------------------------------------------------------------------

    def routes(self) -> list[str]:
        return [f"{c.method} {c.path}" for c in self.calls]

    def sent(self) -> list[Call]:
        """Calls that create or edit a message."""
        return [c for c in self.calls if is_message_call(c)]

    def assert_no_pings(self) -> None:
        for call in self.sent():
            body = call.body["data"] if call.path.endswith("/callback") else call.body
            assert body["allowed_mentions"] == {"parse": []}, call


def is_message_call(call: Call) -> bool:
    if call.method == "POST" and re.fullmatch(r"/channels/\d+/messages|/webhooks/\d+/[^/]+", call.path):
        return True
    if call.method == "PATCH" and call.path.startswith("/webhooks/"):
        return True
    return call.path.endswith("/callback") and call.body["type"] in (4, 7)


# -- gateway payloads ---------------------------------------------------------------------------


def text_channel(cid: int, name: str, *, deny: discord.Permissions | None = None) -> dict[str, Any]:
    """A channel in GUILD; ``deny``: permissions taken from the bot's role here."""
    overwrites = (
        [] if deny is None else [{"id": str(BOT_ROLE), "type": 0, "allow": "0", "deny": str(deny.value)}]
    )
    return {
        "id": str(cid),
        "type": 0,
        "guild_id": str(GUILD),
        "name": name,
        "position": 0,
        "permission_overwrites": overwrites,
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def thread_channel(tid: int, parent: int, name: str) -> dict[str, Any]:
    return {
        "id": str(tid),
        "type": 11,
        "guild_id": str(GUILD),
        "parent_id": str(parent),
        "owner_id": str(BOT_ID),
        "name": name,
        "message_count": 0,
        "member_count": 1,
        "rate_limit_per_user": 0,
        "flags": 0,
        "last_message_id": None,
        "total_message_sent": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": NOW,
            "locked": False,
        },
    }


def dm_channel() -> dict[str, Any]:
    return {"id": str(DM), "type": 1, "last_message_id": None, "flags": 0, "recipients": [ALICE]}


def role(rid: int, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(rid),
        "name": name,
        "permissions": "0",
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
        **extra,
    }


def member(**extra: Any) -> dict[str, Any]:
    return {"roles": [], "joined_at": NOW, "deaf": False, "mute": False, "flags": 0, **extra}


def guild_create() -> dict[str, Any]:
    return {
        "id": str(GUILD),
        "name": "Test Guild",
        "owner_id": str(ALICE_ID),
        "icon": None,
        "features": [],
        "emojis": [],
        "stickers": [],
        "member_count": 3,
        "large": False,
        "unavailable": False,
        "roles": [
            role(GUILD, "@everyone", permissions=EVERYONE_PERMISSIONS),
            role(
                BOT_ROLE,
                "precis",
                managed=True,
                tags={"bot_id": str(BOT_ID)},
                permissions=str(REQUIRED_PERMISSIONS.value),
            ),
        ],
        "channels": [text_channel(AUTO, "auto"), text_channel(GENERAL, "general")],
        "threads": [thread_channel(THREAD, AUTO, "an older thread")],
        "members": [member(user=BOT_USER, roles=[str(BOT_ROLE)])],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "verification_level": 0,
        "mfa_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "nsfw_level": 0,
        "system_channel_flags": 0,
        "afk_timeout": 300,
        "joined_at": NOW,
    }


def message_payload(
    mid: int,
    content: str,
    *,
    author: dict[str, Any] = ALICE,
    channel: int = GENERAL,
    mentions: tuple[dict[str, Any], ...] = (),
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(mid),
        "channel_id": str(channel),
        "author": author,
        "content": content,
        "type": 0,
        "timestamp": NOW,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [dict(u, member=member()) for u in mentions],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "flags": 0,
        **extra,
    }
    if channel != DM:
        data["guild_id"] = str(GUILD)
        data["member"] = member()
    return data


def option(name: str, value: object) -> dict[str, Any]:
    kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
    return {"name": name, "type": kind, "value": value}


@dataclass
class Harness:
    bot: PrecisBot
    api: FakeDiscord
    service: DigestService
    pages: Pages
    summarizer: BreakableSummarizer
    boot: list[Call] = field(default_factory=list)
    """What logging in sent (``api.calls`` starts empty for each test)."""

    def gateway(self, event: str, data: dict[str, Any]) -> None:
        self.bot._connection.parsers[event](data)

    async def settle(self) -> None:
        """Wait until the bot has finished everything the last events started."""
        me = asyncio.current_task()
        async with asyncio.timeout(SETTLE_S):
            while pending := [t for t in asyncio.all_tasks() if t is not me and not t.done()]:
                await asyncio.wait(pending)

    async def post(self, content: str, **kwargs: Any) -> dict[str, Any]:
        data = message_payload(self.api.new_id(), content, **kwargs)
        self.gateway("MESSAGE_CREATE", data)
        await self.settle()
        return data

    async def interact(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        channel: dict[str, Any] | None = None,
        who: dict[str, Any] = ALICE,
        permissions: str = "0",
        message: dict[str, Any] | None = None,
        settle: bool = True,
    ) -> str:
        """Send an interaction; ``settle``: wait for the bot to finish what it started."""
        channel = channel if channel is not None else text_channel(GENERAL, "general")
        iid = self.api.new_id()
        token = f"token-{iid}"
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(APP_ID),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "app_permissions": str(REQUIRED_PERMISSIONS.value),
            "entitlements": [],
            "attachment_size_limit": 8388608,
            "channel_id": channel["id"],
            "channel": channel,
        }
        if channel["type"] == 1:
            payload.update(user=who, context=1, authorizing_integration_owners={"1": str(ALICE_ID)})
        else:
            payload.update(
                guild_id=str(GUILD),
                guild_locale="en-US",
                context=0,
                member=member(user=who, permissions=permissions),
                authorizing_integration_owners={"0": str(GUILD)},
            )
        self.api.interactions[token] = {"channel": int(channel["id"])}
        if message is not None:
            payload["message"] = message
            self.api.interactions[token]["message"] = int(message["id"])
        self.gateway("INTERACTION_CREATE", payload)
        if settle:
            await self.settle()
        return token

    async def slash(self, name: str, *, group: str | None = None, **kwargs: Any) -> str:
        options = [option(k, v) for k, v in kwargs.pop("options", {}).items()]
        data: dict[str, Any] = {"id": str(self.api.new_id()), "name": name, "type": 1, "options": options}
        if group is not None:
            data = {
                "id": data["id"],
                "name": group,
                "type": 1,
                "options": [{"name": name, "type": 1, "options": options}],
            }
        return await self.interact(2, data, **kwargs)

    async def menu(self, target: dict[str, Any], **kwargs: Any) -> str:
        data = {
            "id": str(self.api.new_id()),
            "name": "Summarize",
            "type": 3,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: target}},
        }
        return await self.interact(2, data, **kwargs)

    async def press(self, message: dict[str, Any], label: str, **kwargs: Any) -> str:
        custom_id = button(message, label)["custom_id"]
        data = {"custom_id": custom_id, "component_type": 2}
        return await self.interact(3, data, message=message, **kwargs)


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    return next(b for row in message["components"] for b in row["components"] if b["label"] == label)


def embed_text(body: dict[str, Any]) -> str:
    return "\n".join(e.get("description", "") for e in body["embeds"])


def labels(body: dict[str, Any]) -> list[str]:
    return [b["label"] for row in body.get("components") or [] for b in row["components"]]


def bullets_text(body: dict[str, Any]) -> list[str]:
    return [line for line in body["content"].split("\n") if line.startswith("- ")]


def bullets(body: dict[str, Any]) -> list[str]:
    return [line for line in embed_text(body).split("\n") if line.startswith("- ")]


# Generous limits, so only the test about limits meets them.
ROOMY = ServiceLimits(
    workers=2, queue_size=8, user_rate=100, user_burst=100, channel_rate=100, channel_burst=100
)


@pytest.fixture
def pages() -> Pages:
    return Pages()


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    fake.guild_of.update({AUTO: GUILD, GENERAL: GUILD, THREAD: GUILD})
    fake.thread.start()
    base = discord.http.Route.BASE
    try:
        yield fake
    finally:
        discord.http.Route.BASE = base  # DISCORD_API_URL is process-wide in discord.py
        fake.httpd.shutdown()
        fake.httpd.server_close()


Start = Callable[..., Awaitable[Harness]]


@pytest_asyncio.fixture
async def start(api: FakeDiscord, pages: Pages) -> AsyncIterator[Start]:
    """Start a logged-in bot (not connected to a gateway) that has seen GUILD_CREATE."""
    async with contextlib.AsyncExitStack() as stack:

        async def starter(
            limits: ServiceLimits = ROOMY, *, store: Store | None = None, **settings: Any
        ) -> Harness:
            """``store``: shared with another bot (another process); else SQLite in memory."""
            fetcher = await stack.enter_async_context(
                Fetcher(FetchLimits(timeout_s=SETTLE_S), transport=httpx.MockTransport(pages.handler))
            )
            summarizer = BreakableSummarizer()
            store = store or await SqliteStore.open(":memory:")
            service = DigestService(Digester(fetcher, summarizer, extract_quotes), store, limits)
            stack.push_async_callback(service.aclose)
            sync = settings.pop("sync", "never")
            client = build_client(
                Settings(_env_file=None, discord_api_url=api.base, **settings),
                service,
                store=store,
                sync=sync,
            )
            stack.push_async_callback(client.close)
            await client.login("test-token")
            harness = Harness(client, api, service, pages, summarizer)
            harness.gateway("GUILD_CREATE", guild_create())
            await service.update_settings("discord", str(GUILD), str(AUTO), trigger="auto")
            await harness.settle()
            harness.boot = list(api.calls)
            api.calls.clear()
            return harness

        yield starter
    api.assert_no_pings()


@pytest_asyncio.fixture
async def h(start: Start) -> Harness:
    return await start()


def request(url: str, channel: int, user_id: int = ALICE_ID) -> DigestRequest:
    return DigestRequest(Source.from_url(url), Requester("discord", str(GUILD), str(channel), str(user_id)))


def mention_me() -> str:
    return f"<@{BOT_ID}>"


def reaction(channel: int, message: dict[str, Any], method: str) -> str:
    return f"{method} /channels/{channel}/messages/{message['id']}/reactions/{quote(WORKING_EMOJI)}/@me"


# -- message triggers ----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_link_in_an_auto_channel_gets_a_digest_in_a_new_thread(h: Harness) -> None:
    msg = await h.post(f"look at this {STORY} !", channel=AUTO)
    thread = int(msg["id"])  # Discord gives a thread made from a message that message's id
    assert h.api.routes() == [
        reaction(AUTO, msg, "PUT"),
        f"POST /channels/{AUTO}/messages/{msg['id']}/threads",
        f"POST /channels/{thread}/messages",
        reaction(AUTO, msg, "DELETE"),
    ]
    assert h.api.calls[1].body["name"] == TITLE
    reply = h.api.calls[2].body
    assert reply["allowed_mentions"] == {"parse": []}
    [embed] = reply["embeds"]
    assert embed["title"] == TITLE and embed["url"] == STORY
    assert len(bullets(reply)) == 3  # the channel's default
    assert "> — Harriet Blake" in embed["description"]
    labels = [b["label"] for row in reply["components"] for b in row["components"]]
    assert labels == ["Shorter", "More points", "Hide quotes"]
    assert button(reply, "More points")["custom_id"].startswith(f"pr:m:3:1:{ALICE_ID}:")
    # the embed is exactly what ``digest_payloads`` renders (what --format discord prints)
    result = await h.service.summarize(request(STORY, AUTO))
    assert reply["embeds"] == digest_payloads(result.digest, list(result.digest.shown_quotes))[0]["embeds"]


@pytest.mark.asyncio
async def test_wrapped_links_are_skipped_and_three_at_most_share_one_thread(h: Harness) -> None:
    msg = await h.post(f"<{STORY}> {SECOND} and {THIRD}, also {FOURTH} and {MISSING}", channel=AUTO)
    assert h.pages.hits == [SECOND, THIRD, FOURTH]
    routes = h.api.routes()
    assert routes.count(f"POST /channels/{AUTO}/messages/{msg['id']}/threads") == 1
    replies = [c.body for c in h.api.sent()]
    assert [r["embeds"][0]["url"] for r in replies] == [SECOND, THIRD, FOURTH]


@pytest.mark.asyncio
async def test_other_channels_need_a_mention(h: Harness) -> None:
    await h.post(f"just sharing {STORY}", channel=GENERAL)
    assert h.api.calls == [] and h.pages.hits == []
    msg = await h.post(f"{mention_me()} summarize {STORY} please", channel=GENERAL, mentions=(BOT_USER,))
    assert f"POST /channels/{GENERAL}/messages/{msg['id']}/threads" in h.api.routes()
    assert h.api.sent()[0].body["embeds"][0]["title"] == TITLE


@pytest.mark.asyncio
async def test_mentioning_the_bots_role_counts_as_a_mention(h: Harness) -> None:
    msg = await h.post(f"<@&{BOT_ROLE}> {STORY}", channel=GENERAL, mention_roles=[str(BOT_ROLE)])
    assert f"POST /channels/{GENERAL}/messages/{msg['id']}/threads" in h.api.routes()


@pytest.mark.asyncio
async def test_a_reply_that_mentions_the_bot_summarizes_the_replied_message(h: Harness) -> None:
    original = message_payload(h.api.new_id(), f"have you read {STORY}", author=BOB, channel=GENERAL)
    msg = await h.post(
        f"{mention_me()} tl;dr?",
        channel=GENERAL,
        mentions=(BOT_USER,),
        type=19,
        referenced_message=original,
        message_reference={"message_id": original["id"], "channel_id": str(GENERAL), "guild_id": str(GUILD)},
    )
    assert h.pages.hits == [STORY]
    assert h.api.routes()[1] == f"POST /channels/{GENERAL}/messages/{msg['id']}/threads"  # on the asker's
    assert button(h.api.sent()[0].body, "Shorter")["custom_id"].split(":")[4] == str(ALICE_ID)


@pytest.mark.asyncio
async def test_a_reply_whose_original_is_not_in_the_payload_is_fetched(h: Harness) -> None:
    original = h.api.message(GENERAL, {"content": f"read {SECOND}"})
    await h.post(
        f"{mention_me()}",
        channel=GENERAL,
        mentions=(BOT_USER,),
        type=19,
        message_reference={"message_id": original["id"], "channel_id": str(GENERAL)},
    )
    assert f"GET /channels/{GENERAL}/messages/{original['id']}" in h.api.routes()
    assert h.pages.hits == [SECOND]


@pytest.mark.asyncio
async def test_a_mention_without_a_link_gets_a_hint(h: Harness) -> None:
    msg = await h.post(f"{mention_me()} hello", channel=GENERAL, mentions=(BOT_USER,))
    [call] = h.api.calls
    assert call.path == f"/channels/{GENERAL}/messages"
    assert call.body["message_reference"]["message_id"] == int(msg["id"])
    assert "Send me a link" in call.body["content"]


@pytest.mark.parametrize("author", [BOT_USER, OTHER_BOT], ids=["itself", "another bot"])
@pytest.mark.asyncio
async def test_bots_and_itself_are_ignored(h: Harness, author: dict[str, Any]) -> None:
    await h.post(f"{mention_me()} {STORY}", channel=AUTO, author=author, mentions=(BOT_USER,))
    assert h.api.calls == [] and h.pages.hits == []


@pytest.mark.asyncio
async def test_webhook_messages_are_ignored(h: Harness) -> None:
    await h.post(
        f"{STORY}", channel=AUTO, author=user(1500000000000000001, "hook"), webhook_id="1500000000000000001"
    )
    assert h.api.calls == []


@pytest.mark.asyncio
async def test_the_ignore_predicate(h: Harness) -> None:
    state = h.bot._connection
    channel = h.bot.get_channel(AUTO)
    assert isinstance(channel, discord.TextChannel)

    def parsed(**kwargs: Any) -> discord.Message:
        data = message_payload(1, "x", channel=AUTO, **kwargs)
        return discord.Message(state=state, channel=channel, data=data)

    assert not is_ignored_author(parsed(), BOT_ID)
    assert is_ignored_author(parsed(author=BOT_USER), BOT_ID)
    assert is_ignored_author(parsed(author=OTHER_BOT), BOT_ID)
    assert is_ignored_author(parsed(webhook_id="9"), BOT_ID)
    assert is_ignored_author(parsed(author=user(BOT_ID, "precis")), BOT_ID)  # itself, however it looks


@pytest.mark.asyncio
async def test_replying_to_the_bot_is_not_a_mention(h: Harness) -> None:
    digest = h.api.message(GENERAL, {"content": "a digest"})
    await h.post(
        "thanks!",
        channel=GENERAL,
        mentions=(BOT_USER,),  # Discord's reply ping puts the replied-to author here
        type=19,
        referenced_message=digest,
        message_reference={"message_id": digest["id"], "channel_id": str(GENERAL), "guild_id": str(GUILD)},
    )
    assert h.api.calls == []


@pytest.mark.parametrize(
    "content",
    [
        f"{mention_me()} <{STORY}>",  # Discord's "don't embed this"
        f"{mention_me()} news.test/harbour",  # no scheme
        f"{mention_me()} could you summarize this for me?news.test/harbour",
    ],
    ids=["wrapped", "bare domain", "glued"],
)
@pytest.mark.asyncio
async def test_a_mention_takes_the_link_however_it_is_pasted(h: Harness, content: str) -> None:
    await h.post(content, channel=GENERAL, mentions=(BOT_USER,))
    assert h.pages.hits == [STORY]
    assert h.api.sent()[0].body["embeds"][0]["title"] == TITLE


@pytest.mark.asyncio
async def test_a_mention_on_a_reply_to_a_feed_bots_embed_takes_its_link(h: Harness) -> None:
    post = message_payload(h.api.new_id(), "", author=OTHER_BOT, channel=GENERAL)
    post["embeds"] = [{"type": "rich", "title": "New on News Test", "url": STORY, "description": "Read more"}]
    await h.post(
        f"{mention_me()} tl;dr",
        channel=GENERAL,
        mentions=(BOT_USER,),
        type=19,
        referenced_message=post,
        message_reference={"message_id": post["id"], "channel_id": str(GENERAL), "guild_id": str(GUILD)},
    )
    assert h.pages.hits == [STORY]


@pytest.mark.asyncio
async def test_the_menu_takes_links_inside_embeds(h: Harness) -> None:
    post = message_payload(h.api.new_id(), "", author=OTHER_BOT)
    post["embeds"] = [
        {"type": "rich", "title": "Digest", "description": f"Today: [the reef]({SECOND}) and more"}
    ]
    await h.menu(post)
    assert h.pages.hits == [SECOND]


@pytest.mark.parametrize(
    "options",
    [
        {"url": f"please summarize {STORY}"},
        {"url": "news.test/harbour"},
        {"url": f"<{STORY}>"},
        {"text": f"please summarize {STORY} thanks"},
    ],
    ids=["words around it", "bare domain", "wrapped", "link in the text option"],
)
@pytest.mark.asyncio
async def test_summarize_command_takes_the_link_however_it_is_pasted(
    h: Harness, options: dict[str, str]
) -> None:
    await h.slash("summarize", options=options)
    assert h.pages.hits == [STORY]
    assert h.api.sent()[-1].body["embeds"][0]["title"] == TITLE


@pytest.mark.asyncio
async def test_summarize_command_takes_up_to_three_links_each_its_own_digest(h: Harness) -> None:
    await h.slash("summarize", options={"url": f"{STORY} {SECOND} {THIRD} {FOURTH}"})
    assert h.pages.hits == [STORY, SECOND, THIRD]
    assert [c.body["embeds"][0]["url"] for c in h.api.sent() if c.body.get("embeds")] == [
        STORY,
        SECOND,
        THIRD,
    ]


@pytest.mark.asyncio
async def test_summarize_command_refuses_what_is_not_a_link(h: Harness) -> None:
    await h.slash("summarize", options={"url": "not a link at all"})
    [call] = h.api.calls
    assert call.body["data"]["flags"] == 64 and "doesn't look like a link" in call.body["data"]["content"]


@pytest.mark.asyncio
async def test_in_a_thread_the_digest_goes_in_that_thread(h: Harness) -> None:
    await h.post(f"{STORY}", channel=THREAD)  # THREAD's parent is the auto channel: its settings apply
    assert not any(r.endswith("/threads") for r in h.api.routes())
    [reply] = h.api.sent()
    assert reply.path == f"/channels/{THREAD}/messages" and "message_reference" not in reply.body


@pytest.mark.asyncio
async def test_a_dm_gets_a_plain_reply(h: Harness) -> None:
    msg = await h.post(f"{STORY}", channel=DM)
    assert not any(r.endswith("/threads") for r in h.api.routes())
    [reply] = h.api.sent()
    assert reply.path == f"/channels/{DM}/messages"
    assert reply.body["message_reference"]["message_id"] == int(msg["id"])
    assert reply.body["embeds"][0]["title"] == TITLE


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (TEASER, "too little text"),
        (MISSING, "HTTP 404"),
        (PICTURE, "image"),
    ],
    ids=["teaser", "404", "not an article"],
)
@pytest.mark.asyncio
async def test_a_failure_of_a_mention_is_a_reply_and_opens_no_thread(
    h: Harness, url: str, expected: str
) -> None:
    msg = await h.post(f"{mention_me()} {url}", channel=GENERAL, mentions=(BOT_USER,))
    assert not any(r.endswith("/threads") for r in h.api.routes())
    [reply] = h.api.sent()
    assert reply.path == f"/channels/{GENERAL}/messages"
    assert reply.body["message_reference"]["message_id"] == int(msg["id"])
    assert reply.body["content"].startswith(f"Couldn't summarize {url}: ")
    assert expected in reply.body["content"]
    assert h.api.routes()[-1] == reaction(GENERAL, msg, "DELETE")


def deny(h: Harness, channel: int, name: str, **permissions: bool) -> None:
    """Take ``permissions`` from the bot's role in ``channel`` (a CHANNEL_UPDATE, as Discord sends)."""
    h.gateway("CHANNEL_UPDATE", text_channel(channel, name, deny=discord.Permissions(**permissions)))


@pytest.mark.asyncio
async def test_without_thread_permissions_the_digest_is_a_reply(h: Harness) -> None:
    deny(h, AUTO, "auto", create_public_threads=True)
    msg = await h.post(f"{STORY}", channel=AUTO)
    assert not any(r.endswith("/threads") for r in h.api.routes())
    [reply] = h.api.sent()
    assert reply.path == f"/channels/{AUTO}/messages"
    assert reply.body["message_reference"]["message_id"] == int(msg["id"])
    assert reply.body["embeds"][0]["title"] == TITLE


@pytest.mark.asyncio
async def test_without_embed_links_the_digest_is_plain_text(h: Harness) -> None:
    deny(h, GENERAL, "general", embed_links=True)
    msg = await h.post(f"{mention_me()} {STORY}", channel=GENERAL, mentions=(BOT_USER,))
    [digest] = h.api.sent()
    assert digest.path == f"/channels/{msg['id']}/messages"  # still in a thread
    body = digest.body
    assert "embeds" not in body or body["embeds"] == []
    assert body["content"].startswith(f"**{TITLE}**\n<{STORY}>")
    assert "**Key points**" in body["content"] and "> — Harriet Blake" in body["content"]
    assert len(body["content"]) <= 2000 and labels(body) == ["Shorter", "More points", "Hide quotes"]


@pytest.mark.asyncio
async def test_buttons_under_a_plain_text_digest_keep_it_plain(h: Harness) -> None:
    deny(h, GENERAL, "general", embed_links=True)
    await h.post(f"{mention_me()} {STORY}", channel=GENERAL, mentions=(BOT_USER,))
    message = h.api.messages[max(h.api.messages)]
    h.api.calls.clear()
    await h.press(message, "Shorter", channel=text_channel(GENERAL, "general"))
    edit = h.api.calls[1].body
    assert (
        edit["embeds"] == [] and edit["content"].startswith(f"**{TITLE}**") and len(bullets_text(edit)) == 1
    )


@pytest.mark.parametrize("mention", [False, True], ids=["auto", "mention"])
@pytest.mark.asyncio
async def test_without_send_permissions_nothing_is_posted_a_cross_at_most(
    h: Harness, mention: bool, caplog: pytest.LogCaptureFixture
) -> None:
    deny(h, AUTO, "auto", send_messages=True, send_messages_in_threads=True)
    content = f"{mention_me()} {STORY}" if mention else STORY
    with caplog.at_level(logging.WARNING, logger="bot.discord_chat"):
        msg = await h.post(content, channel=AUTO, mentions=(BOT_USER,) if mention else ())
    assert h.api.routes() == [
        f"PUT /channels/{AUTO}/messages/{msg['id']}/reactions/{quote(FAILED_EMOJI)}/@me"
    ]
    assert h.pages.hits == []  # no work for a reply that cannot be posted
    assert any("missing Send Messages" in r.getMessage() for r in caplog.records)


@pytest.mark.asyncio
async def test_without_any_permission_nothing_at_all(h: Harness) -> None:
    deny(h, AUTO, "auto", send_messages=True, send_messages_in_threads=True, add_reactions=True)
    await h.post(STORY, channel=AUTO)
    assert h.api.calls == [] and h.pages.hits == []


@pytest.mark.asyncio
async def test_without_read_message_history_replies_carry_no_reference(h: Harness) -> None:
    deny(h, GENERAL, "general", read_message_history=True)
    await h.post(f"{mention_me()} hello", channel=GENERAL, mentions=(BOT_USER,))
    [hint] = h.api.calls  # and no ⏳: reacting needs the history too
    assert hint.path == f"/channels/{GENERAL}/messages" and "message_reference" not in hint.body


@pytest.mark.asyncio
async def test_a_refused_post_in_the_thread_is_explained_naming_the_permission(h: Harness) -> None:
    h.api.forbidden.add("thread messages")
    msg = await h.post(f"{mention_me()} {STORY}", channel=GENERAL, mentions=(BOT_USER,))
    said = h.api.sent()[-1]
    assert said.path == f"/channels/{GENERAL}/messages"
    assert said.body["message_reference"]["message_id"] == int(msg["id"])
    assert said.body["content"] == (
        "I'm missing the Send Messages in Threads permission here: a server admin can grant it"
    )


@pytest.mark.asyncio
async def test_without_thread_or_reaction_permissions_the_digest_is_a_reply(h: Harness) -> None:
    h.api.forbidden |= {"threads", "reactions"}
    msg = await h.post(f"{STORY}", channel=AUTO)
    assert h.api.routes() == [
        reaction(AUTO, msg, "PUT"),
        f"POST /channels/{AUTO}/messages/{msg['id']}/threads",
        f"POST /channels/{AUTO}/messages",
    ]
    reply = h.api.calls[-1].body
    assert reply["message_reference"]["message_id"] == int(msg["id"]) and reply["embeds"][0]["title"] == TITLE


@pytest.mark.parametrize(
    "link",
    [
        PICTURE,
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://x.com/someone/status/1234567890",
        "https://tenor.com/view/cat-dance-gif-123456",
        "https://media.discordapp.net/attachments/1/2/meme.gif",
    ],
    ids=["picture", "youtube", "youtu.be", "x", "tenor", "discord media"],
)
@pytest.mark.asyncio
async def test_auto_mode_passes_over_links_that_are_not_articles_before_fetching(
    h: Harness, link: str
) -> None:
    await h.post(f"lol {link}", channel=AUTO)
    assert h.api.calls == [] and h.pages.hits == []


@pytest.mark.parametrize("url", [TEASER, MISSING], ids=["teaser", "404"])
@pytest.mark.asyncio
async def test_auto_mode_failures_are_silent_a_cross_at_most(
    h: Harness, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.discord_chat"):
        msg = await h.post(f"have a look {url}", channel=AUTO)
    assert h.pages.hits == [url]
    assert h.api.sent() == []  # no thread, no message: nobody asked
    cross = f"PUT /channels/{AUTO}/messages/{msg['id']}/reactions/{quote(FAILED_EMOJI)}/@me"
    assert h.api.routes() == [reaction(AUTO, msg, "PUT"), cross, reaction(AUTO, msg, "DELETE")]
    assert any(
        "auto mode: no digest" in r.getMessage() and "news.test" in r.getMessage() for r in caplog.records
    )


@pytest.mark.asyncio
async def test_a_user_over_the_rate_limit_is_told_how_long_to_wait(start: Start) -> None:
    h = await start(
        ServiceLimits(
            workers=1, queue_size=4, user_rate=1 / 60, user_burst=1, channel_rate=100, channel_burst=100
        )
    )
    await h.post(f"{STORY}", channel=AUTO)
    h.api.calls.clear()
    msg = await h.post(f"{SECOND}", channel=AUTO)  # in auto: a cross, no message
    assert h.api.sent() == []
    assert f"PUT /channels/{AUTO}/messages/{msg['id']}/reactions/{quote(FAILED_EMOJI)}/@me" in h.api.routes()
    await h.post(f"{mention_me()} {SECOND}", channel=GENERAL, mentions=(BOT_USER,))  # asked: told
    [reply] = h.api.sent()
    assert re.search(r"you're going a bit fast: try again in \d+ s", reply.body["content"])


@pytest.mark.asyncio
async def test_a_link_already_summarized_here_points_to_the_earlier_thread(h: Harness) -> None:
    first = await h.post(f"{STORY}", channel=AUTO)
    [digest] = h.api.sent()
    posted = h.api.messages[max(h.api.messages)]
    assert digest.path == f"/channels/{first['id']}/messages" and posted["embeds"] == digest.body["embeds"]
    h.api.calls.clear()
    second = await h.post(f"again {STORY}", channel=AUTO, author=BOB)
    assert not any(r.endswith("/threads") for r in h.api.routes())
    [reply] = h.api.sent()
    assert reply.path == f"/channels/{AUTO}/messages"
    assert reply.body["message_reference"]["message_id"] == int(second["id"])
    assert reply.body["content"] == (
        f"Already summarized here: https://discord.com/channels/{GUILD}/{first['id']}/{posted['id']}"
    )
    assert h.pages.hits == [STORY]


# -- one reply per message, whatever happens --------------------------------------------------------


@pytest.mark.asyncio
async def test_a_replayed_message_is_answered_once(h: Harness) -> None:
    data = message_payload(h.api.new_id(), f"{STORY}", channel=AUTO)
    h.gateway("MESSAGE_CREATE", data)
    h.gateway("MESSAGE_CREATE", data)  # a gateway replay (RESUME) while the first is at work
    await h.settle()
    h.gateway("MESSAGE_CREATE", data)  # and once it is done: no "Already summarized here" either
    await h.settle()
    assert h.api.routes().count(f"POST /channels/{AUTO}/messages/{data['id']}/threads") == 1
    assert [c.path for c in h.api.sent()] == [f"/channels/{data['id']}/messages"]


@pytest.mark.asyncio
async def test_two_bot_processes_on_one_store_one_message_in_exactly_one_digest_out(
    start: Start, store_factory: StoreFactory
) -> None:
    first = await start(store=await store_factory.open())
    second = await start(store=await store_factory.open())  # another process: its own connection
    data = message_payload(
        first.api.new_id(), f"{mention_me()} {STORY}", channel=GENERAL, mentions=(BOT_USER,)
    )
    first.gateway("MESSAGE_CREATE", data)
    second.gateway("MESSAGE_CREATE", data)
    await first.settle()
    routes = first.api.routes()
    assert routes.count(f"POST /channels/{GENERAL}/messages/{data['id']}/threads") == 1
    assert routes.count(reaction(GENERAL, data, "PUT")) == 1
    [digest] = first.api.sent()
    assert digest.path == f"/channels/{data['id']}/messages" and digest.body["embeds"][0]["title"] == TITLE
    assert first.pages.hits == [STORY]


def test_each_process_runs_its_own_shards() -> None:
    settings = Settings(_env_file=None, discord_shard_count=4, discord_shard_ids="3,2")
    client = build_client(settings, object())  # type: ignore[arg-type]
    assert isinstance(client, discord.AutoShardedClient)
    assert (client.shard_count, client.shard_ids) == (4, [2, 3])
    alone = build_client(Settings(_env_file=None), object())  # type: ignore[arg-type]
    assert (alone.shard_count, alone.shard_ids) == (None, None)  # Discord's recommendation, all shards
    with pytest.raises(ValidationError, match="needs DISCORD_SHARD_COUNT"):
        Settings(_env_file=None, discord_shard_ids="0")
    with pytest.raises(ValidationError, match="from 0 to 1"):
        Settings(_env_file=None, discord_shard_count=2, discord_shard_ids="0,2")


@pytest.mark.parametrize("known", [False, True], ids=["unknown here (160004)", "in the cache"])
@pytest.mark.asyncio
async def test_a_message_that_already_has_a_thread_gets_the_digest_in_that_thread(
    h: Harness, known: bool
) -> None:
    mid = h.api.new_id()
    h.api.threads.add(mid)  # someone opened a thread on the message first
    if known:
        h.gateway("THREAD_CREATE", thread_channel(mid, GENERAL, "talk about it") | {"newly_created": True})
    await h.post(f"{mention_me()} {STORY}", channel=GENERAL, mentions=(BOT_USER,), id=str(mid))
    [digest] = h.api.sent()
    assert digest.path == f"/channels/{mid}/messages" and digest.body["embeds"][0]["title"] == TITLE
    opened = h.api.routes().count(f"POST /channels/{GENERAL}/messages/{mid}/threads")
    assert opened == (0 if known else 1)


@pytest.mark.asyncio
async def test_a_digest_past_its_deadline_says_it_took_too_long(h: Harness) -> None:
    h.bot.flow.deadline_s = 0.5
    h.summarizer.hold = threading.Event()  # the model never finishes by itself

    def release_once_told() -> None:
        ends = time.monotonic() + SETTLE_S
        while time.monotonic() < ends and not any(
            "took too long" in json.dumps(c.body) for c in list(h.api.calls)
        ):
            time.sleep(0.01)
        assert h.summarizer.hold is not None
        h.summarizer.hold.set()

    releaser = threading.Thread(target=release_once_told, daemon=True)
    releaser.start()
    token = await h.slash("summarize", options={"url": STORY})
    releaser.join()
    [answer] = h.api.sent()
    assert answer.path == f"/webhooks/{APP_ID}/{token}/messages/@original"
    assert (
        answer.body["content"]
        == f"Couldn't summarize {STORY}: that took too long (over 1 s), so I gave up on it"
    )
    assert h.api.public() == []


@pytest.mark.asyncio
async def test_an_unexpected_failure_is_logged_and_answered(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h.summarizer.error = RuntimeError("the model fell over")
    with caplog.at_level(logging.ERROR, logger="bot.core.chat"):
        await h.post(f"{mention_me()} {STORY}", channel=GENERAL, mentions=(BOT_USER,))
    [reply] = h.api.sent()
    assert reply.body["content"] == (
        f"Couldn't summarize {STORY}: Something went wrong on my side; it has been logged."
    )
    [record] = [r for r in caplog.records if r.name == "bot.core.chat"]
    assert record.exc_info and "the model fell over" in str(record.exc_info[1])


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "error",
    [
        StoreError("cannot reach Redis at redis.internal:6379: ConnectionError"),
        StoreError("cannot open the database /srv/precis/data/channels.sqlite3: disk I/O error"),
        StoreError("the store failed", detail="Redis redis.internal:6379: READONLY"),
    ],
)
async def test_an_internal_failure_names_no_path_or_server_to_the_user(
    h: Harness, error: StoreError, caplog: pytest.LogCaptureFixture
) -> None:
    h.summarizer.error = error
    with caplog.at_level(logging.INFO):
        await h.post(f"{mention_me()} {STORY}", channel=GENERAL, mentions=(BOT_USER,))
    [reply] = h.api.sent()
    assert reply.body["content"] == (
        f"Couldn't summarize {STORY}: Something went wrong on my side; it has been logged."
    )
    assert str(error) in caplog.text  # the whole error, detail and all, is in the log


@pytest.mark.asyncio
async def test_article_text_cannot_ping_or_format(h: Harness) -> None:
    await h.post(f"{mention_me()} {EVIL}", channel=GENERAL, mentions=(BOT_USER,))
    [reply] = h.api.sent()
    body = json.dumps(reply.body, ensure_ascii=False)
    assert "@everyone" not in body and "@here" not in body
    assert "<@123>" not in body and "<@&456>" not in body
    text = embed_text(reply.body) + reply.body["embeds"][0]["title"]
    assert "\\*\\*bold\\*\\*" in text and "\\`code\\`" in text and "\\[x\\](evil.test/login)" in text
    assert "Mallory Evil" not in text  # a "quote" full of @handles is pasted text, never shown
    assert reply.body["allowed_mentions"] == {"parse": []}


# -- slash command, message menu -----------------------------------------------------------------


@pytest.mark.asyncio
async def test_summarize_command_thinks_privately_then_threads_the_digest_publicly(h: Harness) -> None:
    token = await h.slash("summarize", options={"url": STORY, "points": 2, "quotes": False})
    routes = h.api.routes()
    assert routes[0].endswith(f"/{token}/callback") and h.api.calls[0].body == {
        "type": 5,
        "data": {"flags": 64},
    }
    assert routes[1] == f"PATCH /webhooks/{APP_ID}/{token}/messages/@original"  # ends the private "thinking…"
    assert h.api.calls[1].body["content"] == DONE_TEXT
    assert routes[2] == f"POST /webhooks/{APP_ID}/{token}" and h.api.calls[2].query["wait"] == "1"
    intro = h.api.calls[2].body
    assert intro["content"] == f"Summary of **{TITLE}** for <@{ALICE_ID}>"
    top = next(m for m in h.api.messages.values() if m["content"] == intro["content"])
    assert routes[3:] == [
        f"POST /channels/{GENERAL}/messages/{top['id']}/threads",
        f"POST /channels/{top['id']}/messages",
    ]
    digest = h.api.calls[4].body
    assert len(bullets(digest)) == 2 and "**Quotes**" not in embed_text(digest)
    assert button(digest, "Quotes")["custom_id"].startswith(f"pr:q:2:0:{ALICE_ID}:")
    assert [m["content"] or m["embeds"][0]["title"] for m in h.api.public()] == [intro["content"], TITLE]


@pytest.mark.asyncio
async def test_summarize_command_inside_a_thread_answers_in_it(h: Harness) -> None:
    token = await h.slash(
        "summarize", options={"url": STORY}, channel=thread_channel(THREAD, AUTO, "an older thread")
    )
    assert h.api.routes() == [
        f"POST /interactions/{h.api.calls[0].path.split('/')[2]}/{token}/callback",
        f"PATCH /webhooks/{APP_ID}/{token}/messages/@original",
        f"POST /webhooks/{APP_ID}/{token}",
    ]
    assert h.api.calls[2].body["embeds"][0]["title"] == TITLE
    assert [m["embeds"][0]["title"] for m in h.api.public()] == [TITLE]


@pytest.mark.asyncio
async def test_summarize_command_in_a_dm(h: Harness) -> None:
    token = await h.slash("summarize", options={"text": " ".join(SENTENCES)}, channel=dm_channel())
    assert [c.path for c in h.api.calls][1:] == [
        f"/webhooks/{APP_ID}/{token}/messages/@original",
        f"/webhooks/{APP_ID}/{token}",
    ]
    assert h.api.calls[2].body["embeds"][0]["title"] == "Summary"


@pytest.mark.asyncio
async def test_summarize_text_in_a_channel(h: Harness) -> None:
    await h.slash("summarize", options={"text": " ".join(SENTENCES)})
    assert h.api.calls[2].body["content"] == f"Summary of your text for <@{ALICE_ID}>"
    assert h.api.sent()[-1].body["embeds"][0]["title"] == "Summary"


@pytest.mark.asyncio
async def test_summarize_command_needs_a_url_or_text_not_both(h: Harness) -> None:
    await h.slash("summarize", options={"url": STORY, "text": "both"})
    [call] = h.api.calls
    assert call.body["type"] == 4 and call.body["data"]["flags"] == 64
    assert call.body["data"]["content"] == "Give me either a url or some text (one of the two)."


@pytest.mark.asyncio
async def test_summarize_command_alone_shows_the_help_privately(h: Harness) -> None:
    await h.slash("summarize", options={})
    [call] = h.api.calls
    assert call.body["type"] == 4 and call.body["data"]["flags"] == 64
    assert "/summarize url:" in call.body["data"]["content"]


@pytest.mark.asyncio
async def test_summarize_command_failure_is_told_only_to_the_asker(h: Harness) -> None:
    token = await h.slash("summarize", options={"url": MISSING})
    assert h.api.calls[0].body == {"type": 5, "data": {"flags": 64}}
    [answer] = h.api.sent()
    assert answer.path == f"/webhooks/{APP_ID}/{token}/messages/@original"
    assert answer.body["content"].startswith(f"Couldn't summarize {MISSING}: the page answered HTTP 404")
    assert not any(r.endswith("/threads") for r in h.api.routes())
    assert h.api.public() == []  # the channel sees nothing


@pytest.mark.asyncio
async def test_menu_failures_and_repeats_are_private_and_the_channel_sees_only_digests(h: Harness) -> None:
    await h.post(f"{SECOND}", channel=AUTO)  # summarized there already
    h.api.calls.clear()
    target = message_payload(h.api.new_id(), f"{STORY} {MISSING} {SECOND}", author=BOB, channel=AUTO)
    token = await h.menu(target, channel=text_channel(AUTO, "auto"))
    private = h.api.calls[1]
    assert private.path == f"/webhooks/{APP_ID}/{token}/messages/@original"
    lines = private.body["content"].split("\n")
    assert lines[0].startswith(f"Couldn't summarize {MISSING}: ")
    assert lines[1].startswith("Already summarized here: https://discord.com/channels/")
    public = [m for m in h.api.public() if int(m["id"]) > int(target["id"])]
    assert [m["content"] or m["embeds"][0]["title"] for m in public] == [
        f"Summary of **{TITLE}** for <@{ALICE_ID}>",
        TITLE,
    ]


@pytest.mark.asyncio
async def test_errors_after_thinking_are_private(h: Harness) -> None:
    h.summarizer.error = RuntimeError("the model fell over")
    await h.slash("summarize", options={"text": " ".join(SENTENCES)})
    [answer] = h.api.sent()
    assert answer.body["content"].startswith("Couldn't summarize that: Something went wrong")
    assert h.api.public() == []


@pytest.mark.asyncio
async def test_message_menu_summarizes_the_messages_links(h: Harness) -> None:
    target = message_payload(h.api.new_id(), f"two links: {STORY} and {SECOND}", author=BOB)
    await h.menu(target)
    assert h.api.calls[0].body == {"type": 5, "data": {"flags": 64}}
    assert h.api.calls[2].body["content"] == f"Summary of **{TITLE}** (+1 more) for <@{ALICE_ID}>"
    assert [c.body["embeds"][0]["url"] for c in h.api.sent()[2:]] == [STORY, SECOND]


@pytest.mark.asyncio
async def test_message_menu_summarizes_text_when_there_is_no_link(h: Harness) -> None:
    await h.menu(message_payload(h.api.new_id(), " ".join(SENTENCES), author=BOB))
    assert h.api.sent()[-1].body["embeds"][0]["title"] == "Summary"
    h.api.calls.clear()
    await h.menu(message_payload(h.api.new_id(), "", author=BOB))
    [call] = h.api.calls
    assert call.body["type"] == 4 and call.body["data"]["flags"] == 64
    assert call.body["data"]["content"] == "That message has no link or text to summarize."


# -- buttons ---------------------------------------------------------------------------------------


async def digest_message(h: Harness, **options: Any) -> dict[str, Any]:
    await h.slash("summarize", options={"url": STORY, **options})
    sent = h.api.sent()[-1]
    message = next(m for m in reversed(h.api.messages.values()) if m["embeds"])
    assert message["embeds"] == sent.body["embeds"]
    h.api.calls.clear()
    return message


@pytest.mark.asyncio
async def test_buttons_re_render_the_digest_in_place(h: Harness) -> None:
    message = await digest_message(h, points=2)
    token = await h.press(message, "More points")
    assert h.api.calls[0].body == {"type": 6}  # acknowledged at once, the message stays
    edit = h.api.calls[1]
    assert (edit.method, edit.path) == ("PATCH", f"/webhooks/{APP_ID}/{token}/messages/@original")
    assert len(bullets(edit.body)) == 4
    assert button(edit.body, "More points")["custom_id"].startswith(f"pr:m:4:1:{ALICE_ID}:")
    edited = h.api.messages[int(message["id"])]

    h.api.calls.clear()
    await h.press(edited, "Hide quotes")
    assert "**Quotes**" not in embed_text(h.api.calls[1].body)
    assert button(h.api.calls[1].body, "Quotes")["custom_id"].startswith(f"pr:q:4:0:{ALICE_ID}:")


@pytest.mark.asyncio
async def test_buttons_that_would_change_nothing_are_left_out(h: Harness) -> None:
    message = await digest_message(h, points=3)
    await h.press(message, "Shorter")
    edit = h.api.calls[1].body
    assert len(bullets(edit)) == 1
    assert labels(edit) == ["More points", "Hide quotes"]  # no Shorter at one point


@pytest.mark.asyncio
async def test_more_points_is_left_out_when_the_article_has_no_more(h: Harness) -> None:
    h.pages.routes[BRIEF] = ("text/html; charset=utf-8", article_html("A brief", SENTENCES[:6]))
    await h.post(f"{mention_me()} {BRIEF}", channel=GENERAL, mentions=(BOT_USER,))
    [digest] = h.api.sent()
    assert len(bullets(digest.body)) < 3  # fewer than asked: the article has no more
    assert "More points" not in labels(digest.body) and "Shorter" in labels(digest.body)


@pytest.mark.asyncio
async def test_toggling_quotes_keeps_the_points_asked_so_more_points_stays_out(h: Harness) -> None:
    h.pages.routes[BRIEF] = ("text/html; charset=utf-8", article_html("A brief", SENTENCES[:6]))
    await h.slash("summarize", options={"url": BRIEF, "points": 5})
    message = next(m for m in reversed(h.api.messages.values()) if m["embeds"])
    assert len(bullets(message)) < 5 and "More points" not in labels(message)
    toggle = next(label for label in labels(message) if label.endswith("uotes"))
    h.api.calls.clear()
    await h.press(message, toggle)
    edit = h.api.calls[1].body
    assert len(bullets(edit)) == len(bullets(message))
    assert "More points" not in labels(edit)  # still 5 asked, as many shown as before: no more


@pytest.mark.asyncio
async def test_quotes_is_left_out_when_there_are_none(h: Harness) -> None:
    quiet = [s.replace('"', "").replace(" said Harriet Blake, the mayor", "") for s in SENTENCES]
    h.pages.routes[STORY] = ("text/html; charset=utf-8", article_html(TITLE, quiet))
    await h.post(f"{mention_me()} {STORY}", channel=GENERAL, mentions=(BOT_USER,))
    [digest] = h.api.sent()
    assert "**Quotes**" not in embed_text(digest.body)
    assert labels(digest.body) == ["Shorter", "More points"]


@pytest.mark.asyncio
async def test_buttons_belong_to_the_asker(h: Harness) -> None:
    message = await digest_message(h)
    await h.press(message, "Shorter", who=BOB)
    [call] = h.api.calls
    assert call.body["type"] == 4 and call.body["data"]["flags"] == 64
    assert call.body["data"]["content"].startswith("Only the person who asked can change this digest")


@pytest.mark.asyncio
async def test_buttons_for_anyone_when_configured(start: Start) -> None:
    h = await start(buttons_for_anyone=True)
    message = await digest_message(h)
    await h.press(message, "Shorter", who=BOB)
    assert h.api.calls[0].body == {"type": 6} and h.api.calls[1].method == "PATCH"


@pytest.mark.asyncio
async def test_a_button_on_an_expired_article_says_so(h: Harness) -> None:
    message = await digest_message(h)
    stale = json.loads(json.dumps(message))
    for row in stale["components"]:
        for b in row["components"]:
            b["custom_id"] = re.sub(r":[0-9a-f]+$", ":0123456789abcdef", b["custom_id"])
    token = await h.press(stale, "Shorter")
    assert h.api.calls[0].body == {"type": 6}
    answer = h.api.calls[1]
    assert answer.path == f"/webhooks/{APP_ID}/{token}" and answer.body["flags"] == 64
    assert answer.body["content"].startswith("that article has left my cache")


# -- the reply language (issue 15) ----------------------------------------------------------------

GERMAN = "https://news.test/hafen"
GERMAN_SENTENCES = [
    "Der Stadtrat hat am Dienstag beschlossen, die überflutete Hafenmauer mit einem Riff zu erneuern.",
    "Ingenieure sagten, das Riff werde die Wellen bremsen, bevor sie die alte Steinmauer erreichen.",
    "Der Plan kostet vier Millionen Euro, die zum größten Teil aus einem nationalen Küstenfonds kommen.",
    "Fischer befürchten, dass die Bauarbeiten die Hafeneinfahrt in der Sommersaison sperren könnten.",
    "Der Rat versprach, dass Boote an jedem Tag der Arbeiten bei Flut passieren können.",
    "Forscher der Universität wollen die Austern jedes Frühjahr zählen, um das Wachstum zu prüfen.",
    "Ähnliche Riffe in den Niederlanden haben die Wellenhöhe in fünf Jahren um ein Drittel gesenkt.",
    "Anwohner, die im Winter ihre Häuser verloren haben, sagten, die Entscheidung komme viel zu spät.",
    "Die Arbeiten am ersten Abschnitt des Riffs sollen Anfang April beginnen, wenn das Wetter es zulässt.",
    "Eine Schule aus dem Ort hat gefragt, ob die Kinder beim Pflanzen der ersten Austernbänke helfen dürfen.",
]


@pytest.mark.asyncio
async def test_the_reply_language_is_the_servers_set_by_those_who_manage_it(h: Harness) -> None:
    await h.slash("settings", group="precis", permissions=MANAGE_GUILD)
    assert "Reply language (whole server): English" in h.api.calls[1].body["content"]
    h.api.calls.clear()

    await h.slash("settings", group="precis", options={"language": "de"})  # without Manage Server
    assert h.api.calls[0].body["data"]["content"] == "You need the Manage Server permission for that."
    assert await h.service.reply_language("discord", str(GUILD)) == "en"

    await h.slash("settings", group="precis", permissions=MANAGE_GUILD, options={"language": "de"})
    assert "Reply language (whole server): Deutsch" in h.api.calls[-1].body["content"]
    assert await h.service.reply_language("discord", str(GUILD)) == "de"
    # the whole server's, asked from any channel, and the channel's own settings are untouched
    assert (await h.service.get_settings("discord", str(GUILD), str(GENERAL))).trigger == "mention"
    h.api.calls.clear()
    await h.slash("settings", group="precis", permissions=MANAGE_GUILD, channel=text_channel(AUTO, "auto"))
    assert "Reply language (whole server): Deutsch" in h.api.calls[1].body["content"]


@pytest.mark.asyncio
async def test_a_servers_language_words_the_reply_and_its_buttons_keep_it(h: Harness) -> None:
    await h.service.update_settings("discord", str(GUILD), SERVER, language="de")
    message = await digest_message(h, points=2)
    intro = next(m for m in h.api.public() if m["content"])
    assert intro["content"] == f"Zusammenfassung von **{TITLE}** für <@{ALICE_ID}>"
    text = embed_text(message)
    assert "\n**Kurz gesagt** " in text and "\n**Kernpunkte**\n" in text and "\n**Zitate**\n" in text
    assert text.split("\n")[0].endswith(" Min. Lesezeit · auf Englisch gelesen*")  # the article is English
    assert "TL;DR" not in text and "Key points" not in text and "min read" not in text
    assert "The harbour council voted on Tuesday to rebuild" in text  # its own words, not translated
    assert labels(message) == ["Kürzer", "Mehr Punkte", "Zitate ausblenden"]
    assert button(message, "Mehr Punkte")["custom_id"].startswith(f"pr:m:2:1:{ALICE_ID}:de:")

    # The setting changes after the digest was posted: its buttons keep the digest's language.
    await h.service.update_settings("discord", str(GUILD), SERVER, language="fr")
    await h.press(message, "Mehr Punkte")
    edit = h.api.calls[1].body
    assert len(bullets(edit)) == 4 and "\n**Kernpunkte**\n" in embed_text(edit)
    assert labels(edit) == ["Kürzer", "Mehr Punkte", "Zitate ausblenden"]
    edited = h.api.messages[int(message["id"])]
    h.api.calls.clear()
    await h.press(edited, "Zitate ausblenden")
    edit = h.api.calls[1].body
    assert "**Zitate**" not in embed_text(edit) and labels(edit)[-1] == "Zitate"


@pytest.mark.asyncio
async def test_by_default_the_reply_is_english_and_says_which_language_the_article_was_read_in(
    h: Harness,
) -> None:
    h.pages.routes[GERMAN] = (
        "text/html; charset=utf-8",
        article_html("Hafen baut ein Riff", GERMAN_SENTENCES),
    )
    await h.post(f"{mention_me()} {GERMAN}", channel=GENERAL, mentions=(BOT_USER,))
    [digest] = h.api.sent()
    text = embed_text(digest.body)
    assert text.split("\n")[0].endswith(" min read · read in German*")
    assert "\n**TL;DR** " in text and "\n**Key points**\n" in text
    assert any(s in text for s in GERMAN_SENTENCES)  # in its own words
    assert labels(digest.body)[0] == "Shorter"
    assert set(labels(digest.body)) <= {"Shorter", "More points", "Quotes", "Hide quotes"}
    assert re.fullmatch(rf"pr:s:[1-8]:[01]:{ALICE_ID}:[0-9a-f]+", button(digest.body, "Shorter")["custom_id"])

    h.api.calls.clear()
    await h.post(f"{mention_me()} {STORY}", channel=GENERAL, mentions=(BOT_USER,))
    [digest] = h.api.sent()
    assert embed_text(digest.body).split("\n")[0].endswith(" min read*")  # English in English: nothing to say


# -- /precis settings, /precis help, command sync ----------------------------------------------------


@pytest.mark.asyncio
async def test_settings_need_manage_server(h: Harness) -> None:
    await h.slash("settings", group="precis", options={"trigger": "auto"})
    [call] = h.api.calls
    assert call.body["type"] == 4 and call.body["data"]["flags"] == 64
    assert call.body["data"]["content"] == "You need the Manage Server permission for that."
    assert (await h.service.get_settings("discord", str(GUILD), str(GENERAL))).trigger == "mention"


@pytest.mark.asyncio
async def test_settings_view_and_change(h: Harness) -> None:
    await h.slash("settings", group="precis", permissions=MANAGE_GUILD)
    assert h.api.calls[0].body == {"type": 5, "data": {"flags": 64}}
    assert "Trigger: mention" in h.api.calls[1].body["content"]
    h.api.calls.clear()

    await h.slash(
        "settings",
        group="precis",
        permissions=MANAGE_GUILD,
        options={
            "trigger": "auto",
            "points": 6,
            "quotes": False,
            "blocked_domains": "spam.test, https://www.junk.test/page",
        },
    )
    shown = h.api.calls[1].body["content"]
    assert "Trigger: auto" in shown and "Key points: 6" in shown and "Quotes: off" in shown
    assert "Blocked domains: spam.test, www.junk.test" in shown
    settings = await h.service.get_settings("discord", str(GUILD), str(GENERAL))
    assert (settings.trigger, settings.points, settings.quotes) == ("auto", 6, False)
    assert settings.blocked_domains == ("spam.test", "www.junk.test")

    h.api.calls.clear()
    await h.slash("settings", group="precis", permissions=MANAGE_GUILD, options={"blocked_domains": "none"})
    assert (await h.service.get_settings("discord", str(GUILD), str(GENERAL))).blocked_domains == ()


@pytest.mark.asyncio
async def test_settings_from_a_thread_apply_to_its_channel(h: Harness) -> None:
    await h.slash(
        "settings",
        group="precis",
        permissions=MANAGE_GUILD,
        options={"points": 2},
        channel=thread_channel(THREAD, AUTO, "an older thread"),
    )
    assert (await h.service.get_settings("discord", str(GUILD), str(AUTO))).points == 2


@pytest.mark.asyncio
async def test_a_bad_setting_is_explained(h: Harness) -> None:
    await h.slash(
        "settings", group="precis", permissions=MANAGE_GUILD, options={"allowed_domains": "not a domain!"}
    )
    [_, answer] = h.api.calls
    assert answer.body["content"].endswith("is not a domain (write it like example.com)")


@pytest.mark.asyncio
async def test_help_is_shown_only_to_the_asker(h: Harness) -> None:
    await h.slash("help", group="precis")
    [call] = h.api.calls
    assert call.body["type"] == 4 and call.body["data"]["flags"] == 64
    assert "/summarize" in call.body["data"]["content"]


@pytest.mark.asyncio
async def test_commands_are_synced_on_start(start: Start) -> None:
    h = await start(sync="changed")
    assert [f"{c.method} {c.path}" for c in h.boot] == [
        "GET /users/@me",
        "GET /oauth2/applications/@me",
        f"PUT /applications/{APP_ID}/commands",
    ]
    call = h.boot[-1]
    assert (call.method, call.path) == ("PUT", f"/applications/{APP_ID}/commands")
    commands = {(c["name"], c["type"]): c for c in call.body}
    assert set(commands) == {("summarize", 1), ("Summarize", 3), ("precis", 1)}
    options = {o["name"]: o for o in commands[("summarize", 1)]["options"]}
    assert set(options) == {"url", "text", "points", "quotes"}
    assert (options["points"]["min_value"], options["points"]["max_value"]) == (1, 8)
    assert {o["name"] for o in commands[("precis", 1)]["options"]} == {"settings", "help"}
    settings = next(o for o in commands[("precis", 1)]["options"] if o["name"] == "settings")
    language = next(o for o in settings["options"] if o["name"] == "language")
    assert [(c["name"], c["value"]) for c in language["choices"]] == [
        ("English", "en"), ("Deutsch", "de"), ("Français", "fr"), ("Español", "es"),
        ("Português", "pt"), ("Italiano", "it"), ("Nederlands", "nl"),
    ]  # fmt: skip
    # /precis is for those who manage the server, in servers only (the server may say otherwise)
    assert int(commands[("precis", 1)]["default_member_permissions"]) == int(MANAGE_GUILD)
    assert commands[("precis", 1)]["dm_permission"] is False
    assert commands[("summarize", 1)]["default_member_permissions"] is None


SYNC = f"PUT /applications/{APP_ID}/commands"


def routes(calls: list[Call]) -> list[str]:
    return [f"{c.method} {c.path}" for c in calls]


@pytest.mark.asyncio
async def test_commands_are_synced_only_when_they_changed_or_when_asked(start: Start, tmp_path: Path) -> None:
    async def restart(sync: str) -> Harness:  # each start its own connection to one store
        return await start(sync=sync, store=await SqliteStore.open(tmp_path / "precis.sqlite3"))

    first = await restart("changed")
    assert SYNC in routes(first.boot)
    await first.bot.close()
    again = await restart("changed")  # a restart, or a second process
    assert SYNC not in routes(again.boot)
    await again.bot.close()
    forced = await restart("always")  # precis discord --sync
    assert SYNC in routes(forced.boot)
    await forced.bot.close()
    changed = await restart("changed")
    changed.bot.tree.add_command(app_commands.Command(name="extra", description="x", callback=_extra))
    changed.api.calls.clear()
    await changed.bot.sync_commands()
    assert routes(changed.api.calls) == [SYNC]


async def _extra(interaction: discord.Interaction) -> None:
    pass


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "answer",
    [
        (503, {"message": "Service Unavailable", "code": 0}),  # (a 500 is the same, after 4 retries)
        (400, {"message": "Invalid Form Body", "code": 50035}),
    ],
)
async def test_a_failed_sync_is_logged_and_the_bot_runs_on(
    start: Start,
    api: FakeDiscord,
    answer: tuple[int, dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    api.sync_fails = answer
    path = tmp_path / "precis.sqlite3"
    with caplog.at_level(logging.ERROR, logger="bot.discord_chat"):
        h = await start(sync="changed", store=await SqliteStore.open(path))
    assert SYNC in routes(h.boot)
    [record] = [r for r in caplog.records if "could not sync the commands" in r.getMessage()]
    assert record.exc_info is not None and str(answer[0]) in str(record.exc_info[1])
    msg = await h.post(f"look at this {STORY} !", channel=AUTO)  # the bot still answers
    assert any(c.path == f"/channels/{AUTO}/messages/{msg['id']}/threads" for c in h.api.calls)
    await h.bot.close()
    api.sync_fails = None
    retried = await start(
        sync="changed", store=await SqliteStore.open(path)
    )  # nothing was recorded: the next start syncs
    assert SYNC in routes(retried.boot)


# -- the pieces ------------------------------------------------------------------------------------


def test_find_links() -> None:
    assert find_links("a https://a.test/x. b (https://b.test/y) **https://c.test/z**") == [
        "https://a.test/x",
        "https://b.test/y",
        "https://c.test/z",
    ]
    assert find_links("<https://a.test/x> https://b.test/(1) ||https://c.test/s||") == [
        "https://b.test/(1)",
        "https://c.test/s",
    ]
    assert find_links("https://a.test https://a.test http://b.test https://c.test https://d.test") == [
        "https://a.test",
        "http://b.test",
        "https://c.test",
    ]
    assert find_links("ftp://a.test mailto:x@y.test https:// nothing") == []


def test_user_messages() -> None:
    limited = RateLimited("slow down", retry_after_s=12.2, scope="user")
    assert user_message(limited) == "slow down. Try again in 13 s."
    assert user_message(RateLimited("slow: try again in 5 s", retry_after_s=5, scope="user")) == (
        "slow: try again in 5 s"
    )
    assert user_message(Busy()) == "I'm busy right now: try again in a minute"
    assert user_message(Busy("queue full", retry_after_s=120)) == "queue full. Try again in 2 min."
    assert user_message(BadInput("no")) == "no"


def test_buttons_need_a_key_that_fits_a_custom_id() -> None:
    every = buttons(4, View(4, True), has_quotes=True)
    view = digest_view("a" * 32, owner=ALICE_ID, buttons=every)
    assert view is not None and len(view.children) == 3
    assert digest_view("a" * 90, owner=ALICE_ID, buttons=every) is None


def test_intents_and_invite() -> None:
    intents = bot_intents()
    assert intents.guilds and intents.guild_messages and intents.dm_messages and intents.message_content
    assert not (intents.members or intents.presences or intents.guild_reactions or intents.typing)
    assert not bot_intents(message_content=False).message_content
    url = invite_url(APP_ID)
    assert f"client_id={APP_ID}" in url and "scope=bot+applications.commands" in url
    assert f"permissions={REQUIRED_PERMISSIONS.value}" in url
    perms = REQUIRED_PERMISSIONS
    assert perms.send_messages and perms.create_public_threads and perms.send_messages_in_threads
    assert perms.embed_links and perms.add_reactions and perms.read_message_history
    assert perms.value == 309237729344


@pytest.mark.asyncio
async def test_serve_needs_a_token_and_says_when_it_is_refused(api: FakeDiscord) -> None:
    with pytest.raises(BadInput, match="DISCORD_TOKEN is not set"):
        await serve(Settings(_env_file=None, discord_token=None), object())  # type: ignore[arg-type]
    api.refuse_login = True
    settings = Settings(_env_file=None, discord_token="wrong", discord_api_url=api.base)
    with pytest.raises(BadInput, match="Discord refused DISCORD_TOKEN"):
        await serve(settings, object())  # type: ignore[arg-type]
    assert [f"{c.method} {c.path}" for c in api.calls] == ["GET /users/@me"]


# -- shutdown ----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_shutdown_tells_the_person_whose_digest_was_stopped(h: Harness) -> None:
    h.summarizer.hold = threading.Event()  # the digest never finishes by itself
    data = message_payload(h.api.new_id(), f"{mention_me()} {STORY}", channel=GENERAL, mentions=(BOT_USER,))
    try:
        h.gateway("MESSAGE_CREATE", data)
        assert await asyncio.to_thread(h.summarizer.entered.wait, SETTLE_S)
        started = time.perf_counter()
        await shut_down(h.bot, h.service, grace_s=0.2)  # what SIGTERM does
        elapsed = time.perf_counter() - started
    finally:
        h.summarizer.hold.set()
    await h.settle()
    assert elapsed < 10
    said = json.dumps([c.body for c in h.api.calls if c.method == "POST"])
    assert "restarting" in said
    assert "Harriet Blake" not in said  # no digest went out


@pytest.mark.asyncio
async def test_a_long_wait_is_told_privately_before_the_digest(start: Start) -> None:
    h = await start(replace(ROOMY, workers=1, queue_size=None, max_wait_s=120.0))
    h.summarizer.hold = threading.Event()  # teach the service that a digest takes about a second
    first = await h.slash("summarize", options={"url": STORY}, settle=False)
    await asyncio.to_thread(h.summarizer.entered.wait, SETTLE_S)
    await asyncio.sleep(1.0)
    h.summarizer.hold.set()
    await h.settle()
    assert h.service.expected_wait_s() >= 0.8
    h.summarizer.hold, h.summarizer.entered = threading.Event(), threading.Event()
    links = [f"https://news.test/queue-{n}" for n in range(8)]
    for n, link in enumerate(links):
        h.pages.routes[link] = ("text/html; charset=utf-8", article_html(f"Queue story {n}", SENTENCES))
    tokens = []
    for link in links:
        expected = h.service.expected_wait_s()
        tokens.append(await h.slash("summarize", options={"url": link}, settle=False))
        async with asyncio.timeout(SETTLE_S):  # until the service has admitted it
            while h.service.expected_wait_s() <= expected:  # noqa: ASYNC110 (state lives in threads)
                await asyncio.sleep(0.01)
    h.summarizer.hold.set()
    await h.settle()

    def edits(token: str) -> list[Call]:
        return [c for c in h.api.calls if c.method == "PATCH" and token in c.path]

    told = [t for t in [first, *tokens] if any("queue right now" in json.dumps(c.body) for c in edits(t))]
    assert told and first not in told and tokens[0] not in told  # no wait to tell at the head
    for token in told:  # told first, then the private answer replaced it
        assert "queue right now" in json.dumps(edits(token)[0].body)
        assert edits(token)[-1].body["content"] == DONE_TEXT
