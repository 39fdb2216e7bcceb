"""``precis summarize``: a URL, a file or standard input in; a digest out.

Exit codes: 0 success; 2 bad usage; 3 the source could not be fetched or read, or its digest
took too long (one line on stderr says why); 4 the model could not be loaded. Files and standard
input are capped at ``FETCH_MAX_BYTES`` like a fetched page; binary input is refused as not text.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from bot.config import Settings
from bot.core.errors import BadInput, ModelError, PrecisError, SourceError, TooLarge
from bot.core.pipeline import Digester
from bot.core.render import digest_to_json, digest_to_markdown
from bot.core.types import Digest, DigestOptions, Source

__all__ = ["EXIT_BAD_USAGE", "EXIT_MODEL", "EXIT_SOURCE", "add_summarize_parser", "run_summarize"]

EXIT_OK = 0
EXIT_BAD_USAGE = 2
EXIT_SOURCE = 3
EXIT_MODEL = ModelError.exit_code

log = logging.getLogger(__name__)

# A file or standard input is capped like a fetched page (FETCH_MAX_BYTES, this by default).
DEFAULT_MAX_BYTES = 5_000_000

FILE_SUFFIXES = {".html": "html", ".htm": "html", ".xhtml": "html", ".txt": "text", ".md": "text"}


def _points(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if not 1 <= n <= 8:
        raise argparse.ArgumentTypeError("must be between 1 and 8")
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
    p.add_argument(
        "--points", type=_points, default=None, help="number of key points beside the TL;DR (1-8, default 3)"
    )
    p.add_argument("--no-quotes", action="store_true", help="leave quotes out")
    p.add_argument(
        "--jsonl",
        metavar="FILE",
        help='batch mode: each line {"id", "text"|"url"|"html"}; one JSON digest per line on stdout',
    )


def _decoded(data: bytes | str) -> str:
    return data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data


def _read_capped(stream: BinaryIO | TextIO, cap: int, what: str) -> str:
    """At most ``cap`` bytes (characters, from a text stream) of ``stream``, like a fetched body:
    ``TooLarge`` past that, before any more is read. Undecodable bytes become U+FFFD (binary
    input is then refused by the pipeline as not text)."""
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise TooLarge(f"{what} is over the {cap:,}-byte limit")
    return _decoded(data)


def _with_kind(data: str, kind: str | None) -> Source:
    if kind is None:  # standard input: HTML when it looks like markup
        kind = "html" if data.lstrip().startswith("<") else "text"
    return Source.from_html(data) if kind == "html" else Source.from_text(data)


def source_from_arg(arg: str, stdin: TextIO, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    """Turn the SOURCE argument into a ``Source``. Raises BadInput or SourceError (``TooLarge``
    for a file or standard input over ``max_bytes``, the fetcher's cap)."""
    if arg == "-":
        return _with_kind(_read_capped(getattr(stdin, "buffer", stdin), max_bytes, "standard input"), None)
    if "://" in arg or arg.lower().startswith(("http:", "https:")):
        return Source.from_url(arg)
    path = Path(arg)
    kind = FILE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        if path.exists():
            raise BadInput(f"{arg}: unsupported file type (use .html, .htm, .txt or .md)")
        raise BadInput(f"{arg}: not an http(s) URL, a .html/.htm/.txt/.md file, or -")
    try:
        with path.open("rb") as fh:
            data = _read_capped(fh, max_bytes, arg)
    except FileNotFoundError as exc:
        raise SourceError(f"{arg}: no such file") from exc
    except IsADirectoryError as exc:
        raise BadInput(f"{arg}: is a folder, not a file") from exc
    except OSError as exc:
        raise SourceError(f"{arg}: cannot read the file ({exc.strerror})") from exc
    return _with_kind(data, kind)


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
        page_url = item.get("page_url")
        if page_url is not None and not isinstance(page_url, str):
            raise BadInput('"page_url" must be a string')
        return Source.from_html(value, url=page_url)
    return Source.from_text(value)


def _item_id(item: Any) -> Any:
    """The line's ``id`` when it is a JSON scalar (echoed back as it came); else none."""
    value = item.get("id") if isinstance(item, dict) else None
    return value if isinstance(value, str | int | float | bool) else None


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    data: bytes | str | None
    """None: the line was over the cap (it was skipped, not held in memory)."""


def _batch_lines(stream: BinaryIO | TextIO, cap: int) -> Iterator[_Line]:
    """Non-blank lines, each read with at most ``cap`` + 1 bytes held at a time."""
    number = 0
    while True:
        line = stream.readline(cap + 1)
        if not line:
            return
        number += 1
        newline = b"\n" if isinstance(line, bytes) else "\n"
        if len(line) > cap and not line.endswith(newline):  # type: ignore[arg-type]
            while (rest := stream.readline(cap + 1)) and not rest.endswith(newline):  # type: ignore[arg-type]
                pass
            yield _Line(number, None)
            continue
        if line.strip():
            yield _Line(number, line)


def _line_item(line: _Line, cap: int) -> Any:
    """The line's JSON value. Raises ``BadInput`` naming what is wrong with the line."""
    if line.data is None:
        raise BadInput(f"line {line.number}: over the {cap:,}-byte limit")
    try:
        text = line.data.decode("utf-8") if isinstance(line.data, bytes) else line.data
    except UnicodeDecodeError as exc:
        raise BadInput(f"line {line.number}: not UTF-8 text") from exc
    try:
        item = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"line {line.number}: not JSON ({exc.msg})") from exc
    except RecursionError as exc:
        raise BadInput(f"line {line.number}: JSON nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise BadInput(f"line {line.number}: not JSON we can read ({exc})") from exc
    return item


async def _run_batch(
    digester: Digester, stream: BinaryIO | TextIO, options: DigestOptions, out: TextIO, cap: int
) -> int:
    """One JSON line out per line in: a digest, or ``{"id", "line", "error"}``. No line stops the
    batch: even an unexpected failure becomes that line's error (logged with its traceback)."""
    from tqdm import tqdm

    lines = _batch_lines(stream, cap)  # one at a time: a batch file may be longer than memory
    for line in tqdm(lines, desc="summarizing", unit="item", file=sys.stderr, disable=None):
        item_id: Any = None
        try:
            item = _line_item(line, cap)
            item_id = _item_id(item)
            record = digest_to_json(await digester.digest(_item_source(item), options), item_id=item_id)
        except PrecisError as exc:
            record = {"id": item_id, "line": line.number, "error": exc.to_dict()}
        except Exception:
            log.exception("line %d failed", line.number)
            error = PrecisError(f"line {line.number}: an internal error; it has been logged")
            record = {"id": item_id, "line": line.number, "error": error.to_dict()}
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

    cap = settings.fetch_max_bytes

    async def batch(stream: BinaryIO | TextIO) -> int:
        async with open_digester() as digester:
            return await _run_batch(digester, stream, options, stdout, cap)

    try:
        if args.jsonl:
            if args.source:
                raise BadInput("give either SOURCE or --jsonl FILE, not both")
            if args.jsonl == "-":
                return asyncio.run(batch(getattr(stdin, "buffer", stdin)))
            try:
                with open(args.jsonl, "rb") as fh:
                    return asyncio.run(batch(fh))
            except FileNotFoundError as exc:
                raise SourceError(f"{args.jsonl}: no such file") from exc
            except IsADirectoryError as exc:
                raise BadInput(f"{args.jsonl}: is a folder, not a file") from exc
            except OSError as exc:
                raise SourceError(f"{args.jsonl}: cannot read the file ({exc.strerror})") from exc
        if not args.source:
            raise BadInput("missing SOURCE (a URL, a file, or -), or --jsonl FILE")
        digest = asyncio.run(single(source_from_arg(args.source, stdin, cap)))
    except BadInput as exc:
        print(f"precis: {exc.message}", file=stderr)
        return EXIT_BAD_USAGE
    except ModelError as exc:
        print(f"precis: {exc.message}", file=stderr)
        return EXIT_MODEL
    except PrecisError as exc:  # SourceError, and anything else we raise on purpose
        print(f"precis: {exc.message}", file=stderr)
        return EXIT_SOURCE
    stdout.write(render(digest, args.format, options.quotes))
    return EXIT_OK


def render(digest: Digest, fmt: str, quotes: bool = True) -> str:
    """The digest as the chosen output format, ending in a newline."""
    if fmt == "json":
        return json.dumps(digest_to_json(digest), ensure_ascii=False, indent=2) + "\n"
    shown = list(digest.shown_quotes) if quotes else []
    if fmt == "discord":
        from bot.discord_chat.render import digest_payloads

        return json.dumps(digest_payloads(digest, shown), ensure_ascii=False, indent=2) + "\n"
    if fmt == "slack":
        from bot.slack_chat.render import digest_message

        return json.dumps(digest_message(digest, shown), ensure_ascii=False, indent=2) + "\n"
    return digest_to_markdown(digest)
