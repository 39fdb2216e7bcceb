"""Where a Hugging Face model comes from and where it runs; every failure is a ``ModelError``
that names the setting to fix, raised at start-up.

``SUMMARIZER_MODEL`` is a local folder (anything that exists, or looks like a path) or a hub id
(``org/name``). A hub id is downloaded only when the hub is online (``HF_HUB_OFFLINE`` and
``TRANSFORMERS_OFFLINE`` unset); offline, only the local cache is read, so a missing model is an
immediate error, never a hang. Remote code is never run.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from bot.core.errors import ModelError

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = [
    "HFGenerator",
    "ModelSource",
    "context_length",
    "greedy_generation_config",
    "hub_offline",
    "load_pretrained",
    "model_dtype",
    "resolve_device",
    "resolve_model_source",
]

# Seconds the hub client waits for a metadata answer or a download chunk: a blocked network
# fails start-up in seconds instead of hanging it (huggingface_hub reads these at import).
HUB_TIMEOUT_S = "10"
# A tokenizer's model_max_length above this is transformers' "no limit" sentinel, not a context.
_NO_LIMIT = 1_000_000
_HUB_ID_RE = re.compile(r"[A-Za-z0-9][\w.\-]*(?:/[\w.\-]+)?")


@dataclass(frozen=True, slots=True)
class ModelSource:
    setting: str
    """The setting it came from, for error messages: ``SUMMARIZER_MODEL``."""
    value: str
    """As configured: a folder or a hub id."""
    location: str
    """What ``from_pretrained`` gets: the expanded folder path, or the hub id."""
    local_files_only: bool
    is_folder: bool


def hub_offline() -> bool:
    return any(os.environ.get(k, "").strip().lower() in {"1", "true", "yes", "on"}
               for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))  # fmt: skip


def resolve_model_source(
    value: str | None, *, setting: str = "SUMMARIZER_MODEL", backend: str
) -> ModelSource:
    if not value or not value.strip():
        raise ModelError(f"{setting} is not set: SUMMARIZER={backend} needs a model folder or a hub id")
    value = value.strip()
    path = Path(value).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise ModelError(f"{setting}={value}: not a Hugging Face model folder (it has no config.json)")
        return ModelSource(setting, value, str(path.resolve()), local_files_only=True, is_folder=True)
    if value.startswith(("/", "./", "../", "~", ".\\")) or path.is_absolute() or value.count("/") > 1:
        raise ModelError(f"{setting}={value}: no such folder")
    if not _HUB_ID_RE.fullmatch(value):
        raise ModelError(f"{setting}={value}: neither an existing folder nor a hub id (org/name)")
    return ModelSource(setting, value, value, local_files_only=hub_offline(), is_folder=False)


def resolve_device(value: str, *, setting: str = "DEVICE") -> str:
    """``cpu``, ``cuda`` or ``cuda:N``, checked against the GPUs torch can see; ``auto`` picks."""
    import torch

    device = value.strip().lower()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        return device
    m = re.fullmatch(r"cuda(?::(\d+))?", device)
    if m is None:
        raise ModelError(f"{setting}={value}: use cpu, cuda, cuda:N or auto")
    if not torch.cuda.is_available():
        raise ModelError(f"{setting}={value}: torch sees no CUDA GPU here; use {setting}=cpu or auto")
    if m.group(1) is not None and int(m.group(1)) >= torch.cuda.device_count():
        raise ModelError(f"{setting}={value}: there are only {torch.cuda.device_count()} GPUs")
    return device


def model_dtype(device: str) -> torch.dtype:
    """fp32 on the CPU; bf16 on a GPU that has it (fp16 overflows in T5), else fp16."""
    import torch

    if not device.startswith("cuda"):
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def _prepare_environment() -> None:
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", HUB_TIMEOUT_S)
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", HUB_TIMEOUT_S)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _first_line(exc: BaseException, limit: int = 300) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_pretrained(kind: Literal["seq2seq", "causal"], source: ModelSource, device: str) -> tuple[Any, Any]:
    """(model, tokenizer), the model in eval mode on ``device``."""
    _prepare_environment()
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    auto = AutoModelForSeq2SeqLM if kind == "seq2seq" else AutoModelForCausalLM
    try:
        tokenizer = AutoTokenizer.from_pretrained(source.location, local_files_only=source.local_files_only)
        model = auto.from_pretrained(
            source.location, local_files_only=source.local_files_only, dtype=model_dtype(device)
        )
    except Exception as exc:  # I/O, hub, config, weights...: every one is a start-up error
        where = "" if source.is_folder or not source.local_files_only else (
            " (the hub is offline, HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE, and it is not in the local cache)"
        )  # fmt: skip
        raise ModelError(
            f"{source.setting}={source.value}: could not load a {kind} model{where}: {_first_line(exc)}"
        ) from exc
    model.to(device)
    model.eval()
    return model, tokenizer


def context_length(tokenizer: Any, config: Any, cap: int) -> int:
    """Tokens the model reads at once: the tokenizer's limit, else the position table's."""
    limits = [cap]
    if 0 < (getattr(tokenizer, "model_max_length", None) or 0) < _NO_LIMIT:
        limits.append(int(tokenizer.model_max_length))
    for attr in ("max_position_embeddings", "n_positions"):
        if isinstance(getattr(config, attr, None), int) and getattr(config, attr) > 0:
            limits.append(int(getattr(config, attr)))
            break
    return min(limits)


_SAMPLING = ("temperature", "top_p", "top_k", "typical_p", "min_p", "epsilon_cutoff", "eta_cutoff")


def greedy_generation_config(base: Any, **overrides: Any) -> Any:
    """A copy of the model's generation defaults with sampling off, so the same input always
    gives the same output (beam search, where the defaults ask for it, is deterministic too)."""
    config = base.__class__.from_dict(base.to_dict())
    config.do_sample = False
    for attr in _SAMPLING:
        if hasattr(config, attr):
            setattr(config, attr, None)
    for key, value in overrides.items():
        if value is not None:
            setattr(config, key, value)
    return config


class HFGenerator:
    """What the transformers backends share: the model, its tokenizer, a device and a lock (the
    service's worker threads share one model, and a forward pass is not re-entrant)."""

    def __init__(self, model: Any, tokenizer: Any, name: str, *, device: str = "cpu") -> None:
        self._model = model
        self._tokenizer = tokenizer
        self._device = device
        self._lock = threading.Lock()
        self.name = name

    @property
    def device(self) -> str:
        return self._device

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        ids = self._tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(x) for x in ids]

    def _fit(self, text: str, budget: int) -> str:
        """``text`` cut after its first ``budget`` tokens (the chunker aims under the budget; this
        makes sure)."""
        encoded = self._tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        offsets = encoded["offset_mapping"]
        if len(offsets) <= budget:
            return text
        return text[: offsets[max(budget, 1) - 1][1]]
