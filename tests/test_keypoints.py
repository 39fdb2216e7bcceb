import numpy as np
import pytest

from models.keypoints import MAX_CANDIDATES, Scoring, select_key_points

ARTICLE = (
    "The city council approved a new budget for public schools on Tuesday night. "
    "The budget adds money for teachers, buses and school lunches across the district. "
    "The city council approved a new budget for public schools on Tuesday evening. "
    "Parents at the meeting said the lunch programme had been underfunded for years. "
    "Separately, a water main burst on Elm Street and flooded three basements. "
    "Repair crews expect the street to reopen by the end of the week, officials said. "
    "The mayor will sign the budget into law next Monday at a public ceremony."
)


def test_returns_exactly_n_points_in_article_order_with_exact_spans(bow_encoder) -> None:
    result = select_key_points(ARTICLE, bow_encoder, 3)
    assert len(result.points) == 3
    starts = [p.spans[0][0] for p in result.points]
    assert starts == sorted(starts)
    for p in result.points:
        ((start, end),) = p.spans
        assert ARTICLE[start:end] == p.text


def test_the_tldr_is_the_lede_and_never_a_point(bow_encoder) -> None:
    result = select_key_points(ARTICLE, bow_encoder, 3)
    assert result.tldr is not None
    assert result.tldr.text == "The city council approved a new budget for public schools on Tuesday night."
    assert result.tldr not in result.points
    assert all(
        not any(a < e and s < b for a, b in result.tldr.spans) for p in result.points for s, e in p.spans
    )


def test_a_sentence_that_says_the_tldr_again_is_never_a_point(bow_encoder) -> None:
    result = select_key_points(ARTICLE, bow_encoder, 5)
    assert all("Tuesday evening" not in p.text for p in result.points)


def test_fewer_points_rather_than_the_tldr_again(bow_encoder) -> None:
    text = (
        "The council approved the school budget on Tuesday night. " * 2
        + "The mayor will sign the new school budget into law next week."
    )
    result = select_key_points(text, bow_encoder, 3)
    assert result.tldr is not None and result.tldr.text.startswith("The council approved")
    assert [p.text for p in result.points] == [
        "The mayor will sign the new school budget into law next week."
    ]


@pytest.mark.parametrize("n", [1, 3, 4])
def test_n_points_when_the_article_has_enough_sentences_even_short_ones(bow_encoder, n) -> None:
    text = "Rain fell. " + ARTICLE  # a 2-word sentence is no candidate, but still counts when needed
    result = select_key_points(text, bow_encoder, n)
    assert len(result.points) == n
    full = select_key_points(text, bow_encoder, 8)
    # Eight sentences: the TL;DR and the sentence that repeats it are never points.
    assert len(full.points) == 6
    assert any(p.text == "Rain fell." for p in full.points)


def test_only_the_first_sentences_are_embedded(bow_encoder) -> None:
    long_text = " ".join(
        f"Sentence number {i} talks about topic {i} at some considerable length." for i in range(80)
    )
    select_key_points(long_text, bow_encoder, 3)
    assert bow_encoder.calls == [MAX_CANDIDATES]


def test_headline_is_embedded_but_never_a_point(bow_encoder) -> None:
    result = select_key_points(
        ARTICLE, bow_encoder, 2, title="Water main bursts on Elm Street", scoring=Scoring(headline=2.0)
    )
    assert all("Water main bursts" not in p.text for p in result.points)
    # the sentence that says what the headline says leads: as the TL;DR, a few lines down
    assert result.tldr is not None and "Elm Street" in result.tldr.text


def test_empty_text_gives_no_points(bow_encoder) -> None:
    result = select_key_points("", bow_encoder, 3)
    assert result.points == ()
    assert result.tldr is None


class OneHotEncoder:
    """Every sentence unlike every other: no centrality signal at all."""

    name = "one-hot"

    def encode(self, sentences):
        return np.eye(len(sentences), 64, dtype=np.float32)


def test_with_no_signal_the_position_prior_gives_the_lede_and_what_follows() -> None:
    result = select_key_points(ARTICLE, OneHotEncoder(), 2, scoring=Scoring(length_penalty=0.0))
    assert result.tldr is not None
    assert result.tldr.text == "The city council approved a new budget for public schools on Tuesday night."
    assert [p.text for p in result.points] == [
        "The budget adds money for teachers, buses and school lunches across the district.",
        "Parents at the meeting said the lunch programme had been underfunded for years.",
    ]
