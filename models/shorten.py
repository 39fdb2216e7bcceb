"""Shortening a sentence by deletion only, for a TL;DR that must fit a line.

No word is added and the order is kept: the result is pieces of the sentence (spans into the
text), joined as they stand. Two deletions, tried in this order, each only where what is left
still reads as a sentence:

1. asides: parentheses ("(CNN)", "(pictured)") and dash-set interjections (" — who ... —");
2. a trailing clause after a comma that opens with a subordinating word (", after two winters
   of flooding", ", which ...", ", according to ..."): the sentence then ends where the clause
   began, with its own final full stop (a piece of one character).

A cut is never made inside a quotation. A last resort (``loose``) cuts at any comma, colon or
spaced dash.
"""

from __future__ import annotations

import re

from bot.core.types import Span

__all__ = ["shorten"]

# Shorter than this, what is left is a fragment, not a sentence.
MIN_WORDS = 8

_ASIDE = re.compile(
    r"\s*\([^()]{1,120}\)|\s+(?:—|--|–)\s[^—–]{1,120}?\s(?:—|--|–)(?=\s)"
    # an appositive after a name: "Prince Andrew, the younger brother of ..., has said"
    r"|,\s(?:the|a|an|who|whose|best known|known|now|aged|\d{1,3}|[a-z]+-year-old)\b[^,;:]{1,120},"
    r"(?=\s(?:is|are|was|were|has|have|had|will|would|can|could|said|says|told|[a-z]{3,}ed)\b)"
    # a contrast set off by commas: "found herself in the news, rather than reporting on it, after"
    r"|,\s(?:rather than|instead of)\b[^,;:]{1,80},(?=\s)"
)
_CLAUSE = re.compile(
    r",\s+(?=(?:which|who|whom|whose|after|as|while|amid|with|following|including|according to|but|"
    r"although|though|because|when|where|despite|before|until|since|saying|adding|prompting|leaving|"
    r"making|bringing|sparking|citing|in a|in an|in what|as part of|a day after|a week after|"
    r"two days after|just days after|weeks after|months after|years after)\b)"
)
# ...and a full stop with no space after it: two sentences a page ran together ("2019.Short")
_LOOSE = re.compile(
    r"(?:,|:|;|\s[—–-])\s+|(?<=[a-z0-9]{2})\.(?=[A-Z][a-z])"
    # ...and before a subordinate or coordinated clause with no comma: "a ban | after being caught"
    r"|\s(?=(?:after|as|when|while|amid|following|because|although|though|despite|before|until|"
    r"since|including|according to)\s)"
    # ...and before a second object: "questions about his accounts of X | and a newly revealed call"
    r"|\s(?=and\s+(?:a|an|the|his|her|their|its)\s)"
    # ...and before a second predicate: "a child pointed at her | and asked whether ..."
    r"|\s(?=and\s+(?:[a-z]{3,}ed|must|will|would|can|could|should|has|have|had|then|later|also)\s)"
)
_GLUED = re.compile(
    r"(?<=[a-z0-9]{2})\.(?=[A-Z][a-z])"  # "in 1991.Simpson"
    # "03:00 GMT.The", but not "PanARMENIAN.Net"
    r"|(?<=[A-Z]{2})\.(?=(?:The|A|An|In|It|He|She|They|We|This|But)\b)"
)
# What is kept must still say something happened: an auxiliary, a reporting verb or an -ed form.
_PREDICATE = re.compile(
    r"\b(?:is|are|was|were|be|been|being|has|have|had|will|would|can|could|may|might|must|shall|"
    r"should|did|does|do|said|says|say|told|tells|[a-z]{3,}ed)\b"
    # ...or a present-tense verb taking an infinitive: "promises to tighten", "plans to close"
    r"|\b(?:promise|plan|hope|want|need|aim|seek|vow|threaten|pledge|agree|refuse|expect|intend|appear|"
    r"seem|continue|tend|begin|start|fail|trie|help|offer|decide|claim|manage|struggle|wishe|prepare|"
    r"propose|vote|look|move|get)s\s+to\s+[a-z]{3,}\b"
)
# A predicate only inside a relative clause ("An Uber driver who was credited ...") is not the
# sentence's own: look for it before the first relative pronoun.
_RELATIVE = re.compile(r"\b(?:who|which|that|whose)\b")
# A kept part opening on one of these is a subordinate clause: its main clause was cut away.
_SUBORDINATE = re.compile(
    r"^(?:Though|Although|While|Whereas|Because|Since|If|Unless|When|As|After|Before|Despite|With|Amid)\b"
)
# A reporting verb among the last words kept: the statement it introduces was cut away.
_REPORTED_END = re.compile(
    r"\b(?:said|says|told|tells|claimed|claims|admitted|admits|added|warned|announced|revealed|insisted)"
    r"(?:\s+\S+){0,3}\s*$"
)
# The sentence goes on with its main verb right after the cut: what was kept is only its subject.
_VERB_NEXT = re.compile(
    r"(?:is|are|was|were|has|have|had|will|would|can|could|may|might|must|shall|should|did|does|"
    r"said|says|told|tells|also|then)\b|[a-z]{2,}(?:ed|es)\b"
)
# A kept part ending on a pronoun: what it stands for was in the part cut away.
_POINTS_ON = re.compile(
    r"\b(?:them|these|those|him|her"
    # ...or on an adverb that went with the clause cut away: "... hub for defences precisely | because"
    r"|precisely|largely|mainly|partly|partially|only|simply|mostly|particularly|especially|just|even|"
    r"exactly|primarily|chiefly"
    # ...or on a connective whose clause was cut away: "... health risks however because | : ..."
    r"|however|therefore|because|and|but|or|so|while|whereas|although|though)\W*$",
    re.I,
)
# A clause opened ("because", "although") whose verb came after the cut: "... because, despite
# the waiver". Only the conjunction and an aside of it were kept.
_CUT_CLAUSE = re.compile(
    r"\b(?:because(?!\s+of\b)|although|though|whereas|unless)\b(?:(?!\b(?:is|are|was|were|has|have|had|"
    r"will|would|can|could|may|might|must|should|did|does|do|said|says|[a-z]{3,}ed|[a-z]{3,}s)\b).)*$"
)
_END = re.compile(r"[.!?](?=[\"'”’)\]]*\s*$)")
_OPEN_MARKS = "“‘«„"
_CLOSE_MARKS = "”»"  # and "’" where it ends a word (elsewhere an apostrophe): counted apart


