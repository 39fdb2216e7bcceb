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

**Other languages** (``language``, issue 15) are grounded on their own words. The sentence
embeddings are then the article's own TF-IDF (``models.lexical.ArticleLexicon``, with ``LEXICAL_GROUNDING``'s
threshold), since the English encoder does not read them. Words keep their diacritics and
combining marks (Hindi's vowel signs), Chinese and Japanese are compared two characters at a time,
and digits of any script count ("١٢" is 12); German-style numbers ("2,5 Millionen", "1.200") are
read as that language writes them. Names are capitalised words where the script has capitals: in
German every noun is, so every noun of a point must be its sentences' (stricter, never looser). In
a script without capitals (Arabic, Hindi, Chinese) names cannot be told from other words: only
names written in a cased script ("NATO") are checked as names, and instead most of the point's
words must be its sentences' own (``min_content_overlap_caseless``); one invented name among
the article's own words still passes there. Number words are English only.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from bot.core.text import CJK_CHARS
from bot.core.types import Span
from models.keypoints import SentenceEncoder
from models.languages import is_english
from models.sentences import Sentence, split_sentences

__all__ = [
    "LEXICAL_GROUNDING",
    "Grounder",
    "Grounding",
    "GroundingOptions",
    "ground_points",
    "numbers_in",
]


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
    min_content_overlap_caseless: float = 0.6
    """In a script without capitals, where names cannot be checked as names: most of a point's
    content words must be its sources' own. Set by hand (no dev set of generated points yet)."""


LEXICAL_GROUNDING = GroundingOptions(min_support_cosine=0.35, support_margin=0.1)
"""For ``models.lexical.ArticleLexicon`` vectors (other languages). On the 712 non-English dev pages (first 15
sentences of each, 7,059 sentences), a sentence's closest *other* sentence scores a median 0.14
(95th percentile 0.37), the sentence with a third of its words dropped and two added 0.69 (5th
percentile 0.51), with half dropped and five added 0.48 (10th percentile 0.32)."""


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

# Combining marks (U+0300 up, in the Basic Multilingual Plane): Hindi's vowel signs, a decomposed
# accent. Python's \w leaves them out, which would cut "हिन्दी" into four words.
_MARKS = "".join(
    re.escape(chr(c)) for c in range(0x300, 0x10000) if unicodedata.category(chr(c)).startswith("M")
)
# A word keeps its inner dots, hyphens and apostrophes: "U.S", "US-made", "Russia's".
_WORD_RE = re.compile(rf"[^\W_](?:[\w{_MARKS}'’.\-]*(?:[^\W_]|[{_MARKS}]))?")
_CJK_RUN_RE = re.compile(f"[{CJK_CHARS}]+")
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?:;]\s+|[。！？]\s*|[\"“‘„«»‚(\[¿¡「『]\s*)$")
_QUOTED_RE = re.compile(
    r"“([^”]+)”|\"([^\"]+)\"|„([^“”„]+)[“”]|«\s*([^»]+?)\s*»|»([^«»]+)«|「([^」]+)」|『([^』]+)』"
)


@functools.cache
def _digits() -> dict[int, str]:
    """Every decimal digit of every script as its ASCII digit; Arabic's decimal and thousands
    marks. Built on first use (a pass over all of Unicode): English text never needs it."""
    table = {c: str(unicodedata.digit(chr(c))) for c in range(0x80, sys.maxunicode + 1) if chr(c).isdecimal()}
    return table | {0x066B: ".", 0x066C: ","}


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


def _tokens(text: str) -> Iterator[tuple[int, str, bool]]:
    """(start, word, is_cjk) for each word of ``text``; a run of Chinese or Japanese characters is
    one token, apart from the Latin letters or digits around it ("苹果公司CEO" is two)."""
    for m in _WORD_RE.finditer(text):
        word = m.group()
        if not _CJK_RUN_RE.search(word):
            yield m.start(), word, False
            continue
        last = 0
        for run in _CJK_RUN_RE.finditer(word):
            for rest in _WORD_RE.finditer(word, last, run.start()):
                yield m.start() + rest.start(), rest.group(), False
            yield m.start() + run.start(), run.group(), True
            last = run.end()
        for rest in _WORD_RE.finditer(word, last):
            yield m.start() + rest.start(), rest.group(), False


def _words(text: str) -> list[str]:
    """Normalised words; Chinese and Japanese as overlapping pairs of characters (no spaces there)."""
    out: list[str] = []
    for _, word, cjk in _tokens(unicodedata.normalize("NFC", text)):
        if cjk:
            out.extend(word[k : k + 2] for k in range(max(1, len(word) - 1)))
        else:
            out.append(_norm(word))
    return out


