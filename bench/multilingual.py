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

**ROUGE in another language** (``reference_rouge``): VietNews (Vietnamese news, each with the
abstract its newspaper wrote above it, which the body does not repeat), read from
``EVAL_DIR/../eval-extra/vietnews/test_tokenized/`` (its README says where it comes from, its
licence, and how it was made; it is never copied into this repository). Each article is the
first ``REFERENCE_BODY_SENTENCES`` sentences of its body, word-segmented text joined back into
running text (``_detokenize``), read in the language the pipeline detects, with its title as the
headline. Our TL;DR + 3 points (the extractive summarizer, as a digest gets them, without quotes)
beside lead-3, and the TL;DR alone beside lead-1 (the references are one or two sentences), all
scored on whole words of any script (rouge_score's own tokenizer keeps only a-z and 0-9, which
would drop Vietnamese letters), without stemming. Without the folder the section says so and is
skipped.

``python -m bench.multilingual EVAL_DIR [--limit N] [--extra DIR]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import unicodedata
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

__all__ = [
    "Page",
    "Reference",
    "faults",
    "lexical_rouge",
    "measure",
    "non_english_pages",
    "print_report",
    "reference_rouge",
    "vietnews_references",
    "write_panel",
]


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
        **shape_faults(digest, _wordset),
        "tldr_over_30_words": count_words(tldr) > 30,
        "tldr_question_or_quote": bool(tldr) and (tldr.endswith(("?", "？")) or tldr[0] in _QUOTE_START),
        "dangling_start": any(_dangling(t, language) for t in [tldr, *points] if t),
        "boilerplate": any(_BOILER.search(t) for t in [tldr, *points]),
    }


# -- the run -----------------------------------------------------------------------------------


def _refusal(exc: PrecisError) -> str:
    return f"{exc.code}:{exc.reason}" if isinstance(exc, TooLittleText) else exc.code


def measure(eval_dir: Path, limit: int | None = None, extra_dir: Path | None = None) -> dict[str, object]:
    """Digest every non-English page (the first ``limit``, if given); the numbers per language,
    and ROUGE against another language's references from ``extra_dir`` (by default
    ``EVAL_DIR/../eval-extra``; see ``reference_rouge``)."""
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
        "reference_rouge": reference_rouge(extra_dir or eval_dir.parent / "eval-extra", limit),
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
    from bench.summarization import _digests, _lead3, _whole, load_rows, score_summaries
    from models.lexical import LexicalEncoder

    rows = load_rows(eval_dir)
    ours = _whole(_digests(rows, LexicalEncoder()))
    return {
        "lexical TL;DR + 3 points": [round(x, 2) for x in score_summaries(rows, ours)],
        "lead-3": [round(x, 2) for x in score_summaries(rows, _lead3(rows))],
    }


# -- ROUGE against another language's reference summaries -----------------------------------

VIETNEWS = Path("vietnews") / "test_tokenized"
# Body sentences read per article: the dev set keeps its articles short (see its README); the
# references summarize the lede, and lead-3 and the digest read the same text.
REFERENCE_BODY_SENTENCES = 10

_GLUE_BEFORE = set(",.;:?!)]}”’…%")
_GLUE_AFTER = set("([{“‘")


@dataclass(frozen=True, slots=True)
class Reference:
    key: str
    title: str
    summary: str
    text: str


def _detokenize(line: str) -> str:
    """Word-segmented VietNews text ("Hà_Nội , ngày 5/9 .") as running text ("Hà Nội, ngày 5/9.")."""
    out = ""
    glue = False
    quote_open = False
    for token in line.split():
        token = token.replace("_", " ")
        if token == '"':
            quote_open = not quote_open
            if quote_open:
                out += (" " if out and not glue else "") + token
                glue = True
            else:
                out += token
            continue
        if out and not glue and token[0] not in _GLUE_BEFORE:
            out += " "
        out += token
        glue = token[-1] in _GLUE_AFTER
    return out


def vietnews_references(extra_dir: Path, limit: int | None = None) -> list[Reference]:
    """The VietNews dev articles under ``extra_dir`` (see the module docstring); each file is the
    title, the abstract and the body, one sentence a line, separated by blank lines.
    ``FileNotFoundError`` when the folder is not there."""
    folder = extra_dir / VIETNEWS
    if not folder.is_dir():
        raise FileNotFoundError(folder)
    references = []
    for path in sorted(folder.glob("*.txt.seg"))[:limit]:
        blocks = [b for b in path.read_text(encoding="utf-8").strip().split("\n\n") if b.strip()]
        if len(blocks) < 3:
            raise ValueError(f"{path}: expected a title, an abstract and a body separated by blank lines")
        title, summary, body = blocks[0], blocks[1], blocks[2]
        lines = [line for line in body.splitlines() if line.strip()][:REFERENCE_BODY_SENTENCES]
        references.append(
            Reference(
                key=path.name.split(".")[0],
                title=_detokenize(title),
                summary=_detokenize(" ".join(summary.split())),
                text=" ".join(_detokenize(line) for line in lines),
            )
        )
    return references


class _Words:
    """rouge_score's tokenizer interface: lower-cased words of any script (NFC)."""

    def tokenize(self, text: str) -> list[str]:
        return re.findall(r"[^\W_]+", unicodedata.normalize("NFC", text).lower())


def _score(references: list[tuple[str, str]], outputs: list[list[str]]) -> list[float]:
    """Mean R-1/R-2/R-Lsum F1 (x100); ``references``: (summary, language), one per output."""
    from rouge_score import rouge_scorer

    from models.sentences import split_sentences

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], tokenizer=_Words())
    totals = [0.0, 0.0, 0.0]
    for (summary, language), output in zip(references, outputs, strict=True):
        reference = "\n".join(s.text for s in split_sentences(summary, language))
        scores = scorer.score(reference, "\n".join(output))
        for k, name in enumerate(("rouge1", "rouge2", "rougeLsum")):
            totals[k] += scores[name].fmeasure
    return [round(100 * t / max(1, len(outputs)), 2) for t in totals]


