"""Wiring only: settings -> clients -> models -> commands."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import partial

from bot.cli import add_summarize_parser, run_summarize
from bot.config import Settings
from bot.core.errors import BadInput
from bot.core.extract import GateOptions
from bot.core.fetch import Fetcher, FetchLimits
from bot.core.pipeline import Digester
from bot.core.service import DigestService, open_service
from models.encoder import EncoderOptions
from models.summarizer import LazyExtractiveSummarizer, Summarizer

__all__ = ["build_summarizer", "fetch_limits", "main", "open_chat_service", "open_digester"]


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
        EncoderOptions(
            model_dir=settings.model_dir, quantize=settings.model_quantize, threads=settings.torch_threads
        )
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


@asynccontextmanager
async def open_chat_service(settings: Settings, summarizer: Summarizer) -> AsyncIterator[DigestService]:
    """Fetcher, digester and service, opened inside the event loop that will use them."""
    async with open_digester(settings, summarizer) as digester, open_service(settings, digester) as service:
        yield service


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )


def _run_chat(args: argparse.Namespace, settings: Settings, summarizer: Summarizer) -> int:
    _configure_logging(settings)
    try:
        if args.command == "discord":
            from bot.discord_chat import serve as discord_serve

            async def discord_main() -> None:
                async with open_chat_service(settings, summarizer) as service:
                    await discord_serve(settings, service)

            asyncio.run(discord_main())
        else:
            from bot.slack_chat import run as slack_run

            slack_run(
                settings, partial(open_chat_service, settings, summarizer), http=args.http, port=args.port
            )
    except BadInput as exc:
        print(f"precis: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="precis", description="Faithful article digests.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_summarize_parser(sub)
    sub.add_parser("discord", help="run the Discord bot (DISCORD_TOKEN from .env)")
    slack = sub.add_parser("slack", help="run the Slack bot (Socket Mode, or --http)")
    slack.add_argument("--http", action="store_true", help="serve the Events API on /slack/events")
    slack.add_argument("--port", type=int, default=3000, help="port for --http (default 3000)")
    args = parser.parse_args(argv)
    settings = Settings()
    summarizer = build_summarizer(settings)
    if args.command == "summarize":
        return run_summarize(args, settings, partial(open_digester, settings, summarizer))
    return _run_chat(args, settings, summarizer)


if __name__ == "__main__":
    sys.exit(main())
