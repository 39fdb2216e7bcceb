"""``extract_quotes`` on hostile article text: its time grows linearly with the text, and the
digest deadline stops it (security review of ``models/quotes.py``).

Each shape once made a pass rescan a growing part of the text for every title, quote or name:
the capitalized run "Mr Mr Mr ..." for each title in it, a sentence of many quotes for each of
its quotes, the whole text for each "the statement said", every earlier name for each misspelt
one. Articles run to 100,000 characters.
A quadratic pass takes about 64 times as long for 8 times the text; a linear one about 8 times,
so the bound below (8 times, plus a second for a slow or busy machine) fails only the former.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from bot.core.errors import TooSlow
from models import deadline
from models.deadline import Deadline
from models.quotes import extract_quotes

SMALL = 12_500  # characters
LARGE = 100_000  # the longest article the extractor keeps
SLACK_S = 1.0  # added to 8 times the small run: timer noise on a slow or busy machine
DEADLINE_S = 0.05
STOP_S = 1.0  # how far past its deadline the work may run: one bounded step, on a slow machine


def repeated(unit: str, lead: str = "") -> Callable[[int], str]:
    """Text of about ``size`` characters: ``lead``, then ``unit`` over and over."""

    def build(size: int) -> str:
        return lead + unit * ((size - len(lead)) // len(unit))

    return build


def misspelt_names(size: int) -> str:
    """Many people, each met by someone whose surname is one letter off theirs: "Mr Rbcson"."""

    def word(k: int) -> str:
        return "".join("bcdfghjklm"[int(d)] for d in str(k))

    parts, length, k = [], 0, 0
    while length < size:
        parts.append(f"Bob Ka{word(k)}son met Mr Ra{word(k)}son. ")
        length, k = length + len(parts[-1]), k + 1
    return "".join(parts)[:size]


SHAPES = {
    "titles": repeated("Mr "),
    "trailing-titles": repeated("MP "),
    "suffixes": repeated("Jr "),
    "quotes": repeated('"a b c d e" '),
    "quotes-said": repeated("\u201ca b c d e\u201d said "),
    "fragments": repeated('Bob said "a b c d e" and '),
    "pronouns": repeated('"a b c d e," he told Bob. '),
    "nested": repeated("'a b c d' ", lead="'I "),
    "scare-quotes": repeated('the "a b c d" '),
    "documents": repeated('"A b c d e," the statement said. '),
    "misspelt-names": misspelt_names,
}
# Shapes whose work takes well over DEADLINE_S at LARGE even now it is linear.
SLOW = ("quotes", "quotes-said", "fragments", "pronouns", "misspelt-names")
NAMES_ONLY = ("titles", "trailing-titles", "suffixes")  # all the work is reading one capitalized run


def seconds(text: str) -> float:
    started = time.perf_counter()
    extract_quotes(text)
    return time.perf_counter() - started


@pytest.mark.timeout(30)
@pytest.mark.parametrize("build", SHAPES.values(), ids=SHAPES.keys())
def test_time_grows_linearly_with_the_text(build: Callable[[int], str]) -> None:
    small = seconds(build(SMALL))
    large = seconds(build(LARGE))
    assert large < 8 * small + SLACK_S, f"{SMALL:,} chars: {small:.2f} s, {LARGE:,} chars: {large:.2f} s"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("shape", SLOW)
def test_the_deadline_stops_it(shape: str) -> None:
    text = SHAPES[shape](LARGE)
    started = time.perf_counter()
    with pytest.raises(TooSlow), deadline.running(Deadline(DEADLINE_S)):
        extract_quotes(text)
    assert time.perf_counter() - started < DEADLINE_S + STOP_S


@pytest.mark.timeout(30)
@pytest.mark.parametrize("shape", NAMES_ONLY)
def test_the_deadline_is_checked_while_names_are_read(shape: str) -> None:
    """These take under DEADLINE_S now, so a deadline already past stands in for one that passes
    while the names are read: it is seen there, not after them."""
    text = SHAPES[shape](LARGE)
    started = time.perf_counter()
    with pytest.raises(TooSlow), deadline.running(Deadline(0)):
        extract_quotes(text)
    assert time.perf_counter() - started < STOP_S
