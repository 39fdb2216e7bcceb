"""The Slack adapter: a slack-bolt ``AsyncApp`` that turns Slack requests into digest requests.

Triggers, and where the digest goes:

    @precis <link>             app_mention            the thread of that message (in a thread
                                                      with no link: the thread's first message's)
    a link in an ``auto`` channel  message            the thread of that message
    /summarize <link or text>  slash command          a top-level "Summary of ... for name"
                                                      message, the digest in its thread
    /summarize settings [...]  slash command          ephemeral: show or (admins) change
    "Summarize" shortcut       message_action         the thread of that message
    Shorter / More points / Quotes  block_actions     the digest message, updated in place

The flow is ``bot.core.flow``'s, as on Discord: claim the message, then for each link "already
posted here?" or a digest, posted and recorded; and the buttons' state. This module parses Slack's
requests and decides where the answers go.

A message takes up to ``MAX_LINKS`` links, each its own digest. Slash commands take every form a
person pastes (a link among words, ``example.com/story``). A mention or an ``auto`` message is
claimed once in the shared store before any work (``claim_message``): Slack's retries of an event
(``X-Slack-Retry-Num``), and other processes, do nothing. Progress shows at once: "Summarizing…"
for a slash command (only its asker sees an ack), ⏳ on the message for a mention or the shortcut.
Every Web API client the app makes retries a 429 after its ``Retry-After``, and each request has
a deadline (``request_deadline_s``): past it, "took too long".

Every listener acknowledges first and hands the slow part to a task this object tracks (so
Slack gets its answer well within 3 s, shutdown can wait for work in flight, and tests can wait
on it). Not bolt's lazy listeners: their tasks are untracked and their errors only logged; and
in bolt's own "ack, then keep working" listeners, an error right after ``ack()`` can undo the ack.

Errors from those tasks and from bolt itself (``app.error``) meet in ``handle_error``, which
answers the person where they asked: ephemeral through the ``response_url`` for slash commands,
shortcuts and buttons; ephemeral in the thread for mentions; nothing for ``auto`` links nobody
asked about (those are only logged).

Over HTTP, anyone can POST to ``/slack/events``, so nothing in a request is believed until its
signature is: ``SlackBot._on_http`` reads the body (at most ``MAX_BODY_BYTES``) and checks Slack's
``v0`` signature before bolt parses it, and answers anything else 401 (413 when too big, 400 when
signed but not UTF-8) with one log line. Only then does bolt see the request, and check the
signature again. A ``response_url`` is still a URL from outside: answers go there only when it is
Slack's (``response_url_allowed``). Socket Mode requests come over a websocket opened with the
app token, and skip the door.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import signal
import socket
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    async_default_handlers,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.config import Settings
from bot.core.chat import request_deadline_s
from bot.core.errors import BadInput, Cancelled
from bot.core.flow import ChatFlow, Outcome, Shown, may_change, requested_links, split_new
from bot.core.health import HEALTH_PATH, HealthCheck
from bot.core.service import (
    SHUTDOWN_GRACE_S,
    STOP_GRACE_S,
    TELL_TIMEOUT_S,
    ChannelSettings,
    DigestRequest,
    DigestService,
    PostedRef,
    Requester,
    queue_notice,
)
from bot.core.types import Source
from bot.core.urls import host_of
from bot.slack_chat.parse import (
    USAGE,
    find_links,
    is_bot_event,
    mentions,
    message_links,
    parse_command,
    parse_settings_changes,
    plain_text,
)
from bot.slack_chat.render import (
    BUTTON_ACTIONS,
    Controls,
    already_posted_message,
    announce_message,
    digest_message,
    error_text,
    settings_text,
)

__all__ = [
    "COMMAND",
    "EVENTS_PATH",
    "MAX_BODY_BYTES",
    "SHORTCUT_ID",
    "Reply",
    "SlackBot",
    "build_app",
    "reply_for",
    "response_url_allowed",
    "serve",
]

log = logging.getLogger(__name__)

PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
COMMAND = "/summarize"
SHORTCUT_ID = "summarize"
MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are a few KiB; a bigger body is refused, unread
# Slack sends its few KiB at once: a body still arriving after this is a slow client, not Slack.
BODY_READ_TIMEOUT_S = 5.0
# On shutdown, requests still being read or answered get this long before their connection closes.
HTTP_SHUTDOWN_TIMEOUT_S = 1.0
MAX_CLOCK_SKEW_S = 5 * 60  # Slack's rule: a request signed further from now may be a replay
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # epoch seconds; the length bounds int() on hostile input
_TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
_SIGNATURE_HEADER = "X-Slack-Signature"
_VERIFIED = "precis_signature_verified"  # on the bolt context of requests ``_on_http`` let in
SLACK_RESPONSE_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
_DEFAULT_PORTS = {"https": 443, "http": 80}
# Message subtypes that are a person posting something; edits, joins, deletions... are not.
_POSTED_SUBTYPES = {None, "thread_broadcast", "file_share"}
# chat.postMessage errors that mean "you are not in this conversation", not "Slack is down".
_CANNOT_POST = {"not_in_channel", "channel_not_found", "is_archived"}
_CANNOT_POST_TEXT = "I can't post in this conversation: add me to it with `/invite @precis`."
_MENTION_USAGE = "Mention me with a link (`@precis https://…`) and I'll summarize it in the thread."
SUMMARIZING = "Summarizing…"  # a slash command's ack: only its asker sees it
WORKING_REACTION = "hourglass_flowing_sand"  # ⏳ on the message while a mention or the shortcut works
# A 429 is retried after its Retry-After this many times before the call fails.
RATE_LIMIT_RETRIES = 2


def retry_handlers() -> list[AsyncRetryHandler]:
    """What every Web API and response_url client of the app retries: a dropped connection (the
    SDK's default) and a 429, after the ``Retry-After`` Slack sends with it."""
    return [*async_default_handlers(), AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]


@dataclass(frozen=True, slots=True)
class Reply:
    """Who asked, where, and where answers (digest, errors) for that request go."""

    channel: str
    user: str
    team: str | None
    thread_ts: str | None = None
    response_url: str | None = None
    """Slash commands, shortcuts and buttons: ephemeral answers go here."""
    quiet: bool = False
    """``auto`` links: nobody asked, so failures are logged and never shown."""
    message_ts: str | None = None
    """The message the request is about (claimed once; ⏳ goes on it)."""
    name: str | None = None
    """The asker's name as Slack sends it with a slash command, for the announcement."""

    @property
    def requester(self) -> Requester:
        return Requester(PLATFORM, self.team, self.channel, self.user)


def reply_for(body: dict[str, Any]) -> Reply | None:
    """Where to answer a request, from its payload; None when it names no person or channel."""
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    if "command" in body:
        if not body.get("channel_id") or not body.get("user_id"):
            return None
        return Reply(
            body["channel_id"],
            body["user_id"],
            team,
            response_url=body.get("response_url"),
            name=body.get("user_name"),
        )
    kind = body.get("type")
    if kind in ("message_action", "block_actions"):
        channel = (body.get("channel") or {}).get("id")
        user = (body.get("user") or {}).get("id")
        message = body.get("message") or {}
        if not channel or not user:
            return None
        return Reply(
            channel,
            user,
            team,
            thread_ts=message.get("thread_ts") or message.get("ts"),
            response_url=body.get("response_url"),
            message_ts=message.get("ts") if kind == "message_action" else None,
        )
    if kind == "event_callback":
        event = body.get("event") or {}
        if not event.get("channel") or not event.get("user"):
            return None
        thread_ts = event.get("thread_ts") or event.get("ts")
        return Reply(
            event["channel"],
            event["user"],
            team,
            thread_ts=thread_ts,
            quiet=event.get("type") != "app_mention",
            message_ts=event.get("ts"),
        )
    return None


class _Refused(Exception):
    """A request we will not hand to bolt: the HTTP status, and why (never the body or signature)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _verify_signature(secret: str, timestamp: str, signature: str, body: bytes, *, now: float) -> None:
    """Raise ``_Refused`` unless ``signature`` is Slack's ``v0`` HMAC-SHA256 of ``v0:{timestamp}:{body}``
    under ``secret``, with ``timestamp`` (whole seconds, ASCII) within ``MAX_CLOCK_SKEW_S`` of ``now``."""
    if not secret:
        raise _Refused(401, "no signing secret is configured")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise _Refused(401, "the timestamp is not a number of seconds")
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW_S:
        raise _Refused(401, "the timestamp is too far from now")
    signed = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    if not (signature.isascii() and hmac.compare_digest(expected, signature)):
        raise _Refused(401, "the signature does not match")


def _single_header(request: web.Request, name: str) -> str:
    values = request.headers.getall(name, [])
    if not values:
        raise _Refused(401, f"no {name} header")
    if len(values) > 1:  # bolt would check the last one: we check the only one
        raise _Refused(401, f"{len(values)} {name} headers")
    return values[0]


def response_url_allowed(url: str, api_url: str) -> bool:
    """Whether answers may be POSTed to ``url``: https on Slack's own hooks hosts, or the scheme, host
    and port of the configured Web API (``SLACK_API_URL``: a proxy, or the tests' mock API).

    Parsers disagree about userinfo, backslashes and control characters, so a URL with any of them
    is refused rather than interpreted.
    """
    origin = _origin(url)
    if origin is None:
        return False
    scheme, host, port = origin
    return (scheme == "https" and host in SLACK_RESPONSE_HOSTS and port == 443) or origin == _origin(api_url)


def _origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of a plain http(s) URL; None for anything else, or anything odd."""
    if not url.isascii() or not url.isprintable() or " " in url or "\\" in url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or "@" in parts.netloc or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        return None
    return parts.scheme, parts.hostname, _DEFAULT_PORTS[parts.scheme] if port is None else port


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def _api_base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


class SlackBot:
    """The bolt app plus what it needs: settings, the digest service, and the work in flight."""

    def __init__(
        self, settings: Settings, service: DigestService, *, client: AsyncWebClient | None = None
    ) -> None:
        token = _secret(settings.slack_bot_token)
        if client is None and not token:
            raise BadInput("SLACK_BOT_TOKEN is not set")
        self._settings = settings
        self._service = service
        self._signing_secret = _secret(settings.slack_signing_secret) or ""
        self.client = client or AsyncWebClient(
            token=token, base_url=_api_base_url(settings.slack_api_url), retry_handlers=retry_handlers()
        )
        if not any(isinstance(h, AsyncRateLimitErrorRetryHandler) for h in self.client.retry_handlers):
            self.client.retry_handlers.append(
                AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
            )
        self.flow = ChatFlow(service, platform=PLATFORM, deadline_s=request_deadline_s(settings))
        """Claim, summarize, post and record, as on every platform (``bot.core.flow``)."""
        self.app = AsyncApp(name="precis", client=self.client, signing_secret=self._signing_secret)
        self._tasks: set[asyncio.Task[None]] = set()
        self.app.event("app_mention")(self._on_mention)
        self.app.event("message")(self._on_message)
        self.app.command(COMMAND)(self._on_command)
        self.app.message_shortcut(SHORTCUT_ID)(self._on_shortcut)
        self.app.action(re.compile("^(" + "|".join(BUTTON_ACTIONS) + ")$"))(self._on_button)
        self.app.error(self._on_bolt_error)

    # -- lifecycle ------------------------------------------------------------------------------

    def web_app(self) -> web.Application:
        """An aiohttp application serving ``POST /slack/events`` (signed requests only: ``_on_http``)."""
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_post(EVENTS_PATH, self._on_http)
        return app

    async def _on_http(self, request: web.Request) -> web.StreamResponse:
        """The door in front of bolt: a request whose signature does not verify is answered 401
        (413 too big, 400 not UTF-8) and logged in one line; no listener, no error handler, no call."""
        try:
            body = await self._read_signed(request)
        except _Refused as refused:
            log.warning("slack: refused a request from %s: %s", request.remote, refused)
            return web.Response(status=refused.status)
        bolt_request = AsyncBoltRequest(
            body=body,
            query=request.query_string,
            headers=request.headers,  # type: ignore[arg-type]  # as slack_bolt.adapter.aiohttp does
            context={_VERIFIED: True},
        )
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    async def _read_signed(self, request: web.Request) -> str:
        """The body, once its size and Slack's signature have been checked; ``_Refused`` otherwise.

        The headers are checked before a byte of the body is read, and the body must arrive
        within ``BODY_READ_TIMEOUT_S``: a client that drips it slowly holds nothing for long."""
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            raise _Refused(413, f"a body of {request.content_length} bytes")
        timestamp = _single_header(request, _TIMESTAMP_HEADER)
        signature = _single_header(request, _SIGNATURE_HEADER)
        if not _TIMESTAMP.fullmatch(timestamp):
            raise _Refused(401, "the timestamp is not a number of seconds")
        try:
            async with asyncio.timeout(BODY_READ_TIMEOUT_S):
                body = await request.read()  # stops past client_max_size (MAX_BODY_BYTES), chunked too
        except web.HTTPRequestEntityTooLarge as exc:
            raise _Refused(413, f"a body over {MAX_BODY_BYTES} bytes") from exc
        except TimeoutError as exc:
            raise _Refused(408, f"a body not sent within {BODY_READ_TIMEOUT_S:g} s") from exc
        _verify_signature(self._signing_secret, timestamp, signature, body, now=time.time())
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Refused(400, "a signed body that is not UTF-8") from exc

    async def join(self) -> None:
        """Wait until no work started by a request is still running."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def aclose(self, grace_s: float = STOP_GRACE_S) -> None:
        """Let work in flight finish for up to ``grace_s``, then cancel the rest."""
        try:
            await asyncio.wait_for(self.join(), grace_s)
        except TimeoutError:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _start(self, reply: Reply, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._guarded(reply, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, reply: Reply, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception as exc:
            await self.handle_error(exc, reply)
        except asyncio.CancelledError:  # shutdown: the person who asked hears so, briefly
            log.info("slack: request of %s in %s cancelled by shutdown", reply.user, reply.channel)
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._tell(reply, Cancelled().message), TELL_TIMEOUT_S)
            raise

    # -- errors ---------------------------------------------------------------------------------

    async def handle_error(self, error: BaseException, reply: Reply | None) -> None:
        """The one place a failure becomes a log line and, where someone asked, an answer."""
        if isinstance(error, SlackApiError) and api_error(error) in _CANNOT_POST:
            where = reply.channel if reply else "?"
            log.warning("slack: cannot post in %s: %s", where, api_error(error))
            text = _CANNOT_POST_TEXT
        else:
            text = error_text(error)  # logs the failure once, in full (bot.core.chat.user_text)
        if reply is None:
            return
        try:
            await self._tell(reply, text)
        except Exception:
            log.exception("slack: could not tell %s about an error", reply.user)

    async def _on_bolt_error(self, error: Exception, body: dict[str, Any], request: AsyncBoltRequest) -> None:
        """``app.error``. Only requests that came in through ``_on_http`` (signature checked) or over
        Socket Mode are answered; one handed to bolt any other way names no one we trust."""
        trusted = request.mode == "socket_mode" or request.context.get(_VERIFIED) is True
        await self.handle_error(error, reply_for(body) if trusted else None)

    async def _tell(self, reply: Reply, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """An ephemeral message to whoever asked (nothing at all for quiet requests, or to a
        ``response_url`` that is not Slack's)."""
        if reply.response_url:
            if not response_url_allowed(reply.response_url, self._settings.slack_api_url):
                # The host alone: the rest of a response_url is a credential.
                host = host_of(reply.response_url) or "?"
                log.warning("slack: not answering at a response_url on %r: not Slack", host)
                return
            webhook = AsyncWebhookClient(reply.response_url, retry_handlers=retry_handlers())
            response = await webhook.send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=False
            )
            if response.status_code != 200:
                log.warning("slack: response_url answered %s: %s", response.status_code, response.body)
        elif not reply.quiet:
            await self.client.chat_postEphemeral(
                channel=reply.channel, user=reply.user, text=text, blocks=blocks, thread_ts=reply.thread_ts
            )

    # -- listeners: acknowledge, then start the work --------------------------------------------

    async def _on_mention(
        self, ack: AsyncAck, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        reply = reply_for(body)
        if reply is None or is_bot_event(event, bot_user_id=context.bot_user_id, bot_id=context.bot_id):
            return
        self._start(
            reply, self._mention(reply, requested_links(find_links(event.get("text", "")), auto=False))
        )

    async def _on_message(
        self, ack: AsyncAck, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        text = event.get("text", "")
        reply = reply_for(body)
        if (
            reply is None
            or event.get("subtype") not in _POSTED_SUBTYPES
            or event.get("channel_type") not in ("channel", "group")
            or is_bot_event(event, bot_user_id=context.bot_user_id, bot_id=context.bot_id)
            or mentions(text, context.bot_user_id)  # the app_mention listener answers this one
        ):
            return
        links = requested_links(find_links(text), auto=True)
        if links:
            self._start(reply, self._auto(reply, [Source.from_url(u) for u in links]))

    async def _on_command(self, ack: AsyncAck, command: dict[str, Any], body: dict[str, Any]) -> None:
        parsed = parse_command(command.get("text", ""))
        reply = reply_for(body)
        if parsed.kind == "help" or reply is None:
            await ack(text=USAGE)
            return
        if parsed.kind == "settings":
            await ack()
            self._start(reply, self._channel_settings(reply, parsed.settings_args))
        else:
            await ack(text=SUMMARIZING)
            self._start(reply, self._command_digests(reply, parsed.sources))

    async def _on_shortcut(self, ack: AsyncAck, shortcut: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        reply = reply_for(body)
        if reply is None:
            return
        message = shortcut.get("message") or {}
        links = message_links(message)
        plain = plain_text(message.get("text", ""))
        if links:
            sources = [Source.from_url(u) for u in links]
        elif plain:
            sources = [Source.from_text(plain)]
        else:
            self._start(reply, self._tell(reply, "That message has no link or text to summarize."))
            return
        self._start(reply, self._shortcut(reply, sources))

    async def _on_button(self, ack: AsyncAck, action: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        reply = reply_for(body)
        ts = (body.get("message") or {}).get("ts")
        if reply is not None and ts:
            self._start(reply, self._rerender(reply, action.get("value", ""), ts))

    # -- the work -------------------------------------------------------------------------------

    async def _claimed(self, reply: Reply) -> bool:
        """Whether this process answers ``reply``'s message: the first delivery, in the first process
        to claim it. Slack's retries and the other processes get False."""
        return reply.message_ts is None or await self.flow.claim(reply.channel, reply.message_ts)

    @contextlib.asynccontextmanager
    async def _working(self, reply: Reply) -> AsyncIterator[None]:
        """⏳ on the message while its digests are made, taken back after (best effort: the digests
        come whether or not the reaction could be added)."""
        reacted = False
        if reply.message_ts is not None:
            try:
                await self.client.reactions_add(
                    channel=reply.channel, timestamp=reply.message_ts, name=WORKING_REACTION
                )
                reacted = True
            except SlackApiError as exc:
                log.debug("slack: no progress reaction: %s", api_error(exc))
        try:
            yield
        finally:
            if reacted:
                try:
                    await self.client.reactions_remove(
                        channel=reply.channel, timestamp=reply.message_ts, name=WORKING_REACTION
                    )
                except SlackApiError as exc:
                    log.debug("slack: could not take the progress reaction back: %s", api_error(exc))

    async def _mention(self, reply: Reply, links: list[str]) -> None:
        if not await self._claimed(reply):
            return
        if not links and reply.thread_ts != reply.message_ts:  # in a thread: the link it is about
            links = await self._thread_links(reply)
        if not links:
            await self._tell(reply, _MENTION_USAGE)
            return
        async with self._working(reply):
            await self._digests_in_thread(reply, [Source.from_url(u) for u in links])

    async def _thread_links(self, reply: Reply) -> list[str]:
        """The links of the message that started ``reply``'s thread."""
        try:
            response = await self.client.conversations_replies(
                channel=reply.channel, ts=reply.thread_ts, limit=1, inclusive=True
            )
        except SlackApiError as exc:
            log.warning(
                "slack: cannot read the thread %s in %s: %s",
                reply.thread_ts,
                reply.channel,
                api_error(exc),
            )
            return []
        messages = response.get("messages") or []
        return message_links(messages[0]) if messages else []

    async def _auto(self, reply: Reply, sources: list[Source]) -> None:
        settings = await self._service.get_settings(PLATFORM, reply.team, reply.channel)
        if settings.trigger == "auto" and await self._claimed(reply):
            await self._digests_in_thread(reply, sources, settings)

    async def _shortcut(self, reply: Reply, sources: list[Source]) -> None:
        async with self._working(reply):
            await self._digests_in_thread(reply, sources)

    async def _prepare_all(
        self, reply: Reply, sources: list[Source], settings: ChannelSettings
    ) -> list[Outcome]:
        """Every source at once (the service queues the work); a long queue is told before."""

        async def tell_wait(seconds: float) -> None:  # a long queue: said before the digest comes
            await self._tell(reply, queue_notice(seconds))

        requests = [DigestRequest(s, reply.requester) for s in sources]
        return await self.flow.prepare_all(requests, settings, on_wait=tell_wait)

    async def _digests_in_thread(
        self, reply: Reply, sources: list[Source], settings: ChannelSettings | None = None
    ) -> None:
        """Each source's digest in ``reply``'s thread (or a link to the thread that already has it),
        in order; a source that fails is answered on its own (``handle_error``)."""
        settings = settings or await self._service.get_settings(PLATFORM, reply.team, reply.channel)
        outcomes = await self._prepare_all(reply, sources, settings)
        language = await self._service.reply_language(PLATFORM, reply.team)
        await self.flow.deliver(outcomes, _Poster(self, reply, reply.thread_ts, language=language))

    async def _command_digests(self, reply: Reply, sources: tuple[Source, ...]) -> None:
        """``/summarize``: a top-level "Summary of ... for name", the digests in its thread; what
        went wrong, and links already summarized here, only to the asker."""
        settings = await self._service.get_settings(PLATFORM, reply.team, reply.channel)
        ready, rest = split_new(await self._prepare_all(reply, list(sources), settings))
        for outcome in rest:
            if outcome.error is not None:
                await self.handle_error(outcome.error, reply)
            elif outcome.posted is not None:
                await self._tell(reply, already_posted_message(outcome.posted)["text"])
        if not ready:
            return
        first = ready[0].result
        assert first is not None
        language = await self._service.reply_language(PLATFORM, reply.team)
        try:
            top = await self.client.chat_postMessage(
                channel=reply.channel,
                **announce_message(
                    first.digest.article.meta.title, reply.name, more=len(ready) - 1, language=language
                ),
            )
        except SlackApiError as exc:
            if api_error(exc) not in _CANNOT_POST:
                raise
            # Not a member (a private channel, a DM): the digests still reach the person who asked.
            note = {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "Only you can see this. " + _CANNOT_POST_TEXT}],
            }
            for outcome in ready:
                shown = outcome.shown  # a property that renders the view: once
                assert shown is not None
                plain = _message(shown, reply.user, language, buttons=False)
                await self._tell(reply, plain["text"], [note, *plain["blocks"]])
            return
        await self.flow.deliver(ready, _Poster(self, reply, top["ts"], anchor=top["ts"], language=language))

    async def _rerender(self, reply: Reply, value: str, ts: str) -> None:
        """A button: the same article again, shorter / longer / with or without quotes, in the
        reply language the digest was posted in (the button's)."""
        try:
            target = Controls.decode(value)
        except (ValueError, KeyError, TypeError) as exc:
            raise BadInput("that button is from an older version of me: ask again with /summarize") from exc
        if not may_change(reply.user, target.owner, anyone=self._settings.buttons_for_anyone):
            await self._tell(reply, f"Only <@{target.owner}> can change this summary.")
            return
        shown = await self.flow.rerender(target.article_key, reply.requester, target.view)
        message = _message(shown, target.owner, target.language)
        await self.client.chat_update(
            channel=reply.channel, ts=ts, text=message["text"], blocks=message["blocks"]
        )

    async def _channel_settings(self, reply: Reply, args: str) -> None:
        """``/summarize settings``: anyone may look; workspace admins and owners may change."""
        if not args:
            settings, language = await self.flow.settings(reply.team, reply.channel)
            await self._tell(reply, settings_text(settings, reply.channel, language))
            return
        changes = parse_settings_changes(args)
        if not await self._is_admin(reply.user):
            await self._tell(reply, "Only workspace admins can change my settings.")
            return
        settings, language = await self.flow.settings(reply.team, reply.channel, changes)
        await self._tell(reply, "Saved.\n" + settings_text(settings, reply.channel, language))

    # -- helpers --------------------------------------------------------------------------------

    async def _is_admin(self, user: str) -> bool:
        response = await self.client.users_info(user=user)
        info = response.get("user") or {}
        return bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))


def _message(shown: Shown, owner: str, language: str, *, buttons: bool = True) -> dict[str, Any]:
    """A digest's ``chat.postMessage`` arguments in reply ``language``; the buttons (``owner``'s)
    unless ``buttons`` is off."""
    view = shown.view
    controls = (
        Controls(shown.result.article_key, owner, view.points, view.quotes, language) if buttons else None
    )
    return digest_message(shown.result.digest, shown.quotes, controls, language=language)


class _Poster:
    """Posts a request's answers in the thread ``thread_ts`` (``bot.core.flow.Poster``). What goes
    wrong with one answer is told on its own (``handle_error``), and the next goes on. A repeat of
    the link is sent to ``anchor`` (``/summarize``'s announcement), else to the digest itself."""

    def __init__(
        self,
        bot: SlackBot,
        reply: Reply,
        thread_ts: str | None,
        *,
        anchor: str | None = None,
        language: str,
    ) -> None:
        self._bot = bot
        self._reply = reply
        self._thread_ts = thread_ts
        self._anchor = anchor
        self._language = language

    async def digest(self, outcome: Outcome, shown: Shown) -> PostedRef | None:
        reply = self._reply
        try:
            posted = await self._bot.client.chat_postMessage(
                channel=reply.channel,
                thread_ts=self._thread_ts,
                **_message(shown, reply.user, self._language),
            )
            if outcome.url is None:  # nothing for a repeat to find
                return None
            ts = self._anchor or posted["ts"]
            return PostedRef(message_id=ts, thread_id=self._thread_ts, permalink=await self._permalink(ts))
        except Exception as exc:
            await self._bot.handle_error(exc, reply)
            return None

    async def already_posted(self, outcome: Outcome, ref: PostedRef) -> None:
        try:
            await self._bot.client.chat_postMessage(
                channel=self._reply.channel, thread_ts=self._thread_ts, **already_posted_message(ref)
            )
        except Exception as exc:
            await self._bot.handle_error(exc, self._reply)

    async def failed(self, outcome: Outcome, error: Exception) -> None:
        await self._bot.handle_error(error, self._reply)

    async def _permalink(self, ts: str) -> str | None:
        channel = self._reply.channel
        try:
            response = await self._bot.client.chat_getPermalink(channel=channel, message_ts=ts)
        except SlackApiError as exc:
            log.warning("slack: no permalink for %s/%s: %s", channel, ts, api_error(exc))
            return None
        return response.get("permalink")


def api_error(exc: SlackApiError) -> str:
    """The ``error`` Slack's Web API answered with, or the HTTP status when its answer was not
    JSON (a proxy's or a mock's page): reading ``.get`` on such an answer raised AttributeError."""
    data = exc.response.data
    if isinstance(data, dict):
        return str(data.get("error") or "unknown_error")
    return f"HTTP {exc.response.status_code}"


def build_app(settings: Settings, service: DigestService) -> SlackBot:
    """The Slack adapter over ``service``; ``.app`` is the bolt ``AsyncApp``. Call inside a loop."""
    return SlackBot(settings, service)


async def serve(
    settings: Settings,
    service: DigestService,
    *,
    http: bool,
    port: int = 3000,
    sock: socket.socket | None = None,
    health: HealthCheck | None = None,
) -> None:
    """Run until cancelled or SIGTERM: Socket Mode (``SLACK_APP_TOKEN``), or with ``http`` the
    Events API, interactivity and the slash command on ``POST /slack/events`` (signed), on ``sock``
    (bound at start-up, ``bot.startup.bind``) or else on ``HOST:port``; with ``health``, also
    ``GET /healthz`` there. SIGTERM stops Socket Mode even while it is still connecting.

    Work in flight gets ``SHUTDOWN_GRACE_S`` to finish, then is stopped with its users told (within
    10 s in all); ``service`` stays open (its owner closes it).
    """
    app_token = _secret(settings.slack_app_token)
    if http and not _secret(settings.slack_signing_secret):
        raise BadInput("SLACK_SIGNING_SECRET is not set: --http needs it to check requests come from Slack")
    if not http and not app_token:
        raise BadInput("SLACK_APP_TOKEN is not set: set it for Socket Mode, or run with --http --port N")
    bot = build_app(settings, service)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        handles_sigterm = True
    except (NotImplementedError, RuntimeError):  # not on Unix, or not the main thread
        handles_sigterm = False
    try:
        if http:
            app = bot.web_app()
            if health is not None:
                app.router.add_get(HEALTH_PATH, health.handle)
            runner = web.AppRunner(app, shutdown_timeout=HTTP_SHUTDOWN_TIMEOUT_S)
            await runner.setup()
            try:
                site = (
                    web.SockSite(runner, sock)
                    if sock is not None
                    else web.TCPSite(runner, settings.host, port)
                )
                await site.start()
                log.info("slack: serving %s on %s", EVENTS_PATH, site.name)
                await stop.wait()
            finally:
                await runner.cleanup()
        else:
            handler = AsyncSocketModeHandler(bot.app, app_token, web_client=bot.client)
            try:
                if await _until_stopped(handler.connect_async(), stop):
                    log.info("slack: connected in Socket Mode")
                    await stop.wait()
            finally:
                await handler.close_async()
    finally:
        if handles_sigterm:
            loop.remove_signal_handler(signal.SIGTERM)
        await service.drain(SHUTDOWN_GRACE_S)
        await bot.aclose(STOP_GRACE_S)


async def _until_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Run ``work`` until it finishes (True) or ``stop`` is set first (False: ``work`` is cancelled).
    Socket Mode's connect retries a refused connection every 10 s forever: SIGTERM must not wait."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if task.cancelled():
        return False
    task.result()  # its error, if it failed
    return True
