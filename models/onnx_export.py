"""Build the int8 ONNX Runtime encoder from a sentence-transformers folder, in child processes.

``export`` is what ``models.encoder`` runs (once per machine, then cached): it runs step 1 as
``python -m models.onnx_export --trace SOURCE_DIR WORK_DIR`` and then steps 2-4 as
``python -m models.onnx_export SOURCE_DIR WORK_DIR OUT_DIR SOURCE_SHA256``, one child after the
other, each under what is left of one time limit. Torch, transformers and the ONNX tools are
imported in those children, never in the process that serves, so they cost that process no
memory (about 400 MB) and no import time; and torch is gone before the ONNX tools load, so the
build peaks at about 0.9 GB, not 1.2.

Steps, each on the previous one's file:

1. export: the BERT model in fp32 (eager attention, so the graph is the textbook one) to ONNX,
   with dynamic batch and sequence axes, and the fp32 model's embeddings of a few probes;
2. fuse: ONNX Runtime's BERT optimizer folds the embeddings, each layer's attention and
   bias+GELU into single kernels;
3. quantize: int8 weights (per output channel) for the attention and dense MatMuls; the
   embeddings stay fp32, as with torch's dynamic quantization. The weights go to a file of their
   own beside the graph, which ONNX Runtime maps instead of copying: loading then peaks ~30 MB
   lower, and processes on one machine share those pages;
4. check: the int8 model's mean-pooled embeddings of the probes must stay within
   ``MIN_PROBE_COSINE`` of the fp32 torch model's, or nothing is written.

``OUT_DIR`` then holds ``model.onnx``, ``model.data`` (its weights) and ``manifest.json`` (their
sha256s, the source weights' sha256, and the versions that built them); ``cached_export`` checks
them before every load.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import json
import logging
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

__all__ = [
    "EXPORT_FORMAT",
    "MANIFEST_FILE",
    "MIN_PROBE_COSINE",
    "MODEL_FILE",
    "WEIGHTS_FILE",
    "build",
    "cached_export",
    "export",
    "sha256_file",
]

# The cache belongs to the encoder: its checks log there.
log = logging.getLogger("models.encoder")

# Bump when the steps above change, so caches built by an older recipe are rebuilt.
EXPORT_FORMAT = 2
MODEL_FILE = "model.onnx"
WEIGHTS_FILE = "model.data"
MANIFEST_FILE = "manifest.json"
# int8 per-channel weights keep the probes at cos >= 0.99 of fp32 here (torch's per-tensor int8
# dynamic quantization managed 0.94 on average); below this the export is broken, not noisy.
MIN_PROBE_COSINE = 0.97
PROBES = (
    "The central bank raised interest rates by half a point on Thursday.",
    "Borrowing costs went up after the decision.",
    "The striker scored twice in the second half, and the home side held on to win.",
    "Cats sleep.",
    "Officials said the bridge would stay closed until engineers had inspected every cable, "
    "which could take until the end of next month according to the transport department.",
)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _trace(source: Path, work: Path) -> None:
    """Step 1: ``work/fp32.onnx`` and the fp32 probe embeddings, ``work/probes.npy``."""
    import numpy as np
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(source), local_files_only=True, attn_implementation="eager")
    model.eval()

    class _Hidden(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.ones(2, 16, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    # torch >= 2.5 has two exporters and 2.9 made the dynamo one (which needs onnxscript) the
    # default; the TorchScript one is all that older releases have.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # the tracer's notes on Python control flow in the mask code
        torch.onnx.export(
            _Hidden(model).eval(),  # a wrapper left training would put the model back in training
            (ids, torch.ones_like(ids)),
            str(work / "fp32.onnx"),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=17,
            **legacy,
        )
    probe_ids, probe_mask = _probe_batch(source)
    with torch.inference_mode():
        out = model(input_ids=torch.from_numpy(probe_ids), attention_mask=torch.from_numpy(probe_mask))
    np.save(work / "probes.npy", _pooled(out.last_hidden_state.numpy(), probe_mask))


def _fuse(source: Path, exported: Path, out: Path) -> None:
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    options = FusionOptions("bert")
    # ONNX Runtime's fused SkipLayerNormalization CPU kernel took 27 % of the int8 model's time
    # on this 2-core EPYC, against 5 % for LayerNormalization + Add (ORT 1.32 profiler).
    options.enable_skip_layer_norm = False
    fused = optimize_model(
        str(exported),
        model_type="bert",
        num_heads=config["num_attention_heads"],
        hidden_size=config["hidden_size"],
        opt_level=0,
        optimization_options=options,
    )
    fused.save_model_to_file(str(out))


def _quantize(fused: Path, quantized: Path, out: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(fused),
        str(quantized),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Attention"],
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    onnx.save_model(
        onnx.load(str(quantized)),
        str(out),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=WEIGHTS_FILE,
        size_threshold=1024,
    )


def _probe_batch(source: Path) -> tuple[Any, Any]:
    import numpy as np
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=128)
    tokenizer.enable_padding()
    enc = tokenizer.encode_batch(list(PROBES))
    return (
        np.array([e.ids for e in enc], dtype=np.int64),
        np.array([e.attention_mask for e in enc], dtype=np.int64),
    )


def _pooled(hidden: Any, mask: Any) -> Any:
    m = mask[..., None].astype(hidden.dtype)
    v = (hidden * m).sum(axis=1) / m.sum(axis=1)
    return v / ((v * v).sum(axis=1, keepdims=True) ** 0.5)


def _check(quantized: Path, source: Path, work: Path) -> float:
    """Step 4: the least cosine between the int8 model's probe embeddings and the fp32 ones."""
    import numpy as np
    import onnxruntime as ort

    ids, mask = _probe_batch(source)
    session = ort.InferenceSession(str(quantized), providers=["CPUExecutionProvider"])
    got = _pooled(session.run(None, {"input_ids": ids, "attention_mask": mask})[0], mask)
    return float((got * np.load(work / "probes.npy")).sum(axis=1).min())


