"""The multilingual section (issue 15): pages in other languages, digested in their own.

Pages: the ``extraction/dev.jsonl`` pages whose ``lang_guess`` is not "en", with any other dev
page the engine reads in another language (one "en" page is Japanese), and the
``extraction/trafilatura/`` pages whose ``lang_guess`` is not "en" (mostly German; their HTML is
the original bytes, decoded here as the fetcher decodes a page: its declared charset, else UTF-8).

Per language the engine read a page in (``PageMeta.language``): how many pages, the share that
get a digest, the refusals by reason, and the reader checks of issue 10, written here again for
any script and deliberately simpler than (and independent of) the rules that choose the digest:
a TL;DR missing, over 30 words, a question or a quotation; the TL;DR again in a point; the
headline as a point; a point holding a shown quote; a point or TL;DR opening on a lower-case
word or a pronoun (from a short list per language); boilerplate; a digest over 200 words; and
the median and largest digest.

Beside it, the lexical scorer the other languages use (``models.lexical``) is run on the English
CNN/DM dev articles, where references exist: its ROUGE beside lead-3 says whether the article's
own words choose as well as the English encoder does (the ROUGE section has the encoder's).

``python -m bench.multilingual EVAL_DIR [--limit N]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.reader import shape_faults
from bot.core.compose import digest_words
from bot.core.errors import PrecisError, TooLittleText
from bot.core.extract import GateOptions, cap_text, check_readable, extract_article
from bot.core.pipeline import Digester
from bot.core.text import count_words
from bot.core.types import Digest, DigestOptions

__all__ = ["Page", "faults", "lexical_rouge", "measure", "non_english_pages", "print_report"]


@dataclass(frozen=True, slots=True)
class Page:
    key: str
    url: str
    html: str


def _decoded(raw: bytes) -> str:
    from bot.core.fetch import _decode  # the fetcher's own decoding: header (none here), <meta>, UTF-8

    return _decode(raw, None, "text/html")[1]


def non_english_pages(eval_dir: Path) -> Iterator[tuple[Page, bool]]:
    """Each dev page (``True``: labelled English, kept only if read in another language), then
    each non-English trafilatura page."""
    extraction = eval_dir / "extraction"
    for line in (extraction / "dev.jsonl").open():
        row = json.loads(line)
        html = gzip.decompress((extraction / row["html_path"]).read_bytes()).decode("utf-8", "replace")
        yield Page(f"page-{row['id'][:10]}", row["url"], html), row.get("lang_guess", "en") == "en"
    pages = extraction / "trafilatura" / "pages.jsonl"
    if pages.is_file():
        for line in pages.open():
            row = json.loads(line)
            if row.get("lang_guess") != "en":
                raw = gzip.decompress((pages.parent / row["html_path"]).read_bytes())
                yield Page(f"traf-{row['id'][:24]}", row["url"], _decoded(raw)), False


# -- the reader checks, in any script ----------------------------------------------------------

_PRONOUNS = {
    "de": "Er Sie Es Dies Diese Dieser Dieses Dabei Damit Dort Aber Doch",
    "fr": "Il Elle Ils Elles Cela Ceci Ce Cette Mais",
    "es": "Él Ella Ellos Ellas Esto Eso Pero",
    "it": "Lui Lei Loro Questo Questa Ciò Ma",
    "pt": "Ele Ela Eles Elas Isso Isto Mas",
    "nl": "Hij Zij Ze Dit Maar",
    "ru": "Он Она Они Это Но",
    "id": "Ia Dia Mereka Namun",
}
_QUOTE_START = "\"“„«»‚‘'「『"
_BOILER = re.compile(
    r"(?i)https?://|www\.|@\w+\.\w|©|newsletter|read more|click here|lesen sie auch|lire aussi|"
    r"leia também|leggi anche|lee también|читайте также|baca juga|관련기사|関連記事|^\w+:\s*$"
)


def _wordset(text: str) -> set[str]:
    words = set()
    for w in re.findall(r"[^\W_]+", text.lower()):
        if count_words(w) > 1:  # Chinese or Japanese: its two-character pieces
            words |= {w[k : k + 2] for k in range(len(w) - 1)}
        elif len(w) > 3:
            words.add(w)
    return words


def _same(a: str, b: str) -> bool:
    """Most of ``a``'s words are in ``b``: it says ``b`` again."""
    mine = _wordset(a)
    return bool(mine) and len(mine & _wordset(b)) / len(mine) >= 0.8


def _dangling(text: str, language: str) -> bool:
    bare = text.lstrip(_QUOTE_START + "(—– ")
    first = bare.split(" ", 1)[0].rstrip(",.:;")
    return bare[:1].islower() or first in _PRONOUNS.get(language, "").split()


def faults(digest: Digest) -> dict[str, bool]:
    """The reader checks (see the module docstring) on one digest."""
    language = digest.article.meta.language or ""
    points = [p.text for p in digest.key_points]
    tldr = digest.tldr.strip()
    return {
        **shape_faults(digest, _same),
        "tldr_over_30_words": count_words(tldr) > 30,
        "tldr_question_or_quote": bool(tldr) and (tldr.endswith(("?", "？")) or tldr[0] in _QUOTE_START),
        "dangling_start": any(_dangling(t, language) for t in [tldr, *points] if t),
        "boilerplate": any(_BOILER.search(t) for t in [tldr, *points]),
    }


# -- the run -----------------------------------------------------------------------------------


def _refusal(exc: PrecisError) -> str:
    return f"{exc.code}:{exc.reason}" if isinstance(exc, TooLittleText) else exc.code


