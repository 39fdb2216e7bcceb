"""Putting answers on Discord: what a user reads when something failed (``user_message``), the
senders (a channel, a thread, a reply), and the poster the core flow posts digests through.

``user_message`` is the one place an exception becomes what the user reads: Discord's own errors
here, the rest by ``bot.core.chat.user_text`` (an error about the request in its own words; a
generic line for the bot's own failures, never a path or a server; the log has it all).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.core.chat import user_text
from bot.core.errors import Cancelled, MissingPermission
from bot.core.flow import Outcome, Shown
from bot.core.service import TELL_TIMEOUT_S, PostedRef, Requester
from bot.core.strings import DEFAULT_LANGUAGE, words_for
from bot.core.urls import host_of, shown_url
from bot.discord_chat.buttons import digest_view
from bot.discord_chat.render import digest_payloads, notice_payload, send_kwargs, text_payload, thread_name

__all__ = [
    "PLATFORM",
    "Poster",
    "Send",
    "notice",
    "rendered",
    "reply_sender",
    "say_stopped",
    "sender",
    "thread_name_for",
    "user_message",
]

log = logging.getLogger(__name__)

PLATFORM = "discord"
Send = Callable[[dict[str, Any], "discord.ui.View | None"], Awaitable[discord.Message]]


def user_message(exc: BaseException) -> str:
    """The central error handler: what the user reads when ``exc`` happened. Discord's own errors
    are told here; the rest, and what the log gets, is ``user_text``'s (``bot.core.chat``)."""
    if isinstance(exc, app_commands.CommandInvokeError):
        exc = exc.original
    if isinstance(exc, MissingPermission):
        log.warning("missing a Discord permission: %s", exc.permission)
        return exc.message
    if isinstance(exc, app_commands.MissingPermissions):
        return "You need the Manage Server permission for that."
    if isinstance(exc, app_commands.CheckFailure | app_commands.TransformerError):
        return "That command can't be used like this here."
    if isinstance(exc, discord.Forbidden):
        log.warning("missing a Discord permission: %s", exc)
        return "Discord refused me a permission here: a server admin can check my role."
    return user_text(exc)


def notice(outcome: Outcome) -> str:
    """What a request that got no new digest says: where its digest already is, or why it failed
    (worded, and logged, by ``user_message``: call it once per failure)."""
    if outcome.posted is not None:
        return f"Already summarized here: {_permalink(outcome.posted, outcome.request.requester)}"
    assert outcome.error is not None
    url = outcome.url
    prefix = f"Couldn't summarize {shown_url(url)}: " if url else "Couldn't summarize that: "
    return prefix + user_message(outcome.error)


def _permalink(ref: PostedRef, requester: Requester) -> str:
    if ref.permalink:
        return ref.permalink
    return (
        f"https://discord.com/channels/{requester.workspace or '@me'}/"
        f"{ref.thread_id or requester.channel}/{ref.message_id}"
    )


def thread_name_for(outcomes: Sequence[Outcome], language: str = DEFAULT_LANGUAGE) -> str:
    """The first digest's title, else "Summary of" the first link's host (in reply ``language``)."""
    words = words_for(language)
    for o in outcomes:
        if o.result is not None:
            return thread_name(o.result.digest.article.meta.title, words.summary)
    url = next((o.url for o in outcomes if o.url), None)
    return thread_name(words.summary_of.format(what=host_of(url)) if url else None, words.summary)


def rendered(
    shown: Shown, *, owner: int, embed: bool = True, language: str = DEFAULT_LANGUAGE
) -> tuple[dict[str, Any], discord.ui.View | None]:
    """A digest's payload (an embed, or plain text without Embed Links) and its buttons, their
    fixed words in reply ``language``."""
    digest = shown.result.digest
    quotes = list(shown.quotes)
    if embed:
        payload = digest_payloads(digest, quotes, language=language)[0]
    else:
        payload = text_payload(digest, quotes, language)
    view = digest_view(shown.result.article_key, owner=owner, buttons=shown.buttons, language=language)
    return payload, view


def sender(
    channel: discord.abc.Messageable,
    *,
    need: str = "Send Messages",
    reference: discord.Message | None = None,
) -> Send:
    """Posts in ``channel`` (as a reply to ``reference``, if given); Discord's 403 becomes
    ``MissingPermission(need)``."""

    async def send(payload: dict[str, Any], view: discord.ui.View | None) -> discord.Message:
        try:
            return await channel.send(**send_kwargs(payload, view), reference=reference)  # type: ignore[call-overload]
        except discord.Forbidden as exc:
            raise MissingPermission(need) from exc

    return send


def reply_sender(message: discord.Message, *, history: bool) -> Send:
    """Replies to ``message`` in its channel: with a ``reference`` only given Read Message
    History (Discord refuses a reply without it)."""
    need = "Send Messages in Threads" if isinstance(message.channel, discord.Thread) else "Send Messages"
    return sender(message.channel, need=need, reference=message if history else None)


class Poster:
    """Posts a request's answers through ``send`` (``bot.core.flow.Poster``): a digest with its
    buttons (``owner``'s), as an embed unless ``embed`` is off, in reply ``language``; a notice
    for the rest. Discord's refusals are raised, for the caller's one error handler."""

    def __init__(
        self, send: Send, *, owner: int, embed: bool = True, language: str = DEFAULT_LANGUAGE
    ) -> None:
        self._send = send
        self._owner = owner
        self._embed = embed
        self._language = language

    async def digest(self, outcome: Outcome, shown: Shown) -> PostedRef | None:
        payload, view = rendered(shown, owner=self._owner, embed=self._embed, language=self._language)
        sent = await self._send(payload, view)
        in_thread = isinstance(sent.channel, discord.Thread | discord.PartialMessageable)
        return PostedRef(str(sent.id), str(sent.channel.id) if in_thread else None, sent.jump_url)

    async def already_posted(self, outcome: Outcome, ref: PostedRef) -> None:
        await self._send(notice_payload(notice(outcome)), None)

    async def failed(self, outcome: Outcome, error: Exception) -> None:
        await self._send(notice_payload(notice(outcome)), None)


async def say_stopped(send: Callable[[dict[str, Any], None], Awaitable[Any]]) -> None:
    """Tell the person whose request shutdown cancelled, within ``TELL_TIMEOUT_S``, or give up."""
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.wait_for(send(notice_payload(Cancelled().message), None), TELL_TIMEOUT_S)
