"""A ``Digest`` as Discord message payloads: within Discord's limits, with article text made inert.

``digest_payloads`` is pure: it returns the JSON bodies the bot sends (``POST
/channels/{id}/messages`` or an interaction followup), minus the buttons, which carry the
cached article's key and are added by ``buttons.py``. ``precis summarize --format discord``
prints the same list.

Layout, one embed (continued in more embeds of the same message when the 4096-character
description fills up)::

    [title, linked to the article]
    *site · author · date · N min read · read in German*
    **TL;DR** ...
    **Key points**
    - ...
    **Quotes**
    > “...”
    > — Speaker

Limits are met by dropping whole items from the end (quotes first, then key points), with a
line saying how many were left out; a quote is never cut. Only a single key point or TL;DR
longer than a whole embed is shortened, at a word boundary.

Everything taken from the article is escaped (``escape``): it can neither format (bold,
code, headers, masked links, block quotes) nor mention (``@everyone``, ``<@id>``, ``<@&id>``,
channels, timestamps). ``allowed_mentions`` is none on every payload as well.

The fixed words (headings, "min read", the intro) are the server's reply language's
(``bot.core.strings``), English by default; "read in German" marks an article in another language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import discord

from bot.core.compose import shown_text
from bot.core.render import group_quotes
from bot.core.service import ChannelSettings
from bot.core.strings import DEFAULT_LANGUAGE, Words, words_for
from bot.core.types import Digest, Quote

__all__ = [
    "ALLOWED_MENTIONS",
    "EMBED_DESCRIPTION_MAX",
    "EMBED_TITLE_MAX",
    "MESSAGE_EMBEDS_MAX",
    "MESSAGE_EMBED_CHARS_MAX",
    "digest_payloads",
    "escape",
    "help_payload",
    "intro_payload",
    "notice_payload",
    "notices_payload",
    "settings_payload",
    "text_payload",
    "thread_name",
]

# Discord's own limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
MESSAGE_EMBEDS_MAX = 10
MESSAGE_EMBED_CHARS_MAX = 6000
CONTENT_MAX = 2000
THREAD_NAME_MAX = 100

QUOTE_MAX_CHARS = 1000  # longer "quotes" are walls of text, not notable statements: left out, never cut
BYLINE_PART_MAX = 100  # a site or author name longer than this is a scraping accident
INTRO_TITLE_MAX = 150  # "Summary of <title> for @user" stays a one-liner in the channel
COLOUR = 0x3B82F6

ALLOWED_MENTIONS: dict[str, Any] = discord.AllowedMentions.none().to_dict()
"""``{"parse": []}``: no message ever pings anyone, whatever its text says."""

_URL_RE = re.compile(r"https?://[^\s<>]+")
_MARKDOWN_RE = re.compile(r"([\\*_~|`\[\]<>#])")
_PINGS_RE = re.compile(r"@(everyone|here)")
_LIST_START_RE = re.compile(r"^(\d+)\.")


def escape(text: str) -> str:
    """``text`` as inert Discord markdown: one line, no formatting, no mentions.

    Every markdown character is backslash-escaped (Discord renders ``\\*`` as ``*``), ``<`` is
    escaped so ``<@id>``, ``<@&id>``, ``<#id>`` and ``<t:...>`` stay literal, and a zero-width
    space breaks ``@everyone`` / ``@here``. Bare URLs are left whole so they still work as links.
    """
    text = " ".join(text.split())
    out: list[str] = []
    pos = 0
    for m in _URL_RE.finditer(text):
        out.append(_escape_plain(text[pos : m.start()]))
        out.append(m.group())
        pos = m.end()
    out.append(_escape_plain(text[pos:]))
    return _LIST_START_RE.sub(r"\1\\.", "".join(out))


def _escape_plain(text: str) -> str:
    return _PINGS_RE.sub("@\u200b\\1", _MARKDOWN_RE.sub(r"\\\1", text))


def _shorten(text: str, limit: int) -> str:
    """``text`` (raw) cut at a word boundary so that ``escape`` of it fits ``limit``, with "…"."""
    if len(escape(text)) <= limit:
        return text
    words = text.split()
    while words and len(escape(" ".join(words) + " …")) > limit:
        words.pop()
    return " ".join(words) + " …" if words else "…"


def thread_name(title: str | None, fallback: str = "Summary") -> str:
    """A thread's name: plain text (names are not markdown), one line, at most 100 characters."""
    name = " ".join((title or "").split()) or fallback
    if len(name) > THREAD_NAME_MAX:
        name = name[: THREAD_NAME_MAX - 1].rstrip() + "…"
    return name


@dataclass(frozen=True, slots=True)
class _Item:
    text: str
    """Rendered markdown for the description, possibly several lines."""
    droppable: bool