def reference_rouge(extra_dir: Path, limit: int | None = None) -> dict[str, object]:
    """ROUGE of our TL;DR + 3 points beside lead-3 (and the TL;DR beside lead-1) on VietNews.
    ``{"skipped": reason}`` when the data is not there."""
    from bot.core.extract import article_from_text
    from models.keypoints import Hints
    from models.sentences import split_sentences
    from models.summarizer import LazyExtractiveSummarizer

    try:
        references = vietnews_references(extra_dir, limit)
    except FileNotFoundError as exc:
        return {"skipped": f"no reference summaries at {exc.args[0]} (see its README for how it is made)"}
    summarizer = LazyExtractiveSummarizer()  # another language: scored lexically, MiniLM never loaded
    languages: Counter[str] = Counter()
    gold: list[tuple[str, str]] = []
    ours: list[list[str]] = []
    tldrs: list[list[str]] = []
    lead3: list[list[str]] = []
    lead1: list[list[str]] = []
    for ref in references:
        language = article_from_text(ref.text).meta.language or "en"
        languages[language] += 1
        result = summarizer.summarize(ref.text, 3, hints=Hints(title=ref.title, language=language))
        tldr = [result.tldr.text] if result.tldr else []
        sentences = [s.text for s in split_sentences(ref.text, language)]
        gold.append((ref.summary, language))
        ours.append(tldr + [p.text for p in result.points])
        tldrs.append(tldr)
        lead3.append(sentences[:3])
        lead1.append(sentences[:1])
    return {
        "dataset": "VietNews (vi)",
        "articles": len(references),
        "read_as": dict(languages),
        "model": summarizer.name_for("vi"),
        "rouge": {
            "TL;DR + 3 points": _score(gold, ours),
            "lead-3": _score(gold, lead3),
            "TL;DR alone": _score(gold, tldrs),
            "lead-1": _score(gold, lead1),
        },
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
    reference: dict = result.get("reference_rouge") or {}  # type: ignore[assignment]
    if "skipped" in reference:
        log(f"  ROUGE in another language: skipped, {reference['skipped']}")
    elif reference:
        log(
            f"  ROUGE in another language, {reference['dataset']}: {reference['articles']} articles "
            f"(read as {', '.join(f'{k} {v}' for k, v in reference['read_as'].items())}), "
            f"{reference['model']}; R-1/R-2/R-Lsum F1 on whole words:"
        )
        for name, (r1, r2, rl) in reference["rouge"].items():
            log(f"    {name:<26} {r1:6.2f} {r2:6.2f} {rl:7.2f}")


# The reader panel (``--panel OUT``): this many digests, spread over the languages read, at most
# PANEL_PER_LANGUAGE of one.
PANEL_SIZE = 24
PANEL_PER_LANGUAGE = 8


def write_panel(eval_dir: Path, out: Path, size: int = PANEL_SIZE) -> int:
    """One file per digest for a blind panel of readers of those languages: the article as read
    (the extracted text the digest was made from), then the digest as the chat reply shows it.
    OUT should be outside the repository: the texts are the publishers'."""
    from bench.reader import offline_digester
    from bot.cli import render

    digester: Digester = offline_digester()
    by_language: dict[str, list[tuple[str, str, Digest]]] = defaultdict(list)
    for page, _labelled_english in non_english_pages(eval_dir):
        try:
            article = cap_text(extract_article(page.html, page.url))
            language = article.meta.language or "?"
            if language == "en" or len(by_language[language]) >= PANEL_PER_LANGUAGE:
                continue
            check_readable(article, page.html, GateOptions())
            digest = digester.digest_article(article, DigestOptions())
        except PrecisError:
            continue  # the panel reads digests; refusals are counted by ``measure``
        by_language[language].append((page.key, article.text, digest))
    # In turn from each language with a few digests (a one-page language says little of itself),
    # then in turn from the rest.
    common = [k for k in sorted(by_language, key=lambda k: -len(by_language[k])) if len(by_language[k]) >= 3]
    rest = [k for k in by_language if k not in common]
    chosen = [
        (language, *by_language[language][turn])
        for languages in (common, rest)
        for turn in range(max((len(by_language[k]) for k in languages), default=0))
        for language in languages
        if turn < len(by_language[language])
    ][:size]
    out.mkdir(parents=True, exist_ok=True)
    for n, (language, key, text, digest) in enumerate(chosen, start=1):
        (out / f"{n:02d}-{language}-{key}.md").write_text(
            f"# ARTICLE ({language})\n\n{text.strip()}\n\n"
            f"# DIGEST (as the chat reply shows it)\n\n{render(digest, 'markdown')}",
            encoding="utf-8",
        )
    return len(chosen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.multilingual")
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument(
        "--limit", type=int, help="only the first N pages and reference articles (a quick look)"
    )
    parser.add_argument("--no-rouge", action="store_true")
    parser.add_argument(
        "--extra",
        type=Path,
        help="folder of reference summaries in other languages (default: EVAL_DIR/../eval-extra)",
    )
    parser.add_argument("--panel", type=Path, help="write a reader panel's files to this folder")
    args = parser.parse_args(argv)
    if args.panel:
        print(f"wrote {write_panel(args.eval_dir, args.panel)} panel files to {args.panel}")
        return 0
    result = measure(args.eval_dir, args.limit, args.extra)
    print_report(result, None if args.no_rouge else lexical_rouge(args.eval_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
