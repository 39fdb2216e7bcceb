"""Is a generated key point supported by the article, and by which of its sentences?

An abstractive backend's point is kept only if every check passes; a point that fails is
dropped, and the summarizer shows an extractive point instead. The checks, in order:

1. ``form``        a sentence-like text: enough words, not a loop of one token.
2. ``quote``       quoted words must be the article's, verbatim: quotes are never generated.
3. ``similarity``  its closest article sentence has a cosine of at least ``min_support_cosine``
                   (sentence embeddings). The *supporting sentences* are that one and any within
                   ``support_margin`` of it (a point may fuse two sentences), at most ``max_support``.
4. ``entity``      every name in the point (a capitalised word, an acronym, a hyphenated compound)
                   is a word of its supporting sentences: "US" is not supported by "US-made", and
                   "The US used ATACMS" is not supported by "Ukraine fired ATACMS".
5. ``number``      every number in the point (digits or words; "2.5 million" = "2,500,000") is one
                   of its supporting sentences' numbers: "killed 12" is not supported by "killed 21".
6. ``wording``     at least ``min_content_overlap`` of its content words are the supporting
                   sentences' own (paraphrase is allowed, new content is not).

Names and numbers are checked against the supporting sentences only, not the whole article: a
name that the article mentions elsewhere does not make a wrong claim right. What this cannot see
is a swap between names the supporting sentence all contains ("Russia fired at Ukraine" for
"Ukraine fired at Russia"): that needs an entailment model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.core.types import Span
from models.keypoints import SentenceEncoder
from models.sentences import Sentence, split_sentences

__all__ = ["Grounder", "Grounding", "GroundingOptions", "ground_points", "numbers_in"]


@dataclass(frozen=True, slots=True)
class GroundingOptions:
    """Thresholds, tuned by hand on all-MiniLM-L6-v2: a faithful paraphrase of a news sentence
    scores 0.75-0.9 against it, a sentence of the same story on another fact 0.3-0.55."""

    min_support_cosine: float = 0.5
    support_margin: float = 0.1
    max_support: int = 3
    min_words: int = 4
    max_words: int = 60
    min_distinct_ratio: float = 0.6
    """Distinct words / words: a model stuck in a loop ("officials officials officials") fails."""
    min_content_overlap: float = 0.4


@dataclass(frozen=True, slots=True)
class Grounding:
    text: str
    supported: bool
    sentences: tuple[int, ...]
    """Indices of the supporting sentences, closest first (empty when none is close enough)."""
    spans: tuple[Span, ...]
    """Their spans in the article, in article order."""
    similarity: float
    """Cosine between the point and its closest sentence."""
    failed: str | None = None
    """The check that failed: ``form``, ``quote``, ``similarity``, ``entity``, ``number``, ``wording``."""
    reason: str = ""


# -- words, names and numbers ------------------------------------------------------------------

# A word keeps its inner dots, hyphens and apostrophes: "U.S", "US-made", "Russia's".
_WORD_RE = re.compile(r"[^\W_](?:[\w'’.\-]*[^\W_])?")
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?:;]\s+|[\"“‘(\[]\s*)$")
_QUOTED_RE = re.compile(r"“([^”]+)”|\"([^\"]+)\"")

_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}  # fmt: skip
_SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9}
_NUMBER_RE = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
    r"|\b(?:(" + "|".join(_TENS) + r")(?:[\s-](" + "|".join(k for k in _SMALL if k != "zero") + r"))?"
    r"|(" + "|".join(_SMALL) + r"))\b",
    re.IGNORECASE,
)
_SCALE_RE = re.compile(r"\s*(hundred|thousand|million|billion|trillion|bn)\b", re.IGNORECASE)

# Function words: never names, never content.
_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours said says say says told according new""".split()
)


def _norm(word: str) -> str:
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    return word.rstrip("'").replace(".", "").casefold()


def _words(text: str) -> list[str]:
    return [_norm(m.group()) for m in _WORD_RE.finditer(text)]


# Two words are one inflected word when they share a prefix this long, covering 75 % of the
# shorter one: "fire"/"fired", "missile"/"missiles". Names need 5 letters ("Russia"/"Russian",
# "Ukraine"/"Ukrainian") so that "Iran" is never "Iraq" and "Austria" never "Australia".
_MIN_SHARED_WORD = 4
_MIN_SHARED_NAME = 5


def _same_word(a: str, b: str, min_shared: int) -> bool:
    if a == b:
        return True
    if "-" in a or "-" in b:  # a compound matches only itself: "us-made" is not "us"
        return False
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return shared >= min_shared and shared >= 0.75 * min(len(a), len(b))


def _has_word(word: str, vocabulary: set[str], min_shared: int = _MIN_SHARED_WORD) -> bool:
    return word in vocabulary or any(_same_word(word, v, min_shared) for v in vocabulary)


def numbers_in(text: str, *, pronoun_one: bool = False) -> list[float]:
    """The numbers ``text`` states, as values: "21", "twenty-one", "2.5 million", "1,200".

    With ``pronoun_one`` false, a bare "one" is not counted (usually a pronoun: "one of them")."""
    values = []
    for m in _NUMBER_RE.finditer(text):
        digits, fraction, tens, unit, small = m.groups()
        if digits is not None:
            value = float(digits.replace(",", "") + (fraction or ""))
        elif tens is not None:
            value = float(_TENS[tens.lower()] + (_SMALL[unit.lower()] if unit else 0))
        else:
            if small.lower() == "one" and not pronoun_one:
                continue
            value = float(_SMALL[small.lower()])
        scale = _SCALE_RE.match(text, m.end())
        if scale:
            value *= _SCALES[scale.group(1).lower()]
        values.append(round(value, 6))
    return values


