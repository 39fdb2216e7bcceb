"""Which spans are statements (pass 3 of ``models.quotes``), and the sentences around them.

A span is dropped when it has fewer than ``min_words`` words, is a title (Title Case, no sentence
punctuation), is a term introduced by "dubbed", "known as", "the phrase"... (``_is_statement``),
or is a scare quote: a short lowercase phrase after "the"/"a" in a sentence where nobody is
reported saying anything (``_is_scare_quote``). For attribution, ``_mask`` blanks the quoted
words (names inside quotes are never speakers) and ``_sentence_starts`` finds the sentences,
ignoring sentence ends inside quotes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from models.quotes.marks import _Span
from models.quotes.words import _ACCORDING, _LOWER, _UPPER, _VERB_RE, _abbreviated

# --- tuning thresholds -------------------------------------------------------------------------

TITLE_MAX_WORDS = 8  # Title Case runs longer than this are headline-style speech, not a work's title
SCARE_MAX_WORDS = 5  # "the 'power of the press'": scare quotes are short noun phrases

# --- statements ----------------------------------------------------------------------------------

_SMALL_WORDS = frozenset("a an the and or but nor of in on at to for by with from as vs is".split())
_TITLE_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")
_NAMING_CUE = re.compile(
    r"(?:\b(?:dubbed|nicknamed|titled|entitled|known as|goes by|go by|went by|so-called|branded|"
    r"labell?ed|billed as|coined|hashtag|slogan|motto|the (?:words?|terms?|phrases?|name|title)|"
    r"(?:a|an|the)\s+[a-z]+\s+(?:called|named))\s*[,:]?\s*)$",
    re.I,
)


def _is_statement(text: str, span: _Span, min_words: int) -> bool:
    quote = text[span.start : span.end]
    if len(quote.split()) < min_words:
        return False
    if _NAMING_CUE.search(text, max(0, span.mark_start - 40), span.mark_start):
        return False
    return not _looks_like_title(quote)


# An editorial stage direction inside a quote: "(laughs)", "[applause]", "(gesturing to the
# trumpeter)", "(he sighs)". Narration, not the speaker's words; a bracketed stand-in for words
# ("[the president]", "[sic]") is none of these.
_STAGE_WORDS = (
    "laughs laughter laughing applause sighs sighing pauses pausing chuckles chuckling cheers "
    "cheering inaudible crosstalk cries crying smiles smiling shrugs shrugging nods nodding gestures "
    "gesturing points pointing motions motioning waves waving indicating referring weeps weeping "
    "sobs sobbing groans winks"
).split()
_STAGE_DIRECTION = re.compile(
    r"[(\[]\s*(?:(?:he|she|they|the\s+(?:audience|crowd))\s+)?(?:"
    + "|".join(_STAGE_WORDS)
    + r")\b[^()\[\]\n]{0,80}[)\]]",
    re.I,
)
_LEAD = " \t\n.,;:!?-\u2013\u2014\u2026"  # what is not a whole word at a quote's edge


def _without_narration(text: str, start: int, end: int, min_words: int) -> list[tuple[int, int]] | None:
    """The pieces of the quote ``[start, end)`` between the stage directions inside it, each
    trimmed to whole words, that are statements of ``min_words`` words; ``[(start, end)]`` when it
    holds none; None when it holds one and no piece beside it is a statement."""
    found = list(_STAGE_DIRECTION.finditer(text, start, end))
    if not found:
        return [(start, end)]
    pieces = []
    for lo, hi in zip([start] + [m.end() for m in found], [m.start() for m in found] + [end], strict=True):
        while lo < hi and text[lo] in _LEAD:
            lo += 1
        while hi > lo and text[hi - 1] in _LEAD and (hi < end or text[hi - 1] not in ".?!,"):
            hi -= 1  # a piece ends at its last word; the quote's own last mark stays
        if len(text[lo:hi].split()) >= min_words:
            pieces.append((lo, hi))
    return pieces or None


def _looks_like_title(quote: str) -> bool:
    """Title Case with no sentence punctuation: a work, a band, a programme, a slogan."""
    bare = quote.strip().rstrip(",.")
    if re.search(r"[.?!;:\u2026]", bare) or bare.isupper():
        return False  # a sentence, or shouting
    words = _TITLE_WORD.findall(bare)
    if not words or len(words) > TITLE_MAX_WORDS:
        return False
    return all(w[0].isupper() for w in words if w.lower() not in _SMALL_WORDS)


def _is_scare_quote(
    text: str, masked: str, span: _Span, sentence: tuple[int, int], reported: dict[tuple[int, int], bool]
) -> bool:
    """A short lowercase noun phrase after "the"/"a" with no one reported as saying it.

    ``reported`` caches, per sentence, whether it has a reporting verb: a long one holding many
    short quotes is searched once."""
    quote = text[span.start : span.end]
    if not quote[:1].islower() or len(quote.split()) > SCARE_MAX_WORDS or quote.rstrip()[-1:] in ".?!,":
        return False
    if not re.search(r"\b(?:the|a|an)\s*$", text[max(0, span.mark_start - 6) : span.mark_start], re.I):
        return False
    if sentence not in reported:
        lo, hi = sentence
        reported[sentence] = bool(_VERB_RE.search(masked, lo, hi) or _ACCORDING.search(masked, lo, hi))
    return not reported[sentence]


# --- sentences and masking -----------------------------------------------------------------------

# A sentence end with its space lost ("in 2010.The documents"), not an abbreviation ("U.S.Army"):
# a lower-case word or a number, a full stop, a capitalised word.
_UNSPACED = re.compile(rf"(?<=[{_LOWER}]{{2}}[.?!]|[0-9]{{2}}[.?!])(?=[{_UPPER}][{_LOWER}]+\s)")
_BOUNDARY = re.compile(
    rf"(?<=[.?!\u2026])['\"\u2019\u201d)\]]*\s+(?=(?:''|['\"\u2018\u201c(])?[{_UPPER}0-9])"
)
_CAPITAL_NEXT = re.compile(rf"\s+(?=[{_UPPER}])")
_PARAGRAPH = re.compile(r"\n\s*(?=\S)")
_DATELINE = re.compile(r"^[^.]{0,60}?\((?:CNN|AP|Reuters|AFP)\)\s*(?:--\s*)?")


def _mask(text: str, spans: Sequence[_Span]) -> str:
    """The text with quoted words blanked to "x" (a final . ? ! kept), and the dateline blanked."""
    chars = list(text)
    for s in spans:
        last = s.end - 1 if s.end > s.start and text[s.end - 1] in ".?!" else s.end
        for k in range(s.start, last):
            if not chars[k].isspace():
                chars[k] = "x"
    m = _DATELINE.match(text)
    if m:
        chars[: m.end()] = " " * m.end()
    return "".join(chars)


def _sentence_starts(text: str, spans: Sequence[_Span]) -> list[int]:
    """Sentence start offsets; sentence ends inside a quotation do not count."""
    inside = [(s.start, s.end - 1) for s in spans]
    starts, k = [0], 0
    for m in _BOUNDARY.finditer(text):
        while k < len(inside) and inside[k][1] <= m.start():
            k += 1
        if k < len(inside) and inside[k][0] <= m.start() < inside[k][1]:
            continue
        word = re.search(r"([\w.]+)$", text[max(0, m.start() - 15) : m.start()].rstrip("'\"\u2019\u201d)]"))
        token = word.group(1).rstrip(".") if word else ""
        if text[m.start() - 1 : m.start()] == "." and (_abbreviated(token) or len(token) == 1):
            continue  # Mr. Smith, U.S. officials, J. Smith, G.K. Butterfield
        starts.append(m.end())
    starts.extend(m.end() for m in _PARAGRAPH.finditer(text))
    starts.extend(m.end() for m in _UNSPACED.finditer(text))  # "... in 2010.The documents say"
    for s in spans:  # "'... till we fall to bits' The friends often ...": a caption follows
        if s.closed and s.end > s.start and text[s.end - 1] not in ".?!,;:\u2026":
            m = _CAPITAL_NEXT.match(text[s.end + 1 : s.end + 4])
            if m:
                starts.append(s.end + 1 + m.end())
    return sorted(set(starts))
