"""A ``Digest`` as a Slack message: Block Kit blocks plus a plain ``text`` fallback. Pure: no I/O.

The reply, top to bottom::

    header    the title (plain text, at most 150 characters)
    context   site · author · date · reading time · "read in German" · link
    section   *TL;DR* ...
    section   *Key points* and one "• " line per point (spills into more sections past 3000)
    section   one per speaker: "> “quote”" lines, then "> — Speaker"
    actions   Shorter · More points · Quotes / Hide quotes (only with ``Controls``)

Slack's limits (section text 3000, header 150, 50 blocks) are met by dropping or clipping whole
items, never by cutting a message mid-way. Every piece of article text is escaped for mrkdwn
(``&``, ``<``, ``>``) and sent with ``verbatim: true``, so a page cannot mention anyone, link
anywhere or name a channel through us.

The fixed words (headings, buttons, "min read", the announcement) are the workspace's reply
language's (``bot.core.strings``), English by default; the article's own text is never translated,
and an article in another language than the reply's says so in the context line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from bot.core.chat import user_text
from bot.core.compose import shown_text
from bot.core.errors import SourceError
from bot.core.flow import Control, View, buttons
from bot.core.render import group_quotes
from bot.core.service import ChannelSettings, PostedRef
from bot.core.strings import DEFAULT_LANGUAGE, REPLY_LANGUAGES, Words, words_for
from bot.core.types import Digest, Quote

__all__ = [
    "ACTION_MORE",
    "ACTION_QUOTES",
    "ACTION_SHORTER",
    "BUTTON_ACTIONS",
    "Controls",
    "already_posted_message",
    "announce_message",
    "digest_message",
    "error_text",
    "escape",
    "settings_text",
]

# -- Slack's limits (https://docs.slack.dev/reference/block-kit/blocks) ------------------------
HEADER_MAX = 150
SECTION_MAX = 3000
BLOCKS_MAX = 50
BUTTON_VALUE_MAX = 2000
# The fallback ``text`` is what notifications and screen readers show: a line, not the digest.
FALLBACK_MAX = 500
# A byline part longer than this is a scraping accident (a whole paragraph as "author").
BYLINE_PART_MAX = 80

# -- the buttons -------------------------------------------------------------------------------
ACTION_SHORTER = "precis_shorter"
ACTION_MORE = "precis_more"
ACTION_QUOTES = "precis_quotes"
BUTTON_ACTIONS = (ACTION_SHORTER, ACTION_MORE, ACTION_QUOTES)
_ACTION_IDS = {Control.SHORTER: ACTION_SHORTER, Control.MORE: ACTION_MORE, Control.QUOTES: ACTION_QUOTES}

_ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Controls:
    """What the buttons under a digest need: the cached article, the view it shows now, and the
    reply language it was posted in."""

    article_key: str
    owner: str
    """Slack user id of whoever asked: by default only they may press the buttons."""
    points: int
    """Key points asked for (the article may have had fewer)."""
    quotes: bool
    language: str = DEFAULT_LANGUAGE

    @property
    def view(self) -> View:
        return View(self.points, self.quotes)

    def encode(self) -> str:
        data = asdict(self)
        if self.language == DEFAULT_LANGUAGE:  # an English button's value is what it was before languages
            del data["language"]
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, value: str) -> Controls:
        data = json.loads(value)
        return cls(
            str(data["article_key"]),
            str(data["owner"]),
            int(data["points"]),
            bool(data["quotes"]),
            str(data.get("language") or DEFAULT_LANGUAGE),
        )


# -- text --------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape the three characters mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _squash(text: str) -> str:
    return " ".join(text.split())


def _clip(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + _ELLIPSIS


def _fit(raw: str, limit: int) -> str:
    """``raw`` escaped for mrkdwn, clipped so that the *escaped* text fits in ``limit``."""
    budget = limit
    while True:
        out = escape(_clip(raw, budget))
        if len(out) <= limit:
            return out
        budget -= len(out) - limit


def _safe_url(url: str | None) -> str | None:
    """A URL fit for ``<url|label>``: http(s) only, and no character that could end the link."""
    if not url or not re.fullmatch(r"https?://[^\s]+", url, flags=re.IGNORECASE):
        return None
    return escape(url.replace("|", "%7C"))


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


# -- the digest --------------------------------------------------------------------------------


def _title(digest: Digest, words: Words) -> str:
    return _squash(digest.article.meta.title or "") or words.summary


def _byline(digest: Digest, words: Words) -> str:
    meta = digest.article.meta
    parts = [
        _fit(_squash(part), BYLINE_PART_MAX)
        for part in (meta.site, meta.author, (meta.published or "")[:10])
        if part and part.strip()
    ]
    parts += words.byline_marks(digest.reading_minutes, meta.language)
    url = _safe_url(meta.url or meta.canonical_url)
    link = f"<{url}|{words.open_article}>" if url else ""
    if link and sum(len(p) + 3 for p in parts) + len(link) <= SECTION_MAX:  # a monster URL: no link
        parts.append(link)
    return " · ".join(parts)


def _packed(heading: str, lines: Sequence[str]) -> list[dict[str, Any]]:
    """Sections holding ``heading`` then ``lines``: as many whole lines per section as fit."""
    sections: list[dict[str, Any]] = []
    current = heading
    for line in lines:
        if len(current) + 1 + len(line) > SECTION_MAX:
            sections.append(_section(current))
            current = line
        else:
            current = f"{current}\n{line}"
    sections.append(_section(current))
    return sections


def _point_lines(digest: Digest) -> list[str]:
    return [f"• {_fit(_squash(p.text), SECTION_MAX - 2)}" for p in digest.key_points]


def _quote_sections(quotes: Sequence[Quote], article: str, words: Words) -> list[dict[str, Any]]:
    sections = []
    for speaker, items in group_quotes(list(quotes)):
        footer = f"> — {_fit(_squash(speaker or words.unattributed), BYLINE_PART_MAX)}"
        budget = SECTION_MAX - len(footer) - 1
        lines: list[str] = []
        for q in items:
            line = f"> “{_fit(_squash(shown_text(q, article)), budget - 4)}”"
            if sum(len(x) + 1 for x in lines) + len(line) > budget:
                break  # the rest of this speaker's quotes do not fit: drop them whole
            lines.append(line)
        sections.append(_section("\n".join([*lines, footer])))
    return sections


def _buttons(digest: Digest, controls: Controls, words: Words, *, has_quotes: bool) -> dict[str, Any] | None:
    """Shorter / More points / Quotes, each only where a press would change something
    (``bot.core.flow.buttons``); each button's value is the view it leads to."""
    elements = []
    for button in buttons(len(digest.key_points), controls.view, has_quotes=has_quotes):
        target = button.target
        value = replace(controls, points=target.points, quotes=target.quotes).encode()
        if len(value) > BUTTON_VALUE_MAX:
            return None  # an article key this long cannot ride on a button
        elements.append(
            {
                "type": "button",
                "action_id": _ACTION_IDS[button.control],
                "text": {"type": "plain_text", "text": button.label_in(words)},
                "value": value,
            }
        )
    if not elements:
        return None
    return {"type": "actions", "block_id": "precis_controls", "elements": elements}


