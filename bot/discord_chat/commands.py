"""The application commands: what they are, how they are synced, and what they take.

``add_commands`` puts ``/summarize``, the message menu **Apps → Summarize** and ``/precis
settings|help`` on the client's tree; their work is the client's (``summarize_interaction``).
Start-up sends them to Discord only when they changed since the last sync (``commands_hash``,
kept in the store under ``COMMANDS_KEY``) or when asked (``precis discord --sync``).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands

from bot.core.chat import is_link_request
from bot.core.errors import BadInput
from bot.core.strings import REPLY_LANGUAGES, words_for
from bot.core.types import Source
from bot.core.urls import host_of
from bot.discord_chat.parsing import find_links, message_links
from bot.discord_chat.render import help_payload, send_kwargs, settings_payload

if TYPE_CHECKING:
    from bot.discord_chat.bot import PrecisBot

__all__ = [
    "COMMANDS_KEY",
    "COMMANDS_TTL_S",
    "CommandSync",
    "PrecisTree",
    "add_commands",
    "commands_hash",
    "url_sources",
]

COMMANDS_KEY = "discord:commands:{application_id}"
"""The store's key for the hash of the commands last synced (shared by every process)."""
# The hash lives in the store's cache; should it expire or be lost, the next start syncs once more.
COMMANDS_TTL_S = 365 * 24 * 3600.0


LANGUAGE_CHOICES = [
    app_commands.Choice(name=words_for(code).own_name, value=code) for code in REPLY_LANGUAGES
]
"""``/precis settings language:``: each reply language by its own name ("Deutsch")."""

CommandSync = Literal["changed", "always", "never"]
"""When start-up syncs the commands: when they differ from the last sync's (``changed``), on
``precis discord --sync`` (``always``), or not at all (tests)."""


def commands_hash(tree: app_commands.CommandTree[Any]) -> str:
    """A hash of the payload ``tree.sync()`` would send: equal hashes, nothing to sync."""
    payload = [command.to_dict(tree) for command in tree.get_commands()]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class PrecisTree(app_commands.CommandTree["PrecisBot"]):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await self.client.answer_error(interaction, error)


def url_sources(value: str) -> list[Source]:
    """``/summarize url:``: the links in what was pasted (``<...>``, a bare domain, a link among
    words), or the value itself as an address."""
    links = find_links(value, explicit=True)
    if not links:
        bare = value.strip()
        if not bare or re.search(r"\s", bare) or host_of("https://" + bare) is None:
            raise BadInput("That doesn't look like a link: paste the article's address.")
        links = [bare if re.match(r"(?i)https?://", bare) else "https://" + bare]
    return [Source.from_url(u) for u in links]


def add_commands(bot: PrecisBot) -> None:
    """``/summarize``, the message menu **Apps → Summarize**, ``/precis settings`` and ``/precis help``."""
    tree = bot.tree

    @tree.command(name="summarize", description="Summarize an article (a link) or some text")
    @app_commands.describe(
        url="The article's address (up to 3 links)",
        text="Text to summarize instead of a link",
        points="How many key points (1-8)",
        quotes="Show notable quotes",
    )
    async def summarize(
        interaction: discord.Interaction,
        url: str | None = None,
        text: str | None = None,
        points: app_commands.Range[int, 1, 8] | None = None,
        quotes: bool | None = None,
    ) -> None:
        has_url, has_text = bool(url and url.strip()), bool(text and text.strip())
        if not has_url and not has_text:  # /precis help is for server managers: this is everyone's
            await interaction.response.send_message(**send_kwargs(help_payload(), None), ephemeral=True)
            return
        if has_url and has_text:
            raise BadInput("Give me either a url or some text (one of the two).")
        if has_url:
            sources = url_sources(url or "")
        else:
            links = find_links(text or "", explicit=True)
            if is_link_request(text or "", links):
                sources = [Source.from_url(u) for u in links]
            else:
                sources = [Source.from_text(text or "")]
        await bot.summarize_interaction(interaction, sources, points=points, quotes=quotes)

    @tree.context_menu(name="Summarize")
    async def summarize_message(interaction: discord.Interaction, message: discord.Message) -> None:
        links = message_links(message)
        if links:
            sources = [Source.from_url(u) for u in links]
        elif message.content.strip():
            sources = [Source.from_text(message.content)]
        else:
            raise BadInput("That message has no link or text to summarize.")
        await bot.summarize_interaction(interaction, sources)

    group = app_commands.Group(
        name="precis",
        description="precis settings and help (Manage Server)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    @group.command(name="settings", description="View or change precis in this channel (Manage Server)")
    @app_commands.describe(
        trigger="auto: every link; mention: only when mentioned",
        points="Key points per digest (1-8)",
        quotes="Show notable quotes",
        allowed_domains="Only these domains, comma-separated; 'none' clears",
        blocked_domains="Never these domains, comma-separated; 'none' clears",
        language="The reply's own words (TL;DR, Key points, buttons) in the whole server",
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def settings(
        interaction: discord.Interaction,
        trigger: Literal["auto", "mention"] | None = None,
        points: app_commands.Range[int, 1, 8] | None = None,
        quotes: bool | None = None,
        allowed_domains: str | None = None,
        blocked_domains: str | None = None,
        language: app_commands.Choice[str] | None = None,
    ) -> None:
        if interaction.guild is None:
            raise BadInput("Settings belong to a channel in a server.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        changes: dict[str, object] = {}
        if trigger is not None:
            changes["trigger"] = trigger
        if points is not None:
            changes["points"] = points
        if quotes is not None:
            changes["quotes"] = quotes
        if allowed_domains is not None:
            changes["allowed_domains"] = _domains(allowed_domains)
        if blocked_domains is not None:
            changes["blocked_domains"] = _domains(blocked_domains)
        if language is not None:
            changes["language"] = language.value  # the server's, not the channel's
        r = bot.requester(interaction)
        current, reply_language = await bot.flow.settings(r.workspace, r.channel, changes)
        await interaction.followup.send(
            **send_kwargs(settings_payload(current, int(r.channel), reply_language), None), ephemeral=True
        )

    @group.command(name="help", description="How to use precis")
    async def help_(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(**send_kwargs(help_payload(), None), ephemeral=True)

    tree.add_command(group)


def _domains(value: str) -> str | tuple[()]:
    """What the settings command passes on: "none" (or "-") clears the list; the service checks
    and normalizes the rest ("example.org, https://www.news.test/" -> example.org, news.test)."""
    return () if value.strip().lower() in ("none", "-") else value
