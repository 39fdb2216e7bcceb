"""Token-aware chunks of an article, for models whose context is shorter than the article.

Chunks are runs of whole sentences (a sentence longer than a chunk is cut between words) whose
token counts, by the backend's own tokenizer, add up to at most ``max_tokens``. Each chunk after
the first starts with the previous chunk's last sentences, up to ``overlap_tokens`` of them, so a
fact told across a boundary is whole in one chunk. Chunks are character spans of the article:
the same text and budget always give the same chunks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from models.sentences import Sentence

__all__ = ["Chunk", "TokenCounter", "chunk_article"]

TokenCounter = Callable[[Sequence[str]], list[int]]
"""Token counts of several texts, without special tokens."""


@dataclass(frozen=True, slots=True)
class Chunk:
    start: int
    end: int
    """Character offsets into the article: the chunk's text is ``text[start:end]``."""
    tokens: int
    """The sum of its pieces' token counts (joining them may differ by a token or two)."""


@dataclass(frozen=True, slots=True)
class _Piece:
    start: int
    end: int
    tokens: int


def _pieces(text: str, sentences: Sequence[Sentence], count: TokenCounter, max_tokens: int) -> list[_Piece]:
    """Sentences, with those over ``max_tokens`` cut into runs of words that fit."""
    counts = count([s.text for s in sentences]) if sentences else []
    pieces: list[_Piece] = []
    for sentence, tokens in zip(sentences, counts, strict=True):
        if tokens <= max_tokens:
            pieces.append(_Piece(sentence.start, sentence.end, tokens))
            continue
        words = [
            (m.start() + sentence.start, m.end() + sentence.start) for m in re.finditer(r"\S+", sentence.text)
        ]
        # Words per piece from the sentence's own tokens-per-word, with 10 % to spare.
        per_piece = max(1, int(0.9 * max_tokens * len(words) / tokens))
        spans = [
            (words[i][0], words[min(i + per_piece, len(words)) - 1][1])
            for i in range(0, len(words), per_piece)
        ]
        piece_counts = count([text[s:e] for s, e in spans])
        pieces += [_Piece(s, e, min(n, max_tokens)) for (s, e), n in zip(spans, piece_counts, strict=True)]
    return pieces


def chunk_article(
    text: str,
    sentences: Sequence[Sentence],
    count: TokenCounter,
    max_tokens: int,
    overlap_tokens: int = 0,
    max_chunks: int | None = None,
) -> list[Chunk]:
    """Chunks covering ``sentences`` in order (the first ``max_chunks`` of them, if given)."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be positive")
    pieces = _pieces(text, sentences, count, max_tokens)
    chunks: list[Chunk] = []
    first = 0
    while first < len(pieces) and (max_chunks is None or len(chunks) < max_chunks):
        end, used = first, 0
        while end < len(pieces) and (end == first or used + pieces[end].tokens <= max_tokens):
            used += pieces[end].tokens
            end += 1
        chunks.append(Chunk(pieces[first].start, pieces[end - 1].end, used))
        if end >= len(pieces):
            break
        # The next chunk repeats this one's last pieces, up to overlap_tokens, and always moves on.
        start, repeated = end, 0
        while start - 1 > first and repeated + pieces[start - 1].tokens <= overlap_tokens:
            repeated += pieces[start - 1].tokens
            start -= 1
        first = start
    return chunks
