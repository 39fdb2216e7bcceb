"""Quotation marks and the spans they quote: passes 1 and 2 of ``models.quotes``.

``_marks`` classifies each quotation-mark character from its two neighbours: an opening mark, a
closing mark, "either" (a straight ``"`` between letters), a *weak* close (a plural "s'" before a
noun: the bankers' bonus) or an apostrophe (don't, '90s, rock 'n' roll). ``_spans`` pairs them
left to right within a family into ``_Span``s: a nested quote of another family stays inside, a
reopening mark starts the next paragraph of a multi-paragraph quote or shows the first was never
closed, and a closing mark glued to the next paragraph (text that lost its line breaks) is read
as one. The rules are set out in the package docstring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models import deadline
from models.quotes.words import _LETTER, _UPPER

# --- tuning thresholds -------------------------------------------------------------------------

SHORT_LABEL_WORDS = 3  # a weak close (plural "s'" + noun) ends a quote only this short: labels are short
NESTED_MAX_CHARS = 300  # a quote nested in speech ('Why me?') closes this soon after it opens
NARRATION_WORDS = 60  # a "reopened paragraph" this long with no I/we/you is prose, not speech
SENTENCE_WINDOW = 1000  # chars of a sentence read around a quote: clauses and subjects sit closer than this

# --- marks ---------------------------------------------------------------------------------------

_DOUBLE, _SINGLE, _GUILLEMET, _ANGLE, _CORNER, _WHITE_CORNER = range(6)
_FAMILY = {
    '"': _DOUBLE, "\u201c": _DOUBLE, "\u201d": _DOUBLE, "\u201e": _DOUBLE, "\u201f": _DOUBLE,
    "'": _SINGLE, "\u2018": _SINGLE, "\u2019": _SINGLE, "\u201a": _SINGLE, "\u201b": _SINGLE,
    "\u00ab": _GUILLEMET, "\u00bb": _GUILLEMET, "\u2039": _ANGLE, "\u203a": _ANGLE,
    "\u300c": _CORNER, "\u300d": _CORNER, "\u300e": _WHITE_CORNER, "\u300f": _WHITE_CORNER,
}  # fmt: skip
_MARK_CHARS = "".join(_FAMILY)  # every quotation mark, for a character class or str.strip
# Chinese and Japanese corner brackets 「…」 and 『…』 (the nested form): one shape opens, one closes.
_CORNER_OPENS = frozenset("\u300c\u300e")
# The New York Times archive's double quotation mark, read as a straight ``"``: ''We will win,'' he
# said. Three apostrophes close a nested quote, then the outer one: ''He said, 'Go home,''' she said.
_TWO_APOSTROPHES = "''"
_MARK_RE = re.compile("(?<!'')''(?!')|[" + _MARK_CHARS + "]")
_OPEN, _CLOSE, _EITHER, _WEAK = range(4)
_OPENER_BEFORE = frozenset("([{<\u2014\u2013-/:;") | frozenset(_FAMILY)
_CLOSER_AFTER = frozenset(".,;:!?)]}>\u2026\u2014\u2013-*") | frozenset(_FAMILY)
# A mark starting one of these is an elision, not a quote: '90s, '60, 'em, 'til, rock 'n' roll.
_ELISION_AFTER = re.compile(r"(?:\d\d(?:s\b|\b)|(?:em|til)\b|n['\u2019]\s)", re.I)
_ELISION_BEFORE = re.compile(r"(?:^|\W)(?:[Cc]os|[Cc]oz)$")
# After a plural "s'" these words show the mark closed a quote; any other word is a possessive noun.
_FUNCTION_WORDS = frozenset(
    """a an the and or but nor for so yet to of in on at by from with as that which who whom whose
    when where while after before because if than then into onto over under about against between
    through during without within is are was were be been being has have had do does did will would
    can could should may might must shall he she it they we i you his her its their our my your this
    these those there here said says say told tells added adds according wrote writes not no also
    just even only still again too""".split()
)


def _classify(text: str, i: int, c: str) -> int | None:
    """The role of the mark ``c`` at ``text[i]``: open, close, either, weak close, or None (apostrophe).

    ``c`` is one character, or ``''`` (two apostrophes), which is read as a straight ``"``.
    """
    p = text[i - 1] if i > 0 else " "
    n = text[i + len(c)] if i + len(c) < len(text) else " "
    opener_ctx = (p.isspace() or p in _OPENER_BEFORE) and not n.isspace() and n not in ",.;:!?)]}"
    closer_ctx = not p.isspace() and (n.isspace() or n in _CLOSER_AFTER)
    if c == _TWO_APOSTROPHES:
        c = '"'
    fam = _FAMILY[c]
    if fam in (_CORNER, _WHITE_CORNER):
        return _OPEN if c in _CORNER_OPENS else _CLOSE
    if fam == _SINGLE:
        if p.isalnum() and n.isalnum():
            return None  # don't, Locke's, O'Toole
        if opener_ctx:
            return None if _ELISION_AFTER.match(text, i + 1) else _OPEN
        if closer_ctx and c not in "\u2018\u201a\u201b":
            if _ELISION_BEFORE.search(text, max(0, i - 4), i):
                return None  # "Cos' I'm on television"
            return _WEAK if _possessive(text, i) else _CLOSE
        if closer_ctx:
            return _CLOSE
        return None
    if c == '"':
        if opener_ctx:
            return _OPEN
        return _CLOSE if closer_ctx else _EITHER
    if c in "\u201e\u201f":
        return _OPEN
    if c in "\u201c\u00ab\u2039":  # also closes German „…“ and »…«
        return _CLOSE if closer_ctx and not (p.isspace() or p in _OPENER_BEFORE) else _OPEN
    # "\u201d", "\u00bb", "\u203a": also open Swedish ”…” and German »…«
    return _OPEN if opener_ctx and n.isalnum() else _CLOSE


_NEXT_WORD = re.compile(rf"\s+([{_LETTER}][\w'\u2019-]*)")
_PREV_WORD = re.compile(r"(\w+)$")


def _possessive(text: str, i: int) -> bool:
    """A mark after "s" (or dropped-g "in") followed by a noun: the bankers' bonus, nothin' doing."""
    before = _PREV_WORD.search(text, max(0, i - 40), i)
    after = _NEXT_WORD.match(text, i + 1)
    if not before or not after:
        return False
    word, nxt = before.group(1), after.group(1)
    if not (word.endswith(("s", "S")) or (len(word) > 3 and word.endswith("in"))):
        return False
    return nxt[0].islower() and nxt.lower() not in _FUNCTION_WORDS


@dataclass(frozen=True, slots=True)
class _Mark:
    pos: int
    family: int
    role: int
    length: int = 1  # 2 for ``''``: the quote's text starts or ends outside both characters


def _marks(text: str) -> list[_Mark]:
    marks = []
    for m in _MARK_RE.finditer(text):
        c = m.group()
        role = _classify(text, m.start(), c)
        if role is not None:
            marks.append(_Mark(m.start(), _FAMILY[c[0]] if len(c) == 1 else _DOUBLE, role, len(c)))
    return marks


# --- spans ---------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(
    rf"[.?!\u2026]+['\"\u2019\u201d)\]]*(?=\s+[\"'\u2018\u201c(\[]?[{_UPPER}0-9]|\s*$)"
)
# A paragraph that ends a sentence, in English or with a Chinese/Japanese full stop "。！？".
_ENDS_SENTENCE = re.compile(r"[.?!\u2026\u3002\uff01\uff1f][)\]]?\s*$")
# Signs that the text between an unclosed paragraph and the next opening mark is not speech.
_CAPTION = re.compile(
    r"Scroll down|\((?:pictured|left|right|centre|center|above|below|top|bottom)\)|\bpictured\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class _Span:
    start: int  # first character inside the marks
    end: int  # one past the last character inside the marks
    closed: bool  # a closing mark follows at ``end``
    mark_start: int  # position of the opening mark


def _first_sentence_end(text: str, start: int, limit: int) -> int:
    """Where a quote with no closing mark ends: its first sentence end, extended over following
    sentences still in the first or second person; never past the end of its paragraph."""
    newline = text.find("\n", start, limit)
    limit = newline if newline >= 0 else limit
    end = None
    for m in _SENTENCE_END.finditer(text, start, limit):
        nxt = m.start() + len(m.group().rstrip("'\"\u2019\u201d)]"))
        if end is not None and not _FIRST_SECOND.search(text, end, nxt):
            break
        end = nxt
    return _rstrip_end(text, limit if end is None else end)


def _rstrip_end(text: str, end: int) -> int:
    """``len(text[:end].rstrip())``, without copying the text before ``end``."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def _spans(text: str) -> list[_Span]:
    marks = _marks(text)
    spans: list[_Span] = []
    i = 0
    while i < len(marks):
        opening = marks[i]
        if opening.role not in (_OPEN, _EITHER):
            i += 1
            continue
        deadline.check()
        family, start, j = opening.family, opening.pos + opening.length, i + 1
        while j < len(marks) and marks[j].pos == start and marks[j].family == family:
            start, j = start + marks[j].length, j + 1  # a doubled opening mark: ‘’What
        paragraph, next_i, span = start, None, None
        while j < len(marks):
            mark = marks[j]
            if mark.family != family:
                j += 1  # a nested quote of another family: part of this one
            elif mark.role in (_CLOSE, _EITHER) or (
                mark.role == _WEAK and _weak_closes(text, marks, j, start)
            ):
                span, next_i = _Span(start, mark.pos, True, opening.pos), j + 1
                break
            elif mark.role == _WEAK:
                j += 1  # the bankers' bonus: an apostrophe inside speech
            elif (reopens := _reopens(text, paragraph, mark.pos)) and not _closes_instead(text, marks, j):
                paragraph, j = mark.pos + mark.length, j + 1  # next paragraph of the same quotation
            elif reopens:  # a closing mark glued to the next paragraph
                span, next_i = _Span(start, _rstrip_end(text, mark.pos), True, opening.pos), j + 1
                break
            elif (inner := _nested_close(text, marks, j, paragraph)) is not None:
                j = inner + 1  # "I was just thinking, 'Why me?'": a quote inside this one
            else:  # never closed: it ends at its first sentence end, a new quote opens here
                span = _Span(start, _first_sentence_end(text, paragraph, mark.pos), False, opening.pos)
                next_i = j
                break
        if span is None:  # still open at the end of the text
            span = _Span(start, _first_sentence_end(text, paragraph, len(text)), False, opening.pos)
            next_i = len(marks)
        spans.append(_trimmed(text, span))
        i = next_i if next_i is not None else j
    return spans


