"""``precis summarize``: a URL, a file or standard input in; a digest out.

Exit codes: 0 success; 2 bad usage; 3 the source could not be fetched or read (one line on
stderr says why); 4 the model could not be loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings
from bot.core.errors import BadInput, ModelError, PrecisError, SourceError
from bot.core.pipeline import Digester
from bot.core.render import digest_to_json, digest_to_markdown
from bot.core.types import Digest, DigestOptions, Source

__all__ = ["EXIT_BAD_USAGE", "EXIT_MODEL", "EXIT_SOURCE", "add_summarize_parser", "run_summarize"]

EXIT_OK = 0
EXIT_BAD_USAGE = 2
EXIT_SOURCE = 3
EXIT_MODEL = 4

FILE_SUFFIXES = {".html": "html", ".htm": "html", ".xhtml": "html", ".txt": "text", ".md": "text"}


def _points(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if not 1 <= n <= 20:
        raise argparse.ArgumentTypeError("must be between 1 and 20")
    return n


def add_summarize_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "summarize",
        help="summarize a URL, an HTML/text file, or standard input",
        description="Summarize a URL, a .html/.htm/.txt/.md file, or - for standard input "
        "(HTML when it starts with '<', plain text otherwise).",
    )
    p.add_argument("source", nargs="?", help="http(s) URL, file path, or - for standard input")
    p.add_argument(
        "--format",
        choices=["markdown", "json", "discord", "slack"],
        default="markdown",
        help="markdown (default), json (the contract), or the exact discord/slack message payloads",
    )
    p.add_argument("--points", type=_points, default=None, help="number of key points (default 4)")
    p.add_argument("--no-quotes", action="store_true", help="leave quotes out")
    p.add_argument(
        "--jsonl",
        metavar="FILE",
        help='batch mode: each line {"id", "text"|"url"|"html"}; one JSON digest per line on stdout',
    )


def source_from_arg(arg: str, stdin: TextIO) -> Source:
    """Turn the SOURCE argument into a ``Source``. Raises BadInput or SourceError."""
    if arg == "-":
        data = stdin.read()
        return Source.from_html(data) if data.lstrip().startswith("<") else Source.from_text(data)
    if "://" in arg or arg.lower().startswith(("http:", "https:")):
        return Source.from_url(arg)
    path = Path(arg)
    kind = FILE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        if path.exists():
            raise BadInput(f"{arg}: unsupported file type (use .html, .htm, .txt or .md)")
        raise BadInput(f"{arg}: not an http(s) URL, a .html/.htm/.txt/.md file, or -")
    try:
        data = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError as exc:
        raise SourceError(f"{arg}: no such file") from exc
    except OSError as exc:
        raise SourceError(f"{arg}: cannot read the file ({exc.strerror})") from exc
    return Source.from_html(data) if kind == "html" else Source.from_text(data)


def _item_source(item: Any) -> Source:
    if not isinstance(item, dict):
        raise BadInput("each line must be a JSON object")
    fields = [k for k in ("text", "url", "html") if k in item]
    if len(fields) != 1 or not isinstance(item[fields[0]], str):
        raise BadInput('each line needs exactly one of "text", "url" or "html" (a string)')
    value = item[fields[0]]
    if fields[0] == "url":
        return Source.from_url(value)
    if fields[0] == "html":
        return Source.from_html(value, url=item.get("page_url"))
    return Source.from_text(value)


def _batch_lines(stream: TextIO) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(stream, start=1):
        if line.strip():
            yield number, line


async def _run_batch(digester: Digester, stream: TextIO, options: DigestOptions, out: TextIO) -> int:
    from tqdm import tqdm

    lines = list(_batch_lines(stream))
    for number, line in tqdm(lines, desc="summarizing", unit="item", file=sys.stderr, disable=None):
        item_id: Any = None
        try:
            item = json.loads(line)
            item_id = item.get("id") if isinstance(item, dict) else None
            digest = await digester.digest(_item_source(item), options)
            record = digest_to_json(digest, item_id=item_id)
        except json.JSONDecodeError as exc:
            record = {
                "id": None,
                "line": number,
                "error": BadInput(f"line {number}: not JSON ({exc.msg})").to_dict(),
            }
        except PrecisError as exc:
            record = {"id": item_id, "line": number, "error": exc.to_dict()}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
    return EXIT_OK


DigesterFactory = Callable[[], AbstractAsyncContextManager[Digester]]


def run_summarize(
    args: argparse.Namespace,
    settings: Settings,
    open_digester: DigesterFactory,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """``open_digester`` is entered inside the event loop (the fetcher's client belongs to it)."""
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    options = DigestOptions(
        points=args.points or settings.default_points,
        quotes=not args.no_quotes,
    )

    async def single(source: Source) -> Digest:
        async with open_digester() as digester:
            return await digester.digest(source, options)

    async def batch(stream: TextIO) -> int:
        async with open_digester() as digester:
            return await _run_batch(digester, stream, options, stdout)

    try:
        if args.jsonl:
            if args.source:
                raise BadInput("give either SOURCE or --jsonl FILE, not both")
            if args.jsonl == "-":
                return asyncio.run(batch(stdin))
            try:
                with open(args.jsonl, encoding="utf-8") as fh:
                    return asyncio.run(batch(fh))
            except FileNotFoundError as exc:
                raise SourceError(f"{args.jsonl}: no such file") from exc
        if not args.source:
            raise BadInput("missing SOURCE (a URL, a file, or -), or --jsonl FILE")
        digest = asyncio.run(single(source_from_arg(args.source, stdin)))
    except BadInput as exc:
        print(f"precis: {exc.message}", file=stderr)
        return EXIT_BAD_USAGE
    except SourceError as exc:
        print(f"precis: {exc.message}", file=stderr)
        return EXIT_SOURCE
    except ModelError as exc:
        print(f"precis: {exc.message}", file=stderr)
        return EXIT_MODEL
    stdout.write(render(digest, args.format, settings.show_quotes if options.quotes else 0))
    return EXIT_OK


def render(digest: Digest, fmt: str, shown_quotes: int) -> str:
    """The digest as the chosen output format, ending in a newline."""
    if fmt == "json":
        return json.dumps(digest_to_json(digest), ensure_ascii=False, indent=2) + "\n"
    from models.quotes import select_notable

    shown = select_notable(list(digest.quotes), shown_quotes) if shown_quotes else []
    if fmt == "discord":
        from bot.discord_chat.render import digest_payloads

        return json.dumps(digest_payloads(digest, shown), ensure_ascii=False, indent=2) + "\n"
    if fmt == "slack":
        from bot.slack_chat.render import digest_message

        return json.dumps(digest_message(digest, shown), ensure_ascii=False, indent=2) + "\n"
    return digest_to_markdown(digest, shown)