def _word_count(text: str) -> int:
    return len(text.split())


def _balanced(text: str) -> bool:
    """No quotation left open or closed by a cut."""
    opens = sum(text.count(c) for c in _OPEN_MARKS)
    closes = sum(text.count(c) for c in _CLOSE_MARKS) + len(re.findall(r"’(?=\s|$|[.,;:!?])", text))
    return text.count('"') % 2 == 0 and opens == closes


def _joined(text: str, pieces: list[Span]) -> str:
    return "".join(text[a:b] for a, b in pieces)


def _without_asides(text: str, start: int, end: int) -> list[Span]:
    pieces, cursor = [], start
    for m in _ASIDE.finditer(text, start, end):
        if not _balanced(m.group()):
            continue
        pieces.append((cursor, m.start()))
        cursor = m.end()
    pieces.append((cursor, end))
    return [(a, b) for a, b in pieces if b > a]


def _only_subordinate(body: str) -> bool:
    """The kept part is only a subordinate clause ("After two winters of flooding"), not one that
    opens a sentence whose main clause follows its comma ("After a silence, there has been ...")."""
    if not _SUBORDINATE.match(body):
        return False
    _, comma, rest = body.partition(",")
    return not (comma and _PREDICATE.search(rest))


def _still_a_sentence(text: str, body: str, rest: int) -> bool:
    """Whether ``body``, the part kept before a cut (what followed began at ``rest``), still reads
    as a sentence: balanced quotes, ``MIN_WORDS`` or more, a predicate of its own, not a
    subordinate clause, no reporting verb left without what was said, no verb left behind."""
    relative = _RELATIVE.search(body)
    main = body[: relative.start()] if relative else body
    return (
        _balanced(body)
        and _word_count(body) >= MIN_WORDS
        and _PREDICATE.search(main) is not None
        and not _only_subordinate(body.lstrip())
        and not _REPORTED_END.search(body)  # "... Transfield Services said the employees."
        and not _VERB_NEXT.match(text, rest)  # "Sondland, the witness, | is likely to...": verb went
        and not _POINTS_ON.search(body)  # "... beginning to understand them | , but tuft cells ..."
        and not _CUT_CLAUSE.search(body)  # "... risks however because, despite the waiver | , ..."
    )


def shorten(text: str, span: Span, max_words: int, *, loose: bool = False) -> tuple[Span, ...] | None:
    """Pieces of ``text[span]`` that read as a sentence of at most ``max_words`` words (the whole
    span when it fits already), or None when deletion cannot get it there. ``loose`` also cuts at
    any comma, colon or spaced dash (a last resort: what is left is the sentence's main clause
    more often than not, but not always)."""
    start, end = span
    if (glued := _GLUED.search(text, start, end)) is not None:
        end = glued.end()  # two sentences a page ran together ("in 1991.Simpson"): the first one
    if _word_count(text[start:end]) <= max_words:
        return ((start, end),)
    pieces = _without_asides(text, start, end)
    if _word_count(_joined(text, pieces)) <= max_words:
        return tuple(pieces)
    if glued:
        stop = end - 1  # the full stop the two sentences share
    elif (final := _END.search(text, start, end)) is not None:
        stop = final.start()
    else:
        return None
    # The latest clause boundary that brings it under the limit keeps the most of the sentence.
    best: list[Span] | None = None
    for m in (_LOOSE if loose else _CLAUSE).finditer(text, start, end):
        kept = [(a, min(b, m.start())) for a, b in pieces if a < m.start()]
        kept = [(a, b) for a, b in kept if b > a]
        body = _joined(text, kept)
        if _word_count(body) <= max_words and _still_a_sentence(text, body, m.end()):
            best = [*kept, (stop, stop + 1)]
    return tuple(best) if best else None


# A reference marker the page numbers its sources with: " (1)", " [12]", " (3, 4)".
_CITATION = re.compile(r"\s*[(\[]\d{1,3}(?:\s*[,\u2013-]\s*\d{1,3})*[)\]](?=[\s.,;:!?]|$)")


def without_citations(text: str, pieces: tuple[Span, ...]) -> tuple[Span, ...]:
    """``pieces`` with the reference markers inside them cut out ("... in the United States (1)."
    reads "... in the United States."): deletion only, each kept piece still a span of ``text``."""
    out: list[Span] = []
    for a, b in pieces:
        at = a
        for m in _CITATION.finditer(text, a, b):
            if m.start() > at:
                out.append((at, m.start()))
            at = m.end()
        if b > at:
            out.append((at, b))
    return tuple(out)
