"""Wiring only: settings -> clients -> models -> commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import partial

from bot.cli import add_summarize_parser, run_summarize
from bot.config import Settings
from bot.core.extract import GateOptions
from bot.core.fetch import Fetcher, FetchLimits
from bot.core.pipeline import Digester
from models.encoder import EncoderOptions
from models.summarizer import LazyExtractiveSummarizer, Summarizer

__all__ = ["build_summarizer", "fetch_limits", "main", "open_digester"]


def fetch_limits(settings: Settings) -> FetchLimits:
    return FetchLimits(
        timeout_s=settings.fetch_timeout_s,
        max_bytes=settings.fetch_max_bytes,
        max_redirects=settings.fetch_max_redirects,
        allow_private=frozenset(settings.fetch_allow_private),
        user_agent=settings.user_agent,
    )


def build_summarizer(settings: Settings) -> Summarizer:
    return LazyExtractiveSummarizer(
        EncoderOptions(model_dir=settings.model_dir, quantize=settings.model_quantize, threads=settings.torch_threads)
    )


@asynccontextmanager
async def open_digester(settings: Settings, summarizer: Summarizer) -> AsyncIterator[Digester]:
    from models.quotes import extract_quotes

    gate = GateOptions(min_page_words=settings.min_page_words, min_text_words=settings.min_text_words)
    async with Fetcher(fetch_limits(settings)) as fetcher:
        yield Digester(
            fetcher,
            summarizer,
            find_quotes=partial(extract_quotes, min_words=settings.min_quote_words),
            gate=gate,
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="precis", description="Faithful article digests.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_summarize_parser(sub)
    args = parser.parse_args(argv)
    settings = Settings()
    summarizer = build_summarizer(settings)
    if args.command == "summarize":
        return run_summarize(args, settings, partial(open_digester, settings, summarizer))
    parser.error(f"unknown command {args.command}")  # pragma: no cover
    return 2


if __name__ == "__main__":
    sys.exit(main())