def _nested_close(text: str, marks: list[_Mark], j: int, paragraph: int) -> int | None:
    """If the opening mark ``marks[j]`` starts a quote nested in the open one, its closing mark.

    Daily Mail nests single quotes in single-quoted speech. The outer quote cannot have ended
    when its paragraph has no sentence end yet, nor when the words since then are still in the
    first or second person ("I was just thinking, 'Why me?'"). Only the last ``SENTENCE_WINDOW``
    characters of the paragraph are read: a paragraph holding many nested quotes is read once.
    """
    segment = text[max(paragraph, marks[j].pos - SENTENCE_WINDOW) : marks[j].pos]
    ends = list(_SENTENCE_END.finditer(segment))
    if ends and not _FIRST_SECOND.search(segment[ends[-1].end() :]):
        return None
    family = marks[j].family
    for k in range(j + 1, len(marks)):
        mark = marks[k]
        if mark.pos - marks[j].pos > NESTED_MAX_CHARS:
            return None
        if mark.family == family:
            return k if mark.role in (_CLOSE, _EITHER, _WEAK) else None
    return None


def _trimmed(text: str, span: _Span) -> _Span:
    """The span without whitespace just inside its marks: « Nous gagnerons. »"""
    inner = text[span.start : span.end]
    lead = len(inner) - len(inner.lstrip())
    end = span.start + len(inner.rstrip())
    return _Span(min(span.start + lead, end), end, span.closed, span.mark_start)


