"""The Discord client: events and commands in, ``DigestRequest`` to the service, threads out.

Beside it, by job: ``parsing`` (the links a message asks for, whose messages count),
``commands`` (the slash commands and the menu, and when they are synced), ``buttons`` (the
buttons under a digest) and ``render`` (a digest as Discord's payloads).

Triggers (each becomes up to ``MAX_LINKS`` ``DigestRequest``, one digest each):

- a message with http(s) links in a channel set to ``auto`` (``<...>`` links, videos, social
  posts, GIFs and pictures are passed over before any fetch: ``not_an_article``);
- a message whose text mentions the bot (``<@bot>`` or its role; a reply's ping is not a mention),
  with links of its own or in the message it replies to (its text or its embeds);
- any message with links in a DM;
- ``/summarize url|text [points] [quotes]`` and the message menu **Apps → Summarize**.

In explicit requests (a mention, a DM, a command) every form a person pastes is a link:
``<https://...>``, a bare ``example.com/story``, a link in an embed, a link among a few words.

Each message is claimed once in the shared store before any work (``claim_message``), so a gateway
replay or a second process (shards split over processes, or overlapping) does nothing.

Permissions are read before the work (``abilities``): the digest goes in a thread on the message
(the thread it already has, if any), else as a reply (with ``reference`` only given Read Message
History), as plain text without Embed Links; with no way to post, the message gets a ❌ reaction
at most. A step Discord refuses anyway becomes ``MissingPermission``, naming the permission.

Noise: in ``auto`` channels failures are silent (a ❌ reaction, the reason in the log) and no
thread is opened before there is a digest to put in it; commands and the menu think privately,
so their errors and notices reach only the person who asked, and the channel sees only digests.
Under each digest, **Shorter**, **More points** and **Quotes** re-render it from the cached
article (a button that would change nothing is left out); their state lives in their
``custom_id``, so they keep working across restarts and processes.

Errors: ``user_message`` is the one place an exception becomes what the user reads: Discord's
own errors here, the rest by ``bot.core.chat.user_text`` (an error about the request in its own
words; a generic line for the bot's own failures, never a path or a server; the log has it all). Each request
has a deadline (``request_deadline_s``, well inside the 15 minutes of an interaction's token):
past it the person gets "took too long", never an endless "thinking…".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, Literal

import discord
from discord import app_commands

from bot.config import Settings
from bot.core.chat import (
    MAX_LINKS,
    not_an_article,
    request_deadline_s,
    user_text,
    within,
)
from bot.core.errors import (
    BadInput,
    Cancelled,
    DomainNotAllowed,
    MissingPermission,
    NotAnArticle,
)
from bot.core.service import (
    SHUTDOWN_GRACE_S,
    STOP_GRACE_S,
    TELL_TIMEOUT_S,
    ChannelSettings,
    DigestRequest,
    DigestService,
    PostedRef,
    Requester,
    ServiceResult,
    WaitNotice,
    queue_notice,
)
from bot.core.store import Store
from bot.core.types import Quote, Source, SourceKind
from bot.core.urls import host_of, shown_url
from bot.discord_chat.buttons import DigestButton, digest_view
from bot.discord_chat.commands import (
    COMMANDS_KEY,
    COMMANDS_TTL_S,
    CommandSync,
    PrecisTree,
    add_commands,
    commands_hash,
)
from bot.discord_chat.parsing import find_links, is_ignored_author, message_links
from bot.discord_chat.render import (
    digest_payloads,
    intro_payload,
    notice_payload,
    notices_payload,
    send_kwargs,
    text_payload,
    thread_name,
)

__all__ = [
    "PLATFORM",
    "REQUIRED_PERMISSIONS",
    "Abilities",
    "PrecisBot",
    "abilities",
    "bot_intents",
    "build_client",
    "invite_url",
    "serve",
    "shut_down",
    "use_api_base",
    "user_message",
]

log = logging.getLogger(__name__)

PLATFORM = "discord"
WORKING_EMOJI = "\N{HOURGLASS WITH FLOWING SAND}"
FAILED_EMOJI = "\N{CROSS MARK}"
THREAD_EXISTS = 160004  # Discord's error code: "A thread has already been created for this message"
AUTO_QUIET = (NotAnArticle, DomainNotAllowed)
"""In ``auto`` channels these leave no trace at all: a GIF or a video link is not a request."""
DONE_TEXT = "Done: the summary is below, for everyone here."
"""What the private "thinking…" of a command becomes when every link got its digest."""

REQUIRED_PERMISSIONS = discord.Permissions(
    send_messages=True,
    create_public_threads=True,
    send_messages_in_threads=True,
    embed_links=True,
    add_reactions=True,
    read_message_history=True,
)
"""What the invite asks for, and nothing more (value 309237729344)."""


def bot_intents(*, message_content: bool = True) -> discord.Intents:
    """Only what the bot needs: guilds (channels, threads), guild and DM messages, and
    Message Content, without which ``auto`` mode cannot see links (mentions, DMs and
    commands work without it)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = message_content
    return intents


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(
        application_id, permissions=REQUIRED_PERMISSIONS, scopes=("bot", "applications.commands")
    )


