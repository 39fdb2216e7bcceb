"""The reader section (issue 10): the digests a reader panel rates, and the structural faults
counted over the dev pages and articles.

``python -m bench.reader EVAL_DIR --panel OUT`` writes one file per digest for a blind panel:
the article text (the gold article body for pages, the story for CNN/DM and XSum), then the
digest as the chat reply shows it (Markdown). Raters get those files and ``READER.md``, nothing
else. OUT should be outside the repository (``bench/out/`` is ignored by git): the texts are
the publishers'.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import PrecisError
from bot.core.pipeline import Digester
from bot.core.types import Digest, DigestOptions, Source

__all__ = ["PanelItem", "digest_items", "panel_items", "write_panel"]

# A fixed, spread sample: this many English pages, CNN/DM and XSum stories.
PANEL_PAGES = 18
PANEL_CNNDM = 14
PANEL_XSUM = 10


@dataclass(frozen=True, slots=True)
class PanelItem:
    key: str
    kind: str
    """``page`` (HTML, extracted), ``cnndm`` or ``xsum`` (pasted text)."""
    source: Source
    reader_text: str
    """What the rater reads as the article."""


def _pages(eval_dir: Path) -> Iterator[PanelItem]:
    for line in (eval_dir / "extraction" / "dev.jsonl").open():
        row = json.loads(line)
        if row.get("lang_guess", "en") != "en":
            continue
        html = gzip.decompress((eval_dir / "extraction" / row["html_path"]).read_bytes()).decode(
            "utf-8", "replace"
        )
        yield PanelItem(
            f"page-{row['id'][:10]}", "page", Source.from_html(html, url=row["url"]), row["gold_text"]
        )


def _stories(eval_dir: Path, dataset: str) -> Iterator[PanelItem]:
    for line in (eval_dir / "summarization" / "dev.jsonl").open():
        row = json.loads(line)
        if row["dataset"] == dataset:
            yield PanelItem(
                f"{dataset}-{row['id'][-10:]}", dataset, Source.from_text(row["article"]), row["article"]
            )


def _spread(items: list[PanelItem], n: int) -> list[PanelItem]:
    step = max(1, len(items) // n)
    return items[::step][:n]


def panel_items(eval_dir: Path) -> list[PanelItem]:
    return (
        _spread(list(_pages(eval_dir)), PANEL_PAGES)
        + _spread(list(_stories(eval_dir, "cnndm")), PANEL_CNNDM)
        + _spread(list(_stories(eval_dir, "xsum")), PANEL_XSUM)
    )


def _digester() -> Digester:
    from models.encoder import EncoderOptions
    from models.quotes import extract_quotes
    from models.summarizer import LazyExtractiveSummarizer

    return Digester(None, LazyExtractiveSummarizer(EncoderOptions()), extract_quotes)


def digest_items(
    items: list[PanelItem], options: DigestOptions = DigestOptions()
) -> list[Digest | PrecisError]:
    digester = _digester()

    async def run() -> list[Digest | PrecisError]:
        out: list[Digest | PrecisError] = []
        for item in items:
            try:
                out.append(await digester.digest(item.source, options))
            except PrecisError as exc:
                out.append(exc)
        return out

    return asyncio.run(run())


def _shown(digest: Digest) -> str:
    from bot.cli import render

    return render(digest, "markdown")


def write_panel(eval_dir: Path, out: Path) -> int:
    items = panel_items(eval_dir)
    out.mkdir(parents=True, exist_ok=True)
    for n, (item, result) in enumerate(zip(items, digest_items(items), strict=True), start=1):
        reply = (
            _shown(result)
            if isinstance(result, Digest)
            else f"(refused) I couldn't summarize that: {result.message}"
        )
        (out / f"{n:02d}-{item.key}.md").write_text(
            f"# ARTICLE\n\n{item.reader_text.strip()}\n\n# DIGEST (as the chat reply shows it)\n\n{reply}"
        )
    return len(items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reader")
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--panel", type=Path, required=True, help="folder for the panel's files")
    args = parser.parse_args(argv)
    print(f"wrote {write_panel(args.eval_dir, args.panel)} panel files to {args.panel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
