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
   phrase after "the"/"a" in a sentence where nobody says anything) are dropped.
4. **Attribution**, on a copy of the text with quoted words masked, so names inside quotes are
   never speakers. A clause right after the closing mark ("he said", "said Locke", "X told CNN",
   "according to X") is used unless a verb ends the sentence right before the opening mark
   ("The teenager texted Barnes: '..."); otherwise the last reporting verb before the quote in its
   sentence ("NASA said Tuesday that controllers had '..."). Its subject is resolved: a name to
   the fullest form the article uses, titles dropped ("Locke" -> "Gary Locke"); "he"/"she" to a
   person in the same sentence, else to the speaker, reporter or subject of a recent sentence;
   a role noun ("the spokesman", "the 39-year-old") to the person the article described with it,
   else the last person named; a document ("the memo", "a statement from X") to the body that
   wrote it; a description never tied to a name ("a police spokesman", ",' wrote the user") is
   kept, and one tied to another name ("Putin's spokesman", "the mother of X") is never that
   name. A quote with no clause of its own goes to the previous speaker (keeping the verb only
   when nothing but that attribution separates them, ``"X," he said. "Y."``), else to the
   subject of its sentence or the one before; else null.

Every returned quote satisfies ``article[start:end] == text``; candidates that do not are dropped.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain

from bot.core.types import Quote
from models import deadline

__all__ = ["extract_quotes"]

# --- tuning thresholds -------------------------------------------------------------------------

SHORT_LABEL_WORDS = 3  # a weak close (plural "s'" + noun) ends a quote only this short: labels are short
TITLE_MAX_WORDS = 8  # Title Case runs longer than this are headline-style speech, not a work's title
AFTER_WINDOW = 200  # chars after a closing mark searched for "he said": attributions are short
SUBJECT_MAX_WORDS = 12  # a subject phrase longer than this is narration, not "X, the spokesman,"
APPOSITIVE_MAX_WORDS = 25  # "Danczuk, the Labour politician who exposed ..., said" fits in this
CONTINUATION_CHARS = 1500  # an unattributed quote this close to the last one continues its speaker
PRONOUN_LOOKBACK_SENTENCES = 4  # "he said" looks this many sentences back for its subject
NESTED_MAX_CHARS = 300  # a quote nested in speech ('Why me?') closes this soon after it opens
NARRATION_WORDS = 60  # a "reopened paragraph" this long with no I/we/you is prose, not speech
SCARE_MAX_WORDS = 5  # "the 'power of the press'": scare quotes are short noun phrases
NAME_MAX_TOKENS = 12  # a name is never longer: a longer capitalized run is a headline, its name at the end
FUZZY_MAX_NAMES = 50  # names of one ending and length tried against a misspelt one: articles have a few
SENTENCE_WINDOW = 1000  # chars of a sentence read around a quote: clauses and subjects sit closer than this

# --- marks ---------------------------------------------------------------------------------------

_DOUBLE, _SINGLE, _GUILLEMET, _ANGLE = range(4)
_FAMILY = {
    '"': _DOUBLE, "\u201c": _DOUBLE, "\u201d": _DOUBLE, "\u201e": _DOUBLE, "\u201f": _DOUBLE,
    "'": _SINGLE, "\u2018": _SINGLE, "\u2019": _SINGLE, "\u201a": _SINGLE, "\u201b": _SINGLE,
    "\u00ab": _GUILLEMET, "\u00bb": _GUILLEMET, "\u2039": _ANGLE, "\u203a": _ANGLE,
}  # fmt: skip
# The New York Times archive's double quotation mark, read as a straight ``"``: ''We will win,'' he
# said. Three apostrophes close a nested quote, then the outer one: ''He said, 'Go home,''' she said.
_TWO_APOSTROPHES = "''"
_MARK_RE = re.compile("(?<!'')''(?!')|[" + "".join(_FAMILY) + "]")
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


_NEXT_WORD = re.compile(r"\s+([A-Za-z][\w'\u2019-]*)")
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

_SENTENCE_END = re.compile(r"[.?!\u2026]+['\"\u2019\u201d)\]]*(?=\s+[\"'\u2018\u201c(\[]?[A-Z0-9]|\s*$)")
_ENDS_SENTENCE = re.compile(r"[.?!\u2026][)\]]?\s*$")
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
        _NARRATED.search(segment)
        or re.search(r"\b(?:Mr|Mrs|Ms|Dr)\.? [A-Z]", segment)
        or len(segment.split()) > NARRATION_WORDS
    )


