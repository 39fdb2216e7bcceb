"""Sentences with their character spans, ready to be key-point candidates.

``split_sentences`` runs pysbd (rule-based, knows abbreviations such as "Mr.", "U.S." and
"Jan."), maps each segment back to its exact offsets in the text, and then re-joins segments
that pysbd cut inside a quotation, so a quoted statement is never split across two points.

Other languages (``language``, an ISO 639-1 code; English when None): pysbd's own rules where it
has the language (``models.languages.PYSBD_LANGUAGES``), else a punctuation fallback: a sentence
ends at ". ! ? …" (and the Arabic "؟", the Urdu "۔") before a space and a word that does not
start in lower case, not after a one- or two-letter abbreviation ("Dr.", "J."), and always after
the CJK full stops "。！？" and the danda "।". Quotations are then re-joined in the language's own
marks („…“, «…», »…«, 「…」, 『…』) as well as English ones, within their paragraph.

pysbd's time grows faster than the length of what it is given (one 100 KB paragraph took 5 s),
so a long paragraph is first cut into blocks of at most ``MAX_BLOCK_CHARS`` at a likely sentence
end, and a quotation that never closes stops merging after ``MAX_MERGED_CHARS``: the whole split
is linear in the text.

``candidate_span`` trims what a key point must not start with: datelines ("LONDON, England
(CNN) -- "), bylines ("By . John Smith . PUBLISHED: ... | . UPDATED: ... . "), share-bar and
media-player boilerplate. Offsets always stay offsets into the original text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from bot.core.text import WEEKDAYS, count_words
from models import deadline
from models.languages import PYSBD_LANGUAGES, is_english
from models.quotes.words import _abbreviated

__all__ = ["Sentence", "candidate_span", "iter_sentences", "split_sentences"]


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str


# Double quotation marks that open and close unambiguously; straight '"' toggles.
_OPENERS = "“„«"
_CLOSERS = "”»"
# A curly left single quote opens speech when it follows a space or the start (’ is an apostrophe).
_SINGLE_OPEN_RE = re.compile(r"(?:^|(?<=[\s(\[—–-]))‘")

_DATELINE_RE = re.compile(
    r"""^(?:
        # (CNN) / LONDON, England (CNN) -- / WASHINGTON (Reuters) - / PARIS (AP) —
        (?:[A-Z][A-Za-z.'’\- ]{0,60}(?:,\s*[A-Z][A-Za-z.'’\- ]{0,40})?\s*)?
        \((?:CNN|AP|Reuters|AFP|UPI|Bloomberg|CNN\ Student\ News|EW\.com|Mashable|CNNMoney)\)
        \s*(?:--|—|–|-)?\s*
      |
        # LONDON, England -- / NEW YORK —
        [A-Z][A-Z.'’\- ]{2,40}(?:,\s*[A-Z][A-Za-z.'’\- ]{0,40})?\s+(?:--|—|–)\s+
    )""",
    re.VERBOSE,
)
# Daily Mail byline block: "By . Name . PUBLISHED: . 08:09 EST, 1 March 2013 . | . UPDATED: . ... 2013 . "
_BYLINE_RE = re.compile(
    r"^(?:By\s*\.\s*[^.]{1,80}?\s*\.\s*(?:and\s+[^.]{1,60}?\s*\.\s*)?)?"
    r"(?:(?:PUBLISHED|UPDATED|Last updated at)\s*:\s*\.?\s*[^|]{1,60}?\s*\.\s*\|?\s*\.?\s*)+",
)
_SIMPLE_BYLINE_RE = re.compile(r"^By\s*\.?\s*[A-Z][\w.'’\- ]{1,60}?\s*\.\s+(?=[A-Z])")
_BOILERPLATE_RE = re.compile(
    r"^(?:Share this with(?:Email|Facebook|Messenger|Twitter|Pinterest|WhatsApp|Linked[Ii]n)*Copy this link"
    r"|Media playback is (?:not supported|unsupported) on (?:this|your) device"
    r"|Image (?:copyright|caption)\b[^.]*?(?=[A-Z][a-z])"
    r")\s*"
)

# pysbd is handed at most this much at once: its cost per character grows with the input, and
# news paragraphs are far shorter (a paragraph this long is a wall of text or a page's dump).
MAX_BLOCK_CHARS = 3_000
# A quotation still open after this many characters is a stray mark, not a long statement.
MAX_MERGED_CHARS = 3_000
# Where a long paragraph is cut into blocks: a sentence end after a lower-case word (so not after
# "Mr." or "U.S."), before a capital.
_BLOCK_END_RE = re.compile(r"[a-z0-9%)]{2}[.!?…][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z])")

# A time of day ends a segment ("10:30 p.m."), but the sentence goes on when what follows is a
# date, a number or a lower-case word ("... from 10:30 p.m. Aug. 9 to 6:30 a.m. the next day").
_CLOCK_END = re.compile(r"\b[ap]\.m\.$")
# A one-letter name with an exclamation mark ("a report by E! News") is not a sentence's end: the
# sentence goes on when more follows in the same paragraph.
_LETTER_BANG_END = re.compile(r"(?<![\w.])[A-Z]!$")
_GOES_ON = re.compile(
    r"[a-z0-9,;(]|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?\s+\d|"
    rf"(?:{'|'.join(WEEKDAYS)})\b"
)

# A segment that opens on a curly mark, after a quotation left open at a sentence's end: the
# speech's next paragraph (or a new one), not more of the same sentence.
_REOPENED = re.compile(r"[‘“]")
_ENDED = re.compile(r"[.!?…][\"'”’)\]]*$")

# A candidate shorter than this is a fragment (a caption, a heading, "Read more."), not a point.
MIN_CANDIDATE_WORDS = 6
# A candidate longer than this is usually several sentences pysbd could not separate.
MAX_CANDIDATE_WORDS = 80


@cache  # one per language read, of the two dozen pysbd has
def _segmenter(language: str = "en") -> object:
    import pysbd

    return pysbd.Segmenter(language=language, clean=False, char_span=False)


_seg_lock = threading.Lock()


def _segments(text: str, language: str = "en") -> list[str]:
    # pysbd keeps per-call state on the segmenter object: serialise access.
    with _seg_lock:
        return list(_segmenter(language).segment(text))  # type: ignore[attr-defined]


# The punctuation fallback: a sentence end before a space (and a word that is not lower case), or
# a CJK full stop, each with the closing marks that follow it.
_CLOSING = "\"'”’»«)\\]」』）"
_FALLBACK_END = re.compile(
    f"[.!?\u2026\u061f\u06d4]+[{_CLOSING}]*(?=\\s+\\S)|[\u3002\uff01\uff1f\u0964\u0965]+[{_CLOSING}]*"
)
_SHORT_WORD_BEFORE = re.compile(r"(?<![^\W\d_])[^\W\d_]{1,2}(?=\.$)")  # "Dr.", "Sr.", "J."
# Where any other language's long paragraph may be cut into blocks.
_ANY_BLOCK_END_RE = re.compile(f"[.!?\u2026][{_CLOSING}]*\\s+|[\u3002\uff01\uff1f][{_CLOSING}]*")


def _punctuation_segments(chunk: str) -> Iterator[tuple[int, int]]:
    """``chunk`` cut at sentence punctuation (the fallback: see the module docstring)."""
    start = 0
    for m in _FALLBACK_END.finditer(chunk):
        end = m.end()
        if chunk[m.start()] == ".":
            short = _SHORT_WORD_BEFORE.search(chunk, max(0, m.start() - 3), m.start() + 1)
            if short and short.group() != short.group().swapcase():  # cased: not Korean "끈다."
                continue  # an abbreviation or an initial
            following = chunk[end:].lstrip()[:1]
            if following.islower():
                continue
        if chunk[start:end].strip():
            yield start, end
        start = end
    if chunk[start:].strip():
        yield start, len(chunk)


def _blocks(chunk: str, end_re: re.Pattern[str] = _BLOCK_END_RE) -> Iterator[tuple[int, int]]:
    """``chunk`` as consecutive ``(start, end)`` blocks of at most ``MAX_BLOCK_CHARS`` (when it can
    be cut at a likely sentence end or, failing that, a space; a block of no space is cut anyway)."""
    start = 0
    while len(chunk) - start > MAX_BLOCK_CHARS:
        limit = start + MAX_BLOCK_CHARS
        cut = 0
        for m in end_re.finditer(chunk, start + MAX_BLOCK_CHARS // 2, limit):
            cut = m.end()
        if cut <= start:
            space = chunk.rfind(" ", start + 1, limit)
            cut = space + 1 if space > start else limit
        yield start, cut
        start = cut
    yield start, len(chunk)


def _open_quote_depth(chunk: str) -> int:
    """How many quotations opened in ``chunk`` are still open at its end."""
    depth = sum(chunk.count(c) for c in _OPENERS) - sum(chunk.count(c) for c in _CLOSERS)
    depth += chunk.count('"') % 2
    opens = len(_SINGLE_OPEN_RE.findall(chunk))
    closes = len(re.findall(r"’(?=[\s,.;:!?)\]—–-]|$)", chunk))
    if opens > closes:
        depth += 1
    return max(depth, 0)


def _open_marks(chunk: str) -> int:
    """How many quotations opened in ``chunk`` are still open at its end, in the marks of any
    language: „…“ and „…” (German, Polish), “…” and ”…” (Swedish), "…", «…» or »…« (whichever
    the chunk opens with), 「…」 and 『…』. Single marks are left alone: too often apostrophes."""
    low = high = 0  # „ and “ still open
    for c in chunk:
        if c == "\u201e":
            low += 1
        elif c == "\u201c":
            if low:
                low -= 1
            else:
                high += 1
        elif c == "\u201d":
            if high:
                high -= 1
            elif low:
                low -= 1
            else:
                high += 1
    first = min((i for i in (chunk.find("\u00ab"), chunk.find("\u00bb")) if i >= 0), default=-1)
    opener, closer = ("\u00bb", "\u00ab") if first >= 0 and chunk[first] == "\u00bb" else ("\u00ab", "\u00bb")
    guillemets = max(0, chunk.count(opener) - chunk.count(closer))
    corners = max(0, chunk.count("\u300c") - chunk.count("\u300d")) + max(
        0, chunk.count("\u300e") - chunk.count("\u300f")
    )
    return low + high + guillemets + corners + chunk.count('"') % 2


def _lead_in_end(text: str) -> int:
    """Where the article proper starts: after any leading byline, dateline or share bar."""
    offset = 0
    for _ in range(4):
        before = offset
        for pattern in (_BOILERPLATE_RE, _BYLINE_RE, _SIMPLE_BYLINE_RE, _DATELINE_RE):
            m = pattern.match(text, offset)
            if m and m.end() > offset:
                offset = m.end()
        if offset == before:
            break
    return offset


# pysbd never cuts inside quotation marks, and a speech the press sets over several paragraphs
# (each re-opening its mark, only the last closing it) runs on for hundreds of words once its line
# breaks are lost: "... at a great club. ‘But I’ve said ... me.’ The Crown Prosecution Service ...".
# A segment longer than a candidate may be is cut again at each sentence end outside a quotation
# (a full stop after an abbreviation is none) and where the speech's next paragraph re-opens: the
# speech stays in pieces that read as quotations, never as the writer's own sentences.
_INNER_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z])")
_OPENING = re.compile(r"[\"'“‘]")
# Marks: a curly or straight single one opens after a space or a bracket (not "it's") and closes
# before a space or punctuation (not "it’s"); curly doubles open and close; a straight one toggles.
_MARK = re.compile(
    r"(?P<open1>(?:^|(?<=[\s(\[—–-]))[‘'](?=\w))|(?P<close1>(?<=[\w.,!?…])[’'](?=[\s.,;:!?)\]—–-]|$))|"
    r"(?P<open2>“)|(?P<close2>”)|(?P<toggle>\")"
)


def _inner_sentences(piece: str) -> Iterator[tuple[int, int]]:
    start = 0
    single = double = False  # a quotation open in single, in double marks
    marks = _MARK.finditer(piece)
    mark = next(marks, None)
    for m in _INNER_END.finditer(piece):
        while mark is not None and mark.start() < m.end():
            kind = mark.lastgroup
            single = kind == "open1" or (single and kind != "close1")
            double = kind == "open2" or (double and kind != "close2")
            if kind == "toggle":
                double = not double
            mark = next(marks, None)
        if piece[m.start()] == ".":
            words = piece[start : m.start()].split()
            if words and _abbreviated(words[-1].lstrip("\"'“‘([").rstrip(".")):
                continue  # "Mrs. May", "Gen. Smith", "J. Smith"
        following = piece[m.end() :].lstrip()
        if (single or double) and not _OPENING.match(following):
            continue  # inside the quotation: its next sentence is more of it
        yield start, m.end()
        start = len(piece) - len(following)
    yield start, len(piece)


def _segment_spans(text: str, language: str | None = None) -> Iterator[tuple[int, int]]:
    """pysbd's segments (or the fallback's) as exact spans, paragraph by paragraph, block by block."""
    begin = _lead_in_end(text)
    english = is_english(language)
    code = "en" if english else language or ""
    end_re = _BLOCK_END_RE if english else _ANY_BLOCK_END_RE
    pysbd_has = english or code in PYSBD_LANGUAGES
    # Paragraphs first: a line break always ends a sentence (headings, captions, list items).
    for para in re.finditer(r"[^\n]+", text[begin:]):
        for block_start, block_end in _blocks(para.group(), end_re):
            deadline.check()
            base = begin + para.start() + block_start
            chunk = para.group()[block_start:block_end]
            if not pysbd_has:
                for start, end in _punctuation_segments(chunk):
                    piece = chunk[start:end]
                    lead = len(piece) - len(piece.lstrip())
                    yield base + start + lead, base + start + len(piece.rstrip())
                continue
            cursor = 0
            for seg in _segments(chunk, code):
                piece = seg.strip()
                if not piece:
                    continue
                at = chunk.find(piece, cursor)
                if at < 0:  # pysbd normalised something: skip it rather than guess an offset
                    continue
                if english and len(piece.split()) > MAX_CANDIDATE_WORDS:
                    for start, end in _inner_sentences(piece):
                        yield base + at + start, base + at + end
                else:
                    yield base + at, base + at + len(piece)
                cursor = at + len(piece)


def iter_sentences(text: str, language: str | None = None) -> Iterator[Sentence]:
    """Sentences in order, with exact spans: ``text[s.start:s.end] == s.text``, split only as far
    as the caller reads (key points need the first few dozen, not a whole book). ``language``:
    the ISO 639-1 code the text is read in (None: English).

    A leading byline/dateline block is skipped whole, so it never becomes a sentence.
    """
    if not is_english(language):
        yield from _other_sentences(text, language or "")
        return
    # A segment ending on "E!" (joined to what follows on its line) or on "p.m." (joined to what
    # goes on: "from 10:30 p.m. | Aug. 9 to 6:30 a.m."), until we see what follows; and which.
    held: tuple[int, int] | None = None
    bang = False
    for start, end in _quotes_joined(text, _segment_spans(text, language)):
        if held is not None:
            goes_on = "\n" not in text[held[1] : start] if bang else _GOES_ON.match(text, start)
            if goes_on:
                start = held[0]
            else:
                yield Sentence(held[0], held[1], text[held[0] : held[1]])
            held = None
        bang = _LETTER_BANG_END.search(text, start, end) is not None
        if bang or _CLOCK_END.search(text, start, end):
            held = (start, end)
            continue
        yield Sentence(start, end, text[start:end])
    if held is not None:
        yield Sentence(held[0], held[1], text[held[0] : held[1]])


def _quotes_joined(text: str, spans: Iterator[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """``spans`` with the segments of a quotation joined into one, so a quoted statement is never
    cut across two points. The next paragraph of a speech ("... a great club. ‘But I’ve said ...")
    starts a sentence of its own; a quotation still open after ``MAX_MERGED_CHARS`` is a stray
    mark, and what it seemed to hold are sentences of their own. One left open at the end of the
    text keeps what it has."""
    carried: list[tuple[int, int]] = []
    for start, end in spans:
        if carried and _REOPENED.match(text, start) and _ENDED.search(text, carried[0][0], carried[-1][1]):
            yield carried[0][0], carried[-1][1]
            carried = []
        first = carried[0][0] if carried else start
        if _open_quote_depth(text[first:end]) > 0:
            if end - first < MAX_MERGED_CHARS:
                carried.append((start, end))
                continue
            yield from carried
            carried = []
            if end - start < MAX_MERGED_CHARS and _open_quote_depth(text[start:end]) > 0:
                carried.append((start, end))
                continue
            first = start
        carried = []
        yield first, end
    if carried:
        yield carried[0][0], carried[-1][1]


# An ordinal's dot ("am 12. und 13. September", "den 3. Mai"): German, Polish, the Nordic and
# Slavic languages write a day so; the splitter may take it for a sentence end.
_ORDINAL_END = re.compile(r"(?:^|\s)\d{1,2}\.$")
# What ends a piece for ``_ordinals_joined``: without one, the piece runs on into the next.
_END_MARKS = (".", "!", "?", "\u2026", "\u3002", "\uff01", "\uff1f", ":", ";")


def _ordinals_joined(text: str, spans: Iterator[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """``spans`` with a piece joined to the next one in its paragraph when the piece ends on an
    ordinal's dot or on no sentence punctuation at all ("Am" | "12. und" | "13. September
    startet ...") and the next starts with a digit or a lower-case letter: one sentence."""
    held: tuple[int, int] | None = None
    for start, end in spans:
        if held is not None:
            piece = text[held[0] : held[1]]
            follows = text[start : start + 1]
            open_end = _ORDINAL_END.search(piece) or not piece.rstrip(_CLOSING).endswith(_END_MARKS)
            if "\n" not in text[held[1] : start] and open_end and (follows.isdigit() or follows.islower()):
                start = held[0]
            else:
                yield held
        held = (start, end)
    if held is not None:
        yield held