# -- errors -------------------------------------------------------------------------------------


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


# -- what the bot may do in a channel ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Abilities:
    """What the bot may do in one channel, read from its permissions before any work."""

    send: bool
    """Post in the channel itself (a reply, a notice); in a thread, post in that thread."""
    thread: bool
    """Open a thread on a message and post in it."""
    embed: bool
    """Embeds (else the digest is plain text)."""
    history: bool
    """Reply with a ``reference`` to the message (Discord refuses one without Read Message History)."""
    react: bool
    """Put ⏳ and ❌ on the message."""

    @property
    def answer(self) -> bool:
        return self.send or self.thread


EVERYTHING = Abilities(send=True, thread=False, embed=True, history=True, react=True)
"""In a DM (and wherever permissions cannot be read): no threads, everything else."""


def abilities(channel: object, me: discord.Member | None) -> Abilities:
    """What ``me`` may do in ``channel``."""
    if me is None or not isinstance(channel, discord.abc.GuildChannel | discord.Thread):
        return EVERYTHING
    perms = channel.permissions_for(me)
    react = perms.add_reactions and perms.read_message_history
    if isinstance(channel, discord.Thread):
        send = perms.send_messages_in_threads and not (channel.locked or channel.archived)
        return Abilities(send, False, perms.embed_links, perms.read_message_history, react)
    thread = (
        isinstance(channel, discord.TextChannel)
        and perms.create_public_threads
        and perms.send_messages_in_threads
    )
    return Abilities(perms.send_messages, thread, perms.embed_links, perms.read_message_history, react)


def _interaction_abilities(interaction: discord.Interaction) -> Abilities:
    """For a command's digests: the app's permissions in the channel (its followups need none)."""
    if interaction.guild is None:
        return EVERYTHING
    perms = interaction.app_permissions
    thread = perms.create_public_threads and perms.send_messages_in_threads
    return Abilities(True, thread, perms.embed_links, perms.read_message_history, False)


# -- the client -------------------------------------------------------------------------------

Kind = Literal["digest", "error", "posted", "quiet"]


@dataclass(frozen=True, slots=True)
class _Outcome:
    request: DigestRequest
    kind: Kind
    result: ServiceResult | None = None
    notice: str = ""

    @property
    def url(self) -> str | None:
        return _url_of(self.request)


def _url_of(request: DigestRequest) -> str | None:
    """The link ``request`` asks for; None for pasted text."""
    return request.source.url if request.source.kind is SourceKind.URL else None


Send = Callable[[dict[str, Any], "discord.ui.View | None"], Awaitable[discord.Message]]


def _home_channel_id(channel: object, fallback: int | None) -> int:
    """Settings and "already summarized" belong to a thread's parent channel."""
    if isinstance(channel, discord.Thread):
        return channel.parent_id
    return getattr(channel, "id", None) or fallback or 0


