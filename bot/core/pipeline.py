"""Source -> Article -> Digest. Platform-free; the service and the CLI both drive it.

``Digester.read``    fetch (URLs only), then extract and pass the honesty gate: the fetch is
async I/O; extraction is CPU work, run by ``offload`` (the service's bounded worker pool; a thread
of asyncio's own when not given), never on the event loop.
``Digester.digest_article``  key points and quotes: blocking and CPU-bound, so async callers run
it in a worker (``Digester.digest`` does, with ``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from bot.core.compose import fit, mark_shown, word_budget
from bot.core.errors import BadInput
from bot.core.extract import GateOptions, article_from_text, check_readable, read_html
from bot.core.fetch import Fetcher
from bot.core.types import Article, Digest, DigestOptions, Quote, Source, SourceKind, Timings
from models import deadline
from models.deadline import Deadline
from models.keypoints import Hints
from models.summarizer import Summarizer, model_name_for

__all__ = ["DIGEST_TIMEOUT_S", "Digester", "Offload", "ReadResult"]

T = TypeVar("T")


class QuoteFinder(Protocol):
    """The quotes of ``text``, read in ``language`` (ISO 639-1; None: English)."""

    def __call__(self, text: str, *, language: str | None = None) -> Sequence[Quote]: ...


class Offload(Protocol):
    """Runs blocking ``fn`` off the event loop; ``size`` is the characters of input it holds."""

    async def __call__(self, fn: Callable[[], T], *, size: int) -> T: ...


async def _to_thread(fn: Callable[[], T], *, size: int) -> T:
    return await asyncio.to_thread(fn)


# The key points and quotes of one article take about 0.1 s and an article is cut to
# MAX_ARTICLE_CHARS, so this only trips on a machine far too slow or overloaded (or a slow
# abstractive backend), and then a person gets "took too long" instead of silence. The setting
# DIGEST_TIMEOUT_S overrides it.
DIGEST_TIMEOUT_S = 60.0
# Pages or texts larger than this (about ten times a long news page) are read one at a time: a
# 5 MB page takes about 1.5 s of extraction, and four at once would hold both cores for seconds.
HEAVY_INPUT_CHARS = 1_000_000
# Quotes a reply shows by default: two voices fit a chat reply; the JSON has them all.
SHOWN_QUOTES = 2
# An article shorter than this (a wire brief) gets at most two key points.
SHORT_ARTICLE_WORDS = 150


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)


@dataclass(frozen=True, slots=True)
class ReadResult:
    article: Article
    fetch_ms: float
    extract_ms: float


class Digester:
    def __init__(
        self,
        fetcher: Fetcher | None,
        summarizer: Summarizer,
        find_quotes: QuoteFinder | None = None,
        gate: GateOptions = GateOptions(),
        *,
        timeout_s: float = DIGEST_TIMEOUT_S,
        shown_quotes: int = SHOWN_QUOTES,
    ) -> None:
        self._fetcher = fetcher
        self._summarizer = summarizer
        self._find_quotes = find_quotes
        self._gate = gate
        self.timeout_s = timeout_s
        self.shown_quotes = shown_quotes
        self._heavy_lane = asyncio.Semaphore(1)

    @property
    def model_name(self) -> str:
        return self._summarizer.name

    async def read(self, source: Source, *, offload: Offload = _to_thread) -> ReadResult:
        fetch_ms = 0.0
        url, payload, is_html = source.url, source.value, source.kind is SourceKind.HTML
        if source.kind is SourceKind.URL:
            if self._fetcher is None:
                raise BadInput("fetching URLs is not available here")
            started = time.perf_counter()
            page = await self._fetcher.fetch(source.value)
            fetch_ms = _ms(started)
            url, payload, is_html = page.url, page.text, page.content_type != "text/plain"
        started = time.perf_counter()
        # Parsing, extraction and the gate are CPU work on up to FETCH_MAX_BYTES: never on the loop.
        # A heavy input takes the one heavy lane, so several never crowd out ordinary articles.
        async with self._heavy_lane if len(payload) > HEAVY_INPUT_CHARS else contextlib.nullcontext():
            article = await offload(lambda: self._article(payload, url, is_html), size=len(payload))
        return ReadResult(article, fetch_ms, _ms(started))

    def _article(self, payload: str, url: str | None, is_html: bool) -> Article:
        if is_html:
            return read_html(payload, url, self._gate)
        article = article_from_text(payload)
        if url is not None:
            article = replace(article, meta=replace(article.meta, url=url))
        check_readable(article, None, self._gate)
        return article

    def digest_article(
        self,
        article: Article,
        options: DigestOptions,
        *,
        fetch_ms: float = 0.0,
        extract_ms: float = 0.0,
        limit: Deadline | None = None,
    ) -> Digest:
        """Key points and quotes. Raises ``TooSlow`` past ``limit`` (a new ``timeout_s`` deadline
        when not given), ``Cancelled`` when ``limit`` is cancelled (shutdown)."""
        with deadline.running(limit or Deadline(self.timeout_s)):
            # Quotes first: the key points must not say again what the quotes below them show.
            started = time.perf_counter()
            quotes: tuple[Quote, ...] = ()
            if options.quotes and self._find_quotes is not None:
                found = self._find_quotes(article.text, language=article.meta.language)
                context = " ".join(filter(None, (article.meta.title, article.meta.description)))
                quotes = mark_shown(found, self.shown_quotes, article.text, context)
            quotes_ms = _ms(started)
            deadline.check()
            started = time.perf_counter()
            hints = Hints(
                title=article.meta.title,
                description=article.meta.description,
                reserved=tuple((q.start, q.end) for q in quotes if q.shown),
                language=article.meta.language,
            )
            # A wire brief gets a TL;DR and at most two points: more would be most of it again.
            points = options.points if article.words >= SHORT_ARTICLE_WORDS else min(options.points, 2)
            result = self._summarizer.summarize(article.text, points, hints=hints)
            summarize_ms = _ms(started)
            deadline.check()
        tldr = result.tldr
        timings = Timings(
            fetch=fetch_ms,
            extract=extract_ms,
            summarize=summarize_ms,
            quotes=quotes_ms,
            total=round(fetch_ms + extract_ms + summarize_ms + quotes_ms, 1),
        )
        digest = Digest(
            article=article,
            tldr=tldr.text if tldr else "",
            tldr_spans=tldr.spans if tldr else (),
            key_points=result.points,
            quotes=quotes,
            model_name=model_name_for(self._summarizer, article.meta.language),
            timings=timings,
        )
        return fit(digest, word_budget(options.points))

    async def digest(self, source: Source, options: DigestOptions = DigestOptions()) -> Digest:
        read = await self.read(source)
        return await asyncio.to_thread(
            self.digest_article, read.article, options, fetch_ms=read.fetch_ms, extract_ms=read.extract_ms
        )
