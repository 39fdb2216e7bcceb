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


def test_tldr_is_one_of_the_points(bow_encoder) -> None:
    result = select_key_points(ARTICLE, bow_encoder, 3)
    assert result.tldr is not None
    assert result.tldr in result.points


def test_near_duplicate_sentences_are_not_both_chosen(bow_encoder) -> None:
    result = select_key_points(ARTICLE, bow_encoder, 3)
    texts = [p.text for p in result.points]
    dupes = [t for t in texts if t.startswith("The city council approved a new budget")]
    assert len(dupes) == 1


def test_duplicates_come_back_only_when_nothing_else_is_left(bow_encoder) -> None:
    text = (
        "The council approved the school budget on Tuesday night. " * 2
        + "The mayor will sign it into law next week."
    )
    result = select_key_points(text, bow_encoder, 3)
    assert len(result.points) == 3


def test_the_lede_wins_ties_in_news(bow_encoder) -> None:
    result = select_key_points(ARTICLE, bow_encoder, 1)
    assert result.points[0].text.startswith(
        "The city council approved a new budget for public schools on Tuesday night"
    )


@pytest.mark.parametrize("n", [1, 4, 7])
def test_n_points_when_the_article_has_n_sentences_even_short_ones(bow_encoder, n) -> None:
    text = "Rain fell. " + ARTICLE  # a 2-word sentence is no candidate, but still counts when needed
    result = select_key_points(text, bow_encoder, n)
    assert len(result.points) == n
    full = select_key_points(text, bow_encoder, 8)
    assert len(full.points) == 8
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
    assert any("Elm Street" in p.text for p in result.points)


def test_empty_text_gives_no_points(bow_encoder) -> None:
    result = select_key_points("", bow_encoder, 3)
    assert result.points == ()
    assert result.tldr is None


class ConstantEncoder:
    name = "constant"

    def encode(self, sentences):
        v = np.ones((len(sentences), 4), dtype=np.float32)
        return v / 2.0


def test_with_no_signal_the_position_prior_gives_lead_n() -> None:
    result = select_key_points(
        ARTICLE, ConstantEncoder(), 2, scoring=Scoring(redundancy=0.0, length_penalty=0.0)
    )
    assert [p.text for p in result.points] == [
        "The city council approved a new budget for public schools on Tuesday night.",
        "The budget adds money for teachers, buses and school lunches across the district.",
    ]
