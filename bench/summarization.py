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
from models.keypoints import MAX_CANDIDATES, Scoring, postprocess, preprocess
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


def _ours(rows: list[dict], options: EncoderOptions, max_candidates: int) -> list[list[str]]:
    encoder = load_encoder(options)
    out = []
    for row in rows:
        text = row["article"]
        cands = preprocess(text, POINTS, max_candidates=max_candidates)
        emb = kp_forward(encoder, text, cands, None)
        out.append([p.text for p in postprocess(emb, cands, text, POINTS, None, Scoring()).points])
    return out


def _lead3(rows: list[dict]) -> list[list[str]]:
    return [[s.text for s in split_sentences(r["article"])[:POINTS]] for r in rows]


def rouge_table(eval_dir: Path, log: Callable[[str], None] = print) -> dict[str, list[float]]:
    rows = load_rows(eval_dir)
    systems: dict[str, list[list[str]] | list[str]] = {
        "precis (int8, default)": _ours(rows, EncoderOptions(quantize=True), MAX_CANDIDATES),
        "precis (fp32)": _ours(rows, EncoderOptions(quantize=False), MAX_CANDIDATES),
        "precis (int8, all sentences)": _ours(rows, EncoderOptions(quantize=True), 10_000),
        "lead-3": _lead3(rows),
    }
    for anchor in ("bertsum", "bart-large-cnn", "bottom-up", "pgn"):
        systems[f"anchor: {anchor}"] = [r["anchor_summaries"][anchor] for r in rows]
    results = {}
    log(f"ROUGE F1 on {len(rows)} CNN/DM dev articles, {POINTS} points (stemmed, vs reference_detok)")
    log(f"  {'system':<32} {'R-1':>6} {'R-2':>6} {'R-Lsum':>7}")
    for name, summaries in systems.items():
        r1, r2, rl = score_summaries(rows, summaries)
        results[name] = [round(r1, 2), round(r2, 2), round(rl, 2)]
        log(f"  {name:<32} {r1:6.2f} {r2:6.2f} {rl:7.2f}")
    return results