_NARRATED = re.compile(
    r"\b[A-Z][\w'\u2019-]+\s+(?:said|told|added|wrote|explained|denied|heard|"
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


def _looks_like_title(quote: str) -> bool:
    """Title Case with no sentence punctuation: a work, a band, a programme, a slogan."""
    bare = quote.strip().rstrip(",.")
    if re.search(r"[.?!;:\u2026]", bare) or bare.isupper():
        return False  # a sentence, or shouting
    words = _TITLE_WORD.findall(bare)
    if not words or len(words) > TITLE_MAX_WORDS:
        return False
    return all(w[0].isupper() for w in words if w.lower() not in _SMALL_WORDS)


# --- sentences and masking -----------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr st sr jr prof gen maj col capt lt sgt sen rep gov rev no vs etc inc ltd co corp
    jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k a.m p.m""".split()
)
_BOUNDARY = re.compile(r"(?<=[.?!\u2026])['\"\u2019\u201d)\]]*\s+(?=['\"\u2018\u201c(]?[A-Z0-9])")
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
        token = word.group(1).rstrip(".").lower() if word else ""
        if text[m.start() - 1 : m.start()] == "." and (token in _ABBREVIATIONS or len(token) == 1):
            continue  # Mr. Smith, U.S. officials, J. Smith
        starts.append(m.end())
    starts.extend(m.end() for m in _PARAGRAPH.finditer(text))
    for s in spans:  # "'... till we fall to bits' The friends often ...": a caption follows
        if s.closed and s.end > s.start and text[s.end - 1] not in ".?!,;:\u2026":
            m = re.match(r"\s+(?=[A-Z])", text[s.end + 1 : s.end + 4])
            if m:
                starts.append(s.end + 1 + m.end())
    return sorted(set(starts))


# --- words ---------------------------------------------------------------------------------------

_VERB_FORMS = frozenset(
    """said says say saying told tells telling added adds adding wrote writes writing explained
    explains continued continues concluded concludes admitted admits insisted insists declared
    declares stated states replied replies responded responds asked asks warned warns claimed
    claims noted notes recalled recalls joked jokes quipped quips confirmed confirms announced
    announces tweeted tweets posted posts texted texting reads argued argues suggested suggests
    revealed reveals agreed agrees urged urges commented comments remarked remarks exclaimed
    exclaims shouted shouts screamed screams yelled yells cried cries whispered whispers boasted
    boasts complained complains acknowledged acknowledges conceded concedes predicted predicts
    promised promises vowed vows pledged pledges recounted recounts laughed laughs sighed sighs
    pleaded pleads begged begs demanded demands muttered mutters recommended recommends stressed
    stresses maintained maintains asserted asserts reported reports testified testifies emailed
    messaged wondered wonders describes described mused muses countered counters interjected
    blasted slammed raged fumed gushed""".split()
)
_AUXILIARIES = frozenset(
    "is are was were be been has have had will would could can did does do may might must should".split()
)
_IRREGULAR = frozenset(
    """paid made took gave went came got did told wrote met left felt kept held won lost ran saw
    knew thought brought bought sent spent found put set let began became showed shown done gone
    seen known taken given written broke broken chose fell fought flew grew hit hurt led meant rose
    sat sang slept spoke stood stole struck swore taught threw understood woke wore built drew
    drove ate forgot forgave hid lay rode shook shot shut sold sought spread stuck swam swung tore
    wept heard fled dealt""".split()
)
_S_VERBS = frozenset(
    """says tells adds writes loves likes enjoys wants needs lives works plays looks makes takes
    gets goes comes knows thinks believes feels seems appears remains becomes joins regards denies
    hopes plans admits insists agrees claims warns faces leads runs owns keeps holds wins shows
    points urges calls hits gives puts sees wears teams stays spends uses tries helps""".split()
)
_ED_NOUNS = frozenset("red bed need seed feed shed speed breed greed steed hundred led bred sled".split())
_CLAUSE_WORDS = frozenset(
    "that when while because if where and but as who which whom whose though although".split()
)
_PREPOSITIONS = frozenset(
    """of in on at by from with to for into onto over under about against between through during
    without within after before since until toward towards across around near via per like than
    upon amid among""".split()
)
_DETERMINERS = frozenset("the a an his her its their our my your this that these those".split())
_QUANTIFIERS = frozenset(
    "one two three four five six several some many most all none each both another".split()
)
_PERSONAL = frozenset("he she they it we i".split())
_PRONOUN_KIND = {"he": "person", "she": "person", "they": "any", "it": "org", "we": "any", "i": "any"}
_TIME_WORDS = frozenset("today yesterday tomorrow tonight now then later earlier recently".split())


def _is_verbish(word: str) -> bool:
    w = word.lower().strip(".,;:!?")
    return (
        w in _VERB_FORMS
        or w in _AUXILIARIES
        or w in _IRREGULAR
        or w in _S_VERBS
        or w.endswith("n't")
        or (len(w) > 3 and w.endswith("ed") and w not in _ED_NOUNS)
    )


def _is_content(word: str) -> bool:
    """A lowercase word that can sit inside a noun phrase: not a verb, preposition or pronoun."""
    w = word.lower().strip(".,;:!?")
    return bool(w) and not (
        _is_verbish(w)
        or w in _PREPOSITIONS
        or w in _CLAUSE_WORDS
        or w in _PERSONAL
        or w in _TIME_WORDS
        or w in _STOPWORDS
        or (w.endswith("ly") and len(w) > 4)
    )


_WORD_RE = re.compile(r"\S+")


def _np_suffix(part: str) -> tuple[str, int] | None:
    """The noun phrase ending ``part``: "... to his daughter Princess Eugenie" -> "his daughter ..."."""
    backwards = ((m.group()[::-1].strip(",;:"), len(part) - m.end()) for m in _WORD_RE.finditer(part[::-1]))
    read: list[tuple[str, int]] = []  # words from the end, read lazily: the phrase is short

    def word(k: int) -> str | None:
        """The ``k``-th word from the end (0 is the last), or None before the first."""
        while len(read) <= k:
            nxt = next(backwards, None)
            if nxt is None:
                return None
            read.append(nxt)
        return read[k][0]

    k, first, lowers = 0, None, 0
    while (w := word(k)) is not None:
        lw = w.lower()
        if w[:1].isupper() or w[:1].isdigit():
            first = k
        elif (
            lw in ("of", "&")
            and first is not None
            and (before := word(k + 1)) is not None
            and (before[:1].isupper() or before.lower() in _QUANTIFIERS)
        ):
            first = k
        elif lw in _DETERMINERS and first is not None:
            first = k
            if (word(k + 1) or "").lower() == "of" and (word(k + 2) or "").lower() in _QUANTIFIERS:
                first = k + 2  # "one of the group"
                while (
                    (before := word(first + 1)) is not None and before[:1].isupper() and not _is_stop(before)
                ):
                    first += 1  # "Abu Ibrahim Raqqawi one of the group's founders"
            break
        elif lw in _QUANTIFIERS and first is not None:
            first = k
            break
        elif _is_content(w) and lowers < 4:
            first, lowers = k, lowers + 1
        else:
            break
        k += 1
    if first is None:
        return None
    start = read[first][1]
    return part[start:].strip(" ,;:"), start


def _is_stop(word: str) -> bool:
    return word.lower().strip(",;:.") in _STOPWORDS


_LEADING_ADVERBS = frozenset("and but so now then meanwhile however also yet still even just finally".split())


def _np_prefix(part: str) -> tuple[str, int] | None:
    """The noun phrase starting ``part``: "ESPN's Britt McHenry this week found ..." -> "ESPN's ..."."""
    words = ((m.group(), m.start()) for m in _WORD_RE.finditer(part))  # read lazily: the phrase is short
    first = next((w for w in words if w[0].lower().strip(",") not in _LEADING_ADVERBS), None)
    if first is None:
        return None
    last, previous = None, ""
    for w, at in chain([first], words):
        core = w.strip(",;:.!?")
        lw = core.lower()
        if not core:
            break
        if core[:1].isupper() or core[:1].isdigit():
            last = (w, at)
        elif lw in _DETERMINERS or lw in _QUANTIFIERS:
            if last is not None and not (lw in _DETERMINERS and previous.lower() == "of"):
                break
        elif lw == "of" and last is not None:
            pass
        elif lw in _PERSONAL and at == first[1]:
            last = (w, at)
            break
        elif _is_content(core):
            last = (w, at)
        else:
            break
        if w[-1:] in ",;:.":
            break
        previous = w
    if last is None:
        return None
    start, end = first[1], last[1] + len(last[0])
    phrase = part[start:end].strip(" ,;:.")
    while phrase.lower().endswith(" of"):
        phrase = phrase[:-3]
    return (phrase, start) if phrase else None


# --- names ---------------------------------------------------------------------------------------

_TITLES = frozenset(
    """mr mrs ms miss mx dr prof professor sir lady lord dame prince princess king queen duke
    duchess earl baroness baron sister brother father fr rev reverend pastor rabbi imam bishop
    archbishop cardinal pope saint gen general maj major col colonel capt captain lt lieutenant
    sgt sergeant cpl corporal pte private spc adm admiral cmdr commander det detective insp
    inspector supt superintendent constable pc president vice senator sen rep representative
    congressman congresswoman gov governor mayor judge justice chancellor premier sheriff
    ambassador minister secretary deputy chief first officer director chairman chairwoman chair
    ceo cfo coo executive manager coach boss head spokesman spokeswoman spokesperson witness
    agent investigator prosecutor attorney lawyer dj mp mep qc kc jr sr obe mbe cbe phd md
    grandmother grandfather leader prime""".split()
)
_TRAILING_TITLES = frozenset("mp mep qc kc jr sr obe mbe cbe phd md".split())
_ORG_WORDS = frozenset(
    """agency administration association army navy bank board bureau centre center church city
    club college command commission committee company corp corporation council court department
    office federation force foundation government group hospital house inc institute league ltd
    ministry museum news organisation organization party police post press school service society
    times trust union united university journal daily network airlines airways stadium park road
    street avenue square hall palace airport station channel radio online magazine media telegraph
    guardian mail express herald tribune gazette review reports report authority authorities fc
    rovers athletic wanderers town county state states republic kingdom nations festival show
    championship cup tour open games olympics plc llc studios records township village""".split()
)
_STOPWORDS = frozenset(
    """the a an and but or so yet for nor if when while after before because as since though
    although this that these those there here it its he she they we i you his her their our my
    your in on at by from with to of into over under about among between during without within
    not no yes also then now meanwhile however finally today yesterday tomorrow earlier later last
    next first one two three some many most more all both each every other such what which who
    whom whose where why how sure well oh scroll dear former ex late then-""".split()
)
_CALENDAR = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december""".split()
)
_NAME_MONTHS = frozenset("april may june august".split())  # also names: Theresa May, June Smith
_MONTH_CUES = _PREPOSITIONS | {"last", "next", "this", "early", "late", "mid", "every", "each"}  # "in May"
_CAP_RUN = re.compile(
    r"(?<![\w'\u2019-])(?:[A-Z][\w'\u2019&.@-]*)"
    r"(?:[ \t\u00a0]+(?:(?:of|van|von|de|der|den|da|di|du|la|le|bin|al|el|y|&)[ \t\u00a0]+)?"
    r"[A-Z][\w'\u2019&.@-]*)*"
)
_POSSESSIVE_END = re.compile(r"['\u2019]s?$")
_DIGIT_NEXT = re.compile(r"\s*\d")  # "May 5"
# The role a name is described with just after it: "X, the director,".
_ROLE_AFTER = re.compile(r"\s*,\s*(?:the|a|an|his|her|its|their)?\s*([^,.;:]{1,80}?)\s*[,.]")
_LOCATIVE = re.compile(
    r"\b(?:in|at|from|near|across|outside|inside|into|towards?|around|through)\s+(?:the\s+)?$", re.I
)
_DESCRIPTOR_BEFORE = re.compile(r"\b(?:[Tt]he|[Aa]n?)\s+(?:[a-z0-9][\w-]*\s+){0,3}$")
_AGE_AFTER = re.compile(r"\s*,\s*(\d{1,3})\s*,")
_ORG_NOUNS = frozenset(
    """agency administration company firm club group organisation organization department ministry
    government council police force team party union board authority service network channel
    station newspaper paper magazine website airline carrier bank charity""".split()
)
_DOCUMENT_NOUNS = frozenset(
    "statement letter memo document report note email message affidavit release filing briefing".split()
)
_AUTHOR = re.compile(
    r"\b(?:prepared|written|drawn up|compiled|issued|published|produced|authored|signed)\s+by\s+"
    r"(?:the\s+)?([A-Z][\w'\u2019&.-]*(?:\s+(?:of\s+)?[A-Z][\w'\u2019&.-]*)*)"
)


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    tokens: tuple[str, ...]  # the name, titles and descriptors dropped
    org: bool  # an organisation or a place: never the referent of "he" or "she"
    titled: bool  # a personal title or role word came before it: Mr, Dr, Prince, spokesman X
    subject: bool = False  # it is the subject of a verb, perhaps after an appositive
    reporter: bool = False  # ... of a reporting verb: "Jassem, told the group"
    modifier: bool = False  # it modifies a noun: "French Maid outfits", "NASA information"
    age: str | None = None  # "69" from "Pat Ingles, 69,"


