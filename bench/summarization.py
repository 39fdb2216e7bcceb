"""Key-point quality on CNN/DM (ROUGE-1/2/Lsum F1, stemming, against ``reference_detok``).

Every system is scored in the same run on the same rows: ours (int8, the default), ours in
fp32, ours with every sentence a candidate (the speed tricks' quality effect), lead-3, and the
published anchor outputs the file carries (BertSum, BART-large-CNN, PGN, Bottom-Up).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from models.encoder import EncoderOptions, load_encoder
from models.keypoints import (
    MAX_CANDIDATES,
    Hints,
    KeyPointResult,
    Scoring,
    SentenceEncoder,
    postprocess,
    preprocess,
)
from models.keypoints import forward as kp_forward
from models.sentences import split_sentences

__all__ = ["load_rows", "rouge_table", "score_summaries"]

POINTS = 3  # CNN/DM highlights are 3-4 sentences; the issue fixes 3 for comparability


def load_rows(eval_dir: Path, dataset: str = "cnndm") -> list[dict]:
    with open(eval_dir / "summarization" / "dev.jsonl", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [r for r in rows if r["dataset"] == dataset]


def _lines(text: str) -> str:
    return "\n".join(s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s)


def score_summaries(rows: list[dict], summaries: Iterable[list[str] | str]) -> np.ndarray:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    totals = np.zeros(3)
    for row, summary in zip(rows, summaries, strict=True):
        pred = "\n".join(summary) if isinstance(summary, list) else _lines(summary)
        s = scorer.score(_lines(row["reference_detok"]), pred)
        totals += [s["rouge1"].fmeasure, s["rouge2"].fmeasure, s["rougeLsum"].fmeasure]
    return totals / max(1, len(rows)) * 100


def _digests(
    rows: list[dict], encoder: SentenceEncoder, max_candidates: int = MAX_CANDIDATES
) -> list[KeyPointResult]:
    out = []
    for row in rows:
        text = row["article"]
        cands = preprocess(text, POINTS + 1, max_candidates=max_candidates)
        emb = kp_forward(encoder, text, cands, Hints())
        out.append(postprocess(emb, cands, text, POINTS, Hints(), Scoring()))
    return out


def _points(results: list[KeyPointResult]) -> list[list[str]]:
    return [[p.text for p in r.points] for r in results]


def _whole(results: list[KeyPointResult]) -> list[list[str]]:
    """The digest as read: the TL;DR, then the points."""
    return [([r.tldr.text] if r.tldr else []) + [p.text for p in r.points] for r in results]


def _lead3(rows: list[dict]) -> list[list[str]]:
    return [[s.text for s in split_sentences(r["article"])[:POINTS]] for r in rows]


def rouge_table(eval_dir: Path, log: Callable[[str], None] = print) -> dict[str, list[float]]:
    rows = load_rows(eval_dir)
    int8 = _digests(rows, load_encoder(EncoderOptions(quantize=True)))
    fp32 = _digests(rows, load_encoder(EncoderOptions(quantize=False)))
    every = _digests(rows, load_encoder(EncoderOptions(quantize=True)), 10_000)
    systems: dict[str, list[list[str]] | list[str]] = {
        "precis TL;DR + 3 points (int8)": _whole(int8),
        "precis 3 points alone (int8)": _points(int8),
        "precis TL;DR + 3 points (fp32)": _whole(fp32),
        "precis TL;DR + 3 (all sentences)": _whole(every),
        "lead-3": _lead3(rows),
        "lead-4": [[s.text for s in split_sentences(r["article"])[: POINTS + 1]] for r in rows],
    }
    for anchor in ("bertsum", "bart-large-cnn", "bottom-up", "pgn"):
        systems[f"anchor: {anchor}"] = [r["anchor_summaries"][anchor] for r in rows]
    results = {}
    log(f"ROUGE F1 on {len(rows)} CNN/DM dev articles (stemmed, vs reference_detok)")
    log(f"  {'system':<34} {'R-1':>6} {'R-2':>6} {'R-Lsum':>7}")
    for name, summaries in systems.items():
        r1, r2, rl = score_summaries(rows, summaries)
        results[name] = [round(r1, 2), round(r2, 2), round(rl, 2)]
        log(f"  {name:<34} {r1:6.2f} {r2:6.2f} {rl:7.2f}")
    results.update(_tldr_table(eval_dir, rows, int8, log))
    return results


def _first_highlight(row: dict) -> str:
    return re.split(r"(?<=[.!?])\s+", row["reference_detok"].strip())[0]


def _tldr_table(
    eval_dir: Path, cnndm: list[dict], cnndm_digests: list[KeyPointResult], log: Callable[[str], None]
) -> dict[str, list[float]]:
    """The TL;DR alone: against the first CNN/DM highlight, and the one-sentence XSum reference."""
    xsum = load_rows(eval_dir, "xsum")
    xsum_digests = _digests(xsum, load_encoder(EncoderOptions(quantize=True)))
    out = {}
    log("ROUGE F1 of the TL;DR alone, beside lead-1")
    for label, rows, digests, ref in (
        ("CNN/DM vs first highlight", cnndm, cnndm_digests, _first_highlight),
        ("XSum vs its one sentence", xsum, xsum_digests, lambda r: r["reference_detok"]),
    ):
        refs = [{"reference_detok": ref(r)} for r in rows]
        ours = score_summaries(refs, [[d.tldr.text] if d.tldr else [] for d in digests])
        lead1 = score_summaries(refs, [[s.text for s in split_sentences(r["article"])[:1]] for r in rows])
        log(f"  {label:<26} TL;DR {ours[0]:5.2f}/{ours[1]:5.2f}/{ours[2]:5.2f}   lead-1 "
            f"{lead1[0]:5.2f}/{lead1[1]:5.2f}/{lead1[2]:5.2f}  ({len(rows)} articles)")  # fmt: skip
        out[f"tldr {label}"] = [round(x, 2) for x in ours]
        out[f"lead-1 {label}"] = [round(x, 2) for x in lead1]
    return out
