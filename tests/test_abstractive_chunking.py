"""Token-aware chunking with overlap, and reading a model's list of points."""

from __future__ import annotations

from itertools import pairwise

import pytest

from models.abstractive.chunking import chunk_article
from models.abstractive.prompt import chat_messages, parse_points
from models.sentences import split_sentences

from .tiny_models import ARTICLE, build_tokenizer


def words(texts):
    return [len(t.split()) for t in texts]


def test_chunks_fit_the_budget_overlap_and_cover_every_sentence() -> None:
    sentences = split_sentences(ARTICLE)
    chunks = chunk_article(ARTICLE, sentences, words, max_tokens=45, overlap_tokens=20)
    assert len(chunks) > 2
    for chunk in chunks:
        assert len(ARTICLE[chunk.start : chunk.end].split()) <= 45
    assert chunks[0].start == sentences[0].start and chunks[-1].end == sentences[-1].end
    for before, after in pairwise(chunks):
        assert before.start < after.start < before.end  # moves on, and repeats the last sentence(s)
        assert len(ARTICLE[after.start : before.end].split()) <= 20
    covered = [s for s in sentences if any(c.start <= s.start and s.end <= c.end for c in chunks)]
    assert covered == sentences
    assert chunk_article(ARTICLE, sentences, words, 45, 20) == chunks  # deterministic


def test_no_overlap_and_a_chunk_cap() -> None:
    sentences = split_sentences(ARTICLE)
    chunks = chunk_article(ARTICLE, sentences, words, max_tokens=45)
    assert all(a.end < b.start for a, b in pairwise(chunks))
    assert len(chunk_article(ARTICLE, sentences, words, 45, max_chunks=2)) == 2


def test_a_short_article_is_one_chunk() -> None:
    sentences = split_sentences(ARTICLE)
    (chunk,) = chunk_article(ARTICLE, sentences, words, max_tokens=10_000, overlap_tokens=64)
    assert ARTICLE[chunk.start : chunk.end] == ARTICLE[sentences[0].start :]
    assert chunk_article("", [], words, 100) == []


def test_a_sentence_longer_than_a_chunk_is_cut_between_words() -> None:
    text = " ".join(f"word{i}" for i in range(100)) + "."
    chunks = chunk_article(text, split_sentences(text), words, max_tokens=30, overlap_tokens=0)
    assert len(chunks) >= 4
    assert all(c.tokens <= 30 and len(text[c.start : c.end].split()) <= 30 for c in chunks)
    assert " ".join(text[c.start : c.end] for c in chunks) == text


def test_chunks_counted_by_a_real_tokenizer_fit_its_budget() -> None:
    tokenizer = build_tokenizer([ARTICLE], max_length=64)

    def count(texts):
        return [len(ids) for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]]

    chunks = chunk_article(ARTICLE, split_sentences(ARTICLE), count, max_tokens=60, overlap_tokens=16)
    assert len(chunks) > 3
    for chunk in chunks:
        assert count([ARTICLE[chunk.start : chunk.end]])[0] <= 60


def test_max_tokens_must_be_positive() -> None:
    with pytest.raises(ValueError):
        chunk_article(ARTICLE, split_sentences(ARTICLE), words, 0)


# -- the prompt and the answer -------------------------------------------------------------------


def test_the_prompt_asks_for_n_points_of_this_article() -> None:
    system, user = chat_messages("The article text.", 4, "A title")
    assert system["role"] == "system" and "faithful" in system["content"]
    assert "4 most important key points" in user["content"]
    assert "Title: A title" in user["content"] and user["content"].endswith("Article:\nThe article text.")
    (only,) = chat_messages("x", 3, None, system_role=False)
    assert only["role"] == "user" and only["content"].startswith(system["content"])


def test_list_items_are_the_points() -> None:
    answer = (
        "Here are the key points:\n\n"
        "- **Ukraine** fired missiles at Russia.\n"
        "2. Six missiles were launched.\n"
        "* Five were shot down.\n"
        "• Five were shot down.\n"
        "(4) Sumy was hit by drones.\n"
    )
    assert parse_points(answer) == [
        "Ukraine fired missiles at Russia.",
        "Six missiles were launched.",
        "Five were shot down.",
        "Sumy was hit by drones.",
    ]


def test_prose_is_split_into_sentences() -> None:
    answer = "Ukraine fired missiles at Russia. Six were launched at a site in Bryansk."
    assert parse_points(answer) == [
        "Ukraine fired missiles at Russia.",
        "Six were launched at a site in Bryansk.",
    ]
    assert parse_points("") == []
