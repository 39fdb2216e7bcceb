"""The Discord adapter (discord.py 2.x): chat events and commands in, digests in threads out.

``build_client(settings, service)`` makes the client; ``serve`` logs in and runs
it, syncing the slash commands only when they changed (``CommandSync``).
``digest_payloads`` is the pure rendering the bot sends, also printed by
``precis summarize --format discord``.
"""

import warnings

with warnings.catch_warnings():
    # discord.py imports audioop (deprecated in 3.11, PEP 594) for voice, which precis never uses.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401

from bot.discord_chat.bot import (
    REQUIRED_PERMISSIONS,
    PrecisBot,
    build_client,
    invite_url,
    serve,
)
from bot.discord_chat.commands import CommandSync
from bot.discord_chat.parsing import find_links, is_ignored_author
from bot.discord_chat.render import digest_payloads, escape
from bot.discord_chat.replies import user_message

__all__ = [
    "REQUIRED_PERMISSIONS",
    "CommandSync",
    "PrecisBot",
    "build_client",
    "digest_payloads",
    "escape",
    "find_links",
    "invite_url",
    "is_ignored_author",
    "serve",
    "user_message",
]
