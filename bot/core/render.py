"""Platform-free renderings of a ``Digest``: the JSON contract (version 1) and Markdown.

JSON keys are a contract other tools rely on: add keys, never rename. The Markdown's own words
(headings, "min read", "read in German") are a reply language's (``bot.core.strings``).
"""

from __future__ import annotations

from typing import Any

from bot.core.compose import digest_words, shown_text
from bot.core.strings import DEFAULT_LANGUAGE, words_for
from bot.core.types import Digest, Quote

__all__ = ["JSON_VERSION", "digest_to_json", "digest_to_markdown", "group_quotes"]

JSON_VERSION = 1


def digest_to_json(digest: Digest, *, item_id: Any = None) -> dict[str, Any]:
    meta = digest.article.meta
    t = digest.timings
    out: dict[str, Any] = {}
    if item_id is not None:
        out["id"] = item_id
    out.update(
        {
            "version": JSON_VERSION,
            "source": {
                "url": meta.url,
                "canonical_url": meta.canonical_url,
                "title": meta.title,
                "site": meta.site,
                "author": meta.author,
                "published": meta.published,
                "language": meta.language,
            },
            "tldr": digest.tldr,
            "tldr_spans": [list(s) for s in digest.tldr_spans],  # the TL;DR is these pieces, joined
            "key_points": [
                {"text": p.text, "spans": [list(s) for s in p.spans], "rewritten": p.rewritten}
                for p in digest.key_points
            ],
            "quotes": [
                {
                    "text": q.text,
                    "speaker": q.speaker,
                    "speaker_role": q.speaker_role,  # as the article words it, or null
                    "verb": q.verb,
                    "start": q.start,
                    "end": q.end,
                    "confidence": q.confidence,  # 0-1, how sure the speaker is
                    "shown": q.shown,  # in the chat reply, as the pieces at "shown_spans"
                    "shown_spans": [list(s) for s in q.shown_spans],
                }
                for q in digest.quotes
            ],
            "stats": {
                "words": digest.article.words,
                "reading_minutes": digest.reading_minutes,
                "extractor": digest.article.extractor,
                # a text longer than the engine reads is digested from its start (MAX_ARTICLE_CHARS)
                "truncated": digest.article.source_chars is not None,
                "source_chars": digest.article.source_chars or len(digest.article.text),
                "digest_words": digest_words(digest),
            },
            "model": {"name": digest.model_name},
            "timings_ms": {
                "fetch": t.fetch,
                "extract": t.extract,
                "summarize": t.summarize,
                "quotes": t.quotes,
                "total": t.total,
            },
            "text": digest.article.text,
        }
    )
    return out


def group_quotes(quotes: list[Quote]) -> list[tuple[str | None, list[Quote]]]:
    """Quotes grouped by speaker: speakers in order of first appearance, quotes in article order."""
    groups: dict[str | None, list[Quote]] = {}
    for q in sorted(quotes, key=lambda q: q.start):
        groups.setdefault(q.speaker, []).append(q)
    return list(groups.items())


def digest_to_markdown(digest: Digest, language: str = DEFAULT_LANGUAGE) -> str:
    """The reply as Markdown: title line, byline, TL;DR, key points and the shown quotes; the
    fixed words in reply language ``language``."""
    words = words_for(language)
    meta = digest.article.meta
    lines = [f"# {meta.title or words.summary}"]
    byline = " · ".join(
        x
        for x in (
            meta.site,
            meta.author,
            (meta.published or "")[:10] or None,
            # An article in another language says so; nothing is translated.
            *words.byline_marks(digest.reading_minutes, meta.language),
        )
        if x
    )
    lines.append(byline)
    # The address it was read from: a page's canonical claim could point anywhere.
    if meta.url or meta.canonical_url:
        lines.append(f"<{meta.url or meta.canonical_url}>")
    lines += ["", f"**{words.tldr}:** {digest.tldr}"]
    if digest.key_points:  # no heading over nothing
        lines += ["", f"**{words.key_points}**", *(f"- {p.text}" for p in digest.key_points)]
    quotes = list(digest.shown_quotes)
    if quotes:
        lines += ["", f"**{words.quotes}**"]
        for speaker, items in group_quotes(quotes):
            for q in items:
                shown = shown_text(q, digest.article.text)
                lines += [f"> “{shown}”", ">"]  # a bare ">" keeps each quote its own paragraph
            lines.append(f"> — {speaker or words.unattributed}")
            lines.append("")
        if lines[-1] == "":
            lines.pop()
    return "\n".join(lines) + "\n"
