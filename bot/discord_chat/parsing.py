"""What a Discord message asks for: its links, however pasted, and whether its author counts.

In ``auto`` channels a link in ``<...>`` (Discord's "don't embed this") is passed over; explicit
requests (a mention, a DM, a command) take every form a person pastes: ``<https://...>``, a bare
``example.com/story``, a link in an embed, a link among a few words.
"""

from __future__ import annotations

import re

import discord

from bot.core.chat import MAX_LINKS, bare_links, in_order, strip_trailing
from bot.core.urls import host_of

__all__ = ["find_links", "is_ignored_author", "message_links"]

_LINK_RE = re.compile(r"<?https?://[^\s<>|]+>?")


def find_links(content: str, limit: int | None = MAX_LINKS, *, explicit: bool = False) -> list[str]:
    """The http(s) links in a message, in order, without repeats, at most ``limit``.

    Punctuation and markdown glued to the end of a link (``.``, ``**``, an unbalanced ``)``) is
    not part of it. A link in ``<...>`` (Discord's "don't embed this") is skipped unless the
    request is ``explicit`` (a mention, a DM, a command), which also takes a bare
    ``example.com/story``.
    """
    found: list[tuple[int, str]] = []
    for m in _LINK_RE.finditer(content):
        raw = m.group()
        if raw.startswith("<") and raw.endswith(">") and not explicit:
            continue
        found.append((m.start(), strip_trailing(raw.removeprefix("<").removesuffix(">"))))
    if explicit:
        found += bare_links(_LINK_RE.sub(lambda m: " " * len(m.group()), content))
    return [url for url in in_order(found) if host_of(url)][:limit]


def message_links(message: discord.Message, limit: int = MAX_LINKS) -> list[str]:
    """What an explicit request on ``message`` asks for: the links in its text, then those of its
    embeds (a feed bot's post: the embed's own link, its description, its fields)."""
    links = find_links(message.content, limit, explicit=True)
    for embed in message.embeds:
        texts = [embed.url or "", embed.description or "", *(f.value or "" for f in embed.fields)]
        for url in find_links(" ".join(texts), limit, explicit=True):
            if url not in links:
                links.append(url)
    return links[:limit]


def is_ignored_author(message: discord.Message, self_id: int | None) -> bool:
    """Messages from this bot, other bots and webhooks are never requests."""
    return message.author.bot or message.author.id == self_id or message.webhook_id is not None