def _clean_token(tok: str) -> str:
    if not re.fullmatch(r"(?:[A-Z]\.)+", tok):
        tok = tok.rstrip(".")
    return _POSSESSIVE_END.sub("", tok)


def _is_title(tok: str) -> bool:
    return tok.lower().rstrip(".") in _TITLES


def _name_tokens(raw: list[str]) -> tuple[list[str], bool, bool]:
    """Clean a capitalized run into (name tokens, is_org, had_title), reading its last
    ``NAME_MAX_TOKENS`` tokens once."""
    toks = raw[-NAME_MAX_TOKENS:]
    lo, hi, titled = 0, len(toks), False
    # "Scotland's Deputy First Minister John Swinney": keep what follows the last title or role
    # that a name follows (the first word after it that is no title is not "of" or "&")
    follows: str | None = None  # the first token after ``k`` that is not a title
    for k in range(len(toks) - 1, -1, -1):
        if k < len(toks) - 1 and follows not in (None, "of", "&") and _is_title(toks[k]):
            lo, titled = k + 1, True
            break
        if not _is_title(toks[k]):
            follows = toks[k]
    while lo < hi and (
        toks[lo].lower().rstrip(".") in _STOPWORDS
        or _is_title(toks[lo])
        or re.search(r"-[a-z]", toks[lo])
        or toks[lo] in ("of", "&")
    ):
        titled = titled or _is_title(toks[lo])
        lo += 1
    while hi - lo > 1 and _POSSESSIVE_END.search(toks[lo]):
        lo += 1  # "ESPN's Britt McHenry"
    while hi > lo and (toks[hi - 1].lower().rstrip(".") in _TRAILING_TITLES or toks[hi - 1] in ("of", "&")):
        hi -= 1
    toks = toks[lo:hi]
    org = any(
        t.lower().rstrip(".'\u2019s") in _ORG_WORDS or t.lower().rstrip(".") in _ORG_WORDS for t in toks
    ) or (len(toks) == 1 and len(toks[0]) > 1 and toks[0].rstrip(".'\u2019s").isupper())
    cleaned = [_clean_token(t) for t in toks]
    return [t for t in cleaned if t], org, titled


