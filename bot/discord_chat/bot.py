"""The Discord client: the gateway and the commands in, each handed to its flow.

Beside it, by job: ``parsing`` (the links a message asks for, whose messages count),
``messages`` (a gateway message in, its digests out), ``interactions`` (``/summarize``, the menu
and the buttons), ``abilities`` (what the bot may do in a channel), ``replies`` (senders, the
poster and ``user_message``, the one place an exception becomes what the user reads),
``commands`` (the slash commands and the menu, and when they are synced), ``buttons`` (the
buttons under a digest) and ``render`` (a digest as Discord's payloads). The flow itself (claim
the message, "already posted here?", summarize, post, record; the buttons' state) is
``bot.core.flow``'s, as on Slack.

Always auto-sharded; processes share one store, which lets exactly one of them answer a message.
Shutdown lets the handlers in flight answer, then cancels the rest, each telling its user.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import discord

from bot.config import Settings
from bot.core.chat import request_deadline_s
from bot.core.errors import BadInput
from bot.core.flow import ChatFlow
from bot.core.service import (
    SHUTDOWN_GRACE_S,
    STOP_GRACE_S,
    TELL_TIMEOUT_S,
    DigestService,
    Requester,
)
from bot.core.store import Store
from bot.core.types import Source
from bot.discord_chat import interactions
from bot.discord_chat.abilities import REQUIRED_PERMISSIONS
from bot.discord_chat.buttons import DigestButton
from bot.discord_chat.commands import (
    COMMANDS_KEY,
    COMMANDS_TTL_S,
    CommandSync,
    PrecisTree,
    add_commands,
    commands_hash,
)
from bot.discord_chat.messages import answer_message
from bot.discord_chat.render import send_kwargs
from bot.discord_chat.replies import PLATFORM, say_stopped

__all__ = [
    "PLATFORM",
    "REQUIRED_PERMISSIONS",
    "PrecisBot",
    "bot_intents",
    "build_client",
    "invite_url",
    "serve",
    "shut_down",
    "use_api_base",
]

log = logging.getLogger(__name__)


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


class PrecisBot(discord.AutoShardedClient):
    """Always auto-sharded: ``DISCORD_SHARD_COUNT`` shards in all, of which this process runs
    ``DISCORD_SHARD_IDS`` (all of them when unset); with no count, Discord's recommendation (one
    shard until about 1,000 guilds). Processes share one store (``REDIS_URL``), which also lets
    exactly one of them answer a message (``ChatFlow.claim``)."""

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
        self.flow = ChatFlow(service, platform=PLATFORM, deadline_s=request_deadline_s(settings))
        """Claim, summarize, post and record, as on every platform (``bot.core.flow``)."""
        self.store = store
        """Where the last sync's ``commands_hash`` is kept; without one, ``changed`` always syncs."""
        self.sync = sync
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

    # -- work in flight --------------------------------------------------------------------------

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

    # -- the flows -------------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        with self._tracked():
            await answer_message(self, message)

    def requester(self, interaction: discord.Interaction) -> Requester:
        return interactions.requester(interaction)

    async def summarize_interaction(
        self,
        interaction: discord.Interaction,
        sources: Sequence[Source],
        *,
        points: int | None = None,
        quotes: bool | None = None,
    ) -> None:
        """Slash command and message menu (``interactions.summarize_interaction``)."""
        try:
            with self._tracked():
                await interactions.summarize_interaction(
                    self, interaction, sources, points=points, quotes=quotes
                )
        except asyncio.CancelledError:  # shutdown: the "thinking…" becomes a clear answer
            await say_stopped(lambda payload, view: interaction.followup.send(**send_kwargs(payload, view)))
            raise

    async def press(self, interaction: discord.Interaction, button: DigestButton) -> None:
        await interactions.press(self, interaction, button)

    async def answer_error(self, interaction: discord.Interaction, error: BaseException) -> None:
        await interactions.answer_error(interaction, error)


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
