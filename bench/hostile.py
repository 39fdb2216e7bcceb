"""Hostile sizes (issue 13): engine time against input size, so a super-linear stage shows as a
curve, not a hang; and whether ordinary requests are answered while huge ones are in the pool.

Inputs are CNN/DM dev articles repeated to each size, as a page of paragraphs ("prose") and as
one paragraph with no line break ("one paragraph"), given as HTML (extraction included). Engine
time is extraction plus the digest (key points and quotes on the real model), no fetch.

    python -m bench.hostile EVAL_DIR
"""

from __future__ import annotations

import asyncio
import html
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.reader import offline_digester
from bot.core.pipeline import Digester
from bot.core.service import DigestRequest, DigestService, Requester, ServiceLimits
from bot.core.store import SqliteStore
from bot.core.types import Source

__all__ = ["measure"]

SIZES = (10_000, 100_000, 1_000_000, 5_000_000)
HUGE = 5_000_000
HUGE_IN_FLIGHT = 4
ORDINARY = 10
ROOMY = ServiceLimits(
    max_wait_s=3600.0, user_rate=1e6, user_burst=10**6, channel_rate=1e6, channel_burst=10**6
)


def _articles(eval_dir: Path) -> list[str]:
    rows = [json.loads(line) for line in (eval_dir / "summarization" / "dev.jsonl").open()]
    return [r["article"] for r in rows if r.get("dataset") == "cnndm"][:20]


def _page(articles: list[str], size: int, *, one_paragraph: bool) -> str:
    parts, total, i = [], 0, 0
    while total < size:
        text = articles[i % len(articles)]
        parts.append(text)
        total += len(text) + 1
        i += 1
    body = " ".join(parts)[:size]
    if one_paragraph:
        inner = f"<p>{html.escape(body)}</p>"
    else:  # paragraphs of about four sentences
        sentences = body.split(". ")
        inner = "".join(
            f"<p>{html.escape('. '.join(sentences[j : j + 4]))}.</p>" for j in range(0, len(sentences), 4)
        )
    return f"<html><head><title>Bench</title></head><body><article>{inner}</article></body></html>"


async def _engine_ms(digester: Digester, page: str) -> dict[str, float | bool]:
    started = time.perf_counter()
    digest = await digester.digest(Source.from_html(page))
    total = (time.perf_counter() - started) * 1000
    t = digest.timings
    return {
        "extract_ms": t.extract,
        "digest_ms": round(t.summarize + t.quotes, 1),
        "engine_ms": round(total, 1),
        "truncated": digest.article.source_chars is not None,
    }


async def _meanwhile(digester: Digester, articles: list[str]) -> dict[str, float]:
    """Ordinary articles alone, then again while ``HUGE_IN_FLIGHT`` 5 MB one-paragraph pages are
    digested by the same service (2 workers): each ordinary request's latency."""
    huge = [_page(articles[k:] + articles[:k], HUGE, one_paragraph=True) for k in range(HUGE_IN_FLIGHT)]
    ordinary = [f"<html><body><article><p>{html.escape(a)}</p></article></body></html>" for a in articles]

    async def run(pages: list[str], tag: str, service: DigestService) -> list[float]:
        async def one(i: int, page: str) -> float:
            started = time.perf_counter()
            request = DigestRequest(Source.from_html(page), Requester("bench", "w", f"c{i}", f"{tag}{i}"))
            await service.summarize(request)
            return (time.perf_counter() - started) * 1000

        return list(await asyncio.gather(*(one(i, p) for i, p in enumerate(pages))))

    with tempfile.TemporaryDirectory() as folder:
        service = DigestService(digester, await SqliteStore.open(Path(folder) / "a.sqlite3"), ROOMY)
        try:
            alone = await run(ordinary[:ORDINARY], "alone", service)
        finally:
            await service.aclose()
        service = DigestService(digester, await SqliteStore.open(Path(folder) / "b.sqlite3"), ROOMY)
        try:
            big = asyncio.gather(*(run([p], f"huge{k}", service) for k, p in enumerate(huge)))
            await asyncio.sleep(0.05)  # the huge ones are in first
            meanwhile = await run([o.replace("<p>", "<p>Again: ") for o in ordinary[:ORDINARY]], "m", service)
            huge_ms = [ms for group in await big for ms in group]
        finally:
            await service.aclose()
    return {
        "alone_p50_ms": statistics.median(alone),
        "alone_max_ms": max(alone),
        "meanwhile_p50_ms": statistics.median(meanwhile),
        "meanwhile_max_ms": max(meanwhile),
        "huge_max_ms": max(huge_ms),
    }


async def _measure(eval_dir: Path) -> dict[str, object]:
    digester = offline_digester()
    articles = _articles(eval_dir)
    await _engine_ms(digester, _page(articles, SIZES[0], one_paragraph=False))  # imports, caches
    curve = []
    for one_paragraph in (False, True):
        for size in SIZES:
            row = await _engine_ms(digester, _page(articles, size, one_paragraph=one_paragraph))
            curve.append({"shape": "one paragraph" if one_paragraph else "prose", "bytes": size, **row})
    return {"curve": curve, "meanwhile": await _meanwhile(digester, articles)}


def measure(eval_dir: Path) -> dict[str, object]:
    return asyncio.run(_measure(eval_dir))


def print_report(result: dict[str, object]) -> None:
    print("Hostile sizes: engine time (extraction + key points + quotes, real model) by input size")
    print(f"  {'shape':<14} {'size':>9} {'extract':>9} {'digest':>9} {'engine':>9}  cut")
    for row in result["curve"]:  # type: ignore[attr-defined]
        print(
            f"  {row['shape']:<14} {row['bytes'] / 1000:>7.0f}KB {row['extract_ms']:>7.0f}ms "
            f"{row['digest_ms']:>7.0f}ms {row['engine_ms']:>7.0f}ms  {'yes' if row['truncated'] else 'no'}"
        )
    m = result["meanwhile"]
    print(
        f"  {ORDINARY} ordinary pages alone: p50 {m['alone_p50_ms']:.0f} ms, max {m['alone_max_ms']:.0f} ms; "  # type: ignore[index]
        f"beside {HUGE_IN_FLIGHT} x 5 MB one-paragraph pages: p50 {m['meanwhile_p50_ms']:.0f} ms, "  # type: ignore[index]
        f"max {m['meanwhile_max_ms']:.0f} ms (slowest 5 MB page {m['huge_max_ms']:.0f} ms)"  # type: ignore[index]
    )


if __name__ == "__main__":
    print_report(measure(Path(sys.argv[1])))