def _near(a: str, b: str) -> bool:
    """Edit distance at most one, for misspelt second mentions ("Khoo" for "Choo")."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 4:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:k] + long_[k + 1 :] == short for k in range(len(long_)))


class _Names:
    """The capitalized names of one article, with salience and resolution helpers."""

    def __init__(self, text: str, masked: str, starts: list[int]) -> None:
        self.text, self.masked, self.starts = text, masked, starts
        self.lower_words = set(re.findall(r"(?<![\w'\u2019-])[a-z][a-z'\u2019-]*", masked))
        self.mentions: list[_Mention] = []
        self.roles: dict[str, list[tuple[int, _Mention]]] = {}  # role word -> (position, mention)
        sentence_starts = set(starts)
        for m in _CAP_RUN.finditer(masked):
            deadline.check()
            at_start = (
                m.start() in sentence_starts
                or not masked[max(0, m.start() - 3) : m.start()].strip(" :")
                or masked[max(0, m.start() - 2) : m.start()].strip() in (":",)
            )
            raw = [(t.group(), m.start() + t.start()) for t in _WORD_RE.finditer(m.group())]
            if (
                at_start
                and raw
                and not _is_title(raw[0][0])
                and ((self._common(raw[0][0]) and not self._name_month(raw)) or raw[0][0].endswith("ing"))
            ):
                raw = raw[1:]  # "The", "Among", "Announcing" opening a sentence; "Judge" is a title
            raw = [(t, p) for k, (t, p) in enumerate(raw) if not self._calendar(raw, k)]
            if not raw or all(self._common(t) for t, _ in raw):
                continue
            for chunk in self._breaks(raw):
                for piece in self._split(chunk):
                    self._add(piece, m.end())
        self._index()
        self.persons = self._person_names()

    def _calendar(self, raw: list[tuple[str, int]], k: int) -> bool:
        """A day or month, not part of a name: "Tuesday", "May 5", "in June Smith", but not
        "Theresa May", "Mrs May" or "June Smith"."""
        tok, pos = raw[k]
        low = tok.lower().rstrip(".")
        if low not in _CALENDAR:
            return False
        if low not in _NAME_MONTHS or _DIGIT_NEXT.match(self.masked, pos + len(tok)):
            return True
        if k == 0:
            if len(raw) < 2 or raw[1][0].lower().rstrip(".") in _CALENDAR or raw[1][0] in ("of", "&"):
                return True
            word = re.search(r"([\w-]+)\W*$", self.masked[max(0, pos - 20) : pos])
            return bool(word) and (word.group(1).lower() in _MONTH_CUES or word.group(1).isdigit())
        before = raw[k - 1][0].lower().rstrip(".")
        return before in _CALENDAR or before in _STOPWORDS

    def _name_month(self, raw: list[tuple[str, int]]) -> bool:
        """The run opens with a month used as a first name: "June Smith"."""
        return raw[0][0].lower() in _NAME_MONTHS and not self._calendar(raw, 0)

    def _common(self, tok: str) -> bool:
        low = tok.lower().rstrip(".")
        return low in _STOPWORDS or low in _CALENDAR or _POSSESSIVE_END.sub("", low) in self.lower_words

    @staticmethod
    def _breaks(raw: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
        """Cut a run where a sentence or caption ends inside it: "Armenia. Turkey", "Menorca While Pat"."""
        chunks: list[list[tuple[str, int]]] = [[]]
        for k, (tok, pos) in enumerate(raw):
            joins = tok in ("of", "&") and k + 1 < len(raw) and chunks[-1][-1:]
            if joins and chunks[-1][-1][0].lower().rstrip(".") in _ORG_WORDS:
                chunks[-1].append((tok, pos))  # "Bank of England", "University of Leeds": one name
                continue
            if chunks[-1] and tok.lower() in _STOPWORDS:
                chunks.append([])
                continue
            chunks[-1].append((tok, pos))
            bare = tok.rstrip(".").lower()
            if tok.endswith(".") and not (bare in _ABBREVIATIONS or len(bare) == 1 or "." in bare):
                chunks.append([])
        return [c for c in chunks if c]

    @staticmethod
    def _split(raw: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
        """ "United Nations Samantha Power" -> an organisation, then a person."""
        words = [t.lower().rstrip(".") for t, _ in raw]
        org_at = [k for k, w in enumerate(words) if w in _ORG_WORDS]
        if org_at and len(raw) >= 4 and 2 <= len(raw) - org_at[-1] - 1 <= 3:
            k = org_at[-1] + 1
            if raw[k][0] not in ("of", "&"):
                return [raw[:k], raw[k:]]
        return [raw]

    def _add(self, raw: list[tuple[str, int]], run_end: int) -> None:
        tokens, org, titled = _name_tokens([t for t, _ in raw])
        if not tokens or (len(tokens) == 1 and self._common(tokens[0]) and not titled):
            return
        start = raw[0][1]
        end = raw[-1][1] + len(raw[-1][0])
        if (
            len(tokens) == 1
            and len(raw) == 1
            and not tokens[0].isupper()
            and _DESCRIPTOR_BEFORE.search(self.masked, max(0, start - 40), start)
        ):
            return  # "the 19-year-old Scot", "the Spaniard": a description, not a name
        mention = _Mention(start, end, tuple(tokens), org, titled)
        age = _AGE_AFTER.match(self.masked, end)
        if age:
            mention.age = age.group(1)
        if _LOCATIVE.search(self.masked, max(0, start - 16), start) or (
            self.mentions
            and self.mentions[-1].org
            and re.fullmatch(r",\s*", self.masked[self.mentions[-1].end : start])
            and _LOCATIVE.search(self.masked, max(0, self.mentions[-1].start - 16), self.mentions[-1].start)
        ):
            mention.org = True  # "in Santa Monica, Los Angeles": a place, never the referent of "he"
        mention.subject, mention.reporter = self._subject_after(end)
        nxt = re.match(r"\s+([a-z][\w-]*)", self.masked[end : end + 40])
        mention.modifier = bool(nxt and _is_content(nxt.group(1)) and end == run_end)
        self.mentions.append(mention)
        self._register_roles(mention, [t for t, _ in raw])

    def _subject_after(self, end: int) -> tuple[bool, bool]:
        """Is the name ending at ``end`` followed (after appositives) by a verb? A reporting verb?"""
        rest = self.masked[end : end + 600]
        pos, participle = 0, False
        for _ in range(4):
            peek = re.match(r"\s*,\s*([a-z][a-z'\u2019]*)", rest[pos:])
            if peek and _is_verbish(peek.group(1)):
                if not peek.group(1).endswith("ed"):
                    break  # ", enjoys pole dancing": the verb itself, not an appositive
                participle = True  # ", whipped out his iPad": a verb, or "pictured left": an appositive
            m = re.match(r"\s*(?:\([^)]{0,40}\)\s*)?,([^,.;:?!\"\u201c\u201d]{0,240})(?=,)", rest[pos:])
            if not m or len(m.group(1).split()) > APPOSITIVE_MAX_WORDS:
                break
            words = m.group(1).split()
            if (
                words
                and words[0].lower() not in ("who", "which", "whose")
                and any(_is_verbish(w) and not w.lower().endswith("ed") for w in words[1:])
            ):
                break  # ", the prince got his audience ...": a clause, not an appositive
            pos += m.end()
        nxt = re.match(
            r"\s*,?\s*(?:\([^)]{0,40}\)\s*)?(?:(?:also|then|later|previously|earlier|once|recently|"
            r"reportedly|allegedly|has|have|had|quickly|immediately|now|still|never)\s+)*([a-z][a-z'\u2019]*)",
            rest[pos:],
        )
        if not nxt:
            return participle, False
        word = nxt.group(1)
        return participle or _is_verbish(word), word in _VERB_FORMS

    def _register_roles(self, mention: _Mention, raw: list[str]) -> None:
        """The role nouns the article uses for a name: "spokesman X", "X, the director,", "X, 39,"."""
        words = {t.lower().rstrip(".") for t in raw} - {t.lower() for t in mention.tokens}
        before = re.search(
            r"([a-z][a-z-]*)\s*,?\s*$", self.masked[max(0, mention.start - 30) : mention.start]
        )
        if before and before.group(1) not in _STOPWORDS and before.group(1) not in _PREPOSITIONS:
            words.add(before.group(1))
        after = _ROLE_AFTER.match(self.masked, mention.end)
        if after and len(after.group(1).split()) <= 8:
            words.update(w.lower() for w in re.findall(r"[A-Za-z][\w-]*", after.group(1)))
        if mention.age:
            words.add(f"{mention.age}-year-old")
        for w in words - _STOPWORDS:
            self.roles.setdefault(w, []).append((mention.start, mention))

    def _person_names(self) -> set[tuple[str, ...]]:
        """Names with evidence of a person: a title, an age, a first name, a reporting verb."""
        persons: set[tuple[str, ...]] = set()
        for m in self.mentions:
            deadline.check()
            if m.org:
                continue
            if m.titled or m.age or m.reporter or (len(m.tokens) >= 2 and not m.modifier):
                persons.add(self.fullest_tokens(m.tokens))
        return persons

    def is_person(self, mention: _Mention) -> bool:
        return not mention.org and self.fullest_tokens(mention.tokens) in self.persons

    def _index(self) -> None:
        """Counts, first positions and lookup tables for ``fullest_tokens``; built once."""
        self._starts = [m.start for m in self.mentions]
        self._count: dict[tuple[str, ...], int] = {}
        self._first: dict[tuple[str, ...], int] = {}
        self._by_token: dict[str, list[tuple[str, ...]]] = {}
        self._by_initials: dict[str, list[tuple[str, ...]]] = {}
        self._by_tail: dict[tuple[str, int], list[tuple[str, ...]]] = {}  # (ending, length) of the last name
        self._fullest: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._passing: dict[str, list[int]] = {}  # a test's name -> the mentions that pass it
        self._casts: dict[tuple[int, str], tuple[_Mention | None, _Mention | None]] = {}
        self._openings: dict[int, tuple[str, int] | None] = {}
        for m in self.mentions:
            if m.tokens not in self._count:
                self._first[m.tokens] = m.start
                if 2 <= len(m.tokens) <= 4:
                    for t in set(m.tokens):
                        self._by_token.setdefault(t, []).append(m.tokens)
                    initials = "".join(w[0] for w in m.tokens if w[0].isupper())
                    self._by_initials.setdefault(initials, []).append(m.tokens)
                    last = m.tokens[-1]
                    alike = self._by_tail.setdefault((last[-3:].lower(), len(last)), [])
                    if len(alike) < FUZZY_MAX_NAMES:
                        alike.append(m.tokens)
            self._count[m.tokens] = self._count.get(m.tokens, 0) + 1

    def fullest_tokens(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """The fullest form of a name in the article: "Locke" -> "Gary Locke", "TSA" -> ..."""
        if len(tokens) != 1:
            return tokens
        cached = self._fullest.get(tokens)
        if cached is not None:
            return cached
        tok = tokens[0]
        ranked: list[tuple[int, int, int, tuple[str, ...]]] = []
        for cand in self._by_token.get(tok, ()):
            ranked.append((3 if cand[-1] == tok else 2, self._count[cand], -self._first[cand], cand))
        if tok.isupper() and len(tok) >= 2:
            for cand in self._by_initials.get(tok, ()):
                ranked.append((2, self._count[cand], -self._first[cand], cand))
        if not ranked and self._count.get(tokens, 0) <= 2:  # "Khoo", a misspelt "Ken Choo"
            for size in (len(tok) - 1, len(tok), len(tok) + 1):  # one edit away: a length at most one off
                for cand in self._by_tail.get((tok[-3:].lower(), size), ()):
                    if _near(tok, cand[-1]):
                        ranked.append((1, self._count[cand], -self._first[cand], cand))
        chosen = max(ranked)[3] if ranked else tokens
        self._fullest[tokens] = chosen
        return chosen

    def fullest(self, tokens: tuple[str, ...]) -> str:
        return " ".join(self.fullest_tokens(tokens))

    def name_of(self, mention: _Mention) -> str:
        """The speaker name for a mention; a known person at the end of a run-on wins."""
        toks = mention.tokens
        if len(toks) >= 3 and self.fullest_tokens(toks) not in self.persons:
            for k in (1, 2):
                tail = self.fullest_tokens(toks[-k:])
                if len(tail) >= 2 and tail in self.persons and tail != toks:
                    return " ".join(tail)
        return self.fullest(toks)

    def sentence_of(self, pos: int) -> int:
        return bisect_right(self.starts, pos) - 1

    def in_range(self, lo: int, hi: int) -> list[_Mention]:
        found = []
        for k in range(bisect_left(self._starts, lo), len(self.mentions)):
            m = self.mentions[k]
            if m.start >= hi:
                break
            if m.end <= hi:
                found.append(m)
        return found

    def last_before(self, pos: int, test: str, wanted: Callable[[_Mention], bool]) -> _Mention | None:
        """The nearest mention before ``pos`` that satisfies ``wanted``, a test named ``test``: the
        mentions that pass are found once per test, then each lookup is a bisection."""
        passing = self._passing.get(test)
        if passing is None:
            passing = self._passing[test] = [k for k, m in enumerate(self.mentions) if wanted(m)]
        k = bisect_left(passing, bisect_left(self._starts, pos)) - 1
        return self.mentions[passing[k]] if k >= 0 else None

    def last_described(
        self, role: str, pos: int, unless: Collection[tuple[str, ...]] = ()
    ) -> _Mention | None:
        """The last mention before ``pos`` that the article described as ``role``, skipping the
        names in ``unless``."""
        described = self.roles.get(role, [])
        for k in range(bisect_left(described, pos, key=lambda entry: entry[0]) - 1, -1, -1):
            mention = described[k][1]
            if self.fullest_tokens(mention.tokens) not in unless:
                return mention
        return None

    def _fits(self, m: _Mention, kind: str) -> bool:
        """Can a pronoun of ``kind`` ("person", "org" or "any") refer to ``m``?"""
        if kind == "person":
            return self.is_person(m)
        if kind == "org":
            return m.org or m.tokens[0].isupper()
        return m.org or self.is_person(m)

    def _cast(self, k: int, kind: str) -> tuple[_Mention | None, _Mention | None]:
        """Sentence ``k``'s last reporter (else last subject) and first mention that a pronoun of
        ``kind`` can refer to; read once per sentence and kind."""
        key = (k, kind)
        if key not in self._casts:
            inside = [m for m in self.in_range(self.starts[k], self.starts[k + 1]) if self._fits(m, kind)]
            reporters = [m for m in inside if m.reporter]
            subjects = [m for m in inside if m.subject]
            told = reporters[-1] if reporters else subjects[-1] if subjects else None
            self._casts[key] = (told, inside[0] if inside else None)
        return self._casts[key]

    def _opening_phrase(self, k: int) -> tuple[str, int] | None:
        """The noun phrase sentence ``k`` opens with, found once."""
        if k not in self._openings:
            self._openings[k] = _np_prefix(self.masked[self.starts[k] : self.starts[k + 1]])
        return self._openings[k]

    def resolve_pronoun(self, pronoun: str, pos: int, speakers: list[tuple[int, str]]) -> str | None:
        """The referent of "he", "she", "it", "they" at ``pos``."""
        kind = _PRONOUN_KIND.get(pronoun.lower(), "any")
        s = self.sentence_of(pos)
        lo = max(self.starts[s], pos - SENTENCE_WINDOW)
        same = [m for m in self.in_range(lo, pos) if self._fits(m, kind)]
        if same:
            subjects = [m for m in same if m.subject]
            return self.name_of(subjects[0] if subjects else same[-1])
        for k in range(s - 1, max(-1, s - 1 - PRONOUN_LOOKBACK_SENTENCES), -1):
            said = _said_between(speakers, self.starts[k], self.starts[k + 1])
            if said:
                return said
            told, first = self._cast(k, kind)
            if told:
                return self.name_of(told)
            if kind != "org":
                subj = self._opening_phrase(k)
                if (
                    subj
                    and subj[0].split()[0].lower() in ("the", "this")
                    and _head(subj[0]) not in _ORG_NOUNS
                ):
                    role = self.resolve_role(subj[0], self.starts[k] + subj[1], speakers)
                    if role:
                        return role
            if k == s - 1 and first:
                return self.name_of(first)
        before = self.last_before(pos, f"fits {kind}", lambda m: self._fits(m, kind))
        if before:
            return self.name_of(before)
        return speakers[-1][1] if speakers else None

    @cached_property
    def _author(self) -> re.Match[str] | None:
        """Who the article says wrote its document ("a memo prepared by X"), searched for once."""
        return _AUTHOR.search(self.masked)

    def resolve_role(self, phrase: str, pos: int, speakers: list[tuple[int, str]]) -> str | None:
        """ "the spokesman", "the 39-year-old", "the agency", "a statement" -> a name."""
        head = _head(phrase)
        if head in _DOCUMENT_NOUNS:
            author = self._author
            if author:
                found = self.in_range(author.start(1), author.end(1))
                return self.name_of(found[0]) if found else author.group(1)
        if head in _DOCUMENT_NOUNS or head in _ORG_NOUNS:
            recent = speakers and pos - speakers[-1][0] < CONTINUATION_CHARS
            if recent and (head in _DOCUMENT_NOUNS or tuple(speakers[-1][1].split()) not in self.persons):
                return speakers[-1][1]  # "the agency" is not the passenger quoted just before

            def named_org(m: _Mention) -> bool:
                return m.org and not _LOCATIVE.search(self.masked, max(0, m.start - 16), m.start)

            def called(m: _Mention) -> bool:  # "the council" after "Wandsworth Council"
                return named_org(m) and head in (t.lower() for t in m.tokens)

            org = (
                self.last_before(pos, f"called {head}", called)
                or self.last_before(pos, "subject org", lambda m: named_org(m) and m.subject)
                or self.last_before(pos, "org", named_org)
            )
            return self.name_of(org) if org else None
        registered = self.last_described(head, pos)
        if registered:
            return self.name_of(registered)
        person = self.last_before(
            pos,
            "salient person",
            lambda m: self.is_person(m) and bool(m.subject or m.titled or m.reporter or m.age),
        ) or self.last_before(pos, "person", self.is_person)
        return self.name_of(person) if person else None


def _said_between(speakers: list[tuple[int, str]], lo: int, hi: int) -> str | None:
    """The last speaker quoted in ``[lo, hi)``; ``speakers`` is in text order."""
    k = bisect_left(speakers, hi, key=lambda said: said[0]) - 1
    return speakers[k][1] if k >= 0 and speakers[k][0] >= lo else None


def _head(phrase: str) -> str:
    words = re.findall(r"[\w-]+", phrase.lower())
    return words[-1] if words else ""


# --- attribution ---------------------------------------------------------------------------------

_PHRASAL = r"(?:fires back|fired back|hit back|hits back|pointed out|points out|went on|goes on)"


def _by_first_letter(words: frozenset[str]) -> str:
    """An alternation of ``words``, longest first, grouped by first letter: the engine tries only
    the group that can match, not every word at every word start."""
    groups: dict[str, list[str]] = {}
    for word in sorted(words, key=len, reverse=True):
        groups.setdefault(word[0], []).append(word[1:])
    return "|".join(f"{first}(?:{'|'.join(rest)})" for first, rest in groups.items())


_VERB_RE = re.compile(
    r"\b(?:(?:had|has|have)\s+)?(?:"
    + _PHRASAL
    + "|"
    + _by_first_letter(_VERB_FORMS)
    + r")\b(?:\s+online\b|(?<=said)\s+to\s+(?:me|him|us|them|reporters)\b)?"
)
_ACCORDING = re.compile(r"\b[Aa]ccording to\b")
_TELL_OBJECT = re.compile(
    r"\s+(?:(?:me|him|her|us|them|you|reporters|journalists|police|officers|friends)\b"
    r"|the (?:court|jury|newspaper|paper|magazine|station|website|programme|program|show|BBC)\b"
    r"|(?:[Tt]he\s+)?[A-Z][\w'\u2019.&-]*(?:\s+(?:of\s+)?[A-Z][\w'\u2019.&-]*)*)"
)
_ADVERBS = re.compile(
    r"(?:\s+(?:also|then|later|previously|earlier|once|recently|reportedly|allegedly|simply|just|"
    r"quickly|patiently|angrily|calmly|finally|now|today|yesterday|can\s+(?:be|he)\s+heard|"
    r"(?!(?:family|rally|ally|belly|bully|jelly|assembly|supply|italy|sicily|emily|kelly|holly|"
    r"lily|molly|polly|sally|billy|dolly|reilly|daly|kiely|bradley|ely)\b)[a-z]{3,}ly))+\s*$"
)
_INTRO = re.compile(
    r"^(?:and|but|so|then|now|finally|meanwhile|however|also|yet|later|earlier|today|yesterday|"
    r"in|on|at|after|before|when|while|as|among|amid|speaking|asked|quoting|writing|since|during|"
    r"though|although|if|once|last|this|of course|for|with|without|despite|like|unlike|instead|"
    r"here|there|indeed|still|sadly|thankfully|fortunately|unfortunately|overall|again|then)\b",
    re.I,
)
_PARTICIPLE_INTRO = re.compile(r"^[A-Z]?[a-z]+ing\s+\S")  # "Announcing the deal, ..."
_CAPTION_WORDS = frozenset("left right centre center pictured above below top bottom inset".split())


@dataclass(frozen=True, slots=True)
class _Attribution:
    subject: str  # the raw subject phrase: "he", "Cardiff CEO Ken Choo", "a police spokesman"
    verb: str
    pos: int  # where the subject phrase sits in the text
    clause_end: int  # end of the attribution clause
    tight: bool = False  # the verb sits right before the opening mark: "He said: '"


def _verb_phrase(source: str, m: re.Match[str]) -> str:
    """The verb as reported, with the object of "told": "told CNN", "told the New York Post"."""
    verb = m.group()
    if verb.split()[-1] in ("told", "tells", "telling"):
        obj = _TELL_OBJECT.match(source, m.end())
        if obj:
            verb += obj.group().rstrip(".")
    return re.sub(r"\s+", " ", verb)


def _role_only(part: str) -> bool:
    words = re.findall(r"[\w'-]+", part.lower())
    return bool(words) and all(
        w in _TITLES or w in _CAPTION_WORDS or w in ("and", "of", "the") for w in words
    )


def _subject_phrase(left: str) -> tuple[str, int] | None:
    """The subject of a verb, given the sentence up to it: (phrase, offset into ``left``)."""
    left = _ADVERBS.sub("", left).rstrip(" ,;:\u2014\u2013-")
    parts: list[tuple[int, str]] = []
    pos = 0
    for piece in left.split(","):
        parts.append((pos, piece))
        pos += len(piece) + 1
    last = len(parts) - 1
    tail_word = re.search(r"(\w+)\W*$", parts[last][1])
    if tail_word and tail_word.group(1).lower() in _PERSONAL:
        return tail_word.group(1), parts[last][0] + tail_word.start(1)
    k, relative = last, False
    while k >= 0:
        off, piece = parts[k]
        st = piece.strip()
        lead = off + len(piece) - len(piece.lstrip())
        if not st:
            k -= 1
            continue
        first = st.split()[0].lower()
        if first in ("who", "which", "whose"):
            relative = relative or len(st.split()) == 1
            k -= 1
            continue
        if k > 0 and parts[k - 1][1].strip() and _role_only(parts[k - 1][1]):
            k -= 2  # "Mark Diffley, Director, Ipsos MORI Scotland said"
            continue
        if k > 0 and (_role_only(st) or re.fullmatch(r"\d{1,3}", st)):
            k -= 1  # ", 85," ", left,"
            continue
        previous = parts[k - 1][1].strip() if k > 0 else ""
        if (
            previous
            and not _INTRO.match(previous)
            and first not in _PERSONAL
            and (
                (st[0].islower() and first not in ("the", "a", "an"))
                or (
                    (first in ("the", "a", "an") or _possessive_role(st))
                    and re.search(r"[A-Z][\w'\u2019-]*\W*$", previous)
                )
            )
        ):
            k -= 1  # "Simon Danczuk, the Labour politician who ..., said", "Peskov, Putin's spokesman, said"
            continue
        if (_INTRO.match(st) or _PARTICIPLE_INTRO.match(st)) and k < last and not relative:
            return None
        words = st.split()
        if words[-1].lower() in ("and", "but"):
            return _shift(_np_prefix(st), lead)
        if relative:
            runs = list(_CAP_RUN.finditer(st))
            return (runs[-1].group(), lead + runs[-1].start()) if runs else None
        busy = any(
            _is_verbish(w)
            or w.lower().strip(",.") in _CLAUSE_WORDS
            or re.fullmatch(r"[A-Za-z][a-z]{3,}ing", w)
            for w in words
        )
        if not busy and len(words) <= SUBJECT_MAX_WORDS and not _INTRO.match(st):
            return st, lead
        found = _np_suffix(st)
        ahead = re.search(r"(\w+)\s*$", st[: found[1]]) if found else None
        lead_np = _np_prefix(st) if ahead and ahead.group(1).lower() in _PREPOSITIONS - {"by"} else None
        lead_words = lead_np[0].split() if lead_np else []
        if (
            lead_words[1:]
            and lead_words[0].lower() in _DETERMINERS | _QUANTIFIERS
            and lead_words[1].islower()
        ):
            found = lead_np  # "The man held in London said": not London ("prepared by X" is X)
        return _shift(found, lead)
    return None


_POSSESSIVE_LEAD = re.compile(r"[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*)*['\u2019]s?\s+(?=[a-z])")


def _possessive_role(piece: str) -> bool:
    """A description owned by a name, with no verb: "Putin's spokesman", "Britain's top diplomat"."""
    lead = _POSSESSIVE_LEAD.match(piece)
    return bool(lead) and not any(_is_verbish(w) for w in piece[lead.end() :].split())


def _participle_subject(left: str) -> tuple[str, int] | None:
    """The subject a trailing participle ("..., saying: '") hangs on: that of the clause before it."""
    offsets, pos = [], 0
    for piece in left.split(","):
        offsets.append((pos, piece))
        pos += len(piece) + 1
    for off, piece in reversed(offsets):
        st = piece.strip()
        if not st:
            continue
        first = st.split()[0].lower()
        if _INTRO.match(st) or first in ("who", "which", "whose") or _is_verbish(first):
            continue
        found = _np_prefix(piece)
        if found:
            return found[0], off + found[1]
    return None


def _shift(found: tuple[str, int] | None, by: int) -> tuple[str, int] | None:
    return (found[0], found[1] + by) if found else None


def _valid_subject(phrase: str) -> bool:
    words = phrase.split()
    if not words or len(words) > SUBJECT_MAX_WORDS:
        return False
    first = words[0].lower()
    if first in _PERSONAL:
        return True
    if first in _PREPOSITIONS or first in _CLAUSE_WORDS:
        return False
    return bool(re.search(r"[A-Z]", phrase)) or first in _DETERMINERS or first in _QUANTIFIERS


_DESCRIBED_AFTER = re.compile(
    r"\s*((?:the|a|an|one|another|some|several|two|three)\s+[a-z0-9][^,]*?)"
    r"(?=\s+(?:while|who|as|after|before|when|in|on|at|from|during|outside|to)\b|,|$)"
)  # an inverted attribution to a description with no name: ",' tweeted the company."


def _after_attribution(text: str, masked: str, span: _Span) -> _Attribution | None:
    """ ",' he said." / ",' said Locke while ..." / ",' according to Claire Putnam, ..."."""
    if not span.closed:
        return None
    at = span.end + 1
    while at < len(masked) and masked[at] in _FAMILY:
        at += 1
    window = masked[at : at + AFTER_WINDOW]
    lead = re.match(r"\s*[,\u2014\u2013-]?\s*", window)
    body = lead.end() if lead else 0
    clause_all = window[body:]
    if not clause_all or not (clause_all[0].isalpha() or clause_all[0].isdigit()):
        return None
    ending = text[span.start : span.end].rstrip()[-1:]
    lower_start = clause_all[0].islower()
    if ending == "." and not lower_start:
        return None  # "'... preferred.' Cardiff City Supporters Club Chairman Clive Francis said, '"
    if ending not in ",?!\u2014\u2013-\u2026" and ending != "." and not lower_start:
        return None  # a caption or a new sentence follows an unpunctuated quote
    stop = re.search(r"[.?!;:](?=\s|$)|(?<!\w)['\u2019]|['\u2019](?!\w)|[\"\u2018\u201c\u201d]", clause_all)
    clause = clause_all[: stop.start()] if stop else clause_all
    begin = at + body
    acc = _ACCORDING.match(clause)
    if acc:
        np = re.match(r"\s*([^,]+)", clause[acc.end() :])
        if np:
            return _Attribution(
                np.group(1).strip(), "according to", begin + acc.end() + np.start(1), begin + len(clause)
            )
    verb = _VERB_RE.search(clause)
    if not verb:
        return None
    before = clause[: verb.start()].strip()
    if before:  # "he said", "Cardiff CEO Ken Choo said in a statement"
        if not _valid_subject(before) or re.search(r"\b(?:that|and|but|who|which|because)\b", before):
            return None
        rest = clause[verb.end() :]
        if re.match(
            r"\s+(?:that|it|he|she|they|we|the|a|an|his|her|their)\b", rest
        ) and not verb.group().startswith(("told", "tell", "ask")):
            return None  # "Julia said she ...": reported speech; "she asked the jury" is not
        found = _subject_phrase(clause[: verb.start()])
        if found is None:
            return None
        return _Attribution(found[0], _verb_phrase(clause, verb), begin + found[1], begin + len(clause))
    # "said Locke while ...", "added Evelyn Mazzocco, General Manager ...", "said Myer ..., Daniel Bracken."
    after_verb = clause[verb.end() :]
    if verb.group().split()[-1] in ("told", "tells"):
        return None
    np = re.match(
        r"\s*((?:[a-z][\w-]*\s+){0,3}[A-Z0-9][^,]*?)(?=\s+(?:while|who|as|after|before|when|in|on|at|of|from|during|outside|to)\b|,|$)",
        after_verb,
    )
    if np and not _valid_subject(np.group(1)):
        np = None
    np = np or _DESCRIBED_AFTER.match(after_verb)  # "wrote the user", "said a spokesman for the police"
    if not np:
        return None
    phrase = np.group(1).strip()
    named = re.match(
        r"\s*,\s*([A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*){1,3})\s*(?:,|$)", after_verb[np.end() :]
    )
    offset = verb.end() + np.start(1)
    if named and any(_is_title(t) for t in phrase.split()):
        phrase = named.group(1)  # "said Myer Chief Merchandise Officer, Daniel Bracken"
        offset = verb.end() + np.end() + named.start(1)
    return _Attribution(phrase, _verb_phrase(clause, verb), begin + offset, begin + len(clause))


def _before_attribution(masked: str, span: _Span, sentence_start: int) -> _Attribution | None:
    """ "He said: '", "X, the spokesman, said '", "NASA said Tuesday that ... had '", "According to X, '".

    Read from the sentence start, or from a word start ``SENTENCE_WINDOW`` characters back when
    the "sentence" is longer (a run of quotes with no sentence end between them)."""
    lo = _window_start(masked, sentence_start, span.mark_start)
    pre = masked[lo : span.mark_start]
    if not pre.strip():
        return None
    verbs = list(_VERB_RE.finditer(pre))
    accs = list(_ACCORDING.finditer(pre))
    if accs and (not verbs or accs[-1].start() > verbs[-1].start()):
        acc = accs[-1]
        np = re.match(r"\s*([^,]+)", pre[acc.end() :])
        if np and np.group(1).strip():
            return _Attribution(
                np.group(1).strip(), "according to", lo + acc.end() + np.start(1), span.mark_start
            )
    if not verbs:
        return None
    verb = verbs[-1]
    verb_text = _verb_phrase(pre, verb)
    tight = bool(re.fullmatch(r"[^.?!'\"]{0,50}?[:,]?\s*", pre[verb.end() :])) and pre.rstrip()[-1:] in ":,"
    left = pre[: verb.start()]
    if verb.group().endswith("ing") and left.rstrip().endswith(","):
        found = _participle_subject(left)  # "The royal, who ..., introduced ..., saying: '"
    else:
        found = _subject_phrase(left)
    if found is None or not _valid_subject(found[0]):
        return None
    return _Attribution(found[0], verb_text, lo + found[1], span.mark_start, tight)


def _window_start(text: str, start: int, end: int) -> int:
    """Where to read the text before ``end`` from: ``start``, or the first word start in the last
    ``SENTENCE_WINDOW`` characters when ``start`` lies further back."""
    lo = end - SENTENCE_WINDOW
    if lo <= start:
        return start
    word = _WORD_START.search(text, lo, end)
    return word.start() if word else lo


_WORD_START = re.compile(r"(?<!\S)\S")
_DOCUMENT_SOURCE = re.compile(r"\s+(?:issued\s+|released\s+|sent\s+)?(?:from|by)\s+(.+)")  # its author
_OF_ROLE = re.compile(r"(?:the|a|an)\s+(?:[a-z][\w'\u2019-]*\s+){0,2}?([a-z][\w-]*)\s+(?:of|to|for)\s+\S")
_OWNED_LEAD = re.compile(r"(?:the|a|an|his|her|its|their)\s+[a-z][\w-]*['\u2019]s?\s+")  # "the magazine's"
# People named by their tie to someone else ("Smith's wife", "an aide to X"): never that someone.
_RELATION_NOUNS = frozenset(
    """mother wife husband son daughter family friend partner girlfriend boyfriend fiancee fiance
    widow widower uncle aunt cousin niece nephew neighbour neighbor aide adviser advisor diplomat
    envoy ally colleague teammate""".split()
)


def _owned_role(phrase: str, core: str) -> str:
    """The role noun of a person described by a tie to someone or something else, or "".

    "Putin's spokesman", "the mother of Tom Price", "a spokesman for the police" and "the
    magazine's columnist" are none of Putin, Tom Price, the police or the magazine; but
    "Kaiser Permanente's form" is Kaiser Permanente's.
    """
    head = _head(core)
    of_role = _OF_ROLE.match(phrase)
    if of_role:
        role = of_role.group(1)
        return role if role in _TITLES or role in _RELATION_NOUNS else ""
    if not core.split()[-1][:1].islower():
        return ""
    if _POSSESSIVE_LEAD.match(core):
        return head if head in _TITLES or head in _RELATION_NOUNS else ""
    return head if _OWNED_LEAD.match(core) and head not in _DOCUMENT_NOUNS else ""


def _speaker(names: _Names, phrase: str, pos: int, speakers: list[tuple[int, str]]) -> str | None:
    """Turn a subject phrase into the speaker's fullest name, or the description used."""
    phrase = re.sub(r"\s+", " ", phrase.strip(" ,;:"))
    words = phrase.split()
    if not words:
        return None
    low = phrase.lower()
    if low in _PERSONAL:
        return names.resolve_pronoun(low, pos, speakers)
    core = _cut_at_preposition(phrase)
    source = _DOCUMENT_SOURCE.match(phrase, len(core)) if _head(core) in _DOCUMENT_NOUNS else None
    if source and (
        names.in_range(pos + source.start(1), pos + len(phrase) + 1) or _head(source.group(1)) in _ORG_NOUNS
    ):  # "a statement from the Home Office": the body that issued it
        return _speaker(names, source.group(1), pos + source.start(1), speakers)
    runs = names.in_range(pos, pos + len(core) + 1)
    first = words[0].lower()
    head_word = core.split()[-1] if core.split() else ""
    role = _owned_role(phrase, core)
    if role:  # "Putin's spokesman", "the mother of X", "the magazine's columnist": not X, not anyone
        owners = {names.fullest_tokens(m.tokens) for m in names.in_range(pos, pos + len(phrase) + 1)}
        described = names.last_described(role, pos, owners)  # someone described so earlier, never the owner
        return names.name_of(described) if described else _describe(phrase)
    head_is_name = bool(runs) and head_word[:1].isupper()
    if head_is_name:
        chosen = runs[-1]
        if (
            len(runs) >= 2
            and chosen.org
            and names.is_person(runs[-2])
            and re.fullmatch(r"\s+of\s+(?:the\s+)?", names.masked[runs[-2].end : chosen.start])
        ):
            chosen = runs[-2]  # "Tom Price of Leeds United": the person, not where they are from
        single = len(chosen.tokens) == 1
        if single and (
            _is_title(chosen.tokens[0])
            or (
                first in ("the", "a", "an")
                and not chosen.tokens[0].isupper()
                and chosen.tokens not in names.persons
            )
        ):
            return names.resolve_role(core, pos, speakers) or _describe(phrase)
        return names.name_of(chosen)
    people = [m for m in runs if names.is_person(m)]
    if people:
        return names.name_of(people[-1])  # "Abu Ibrahim Raqqawi one of the group's founders"
    if runs and runs[0].start == pos and first not in _DETERMINERS and first not in _QUANTIFIERS:
        return names.name_of(runs[0])  # "NASA information on ...", "Kaiser Permanente's form"
    if first in ("a", "an", "another") or first in _QUANTIFIERS:
        if _head(core) in _DOCUMENT_NOUNS:
            return names.resolve_role(core, pos, speakers)
        return _describe(phrase)
    if first in _DETERMINERS:
        return names.resolve_role(core, pos, speakers) or _describe(phrase)
    if len(words) == 1 and words[0][:1].isupper():  # "May said": a word the name pass took for a month
        return names.fullest((_clean_token(words[0]),))
    return phrase