_INTRO_END = re.compile(
    r"(?:\b(?:said|says|added|adds|told|tells|explained|continued|wrote|writes|stated|replied)\b[^.?!:]{0,40})?:?\s*$"
)


def _closes_instead(text: str, marks: list[_Mark], j: int) -> bool:
    """Is the "reopening" mark at ``marks[j]`` really a closing mark glued to the next paragraph?

    Text that lost its line breaks can read ``... represent. "She added: "We are ...``. A true
    reopened paragraph is speech that ends at a closing mark; here the next mark of the family
    opens again right after an attribution ("She added:"), or there is no next mark at all.
    """
    family, pos = marks[j].family, marks[j].pos
    for k in range(j + 1, len(marks)):
        mark = marks[k]
        if mark.family != family:
            continue
        if mark.role in (_CLOSE, _WEAK) or (
            mark.role == _EITHER and not text[mark.pos - 1 : mark.pos].isspace()
        ):
            return False
        between = text[pos + marks[j].length : mark.pos]
        intro = _INTRO_END.search(between)
        if intro and intro.group().strip() and not _ENDS_SENTENCE.search(between):
            return True  # "She added: "
        return _narration(between)
    return True


_FIRST_SECOND = re.compile(
    r"\b(?:I|I['\u2019](?:m|ve|d|ll)|[Mm]e|[Mm]y|[Mm]ine|[Ww]e|[Ww]e['\u2019](?:re|ve|d|ll)|us|[Oo]urs?|[Yy]ou|[Yy]ours?)\b"
)


