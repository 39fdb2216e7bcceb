"""Article extraction on the Zyte benchmark's dev pages, scored the way that benchmark scores.

4-token shingles of ``\\w+`` tokens; per page precision and recall; both averaged over pages;
F1 of the two averages. Ours (the cascade) beside plain trafilatura, in the same run.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path

from bot.core.extract import extract_article

__all__ = ["extraction_table"]


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text)
    return {tuple(words[i : i + 4]) for i in range(max(1, len(words) - 3))} if words else set()


def _score(
    rows: list[dict], pages: list[str], extract: Callable[[str, str], str]
) -> tuple[float, float, float]:
    precisions, recalls = [], []
    for row, html in zip(rows, pages, strict=True):
        gold, got = _shingles(row["gold_text"]), _shingles(extract(html, row["url"]))
        tp, fp, fn = len(gold & got), len(got - gold), len(gold - got)
        precisions.append(tp / (tp + fp) if tp + fp else float(not gold))
        recalls.append(tp / (tp + fn) if tp + fn else 1.0)
    p, r = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def extraction_table(eval_dir: Path, log: Callable[[str], None] = print) -> dict[str, list[float]]:
    import trafilatura

    folder = eval_dir / "extraction"
    with open(folder / "dev.jsonl", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    pages = [gzip.decompress((folder / r["html_path"]).read_bytes()).decode("utf-8", "replace") for r in rows]
    systems = {
        "precis cascade": lambda html, url: extract_article(html, url).text,
        "trafilatura (defaults)": lambda html, url: trafilatura.extract(html, url=url) or "",
    }
    log(
        f"Extraction on {len(rows)} Zyte dev pages "
        "(4-token shingles; published full-set F1: trafilatura 0.958)"
    )
    log(f"  {'system':<24} {'P':>6} {'R':>6} {'F1':>6}")
    out = {}
    for name, fn in systems.items():
        p, r, f = _score(rows, pages, fn)
        out[name] = [round(p, 3), round(r, 3), round(f, 3)]
        log(f"  {name:<24} {p:6.3f} {r:6.3f} {f:6.3f}")
    return out
