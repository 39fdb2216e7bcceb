"""Rewritten key points that the article supports, falling back on its own sentences.

A cascade; each stage runs only for what the previous one left undone, and each point records
which stage made it (``KeyPoint.rewritten``):

1. **map**     the article is cut into token-aware, overlapping chunks (``chunking``), and the
               backend writes candidate points for each;
2. **ground**  every candidate is checked against the article (``models.grounding``): a point
               that some sentences do not support is dropped;
3. **reduce**  the grounded candidates of all chunks are deduplicated and ranked by how much of
               the article they cover, with maximal marginal relevance; the best ``n`` are kept
               (``rewritten=True``, spans = their supporting sentences);
4. **fill**    if fewer than ``n`` survive, the best extractive points (``models.keypoints``) that
               say something else fill the gap (``rewritten=False``). When the backend itself
               fails (a server down, a timeout), every point comes from this stage and a warning
               is logged: the reply is still faithful, only less rewritten.

All points are shown in article order. The same article gives the same points: chunking,
decoding (greedy or fixed beams) and every ranking step are deterministic.

**Another language** (``Hints.language``, issue 15): the backend gets the article in its own
language, split by that language's rules, and is asked to answer in it (``generate``'s
``language``: the instruction prompt names it; a seq2seq model writes in the language it was
trained on). The TL;DR, the ranking and the fill are the extractive summarizer's for that language
(on the article's own words, ``models.lexical``), and grounding checks the points against the
article's own words too (``models.lexical.ArticleLexicon``, ``LEXICAL_GROUNDING``): the encoder reads English.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from bot.core.errors import SummarizerUnavailable
from bot.core.types import KeyPoint
from models.abstractive.chunking import chunk_article
from models.grounding import LEXICAL_GROUNDING, Grounder, Grounding, GroundingOptions
from models.keypoints import (
    DUPLICATE_COSINE,
    Hints,
    KeyPointResult,
    Scoring,
    SentenceEncoder,
    rank_key_points,
    repeats,
)
from models.languages import is_english
from models.lexical import ArticleLexicon, LexicalEncoder
from models.sentences import split_sentences

__all__ = ["AbstractiveSummarizer", "PointGenerator"]

log = logging.getLogger(__name__)

# Chunks past this many are not sent to the model: news puts what matters first (the extractive
# ranking reads the first 30 sentences for the same reason), and each chunk costs a generation.
MAX_CHUNKS = 8
# Tokens repeated at the start of the next chunk: about two news sentences (a quarter of the
# chunk at most, so that a small context still moves on).
OVERLAP_TOKENS = 64


class PointGenerator(Protocol):
    """A backend that writes candidate key points (``Seq2SeqGenerator``, ``CausalGenerator``,
    ``OpenAIChatGenerator``, or a scripted fake in tests)."""

    name: str

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def input_budget(self, points: int, title: str | None = None, *, language: str | None = None) -> int:
        """Tokens of article text one chunk may hold."""
        ...

    def generate(
        self, chunks: Sequence[str], points: int, *, title: str | None = None, language: str | None = None
    ) -> list[list[str]]:
        """Candidate point texts for each chunk, written in ``language`` (ISO 639-1, the article's;
        ``None``: English). Blocking; raises ``SummarizerUnavailable``."""
        ...


class AbstractiveSummarizer:
    """A ``Summarizer`` (``models.summarizer``) over any ``PointGenerator``."""

    def __init__(
        self,
        generator: PointGenerator,
        encoder: SentenceEncoder,
        *,
        scoring: Scoring = Scoring(),
        grounding: GroundingOptions = GroundingOptions(),
        lexical_grounding: GroundingOptions = LEXICAL_GROUNDING,
        max_chunks: int = MAX_CHUNKS,
    ) -> None:
        """``grounding`` for English (on ``encoder``), ``lexical_grounding`` for other languages."""
        self.generator = generator
        self._encoder = encoder
        self._scoring = scoring
        self._grounding = grounding
        self._lexical_grounding = lexical_grounding
        self._max_chunks = max_chunks
        self.name = f"{generator.name}+grounded"

    def name_for(self, language: str | None) -> str:
        """What made a digest in ``language``: in another language than English the TL;DR, the
        fill and the grounding score the article's own words, not the encoder's vectors."""
        return self.name if is_english(language) else f"{self.name}:{LexicalEncoder.name}"

    def summarize(
        self, text: str, points: int, *, title: str | None = None, hints: Hints | None = None
    ) -> KeyPointResult:
        """Rewritten points, grounded; the TL;DR is always the extractive one (an article sentence,
        or a deletion-only shortening of one), and no point says it again."""
        hints = hints or Hints(title=title)
        title, language = hints.title, hints.language
        english = is_english(language)
        sentences = split_sentences(text, language)
        if points <= 0 or not sentences:
            return KeyPointResult((), None)
        # The extractive summarizer's ranking for this language: the encoder reads English only.
        ranker = _LastEncoding(self._encoder if english else LexicalEncoder())
        tldr, _ = rank_key_points(text, ranker, 0, hints=hints, scoring=self._scoring)
        # 1. map
        budget = max(1, self.generator.input_budget(points, title, language=language))
        chunks = chunk_article(
            text,
            sentences,
            self.generator.count_tokens,
            budget,
            min(OVERLAP_TOKENS, budget // 4),
            self._max_chunks,
        )
        try:
            written = self.generator.generate(
                [text[c.start : c.end] for c in chunks], points, title=title, language=language
            )
        except SummarizerUnavailable as exc:
            log.warning("%s failed, key points are extractive: %s", self.generator.name, exc.message)
            written = []
        candidates = list(dict.fromkeys(p for chunk_points in written for p in chunk_points))
        chosen: list[tuple[Grounding, np.ndarray]] = []
        similarity: SentenceEncoder = self._encoder
        if candidates:  # a failed or silent backend leaves nothing to ground, and nothing to embed
            # 2. ground, against the sentences the model read
            read = [s for s in sentences if chunks and s.start < chunks[-1].end]
            options = self._grounding
            if not english:
                similarity, options = ArticleLexicon([s.text for s in read]), self._lexical_grounding
            grounder = Grounder(text, read, similarity, options, language=language)
            embeddings = grounder.embed(candidates)
            groundings = [grounder.ground(p, e) for p, e in zip(candidates, embeddings, strict=True)]
            for g in groundings:
                if not g.supported:
                    log.debug("dropped a point (%s: %s): %.120s", g.failed, g.reason, g.text)
            # 3. reduce
            kept = [i for i, g in enumerate(groundings) if g.supported and not _restates(g, tldr, language)]
            chosen = self._reduce([groundings[i] for i in kept], embeddings[kept], grounder, points)
        rewritten = [KeyPoint(g.text, g.spans, rewritten=True) for g, _ in chosen]
        # 4. fill
        filled = self._fill(text, points - len(rewritten), hints, chosen, ranker, similarity)
        ordered = sorted(rewritten + filled, key=lambda p: (p.spans[0][0], not p.rewritten))
        return KeyPointResult(tuple(ordered), tldr)

    def _reduce(
        self, groundings: list[Grounding], embeddings: np.ndarray, grounder: Grounder, n: int
    ) -> list[tuple[Grounding, np.ndarray]]:
        """Up to ``n`` grounded points, best first: coverage of the article (cosine to the centroid
        of its sentences) plus the extractive position prior of the first supporting sentence,
        less maximal-marginal-relevance redundancy; a near-duplicate of a chosen point never."""
        if not groundings or n <= 0:
            return []
        w = self._scoring
        centroid = grounder.sentence_embeddings.mean(axis=0)
        centroid = centroid / (float(np.linalg.norm(centroid)) or 1.0)
        first = np.asarray([min(g.sentences) for g in groundings], dtype=np.float32)
        base = w.centrality * (embeddings @ centroid) + w.position * np.exp(-first / w.position_decay)
        chosen: list[int] = []
        available = list(range(len(groundings)))
        while available and len(chosen) < n:
            score = base[available].copy()
            if chosen:
                overlap = (embeddings[available] @ embeddings[chosen].T).max(axis=1)
                score = np.where(overlap > DUPLICATE_COSINE, -np.inf, score - w.redundancy * overlap)
                if np.isneginf(score).all():
                    break
            best = available[int(np.argmax(score))]
            chosen.append(best)
            available.remove(best)
        return [(groundings[i], embeddings[i]) for i in chosen]

    def _fill(
        self,
        text: str,
        missing: int,
        hints: Hints,
        chosen: list[tuple[Grounding, np.ndarray]],
        ranker: SentenceEncoder,
        similarity: SentenceEncoder,
    ) -> list[KeyPoint]:
        """The best extractive points (ranked on ``ranker``) that neither repeat a supporting
        sentence of a rewritten point nor say the same thing (cosine above ``DUPLICATE_COSINE`` on
        ``similarity``, the vectors the rewritten points were grounded with)."""
        if missing <= 0:
            return []
        taken = {span for g, _ in chosen for span in g.spans}
        chosen_emb = np.stack([e for _, e in chosen]) if chosen else None
        wanted = missing + len(taken) + len(chosen)  # enough, unless many are near-duplicates
        while True:
            _, ranked = rank_key_points(text, ranker, wanted, hints=hints, scoring=self._scoring)
            fresh = [p for p in ranked if not any(_overlaps(p.spans[0], s) for s in taken)]
            if chosen_emb is not None and fresh:
                similar = (similarity.encode([p.text for p in fresh]) @ chosen_emb.T).max(axis=1)
                fresh = [p for p, sim in zip(fresh, similar, strict=True) if sim <= DUPLICATE_COSINE]
            if len(fresh) >= missing or len(ranked) < wanted:
                return fresh[:missing]
            wanted *= 2


class _LastEncoding:
    """A ``SentenceEncoder`` that answers a repeat of its last call from memory: the TL;DR's
    ranking and the fill's usually encode the very same candidate sentences."""

    def __init__(self, encoder: SentenceEncoder) -> None:
        self._encoder = encoder
        self.name = encoder.name
        self._last: tuple[tuple[str, ...], np.ndarray] | None = None

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        key = tuple(sentences)
        if self._last is None or self._last[0] != key:
            self._last = (key, self._encoder.encode(sentences))
        return self._last[1].copy()


def _restates(grounding: Grounding, tldr: KeyPoint | None, language: str | None = None) -> bool:
    """A point that says the TL;DR again, or rests on the TL;DR's sentence, is no further fact."""
    if tldr is None:
        return False
    return repeats(grounding.text, tldr.text, language) or any(
        _overlaps(a, b) for a in grounding.spans for b in tldr.spans
    )


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]