def _other_sentences(text: str, language: str) -> Iterator[Sentence]:
    """``iter_sentences`` in another language: a quotation is re-joined only within its paragraph.
    One still open at the paragraph's end (a statement running over paragraphs, each re-opened
    and only the last closed, as German and French set them) leaves its sentences as they are."""
    pending: list[tuple[int, int]] = []
    for start, end in _ordinals_joined(text, _segment_spans(text, language)):
        if pending and "\n" in text[pending[-1][1] : start]:
            yield from (Sentence(a, b, text[a:b]) for a, b in pending)
            pending = []
        pending.append((start, end))
        first = pending[0][0]
        if end - first < MAX_MERGED_CHARS and _open_marks(text[first:end]) > 0:
            continue
        pending = []
        yield Sentence(first, end, text[first:end])
    yield from (Sentence(a, b, text[a:b]) for a, b in pending)


def split_sentences(text: str, language: str | None = None) -> list[Sentence]:
    """Every sentence of ``text`` (see ``iter_sentences``)."""
    return list(iter_sentences(text, language))


def candidate_span(sentence: Sentence, language: str | None = None) -> tuple[int, int] | None:
    """The part of ``sentence`` that may be shown as a key point, or ``None`` if none is."""
    text = sentence.text
    offset = _lead_in_end(text)
    rest = text[offset:].strip()
    if not rest:
        return None
    start = sentence.start + text.index(rest, offset)
    english = is_english(language)
    words = len(rest.split()) if english else count_words(rest)
    if words < MIN_CANDIDATE_WORDS or words > MAX_CANDIDATE_WORDS:
        return None
    if english and not re.search(r"[a-z]", rest):  # ALL CAPS headings, numbers, separators
        return None
    if not english and (
        not any(c.isalpha() for c in rest)  # numbers, separators
        or (not any(c.islower() for c in rest) and any(c.isupper() for c in rest))  # ALL CAPS
    ):
        return None
    return start, start + len(rest)
