"""Map-reduce, grounding and the extractive fill, with a scripted backend whose points are known:
some faithful, some hallucinated, some repeated across chunks."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import pairwise

from bot.core.errors import SummarizerUnavailable
from bot.core.extract import article_from_text
from bot.core.pipeline import Digester
from bot.core.render import digest_to_json
from bot.core.types import DigestOptions, KeyPoint
from models.abstractive import AbstractiveSummarizer
from models.sentences import split_sentences
from models.summarizer import ExtractiveSummarizer

from .conftest import BagOfWordsEncoder
from .tiny_models import ARTICLE

FAITHFUL_LEDE = "Ukraine fired ATACMS missiles at Russia for the first time, the defence ministry said."
FAITHFUL_BIDEN = "Joe Biden allowed Kyiv to use the long-range weapons inside Russia."
FAITHFUL_BIDEN_AGAIN = "Joe Biden allowed Kyiv to use long-range weapons inside Russia."  # a near-duplicate
FAITHFUL_SUMY = "A drone attack on the city of Sumy killed twenty-one people, officials said."
HALLUCINATED = (
    "The US fired ATACMS missiles at Russia for the first time, the defence ministry said on Tuesday.",
    "A drone attack on the city of Sumy killed 12 people, officials said.",
    "Biden said “we will win” as he allowed Kyiv to use the long-range weapons inside Russia.",
)
# Which points the backend writes when a chunk contains a fact.
SCRIPT = {
    "Ukraine has fired": [HALLUCINATED[0], FAITHFUL_LEDE],
    "Joe Biden": [FAITHFUL_BIDEN, HALLUCINATED[2]],
    "Moscow has warned": [FAITHFUL_BIDEN_AGAIN],
    "killed 21": [HALLUCINATED[1], FAITHFUL_SUMY],
}


class ScriptedGenerator:
    """Counts words as tokens; writes the scripted points of the facts each chunk contains."""

    name = "scripted"

    def __init__(self, script: dict[str, list[str]] | None = None, budget: int = 60) -> None:
        self.script = SCRIPT if script is None else script
        self.budget = budget
        self.calls: list[list[str]] = []
        self.languages: list[str | None] = []

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def input_budget(self, points: int, title: str | None = None, *, language: str | None = None) -> int:
        return self.budget

    def generate(
        self, chunks: Sequence[str], points: int, *, title: str | None = None, language: str | None = None
    ) -> list[list[str]]:
        self.calls.append(list(chunks))
        self.languages.append(language)
        return [[p for fact, ps in self.script.items() if fact in chunk for p in ps] for chunk in chunks]


class DownGenerator(ScriptedGenerator):
    def generate(self, chunks, points, *, title=None, language=None):
        raise SummarizerUnavailable("the OpenAI-compatible server at http://127.0.0.1:9/v1 answered HTTP 500")


def span_of(fragment: str) -> tuple[int, int]:
    (s,) = [s for s in split_sentences(ARTICLE) if fragment in s.text]
    return s.start, s.end


def test_grounded_points_are_kept_hallucinations_dropped_and_the_rest_filled() -> None:
    generator = ScriptedGenerator()
    summarizer = AbstractiveSummarizer(generator, BagOfWordsEncoder())
    result = summarizer.summarize(ARTICLE, 4)

    assert len(result.points) == 4
    rewritten = {p.text: p for p in result.points if p.rewritten}
    # The lede's fact is the TL;DR (always extractive): its rewriting would say it again.
    assert set(rewritten) == {FAITHFUL_BIDEN, FAITHFUL_SUMY}
    assert rewritten[FAITHFUL_BIDEN].spans == (span_of("Joe Biden"),)
    assert rewritten[FAITHFUL_SUMY].spans == (span_of("killed 21"),)
    assert not any(p.text in HALLUCINATED or p.text == FAITHFUL_BIDEN_AGAIN for p in result.points)
    assert result.tldr is not None and not result.tldr.rewritten
    lede = span_of("Ukraine has fired")
    assert all(lede[0] <= s and e <= lede[1] for s, e in result.tldr.spans)
    extractive = [p for p in result.points if not p.rewritten]
    assert len(extractive) == 2
    for point in extractive:
        ((start, end),) = point.spans
        assert ARTICLE[start:end] == point.text
        assert point.spans[0] not in {lede, span_of("Joe Biden"), span_of("killed 21")}
    starts = [p.spans[0][0] for p in result.points]
    assert starts == sorted(starts)  # article order

    # The map step saw several overlapping chunks of the article.
    (chunks,) = generator.calls
    assert len(chunks) > 2
    assert all(ARTICLE.find(b[:40]) < ARTICLE.find(a[-40:]) for a, b in pairwise(chunks))
    assert summarizer.summarize(ARTICLE, 4) == result  # deterministic


def test_garbage_everywhere_gives_exactly_the_extractive_digest() -> None:
    encoder = BagOfWordsEncoder()
    garbage = {"": ["strike strike strike made made made", "are aid the the of Brussels Sumy ATACMS."]}
    result = AbstractiveSummarizer(ScriptedGenerator(garbage), encoder).summarize(
        ARTICLE, 3, title="Missiles"
    )
    assert result == ExtractiveSummarizer(encoder).summarize(ARTICLE, 3, title="Missiles")
    assert len(result.points) == 3 and not any(p.rewritten for p in result.points)


def test_fewer_points_than_grounded_keeps_the_best() -> None:
    result = AbstractiveSummarizer(ScriptedGenerator(), BagOfWordsEncoder()).summarize(ARTICLE, 1)
    (point,) = result.points
    assert point.rewritten and result.tldr is not None and not result.tldr.rewritten


def test_a_failing_backend_falls_back_to_extractive_and_says_so(caplog) -> None:
    encoder = BagOfWordsEncoder()
    with caplog.at_level(logging.WARNING, logger="models.abstractive.summarizer"):
        result = AbstractiveSummarizer(DownGenerator(), encoder).summarize(ARTICLE, 3)
    assert result == ExtractiveSummarizer(encoder).summarize(ARTICLE, 3)
    assert "HTTP 500" in caplog.text and "extractive" in caplog.text


def test_nothing_to_summarize() -> None:
    summarizer = AbstractiveSummarizer(ScriptedGenerator(), BagOfWordsEncoder())
    assert summarizer.summarize("", 3).points == ()
    assert summarizer.summarize(ARTICLE, 0).points == ()


def test_the_digest_json_says_which_points_were_rewritten() -> None:
    summarizer = AbstractiveSummarizer(ScriptedGenerator(), BagOfWordsEncoder())
    digest = Digester(None, summarizer).digest_article(article_from_text(ARTICLE), DigestOptions(points=4))
    data = digest_to_json(digest)
    assert data["model"]["name"] == "scripted+grounded"
    assert sorted(p["rewritten"] for p in data["key_points"]) == [False, False, True, True]
    for point in data["key_points"]:
        assert set(point) == {"text", "spans", "rewritten"}
        if not point["rewritten"]:
            ((s, e),) = point["spans"]
            assert data["text"][s:e] == point["text"]


def test_the_cache_keeps_the_rewritten_flag() -> None:
    from bot.core.service import _digest_from_json, _digest_to_json

    summarizer = AbstractiveSummarizer(ScriptedGenerator(), BagOfWordsEncoder())
    digest = Digester(None, summarizer).digest_article(article_from_text(ARTICLE), DigestOptions(points=4))
    assert _digest_from_json(_digest_to_json(digest), digest.article) == digest
    old_entry = _digest_to_json(digest).replace(', "rewritten": true', "").replace(', "rewritten": false', "")
    assert all(not p.rewritten for p in _digest_from_json(old_entry, digest.article).key_points)


def test_keypoint_default_is_extractive() -> None:
    assert KeyPoint("x", ((0, 1),)).rewritten is False
