"""The abstractive backends (issue 7): latency per article and peak memory, each measurement in a
fresh process so its peak RSS is its own. Nothing is downloaded: models have random weights.

``python -m bench.abstractive causal EVAL_DIR``  SmolLM2-135M-Instruct's shape (30 layers, hidden
576, 9 heads / 3 KV heads, vocabulary 49152) through ``CausalGenerator`` loaded from a folder, as
a user's model is: a ~600-token chat prompt from a CNN/DM dev article, 120 new tokens, greedy.
Random weights say nothing about quality, only about cost.

``python -m bench.abstractive openai EVAL_DIR``  ``AbstractiveSummarizer`` over the fake
OpenAI-compatible server on 127.0.0.1 (it answers at once, echoing the lede as a list) with the
real MiniLM grounding: what precis adds on top of a model server's own latency.

The seq2seq backend's cost is the distilbart-cnn-12-6 anchor that ``bench.speed`` measures.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import speed
from bench.speed import _peak_rss_mb

__all__ = ["measure"]

ARTICLES = 3  # ~10 s an article on 2 cores: three give a stable mean
PROMPT_TOKENS = 600
NEW_TOKENS = 120
SMOLLM2_135M = {
    "vocab_size": 49152, "hidden_size": 576, "intermediate_size": 1536, "num_hidden_layers": 30,
    "num_attention_heads": 9, "num_key_value_heads": 3, "max_position_embeddings": 8192,
    "rope_theta": 100000.0, "tie_word_embeddings": True,
}  # fmt: skip
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<unk>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _build_smollm(folder: Path, eval_dir: Path) -> None:
    """A random SmolLM2-135M-shaped model and a word-level tokenizer over the dev articles' words
    (so a prompt is a realistic number of distinct tokens), saved as a model folder."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
    from transformers.utils import logging as hf_logging

    from bench.summarization import load_rows

    words = sorted({w for row in load_rows(eval_dir) for w in re.findall(r"\w+|[^\w\s]", row["article"])})
    size = SMOLLM2_135M["vocab_size"]
    vocab = SPECIALS + words[: size - len(SPECIALS)]
    vocab += [f"<filler{i}>" for i in range(size - len(vocab))]
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(vocab)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, eos_token="<|im_end|>", pad_token="<|endoftext|>", model_max_length=8192
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    hf_logging.disable_progress_bar()
    torch.manual_seed(0)
    config = LlamaConfig(**SMOLLM2_135M, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def _causal(eval_dir: Path) -> dict:
    from bench.summarization import load_rows
    from models.abstractive import CausalGenerator, CausalOptions

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "smollm2-135m-random"
        # Built in another process, so this one's peak RSS is the loaded model's alone.
        subprocess.run(
            [sys.executable, "-m", "bench.abstractive", "_build", str(eval_dir), str(folder)], check=True
        )
        started = time.perf_counter()
        generator = CausalGenerator.load(
            str(folder), options=CausalOptions(max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS)
        )
        load_s = time.perf_counter() - started
    overhead = generator.count_tokens([generator.prompt("", 3, None)])[0]
    times, prompt_tokens = [], []
    long_enough = [row for row in load_rows(eval_dir) if len(row["article"].split()) > PROMPT_TOKENS]
    for row in long_enough[:ARTICLES]:
        chunk = generator._fit(row["article"], PROMPT_TOKENS - overhead)
        inputs = generator.preprocess([chunk], 3, None)
        prompt_tokens.append(int(inputs["input_ids"].shape[1]))
        t = time.perf_counter()
        generator.generate([chunk], 3)
        times.append(time.perf_counter() - t)
    mean_s = statistics.mean(times)
    return {
        "articles": len(times),
        "model_load_s": round(load_s, 2),
        "prompt_tokens": round(statistics.mean(prompt_tokens)),
        "new_tokens": NEW_TOKENS,
        "mean_s": round(mean_s, 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def _openai(eval_dir: Path) -> dict:
    from bench.summarization import load_rows
    from models.abstractive import AbstractiveSummarizer, OpenAIChatGenerator
    from models.encoder import load_encoder
    from models.summarizer import ExtractiveSummarizer
    from tests.fake_openai import fake_openai_server

    encoder = load_encoder()
    rows = load_rows(eval_dir)
    extractive = ExtractiveSummarizer(encoder)
    with fake_openai_server() as server:
        generator = OpenAIChatGenerator(server.base_url, "fake", timeout_s=10)
        summarizer = AbstractiveSummarizer(generator, encoder)
        summarizer.summarize(rows[0]["article"], 3)  # warm-up
        extractive.summarize(rows[0]["article"], 3)
        ours, base, http, rewritten, points = [], [], [], 0, 0
        for row in rows:
            t = time.perf_counter()
            result = summarizer.summarize(row["article"], 3)
            ours.append((time.perf_counter() - t) * 1000)
            rewritten += sum(p.rewritten for p in result.points)
            points += len(result.points)
            t = time.perf_counter()
            extractive.summarize(row["article"], 3)
            base.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            generator.generate([row["article"][:2000]], 3)
            http.append((time.perf_counter() - t) * 1000)
        generator.close()
    return {
        "articles": len(rows),
        "p50_ms": round(statistics.median(ours), 1),
        "p95_ms": round(statistics.quantiles(ours, n=20)[18], 1),
        "extractive_p50_ms": round(statistics.median(base), 1),
        "http_p50_ms": round(statistics.median(http), 2),
        "rewritten_share": round(rewritten / max(1, points), 3),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def measure(which: str, eval_dir: Path) -> dict:
    return speed.measure(which, eval_dir, module="bench.abstractive")


if __name__ == "__main__":
    kind, folder = sys.argv[1], Path(sys.argv[2])
    if kind == "_build":
        _build_smollm(Path(sys.argv[3]), folder)
    else:
        print(json.dumps(_causal(folder) if kind == "causal" else _openai(folder)))