def _describe(phrase: str) -> str:
    """A description as the speaker: "A Sandown spokesman" -> "a Sandown spokesman"."""
    first = phrase.split()[0]
    if first in ("A", "An", "One", "Two", "Three", "Some", "Several", "Another", "The"):
        return first.lower() + phrase[len(first) :]
    return phrase


def _cut_at_preposition(phrase: str) -> str:
    """The head noun phrase: "The memo for members of Congress" -> "The memo"."""
    words = phrase.split()
    for k, w in enumerate(words[1:], start=1):
        lw = w.lower()
        if lw in _PREPOSITIONS and not (
            lw == "of"
            and ((k + 1 < len(words) and words[k + 1][:1].isupper()) or words[k - 1].lower() in _QUANTIFIERS)
        ):
            return " ".join(words[:k])
    return phrase


# --- the pass ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Resolved:
    speaker: str | None
    verb: str | None


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


def extract_quotes(text: str, *, min_words: int = 4) -> list[Quote]:
    """All direct quotations that are statements, in article order, with speaker and verb."""
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
    reported: dict[tuple[int, int], bool] = {}  # sentence -> has a reporting verb
    for span in spans:
        deadline.check()
        if not _is_statement(text, span, min_words):
            continue
        s = names.sentence_of(span.mark_start)
        sentence = (starts[s], starts[s + 1] if s + 1 < len(starts) else len(text))
        if _is_scare_quote(text, masked, span, sentence, reported):
            continue
        after = _after_attribution(text, masked, span)
        before = _before_attribution(masked, span, starts[s])
        attribution = before if before and (before.tight or not after) else after
        if attribution is not None:
            resolved = _Resolved(
                _speaker(names, attribution.subject, attribution.pos, speakers), attribution.verb
            )
            confidence = _confidence(tails, resolved, attribution.subject)
        else:
            resolved = _continuation(
                names, masked, span, previous, previous_after, previous_resolved, speakers, starts[s]
            )
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
        )
        if quote.text.strip() and text[quote.start : quote.end] == quote.text:
            quotes.append(quote)
        previous, previous_resolved = span, resolved
        previous_after = after if attribution is after else None
    return quotes