def digest_message(
    digest: Digest,
    quotes: Sequence[Quote] = (),
    controls: Controls | None = None,
    *,
    language: str = DEFAULT_LANGUAGE,
) -> dict[str, Any]:
    """The ``chat.postMessage`` arguments for a digest, less ``channel`` and ``thread_ts``.

    ``quotes`` are the ones to show (``Digest.shown_quotes``); ``controls`` adds the
    Shorter / More points / Quotes buttons (they need the cached article's key). The fixed words
    are reply ``language``'s (with ``controls``, theirs: a button keeps the digest's language).
    """
    words = words_for(controls.language if controls is not None else language)
    title = _title(digest, words)
    head: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(title, HEADER_MAX)}},
        {"type": "context", "elements": [_mrkdwn(_byline(digest, words))]},
    ]
    tldr = _squash(digest.tldr)
    if tldr:
        head.append(_section(f"*{words.tldr}* {_fit(tldr, SECTION_MAX - 3 - len(words.tldr))}"))
    points = _packed(f"*{words.key_points}*", _point_lines(digest)) if digest.key_points else []
    quote_blocks = _quote_sections(quotes, digest.article.text, words)
    actions = _buttons(digest, controls, words, has_quotes=bool(quotes)) if controls else None
    tail = [actions] if actions else []

    # 50 blocks at most: drop whole speakers' quotes from the end, then whole point sections.
    while len(head) + len(points) + len(quote_blocks) + len(tail) > BLOCKS_MAX:
        if quote_blocks:
            quote_blocks.pop()
        else:
            points.pop()

    fallback = f"{title}: {tldr}" if tldr else title
    return {
        "text": _fit(fallback, FALLBACK_MAX),
        "blocks": [*head, *points, *quote_blocks, *tail],
        "unfurl_links": False,
        "unfurl_media": False,
    }