def measure(eval_dir: Path, limit: int | None = None) -> dict[str, object]:
    """Digest every non-English page (the first ``limit``, if given); the numbers per language."""
    from bench.reader import offline_digester

    digester: Digester = offline_digester()
    gate, options = GateOptions(), DigestOptions()
    pages: dict[str, int] = Counter()
    english = 0
    refused: dict[str, Counter[str]] = defaultdict(Counter)
    digests: dict[str, list[Digest]] = defaultdict(list)
    for n, (page, labelled_english) in enumerate(non_english_pages(eval_dir)):
        if limit is not None and n >= limit:
            break
        try:
            article = cap_text(extract_article(page.html, page.url))  # as ``read_html`` does
        except PrecisError as exc:
            if not labelled_english:
                pages["?"] += 1
                refused["?"][_refusal(exc)] += 1
            continue
        language = article.meta.language or "?"
        if language == "en":
            english += not labelled_english  # an English page labelled otherwise: the reader section's kind
            continue
        pages[language] += 1
        try:
            check_readable(article, page.html, gate)
            digests[language].append(digester.digest_article(article, options))
        except PrecisError as exc:
            refused[language][_refusal(exc)] += 1
    table = {}
    for language in sorted(pages, key=lambda k: (-pages[k], k)):
        done = digests[language]
        counts = Counter(name for d in done for name, hit in faults(d).items() if hit)
        words = sorted(digest_words(d) for d in done)
        table[language] = {
            "pages": pages[language],
            "digests": len(done),
            "digest_share": round(len(done) / pages[language], 3),
            "refused": dict(refused[language]),
            "faults": {name: counts.get(name, 0) for name in _FAULTS},
            "median_words": statistics.median(words) if words else 0,
            "max_words": words[-1] if words else 0,
            "quotes_found": sum(len(d.quotes) for d in done),
            "quotes_shown": sum(len(d.shown_quotes) for d in done),
        }
    total = sum(pages.values())
    return {
        "pages": total,
        "digests": sum(len(d) for d in digests.values()),
        "read_as_english": english,
        "languages": table,
    }


_FAULTS = (
    "tldr_missing",
    "tldr_over_30_words",
    "tldr_question_or_quote",
    "tldr_in_point",
    "headline_as_point",
    "point_holds_shown_quote",
    "dangling_start",
    "boilerplate",
    "digest_over_200_words",
)


_SHORT = {name: f"F{k}" for k, name in enumerate(_FAULTS, start=1)}


def lexical_rouge(eval_dir: Path) -> dict[str, list[float]]:
    """ROUGE on the English CNN/DM dev articles: the TL;DR and 3 points chosen on the article's own
    words (``models.lexical``, English rules), beside lead-3 in the same run."""
    from bench.summarization import POINTS, _lead3, load_rows, score_summaries
    from models.keypoints import Hints, Scoring, postprocess, preprocess
    from models.keypoints import forward as kp_forward
    from models.lexical import LexicalEncoder

    rows = load_rows(eval_dir)
    ours = []
    for row in rows:
        text = row["article"]
        candidates = preprocess(text, POINTS + 1)
        emb = kp_forward(LexicalEncoder(), text, candidates, Hints())
        result = postprocess(emb, candidates, text, POINTS, Hints(), Scoring())
        ours.append(([result.tldr.text] if result.tldr else []) + [p.text for p in result.points])
    return {
        "lexical TL;DR + 3 points": [round(x, 2) for x in score_summaries(rows, ours)],
        "lead-3": [round(x, 2) for x in score_summaries(rows, _lead3(rows))],
    }


def print_report(
    result: dict[str, object], rouge: dict[str, list[float]] | None = None, log: Callable[[str], None] = print
) -> None:
    log(
        f"Multilingual (issue 15): {result['digests']} digests of {result['pages']} non-English dev pages "
        "(extraction dev pages not read in English, trafilatura's non-English pages), by the language read in"
    )
    log("  reader checks: " + ", ".join(f"{_SHORT[n]} {n}" for n in _FAULTS))
    log(
        f"  {'lang':<5} {'pages':>5} {'digests':>8}  "
        + " ".join(f"{_SHORT[n]:>3}" for n in _FAULTS)
        + "  words median/max"
    )
    languages: dict[str, dict] = result["languages"]  # type: ignore[assignment]
    for language, row in languages.items():
        log(
            f"  {language:<5} {row['pages']:>5} {row['digest_share']:>8.0%}  "
            + " ".join(f"{row['faults'][n]:>3}" for n in _FAULTS)
            + f"  {row['median_words']}/{row['max_words']}"
        )
    refusals: Counter[str] = Counter()
    for row in languages.values():
        refusals.update(row["refused"])
    log("  refused: " + (", ".join(f"{k} {v}" for k, v in refusals.most_common()) or "none"))
    found = sum(row["quotes_found"] for row in languages.values())
    shown = sum(row["quotes_shown"] for row in languages.values())
    log(f"  quotes: {found} found, {shown} shown (a speaker only where a reporting verb names one)")
    log(f"  pages labelled another language but read as English (not counted): {result['read_as_english']}")
    if rouge:
        log("  lexical scorer on English CNN/DM (R-1/R-2/R-Lsum; the encoder's are in the ROUGE section):")
        for name, (r1, r2, rl) in rouge.items():
            log(f"    {name:<26} {r1:6.2f} {r2:6.2f} {rl:7.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.multilingual")
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--limit", type=int, help="only the first N pages (a quick look)")
    parser.add_argument("--no-rouge", action="store_true")
    args = parser.parse_args(argv)
    print_report(measure(args.eval_dir, args.limit), None if args.no_rouge else lexical_rouge(args.eval_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