# How sure the speaker is, by how the attribution named them. A name in the attribution clause
# itself ("said Harriet Blake") is as sure as these rules get; a pronoun or a role noun resolved to
# someone earlier, or a quote with no clause of its own, is a guess a reader may not be shown.
NAMED_CONFIDENCE = 0.95
RESOLVED_CONFIDENCE = 0.6
CONTINUATION_CONFIDENCE = 0.5
# "according to X": X may be the outlet that reported someone else's words.
ACCORDING_TO_CONFIDENCE = 0.6
# A speaker that does not look like a name as a reader knows it ("Yep", "EXPERT VERDICT").
ODD_NAME_CONFIDENCE = 0.3
_DETERMINER_START = re.compile(r"^(?:the|a|an|his|her|its|their|our|one|two|three|another|some)\b", re.I)


_NAME_RUN = re.compile(r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)+")


def _name_tails(text: str) -> frozenset[str]:
    """Every word that follows another capitalised word somewhere in ``text``: a surname named in
    full ("Harriet Blake") makes "Blake" alone a name. One pass over the text."""
    return frozenset(w for m in _NAME_RUN.finditer(text) for w in m.group().split()[1:])


def _looks_like_a_name(tails: frozenset[str], speaker: str) -> bool:
    """Two or more capitalised words, not shouted; or one that the article also uses inside a
    longer name (a surname named in full earlier). A description ("the mother") passes too."""
    if _DETERMINER_START.match(speaker):
        return True
    words = speaker.split()
    if any(len(w) > 2 and w.isupper() for w in words):
        return False
    capitalised = [w for w in words if w[:1].isupper()]
    if len(capitalised) >= 2:
        return True
    if len(capitalised) == 1:
        return capitalised[0] in tails
    return False