def _entity_runs(point: str, lowercase_words: set[str]) -> list[list[str]]:
    """Runs of adjacent capitalised words ("US President Joe Biden"), normalised. A word that
    is capitalised only because it starts a sentence ("The", "Officials") is not a name when the
    article uses it in lower case."""
    runs: list[list[str]] = []
    current: list[str] = []
    last_end = -1
    for m in _WORD_RE.finditer(point):
        word = m.group()
        name = word[0].isupper()
        if name and _SENTENCE_START_RE.search(point[: m.start()]) and _norm(word) in lowercase_words:
            name = False
        if name and current and point[last_end : m.start()] == " ":
            current.append(_norm(word))
        elif name:
            current = [_norm(word)]
            runs.append(current)
        else:
            current = []
        last_end = m.end()
    return runs


def _contains_run(words: list[str], run: list[str]) -> bool:
    n = len(run)
    return any(words[i : i + n] == run for i in range(len(words) - n + 1))


def _squash(text: str) -> str:
    return " ".join(text.split())


# -- the checks --------------------------------------------------------------------------------


class Grounder:
    """Grounds points against one article; its sentences are embedded once, at construction."""

    def __init__(
        self,
        text: str,
        sentences: Sequence[Sentence],
        encoder: SentenceEncoder,
        options: GroundingOptions = GroundingOptions(),
    ) -> None:
        self.text = text
        self.sentences = tuple(sentences)
        self.options = options
        self._encoder = encoder
        self.sentence_embeddings = (
            encoder.encode([s.text for s in self.sentences]) if self.sentences else np.zeros((0, 1))
        )
        self._sentence_words = [_words(s.text) for s in self.sentences]
        raw = [m.group() for m in _WORD_RE.finditer(text)]
        self._article_words = [_norm(w) for w in raw]
        self._lowercase = {w for r, w in zip(raw, self._article_words, strict=True) if r[0].islower()}
        self._squashed = _squash(text)

    def embed(self, points: Sequence[str]) -> np.ndarray:
        return self._encoder.encode(list(points)) if points else np.zeros((0, 1), dtype=np.float32)

    def ground(self, point: str, embedding: np.ndarray) -> Grounding:
        """Check one point (``embedding`` from ``embed``)."""
        o = self.options
        words = [w for w in _words(point) if any(c.isalpha() for c in w)]

        def fail(check: str, reason: str, support: tuple[int, ...] = (), sim: float = 0.0) -> Grounding:
            return Grounding(point, False, support, self._spans(support), sim, check, reason)

        if not o.min_words <= len(words) <= o.max_words:
            return fail("form", f"{len(words)} words")
        if len(set(words)) < o.min_distinct_ratio * len(words):
            return fail("form", "repeats itself")
        for m in _QUOTED_RE.finditer(point):
            quoted = _squash(m.group(1) or m.group(2))
            if quoted not in self._squashed:
                return fail("quote", f"quotes words the article does not say: “{quoted}”")

        if not self.sentences:
            return fail("similarity", "the article has no sentences")
        sims = self.sentence_embeddings @ embedding
        order = np.argsort(-sims, kind="stable")
        best = float(sims[order[0]])
        if best < o.min_support_cosine:
            return fail("similarity", f"no sentence says this (closest: {best:.2f})", sim=best)
        support = tuple(
            int(i)
            for i in order[: o.max_support]
            if sims[i] >= max(o.min_support_cosine, best - o.support_margin)
        )
        vocabulary = {w for i in support for w in self._sentence_words[i]}

        for run in _entity_runs(point, self._lowercase):
            missing = [w for w in run if not _has_word(w, vocabulary, _MIN_SHARED_NAME)]
            # "Joe Biden" for a sentence that says "Biden", when the article names him in full.
            surname = _has_word(run[-1], vocabulary, _MIN_SHARED_NAME)
            if missing and not (surname and _contains_run(self._article_words, run)):
                return fail("entity", f"“{missing[0]}” is not in its supporting sentences", support, best)

        stated = set(numbers_in(" ".join(self.sentences[i].text for i in support), pronoun_one=True))
        for value in numbers_in(point):
            if value not in stated:
                shown = f"{value:g}" if value < 1e15 else str(value)
                return fail("number", f"{shown} is not in its supporting sentences", support, best)

        content = [w for w in words if w not in _STOPWORDS and len(w) > 2]
        if content:
            covered = sum(_has_word(w, vocabulary) for w in content) / len(content)
            if covered < o.min_content_overlap:
                return fail("wording", f"only {covered:.0%} of its words are its sources'", support, best)
        return Grounding(point, True, support, self._spans(support), best)

    def _spans(self, support: tuple[int, ...]) -> tuple[Span, ...]:
        return tuple((self.sentences[i].start, self.sentences[i].end) for i in sorted(support))


def ground_points(
    text: str,
    points: Sequence[str],
    encoder: SentenceEncoder,
    options: GroundingOptions = GroundingOptions(),
    *,
    sentences: Sequence[Sentence] | None = None,
) -> list[Grounding]:
    """Check each point against ``text`` (split into sentences unless they are given)."""
    grounder = Grounder(text, split_sentences(text) if sentences is None else sentences, encoder, options)
    embeddings = grounder.embed(points)
    return [grounder.ground(p, e) for p, e in zip(points, embeddings, strict=True)]