def _byline(digest: Digest, words: Words) -> str:
    meta = digest.article.meta
    raw = (meta.site, meta.author, (meta.published or "")[:10])
    parts = [escape(_shorten(x, BYLINE_PART_MAX)) for x in raw if x and x.strip()]
    parts += words.byline_marks(digest.reading_minutes, meta.language)
    return "*" + " · ".join(parts) + "*"


def _quote_items(quotes: Sequence[Quote], article: str, words: Words) -> list[_Item]:
    items: list[_Item] = []
    for index, (speaker, group) in enumerate(group_quotes(list(quotes))):
        for i, q in enumerate(group):
            text = f"> “{escape(shown_text(q, article))}”"
            if i == 0 and index > 0:
                text = "\n" + text  # a blank line ends one speaker's block quote
            if i == len(group) - 1:
                text += f"\n> — {escape(speaker) if speaker else words.unattributed}"
            items.append(_Item(text, droppable=True))
    return items


def _items(
    digest: Digest, points: Sequence[str], quotes: Sequence[Quote], room: int, words: Words
) -> list[_Item]:
    items = [_Item(_byline(digest, words), droppable=False)]
    if digest.tldr.strip():
        tldr = f"\n**{words.tldr}** " + escape(_shorten(digest.tldr, room - 15 - len(words.tldr)))
        items.append(_Item(tldr, droppable=False))
    for i, point in enumerate(points):
        head = f"\n**{words.key_points}**\n" if i == 0 else ""
        items.append(_Item(head + "- " + escape(_shorten(point, room - 40)), droppable=True))
    quote_items = _quote_items(quotes, digest.article.text, words)
    if quote_items:
        first = quote_items[0]
        quote_items[0] = _Item(f"\n**{words.quotes}**\n" + first.text, first.droppable)
    return items + quote_items


def _pack(items: Sequence[str], title: str, url: str | None) -> list[discord.Embed] | None:
    """The items in as few embeds as they need, or None when one message cannot hold them."""
    embeds: list[discord.Embed] = []
    description = ""
    for text in items:
        candidate = f"{description}\n{text}" if description else text.lstrip("\n")
        if len(candidate) <= EMBED_DESCRIPTION_MAX:
            description = candidate
            continue
        embeds.append(discord.Embed(description=description, colour=COLOUR))
        description = text.lstrip("\n")
    embeds.append(discord.Embed(description=description, colour=COLOUR))
    embeds[0].title = title
    if url:
        embeds[0].url = url
    if len(embeds) > MESSAGE_EMBEDS_MAX or sum(len(e) for e in embeds) > MESSAGE_EMBED_CHARS_MAX:
        return None
    return embeds


def _article_url(digest: Digest) -> str | None:
    meta = digest.article.meta
    url = meta.url or meta.canonical_url
    return url if url and url.startswith(("http://", "https://")) and len(url) <= 2048 else None


def _title(digest: Digest, words: Words) -> str:
    return escape(_shorten(digest.article.meta.title or words.summary, EMBED_TITLE_MAX))


def _whole_quotes(digest: Digest, quotes: Sequence[Quote]) -> list[Quote]:
    """The ``quotes`` short enough to show (``QUOTE_MAX_CHARS``): longer ones are left out, never cut."""
    return [q for q in quotes if len(shown_text(q, digest.article.text)) <= QUOTE_MAX_CHARS]


def _not_shown(count: int, words: Words) -> str:
    return f"\n*{words.not_shown(count, 'Discord')}*"


def _embeds(digest: Digest, quotes: Sequence[Quote], words: Words) -> list[discord.Embed]:
    title = _title(digest, words)
    url = _article_url(digest)
    shown = _whole_quotes(digest, quotes)
    points = [p.text for p in digest.key_points]
    room = EMBED_DESCRIPTION_MAX - 1
    while True:
        items = _items(digest, points, shown, room, words)
        left_out = (len(digest.key_points) - len(points)) + (len(quotes) - len(shown))
        texts = [i.text for i in items]
        if left_out:
            texts.append(_not_shown(left_out, words))
        embeds = _pack(texts, title, url)
        if embeds is not None:
            return embeds
        if shown:
            shown.pop()  # whole quotes go first: the key points are the summary
        elif points:
            points.pop()
        else:  # pragma: no cover - the title, byline and a shortened TL;DR always fit
            raise AssertionError("a digest with no items does not fit a message")