def _confidence(tails: frozenset[str], resolved: _Resolved, subject: str | None) -> float:
    """0-1: how likely the quote's speaker is right (see the constants above)."""
    if not resolved.speaker:
        return 0.0
    if subject is None:
        score = CONTINUATION_CONFIDENCE
    else:
        phrase = subject.strip(" ,;:").lower()
        resolved_elsewhere = phrase in _PERSONAL or _DETERMINER_START.match(phrase) is not None
        score = RESOLVED_CONFIDENCE if resolved_elsewhere else NAMED_CONFIDENCE
    if resolved.verb and resolved.verb.lower().startswith("according"):
        score = min(score, ACCORDING_TO_CONFIDENCE)
    if not _looks_like_a_name(tails, resolved.speaker):
        score = min(score, ODD_NAME_CONFIDENCE)
    return score


def _continuation(
    names: _Names,
    masked: str,
    span: _Span,
    previous: _Span | None,
    previous_after: _Attribution | None,
    previous_resolved: _Resolved | None,
    speakers: list[tuple[int, str]],
    sentence_start: int,
) -> _Resolved:
    """A quote with no attribution clause of its own: whose is it?"""
    if previous is not None and previous_resolved is not None:
        gap_from = previous_after.clause_end if previous_after else previous.end + 1
        gap = masked[gap_from : span.mark_start]
        if not re.sub(r"[\s.,;:\"'\u2018\u2019\u201c\u201d\u2014\u2013-]", "", gap):
            if "\n" in gap:  # a new paragraph: same speaker, but no attribution clause of its own
                return _Resolved(previous_resolved.speaker, None)
            return previous_resolved  # "'X,' he said. 'Y.'", or two quotes back to back
    if names.text[span.start : span.start + 1].islower():  # a fragment worked into a sentence
        head = masked[sentence_start : min(span.mark_start, sentence_start + SENTENCE_WINDOW)]
        found = _np_prefix(_strip_intro(head))
        if found and _valid_subject(found[0]):
            offset = head.find(found[0])
            speaker = _context_speaker(
                names, found[0], sentence_start + max(offset, 0), speakers, any_name=True
            )
            if speaker:
                return _Resolved(speaker, None)
    if (
        previous is not None
        and previous_resolved is not None
        and previous_resolved.speaker
        and (span.start - previous.end < CONTINUATION_CHARS)
    ):
        return _Resolved(previous_resolved.speaker, None)
    s = names.sentence_of(span.mark_start)
    for lo, hi in ((sentence_start, span.mark_start), (names.starts[s - 1] if s > 0 else 0, sentence_start)):
        if hi <= lo:
            continue
        head = masked[lo : min(hi, lo + SENTENCE_WINDOW)]  # its subject opens it
        stripped = _strip_intro(head)
        found = _np_prefix(stripped)
        if found and _valid_subject(found[0]):
            speaker = _context_speaker(
                names, found[0], lo + len(head) - len(stripped) + found[1], speakers, any_name=False
            )
            if speaker:
                return _Resolved(speaker, None)
    return _Resolved(None, None)


def _strip_intro(head: str) -> str:
    """Drop introductory comma-phrases: "Among the highlights, as caught on tape: " -> ""."""
    parts = head.split(",")
    k = 0
    while k < len(parts) - 1 and (_INTRO.match(parts[k].strip()) or not parts[k].strip()):
        k += 1
    rest = ",".join(parts[k:])
    return "" if _INTRO.match(rest.strip()) and ":" in rest else rest


def _context_speaker(
    names: _Names, phrase: str, pos: int, speakers: list[tuple[int, str]], *, any_name: bool
) -> str | None:
    """A speaker taken from the subject of a nearby sentence, only when it names someone."""
    words = phrase.split()
    first = words[0].lower()
    if first in ("he", "she", "they"):
        return names.resolve_pronoun(first, pos, speakers)
    runs = names.in_range(pos, pos + len(phrase) + 1)
    if any(
        names.is_person(m) or (any_name and not _LOCATIVE.search(names.masked, max(0, m.start - 16), m.start))
        for m in runs
    ):
        return _speaker(names, phrase, pos, speakers)
    if first in ("the", "this") and (_head(phrase) in _TITLES or _head(phrase) in names.roles):
        return names.resolve_role(phrase, pos, speakers)
    return None
