"""What a digest shows, beside its TL;DR and key points: which quotes, cut how, and its length.

``mark_shown``     marks the quotes the reply shows (``Quote.shown_spans``): ones whose speaker is
                   sure (``SHOWN_CONFIDENCE``), the most notable first, one per speaker unless
                   only one person speaks; each cut to ``SHOWN_QUOTE_MAX_WORDS`` at a sentence
                   end inside it (or not shown).
``fit``            keeps the whole reply (TL;DR, points, shown quotes and their speakers) within
                   ``DIGEST_MAX_WORDS``: a second quote goes first, then the longest points.
``digest_words``   the words a reader reads in the reply.

Every shown piece is a span of the article: what is shown is verbatim, only shorter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from bot.core.text import count_words
from bot.core.types import Digest, KeyPoint, Quote, Span

__all__ = [
    "DIGEST_MAX_WORDS",
    "SHOWN_QUOTE_MAX_WORDS",
    "digest_words",
    "fit",
    "mark_shown",
    "shown_text",
    "word_budget",
]

SHOWN_QUOTE_MAX_WORDS = 40
# A quote is shown only when its speaker is this sure (``Quote.confidence``): a wrong speaker is
# worse than no quote. Named in the attribution clause itself is 0.95; resolved from a pronoun or
# a role noun, or carried over from the quote before, is below this.
SHOWN_CONFIDENCE = 0.8
# A chat reply longer than this is a wall: about 120 words reads right, 200 is the most.
DIGEST_MAX_WORDS = 160
# The budget holds at the default number of points; each point asked for past it adds this much.
DEFAULT_POINTS = 3
WORDS_PER_EXTRA_POINT = 35
# A quote shorter than this is a fragment worked into a sentence, rarely a statement worth showing.
NOTABLE_MIN_WORDS = 8

# A fragment that opens on a verb or a preposition ("is actually not so crazy", "at the expense of
# ...") is the middle of the writer's sentence: shown alone it has no subject, so it is not shown.
_BROKEN_FRAGMENT = re.compile(
    r"(?:is|are|was|were|be|been|has|have|had|will|would|can|could|should|may|might|must|do|does|did|"
    r"at|of|to|for|in|on|by|with|from|into|than|and|but|or|that|which|because)\b"
)

# Words of a speaker's name that say nothing about who it is ("the", "police", "a spokesman").
_NOT_A_NAME = frozenset("the and for from police spokesman spokeswoman official officials".split())

# A handle, a link or a tweet's byline inside a "quote": pasted social media, not a statement.
_PASTED = re.compile(r"(?<![\w.])@\w{2,}|https?://|pic\.twitter\.com|\bwww\.\w")

# A sentence end, then an opening mark: where a quote running over paragraphs re-opened in a text
# with no paragraph breaks ("... me now. 'Whatever time ..."); shown, the mark reads as a stray.
_REOPENED = re.compile("[.!?\u2026][ \t]+[\"'\u2018\u201c](?=[A-Z(])")
_SENTENCE_END = re.compile(r"[.!?\u2026](?=\s+\S)|[\u3002\uff01\uff1f](?=\S)")  # and 。！？ with no space
_TRAILING = " \t\n,;:\u2014\u2013-"


def _shown_spans(quote: Quote, text: str) -> tuple[Span, ...] | None:
    """The piece of ``quote`` the reply shows: all of it without a trailing comma, or its start up
    to the last sentence end within ``SHOWN_QUOTE_MAX_WORDS`` words; None if it has no such end.
    A quote that re-opens a paragraph inside it is shown up to there."""
    start, end = quote.start, quote.end
    reopened = list(_REOPENED.finditer(text, start, end))
    if reopened and _named_after(quote, text):
        # '... P1. 'P2. 'P3,' said X: only the paragraph at X's name is surely X's (a speech left
        # open by mistake runs the one before, and the story, into it)
        start = reopened[-1].end()
    elif reopened:  # a paragraph re-opened inside it: show the first paragraph's statement
        end = reopened[0].start() + 1
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    if count_words(text[start:end]) <= SHOWN_QUOTE_MAX_WORDS:
        return ((start, end),) if end > start else None
    cut = None
    for m in _SENTENCE_END.finditer(text, start, end):
        if count_words(text[start : m.end()]) > SHOWN_QUOTE_MAX_WORDS:
            break
        cut = m.end()
    return ((start, cut),) if cut is not None else None


# How far from a quote its attribution clause names the speaker ("..., said TransIP CEO Jeroen
# Hüpscher"), in characters.
_CLAUSE_CHARS = 120


def _named_after(quote: Quote, text: str) -> bool:
    """Whether the speaker's surname follows ``quote`` closely and does not come just before it."""
    surname = (quote.speaker or "").split()[-1:] or [""]
    if len(surname[0]) < 3:
        return False
    name = re.compile(rf"\b{re.escape(surname[0])}\b")
    before = text[max(0, quote.start - _CLAUSE_CHARS) : quote.start]
    return name.search(text, quote.end, quote.end + _CLAUSE_CHARS) is not None and not name.search(before)


