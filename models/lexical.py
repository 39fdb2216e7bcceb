"""Sentence vectors from the article's own words: TF-IDF, for languages the encoder does not read.

The packaged encoder (all-MiniLM-L6-v2) was trained on English; on German or Portuguese its
vectors say little. What needs no model in any language is which words a sentence shares with
the rest of the article and with its headline. ``LexicalEncoder`` has the encoder's interface
(``encode``: texts -> L2-normalised rows), so the key-point scoring runs unchanged on it: the
centroid cosine becomes lexical centrality, the headline cosine becomes headline overlap, and
maximal marginal relevance compares the words two sentences share.

Three stages, as with the encoder:

* ``preprocess``  each text -> its terms: content words (``models.languages.content_words``: four
  letters or more; two-character runs in Chinese and Japanese), each cut to its first
  ``STEM_CHARS`` characters, a crude stemmer that works across inflected languages ("Regierung",
  "Regierungen"; "правительство", "правительства");
* ``forward``     term counts -> TF-IDF, with document frequencies over the texts given (the
  article's candidate sentences, then its headline and standfirst): a word in every sentence
  weighs nothing, a word in few weighs most;
* ``postprocess`` L2 normalisation; a text with no weighted term is a zero row.

``ArticleLexicon`` is the same TF-IDF fitted once on one article's sentences, so that any other
text (a generated point, for grounding) is a row in that article's space.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from models.languages import content_words

__all__ = ["STEM_CHARS", "ArticleLexicon", "LexicalEncoder"]

# Words are compared on their first six characters: long enough to tell most words apart, short
# enough to join a word's inflections (Portuguese "governo"/"governos", German "Stadtrat"/"Stadtrats").
STEM_CHARS = 6


def _terms(texts: Sequence[str]) -> list[Counter[str]]:
    return [Counter(w[:STEM_CHARS] for w in content_words(t)) for t in texts]


def _vocabulary(terms: Sequence[Counter[str]]) -> tuple[dict[str, int], Counter[str]]:
    """Each term's column (in sorted order) and its document frequency over ``terms``."""
    df = Counter(term for counts in terms for term in counts)
    return {term: k for k, term in enumerate(sorted(df))}, df


def _tf(count: int) -> float:
    return 1.0 + math.log(count)


def _idf(n: int, df: int) -> float:
    """Smoothed IDF over ``n`` texts without the usual +1: a term in every text weighs (almost) nothing."""
    return math.log((1 + n) / (1 + df))


def _normalised(weights: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(weights, axis=1, keepdims=True)
    return weights / np.where(norms == 0, 1.0, norms)


class LexicalEncoder:
    """TF-IDF rows over the texts of one call (see the module docstring). Stateless: each call is
    one article."""

    name = "lexical-tfidf"
    quantized = False

    def preprocess(self, texts: Sequence[str]) -> list[Counter[str]]:
        return _terms(texts)

    def forward(self, terms: list[Counter[str]]) -> np.ndarray:
        index, df = _vocabulary(terms)
        n = len(terms)
        out = np.zeros((n, len(index)), dtype=np.float32)
        for row, counts in enumerate(terms):
            for term, count in counts.items():
                out[row, index[term]] = _tf(count) * _idf(n, df[term])
        return out

    def postprocess(self, weights: np.ndarray) -> np.ndarray:
        return _normalised(weights)

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        return self.postprocess(self.forward(self.preprocess(sentences)))


class ArticleLexicon:
    """A ``SentenceEncoder`` fitted on one article's sentences, for languages the encoder does not
    read: the TF-IDF above, with the article's sentences as the documents. Any text, a generated
    point included, is a row in the same space; its words that no sentence has count in its length
    (at the highest weight, as a word in no sentence), so a point that says much the article does
    not scores low."""

    name = LexicalEncoder.name
    quantized = False

    def __init__(self, sentences: Sequence[str]) -> None:
        counts = _terms(sentences)
        n = len(counts)
        self._index, df = _vocabulary(counts)
        self._idf = {term: _idf(n, d) for term, d in df.items()}
        self._unseen_idf = _idf(n, 0)

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        # One column per article term, and a last one for the weight of the terms it lacks.
        out = np.zeros((len(sentences), len(self._index) + 1), dtype=np.float32)
        for row, counts in enumerate(_terms(sentences)):
            unseen = 0.0
            for term, count in counts.items():
                weight = _tf(count) * self._idf.get(term, self._unseen_idf)
                if term in self._index:
                    out[row, self._index[term]] = weight
                else:
                    unseen += weight * weight
            out[row, -1] = math.sqrt(unseen)
        out = _normalised(out)
        out[:, -1] = 0.0  # never shared: only its share of the length counts
        return out
