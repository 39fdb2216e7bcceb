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
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from models.languages import content_words

__all__ = ["STEM_CHARS", "LexicalEncoder"]

# Words are compared on their first six characters: long enough to tell most words apart, short
# enough to join a word's inflections (Portuguese "governo"/"governos", German "Stadtrat"/"Stadtrats").
STEM_CHARS = 6


class LexicalEncoder:
    """TF-IDF rows over the texts of one call (see the module docstring). Stateless: each call is
    one article."""

    name = "lexical-tfidf"
    quantized = False

    def preprocess(self, texts: Sequence[str]) -> list[Counter[str]]:
        return [Counter(w[:STEM_CHARS] for w in content_words(t)) for t in texts]

    def forward(self, terms: list[Counter[str]]) -> np.ndarray:
        vocabulary = sorted(set().union(*terms)) if terms else []
        index = {term: k for k, term in enumerate(vocabulary)}
        df = Counter(term for counts in terms for term in counts)
        n = len(terms)
        out = np.zeros((n, len(vocabulary)), dtype=np.float32)
        for row, counts in enumerate(terms):
            for term, count in counts.items():
                # Smoothed IDF without the usual +1: a term in every text weighs (almost) nothing.
                out[row, index[term]] = (1.0 + math.log(count)) * math.log((1 + n) / (1 + df[term]))
        return out

    def postprocess(self, weights: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(weights, axis=1, keepdims=True)
        return weights / np.where(norms == 0, 1.0, norms)

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        return self.postprocess(self.forward(self.preprocess(sentences)))
