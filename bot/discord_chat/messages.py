"""A gateway message in, its digests out: the flow glue for messages (``answer_message``).

Triggers (each becomes up to ``MAX_LINKS`` ``DigestRequest``, one digest each, through
``bot.core.flow``): a message with http(s) links in a channel set to ``auto`` (``<...>`` links,
videos, social posts, GIFs and pictures are passed over before any fetch); a message whose text
mentions the bot (``<@bot>`` or its role; a reply's ping is not a mention), with links of its
own or in the message it replies to (its text or its embeds); any message with links in a DM.

Each message is claimed once in the shared store before any work (``ChatFlow.claim``), so a
gateway replay or a second process does nothing. Permissions are read before the work
(``abilities``). In ``auto`` channels failures are silent (a ❌ reaction, the reason in the log)
and no thread is opened before there is a digest to put in it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import discord

from bot.core.errors import DomainNotAllowed, NotAnArticle
from bot.core.flow import Outcome, requested_links
from bot.core.service import DigestRequest, Requester
from bot.core.types import Source
from bot.core.urls import host_of
from bot.discord_chat.abilities import Abilities, abilities
from bot.discord_chat.parsing import find_links, is_ignored_author, message_links
from bot.discord_chat.render import notice_payload
from bot.discord_chat.replies import (
    Poster,
    Send,
    notice,
    reply_sender,
    say_stopped,
    sender,
    thread_name_for,
    user_message,
)

if TYPE_CHECKING:
    from bot.discord_chat.bot import PrecisBot

__all__ = [
    "AUTO_QUIET",
    "FAILED_EMOJI",
    "THREAD_EXISTS",
    "WORKING_EMOJI",
    "answer_message",
    "home_channel_id",
]

log = logging.getLogger(__name__)

WORKING_EMOJI = "\N{HOURGLASS WITH FLOWING SAND}"
FAILED_EMOJI = "\N{CROSS MARK}"
THREAD_EXISTS = 160004  # Discord's error code: "A thread has already been created for this message"
AUTO_QUIET = (NotAnArticle, DomainNotAllowed)
"""In ``auto`` channels these leave no trace at all: a GIF or a video link is not a request."""
USAGE = "Send me a link (or reply to a message with one and mention me), or use /summarize."


def home_channel_id(channel: object, fallback: int | None) -> int:
    """Settings and "already summarized" belong to a thread's parent channel."""
    if isinstance(channel, discord.Thread):
        return channel.parent_id
    return getattr(channel, "id", None) or fallback or 0


async def answer_message(bot: PrecisBot, message: discord.Message) -> None:
    """Every message the gateway sends: a request, or nothing. What goes wrong is told to whoever
    asked (in ``auto``, nobody: a ❌ and the log)."""
    if bot.user is None or is_ignored_author(message, bot.user.id):
        return
    if message.type not in (discord.MessageType.default, discord.MessageType.reply):
        return
    explicit = message.guild is None or _mentions_me(bot, message)
    try:
        await _answer(bot, message, explicit)
    except asyncio.CancelledError:  # shutdown: say so, briefly, and stop
        if explicit:
            await say_stopped(reply_sender(message, history=_abilities(message).history))
        raise
    except Exception as exc:
        text = user_message(exc)
        if not explicit:  # nobody asked: the log has it
            log.info("auto mode: message %s failed: %s", message.id, text)
            await _react(message, FAILED_EMOJI, _abilities(message))
            return
        try:
            await reply_sender(message, history=_abilities(message).history)(notice_payload(text), None)
        except discord.HTTPException:
            log.exception("could not tell the user about an error")


def _mentions_me(bot: PrecisBot, message: discord.Message) -> bool:
    """A mention written in the text: a reply's ping (the replied-to author in ``mentions``)
    is not a request."""
    assert bot.user is not None
    if bot.user.id in message.raw_mentions:
        return True
    role = message.guild.self_role if message.guild else None
    return role is not None and role.id in message.raw_role_mentions


def _abilities(message: discord.Message) -> Abilities:
    return abilities(message.channel, message.guild.me if message.guild else None)


