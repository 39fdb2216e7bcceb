"""Extractive key points on sentence embeddings.

Three stages, as in transformers' pipelines:

* ``preprocess``  text -> candidate sentences (exact spans; datelines, bylines and fragments
  trimmed), limited to the first ``MAX_CANDIDATES`` sentences: news puts what matters first, and
  a sentence that can never be chosen is not worth embedding.
* ``forward``     the encoder embeds the candidates (the only model call).
* ``postprocess`` scores and picks: each sentence's score blends its *centrality* (cosine to the
  article's centroid: how much of the article it stands for), a *position prior* (the lede
  matters in news) and, when known, *similarity to the headline*. Points are then chosen
  greedily with maximal marginal relevance, so a sentence that repeats a chosen one loses, and
  are returned in article order. The TL;DR is the single best-scoring sentence.

Every ``KeyPoint`` carries the span of the sentence it came from, and its text is exactly
``text[start:end]``: a point is always traceable.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bot.core.types import KeyPoint
from models.sentences import candidate_span, iter_sentences

__all__ = [
    "Candidates",
    "KeyPointResult",
    "Scoring",
    "SentenceEncoder",
    "rank_key_points",
    "select_key_points",
]

# Sentences past this index are never candidates: on CNN/DM the reference points come from the
# first 30 sentences in 97 % of articles, and embedding fewer sentences is most of the speed-up.
MAX_CANDIDATES = 30
# Cosine above which two sentences say the same thing (a rewritten lede, a repeated caption):
# the later one is never chosen beside the earlier, whatever the MMR weights.
DUPLICATE_COSINE = 0.85


class SentenceEncoder(Protocol):
    name: str

    def encode(self, sentences: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class Scoring:
    """Weights of the selection score; tuned on the CNN/DM dev split (``make bench`` reports)."""

    centrality: float = 1.0
    position: float = 1.0
    position_decay: float = 8.0
    """The position prior is ``exp(-i / decay)``: sentence 0 gets 1, sentence 8 gets 1/e."""
    headline: float = 0.2
    """Not tuned (the dev set carries no headlines): kept small so it only breaks near-ties."""
    redundancy: float = 0.3
    """MMR penalty on the highest cosine to an already-chosen point."""
    length_target: int = 28
    """Words; points much longer than this read as walls and are damped."""
    length_penalty: float = 0.3


@dataclass(frozen=True, slots=True)
class Candidates:
    spans: tuple[tuple[int, int], ...]
    positions: tuple[int, ...]
    """Index of each candidate among all sentences of the article (0 = the lede)."""


@dataclass(frozen=True, slots=True)
class KeyPointResult:
    points: tuple[KeyPoint, ...]
    tldr: KeyPoint | None


def preprocess(text: str, n: int = 0, max_candidates: int = MAX_CANDIDATES) -> Candidates:
    """Candidate sentences; when fewer than ``n`` pass the filters, the rest are let in too, so
    an article with at least ``n`` sentences always yields exactly ``n`` points."""
    sentences = iter_sentences(text)
    seen = list(itertools.islice(sentences, max_candidates))
    chosen: dict[int, tuple[int, int]] = {}
    for index, sentence in enumerate(seen):
        if (span := candidate_span(sentence)) is not None:
            chosen[index] = span
    if len(chosen) < n:  # too few passed the filters: let in the rest, reading further if need be
        for index, sentence in enumerate(itertools.chain(seen, sentences)):
            if len(chosen) >= n:
                break
            if index not in chosen and any(ch.isalnum() for ch in sentence.text):
                chosen[index] = (sentence.start, sentence.end)
    order = sorted(chosen)
    return Candidates(tuple(chosen[i] for i in order), tuple(order))


def forward(encoder: SentenceEncoder, text: str, candidates: Candidates, title: str | None) -> np.ndarray:
    items = [text[s:e] for s, e in candidates.spans]
    if title:
        items.append(title)
    if not items:
        return np.zeros((0, 0), dtype=np.float32)
    return encoder.encode(items)


def scores(
    emb: np.ndarray, candidates: Candidates, text: str, title_emb: np.ndarray | None, w: Scoring
) -> np.ndarray:
    centroid = emb.mean(axis=0)
    norm = float(np.linalg.norm(centroid)) or 1.0
    centrality = emb @ (centroid / norm)
    positions = np.asarray(candidates.positions, dtype=np.float32)
    prior = np.exp(-positions / w.position_decay)
    result = w.centrality * centrality + w.position * prior
    if title_emb is not None:
        result = result + w.headline * (emb @ title_emb)
    lengths = np.asarray([len(text[s:e].split()) for s, e in candidates.spans], dtype=np.float32)
    over = np.clip(lengths / w.length_target - 1.0, 0.0, None)
    return result - w.length_penalty * over


def choose(
    emb: np.ndarray, candidates: Candidates, text: str, n: int, title: str | None, w: Scoring
) -> list[int]:
    """Indices of up to ``n`` candidates, best first (the order maximal marginal relevance picks
    them in): a prefix of a longer choice is the shorter choice."""
    if not candidates.spans or n <= 0:
        return []
    title_emb = emb[-1] if title else None
    sent_emb = emb[:-1] if title else emb
    base = scores(sent_emb, candidates, text, title_emb, w)
    chosen: list[int] = []
    available = list(range(len(base)))
    while available and len(chosen) < n:
        if chosen:
            overlap = (sent_emb[available] @ sent_emb[chosen].T).max(axis=1)
            mmr = base[available] - w.redundancy * overlap
            if (overlap <= DUPLICATE_COSINE).any():
                mmr = np.where(overlap > DUPLICATE_COSINE, -np.inf, mmr)
        else:
            mmr = base[available]
        best = available[int(np.argmax(mmr))]
        chosen.append(best)
        available.remove(best)
    return chosen


def _point(text: str, candidates: Candidates, i: int) -> KeyPoint:
    s, e = candidates.spans[i]
    return KeyPoint(text=text[s:e], spans=((s, e),))


def postprocess(
    emb: np.ndarray, candidates: Candidates, text: str, n: int, title: str | None, w: Scoring
) -> KeyPointResult:
    chosen = choose(emb, candidates, text, n, title, w)
    if not chosen:
        return KeyPointResult((), None)
    points = tuple(_point(text, candidates, i) for i in sorted(chosen))
    return KeyPointResult(points, _point(text, candidates, chosen[0]))


def select_key_points(
    text: str,
    encoder: SentenceEncoder,
    n: int,
    *,
    title: str | None = None,
    scoring: Scoring = Scoring(),
) -> KeyPointResult:
    """``n`` key points in article order (fewer only when the article has fewer candidates)."""
    candidates = preprocess(text, n)
    emb = forward(encoder, text, candidates, title)
    return postprocess(emb, candidates, text, n, title, scoring)


def rank_key_points(
    text: str,
    encoder: SentenceEncoder,
    n: int,
    *,
    title: str | None = None,
    scoring: Scoring = Scoring(),
) -> tuple[KeyPoint, ...]:
    """The points ``select_key_points`` would show, best first rather than in article order (the
    first is its TL;DR): what an abstractive summarizer falls back on, one point at a time."""
    candidates = preprocess(text, n)
    emb = forward(encoder, text, candidates, title)
    return tuple(_point(text, candidates, i) for i in choose(emb, candidates, text, n, title, scoring))
