"""The digest service end to end: the real model and quotes behind the real service (SQLite in a
temporary folder, the worker pool, rate limits, the cache), fed the CNN/DM dev articles as pasted
text. Measures digests per second with a cold and a warm cache, and latency with 50 requests at
once, cold and warm; and how many of those 50 the default admission (QUEUE_MAX_WAIT_S) refuses as
busy.

    python -m bench.service EVAL_DIR
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.core.errors import Busy, PrecisError
from bot.core.pipeline import Digester
from bot.core.service import DigestRequest, DigestService, Requester, ServiceLimits
from bot.core.store import SqliteStore
from bot.core.types import DigestOptions, Source

__all__ = ["measure"]

# Requests in flight during the throughput runs: enough to keep both workers fed.
CLIENTS = 8
CONCURRENT = 50
# Limits out of the way: this measures the work, not the rate limiter's or admission's refusals.
UNLIMITED = ServiceLimits(
    max_wait_s=3600.0, user_rate=1e6, user_burst=10**6, channel_rate=1e6, channel_burst=10**6
)


def _request(text: str, i: int) -> DigestRequest:
    return DigestRequest(Source.from_text(text), Requester("bench", "w", f"c{i % 10}", f"u{i}"), points=3)


async def _throughput(service: DigestService, texts: Sequence[str]) -> tuple[float, int]:
    """Digests a second with ``CLIENTS`` requests in flight, and how many requests failed."""
    gate = asyncio.Semaphore(CLIENTS)
    failed = 0

    async def one(i: int, text: str) -> None:
        nonlocal failed
        async with gate:
            try:
                await service.summarize(_request(text, i))
            except PrecisError:
                failed += 1

    started = time.perf_counter()
    await asyncio.gather(*(one(i, t) for i, t in enumerate(texts)))
    return (len(texts) - failed) / (time.perf_counter() - started), failed


async def _burst(service: DigestService, texts: Sequence[str]) -> tuple[list[float], int]:
    """All of ``texts`` at once: each completed request's latency (ms), and how many were busy."""
    latencies: list[float] = []
    busy = 0

    async def one(i: int, text: str) -> None:
        nonlocal busy
        started = time.perf_counter()
        try:
            await service.summarize(_request(text, i))
        except Busy:
            busy += 1
            return
        latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(one(i, t) for i, t in enumerate(texts)))
    return latencies, busy


def _p(values: list[float], q: int) -> float:
    return round(statistics.quantiles(values, n=100)[q - 1], 1) if len(values) > 1 else round(values[0], 1)


async def _measure(eval_dir: Path) -> dict:
    from bench.summarization import load_rows
    from bot.__main__ import torch_threads
    from bot.config import Settings
    from models.encoder import EncoderOptions
    from models.quotes import extract_quotes
    from models.summarizer import LazyExtractiveSummarizer

    texts = [row["article"] for row in load_rows(eval_dir)]
    # As `precis discord|slack` run it: each of the service's workers gets its share of the cores.
    threads = torch_threads(Settings(), serving=True)
    summarizer = LazyExtractiveSummarizer(EncoderOptions(threads=threads))
    digester = Digester(None, summarizer, extract_quotes)
    read = await digester.read(Source.from_text(texts[0]))
    digester.digest_article(read.article, DigestOptions(points=3))  # load the model, warm it up

    with tempfile.TemporaryDirectory() as tmp:

        async def fresh(limits: ServiceLimits, name: str) -> DigestService:
            return DigestService(digester, await SqliteStore.open(Path(tmp) / f"{name}.sqlite3"), limits)

        service = await fresh(UNLIMITED, "throughput")
        try:
            cold, cold_failed = await _throughput(service, texts)
            warm, _ = await _throughput(service, texts)
        finally:
            await service.aclose()

        batch = texts[:CONCURRENT]
        service = await fresh(UNLIMITED, "burst")
        try:
            cold_ms, _ = await _burst(service, batch)
            warm_ms, _ = await _burst(service, batch)
        finally:
            await service.aclose()

        service = await fresh(replace(UNLIMITED, max_wait_s=ServiceLimits().max_wait_s), "default-admission")
        try:
            _, busy = await _burst(service, batch)
        finally:
            await service.aclose()

    return {
        "articles": len(texts),
        "workers": UNLIMITED.workers,
        "clients": CLIENTS,
        "cold_digests_per_s": round(cold, 2),
        "warm_digests_per_s": round(warm, 1),
        "failed": cold_failed,
        "concurrent": CONCURRENT,
        "cold_p50_ms": _p(cold_ms, 50),
        "cold_p95_ms": _p(cold_ms, 95),
        "warm_p50_ms": _p(warm_ms, 50),
        "warm_p95_ms": _p(warm_ms, 95),
        "default_max_wait_s": ServiceLimits().max_wait_s,
        "busy_at_default_queue": busy,
    }


def measure(eval_dir: Path) -> dict:
    return asyncio.run(_measure(eval_dir))


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]))))
