"""Wiring only: settings -> clients -> models -> commands."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import partial

from bot.cli import EXIT_MODEL, add_summarize_parser, run_summarize
from bot.config import Settings
from bot.core.errors import BadInput, ModelError
from bot.core.extract import GateOptions
from bot.core.fetch import Fetcher, FetchLimits
from bot.core.pipeline import Digester
from bot.core.service import DigestService, open_service
from models.abstractive import PointGenerator
from models.encoder import EncoderOptions, load_encoder
from models.keypoints import SentenceEncoder
from models.summarizer import LazyExtractiveSummarizer, Summarizer

__all__ = [
    "build_generator",
    "build_summarizer",
    "fetch_limits",
    "main",
    "open_chat_service",
    "open_digester",
]


def fetch_limits(settings: Settings) -> FetchLimits:
    return FetchLimits(
        timeout_s=settings.fetch_timeout_s,
        max_bytes=settings.fetch_max_bytes,
        max_redirects=settings.fetch_max_redirects,
        allow_private=frozenset(settings.fetch_allow_private),
        user_agent=settings.user_agent,
    )


def build_generator(settings: Settings) -> PointGenerator:
    """The abstractive backend ``SUMMARIZER`` names, loaded now: a misconfiguration is a
    ``ModelError`` naming the setting, at start-up rather than on the first request."""
    if settings.summarizer == "seq2seq":
        from models.abstractive import Seq2SeqGenerator

        return Seq2SeqGenerator.load(settings.summarizer_model, device=settings.device)
    if settings.summarizer == "causal":
        from models.abstractive import CausalGenerator

        return CausalGenerator.load(settings.summarizer_model, device=settings.device)
    if settings.summarizer == "openai":
        from models.abstractive import OpenAIChatGenerator

        base_url = (settings.openai_base_url or "").strip()
        if not base_url:
            raise ModelError(
                "OPENAI_BASE_URL is not set: SUMMARIZER=openai needs the server's API root, "
                "e.g. http://127.0.0.1:8000/v1"
            )
        if not base_url.startswith(("http://", "https://")):
            raise ModelError(f"OPENAI_BASE_URL={base_url}: not an http(s) URL")
        if not settings.openai_model:
            raise ModelError("OPENAI_MODEL is not set: SUMMARIZER=openai needs the served model's name")
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return OpenAIChatGenerator(
            base_url, settings.openai_model, api_key=key, timeout_s=settings.openai_timeout_s
        )
    raise ModelError(f"SUMMARIZER={settings.summarizer}: not an abstractive backend")


def torch_threads(settings: Settings, *, serving: bool) -> int | None:
    """``TORCH_THREADS`` if set. Serving chat, the service runs ``WORKERS`` model calls at once, so
    each gets its share of the cores: on 2 cores with 2 workers, one thread each gave 6.8 cold
    digests/s against 4.1 with two threads each (``make bench``, service section)."""
    if settings.torch_threads is not None:
        return settings.torch_threads
    if serving:
        return max(1, (os.cpu_count() or 1) // settings.workers)
    return None


def build_summarizer(
    settings: Settings, encoder: SentenceEncoder | None = None, *, serving: bool = False
) -> Summarizer:
    """The extractive default loads its encoder on first use; an abstractive backend loads now,
    with the encoder its grounding needs (``encoder`` replaces it in tests)."""
    options = EncoderOptions(
        model_dir=settings.model_dir,
        quantize=settings.model_quantize,
        threads=torch_threads(settings, serving=serving),
    )
    if settings.summarizer == "extractive":
        return LazyExtractiveSummarizer(options)
    from models.abstractive import AbstractiveSummarizer

    # The backend first: loading the encoder switches the hub off for this process.
    generator = build_generator(settings)
    return AbstractiveSummarizer(generator, encoder if encoder is not None else load_encoder(options))


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
            timeout_s=settings.digest_timeout_s,
            shown_quotes=settings.show_quotes,
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
    try:
        summarizer = build_summarizer(settings, serving=args.command != "summarize")
    except ModelError as exc:
        print(f"precis: {exc.message}", file=sys.stderr)
        return EXIT_MODEL
    if args.command == "summarize":
        return run_summarize(args, settings, partial(open_digester, settings, summarizer))
    return _run_chat(args, settings, summarizer)


if __name__ == "__main__":
    sys.exit(main())