def _is_cjk(word: str) -> bool:
    return bool(_CJK_RUN_RE.match(word))


def _caseless(text: str) -> bool:
    """Written mostly in a script without capitals (Arabic, Hebrew, Hindi, Chinese...)."""
    letters = [c for c in text if c.isalpha()]
    cased = sum(c.isupper() or c.islower() for c in letters)
    return bool(letters) and cased < 0.5 * len(letters)


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


# Languages that write "2,5" for two and a half and "1.200" for twelve hundred.
_DECIMAL_COMMA = frozenset(
    "bg ca cs da de el es et fi fr hr hu id is it lt lv nb nl nn no pl pt ro ru sk sl sr sv tr uk vi".split()
)
# Only a Latin letter or digit before a number makes it part of a word ("A380"): Arabic writes
# "and" against it ("و٣"), Chinese and Japanese their words ("提供50亿").
_POINT_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")
_COMMA_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z.,])(\d{1,3}(?:[.\u00a0\u202f']\d{3})+|\d+)(,\d+)?(?!\d)")
# Scale words after a number, by language (each also matches its inflected forms).
_LANGUAGE_SCALES: dict[str, dict[str, float]] = {
    "de": {"tausend": 1e3, "mio": 1e6, "million": 1e6, "mrd": 1e9, "milliarde": 1e9, "billion": 1e12},
    "fr": {"mille": 1e3, "million": 1e6, "milliard": 1e9, "md": 1e9, "mds": 1e9, "billion": 1e12},
    "es": {"mil millones": 1e9, "mil": 1e3, "millón": 1e6, "millon": 1e6, "billón": 1e12, "billon": 1e12},
    "it": {"mila": 1e3, "milion": 1e6, "mln": 1e6, "miliard": 1e9, "mld": 1e9},
    "pt": {"mil milhões": 1e9, "mil": 1e3, "milhão": 1e6, "milhões": 1e6, "bilhão": 1e9, "bilhões": 1e9},
    "nl": {"duizend": 1e3, "miljoen": 1e6, "mln": 1e6, "miljard": 1e9, "mld": 1e9},
    "ru": {"тыс": 1e3, "млн": 1e6, "миллион": 1e6, "млрд": 1e9, "миллиард": 1e9, "трлн": 1e12},
    "zh": {"万": 1e4, "亿": 1e8, "億": 1e8},
    "ja": {"万": 1e4, "億": 1e8},
}
_LANGUAGE_SCALE_RES = {
    lang: re.compile(
        r"\s*(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\w*\.?",
        re.IGNORECASE,
    )
    for lang, words in _LANGUAGE_SCALES.items()
}


def _other_numbers(text: str, language: str) -> list[float]:
    """Digits only (number words are English only), written as ``language`` writes them."""
    text = text.translate(_digits())
    comma = language in _DECIMAL_COMMA
    scale_re = _LANGUAGE_SCALE_RES.get(language)
    values = []
    for m in (_COMMA_NUMBER_RE if comma else _POINT_NUMBER_RE).finditer(text):
        if comma:
            value = float(re.sub(r"[.\u00a0\u202f']", "", m.group(1)) + (m.group(2) or "").replace(",", "."))
        else:
            value = float(m.group(1).replace(",", "") + (m.group(2) or ""))
        scale = scale_re.match(text, m.end()) if scale_re else None
        if scale:
            word = scale.group(1).lower()
            value *= next(v for w, v in _LANGUAGE_SCALES[language].items() if w.lower() == word)
        values.append(round(value, 6))
    return values


def numbers_in(text: str, *, pronoun_one: bool = False, language: str | None = None) -> list[float]:
    """The numbers ``text`` states, as values: "21", "twenty-one", "2.5 million", "1,200"; in
    another ``language``, its digits of any script as that language writes them ("2,5 Mio.").

    With ``pronoun_one`` false, a bare "one" is not counted (usually a pronoun: "one of them")."""
    if not is_english(language):
        return _other_numbers(text, language)
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
    article uses it in lower case. A word of a script without capitals is never one."""
    runs: list[list[str]] = []
    current: list[str] = []
    last_end = -1
    for start, word, _ in _tokens(point):
        name = word[0].isupper()
        if name and _SENTENCE_START_RE.search(point[:start]) and _norm(word) in lowercase_words:
            name = False
        if name and current and point[last_end:start] == " ":
            current.append(_norm(word))
        elif name:
            current = [_norm(word)]
            runs.append(current)
        else:
            current = []
        last_end = start + len(word)
    return runs


def _contains_run(words: list[str], run: list[str]) -> bool:
    n = len(run)
    return any(words[i : i + n] == run for i in range(len(words) - n + 1))


def _squash(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


# -- the checks --------------------------------------------------------------------------------


class Grounder:
    """Grounds points against one article; its sentences are embedded once, at construction."""

    def __init__(
        self,
        text: str,
        sentences: Sequence[Sentence],
        encoder: SentenceEncoder,
        options: GroundingOptions = GroundingOptions(),
        *,
        language: str | None = None,
    ) -> None:
        """``language``: the article's (ISO 639-1); ``None`` or ``"en"`` keeps the English rules.
        For another language pass a ``models.lexical.ArticleLexicon`` of ``sentences`` and
        ``LEXICAL_GROUNDING``."""
        self.text = text
        self.sentences = tuple(sentences)
        self.options = options
        self.language = language
        self._english = is_english(language)
        self._encoder = encoder
        self.sentence_embeddings = (
            encoder.encode([s.text for s in self.sentences]) if self.sentences else np.zeros((0, 1))
        )
        self._sentence_words = [_words(s.text) for s in self.sentences]
        raw = [w for _, w, _ in _tokens(unicodedata.normalize("NFC", text))]
        self._article_words = [_norm(w) for w in raw]
        self._lowercase = {w for r, w in zip(raw, self._article_words, strict=True) if r[0].islower()}
        self._squashed = _squash(text)
        self._caseless = not self._english and _caseless(text)

    def embed(self, points: Sequence[str]) -> np.ndarray:
        return self._encoder.encode(list(points)) if points else np.zeros((0, 1), dtype=np.float32)

    def ground(self, point: str, embedding: np.ndarray) -> Grounding:
        """Check one point (``embedding`` from ``embed``)."""
        o = self.options
        original, point = point, unicodedata.normalize("NFC", point)
        words = [w for w in _words(point) if any(c.isalpha() for c in w)]
        # Chinese and Japanese words are pairs of characters, and each character is in two pairs.
        length = len(words) - sum(_is_cjk(w) for w in words) // 2

        def fail(check: str, reason: str, support: tuple[int, ...] = (), sim: float = 0.0) -> Grounding:
            return Grounding(original, False, support, self._spans(support), sim, check, reason)

        if not o.min_words <= length <= o.max_words:
            return fail("form", f"{length} words")
        if len(set(words)) < o.min_distinct_ratio * len(words):
            return fail("form", "repeats itself")
        for m in _QUOTED_RE.finditer(point):
            quoted = _squash(next(g for g in m.groups() if g is not None))
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

        supporting = " ".join(self.sentences[i].text for i in support)
        stated = set(numbers_in(supporting, pronoun_one=True, language=self.language))
        for value in numbers_in(point, language=self.language):
            if value not in stated:
                shown = f"{value:g}" if value < 1e15 else str(value)
                return fail("number", f"{shown} is not in its supporting sentences", support, best)

        if self._english:
            content = [w for w in words if w not in _STOPWORDS and len(w) > 2]
        else:  # as models.languages.content_words: four letters or more, or two CJK characters
            content = [w for w in words if len(w) > 3 or _is_cjk(w)]
        if content:
            covered = sum(_has_word(w, vocabulary) for w in content) / len(content)
            needed = o.min_content_overlap_caseless if self._caseless else o.min_content_overlap
            if covered < needed:
                return fail("wording", f"only {covered:.0%} of its words are its sources'", support, best)
        return Grounding(original, True, support, self._spans(support), best)

    def _spans(self, support: tuple[int, ...]) -> tuple[Span, ...]:
        return tuple((self.sentences[i].start, self.sentences[i].end) for i in sorted(support))


def ground_points(
    text: str,
    points: Sequence[str],
    encoder: SentenceEncoder,
    options: GroundingOptions = GroundingOptions(),
    *,
    sentences: Sequence[Sentence] | None = None,
    language: str | None = None,
) -> list[Grounding]:
    """Check each point against ``text`` (split into sentences unless they are given), in its
    ``language``: see ``Grounder``."""
    if sentences is None:
        sentences = split_sentences(text, language)
    grounder = Grounder(text, sentences, encoder, options, language=language)
    embeddings = grounder.embed(points)
    return [grounder.ground(p, e) for p, e in zip(points, embeddings, strict=True)]