async def _answer(bot: PrecisBot, message: discord.Message, explicit: bool) -> None:
    guild = message.guild
    links = requested_links(find_links(message.content, limit=None, explicit=explicit), auto=not explicit)
    if not explicit and not links:
        return
    home = home_channel_id(message.channel, message.channel.id)
    workspace = str(guild.id) if guild else None
    channel_settings = await bot.service.get_settings(bot.flow.platform, workspace, str(home))
    if not explicit and channel_settings.trigger != "auto":
        return
    if not await bot.flow.claim(str(message.channel.id), str(message.id)):
        return
    can = _abilities(message)
    if not can.answer:
        in_thread = isinstance(message.channel, discord.Thread)
        need = "Send Messages in Threads" if in_thread else "Send Messages (and Create Public Threads)"
        log.warning("cannot answer in channel %s: missing %s", message.channel.id, need)
        await _react(message, FAILED_EMOJI, can)
        return
    if explicit and not links:
        replied = await _replied_to(message)
        links = message_links(replied) if replied is not None else []
    if not links:
        await reply_sender(message, history=can.history)(notice_payload(USAGE), None)
        return
    requester = Requester(bot.flow.platform, workspace, str(home), str(message.author.id))
    requests = [DigestRequest(Source.from_url(u), requester) for u in links]
    async with _working(bot, message, can):
        outcomes = await bot.flow.prepare_all(requests, channel_settings)
        language = await bot.service.reply_language(bot.flow.platform, workspace)
        await _reply(bot, message, outcomes, language, can, explicit=explicit)


async def _replied_to(message: discord.Message) -> discord.Message | None:
    ref = message.reference
    if ref is None or ref.message_id is None:
        return None
    if isinstance(ref.resolved, discord.Message):
        return ref.resolved
    try:
        return await message.channel.fetch_message(ref.message_id)
    except discord.HTTPException:
        return None


async def _react(message: discord.Message, emoji: str, can: Abilities) -> bool:
    if not can.react:
        return False
    try:
        await message.add_reaction(emoji)
    except discord.HTTPException as exc:  # refused after all: the reply still comes
        log.debug("no %s reaction: %s", emoji, exc)
        return False
    return True


@asynccontextmanager
async def _working(bot: PrecisBot, message: discord.Message, can: Abilities) -> AsyncIterator[None]:
    """A reaction while the digest is made, taken back once the reply is there."""
    reacted = await _react(message, WORKING_EMOJI, can)
    try:
        yield
    finally:
        if reacted:
            try:
                me = discord.Object(bot.user.id if bot.user else 0)
                await message.remove_reaction(WORKING_EMOJI, me)
            except discord.HTTPException as exc:
                log.debug("could not take the progress reaction back: %s", exc)


def _quiet(outcome: Outcome) -> bool:
    """In ``auto``: a failure that is no failure (a link that is not an article, a domain the
    channel excludes): passed over without a trace but a log line."""
    if isinstance(outcome.error, AUTO_QUIET):
        log.info("auto mode: passing over a link to %s (%s)", host_of(outcome.url or ""), outcome.error.code)
        return True
    return False


async def _reply(
    bot: PrecisBot,
    message: discord.Message,
    outcomes: Sequence[Outcome],
    language: str,
    can: Abilities,
    *,
    explicit: bool,
) -> None:
    shown = list(outcomes)
    if not explicit:  # nobody asked: failures go to the log, and at most a ❌ on the message
        shown = [o for o in shown if not _quiet(o)]
        failed = [o for o in shown if o.error is not None]
        for o in failed:
            log.info("auto mode: no digest of a link to %s: %s", host_of(o.url or ""), notice(o))
        shown = [o for o in shown if o.error is None]
        if failed and not shown:
            await _react(message, FAILED_EMOJI, can)
    if not shown:
        return
    channel = message.channel
    send: Send | None = None
    if isinstance(channel, discord.Thread):
        send = sender(channel, need="Send Messages in Threads")
    elif any(o.result is not None for o in shown) and can.thread:
        thread = await _thread_on(bot, message, thread_name_for(shown, language))
        if thread is not None:
            send = sender(thread, need="Send Messages in Threads")
    if send is None:
        if not can.send:
            log.warning("cannot answer in channel %s: missing Send Messages", channel.id)
            await _react(message, FAILED_EMOJI, can)
            return
        send = reply_sender(message, history=can.history)
    await bot.flow.deliver(shown, Poster(send, owner=message.author.id, embed=can.embed, language=language))


async def _thread_on(bot: PrecisBot, message: discord.Message, name: str) -> discord.abc.Messageable | None:
    """The thread on ``message``: the one it already has (160004 when Discord knows of one this
    process does not: its id is the message's), else a new one; None if Discord refuses."""
    if message.thread is not None:
        return message.thread
    try:
        return await message.create_thread(name=name)
    except discord.HTTPException as exc:
        if exc.code == THREAD_EXISTS:
            guild_id = message.guild.id if message.guild else None
            return bot.get_partial_messageable(
                message.id, guild_id=guild_id, type=discord.ChannelType.public_thread
            )
        log.warning("could not open a thread on message %s: %s", message.id, exc)
        return None
