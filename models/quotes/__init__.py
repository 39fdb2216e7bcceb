"""Direct quotations, verbatim, with who said them: pure rules over the text, no model.

Four passes over one article string (paragraph breaks may be newlines, or lost altogether):

1. **Marks.** Each quotation-mark character (and the New York Times' ``''``, read as a ``"``) is
   classified from its two neighbours as an opening mark, a closing mark, "either" (a straight
   ``"`` between letters) or an apostrophe. The hard part is British and Daily Mail text, where
   speech is in single quotes: a mark between letters (don't, Locke's, O'Toole) or before a decade
   ('90s) is an apostrophe, and a mark after a plural "s" followed by a noun (the bankers' bonus)
   is a *weak* close, taken only for a short label with no real closing mark later in its sentence.
2. **Spans.** Marks pair left to right within a family (double, single, guillemets); marks of
   another family inside an open quote belong to a nested quote, which is never separate. An
   opening mark of the same family before any close either starts the next paragraph of the same
   quotation (the text before it ends a sentence: one multi-paragraph quote) or shows the first
   quote was never closed (it then ends at its first sentence end, as does a quote open at the
   end). Text that lost its line breaks glues closing marks to the next paragraph (``represent.
   "She added: "We ...``); a "reopening" followed by an attribution or by prose is read that way.
3. **Statements.** Spans under ``min_words`` words, titles (Title Case, no sentence punctuation),
   terms introduced by "dubbed", "known as", "the phrase"..., and scare quotes (a short lowercase
   phrase after "the"/"a" in a sentence where nobody says anything) are dropped. A stage
   direction inside a quote ("(laughs)", "(gesturing to the drummer)") is narration: the quote
   is split around it into the statements either side, or, with none, kept as a guess a reply
   does not show; a bracketed stand-in for words ("[the president]") stays.
4. **Attribution**, on a copy of the text with quoted words masked, so names inside quotes are
   never speakers. A clause right after the closing mark ("he said", "said Locke", "X told CNN",
   "according to X") is used unless a verb ends the sentence right before the opening mark
   ("The teenager texted Barnes: '..."); otherwise the last reporting verb before the quote in its
   sentence ("NASA said Tuesday that controllers had '..."). Its subject is resolved: a name to
   the fullest form the article uses, job titles dropped ("Locke" -> "Gary Locke") but a title
   the person is known by kept ("Andrew" -> "Prince Andrew"); "he"/"she" to a
   person in the same sentence, else to the speaker, reporter or subject of a recent sentence;
   a role noun ("the spokesman", "the 39-year-old") to the person the article described with it,
   else the last person named; a document ("the memo", "a statement from X") to the body that
   wrote it; a description never tied to a name ("a police spokesman", ",' wrote the user") is
   kept, and one tied to another name ("Putin's spokesman", "the mother of X") is never that
   name. What sits between a name and its verb is read past: appositives and relative clauses
   set off by commas, ages, places ("of Raleigh, N.C.,"), party tags ("R-Ky."); quoted words
   and the listener of "told X" never become the speaker. A quote with no clause of its own goes
   to the previous speaker (keeping the verb only when nothing but that attribution separates
   them, ``"X," he said. "Y."``), else to the subject of its sentence or the one before; else
   null. A short quote ("The risk," said X, "is ...") is not returned, but its speaker carries.

Confidence (``attribution``'s ``*_CONFIDENCE``) says how the speaker was found: named in the
quote's own clause; "he"/"she" with one person in play; the quote right after another with only
that one's attribution between them inherits its confidence; anything resolved further away,
relayed by an outlet ("X said, according to CNN") or odd-looking is a guess a reply does not show.

Every returned quote satisfies ``article[start:end] == text``; candidates that do not are dropped.

The passes are modules, each importing only from those before it:

``words``        the letters, word classes and noun-phrase readers the other modules share
``marks``        quotation marks and the spans they quote (passes 1 and 2)
``statements``   which spans are statements (pass 3); the masked text and its sentence starts
``names``        the article's names, and whom a pronoun or a role refers to (pass 4)
``attribution``  reporting clauses, speakers, continuations and confidence (pass 4)

This module runs them over one article: ``extract_quotes``. A text read in another language
(``language``) takes ``other_languages``: the marks and spans, and a speaker only where that
language's reporting verb names one beside the quote.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.core.text import count_words
from bot.core.types import Quote
from models import deadline
from models.languages import is_english
from models.quotes.attribution import (
    ACCORDING_TO_CONFIDENCE,
    CONTINUATION_CONFIDENCE,
    NAMED_CONFIDENCE,
    ODD_NAME_CONFIDENCE,
    PRONOUN_CONFIDENCE,
    RESOLVED_CONFIDENCE,
    _after_attribution,
    _Attribution,
    _before_attribution,
    _closing_attribution,
    _confidence,
    _continuation,
    _name_tails,
    _only_person_in_play,
    _relayed,
    _resolve,
    _Resolved,
)
from models.quotes.marks import _MARK_CHARS, _Span, _spans
from models.quotes.names import _Names
from models.quotes.other_languages import quotes_in
from models.quotes.statements import (
    _is_scare_quote,
    _is_statement,
    _mask,
    _sentence_starts,
    _without_narration,
)

__all__ = [
    "ACCORDING_TO_CONFIDENCE",
    "CONTINUATION_CONFIDENCE",
    "NAMED_CONFIDENCE",
    "ODD_NAME_CONFIDENCE",
    "PRONOUN_CONFIDENCE",
    "RESOLVED_CONFIDENCE",
    "extract_quotes",
]


def extract_quotes(text: str, *, min_words: int = 4, language: str | None = None) -> list[Quote]:
    """All direct quotations that are statements, in article order, with speaker and verb.
    ``language``: the ISO 639-1 code ``text`` is read in (None: English)."""
    if not is_english(language):
        return [
            p
            for q in quotes_in(text, language or "", min_words=min_words)
            for p in _by_paragraph(text, q, min_words)
        ]
    spans = _spans(text)
    masked = _mask(text, spans)
    starts = _sentence_starts(text, spans)
    names = _Names(text, masked, starts)
    tails = _name_tails(text)
    speakers: list[tuple[int, str]] = []  # (where it was said, who)
    quotes: list[Quote] = []
    previous: _Span | None = None
    previous_after: _Attribution | None = None
    previous_resolved: _Resolved | None = None
    previous_confidence = 0.0
    reported: dict[tuple[int, int], bool] = {}  # sentence -> has a reporting verb
    for span in spans:
        deadline.check()
        if not _is_statement(text, span, min_words):
            # Not shown, but a short quote with its own "X said" still says who speaks next:
            # '"The risk," said Ann Lee, "is that ..."', '"We're ready," Bell said. "Sandy ..."'
            after = _after_attribution(text, masked, span)
            if after is not None:
                resolved = _resolve(names, after, speakers)
                if resolved.speaker:
                    speakers.append((span.mark_start, resolved.speaker))
                previous, previous_after, previous_resolved = span, after, resolved
                previous_confidence = _confidence(tails, resolved, after.subject)
            continue
        s = names.sentence_of(span.mark_start)
        sentence = (starts[s], starts[s + 1] if s + 1 < len(starts) else len(text))
        if _is_scare_quote(text, masked, span, sentence, reported):
            continue
        after = _after_attribution(text, masked, span)
        before = _before_attribution(masked, span.mark_start, starts[s])
        # A credit line after the quote ('"..." --Kim Lee') does not override a verb that leads
        # into it: 'Rajoy insisted his party was "still the No. 1 force."--Kim Lee.'
        credit = after is not None and after.verb is None
        attribution = before if before and (before.tight or not after or credit) else after
        attribution = attribution or _closing_attribution(masked, span, sentence[1])
        if attribution is not None:
            resolved = _resolve(names, attribution, speakers)
            confidence = _confidence(tails, resolved, attribution.subject)
            if _only_person_in_play(names, attribution, resolved.speaker):
                confidence = max(confidence, PRONOUN_CONFIDENCE)
            if _relayed(masked, attribution):  # "X said, according to CNN": second-hand
                confidence = min(confidence, ACCORDING_TO_CONFIDENCE)
            if not attribution.sure:
                confidence = min(confidence, RESOLVED_CONFIDENCE)
        else:
            resolved = _continuation(
                names, masked, span, previous, previous_after, previous_resolved, speakers, starts[s]
            )
            if resolved.carried:  # '"X," Ann Lee said. "Y."': Y is as surely hers as X
                confidence = min(_confidence(tails, resolved, resolved.speaker), previous_confidence)
            else:
                confidence = min(_confidence(tails, resolved, None), CONTINUATION_CONFIDENCE)
        if resolved.speaker:
            speakers.append((span.mark_start, resolved.speaker))
        quote = Quote(
            text[span.start : span.end],
            resolved.speaker,
            resolved.verb,
            span.start,
            span.end,
            confidence=confidence,
            speaker_role=names.role_of(resolved.speaker) if resolved.speaker else None,
        )
        if quote.text.strip() and text[quote.start : quote.end] == quote.text:
            for piece in _by_paragraph(text, quote, min_words):
                quotes.extend(_without_stage_directions(text, piece, min_words))
        previous, previous_resolved, previous_confidence = span, resolved, confidence
        previous_after = after if attribution is after else None
    return quotes


def _without_stage_directions(text: str, quote: Quote, min_words: int) -> list[Quote]:
    """``quote`` split around a stage direction inside it ("(laughs)", "(gesturing to X)") into
    the statements either side, the verb on the first; one that leaves no statement either side
    stays whole, as a guess a reply does not show."""
    pieces = _without_narration(text, quote.start, quote.end, min_words)
    if pieces is None:
        return [replace(quote, confidence=min(quote.confidence or 0.0, RESOLVED_CONFIDENCE))]
    # No stage direction: the one piece is the whole quote (its text is ``text[start:end]``),
    # rebuilt equal to it.
    return _cut(text, quote, [(a, b, k == 0) for k, (a, b) in enumerate(pieces)])


def _cut(text: str, quote: Quote, pieces: list[tuple[int, int, bool]]) -> list[Quote]:
    """``quote`` as the pieces ``(start, end, keeps the verb)`` of ``text``: each with its
    speaker, the verb only where the piece keeps it."""
    return [
        replace(quote, text=text[a:b], start=a, end=b, verb=quote.verb if keeps_verb else None)
        for a, b, keeps_verb in pieces
    ]


_REOPENED = re.compile(rf"[ \t]*\n\s*(?:[{_MARK_CHARS}]|'')+")


def _by_paragraph(text: str, quote: Quote, min_words: int) -> list[Quote]:
    """A quote that runs over paragraphs (each new one re-opened with a mark) as one quote per
    paragraph: the same speaker, the verb on the first. Pieces shorter than a statement go
    (words counted as ``bot.core.text.count_words`` does, as ``other_languages`` counts them)."""
    pieces, at = [], quote.start
    for reopen in _REOPENED.finditer(text, quote.start, quote.end):
        pieces.append((at, reopen.start()))
        at = reopen.end()
    if not pieces:
        return [quote]
    pieces.append((at, quote.end))
    kept = []  # the verb stays with the first paragraph only, and goes if that one is dropped
    for k, (start, end) in enumerate(pieces):
        piece = text[start:end]
        end -= len(piece) - len(piece.rstrip())
        if count_words(text[start:end]) >= min_words:  # Chinese, Japanese: no spaces to split on
            kept.append((start, end, k == 0))
    return _cut(text, quote, kept)
