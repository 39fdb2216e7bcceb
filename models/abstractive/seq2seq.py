"""Encoder-decoder summarizers (BART-CNN, DistilBART, PEGASUS, T5 / Flan-T5) as key-point writers.

The model's own generation defaults are kept (BART-CNN's 4 beams, length penalty, no-repeat
n-grams and 56-142 token summaries; T5's ``task_specific_params``), with sampling switched off.
Its summary of each chunk is split into sentences: those are the candidate points.

**Languages.** There is no prompt to name a language in: the article goes in as it is, in its
own language, and the model writes in the language it was trained to write. A multilingual
summarizer (mT5 fine-tuned on XL-Sum, mBART-50) answers a German article in German; an English
one (BART-CNN, PEGASUS-CNN) answers it in English or in broken German, and those points fail
grounding (their names and words are not the article's), so the digest falls back on the
article's own sentences. The summary is split into sentences by the article language's rules.

Three stages, as in transformers' pipelines:

* ``preprocess``  chunks -> one padded token batch (T5's "summarize: " prefix included);
* ``forward``     ``generate`` (the only place torch runs);
* ``postprocess`` token ids -> a list of sentences per chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from models.abstractive.loading import (
    HFGenerator,
    context_length,
    greedy_generation_config,
    load_pretrained,
    resolve_device,
    resolve_model_source,
)
from models.sentences import split_sentences

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["Seq2SeqGenerator", "Seq2SeqOptions"]

# When neither the model's generation_config nor its config says how long a summary is:
# BART-CNN's own maximum, enough for 3-4 news sentences.
DEFAULT_SUMMARY_TOKENS = 142
# Encoder context cap: BART and PEGASUS read 1024 tokens, T5 512; a long-context model (LED,
# LongT5) is capped here so that memory per chunk stays predictable on a CPU.
MAX_CONTEXT_TOKENS = 4096
# The T5 family needs a task prefix; their configs usually say so in task_specific_params.
_T5_FAMILY = {"t5", "mt5", "umt5", "longt5"}
_TASK_KEYS = (
    "early_stopping",
    "length_penalty",
    "max_length",
    "min_length",
    "no_repeat_ngram_size",
    "num_beams",
)


@dataclass(frozen=True, slots=True)
class Seq2SeqOptions:
    """``None`` keeps the model's own default."""

    max_new_tokens: int | None = None
    min_new_tokens: int | None = None
    num_beams: int | None = None


class Seq2SeqGenerator(HFGenerator):
    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        name: str,
        *,
        device: str = "cpu",
        options: Seq2SeqOptions = Seq2SeqOptions(),
    ) -> None:
        super().__init__(model, tokenizer, f"seq2seq:{name}", device=device)
        config = model.config
        task = (getattr(config, "task_specific_params", None) or {}).get("summarization", {})
        self.prefix: str = task.get("prefix") or ("summarize: " if config.model_type in _T5_FAMILY else "")
        base = model.generation_config
        # T5's summarization defaults apply where its generation_config says nothing.
        inherited = {k: task[k] for k in _TASK_KEYS if k in task and getattr(base, k, None) is None}
        self.generation_config = greedy_generation_config(
            base,
            **inherited,
            max_new_tokens=options.max_new_tokens,
            min_new_tokens=options.min_new_tokens,
            num_beams=options.num_beams,
        )
        gc = self.generation_config
        if gc.max_new_tokens is None and gc.max_length is None:
            gc.max_new_tokens = DEFAULT_SUMMARY_TOKENS
        self.context = context_length(tokenizer, config, MAX_CONTEXT_TOKENS)
        self._prefix_tokens = self.count_tokens([self.prefix])[0] if self.prefix else 0

    @classmethod
    def load(
        cls, model: str | None, *, device: str = "cpu", options: Seq2SeqOptions = Seq2SeqOptions()
    ) -> Seq2SeqGenerator:
        """From a folder or a hub id (``SUMMARIZER_MODEL``); ``ModelError`` naming the setting."""
        source = resolve_model_source(model, backend="seq2seq")
        device = resolve_device(device)
        loaded, tokenizer = load_pretrained("seq2seq", source, device)
        return cls(loaded, tokenizer, source.value, device=device, options=options)

    def input_budget(self, points: int, title: str | None = None, *, language: str | None = None) -> int:
        # The prefix and the special tokens (<s> ... </s>) share the context with the article.
        return max(1, self.context - self._prefix_tokens - 2)

    # -- stage 1 -----------------------------------------------------------------------------
    def preprocess(self, chunks: Sequence[str]) -> dict[str, torch.Tensor]:
        batch = self._tokenizer(
            [self.prefix + chunk for chunk in chunks],
            padding=True,
            truncation=True,
            max_length=self.context,
            return_tensors="pt",
        )
        return {k: v.to(self._device) for k, v in batch.items()}

    # -- stage 2 -----------------------------------------------------------------------------
    def forward(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        import torch

        with self._lock, torch.inference_mode():
            return self._model.generate(**inputs, generation_config=self.generation_config)

    # -- stage 3 -----------------------------------------------------------------------------
    def postprocess(self, output_ids: torch.Tensor, language: str | None = None) -> list[list[str]]:
        summaries = self._tokenizer.batch_decode(output_ids.cpu(), skip_special_tokens=True)
        # PEGASUS writes its sentence breaks as "<n>".
        return [
            [s.text for s in split_sentences(summary.replace("<n>", "\n"), language)] for summary in summaries
        ]

    def generate(
        self, chunks: Sequence[str], points: int, *, title: str | None = None, language: str | None = None
    ) -> list[list[str]]:
        """Candidate points for each chunk (the model decides how many: a summary's sentences),
        split into sentences by ``language``'s rules; the model itself is not told the language."""
        if not chunks:
            return []
        return self.postprocess(self.forward(self.preprocess(chunks)), language)
