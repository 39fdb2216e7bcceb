"""Grounding on real hallucinations: a wrong actor, a wrong number, an invented quote, a loop."""

from __future__ import annotations

import pytest

from models.grounding import GroundingOptions, ground_points, numbers_in

from .conftest import BagOfWordsEncoder
from .tiny_models import ARTICLE

FAITHFUL = "Ukraine fired ATACMS missiles at Russia for the first time, the defence ministry said."
US_BOMBED_RUSSIA = "The US used ATACMS missiles to bomb Russia."
# The same claim, worded close enough to the article that only the entity check can stop it.
US_BOMBED_RUSSIA_CLOSE = (
    "The US fired ATACMS missiles at Russia for the first time, the defence ministry said on Tuesday."
)
KILLED_12 = "A drone attack on the city of Sumy killed 12 people, officials said."
KILLED_21_IN_WORDS = "A drone attack on the city of Sumy killed twenty-one people."


def ground(*points: str, encoder=None):
    return ground_points(ARTICLE, list(points), encoder or BagOfWordsEncoder())


def sentence_span(fragment: str) -> tuple[int, int]:
    from models.sentences import split_sentences

    (s,) = [s for s in split_sentences(ARTICLE) if fragment in s.text]
    return s.start, s.end


def test_a_faithful_paraphrase_is_supported_by_its_sentence() -> None:
    (g,) = ground(FAITHFUL)
    assert g.supported and g.failed is None
    assert g.spans == (sentence_span("Ukraine has fired"),)


def test_the_us_did_not_bomb_russia_ukraine_fired_the_missiles() -> None:
    short, close = ground(US_BOMBED_RUSSIA, US_BOMBED_RUSSIA_CLOSE)
    assert not short.supported
    assert not close.supported and close.failed == "entity"
    # "US-made" in the sentence does not make the US the one who fired.
    assert "us" in close.reason
    assert close.spans == (sentence_span("Ukraine has fired"),)


def test_a_wrong_number_fails_and_the_right_one_in_words_passes() -> None:
    wrong, right = ground(KILLED_12, KILLED_21_IN_WORDS)
    assert not wrong.supported and wrong.failed == "number" and "12" in wrong.reason
    assert right.supported and right.spans == (sentence_span("killed 21"),)


def test_names_must_be_in_the_supporting_sentences_not_just_somewhere_in_the_article() -> None:
    # Germany is in the article, but not in the sentence about the drone attack.
    (g,) = ground("A drone attack on the city of Sumy in Germany killed 21 people, officials said.")
    assert not g.supported and g.failed == "entity"


def test_a_first_name_the_article_gives_in_full_is_accepted() -> None:
    (g,) = ground("Joe Biden allowed Kyiv to use the long-range weapons inside Russia.")
    assert g.supported
    (wrong,) = ground("Hunter Biden allowed Kyiv to use the long-range weapons inside Russia.")
    assert not wrong.supported and wrong.failed == "entity"


def test_an_inflected_name_is_the_same_name() -> None:
    (g,) = ground(
        "Ukraine has fired ATACMS missiles at Russian targets for the first time, the ministry said."
    )
    assert g.supported


def test_quotes_are_never_generated() -> None:
    invented, verbatim = ground(
        'Biden said "we will win" after allowing Kyiv to use the long-range weapons inside Russia.',
        'Ukraine has fired "US-made ATACMS missiles" at Russia for the first time, the ministry said.',
    )
    assert not invented.supported and invented.failed == "quote"
    assert verbatim.supported


def test_garbage_fails_on_form_or_similarity() -> None:
    loop, nonsense, short = ground(
        "officials officials officials ATACMS ATACMS ATACMS officials officials",
        "rubble mourning grid Brussels winter apartment escalation",
        "Ukraine fired.",
    )
    assert loop.failed == "form" and short.failed == "form"
    assert not nonsense.supported


def test_unrelated_text_has_no_support() -> None:
    (g,) = ground("The city council approved a new budget for public schools on Tuesday night.")
    assert not g.supported and g.failed in {"similarity", "entity"}


def test_thresholds_are_options() -> None:
    (strict,) = ground_points(
        ARTICLE, [FAITHFUL], BagOfWordsEncoder(), GroundingOptions(min_support_cosine=0.99)
    )
    assert strict.failed == "similarity"


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("21 people", [21]),
        ("twenty-one people and twenty one more", [21, 21]),
        ("1,200 homes and 2.5 million dollars, $5bn", [1200, 2_500_000, 5e9]),
        ("in the 1990s, COVID-19", [1990, 19]),
        ("one of them", []),
        ("often, someone, none", []),
    ],
)
def test_numbers(text: str, values: list[float]) -> None:
    assert numbers_in(text) == values


@pytest.mark.slow
def test_on_the_real_minilm() -> None:
    from models.encoder import load_encoder

    encoder = load_encoder()
    faithful, us, wrong, right, paraphrase = ground(
        FAITHFUL,
        US_BOMBED_RUSSIA,
        KILLED_12,
        KILLED_21_IN_WORDS,
        "Biden let Kyiv use long-range weapons inside Russia days before the strike.",
        encoder=encoder,
    )
    assert faithful.supported and right.supported and paraphrase.supported
    assert us.failed == "entity"
    assert wrong.failed == "number"
