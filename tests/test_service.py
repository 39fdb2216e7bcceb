"""The digest service, against SQLite and a real Redis: a real local web server counting hits, the
real fetcher and extractor, and a fake summarizer (bag-of-words vectors) that counts its runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.errors import (
    ArticleExpired,
    BadInput,
    Busy,
    DomainNotAllowed,
    HTTPStatusError,
    RateLimited,
)
from bot.core.fetch import Fetcher, FetchLimits
from bot.core.metrics import Metrics
from bot.core.pipeline import Digester
from bot.core.service import (
    NOTICE_WAIT_S,
    ChannelSettings,
    DigestRequest,
    DigestService,
    PostedRef,
    Requester,
    ServiceLimits,
    open_service,
    service_limits,
)
from bot.core.store import RedisStore, SqliteStore, Store
from bot.core.types import Quote, Source
from models.keypoints import Hints, KeyPointResult
from models.summarizer import ExtractiveSummarizer

from .conftest import REPO, BagOfWordsEncoder, PageServer, StoreFactory

ALICE = Requester("discord", "guild-1", "chan-1", "alice")
BOB = Requester("discord", "guild-1", "chan-1", "bob")

# Generous limits, so only the tests about limits meet them.
ROOMY = ServiceLimits(workers=2, user_rate=100, user_burst=100, channel_rate=100, channel_burst=100)

SENTENCES = [
    "The harbour council voted on Tuesday to rebuild the flooded sea wall with a living reef of oysters.",
    "Engineers said the reef would soften the waves before they reach the old stone wall.",
    '"This is the cheapest way to keep the town dry for fifty years," said Harriet Blake, the mayor.',
    "The plan costs four million pounds, most of it from a national coastal fund.",
    "Fishermen worried that the building work would close the harbour mouth during the busy summer season.",
    "The council promised that boats would be able to pass at high tide on every day of the works.",
    "Scientists from the university will count the oysters every spring to check that the reef is growing.",
    "Similar reefs in the Netherlands have cut wave heights by a third within five years of planting.",
    "Residents who lost their homes in the winter floods said the decision had come far too late.",
    "Work on the first section of the reef is expected to begin in early April if the weather allows it.",
    "The mayor said the town would hold an open meeting next month to answer questions about the plan.",
    "A local school has asked whether pupils can help to plant the first oyster beds on the shore.",
]


def article_html(title: str, sentences: list[str], canonical: str | None = None) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paragraphs = "".join(f"<p>{' '.join(sentences[i : i + 2])}</p>" for i in range(0, len(sentences), 2))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{link}</head>'
        f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )


def article_text(topic: str) -> str:
    """Pasted text, different for each ``topic``, long enough to pass the honesty gate."""
    body = " ".join(s.replace("oysters", f"oysters near {topic}") for s in SENTENCES)
    return f"A report about {topic}.\n\n{body}"


def find_quotes(text: str, *, language: str | None = None) -> list[Quote]:
    """A stand-in for ``models.quotes``: every straight-quoted stretch, verbatim."""
    return [Quote(m.group(0), None, None, m.start(), m.end()) for m in re.finditer(r'"[^"]+"', text)]


class CountingSummarizer:
    """The real extractive selection on bag-of-words vectors; counts runs, and can hold them."""

    def __init__(self) -> None:
        self._inner = ExtractiveSummarizer(BagOfWordsEncoder())
        self.name = "fake-bow"
        self.calls = 0
        self.entered = threading.Event()
        self.gate: threading.Event | None = None
        self._lock = threading.Lock()

    def summarize(
        self, text: str, points: int, *, title: str | None = None, hints: Hints | None = None
    ) -> KeyPointResult:
        with self._lock:
            self.calls += 1
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10), "the test never released the gate"
        return self._inner.summarize(text, points, title=title, hints=hints)


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@contextlib.asynccontextmanager
async def service_on(
    store: Store,
    summarizer: CountingSummarizer,
    limits: ServiceLimits = ROOMY,
    *,
    clock: Callable[[], float] = time.time,
    fetcher: Fetcher | None = None,
    metrics: Metrics | None = None,
) -> AsyncIterator[DigestService]:
    async with contextlib.AsyncExitStack() as stack:
        if fetcher is None:
            local = FetchLimits(allow_private=frozenset({"127.0.0.1"}))
            fetcher = await stack.enter_async_context(Fetcher(local))
        digester = Digester(fetcher, summarizer, find_quotes)
        service = DigestService(digester, store, limits, metrics or Metrics(), clock=clock)
        try:
            yield service
        finally:
            await service.aclose()


def url_request(url: str, who: Requester = ALICE, **options: object) -> DigestRequest:
    return DigestRequest(Source.from_url(url), who, **options)  # type: ignore[arg-type]


def text_request(text: str, who: Requester = ALICE, **options: object) -> DigestRequest:
    return DigestRequest(Source.from_text(text), who, **options)  # type: ignore[arg-type]


async def until(condition: Callable[[], bool]) -> None:
    """Yield to the loop until ``condition()`` holds (worker threads change it): waiting on
    readiness, never a fixed sleep."""
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110 (the state lives in threads, not in an asyncio.Event)
            await asyncio.sleep(0.005)


@pytest.fixture
def summarizer() -> CountingSummarizer:
    return CountingSummarizer()


# -- the cache -----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_link_is_fetched_once_then_served_from_the_cache(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    url = page_server.add("/news/reef", article_html("Town votes for a living reef", SENTENCES))
    async with service_on(store, summarizer) as service:
        first = await service.summarize(url_request(url, points=3))
        again = await service.summarize(url_request(url, BOB, points=3))
    assert page_server.hits == ["/news/reef"]
    assert summarizer.calls == 1
    assert not first.cached and again.cached
    assert first.article_key == again.article_key
    assert len(first.digest.key_points) == 3
    assert again.digest.key_points == first.digest.key_points
    assert again.digest.quotes == first.digest.quotes and first.digest.quotes
    assert again.digest.article == first.digest.article
    assert again.digest.article.meta.title == "Town votes for a living reef"
    assert first.digest.timings.fetch > 0 and again.digest.timings.fetch == 0  # what this request spent
    for point in again.digest.key_points:
        ((start, end),) = point.spans
        assert again.digest.article.text[start:end] == point.text
    metrics = service.metrics
    assert metrics.value("precis_cache_total", layer="article", result="hit") == 1
    assert metrics.value("precis_requests_total", kind="summarize", platform="discord", outcome="cached") == 1
    assert metrics.value("precis_requests_total", kind="summarize", platform="discord", outcome="ok") == 1


@pytest.mark.asyncio
async def test_two_concurrent_identical_requests_fetch_once(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    release = threading.Event()  # the page answers only once both requests are waiting on it
    url = page_server.add("/news/reef", article_html("Town votes for a living reef", SENTENCES), hold=release)
    async with service_on(store, summarizer) as service:
        one = asyncio.create_task(service.summarize(url_request(url)))
        two = asyncio.create_task(service.summarize(url_request(url, BOB)))
        await until(lambda: service.metrics.value("precis_shared_total", step="read") == 1)
        release.set()
        one_result, two_result = await asyncio.gather(one, two)
    assert page_server.hits == ["/news/reef"]
    assert summarizer.calls == 1
    assert one_result.digest.key_points == two_result.digest.key_points
    assert one_result.article_key == two_result.article_key
    assert not one_result.cached and not two_result.cached


@pytest.mark.asyncio
async def test_processes_sharing_a_store_fetch_once(
    store_factory: StoreFactory, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    """Two bot processes (two services, two store connections) asked for the same link at once."""
    release = threading.Event()
    url = page_server.add("/news/reef", article_html("Town votes for a living reef", SENTENCES), hold=release)
    async with (
        service_on(await store_factory.open(), summarizer) as a,
        service_on(await store_factory.open(), summarizer) as b,
    ):
        first = asyncio.create_task(a.summarize(url_request(url)))
        await until(lambda: page_server.hits == ["/news/reef"])  # a holds the lease and is fetching
        second = asyncio.create_task(b.summarize(url_request(url, BOB)))
        await until(lambda: b.metrics.value("precis_lease_waits_total", step="read") == 1)
        release.set()
        results = await asyncio.gather(first, second)
        more = await asyncio.gather(a.summarize(url_request(url)), b.summarize(url_request(url)))
    assert page_server.hits == ["/news/reef"]
    assert summarizer.calls == 1
    assert len({r.article_key for r in [*results, *more]}) == 1


@pytest.mark.asyncio
async def test_state_an_adapter_keeps_in_the_service_store_is_shared_by_processes(
    store_factory: StoreFactory, summarizer: CountingSummarizer
) -> None:
    """What one process writes through ``DigestService.store`` (Discord's synced-commands hash)
    another process reads through its own."""
    async with (
        service_on(await store_factory.open(), summarizer) as a,
        service_on(await store_factory.open(), summarizer) as b,
    ):
        await a.store.put("discord:commands:1", "hash-1", 60.0)
        assert await b.store.get("discord:commands:1") == "hash-1"


@pytest.mark.asyncio
async def test_tracking_parameters_amp_and_redirects_share_one_entry(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    story = page_server.url("/news/reef")
    page = article_html("Town votes for a living reef", SENTENCES, canonical=page_server.url("/elsewhere"))
    page_server.add("/news/reef?utm_source=chat&fbclid=XYZ", page)  # this server ignores the query
    page_server.add("/news/reef", page)
    page_server.add("/short/7", "", status=301, location="/news/reef")
    async with service_on(store, summarizer) as service:
        first = await service.summarize(url_request(story + "?utm_source=chat&fbclid=XYZ#comments"))
        for variant in (story, story + "/amp/", story + "?amp=1&gclid=1", story + "#top"):
            result = await service.summarize(url_request(variant))
            assert result.cached and result.article_key == first.article_key, variant
        # A short link is fetched (its redirect is its own), and lands on the same article.
        redirected = await service.summarize(url_request(page_server.url("/short/7")))
    assert redirected.article_key == first.article_key
    assert page_server.hits == ["/news/reef?utm_source=chat&fbclid=XYZ", "/short/7", "/news/reef"]
    assert summarizer.calls == 1


@pytest.mark.asyncio
async def test_a_pages_canonical_claim_is_never_a_cache_key(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    """A page that names another page as its canonical address must not answer for it."""
    claimed = page_server.url("/news/reef-2")
    page_server.add("/p?id=7", article_html("Reef, page two", SENTENCES[2:], canonical=claimed))
    page_server.add("/news/reef-2?utm_medium=x", article_html("The real page two", SENTENCES))
    async with service_on(store, summarizer) as service:
        claimant = await service.summarize(url_request(page_server.url("/p?id=7")))
        real = await service.summarize(url_request(claimed + "?utm_medium=x"))
    assert not real.cached
    assert real.article_key != claimant.article_key
    assert real.digest.article.meta.title == "The real page two"
    assert claimant.digest.article.meta.canonical_url == claimed  # still shown as metadata
    assert page_server.hits == ["/p?id=7", "/news/reef-2?utm_medium=x"]


@pytest.mark.asyncio
async def test_other_options_re_render_from_the_cached_article(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    url = page_server.add("/news/reef", article_html("Town votes for a living reef", SENTENCES))
    async with service_on(store, summarizer) as service:
        short = await service.summarize(url_request(url, points=2, quotes=False))
        longer = await service.summarize(url_request(url, points=5))
        short_again = await service.summarize(url_request(url, points=2, quotes=False))
    assert page_server.hits == ["/news/reef"]
    assert len(short.digest.key_points) == 2 and short.digest.quotes == ()
    assert len(longer.digest.key_points) == 5 and longer.digest.quotes
    assert longer.cached and longer.article_key == short.article_key
    assert short_again.digest.key_points == short.digest.key_points
    assert summarizer.calls == 2  # the third request's digest came from the cache


@pytest.mark.asyncio
async def test_buttons_re_render_by_article_key(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    url = page_server.add("/news/reef", article_html("Town votes for a living reef", SENTENCES))
    async with service_on(store, summarizer) as service:
        first = await service.summarize(url_request(url, points=4))
        shorter = await service.rerender(first.article_key, BOB, points=2, quotes=True)
        no_quotes = await service.rerender(first.article_key, BOB, points=2, quotes=False)
        same = await service.rerender(first.article_key, ALICE, points=4, quotes=True)
        with pytest.raises(ArticleExpired, match="post the link again"):
            await service.rerender("0" * 32, ALICE, points=3, quotes=True)
        with pytest.raises(BadInput, match="from 1 to 8"):
            await service.rerender(first.article_key, ALICE, points=0, quotes=True)
    assert page_server.hits == ["/news/reef"]
    assert len(shorter.digest.key_points) == 2 and shorter.digest.quotes
    assert no_quotes.digest.quotes == ()
    assert same.digest.key_points == first.digest.key_points
    assert shorter.cached and shorter.article_key == first.article_key
    assert summarizer.calls == 3  # 4 points with quotes was cached


@pytest.mark.asyncio
async def test_a_changed_page_is_summarized_again(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    ttl = 1.0  # long enough for two requests on a slow machine, short enough to wait out
    limits = replace(ROOMY, cache_ttl_s=ttl)
    url = page_server.add("/news/reef", article_html("Town votes for a living reef", SENTENCES))
    async with service_on(store, summarizer, limits) as service:
        before = await service.summarize(url_request(url))
        assert (await service.summarize(url_request(url))).cached  # fresh: not fetched again
        update = "Update: the council has delayed the reef after a storm damaged the harbour wall again."
        page_server.add("/news/reef", article_html("Town votes for a living reef", [update, *SENTENCES]))
        await asyncio.sleep(ttl + 0.1)  # the entry's time to live
        after = await service.summarize(url_request(url))
        await asyncio.sleep(ttl + 0.1)
        with pytest.raises(ArticleExpired):  # the buttons' article left the cache with it
            await service.rerender(after.article_key, ALICE, points=3, quotes=True)
    assert page_server.hits == ["/news/reef", "/news/reef"]
    assert not after.cached
    assert after.article_key != before.article_key
    assert update in after.digest.article.text and update not in before.digest.article.text
    assert summarizer.calls == 2


@pytest.mark.asyncio
async def test_pasted_text_is_keyed_by_its_hash(store: Store, summarizer: CountingSummarizer) -> None:
    async with service_on(store, summarizer) as service:
        first = await service.summarize(text_request(article_text("Harwich")))
        again = await service.summarize(text_request("\n" + article_text("Harwich") + "  \n"))
        other = await service.summarize(text_request(article_text("Dover")))
    assert again.cached and again.article_key == first.article_key
    assert not other.cached and other.article_key != first.article_key
    assert summarizer.calls == 2


@pytest.mark.asyncio
async def test_a_failed_fetch_is_shared_and_counted(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    release = threading.Event()
    url = page_server.add("/gone", "<html><title>Not here</title></html>", status=404, hold=release)
    async with service_on(store, summarizer) as service:
        tasks = [asyncio.create_task(service.summarize(url_request(url))) for _ in range(3)]
        await until(lambda: service.metrics.value("precis_shared_total", step="read") == 2)
        release.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert (
            service.metrics.value(
                "precis_requests_total", kind="summarize", platform="discord", outcome="http_status"
            )
            == 3
        )
    assert all(isinstance(r, HTTPStatusError) for r in results)
    assert page_server.hits == ["/gone"]


# -- bounded work ----------------------------------------------------------------------------------


async def digest_taking(seconds: float, service: DigestService, summarizer: CountingSummarizer) -> None:
    """A first digest that takes ``seconds``: the estimate learns it (the first of its kind replaces
    the prior). Leaves ``summarizer`` ready to be held again."""
    summarizer.gate = threading.Event()
    first = asyncio.create_task(service.summarize(text_request(article_text("Ramsgate"))))
    await until(summarizer.entered.is_set)
    await asyncio.sleep(seconds)
    summarizer.gate.set()
    await first
    summarizer.gate, summarizer.entered = None, threading.Event()


@pytest.mark.asyncio
async def test_work_is_admitted_by_its_expected_wait(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    """With the one worker held, requests are admitted while their digest would be ready within
    ``max_wait_s``; the next is ``Busy`` at once, before any fetch; every one admitted is answered."""
    limits = replace(ROOMY, workers=1, max_wait_s=4.0)
    url = page_server.add("/news/reef", article_html("Town votes for a living reef", SENTENCES))
    async with service_on(store, summarizer, limits) as service:
        await digest_taking(0.3, service, summarizer)
        summarizer.gate = threading.Event()
        admitted = [asyncio.create_task(service.summarize(text_request(article_text("Harwich"))))]
        await until(summarizer.entered.is_set)
        while service.expected_wait_s() <= limits.max_wait_s:
            before = service.expected_wait_s()
            admitted.append(
                asyncio.create_task(service.summarize(text_request(article_text(f"town {len(admitted)}"))))
            )
            await until(lambda before=before: service.expected_wait_s() > before)  # type: ignore[misc]
        assert len(admitted) >= 5  # 4 s hold several digests of 0.3 s (and a read), not a count of 1 or 2
        expected = service.expected_wait_s()
        with pytest.raises(Busy, match=r"^I'm busy right now: try again in \d+ s$") as caught:
            await service.summarize(text_request(article_text("Deal")))
        assert caught.value.retry_after_s == pytest.approx(max(1.0, expected - limits.max_wait_s), abs=0.01)
        with pytest.raises(Busy):
            await service.summarize(url_request(url))
        assert page_server.hits == []  # refused before fetching a page that would wait too long
        assert not any(task.done() for task in admitted)  # the event loop was never blocked
        summarizer.gate.set()
        done = await asyncio.gather(*admitted)
        assert all(len(r.digest.key_points) == 3 for r in done)
        assert (await service.summarize(url_request(url))).digest.key_points  # room again
        assert service.metrics.value("precis_queue_depth") == 0
        busy = service.metrics.value(
            "precis_requests_total", kind="summarize", platform="discord", outcome="busy"
        )
        assert busy == 2


@pytest.mark.asyncio
async def test_a_count_cap_still_works_for_those_who_set_one(
    store: Store, summarizer: CountingSummarizer
) -> None:
    limits = replace(ROOMY, workers=1, queue_size=1)
    summarizer.gate = threading.Event()
    async with service_on(store, summarizer, limits) as service:
        running = asyncio.create_task(service.summarize(text_request(article_text("Harwich"))))
        await until(summarizer.entered.is_set)
        waiting = asyncio.create_task(service.summarize(text_request(article_text("Dover"))))
        await until(lambda: service.metrics.value("precis_queue_depth") == 1)
        with pytest.raises(Busy, match="try again in a minute") as caught:
            await service.summarize(text_request(article_text("Deal")))
        assert caught.value.retry_after_s == 60
        summarizer.gate.set()
        await asyncio.gather(running, waiting)


@pytest.mark.asyncio
async def test_a_long_wait_is_told_first(store: Store, summarizer: CountingSummarizer) -> None:
    """Past NOTICE_WAIT_S, the requester hears the expected wait (``on_wait``) before the digest;
    the estimate learns from the digests made: one that took a second makes the next ones a second."""
    limits = replace(ROOMY, workers=1, max_wait_s=60.0)
    told: list[tuple[int, float]] = []

    def teller(n: int) -> Callable[[float], Awaitable[None]]:
        async def tell(seconds: float) -> None:
            told.append((n, seconds))

        return tell

    async with service_on(store, summarizer, limits) as service:
        await digest_taking(1.0, service, summarizer)  # the estimate is a second a digest now
        assert service.expected_wait_s() == pytest.approx(1.0, abs=0.5)  # and a read
        summarizer.gate = threading.Event()
        requests = []
        while len(requests) < 8:
            expected = service.expected_wait_s()
            n = len(requests)
            requests.append(
                asyncio.create_task(
                    service.summarize(text_request(article_text(f"town {n}")), on_wait=teller(n))
                )
            )
            await until(lambda expected=expected: service.expected_wait_s() > expected)  # type: ignore[misc]
            if expected > NOTICE_WAIT_S:
                await until(lambda n=n: any(i == n for i, _ in told))  # type: ignore[misc]
                assert told[-1] == (n, pytest.approx(expected, abs=1e-6))
            else:
                assert all(i != n for i, _ in told)
        assert told and len(told) == service.metrics.value("precis_wait_notices_total")
        summarizer.gate.set()
        await asyncio.gather(*requests)
    assert len(told) < 8  # the first few were quick enough to say nothing


@pytest.mark.asyncio
async def test_pages_held_for_the_workers_stay_under_the_cap(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    """Memory is bounded by the characters held, not a count: with the worker held, fetches stop
    once the pages waiting (and a page being fetched, at ``fetch_chars``) would pass the cap."""
    cap = 60_000
    limits = replace(ROOMY, workers=1, queue_max_chars=cap, fetch_chars=20_000)
    page = article_html("Town votes for a living reef", SENTENCES * 12)  # about 14,300 characters
    urls = [page_server.add(f"/news/{i}", page.replace("living reef", f"reef {i}")) for i in range(6)]
    summarizer.gate = threading.Event()
    highest = 0.0

    async def watch() -> None:
        nonlocal highest
        while True:
            highest = max(highest, service.metrics.value("precis_queue_chars"))
            await asyncio.sleep(0.002)

    async with service_on(store, summarizer, limits) as service:
        watcher = asyncio.create_task(watch())
        held = asyncio.create_task(service.summarize(text_request(article_text("Harwich"))))
        await until(summarizer.entered.is_set)
        requests = [asyncio.create_task(service.summarize(url_request(url))) for url in urls]
        await until(lambda: len(page_server.hits) == 3)  # 3 pages and a fetch's 20,000 do not fit
        await asyncio.sleep(0.3)  # and no more come meanwhile
        assert len(page_server.hits) == 3
        summarizer.gate.set()
        results = await asyncio.gather(held, *requests)
        watcher.cancel()
    assert len(page_server.hits) == 6 and all(r.digest.key_points for r in results)
    assert 40_000 < highest <= cap
    assert service.metrics.value("precis_queue_chars") == 0


@pytest.mark.asyncio
async def test_extraction_waits_for_a_worker_like_the_model(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    """Extraction runs in the bounded pool, never in a thread of its own: with the one worker
    held, a fetched page waits there to be read."""
    limits = replace(ROOMY, workers=1)
    url = page_server.add("/news/reef", article_html("Town votes for a living reef", SENTENCES))
    summarizer.gate = threading.Event()
    async with service_on(store, summarizer, limits) as service:
        held = asyncio.create_task(service.summarize(text_request(article_text("Harwich"))))
        await until(summarizer.entered.is_set)
        read = asyncio.create_task(service.summarize(url_request(url)))
        await until(lambda: service.metrics.value("precis_queue_depth") == 1)
        assert page_server.hits == ["/news/reef"]
        assert service.metrics.value("precis_stage_seconds_count", stage="extract") == 1  # Harwich's
        summarizer.gate.set()
        await asyncio.gather(held, read)
        assert service.metrics.value("precis_stage_seconds_count", stage="extract") == 2


# -- leases ----------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_lease_is_renewed_while_its_work_runs(
    store_factory: StoreFactory, summarizer: CountingSummarizer
) -> None:
    """A digest that takes three leases' time keeps its lease: the other process waits for it
    rather than doing the same work again."""
    limits = replace(ROOMY, lease_s=0.4, lease_renew_s=0.1)
    summarizer.gate = threading.Event()
    text = article_text("Harwich")
    async with (
        service_on(await store_factory.open(), summarizer, limits) as a,
        service_on(await store_factory.open(), summarizer, limits) as b,
    ):
        first = asyncio.create_task(a.summarize(text_request(text)))
        await until(summarizer.entered.is_set)
        second = asyncio.create_task(b.summarize(text_request(text, BOB)))
        await until(lambda: b.metrics.value("precis_lease_waits_total", step="digest") == 1)
        await asyncio.sleep(3 * limits.lease_s)
        assert summarizer.calls == 1
        summarizer.gate.set()
        one, two = await asyncio.gather(first, second)
    assert summarizer.calls == 1
    assert one.digest.key_points == two.digest.key_points


HOLDER = """
import asyncio, sys, time
from bot.core.pipeline import Digester
from bot.core.service import DigestRequest, DigestService, Requester
from bot.core.store import RedisStore, SqliteStore
from bot.core.types import Source

class Stuck:
    name = "fake-bow"  # the test's summarizer: the same digest, so the same lease
    def summarize(self, text, points, *, title=None, hints=None):
        print("holding", flush=True)
        time.sleep(3600)

async def main(backend, target, prefix, text):
    store = await (SqliteStore.open(target) if backend == "sqlite" else RedisStore.connect(target, prefix))
    service = DigestService(Digester(None, Stuck()), store)
    await service.summarize(DigestRequest(Source.from_text(text), Requester("discord", "g", "c", "u")))

asyncio.run(main(*sys.argv[1:]))
"""


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", ["sqlite", "redis"])
async def test_a_process_that_died_holding_a_lease_is_forgotten_within_15_s(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, summarizer: CountingSummarizer
) -> None:
    """The issue's case, with the shipped lease times: a process dies in the middle of a digest
    (SIGKILL, so it releases nothing); the next request for the same article waits for its lease
    to run out, then does the work, within 15 s (it was 62 s)."""
    prefix = f"precis-test-{uuid.uuid4().hex[:8]}:"
    target = str(tmp_path / "precis.sqlite3") if backend == "sqlite" else request.getfixturevalue("redis_url")
    text = article_text("Harwich")
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, backend, target, prefix, text, cwd=REPO, stdout=subprocess.PIPE
    )
    try:
        line = await asyncio.wait_for(holder.stdout.readline(), 60)  # type: ignore[union-attr]
        assert line.strip() == b"holding"  # it has the digest's lease, and is in the model
    finally:
        holder.kill()
        await holder.wait()
    store = await (SqliteStore.open(target) if backend == "sqlite" else RedisStore.connect(target, prefix))
    async with service_on(store, summarizer) as service:
        started = time.perf_counter()
        async with asyncio.timeout(20):
            result = await service.summarize(text_request(text))
        waited = time.perf_counter() - started
        assert service.metrics.value("precis_lease_waits_total", step="digest") == 1
    assert result.digest.key_points and summarizer.calls == 1
    assert waited < 15


# -- rate limits -----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_user_going_fast_is_told_how_long_to_wait(
    store: Store, summarizer: CountingSummarizer
) -> None:
    clock = FakeClock()
    limits = replace(ROOMY, user_rate=2 / 60, user_burst=2)
    async with service_on(store, summarizer, limits, clock=clock) as service:
        text = article_text("Harwich")
        await service.summarize(text_request(text))
        await service.summarize(text_request(text))
        with pytest.raises(RateLimited) as caught:
            await service.summarize(text_request(text))
        assert caught.value.scope == "user"
        assert caught.value.retry_after_s == pytest.approx(30)
        assert caught.value.message == "you're going a bit fast: try again in 30 s"
        with pytest.raises(RateLimited):  # buttons count too
            await service.rerender("0" * 32, ALICE, points=3, quotes=True)
        await service.summarize(text_request(text, BOB))  # someone else is not held up
        clock.now += 30
        await service.summarize(text_request(text))
        assert (
            service.metrics.value(
                "precis_requests_total", kind="summarize", platform="discord", outcome="rate_limited"
            )
            == 1
        )


@pytest.mark.asyncio
async def test_a_busy_channel_is_limited_as_a_whole(store: Store, summarizer: CountingSummarizer) -> None:
    clock = FakeClock()
    limits = replace(ROOMY, channel_rate=1 / 60, channel_burst=3)
    async with service_on(store, summarizer, limits, clock=clock) as service:
        text = article_text("Harwich")
        for user in ("u1", "u2", "u3"):
            await service.summarize(text_request(text, Requester("slack", "T1", "C1", user)))
        expected = r"^this channel has asked for a lot of digests: try again in 60 s$"
        with pytest.raises(RateLimited, match=expected) as caught:
            await service.summarize(text_request(text, Requester("slack", "T1", "C1", "u4")))
        assert caught.value.scope == "channel"
        await service.summarize(text_request(text, Requester("slack", "T1", "C2", "u4")))  # another channel
        await service.summarize(text_request(text, Requester("slack", "T2", "C1", "u5")))  # another workspace


# -- channel settings ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_channel_settings_default_update_and_persist(
    store_factory: StoreFactory, summarizer: CountingSummarizer
) -> None:
    async with service_on(await store_factory.open(), summarizer) as service:
        assert await service.get_settings("discord", "g", "c") == ChannelSettings()
        assert (await service.get_settings("discord", "g", "c")).trigger == "mention"
        updated = await service.update_settings(
            "discord",
            "g",
            "c",
            trigger="auto",
            points="5",
            quotes="off",
            allowed_domains="Example.com, *.news.org  bbc.co.uk",
        )
        assert updated == ChannelSettings(
            trigger="auto", points=5, quotes=False, allowed_domains=("bbc.co.uk", "example.com", "news.org")
        )
        partly = await service.update_settings("discord", "g", "c", blocked_domains=["ads.example.com"])
        assert partly.points == 5 and partly.blocked_domains == ("ads.example.com",)
        assert await service.get_settings("discord", "g", "other") == ChannelSettings()
        assert await service.get_settings("slack", "g", "c") == ChannelSettings()
        assert await service.get_settings("discord", None, "c") == ChannelSettings()
        cleared = await service.update_settings("discord", "g", "c", allowed_domains=[])
        assert cleared.allowed_domains == ()
    # Another process, or the bot after a restart, sees the same settings.
    async with service_on(await store_factory.open(), summarizer) as restarted:
        expected = replace(partly, allowed_domains=())
        assert await restarted.get_settings("discord", "g", "c") == expected


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colour": "blue"}, "there is no setting called 'colour'"),
        ({"trigger": "sometimes"}, "auto .* or mention"),
        ({"points": 0}, "from 1 to 8"),
        ({"points": 9}, "from 1 to 8"),
        ({"points": "many"}, "from 1 to 8"),
        ({"points": True}, "from 1 to 8"),
        ({"quotes": "maybe"}, "quotes must be on or off"),
        ({"allowed_domains": "example.com, news!.org"}, r"'news!\.org' is not a domain"),
        ({"blocked_domains": 42}, "must be a list of domains"),
    ],
)
@pytest.mark.asyncio
async def test_bad_settings_are_refused_and_nothing_is_saved(
    changes: dict[str, object], message: str, summarizer: CountingSummarizer
) -> None:
    async with service_on(await SqliteStore.open(":memory:"), summarizer) as service:
        with pytest.raises(BadInput, match=message):
            await service.update_settings("discord", "g", "c", **{"points": 3, **changes})
        assert await service.get_settings("discord", "g", "c") == ChannelSettings()


@pytest.mark.asyncio
async def test_the_channels_settings_shape_its_digests(store: Store, summarizer: CountingSummarizer) -> None:
    async with service_on(store, summarizer) as service:
        await service.update_settings("discord", "guild-1", "chan-1", points=2, quotes=False)
        by_channel = await service.summarize(text_request(article_text("Harwich")))
        by_request = await service.summarize(text_request(article_text("Harwich"), points=3, quotes=True))
    assert len(by_channel.digest.key_points) == 2 and by_channel.digest.quotes == ()
    assert len(by_request.digest.key_points) == 3 and by_request.digest.quotes


@pytest.mark.asyncio
async def test_blocked_and_allowed_domains(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    url = page_server.add("/news/reef", article_html("Town votes for a living reef", SENTENCES))
    async with service_on(store, summarizer) as service:
        await service.update_settings("discord", "guild-1", "chan-1", blocked_domains=["127.0.0.1"])
        refusal = r"^links to 127\.0\.0\.1 aren't summarized in this channel$"
        with pytest.raises(DomainNotAllowed, match=refusal):
            await service.summarize(url_request(url))
        await service.update_settings(
            "discord",
            "guild-1",
            "chan-1",
            blocked_domains=[],
            allowed_domains=["example.com", "news.example.org"],
        )
        only = r"only summarizes links to example\.com, news\.example\.org, not 127\.0\.0\.1$"
        with pytest.raises(DomainNotAllowed, match=only):
            await service.summarize(url_request(url))
        assert page_server.hits == []  # refused before fetching
        elsewhere = Requester("discord", "guild-1", "chan-2", "a")
        assert (await service.summarize(url_request(url, elsewhere))).digest
        await service.summarize(text_request(article_text("Harwich")))  # pasted text has no domain
        assert (
            service.metrics.value(
                "precis_requests_total", kind="summarize", platform="discord", outcome="domain_not_allowed"
            )
            == 2
        )


@pytest.mark.asyncio
async def test_a_redirect_into_a_blocked_domain_is_refused(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]  # every name is this machine, as far as this test's fetcher knows

    target = f"http://blocked.example:{page_server.port}/news/reef"
    page_server.add("/news/reef", article_html("Town votes for a living reef", SENTENCES))
    page_server.add("/go", b"", status=302, Location=target)
    limits = FetchLimits(allow_private=frozenset({"127.0.0.1", "blocked.example"}))
    async with (
        Fetcher(limits, resolver=resolver) as fetcher,
        service_on(store, summarizer, fetcher=fetcher) as service,
    ):
        await service.update_settings("discord", "guild-1", "chan-1", blocked_domains="blocked.example")
        with pytest.raises(DomainNotAllowed, match=r"blocked\.example"):
            await service.summarize(url_request(page_server.url("/go")))
    assert summarizer.calls == 0


# -- "already summarized here" ---------------------------------------------------------------------


@pytest.mark.asyncio
async def test_where_a_link_was_posted_is_remembered_per_channel(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer
) -> None:
    story = page_server.url("/news/reef")
    page_server.add("/news/reef", article_html("Town votes for a living reef", SENTENCES))
    page_server.add("/short/7", "", status=301, location="/news/reef")
    page_server.add(
        "/p?id=7", article_html("A page two", SENTENCES[1:], canonical=page_server.url("/news/elsewhere"))
    )
    ref = PostedRef("msg-1", thread_id="thread-1", permalink="https://discord.com/channels/1/2/3")
    async with service_on(store, summarizer) as service:
        assert await service.find_posted(ALICE, story) is None
        await service.record_posted(ALICE, story + "?utm_source=x", ref)
        assert await service.find_posted(BOB, story + "#top") == ref  # same channel, anyone
        assert await service.find_posted(BOB, story + "/amp") == ref
        assert await service.find_posted(Requester("discord", "guild-1", "chan-2", "bob"), story) is None
        assert await service.find_posted(Requester("slack", "guild-1", "chan-1", "bob"), story) is None
        # Posted under a link that redirected here, asked again under this address: the same article.
        asker = Requester("slack", "T", "C", "u")
        result = await service.summarize(url_request(page_server.url("/short/7"), asker))
        await service.record_posted(asker, page_server.url("/short/7"), PostedRef("1.2"))
        assert await service.find_posted(Requester("slack", "T", "C", "v"), story) == PostedRef("1.2")
        # ...but a page's canonical claim never makes another address "already posted".
        claimant = page_server.url("/p?id=7")
        await service.summarize(url_request(claimant, asker))
        await service.record_posted(asker, claimant, PostedRef("1.3"))
        assert await service.find_posted(asker, page_server.url("/news/elsewhere")) is None
    assert result.digest.key_points


# -- metrics and logs ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_logs_are_structured_and_hold_no_secrets(
    store: Store, page_server: PageServer, summarizer: CountingSummarizer, caplog: pytest.LogCaptureFixture
) -> None:
    page_server.add("/news/reef?token=s3cr3t-t0ken", article_html("Town votes for a living reef", SENTENCES))
    caplog.set_level(logging.INFO, logger="bot.core.service")
    async with service_on(store, summarizer) as service:
        await service.summarize(url_request(page_server.url("/news/reef?token=s3cr3t-t0ken")))
    lines = [r for r in caplog.records if r.name == "bot.core.service"]
    assert [r.getMessage().split()[0] for r in lines] == ["summarize"]
    record = lines[0]
    start = "summarize outcome=ok platform=discord workspace=guild-1 channel=chan-1 user=alice source=url"
    assert record.getMessage().startswith(start)
    assert record.fields["host"] == "127.0.0.1" and record.fields["cached"] is False  # type: ignore[attr-defined]
    assert "s3cr3t" not in caplog.text


# -- wiring from settings ----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_open_service_from_settings(
    tmp_path: Path, summarizer: CountingSummarizer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.core.service")
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        default_points=3,  # type: ignore[call-arg]
        workers=1,
        queue_max_wait_s=20,
    )
    async with open_service(settings, Digester(None, summarizer, find_quotes)) as service:
        result = await service.summarize(text_request(article_text("Harwich")))
        assert (await service.get_settings("slack", "T", "C")).points == 3
    assert len(result.digest.key_points) == 3
    assert (tmp_path / "data" / "precis.sqlite3").is_file()
    assert "store backend=sqlite" in caplog.text


def test_the_queue_settings_reach_the_service() -> None:
    settings = Settings(_env_file=None, queue_max_wait_s=12, queue_max_mb=3, fetch_max_bytes=1000)  # type: ignore[call-arg]
    limits = service_limits(settings)
    assert (limits.max_wait_s, limits.queue_max_chars, limits.fetch_chars) == (12, 3_000_000, 1000)
    assert limits.queue_size is None  # no count: the wait and the characters decide
    assert Settings(_env_file=None).queue_max_wait_s == 30  # type: ignore[call-arg]


@pytest.mark.asyncio
async def test_open_service_on_redis_keeps_the_password_out_of_logs(
    redis_url: str, summarizer: CountingSummarizer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.core.service")
    # This server has no password, so Redis accepts any for the default user.
    url = redis_url.replace("redis://", "redis://default:hunter2@")
    settings = Settings(_env_file=None, redis_url=url)  # type: ignore[call-arg]
    async with open_service(settings, Digester(None, summarizer, find_quotes)) as service:
        await service.summarize(text_request(article_text("Harwich")))
    assert "store backend=redis url=redis://***@127.0.0.1:" in caplog.text
    assert "//default" not in caplog.text  # the user name is half of a credential too
    assert "hunter2" not in caplog.text