def build(source: Path, work: Path, out_dir: Path, source_sha: str) -> dict[str, object]:
    """Steps 2-4 on step 1's files in ``work``: write ``model.onnx``, ``model.data`` and
    ``manifest.json`` into ``out_dir``; raise ``RuntimeError`` (and write no manifest) if the
    int8 model strays from the fp32 one. ``source_sha`` is the sha256 of the source's
    ``model.safetensors``, as the caller computed (or verified) it."""
    import onnxruntime

    out_dir.mkdir(parents=True, exist_ok=True)
    _fuse(source, work / "fp32.onnx", work / "fused.onnx")
    _quantize(work / "fused.onnx", work / "int8.onnx", out_dir / MODEL_FILE)
    cosine = _check(out_dir / MODEL_FILE, source, work)
    if cosine < MIN_PROBE_COSINE:
        raise RuntimeError(f"the int8 export strays from the fp32 model (probe cosine {cosine:.3f})")
    manifest = {
        "format": EXPORT_FORMAT,
        "source_sha256": source_sha,
        "onnx_sha256": sha256_file(out_dir / MODEL_FILE),
        "data_sha256": sha256_file(out_dir / WEIGHTS_FILE),
        "probe_min_cosine": round(cosine, 4),
        "onnxruntime": onnxruntime.__version__,
        "torch": importlib.metadata.version("torch"),
        "transformers": importlib.metadata.version("transformers"),
    }
    (out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def _child(args: list[str], timeout: float) -> None:
    """``python -m models.onnx_export ARGS``, killed past ``timeout`` seconds; ``RuntimeError``
    with its last line of stderr if it fails."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "models.onnx_export", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(str(exc)) from exc
    if done.returncode != 0:
        raise RuntimeError((done.stderr.strip().splitlines() or ["no message"])[-1])


def export(source: Path, out_dir: Path, source_sha: str, timeout: float) -> None:
    """All four steps into ``out_dir``: step 1 in a child, then steps 2-4 in another, both within
    ``timeout`` seconds (a child still running then is killed). ``RuntimeError`` if one fails."""
    give_up = time.monotonic() + timeout
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out_dir) as scratch:
            _child(["--trace", str(source), scratch], give_up - time.monotonic())
            _child([str(source), scratch, str(out_dir), source_sha], give_up - time.monotonic())
    except OSError as exc:  # the scratch folder: a failed build, as when a child made it
        raise RuntimeError(f"{type(exc).__name__}: {exc}") from exc


def cached_export(source_sha: str, folder: Path) -> Path | None:
    """The cached ``model.onnx`` in ``folder`` for these weights if its manifest vouches for it and
    for its weights file, else ``None``."""
    model, manifest = folder / MODEL_FILE, folder / MANIFEST_FILE
    try:
        meta = json.loads(manifest.read_text(encoding="utf-8"))
        ok = (
            meta.get("format") == EXPORT_FORMAT
            and meta.get("source_sha256") == source_sha
            and meta.get("onnx_sha256") == sha256_file(model)
            and meta.get("data_sha256") == sha256_file(folder / WEIGHTS_FILE)
        )
    except (OSError, ValueError):
        return None
    if not ok:
        log.warning("encoder: the int8 model cached in %s does not match its manifest: rebuilding", folder)
    return model if ok else None


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--trace":
        _trace(Path(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) == 5:
        print(json.dumps(build(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])))
    else:
        sys.exit(
            "usage: python -m models.onnx_export --trace SOURCE_DIR WORK_DIR\n"
            "       python -m models.onnx_export SOURCE_DIR WORK_DIR OUT_DIR SOURCE_SHA256"
        )