# -- the other messages ------------------------------------------------------------------------


def announce_message(
    title: str | None, name: str | None, more: int = 0, *, language: str = DEFAULT_LANGUAGE
) -> dict[str, Any]:
    """The top-level message ``/summarize`` digests are threaded under. It names who asked
    (``name``, as typed: ``<@id>`` would ping them, and Slack has no way to mention quietly)."""
    what = f"*{_fit(_squash(title), HEADER_MAX)}*" if title and title.strip() else None
    who = _fit(_squash(name), BYLINE_PART_MAX) if name and name.strip() else None
    text = words_for(language).announcement(what, who, more)
    return {"text": text, "blocks": [_section(text)], "unfurl_links": False, "unfurl_media": False}


def already_posted_message(ref: PostedRef) -> dict[str, Any]:
    link = _safe_url(ref.permalink)
    text = (
        f"Already summarized here: <{link}|see the earlier thread>"
        if link
        else "Already summarized in this channel: see the earlier thread."
    )
    return {"text": text, "unfurl_links": False, "unfurl_media": False}


def _sentence(message: str) -> str:
    message = message.strip()
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


def error_text(error: BaseException) -> str:
    """One friendly, mrkdwn-safe line for the person who asked: ``user_text``'s (which logs the
    whole error), as a sentence, what the source's trouble was after "I couldn't summarize that".
    (The generic lines of the bot's own failures are sentences already, with nothing to escape.)"""
    text = user_text(error)
    if isinstance(error, SourceError):
        stop = "" if text.rstrip().endswith((".", "!", "?")) else "."
        return escape(f"I couldn't summarize that: {text.strip()}{stop}")
    return escape(_sentence(text))


def settings_text(settings: ChannelSettings, channel: str, language: str = DEFAULT_LANGUAGE) -> str:
    """What ``/summarize settings`` shows (ephemeral): the channel's ``settings`` and the
    workspace's reply ``language``."""

    def domains(items: tuple[str, ...], empty: str) -> str:
        return ", ".join(f"`{escape(d)}`" for d in items) if items else empty

    trigger = (
        "`auto`: every link posted here gets a digest"
        if settings.trigger == "auto"
        else "`mention`: only when someone mentions me or uses /summarize"
    )
    return "\n".join(
        [
            f"*precis settings for <#{channel}>*",
            f"• Trigger: {trigger}",
            f"• Key points: {settings.points}",
            f"• Quotes: {'on' if settings.quotes else 'off'}",
            f"• Allowed domains: {domains(settings.allowed_domains, 'any public site')}",
            f"• Blocked domains: {domains(settings.blocked_domains, 'none')}",
            f"• Reply language (whole workspace): {words_for(language).own_name}",
            "Admins can change them: `/summarize settings trigger auto points 5 quotes off "
            "allow example.org news.example block spam.example` (`allow none` clears a list); "
            f"`language de` sets the reply's own words for the workspace ({_LANGUAGE_CHOICES}).",
        ]
    )


# "`en` English, `de` Deutsch, ...": the reply languages as the settings text lists them.
_LANGUAGE_CHOICES = ", ".join(f"`{code}` {words_for(code).own_name}" for code in REPLY_LANGUAGES)
