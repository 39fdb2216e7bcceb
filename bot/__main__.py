"""Wiring only: settings -> clients -> models -> commands.

Start-up checks come first and in the order ``bot.startup`` describes (nothing is written until
they pass); a failed one is a line on stderr and exit code 2 (configuration), 3 (something
needed is not there or not answering) or 4 (the model).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial

from bot.cli import EXIT_BAD_USAGE, add_summarize_parser, run_summarize
from bot.config import Settings
from bot.core.errors import BadInput, ModelError, StartupError
from bot.core.extract import GateOptions, detect_language
from bot.core.fetch import Fetcher, FetchLimits
from bot.core.health import HealthCheck, serving, status_app
from bot.core.pipeline import Digester
from bot.core.service import DigestService, open_service
from bot.startup import (
    bind,
    check_discord,
    check_ports,
    check_slack,
    check_tokens,
    configure_logging,
    load_settings,
    opening_store,
    report,
)
from models.abstractive import PointGenerator
from models.encoder import EncoderOptions, load_encoder
from models.keypoints import SentenceEncoder
from models.summarizer import LazyExtractiveSummarizer, Summarizer

__all__ = [
    "build_generator",
    "build_summarizer",
    "fetch_limits",
    "load_model",
    "main",
    "open_chat_service",
    "open_digester",
]

log = logging.getLogger(__name__)


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


def load_model(settings: Settings) -> Summarizer:
    """The summarizer ``SUMMARIZER`` names, for serving chat, with its model loaded now (the
    extractive default too, which would otherwise load on first use): a missing or broken model
    stops start-up with exit 4, and the first request does not wait for it."""
    summarizer = build_summarizer(settings, serving=True)
    if isinstance(summarizer, LazyExtractiveSummarizer):
        summarizer.load()
    detect_language("The language model loads now, not on the first request.")  # py3langid: 0.3-0.4 s
    return summarizer


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


async def _serve_chat(args: argparse.Namespace, settings: Settings) -> None:
    """``precis discord`` / ``precis slack``: the start-up checks in ``bot.startup``'s order, then
    serve until SIGTERM or Ctrl-C."""
    slack = args.command == "slack"
    http = slack and args.http
    check_ports({"--port": args.port if http else None, "METRICS_PORT": settings.metrics_port})
    async with AsyncExitStack() as stack:
        events = stack.enter_context(bind(settings.host, args.port, "--port")) if http else None
        status = None
        if settings.metrics_port is not None:
            status = stack.enter_context(bind(settings.metrics_host, settings.metrics_port, "METRICS_PORT"))
        await (check_slack(settings, http=http) if slack else check_discord(settings))
        summarizer = await asyncio.to_thread(load_model, settings)
        async with opening_store(settings):
            service = await stack.enter_async_context(open_chat_service(settings, summarizer))
        # The model loaded above, before anything was served: only the store can go down.
        health = HealthCheck(lambda: True, service.store_reachable)
        if status is not None:
            port = await stack.enter_async_context(serving(status_app(service.metrics, health), status))
            log.info("metrics and /healthz on %s port %d", settings.metrics_host, port)
        if slack:
            from bot.slack_chat import serve as slack_serve

            await slack_serve(settings, service, http=http, sock=events, health=health)
        else:
            from bot.discord_chat import CommandSync
            from bot.discord_chat import serve as discord_serve

            # The commands' hash goes in the service's store, shared by every process.
            sync: CommandSync = "always" if args.sync else "changed"
            await discord_serve(settings, service, store=service.store, sync=sync)


def _run_chat(args: argparse.Namespace, settings: Settings) -> int:
    check_tokens(settings, args.command, http=args.command == "slack" and args.http)
    configure_logging(settings.log_level)
    try:
        asyncio.run(_serve_chat(args, settings))
    except BadInput as exc:  # what the adapters raise once serving: a refused token, say
        print(f"precis: {exc.message}", file=sys.stderr)
        return EXIT_BAD_USAGE
    except KeyboardInterrupt:
        return 0
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="precis", description="Faithful article digests.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_summarize_parser(sub)
    discord = sub.add_parser("discord", help="run the Discord bot (DISCORD_TOKEN from .env)")
    discord.add_argument(
        "--sync",
        action="store_true",
        help="send the slash commands to Discord even if unchanged since the last sync",
    )
    slack = sub.add_parser("slack", help="run the Slack bot (Socket Mode, or --http)")
    slack.add_argument("--http", action="store_true", help="serve the Events API on /slack/events")
    slack.add_argument("--port", type=int, default=3000, help="port for --http (default 3000)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        if args.command != "summarize":
            return _run_chat(args, settings)
        summarizer = build_summarizer(settings)
    except (StartupError, ModelError) as exc:
        return report(exc)
    return run_summarize(args, settings, partial(open_digester, settings, summarizer))


if __name__ == "__main__":
    sys.exit(main())