class PrecisBot(discord.AutoShardedClient):
    """Always auto-sharded: ``DISCORD_SHARD_COUNT`` shards in all, of which this process runs
    ``DISCORD_SHARD_IDS`` (all of them when unset); with no count, Discord's recommendation (one
    shard until about 1,000 guilds). Processes share one store (``REDIS_URL``), which also lets
    exactly one of them answer a message (``DigestService.claim_message``)."""

    def __init__(
        self,
        settings: Settings,
        service: DigestService,
        *,
        intents: discord.Intents,
        store: Store | None = None,
        sync: CommandSync = "changed",
    ) -> None:
        super().__init__(
            intents=intents,
            shard_count=settings.discord_shard_count,
            shard_ids=settings.discord_shard_ids or None,
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
        )
        self.settings = settings
        self.service = service
        self.store = store
        """Where the last sync's ``commands_hash`` is kept; without one, ``changed`` always syncs."""
        self.sync = sync
        self.deadline_s = request_deadline_s(settings)
        """How long one request may take before its person is told it took too long."""
        self._handling: set[asyncio.Task[Any]] = set()
        self.tree = PrecisTree(self)
        add_commands(self)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(DigestButton)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Send the commands to Discord when they changed since the last sync (or ``sync`` says
        ``always``). A failed sync is logged, and the bot runs on with the commands Discord has."""
        if self.sync == "never":
            return
        digest = commands_hash(self.tree)
        key = COMMANDS_KEY.format(application_id=self.application_id)
        try:
            if self.sync == "changed" and self.store is not None and await self.store.get(key) == digest:
                log.info(
                    "commands unchanged since the last sync: not syncing (precis discord --sync forces it)"
                )
                return
            await self.tree.sync()
            log.info("commands synced")
            if self.store is not None:
                await self.store.put(key, digest, COMMANDS_TTL_S)
        except Exception:
            log.exception("could not sync the commands: running on with those Discord has")

    async def on_ready(self) -> None:
        if self.application_id is not None:
            log.info(
                "ready as %s in %d guilds (shards %s of %s); invite: %s",
                self.user,
                len(self.guilds),
                ",".join(map(str, self.shard_ids or [])) or "all",
                self.shard_count,
                invite_url(self.application_id),
            )

    # -- messages ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _tracked(self) -> Iterator[None]:
        """Count the current task as work in flight, for ``finish`` (shutdown) to wait on."""
        task = asyncio.current_task()
        if task is not None:
            self._handling.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._handling.discard(task)

    async def finish(self, grace_s: float) -> None:
        """Shutting down: let the handlers in flight answer for ``grace_s``, then cancel the rest
        (each tells its user it was stopped, within ``TELL_TIMEOUT_S``)."""
        pending = set(self._handling)
        if pending:
            _, pending = await asyncio.wait(pending, timeout=grace_s)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=TELL_TIMEOUT_S + 1)

    async def on_message(self, message: discord.Message) -> None:
        if self.user is None or is_ignored_author(message, self.user.id):
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        explicit = message.guild is None or self._mentions_me(message)
        try:
            with self._tracked():
                await self._on_message(message, explicit)
        except asyncio.CancelledError:  # shutdown: say so, briefly, and stop
            if explicit:
                await _say_stopped(self._reply_sender(message, self._abilities(message)))
            raise
        except Exception as exc:
            text = user_message(exc)
            if not explicit:  # nobody asked: the log has it
                log.info("auto mode: message %s failed: %s", message.id, text)
                await self._react(message, FAILED_EMOJI, self._abilities(message))
                return
            try:
                await self._reply_sender(message, self._abilities(message))(notice_payload(text), None)
            except discord.HTTPException:
                log.exception("could not tell the user about an error")

    def _mentions_me(self, message: discord.Message) -> bool:
        """A mention written in the text: a reply's ping (the replied-to author in ``mentions``)
        is not a request."""
        assert self.user is not None
        if self.user.id in message.raw_mentions:
            return True
        role = message.guild.self_role if message.guild else None
        return role is not None and role.id in message.raw_role_mentions

    def _abilities(self, message: discord.Message) -> Abilities:
        return abilities(message.channel, message.guild.me if message.guild else None)

    async def _on_message(self, message: discord.Message, explicit: bool) -> None:
        guild = message.guild
        links = find_links(message.content, limit=None, explicit=explicit)
        if not explicit:
            passed = [u for u in links if not_an_article(u)]
            if passed:
                log.info("auto mode: passing over %d link(s) that are not articles", len(passed))
            links = [u for u in links if u not in passed]
            if not links:
                return
        links = links[:MAX_LINKS]
        home = _home_channel_id(message.channel, message.channel.id)
        workspace = str(guild.id) if guild else None
        channel_settings = await self.service.get_settings(PLATFORM, workspace, str(home))
        if not explicit and channel_settings.trigger != "auto":
            return
        if not await self.service.claim_message(PLATFORM, str(message.channel.id), str(message.id)):
            log.info("message %s is already taken (a replay, or another process)", message.id)
            return
        can = self._abilities(message)
        if not can.answer:
            in_thread = isinstance(message.channel, discord.Thread)
            need = "Send Messages in Threads" if in_thread else "Send Messages (and Create Public Threads)"
            log.warning("cannot answer in channel %s: missing %s", message.channel.id, need)
            await self._react(message, FAILED_EMOJI, can)
            return
        if explicit and not links:
            replied = await self._replied_to(message)
            links = message_links(replied) if replied is not None else []
        if not links:
            await self._reply_sender(message, can)(
                notice_payload(
                    "Send me a link (or reply to a message with one and mention me), or use /summarize."
                ),
                None,
            )
            return
        requester = Requester(PLATFORM, workspace, str(home), str(message.author.id))
        requests = [DigestRequest(Source.from_url(u), requester) for u in links]
        async with self._working(message, can):
            outcomes = await self._attempt_all(requests, channel_settings, quiet=not explicit)
            await self._reply_to_message(message, outcomes, channel_settings, can, explicit=explicit)

    async def _replied_to(self, message: discord.Message) -> discord.Message | None:
        ref = message.reference
        if ref is None or ref.message_id is None:
            return None
        if isinstance(ref.resolved, discord.Message):
            return ref.resolved
        try:
            return await message.channel.fetch_message(ref.message_id)
        except discord.HTTPException:
            return None

    async def _react(self, message: discord.Message, emoji: str, can: Abilities) -> bool:
        if not can.react:
            return False
        try:
            await message.add_reaction(emoji)
        except discord.HTTPException as exc:  # refused after all: the reply still comes
            log.debug("no %s reaction: %s", emoji, exc)
            return False
        return True

    @asynccontextmanager
    async def _working(self, message: discord.Message, can: Abilities) -> AsyncIterator[None]:
        """A reaction while the digest is made, taken back once the reply is there."""
        reacted = await self._react(message, WORKING_EMOJI, can)
        try:
            yield
        finally:
            if reacted:
                try:
                    me = discord.Object(self.user.id if self.user else 0)
                    await message.remove_reaction(WORKING_EMOJI, me)
                except discord.HTTPException as exc:
                    log.debug("could not take the progress reaction back: %s", exc)

    async def _reply_to_message(
        self,
        message: discord.Message,
        outcomes: Sequence[_Outcome],
        channel_settings: ChannelSettings,
        can: Abilities,
        *,
        explicit: bool,
    ) -> None:
        shown = [o for o in outcomes if o.kind != "quiet"]
        if not explicit:  # nobody asked: failures go to the log, and at most a ❌ on the message
            failed = [o for o in shown if o.kind == "error"]
            for o in failed:
                log.info("auto mode: no digest of a link to %s: %s", host_of(o.url or ""), o.notice)
            shown = [o for o in shown if o.kind != "error"]
            if failed and not shown:
                await self._react(message, FAILED_EMOJI, can)
        if not shown:
            return
        channel = message.channel
        send: Send | None = None
        if isinstance(channel, discord.Thread):
            send = self._sender(channel, need="Send Messages in Threads")
        elif any(o.result is not None for o in shown) and can.thread:
            thread = await self._thread_on(message, self._thread_name(shown))
            if thread is not None:
                send = self._sender(thread, need="Send Messages in Threads")
        if send is None:
            if not can.send:
                log.warning("cannot answer in channel %s: missing Send Messages", channel.id)
                await self._react(message, FAILED_EMOJI, can)
                return
            send = self._reply_sender(message, can)
        await self._post(shown, send, owner=message.author.id, channel_settings=channel_settings, can=can)

    async def _thread_on(self, message: discord.Message, name: str) -> discord.abc.Messageable | None:
        """The thread on ``message``: the one it already has (160004 when Discord knows of one this
        process does not: its id is the message's), else a new one; None if Discord refuses."""
        if message.thread is not None:
            return message.thread
        try:
            return await message.create_thread(name=name)
        except discord.HTTPException as exc:
            if exc.code == THREAD_EXISTS:
                guild_id = message.guild.id if message.guild else None
                return self.get_partial_messageable(
                    message.id, guild_id=guild_id, type=discord.ChannelType.public_thread
                )
            log.warning("could not open a thread on message %s: %s", message.id, exc)
            return None

    @staticmethod
    def _sender(
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

    @classmethod
    def _reply_sender(cls, message: discord.Message, can: Abilities) -> Send:
        """Replies to ``message`` in its channel: with a ``reference`` only given Read Message
        History (Discord refuses a reply without it)."""
        need = "Send Messages in Threads" if isinstance(message.channel, discord.Thread) else "Send Messages"
        return cls._sender(message.channel, need=need, reference=message if can.history else None)

    @staticmethod
    def _thread_name(outcomes: Sequence[_Outcome]) -> str:
        for o in outcomes:
            if o.result is not None:
                return thread_name(o.result.digest.article.meta.title)
        url = next((o.url for o in outcomes if o.url), None)
        return thread_name(f"Summary of {host_of(url)}" if url else None)

    # -- the work, shared by every trigger ---------------------------------------------------------

    async def _attempt_all(
        self,
        requests: Sequence[DigestRequest],
        channel_settings: ChannelSettings,
        *,
        quiet: bool,
        on_wait: WaitNotice | None = None,
    ) -> list[_Outcome]:
        return list(
            await asyncio.gather(
                *(self._attempt(r, channel_settings, quiet=quiet, on_wait=on_wait) for r in requests)
            )
        )

    async def _attempt(
        self,
        request: DigestRequest,
        channel_settings: ChannelSettings,
        *,
        quiet: bool,
        on_wait: WaitNotice | None = None,
    ) -> _Outcome:
        url = _url_of(request)
        try:
            if url is not None:
                posted = await self.service.find_posted(request.requester, url)
                if posted is not None:
                    link = self._permalink(posted, request.requester)
                    return _Outcome(request, "posted", notice=f"Already summarized here: {link}")
            summarizing = self.service.summarize(request, channel_settings, on_wait=on_wait)
            result = await within(self.deadline_s, summarizing)
            return _Outcome(request, "digest", result=result)
        except Exception as exc:
            if quiet and isinstance(exc, AUTO_QUIET):
                log.info("auto mode: passing over a link to %s (%s)", host_of(url or ""), exc.code)
                return _Outcome(request, "quiet")
            text = user_message(exc)
            prefix = f"Couldn't summarize {shown_url(url)}: " if url else "Couldn't summarize that: "
            return _Outcome(request, "error", notice=prefix + text)

    @staticmethod
    def _permalink(ref: PostedRef, requester: Requester) -> str:
        if ref.permalink:
            return ref.permalink
        return (
            f"https://discord.com/channels/{requester.workspace or '@me'}/"
            f"{ref.thread_id or requester.channel}/{ref.message_id}"
        )

    @staticmethod
    def _rendered(
        result: ServiceResult, *, owner: int, asked: int, quotes_on: bool, embed: bool = True
    ) -> tuple[dict[str, Any], discord.ui.View | None]:
        """A digest's payload (an embed, or plain text without Embed Links) and its buttons."""
        digest = result.digest
        shown: list[Quote] = list(digest.shown_quotes) if quotes_on else []
        payload = digest_payloads(digest, shown)[0] if embed else text_payload(digest, shown)
        view = digest_view(
            result.article_key,
            owner=owner,
            points=len(digest.key_points),
            quotes=quotes_on,
            asked=asked,
            has_quotes=bool(shown),
        )
        return payload, view

    async def _post(
        self,
        outcomes: Sequence[_Outcome],
        send: Send,
        *,
        owner: int,
        channel_settings: ChannelSettings,
        can: Abilities = EVERYTHING,
    ) -> None:
        for o in outcomes:
            if o.result is None:
                await send(notice_payload(o.notice), None)
                continue
            quotes_on = o.request.quotes if o.request.quotes is not None else channel_settings.quotes
            asked = o.request.points if o.request.points is not None else channel_settings.points
            payload, view = self._rendered(
                o.result, owner=owner, asked=asked, quotes_on=quotes_on, embed=can.embed
            )
            sent = await send(payload, view)
            if o.url is not None:
                in_thread = isinstance(sent.channel, discord.Thread | discord.PartialMessageable)
                thread_id = str(sent.channel.id) if in_thread else None
                ref = PostedRef(str(sent.id), thread_id, sent.jump_url)
                try:
                    await self.service.record_posted(o.request.requester, o.url, ref)
                except Exception:
                    log.exception("could not record where %s was posted", o.url)

    # -- interactions ---------------------------------------------------------------------------

    def requester(self, interaction: discord.Interaction) -> Requester:
        return Requester(
            PLATFORM,
            str(interaction.guild_id) if interaction.guild_id else None,
            str(_home_channel_id(interaction.channel, interaction.channel_id)),
            str(interaction.user.id),
        )

    async def summarize_interaction(
        self,
        interaction: discord.Interaction,
        sources: Sequence[Source],
        *,
        points: int | None = None,
        quotes: bool | None = None,
    ) -> None:
        """Slash command and message menu: think privately at once, then answer once (then the thread)."""
        try:
            with self._tracked():
                await self._summarize_interaction(interaction, sources, points=points, quotes=quotes)
        except asyncio.CancelledError:  # shutdown: the "thinking…" becomes a clear answer
            await _say_stopped(lambda payload, view: interaction.followup.send(**send_kwargs(payload, view)))
            raise

    async def _summarize_interaction(
        self,
        interaction: discord.Interaction,
        sources: Sequence[Source],
        *,
        points: int | None,
        quotes: bool | None,
    ) -> None:
        # Private: what goes wrong is for the person who asked, and the first answer after a defer
        # keeps the defer's visibility. The digests go public once that answer is given.
        await interaction.response.defer(ephemeral=True, thinking=True)
        requester = self.requester(interaction)
        channel_settings = await self.service.get_settings(PLATFORM, requester.workspace, requester.channel)
        requests = [DigestRequest(s, requester, points=points, quotes=quotes) for s in sources]

        async def tell_wait(seconds: float) -> None:  # in the private "thinking…", replaced below
            told = notices_payload([queue_notice(seconds)])
            await interaction.edit_original_response(**send_kwargs(told, None))

        outcomes = await self._attempt_all(requests, channel_settings, quiet=False, on_wait=tell_wait)
        digests = [o for o in outcomes if o.result is not None]
        notices = [o.notice for o in outcomes if o.result is None]
        private = notices_payload(notices or [DONE_TEXT])
        await interaction.edit_original_response(**send_kwargs(private, None))
        if not digests:
            return

        async def followup(payload: dict[str, Any], view: discord.ui.View | None) -> discord.Message:
            return await interaction.followup.send(**send_kwargs(payload, view), wait=True)

        channel = interaction.channel
        can = _interaction_abilities(interaction)
        send: Send = followup
        embed = True
        if interaction.guild is not None and isinstance(channel, discord.TextChannel) and can.thread:
            first = digests[0].result
            assert first is not None
            intro = intro_payload(first.digest.article.meta.title, interaction.user.id, more=len(digests) - 1)
            top = await followup(intro, None)
            try:
                thread = await channel.create_thread(name=self._thread_name(digests), message=top)
                send, embed = self._sender(thread, need="Send Messages in Threads"), can.embed
            except discord.HTTPException as exc:
                log.warning("could not open a thread on message %s: %s", top.id, exc)
        await self._post(
            digests,
            send,
            owner=interaction.user.id,
            channel_settings=channel_settings,
            can=replace(EVERYTHING, embed=embed),
        )

    async def press(self, interaction: discord.Interaction, button: DigestButton) -> None:
        """Shorter / More points / Quotes: re-render from the cached article, edit in place."""
        try:
            if not self.settings.buttons_for_anyone and interaction.user.id != button.owner:
                await interaction.response.send_message(
                    **send_kwargs(
                        notice_payload(
                            "Only the person who asked can change this digest: "
                            "ask for your own with /summarize."
                        ),
                        None,
                    ),
                    ephemeral=True,
                )
                return
            await interaction.response.defer()
            points, quotes = button.target()
            result = await within(
                self.deadline_s,
                self.service.rerender(button.key, self.requester(interaction), points=points, quotes=quotes),
            )
            embed = interaction.message is None or bool(interaction.message.embeds)
            payload, view = self._rendered(
                result, owner=button.owner, asked=points, quotes_on=quotes, embed=embed
            )
            kwargs = send_kwargs(payload, view)
            kwargs.setdefault("view", None)
            kwargs.setdefault("embeds", [])
            await interaction.edit_original_response(**kwargs)
        except Exception as exc:
            await self.answer_error(interaction, exc)

    async def answer_error(self, interaction: discord.Interaction, error: BaseException) -> None:
        """Every interaction error ends here: the user always gets an answer, only them."""
        payload = notice_payload(user_message(error))
        try:
            if interaction.response.is_done():
                await interaction.followup.send(**send_kwargs(payload, None), ephemeral=True)
            else:
                await interaction.response.send_message(**send_kwargs(payload, None), ephemeral=True)
        except discord.HTTPException:
            log.exception("could not tell the user about an error")


# -- wiring -------------------------------------------------------------------------------------


def use_api_base(url: str) -> None:
    """Point discord.py's REST calls (bot and interaction webhooks alike) at ``url``,
    e.g. ``http://127.0.0.1:8080/api/v10``. Process-wide: discord.py keeps it on ``Route``."""
    discord.http.Route.BASE = url.rstrip("/")


def build_client(
    settings: Settings,
    service: DigestService,
    *,
    message_content: bool = True,
    store: Store | None = None,
    sync: CommandSync = "changed",
) -> PrecisBot:
    """The client, not yet logged in. ``DISCORD_API_URL`` (if set) applies from here on."""
    if settings.discord_api_url:
        use_api_base(settings.discord_api_url)
    intents = bot_intents(message_content=message_content)
    return PrecisBot(settings, service, intents=intents, store=store, sync=sync)


async def _say_stopped(send: Callable[[dict[str, Any], None], Awaitable[Any]]) -> None:
    """Tell the person whose request shutdown cancelled, within ``TELL_TIMEOUT_S``, or give up."""
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.wait_for(send(notice_payload(Cancelled().message), None), TELL_TIMEOUT_S)


async def shut_down(client: PrecisBot, service: DigestService, grace_s: float = SHUTDOWN_GRACE_S) -> None:
    """Digests in flight get ``grace_s`` to be posted; then the model work left is stopped, every
    handler still running says so to its user, and the connection closes."""
    await service.drain(grace_s)
    await client.finish(STOP_GRACE_S)
    await client.close()


@asynccontextmanager
async def _closed_on_sigterm(client: PrecisBot, service: DigestService) -> AsyncIterator[None]:
    """While inside: SIGTERM drains the service, then closes ``client`` (so ``start`` returns)."""
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []

    def stop() -> None:
        log.info("SIGTERM: finishing the digests in flight, then closing")
        stopping.append(asyncio.create_task(shut_down(client, service)))

    try:
        loop.add_signal_handler(signal.SIGTERM, stop)
        handles = True
    except (NotImplementedError, RuntimeError):  # not on Unix, or not the main thread
        handles = False
    try:
        yield
    finally:
        if handles:
            loop.remove_signal_handler(signal.SIGTERM)
        if stopping:
            await asyncio.gather(*stopping, return_exceptions=True)


async def serve(
    settings: Settings, service: DigestService, *, store: Store | None = None, sync: CommandSync = "changed"
) -> None:
    """Log in, sync the commands if they changed (their hash is kept in ``store``), and run until
    the connection ends or the task is cancelled.

    If the Message Content intent is not enabled in the Developer Portal, runs again without
    it (mentions, DMs and commands still work; ``auto`` channels cannot see links) and says so.
    """
    if settings.discord_token is None:
        raise BadInput("DISCORD_TOKEN is not set: put the bot's token in .env (see README, Discord)")
    token = settings.discord_token.get_secret_value()
    for message_content in (True, False):
        client = build_client(settings, service, message_content=message_content, store=store, sync=sync)
        try:
            async with client, _closed_on_sigterm(client, service):
                await client.start(token)
            return
        except discord.PrivilegedIntentsRequired:
            if not message_content:
                raise
            log.warning(
                "the Message Content intent is not enabled for this bot: auto mode cannot see "
                "links; enable it in the Developer Portal (Bot -> Privileged Gateway Intents)"
            )
        except discord.LoginFailure as exc:
            raise BadInput("Discord refused DISCORD_TOKEN: copy it again from the Developer Portal") from exc