def digest_payloads(
    digest: Digest,
    quotes: Sequence[Quote],
    *,
    requested_by: int | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> list[dict[str, Any]]:
    """The messages that show ``digest``, in order, as Discord JSON bodies.

    ``quotes`` are the ones to show (``Digest.shown_quotes``), or empty for none.
    With ``requested_by`` (a user id) the list starts with the short top-level message of a
    slash command or menu request, "Summary of <title> for @user", on which the thread opens.
    ``language``: the reply language of the fixed words (``bot.core.strings``).
    """
    words = words_for(language)
    embeds = [e.to_dict() for e in _embeds(digest, quotes, words)]
    reply = {"embeds": embeds, "allowed_mentions": ALLOWED_MENTIONS}
    if requested_by is None:
        return [reply]
    return [intro_payload(digest.article.meta.title, requested_by, language=language), reply]


def text_payload(digest: Digest, quotes: Sequence[Quote], language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """The digest as plain ``content``, for a channel where the bot may not embed links: the title
    in bold and the article's address in ``<...>`` (no preview), then what the embed shows, whole
    items dropped from the end (quotes first) to fit one message."""
    words = words_for(language)
    url = _article_url(digest)
    head = f"**{_title(digest, words)}**" + (f"\n<{url}>" if url and not re.search(r"[\s<>]", url) else "")
    shown = _whole_quotes(digest, quotes)
    items = _items(digest, [p.text for p in digest.key_points], shown, CONTENT_MAX - len(head) - 1, words)
    texts = [i.text for i in items]
    fixed = sum(not i.droppable for i in items)
    dropped = len(digest.key_points) + len(quotes) - (len(items) - fixed)
    while True:
        note = [_not_shown(dropped, words)] if dropped else []
        content = "\n".join([head, *texts, *note])
        if len(content) <= CONTENT_MAX or len(texts) <= fixed:
            break
        texts.pop()
        dropped += 1
    return {"content": content[:CONTENT_MAX], "allowed_mentions": ALLOWED_MENTIONS}


def intro_payload(
    title: str | None, user_id: int, more: int = 0, *, language: str = DEFAULT_LANGUAGE
) -> dict:
    """ "Summary of **<title>** for <@user>": the mention renders as a name and pings no one."""
    what = f"**{escape(_shorten(title, INTRO_TITLE_MAX))}**" if title and title.strip() else None
    content = words_for(language).announcement(what, f"<@{user_id}>", more)
    return {"content": content, "allowed_mentions": ALLOWED_MENTIONS}


def notice_payload(text: str) -> dict:
    """A one-line message (an error, a pointer to an earlier thread), escaped and mention-free."""
    return {"content": escape(text)[:CONTENT_MAX], "allowed_mentions": ALLOWED_MENTIONS}


def notices_payload(lines: Sequence[str]) -> dict:
    """Several notices in one message, one line each."""
    content = "\n".join(escape(line) for line in lines)[:CONTENT_MAX]
    return {"content": content, "allowed_mentions": ALLOWED_MENTIONS}


def settings_payload(settings: ChannelSettings, channel_id: int, language: str = DEFAULT_LANGUAGE) -> dict:
    """What ``/precis settings`` shows (only to the person who asked): the channel's
    ``settings``, and the server's reply ``language``."""
    trigger = {"auto": "auto (every message with a link)", "mention": "mention (when someone mentions me)"}
    lines = [
        f"precis in <#{channel_id}>",
        f"- Trigger: {trigger.get(settings.trigger, settings.trigger)}",
        f"- Key points: {settings.points}",
        f"- Quotes: {'on' if settings.quotes else 'off'}",
        f"- Allowed domains: {escape(', '.join(settings.allowed_domains)) or 'any'}",
        f"- Blocked domains: {escape(', '.join(settings.blocked_domains)) or 'none'}",
        f"- Reply language (whole server): {words_for(language).own_name}",
    ]
    return {"content": "\n".join(lines)[:CONTENT_MAX], "allowed_mentions": ALLOWED_MENTIONS}


HELP_TEXT = """\
**precis** summarizes articles faithfully: a TL;DR, key points taken from the article, and quotes \
exactly as printed, with who said them.
- Mention me in a message with a link (or in a reply to one), or send me a link in a DM.
- `/summarize url:` or `/summarize text:`, with `points` (1-8) and `quotes`.
- On any message: Apps → **Summarize**.
- In channels set to `auto`, every link is summarized; wrap a link in `<...>` to skip it.
- Under a digest: **Shorter**, **More points**, **Quotes**.
- `/precis settings` (Manage Server): trigger, points, quotes, allowed and blocked domains, and \
the server's reply language (the digest itself stays in the article's language)."""


def help_payload() -> dict:
    return {"content": HELP_TEXT, "allowed_mentions": ALLOWED_MENTIONS}


def send_kwargs(payload: dict[str, Any], view: discord.ui.View | None) -> dict[str, Any]:
    """A payload from ``render`` as discord.py keyword arguments (same JSON on the wire)."""
    kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if "content" in payload:
        kwargs["content"] = payload["content"]
    if "embeds" in payload:
        kwargs["embeds"] = [discord.Embed.from_dict(e) for e in payload["embeds"]]
    if view is not None:
        kwargs["view"] = view
    return kwargs
