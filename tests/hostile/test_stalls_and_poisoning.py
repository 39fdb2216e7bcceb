"""Inputs that used to stall the bot, and pages that used to poison the cache (issue 13, parts 2
and 3): the real service, fetcher and extractor against servers on 127.0.0.1, the real sentence
splitter and quote finder, and bag-of-words vectors instead of the model."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from bot.core.errors import Busy, Cancelled, TooSlow
from bot.core.extract import MAX_ARTICLE_CHARS
from bot.core.fetch import Fetcher, FetchLimits
from bot.core.metrics import Metrics
from bot.core.pipeline import Digester
from bot.core.render import digest_to_json
from bot.core.service import DigestRequest, DigestService, PostedRef, Requester
from bot.core.store import SqliteStore
from bot.core.types import DigestOptions, Source
from models import deadline
from models.keypoints import Hints, KeyPointResult
from models.quotes import extract_quotes
from models.sentences import MAX_BLOCK_CHARS, split_sentences
from models.summarizer import ExtractiveSummarizer

from ..conftest import BagOfWordsEncoder, PageServer
from ..test_service import ROOMY, SENTENCES, article_html

ALICE = Requester("slack", "T1", "C-attacker", "alice")
VICTIM_READER = Requester("discord", "guild-9", "chan-elsewhere", "bob")
WORDS = (
    "the council said on Tuesday that a new plan would cut costs for families across the region "
    "while officials expect more money from the national fund next year"
).split()


def one_paragraph(chars: int, seed: int = 7) -> str:
    """Plain sentences in one paragraph, no line break: how the slow inputs were written."""
    rng = random.Random(seed)
    out, total = [], 0
    while total < chars:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 25))).capitalize() + "."
        out.append(sentence)
        total += len(sentence) + 1
    return " ".join(out)[:chars]


# -- part 2: a page's rel=canonical is never a key other requests trust ------------------------------


@pytest_asyncio.fixture
async def service() -> AsyncIterator[DigestService]:
    store = await SqliteStore.open(":memory:")
    async with Fetcher(FetchLimits(allow_private=frozenset({"127.0.0.1"}))) as fetcher:
        digester = Digester(fetcher, ExtractiveSummarizer(BagOfWordsEncoder()), extract_quotes)
        service = DigestService(digester, store, ROOMY, Metrics())
        try:
            yield service
        finally:
            await service.aclose()


@pytest.fixture
def second_server() -> Iterator[PageServer]:
    srv = PageServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.mark.asyncio
async def test_a_page_claiming_another_sites_address_does_not_answer_for_it(
    service: DigestService, page_server: PageServer, second_server: PageServer
) -> None:
    victim = second_server.add("/story", article_html("The victim's real story", SENTENCES))
    lies = [s.replace("oysters", "sharks") for s in SENTENCES]
    attacker = page_server.add("/bait", article_html("Sharks invade the harbour", lies, canonical=victim))
    poisoned = await service.summarize(DigestRequest(Source.from_url(attacker), ALICE))
    assert poisoned.digest.article.meta.canonical_url == victim  # shown, as the page's own claim
    await service.record_posted(ALICE, attacker, PostedRef("1700000000.000100"))

    # Someone else, elsewhere, posts the victim's link: the victim's page is fetched and digested.
    result = await service.summarize(DigestRequest(Source.from_url(victim), VICTIM_READER))
    assert not result.cached
    assert result.digest.article.meta.title == "The victim's real story"
    assert "sharks" not in " ".join(p.text for p in result.digest.key_points).lower()
    assert second_server.hits == ["/story"]
    assert await service.find_posted(ALICE, victim) is None  # nor is it "already summarized here"


@pytest.mark.asyncio
async def test_within_one_host_a_canonical_claim_does_not_answer_for_another_page(
    service: DigestService, page_server: PageServer
) -> None:
    real = page_server.add("/news/real", article_html("The real news", SENTENCES))
    fake = page_server.add(
        "/user/42/post", article_html("Fake news", [s.upper() for s in SENTENCES], canonical=real)
    )
    await service.summarize(DigestRequest(Source.from_url(fake), ALICE))
    result = await service.summarize(DigestRequest(Source.from_url(real), VICTIM_READER))
    assert result.digest.article.meta.title == "The real news"
    assert page_server.hits == ["/user/42/post", "/news/real"]


# -- part 3: every stage is linear (or bounded) in the input -----------------------------------------


def test_long_paragraphs_reach_the_splitter_in_bounded_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    from models import sentences

    seen: list[int] = []
    real = sentences._segments

    def recording(text: str, language: str = "en") -> list[str]:
        seen.append(len(text))
        return real(text, language)

    monkeypatch.setattr(sentences, "_segments", recording)
    text = one_paragraph(60_000)
    split = split_sentences(text)
    assert max(seen) <= MAX_BLOCK_CHARS
    assert all(text[s.start : s.end] == s.text for s in split)
    # Blocks are cut at sentence ends: no sentence is broken in two by a block boundary.
    assert all(s.text.endswith(".") for s in split[:-1])


def test_an_unclosed_quotation_does_not_swallow_the_paragraph() -> None:
    text = "\u201c" + one_paragraph(50_000)
    split = split_sentences(text)
    assert len(split) > 100
    assert max(len(s.text) for s in split) < 2 * MAX_BLOCK_CHARS


@pytest.mark.timeout(120)
@pytest.mark.parametrize("as_html", [False, True])
def test_a_5_mb_single_paragraph_is_digested_from_its_start(as_html: bool) -> None:
    """Before: 800 KB of one paragraph took over 150 s; 5 MB would take hours."""
    text = one_paragraph(5_000_000)
    source = (
        Source.from_html(f"<html><body><article><p>{text}</p></article></body></html>")
        if as_html
        else Source.from_text(text)
    )
    digester = Digester(None, ExtractiveSummarizer(BagOfWordsEncoder()), extract_quotes)
    digest = asyncio.run(digester.digest(source, DigestOptions(points=3)))
    assert len(digest.article.text) <= MAX_ARTICLE_CHARS
    stats = digest_to_json(digest)["stats"]
    assert stats["truncated"] is True
    assert stats["source_chars"] >= 4_900_000
    assert len(digest.key_points) == 3
    assert all(digest.article.text[s:e] == p.text for p in digest.key_points for s, e in p.spans)


# -- deadlines --------------------------------------------------------------------------------------


class SlowSummarizer:
    """Works in small steps, checking the digest's deadline between them, like the real stages;
    ``steps`` of 10 ms (so 100 = 1 s of work). ``started`` is set when it begins."""

    name = "slow"

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.started = threading.Event()
        self.finished = 0

    def summarize(
        self, text: str, points: int, *, title: str | None = None, hints: Hints | None = None
    ) -> KeyPointResult:
        self.started.set()
        for _ in range(self.steps):
            deadline.check()
            time.sleep(0.01)
        self.finished += 1
        return ExtractiveSummarizer(BagOfWordsEncoder()).summarize(text, points, title=title, hints=hints)


ARTICLE = " ".join(SENTENCES)


def test_a_digest_past_its_deadline_is_abandoned_with_a_clear_message() -> None:
    slow = SlowSummarizer(steps=1_000)  # 10 s of work
    digester = Digester(None, slow, extract_quotes, timeout_s=0.3)
    started = time.perf_counter()
    with pytest.raises(TooSlow) as caught:
        asyncio.run(digester.digest(Source.from_text(ARTICLE)))
    assert time.perf_counter() - started < 5
    assert "took too long" in caught.value.message
    assert slow.finished == 0


@pytest.mark.asyncio
async def test_a_digest_past_its_deadline_frees_its_worker() -> None:
    slow = SlowSummarizer(steps=1_000)
    store = await SqliteStore.open(":memory:")
    digester = Digester(None, slow, extract_quotes, timeout_s=0.3)
    limits = type(ROOMY)(workers=1, queue_size=1, user_rate=100, user_burst=100, channel_rate=100)
    service = DigestService(digester, store, limits, Metrics())
    try:
        with pytest.raises(TooSlow):
            await service.summarize(DigestRequest(Source.from_text(ARTICLE), ALICE))
        slow.steps = 1  # the next one is quick, and gets the (only) worker at once
        result = await asyncio.wait_for(
            service.summarize(DigestRequest(Source.from_text(ARTICLE + " More."), ALICE)), 10
        )
    finally:
        await service.aclose()
    assert result.digest.key_points


# -- shutdown ---------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_shutdown_stops_work_in_flight_tells_its_callers_and_takes_no_more() -> None:
    slow = SlowSummarizer(steps=6_000)  # a minute of work, far past the grace
    store = await SqliteStore.open(":memory:")
    limits = type(ROOMY)(workers=1, queue_size=4, user_rate=100, user_burst=100, channel_rate=100)
    service = DigestService(Digester(None, slow, extract_quotes), store, limits, Metrics())
    running = asyncio.create_task(service.summarize(DigestRequest(Source.from_text(ARTICLE), ALICE)))
    queued = asyncio.create_task(service.summarize(DigestRequest(Source.from_text(ARTICLE + " B."), ALICE)))
    try:
        await asyncio.wait_for(asyncio.to_thread(slow.started.wait, 10), 15)
        started = time.perf_counter()
        await service.drain(0.2)
        with pytest.raises(Cancelled):
            await running
        with pytest.raises(Cancelled):
            await queued
        assert time.perf_counter() - started < 5
        with pytest.raises(Busy, match="restarting"):
            await service.summarize(DigestRequest(Source.from_text(ARTICLE + " C."), ALICE))
    finally:
        await asyncio.wait_for(service.aclose(), 10)
    assert slow.finished == 0


@pytest.mark.asyncio
async def test_ordinary_requests_are_answered_while_huge_ones_are_digested(
    service: DigestService, page_server: PageServer
) -> None:
    """Four 1 MB one-paragraph pages and ten ordinary articles at once: all fourteen answered."""
    huge = [
        page_server.add(f"/huge/{i}", f"<html><body><p>{one_paragraph(1_000_000, seed=i)}</p></body></html>")
        for i in range(4)
    ]
    small = [page_server.add(f"/small/{i}", article_html(f"Story {i}", SENTENCES)) for i in range(10)]
    requests = [
        DigestRequest(Source.from_url(u), Requester("slack", "T", f"C{i}", f"u{i}"))
        for i, u in enumerate(huge + small)
    ]
    results = await asyncio.wait_for(
        asyncio.gather(*(service.summarize(r) for r in requests), return_exceptions=True), 120
    )
    assert not [r for r in results if isinstance(r, BaseException)]
    assert all(r.digest.key_points for r in results)


@pytest.mark.parametrize("shape", ["text-in-tail", "tail-after-a-long-paragraph"])
def test_a_huge_page_is_cut_in_document_order_whatever_its_shape(shape: str) -> None:
    """Text hidden in an element's tail, after its children, is counted where it is read."""
    import lxml.html

    from bot.core.extract import MAX_PAGE_TEXT_CHARS, _pruned, _text_chars

    sentence = "Word after word the council said it would rebuild the wall soon. "
    if shape == "text-in-tail":
        html = "<div>" + "".join(f"<p>{sentence * 10}</p>" for _ in range(2000)) + "</div>" + sentence * 4000
    else:
        html = "<div><p>" + sentence * 4000 + "</p>" + sentence * 15000 + "</div>"
    doc = lxml.html.document_fromstring(f"<html><body>{html}</body></html>")
    assert _text_chars(doc) > 4 * MAX_PAGE_TEXT_CHARS
    assert _pruned(doc)
    assert _text_chars(doc) <= MAX_PAGE_TEXT_CHARS
    assert doc.text_content().lstrip().startswith("Word after word")  # the start is what stays