def shown_text(quote: Quote, text: str) -> str:
    """A shown quote as the reply prints it: its pieces joined by " … ", and "…" where cut short,
    at its end or its start."""
    pieces = [text[a:b] for a, b in quote.shown_spans] or [quote.text]
    out = " … ".join(pieces)
    if quote.shown_spans and text[quote.start : quote.shown_spans[0][0]].strip(_TRAILING):
        out = "… " + out
    last = quote.shown_spans[-1][1] if quote.shown_spans else quote.end
    return out + " …" if text[last : quote.end].strip(_TRAILING) else out


def _words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:['\u2019][a-z]+)?", text.lower())


def _carries_story(quote: Quote, context: str) -> bool:
    """Does ``quote`` carry the story the headline and standfirst (``context``) tell: its speaker
    is named there, or it shares three words in a row with them (the headline's quote)?"""
    if not context or not quote.speaker:
        return False
    told = _words_of(context)
    names = {w for w in _words_of(quote.speaker) if len(w) > 2 and w not in _NOT_A_NAME}
    if names & set(told):
        return True
    said = _words_of(quote.text)
    trigrams = {tuple(said[k : k + 3]) for k in range(len(said) - 2)}
    return any(tuple(told[k : k + 3]) in trigrams for k in range(len(told) - 2))


def _notable_order(quotes: Sequence[Quote], context: str = "") -> list[Quote]:
    """Attributed quotes, the same words only once (captions repeat quotes), no pasted posts
    (``_PASTED``); statements before fragments, then those that carry the story
    (``_carries_story``), then earlier before later (news puts the most important voice first).
    A lower-case start is no reason to skip one."""
    seen: set[str] = set()
    unique: list[tuple[bool, Quote]] = []  # (a fragment, the quote)
    for q in quotes:
        key = re.sub(r"\W+", " ", q.text.lower()).strip()
        sure = q.confidence is None or q.confidence >= SHOWN_CONFIDENCE
        fragment = count_words(q.text) < NOTABLE_MIN_WORDS
        broken = fragment and _BROKEN_FRAGMENT.match(q.text.lstrip("\"'‘“ "))
        if q.speaker and sure and key not in seen and not _PASTED.search(q.text) and not broken:
            seen.add(key)
            unique.append((fragment, q))
    ranked = sorted(unique, key=lambda fq: (fq[0], not _carries_story(fq[1], context), fq[1].start))
    return [q for _, q in ranked]


def mark_shown(quotes: Sequence[Quote], k: int, text: str, context: str = "") -> tuple[Quote, ...]:
    """``quotes`` with up to ``k`` of them marked shown (see the module docstring); ``context`` is
    the headline and standfirst, whose people and words make a quote the one to show."""
    ranked = _notable_order(quotes, context)
    speakers = {q.speaker for q in ranked}
    chosen: dict[int, tuple[Span, ...]] = {}
    used: set[str | None] = set()
    for q in ranked:
        if len(chosen) >= k:
            break
        if q.speaker in used and len(speakers) > 1:
            continue  # one quote per speaker, unless the story has only one voice
        spans = _shown_spans(q, text)
        if spans is not None:
            chosen[q.start] = spans
            used.add(q.speaker)
    return tuple(replace(q, shown_spans=chosen.get(q.start, ())) for q in quotes)


def digest_words(digest: Digest) -> int:
    """Words of the reply: TL;DR, key points, and the shown quotes with their speakers."""
    text = digest.article.text
    quotes = sum(count_words(shown_text(q, text)) + count_words(q.speaker or "") for q in digest.shown_quotes)
    return count_words(digest.tldr) + sum(count_words(p.text) for p in digest.key_points) + quotes


def word_budget(points: int) -> int:
    """The most words a reply with ``points`` key points asked for may have."""
    return DIGEST_MAX_WORDS + max(0, points - DEFAULT_POINTS) * WORDS_PER_EXTRA_POINT


def fit(digest: Digest, max_words: int = DIGEST_MAX_WORDS) -> Digest:
    """``digest`` within ``max_words``: drop shown quotes past the first, then the longest key
    points (one always stays)."""
    while digest_words(digest) > max_words:
        shown = digest.shown_quotes
        if len(shown) > 1:
            last = max(shown, key=lambda q: count_words(q.text))
            quotes = tuple(replace(q, shown_spans=()) if q is last else q for q in digest.quotes)
            digest = replace(digest, quotes=quotes)
        elif len(digest.key_points) > 1:
            longest: KeyPoint = max(digest.key_points, key=lambda p: count_words(p.text))
            digest = replace(digest, key_points=tuple(p for p in digest.key_points if p is not longest))
        else:
            break
    return digest
