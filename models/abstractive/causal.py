"""Instruction-tuned decoders (Qwen2.5-Instruct, Llama, SmolLM...) asked for key points as a list,
through the model's own chat template. Greedy decoding: the same article gives the same points.

Three stages:

* ``preprocess``  chunks -> chat prompts (``models.abstractive.prompt``) -> a left-padded batch;
* ``forward``     ``generate`` (the only place torch runs);
* ``postprocess`` the new tokens -> the list items of each answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.errors import ModelError
from models.abstractive.loading import (
    HFGenerator,
    context_length,
    greedy_generation_config,
    load_pretrained,
    resolve_device,
    resolve_model_source,
)
from models.abstractive.prompt import chat_messages, parse_points

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["CausalGenerator", "CausalOptions"]

# Prompt + answer cap. Instruction models read 8k-128k tokens, but attention over a long prompt
# dominates CPU latency and GPU memory; longer articles are chunked and merged instead.
MAX_CONTEXT_TOKENS = 4096
# A chunk budget under this leaves no room for an article: the context is too small to be useful.
MIN_CHUNK_TOKENS = 64


@dataclass(frozen=True, slots=True)
class CausalOptions:
    max_new_tokens: int = 320
    """Enough for 8 one-sentence points (about 35 tokens each) and the list markers."""
    min_new_tokens: int | None = None
    """Only the benchmark sets this (a random model may stop at once)."""


class CausalGenerator(HFGenerator):
    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        name: str,
        *,
        device: str = "cpu",
        options: CausalOptions = CausalOptions(),
    ) -> None:
        super().__init__(model, tokenizer, f"causal:{name}", device=device)
        if not getattr(tokenizer, "chat_template", None):
            raise ModelError(
                f"SUMMARIZER_MODEL={name}: its tokenizer has no chat template; "
                "SUMMARIZER=causal needs an instruction-tuned (chat) model"
            )
        tokenizer.padding_side = "left"  # generation continues the prompt's last token
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.generation_config = greedy_generation_config(
            model.generation_config,
            max_new_tokens=options.max_new_tokens,
            min_new_tokens=options.min_new_tokens,
            num_beams=1,
        )
        if self.generation_config.pad_token_id is None:
            self.generation_config.pad_token_id = tokenizer.pad_token_id
        if self.generation_config.eos_token_id is None:
            self.generation_config.eos_token_id = tokenizer.eos_token_id
        self._system_role = self._accepts_system_role()
        self.context = context_length(tokenizer, model.config, MAX_CONTEXT_TOKENS)
        if self.input_budget(8, None) < MIN_CHUNK_TOKENS:
            raise ModelError(
                f"SUMMARIZER_MODEL={name}: a context of {self.context} tokens leaves no room for an "
                f"article after the prompt and {options.max_new_tokens} tokens of answer"
            )

    @classmethod
    def load(
        cls, model: str | None, *, device: str = "cpu", options: CausalOptions = CausalOptions()
    ) -> CausalGenerator:
        """From a folder or a hub id (``SUMMARIZER_MODEL``); ``ModelError`` naming the setting."""
        source = resolve_model_source(model, backend="causal")
        device = resolve_device(device)
        loaded, tokenizer = load_pretrained("causal", source, device)
        return cls(loaded, tokenizer, source.value, device=device, options=options)

    def _accepts_system_role(self) -> bool:
        try:
            self._tokenizer.apply_chat_template(
                chat_messages("", 1), tokenize=False, add_generation_prompt=True
            )
        except Exception:  # a template without a system role raises (TemplateError, or its own)
            return False
        return True

    def prompt(self, article: str, points: int, title: str | None, language: str | None = None) -> str:
        """The chat-templated prompt; for another ``language`` it asks for the points in it."""
        messages = chat_messages(article, points, title, system_role=self._system_role, language=language)
        return self._tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def input_budget(self, points: int, title: str | None = None, *, language: str | None = None) -> int:
        overhead = self.count_tokens([self.prompt("", points, title, language)])[0]
        return self.context - self.generation_config.max_new_tokens - overhead - 8

    # -- stage 1 -----------------------------------------------------------------------------
    def preprocess(
        self, chunks: Sequence[str], points: int, title: str | None, language: str | None = None
    ) -> dict[str, torch.Tensor]:
        budget = max(1, self.input_budget(points, title, language=language))
        prompts = [self.prompt(self._fit(chunk, budget), points, title, language) for chunk in chunks]
        # The template writes the special tokens itself (a BOS, the turn markers).
        batch = self._tokenizer(prompts, add_special_tokens=False, padding=True, return_tensors="pt")
        return {k: v.to(self._device) for k, v in batch.items()}

    # -- stage 2 -----------------------------------------------------------------------------
    def forward(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Only the new tokens of each row."""
        import torch

        with self._lock, torch.inference_mode():
            output = self._model.generate(**inputs, generation_config=self.generation_config)
        return output[:, inputs["input_ids"].shape[1] :]

    # -- stage 3 -----------------------------------------------------------------------------
    def postprocess(self, new_ids: torch.Tensor) -> list[list[str]]:
        answers = self._tokenizer.batch_decode(new_ids.cpu(), skip_special_tokens=True)
        return [parse_points(answer) for answer in answers]

    def generate(
        self, chunks: Sequence[str], points: int, *, title: str | None = None, language: str | None = None
    ) -> list[list[str]]:
        """Candidate points for each chunk: the model is asked for ``points`` of them, in ``language``."""
        if not chunks:
            return []
        return self.postprocess(self.forward(self.preprocess(chunks, points, title, language)))
