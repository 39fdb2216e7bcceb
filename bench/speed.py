"""Speed and memory, each measurement in a fresh process so peak RSS is its own.

``python -m bench.speed precis EVAL_DIR``      import, model load and first digest times,
per-article latency, peak RSS
``python -m bench.speed distilbart EVAL_DIR``  the compute anchor: distilbart-cnn-12-6's
architecture with random weights, 4 beams, 70 new tokens (the cost a user would otherwise pay)
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["measure"]

ANCHOR_ARTICLES = 3  # the anchor takes ~14 s an article here: three give a stable mean


def _peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM). Not getrusage's ru_maxrss: on Linux it survives
    exec, so a child started by a big parent (``python -m bench`` after its torch sections)
    reports the parent's peak."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _precis(eval_dir: Path) -> dict:
    started = time.perf_counter()
    from bot.core.extract import article_from_text
    from bot.core.pipeline import Digester
    from bot.core.types import DigestOptions
    from models.quotes import extract_quotes
    from models.summarizer import LazyExtractiveSummarizer

    import_s = time.perf_counter() - started
    summarizer = LazyExtractiveSummarizer()
    summarizer.load()
    load_s = time.perf_counter() - started - import_s
    digester = Digester(None, summarizer, extract_quotes)
    from bench.summarization import load_rows

    rows = load_rows(eval_dir)
    first = time.perf_counter()
    digester.digest_article(article_from_text(rows[0]["article"]), DigestOptions(points=3))  # warm-up
    first_ms = (time.perf_counter() - first) * 1000
    latencies, summarize_ms, quotes_ms = [], [], []
    wall = time.perf_counter()
    for row in rows:
        t = time.perf_counter()
        digest = digester.digest_article(article_from_text(row["article"]), DigestOptions(points=3))
        latencies.append((time.perf_counter() - t) * 1000)
        summarize_ms.append(digest.timings.summarize)
        quotes_ms.append(digest.timings.quotes)
    wall = time.perf_counter() - wall
    q = statistics.quantiles(latencies, n=20)
    return {
        "articles": len(rows),
        "import_s": round(import_s, 2),
        "model_load_s": round(load_s, 2),
        "first_digest_ms": round(first_ms, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(q[18], 1),
        "articles_per_s": round(len(rows) / wall, 2),
        "summarize_p50_ms": round(statistics.median(summarize_ms), 1),
        "quotes_p50_ms": round(statistics.median(quotes_ms), 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def _distilbart(eval_dir: Path) -> dict:
    import torch
    from transformers import BartConfig, BartForConditionalGeneration

    from bench.summarization import load_rows

    torch.manual_seed(0)
    config = BartConfig(  # sshleifer/distilbart-cnn-12-6's shape
        vocab_size=50264, d_model=1024, encoder_layers=12, decoder_layers=6,
        encoder_attention_heads=16, decoder_attention_heads=16,
        encoder_ffn_dim=4096, decoder_ffn_dim=4096, max_position_embeddings=1024,
    )  # fmt: skip
    model = BartForConditionalGeneration(config).eval()
    rows = load_rows(eval_dir)[:ANCHOR_ARTICLES]
    times = []
    for row in rows:
        # No BART tokenizer ships offline: ~1.3 word pieces a word, capped at the model's 1024.
        length = min(1024, int(len(row["article"].split()) * 1.3))
        ids = torch.randint(4, 50000, (1, length))
        t = time.perf_counter()
        with torch.inference_mode():
            model.generate(ids, num_beams=4, max_new_tokens=70, min_new_tokens=70, early_stopping=False)
        times.append(time.perf_counter() - t)
    return {
        "articles": len(rows),
        "mean_s": round(statistics.mean(times), 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def measure(which: str, eval_dir: Path, module: str = "bench.speed") -> dict:
    """Run one measurement (``python -m MODULE WHICH EVAL_DIR``) in a child process, so its peak
    RSS is its own, and return the JSON object it prints last."""
    out = subprocess.run(
        [sys.executable, "-m", module, which, str(eval_dir)],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    kind, folder = sys.argv[1], Path(sys.argv[2])
    result = _precis(folder) if kind == "precis" else _distilbart(folder)
    print(json.dumps(result))
