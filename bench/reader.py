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
import re
import statistics
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import PrecisError
from bot.core.pipeline import Digester
from bot.core.text import WEEKDAYS
from bot.core.types import Digest, DigestOptions, Source

__all__ = [
    "PanelItem",
    "digest_items",
    "measure",
    "offline_digester",
    "panel_items",
    "print_report",
    "write_panel",
]

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
    """The English dev pages (the other languages are ``bench.multilingual``'s)."""
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


# Checks of the reader section: deliberately simpler than (and independent of) the rules that
# choose the digest, so a rule that stops working shows up here.
_DANGLING = re.compile(
    r"^[\"“‘'(]*(?:He|She|They|It|His|Her|Their|Its|These|Those|This|That|And|But|However|Also|"
    r"Meanwhile|In that (?:year|month|week)|That (?:year|month|week|day))\b"
)
_DANGLING_OK = re.compile(rf"^[\"“‘'(]*This (?:year|week|month|morning|summer|season|{'|'.join(WEEKDAYS)})\b")
_BOILER = re.compile(
    r"(?i)read more|click here|sign up|newsletter|getty images|\(photo|photo:|image:|credit:|"
    r"advertisement|all rights reserved|follow us|(?-i:^[A-Z][A-Z .'-]{2,30}:\s)"
)


def _wordset(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 3}


def shape_faults(digest: Digest, wordset: Callable[[str], set[str]]) -> dict[str, bool]:
    """The checks that read no language: the TL;DR or headline again as a point (most of one's
    words, as ``wordset`` reads them, in the other), a point holding a shown quote, a missing
    TL;DR, a reply over 200 words. The English and the multilingual sections both run these."""
    from bot.core.compose import digest_words

    def same(a: str, b: str) -> bool:
        """Most of ``a``'s words are in ``b``: it says ``b`` again."""
        mine = wordset(a)
        return bool(mine) and len(mine & wordset(b)) / len(mine) >= 0.8

    points = [p.text for p in digest.key_points]
    title = digest.article.meta.title or ""
    shown = [(q.start, q.end) for q in digest.shown_quotes]
    tldr = digest.tldr.strip()
    return {
        "tldr_missing": not tldr,
        "tldr_in_point": any(same(p, tldr) or same(tldr, p) for p in points),
        "headline_as_point": bool(title) and any(same(title, p) and same(p, title) for p in points),
        "point_holds_shown_quote": any(
            a < e and s < b for p in digest.key_points for s, e in p.spans for a, b in shown
        ),
        "digest_over_200_words": digest_words(digest) > 200,
    }


def _faults(digest: Digest) -> dict[str, bool]:
    shape = shape_faults(digest, _wordset)
    first_words = [digest.tldr, *(p.text for p in digest.key_points)]
    return {
        "tldr_in_point": shape["tldr_in_point"],
        "headline_as_point": shape["headline_as_point"],
        "point_holds_shown_quote": shape["point_holds_shown_quote"],
        "tldr_over_30_words": len(digest.tldr.split()) > 30,
        "digest_over_200_words": shape["digest_over_200_words"],
        "dangling_start": any(_DANGLING.match(t) and not _DANGLING_OK.match(t) for t in first_words),
        "boilerplate": any(_BOILER.search(t) for t in first_words),
        "tldr_missing": shape["tldr_missing"],
        "tldr_question_or_quote": bool(digest.tldr.strip())
        and (digest.tldr.rstrip().endswith("?") or digest.tldr.lstrip()[0] in "\"“‘'"),
    }


def measure(eval_dir: Path) -> dict[str, object]:
    """The structural faults over the English dev pages and every dev article, and the digests'
    length. A page read in another language (one page labelled English is Japanese) is listed, and
    counted in the multilingual section (``bench.multilingual``), not here."""
    from bot.core.compose import digest_words

    items = list(_pages(eval_dir)) + list(_stories(eval_dir, "cnndm")) + list(_stories(eval_dir, "xsum"))
    results = digest_items(items)
    digests: list[Digest] = []
    other: list[tuple[str, str | None]] = []
    for item, result in zip(items, results, strict=True):
        if isinstance(result, Digest):
            language = result.article.meta.language
            if language in (None, "en"):
                digests.append(result)
            else:
                other.append((item.key, language))
    refused = [(i.key, r.code) for i, r in zip(items, results, strict=True) if not isinstance(r, Digest)]
    counts: dict[str, int] = {}
    for d in digests:
        for name, hit in _faults(d).items():
            counts[name] = counts.get(name, 0) + int(hit)
    words = sorted(digest_words(d) for d in digests)
    return {
        "digests": len(digests),
        "refused": refused,
        "other_language": other,
        "faults": counts,
        "median_words": statistics.median(words) if words else 0,
        "p90_words": words[int(0.9 * (len(words) - 1))] if words else 0,
        "max_words": words[-1] if words else 0,
        "median_points": statistics.median(len(d.key_points) for d in digests) if digests else 0,
        "shown_quotes": sum(len(d.shown_quotes) for d in digests),
    }


def print_report(result: dict[str, object]) -> None:
    print(
        f"Reader checks on {result['digests']} dev digests read in English (the English dev pages, CNN/DM "
        f"and XSum articles; defaults: 3 points, 2 quotes)"
    )
    for name, count in result["faults"].items():  # type: ignore[attr-defined]
        print(f"  {name:<26} {count}")
    print(
        f"  words: median {result['median_words']}, p90 {result['p90_words']}, max {result['max_words']}; "
        f"median points {result['median_points']}; quotes shown {result['shown_quotes']}"
    )
    refused = result["refused"]
    print(
        f"  refused: {len(refused)}" + (f" ({', '.join(f'{k}: {c}' for k, c in refused)})" if refused else "")
    )  # type: ignore[arg-type]
    other = result["other_language"]
    if other:
        listed = ", ".join(f"{k} ({lang})" for k, lang in other)  # type: ignore[attr-defined]
        print(f"  read in another language (the multilingual section's): {listed}")


def offline_digester() -> Digester:
    """The default engine with no fetcher (the benches feed it text and HTML)."""
    from models.encoder import EncoderOptions
    from models.quotes import extract_quotes
    from models.summarizer import LazyExtractiveSummarizer

    return Digester(None, LazyExtractiveSummarizer(EncoderOptions()), extract_quotes)


def digest_items(
    items: list[PanelItem], options: DigestOptions = DigestOptions()
) -> list[Digest | PrecisError]:
    digester = offline_digester()

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
    parser.add_argument("--panel", type=Path, help="write the panel's files to this folder")
    args = parser.parse_args(argv)
    if args.panel:
        print(f"wrote {write_panel(args.eval_dir, args.panel)} panel files to {args.panel}")
    else:
        print_report(measure(args.eval_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
