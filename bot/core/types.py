"""Data that crosses a layer: frozen, slotted dataclasses, nothing platform-specific.

``Source``   what a person asked us to read (a URL, a file's HTML, or pasted text).
``Article``  what extraction produced: clean text plus page metadata.
``KeyPoint`` one key point, with the character spans of ``Article.text`` that support it.
``Quote``    one verbatim statement: ``article.text[start:end] == text``.
``Digest``   everything a reply shows, plus stats and timings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.text import count_words

__all__ = [
    "Article",
    "Digest",
    "DigestOptions",
    "KeyPoint",
    "PageMeta",
    "Quote",
    "Source",
    "SourceKind",
    "Span",
    "Timings",
]

Span = tuple[int, int]
"""Half-open character offsets ``[start, end)`` into ``Article.text``."""


class SourceKind(StrEnum):
    URL = "url"
    HTML = "html"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Source:
    """What to summarize. Exactly one of ``url`` / ``html`` / ``text`` is the payload."""

    kind: SourceKind
    value: str
    url: str | None = None
    """For HTML read from a file or stdin: the page's address when known (helps metadata)."""

    @classmethod
    def from_url(cls, url: str) -> Source:
        return cls(SourceKind.URL, url, url=url)

    @classmethod
    def from_html(cls, html: str, url: str | None = None) -> Source:
        return cls(SourceKind.HTML, html, url=url)

    @classmethod
    def from_text(cls, text: str) -> Source:
        return cls(SourceKind.TEXT, text)


@dataclass(frozen=True, slots=True)
class PageMeta:
    url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    site: str | None = None
    author: str | None = None
    published: str | None = None
    language: str | None = None
    """The language the article was read in (ISO 639-1): what its text says it is, else what the
    page declares."""
    description: str | None = None
    """The publisher's standfirst (``og:description``): helps choose the TL;DR, never shown as is."""


@dataclass(frozen=True, slots=True)
class Article:
    text: str
    meta: PageMeta
    extractor: str
    """Which stage of the extraction cascade produced ``text`` (``trafilatura``, ``paragraphs``, ``text``)."""
    source_chars: int | None = None
    """Set when ``text`` is the start of a longer text, cut to bound the work: the full length."""

    @property
    def words(self) -> int:
        """Words of ``text``; two Chinese or Japanese characters count as one (``count_words``)."""
        return count_words(self.text)


@dataclass(frozen=True, slots=True)
class KeyPoint:
    """An extractive point is a sentence of the article: ``text`` is its ``spans`` of
    ``Article.text`` joined with nothing between them (one span, or more when a deletion took out a
    reference marker or an aside: the words left are verbatim, in order). A rewritten point (an
    abstractive backend's, issue 7) has generated ``text``, and ``spans`` are the article
    sentences that support it (``models.grounding``)."""

    text: str
    spans: tuple[Span, ...]
    rewritten: bool = False


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    speaker: str | None
    verb: str | None
    start: int
    end: int
    shown_spans: tuple[Span, ...] = ()
    """Empty: in the JSON only. Else the reply shows this quote as these pieces of the article
    (its start, cut at a sentence end inside it and without a trailing comma), joined by "…"."""

    confidence: float | None = None
    """0-1: how likely ``speaker`` is right (None: the finder does not say)."""

    speaker_role: str | None = None
    """The speaker's role as the article words it at the name ("Secretary of State", "a senior
    fellow at the Hoover Institution"), verbatim; None when the text gives none."""

    @property
    def shown(self) -> bool:
        return bool(self.shown_spans)


@dataclass(frozen=True, slots=True)
class DigestOptions:
    points: int = 3
    """Key points beside the TL;DR (1 to 8)."""
    quotes: bool = True


@dataclass(frozen=True, slots=True)
class Timings:
    fetch: float = 0.0
    extract: float = 0.0
    summarize: float = 0.0
    quotes: float = 0.0
    total: float = 0.0


@dataclass(frozen=True, slots=True)
class Digest:
    article: Article
    tldr: str
    key_points: tuple[KeyPoint, ...]
    quotes: tuple[Quote, ...]
    model_name: str
    timings: Timings = field(default_factory=Timings)
    tldr_spans: tuple[Span, ...] = ()
    """The pieces of ``Article.text`` the TL;DR is made of: ``tldr`` is their texts joined."""

    @property
    def shown_quotes(self) -> tuple[Quote, ...]:
        return tuple(q for q in self.quotes if q.shown)

    @property
    def reading_minutes(self) -> int:
        # 230 words a minute: a common adult silent-reading rate for non-fiction.
        return max(1, round(self.article.words / 230))