def _narration(segment: str) -> bool:
    """Reported prose rather than speech: no I/we/you, and a reporting verb or a "Mr X"."""
    if _FIRST_SECOND.search(segment):
        return False
    return bool(
        _NARRATED.search(segment) or _HONORIFIC.search(segment) or len(segment.split()) > NARRATION_WORDS
    )


_HONORIFIC = re.compile(rf"\b(?:Mr|Mrs|Ms|Dr)\.? [{_UPPER}]")  # "Mr King", "Dr. Özil"
_NARRATED = re.compile(
    rf"\b[{_UPPER}][\w'\u2019-]+\s+(?:said|told|added|wrote|explained|denied|heard|"
    r"reported|revealed|confirmed|announced|insisted|claimed)\b"
)


_OVER_LABEL = re.compile(rf"\s*(?:\S+\s+){{{SHORT_LABEL_WORDS}}}\S")  # more words than a short label


def _weak_closes(text: str, marks: list[_Mark], j: int, start: int) -> bool:
    """Does "s'" followed by a noun close the quote opened at ``start``, or is it a possessive?

    It closes a short label ('dangerous drivers' law) unless a real closing mark follows in the
    same sentence (the bankers' bonus tax ... works,' he said).
    """
    if _OVER_LABEL.match(text, start, marks[j].pos):
        return False
    for k in range(j + 1, len(marks)):
        mark = marks[k]
        if mark.family == marks[j].family:
            return not (mark.role == _CLOSE and not _SENTENCE_END.search(text, marks[j].pos, mark.pos))
    return True


def _reopens(text: str, paragraph: int, pos: int) -> bool:
    """Does the opening mark at ``pos`` start another paragraph of the quote begun at ``paragraph``?"""
    last = _rstrip_end(text, pos)  # one past the last non-space: read from there, not from ``paragraph``
    if text.find("\n", paragraph, last) >= 0:
        return False  # a whole paragraph of narration lies between: not the next paragraph
    ends = _ENDS_SENTENCE.search(text, max(paragraph, last - 2), pos)
    return bool(ends) and not _CAPTION.search(text, paragraph, pos)
