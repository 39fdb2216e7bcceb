"""``make bench``: quality and speed against fixed baselines. Reports numbers; asserts nothing.

python -m bench [--eval-dir ../shared/eval] [--skip anchor] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench import extraction, speed, summarization

DEFAULT_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=[
            "rouge",
            "speed",
            "anchor",
            "extraction",
            "quotes",
            "service",
            "abstractive",
            "hostile",
            "reader",
            "multilingual",
        ],
    )
    parser.add_argument("--json", type=Path, help="also write every number to this file")
    args = parser.parse_args(argv)
    if not (args.eval_dir / "summarization" / "dev.jsonl").is_file():
        print(f"bench: no evaluation data under {args.eval_dir}", file=sys.stderr)
        return 2
    report: dict[str, object] = {}

    if "speed" not in args.skip:
        print("Speed: digest from article text, CNN/DM dev articles, one warm process (2-core CPU)")
        ours = speed.measure("precis", args.eval_dir)
        report["speed"] = ours
        print(f"  model load            {ours['model_load_s']:.2f} s")
        # a cold start: importing the engine, then the first digest after the load
        print(f"  import, first digest  {ours['import_s']:.2f} s, {ours['first_digest_ms']:.0f} ms")
        print(
            f"  latency p50 / p95     {ours['p50_ms']:.0f} ms / {ours['p95_ms']:.0f} ms "
            f"(key points p50 {ours['summarize_p50_ms']:.0f} ms, quotes p50 {ours['quotes_p50_ms']:.1f} ms)"
        )
        print(f"  throughput            {ours['articles_per_s']:.2f} articles/s")
        print(f"  peak RSS              {ours['peak_rss_mb']:.0f} MB")
        if "anchor" not in args.skip:
            anchor = speed.measure("distilbart", args.eval_dir)
            report["distilbart_anchor"] = anchor
            print(
                f"  anchor distilbart-cnn-12-6 (random weights, 4 beams, 70 tokens): "
                f"{anchor['mean_s']:.1f} s/article, peak RSS {anchor['peak_rss_mb']:.0f} MB "
                f"({anchor['articles']} articles)"
            )
        print()

    if "abstractive" not in args.skip:
        from bench import abstractive

        print("Abstractive backends (issue 7): per article, each in its own process (2-core CPU)")
        ours = report.get("speed") or speed.measure("precis", args.eval_dir)
        print(
            f"  extractive (default)  key points p50 {ours['summarize_p50_ms']:.0f} ms, "
            f"peak RSS {ours['peak_rss_mb']:.0f} MB"
        )
        if "anchor" not in args.skip:
            anchor = report.get("distilbart_anchor") or speed.measure("distilbart", args.eval_dir)
            print(
                f"  seq2seq               distilbart-cnn-12-6 anchor: {anchor['mean_s']:.1f} s/article, "
                f"peak RSS {anchor['peak_rss_mb']:.0f} MB (random weights, 4 beams, 70 tokens)"
            )
        causal = abstractive.measure("causal", args.eval_dir)
        openai = abstractive.measure("openai", args.eval_dir)
        report["abstractive"] = {"causal": causal, "openai": openai}
        print(
            f"  causal                SmolLM2-135M shape: {causal['mean_s']:.1f} s/article "
            f"({causal['prompt_tokens']}-token prompt, {causal['new_tokens']} new tokens, greedy), "
            f"load {causal['model_load_s']:.1f} s, peak RSS {causal['peak_rss_mb']:.0f} MB"
        )
        print(
            f"  openai (fake server)  p50 {openai['p50_ms']:.0f} ms / p95 {openai['p95_ms']:.0f} ms "
            f"vs extractive {openai['extractive_p50_ms']:.0f} ms in the same process; HTTP round trip "
            f"p50 {openai['http_p50_ms']:.1f} ms; peak RSS {openai['peak_rss_mb']:.0f} MB "
            f"({openai['articles']} articles, {openai['rewritten_share']:.0%} of points rewritten)"
        )
        print()

    if "service" not in args.skip:
        from bench import service

        print("Service: pasted CNN/DM dev articles through DigestService (SQLite, real model, 2 workers)")
        result = service.measure(args.eval_dir)
        report["service"] = result
        print(
            f"  cold cache            {result['cold_digests_per_s']:.2f} digests/s "
            f"({result['articles']} articles, {result['clients']} requests in flight)"
        )
        print(f"  warm cache            {result['warm_digests_per_s']:.0f} digests/s")
        print(
            f"  {result['concurrent']} at once, cold     p50 {result['cold_p50_ms']:.0f} ms, "
            f"p95 {result['cold_p95_ms']:.0f} ms"
        )
        print(
            f"  {result['concurrent']} at once, warm     p50 {result['warm_p50_ms']:.1f} ms, "
            f"p95 {result['warm_p95_ms']:.1f} ms"
        )
        print(
            f"  default admission ({result['default_max_wait_s']:g} s)  {result['busy_at_default_queue']} of "
            f"{result['concurrent']} refused at once as busy"
        )
        print()

    if "reader" not in args.skip:
        from bench import reader

        result = reader.measure(args.eval_dir)
        report["reader"] = result
        reader.print_report(result)
        print()

    if "multilingual" not in args.skip:
        from bench import multilingual

        result = multilingual.measure(args.eval_dir)
        rouge = multilingual.lexical_rouge(args.eval_dir)
        report["multilingual"] = {**result, "lexical_rouge": rouge}
        multilingual.print_report(result, rouge)
        print()

    if "hostile" not in args.skip:
        from bench import hostile

        result = hostile.measure(args.eval_dir)
        report["hostile"] = result
        hostile.print_report(result)
        print()

    if "rouge" not in args.skip:
        report["rouge"] = summarization.rouge_table(args.eval_dir)
        print()

    if "extraction" not in args.skip:
        report["extraction"] = extraction.extraction_table(args.eval_dir)
        print()

    if "quotes" not in args.skip and (args.eval_dir / "quotes" / "dev.jsonl").is_file():
        from bench import quotes_bench

        for gold_set, label in (("dev", "our dev gold"), ("polnear", "PolNeAR dev")):
            if not (args.eval_dir / "quotes" / quotes_bench.GOLD_SETS[gold_set]).is_file():
                continue
            result = quotes_bench.score(args.eval_dir, gold_set)
            report[f"quotes_{gold_set}"] = result
            print(f"Quotes against {label} (shared/eval/quotes)")
            for key, value in result.items():
                if key == "calibration":  # accuracy per confidence bucket
                    for bucket, v in value.items():
                        print(f"  {'confidence ' + bucket:<24} {v['accuracy']:.3f} of {v['quotes']}")
                else:
                    print(f"  {key:<24} {value:.3f}" if isinstance(value, float) else f"  {key:<24} {value}")

    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
