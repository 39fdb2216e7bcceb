"""Tiny, randomly initialised Hugging Face models saved to a folder, loaded back exactly as a
user's folder is: a word-level tokenizer built here with ``tokenizers`` (no download), a BART
with d_model 16, and a Llama with hidden size 32 and a chat template. Their output is garbage,
which is what the grounding must catch."""

from __future__ import annotations

import re
from pathlib import Path

ARTICLE = (
    "KYIV — Ukraine has fired US-made ATACMS missiles at Russia for the first time, the Russian "
    "defence ministry said on Tuesday. Six missiles were launched at a military facility in the "
    "Bryansk region, the ministry said. Five were shot down and one was damaged, it added, and "
    "there were no casualties.\n"
    "The strike came days after US President Joe Biden allowed Kyiv to use the long-range weapons "
    "inside Russia. Moscow has warned that such strikes would be seen as a major escalation. "
    "Ukrainian officials did not confirm which weapons had been used in the attack.\n"
    "A separate drone attack on the city of Sumy killed 21 people, officials said. Rescue teams "
    "worked through the night to clear rubble from two apartment buildings. The regional governor "
    "declared three days of mourning for the victims of the attack.\n"
    "Ukraine's foreign minister said the country needed more air defence systems before winter. "
    "He told reporters in Brussels that attacks on the energy grid had grown more frequent. Allies "
    "are expected to discuss new aid at a meeting in Germany next month."
)

SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|> {{ m['role'] }} {{ m['content'] }} <|im_end|> {% endfor %}"
    "{% if add_generation_prompt %}<|im_start|> assistant {% endif %}"
)


def _vocabulary(texts: list[str]) -> list[str]:
    words = {w for t in texts for w in re.findall(r"\w+|[^\w\s]", t)}
    return SPECIALS + sorted(words | {"system", "user", "assistant", "-"})


def build_tokenizer(texts: list[str], *, max_length: int, chat: bool = False):
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(_vocabulary(texts))}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    if not chat:
        backend.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", special_tokens=[("<s>", vocab["<s>"]), ("</s>", vocab["</s>"])]
        )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        bos_token="<s>",
        eos_token="<|im_end|>" if chat else "</s>",
        unk_token="<unk>",
        model_max_length=max_length,
    )
    if chat:
        tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def save_tiny_bart(folder: Path, texts: list[str], *, context: int = 96, seed: int = 0) -> Path:
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, GenerationConfig

    tokenizer = build_tokenizer(texts, max_length=context)
    torch.manual_seed(seed)
    config = BartConfig(
        vocab_size=len(tokenizer), d_model=16, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
        max_position_embeddings=context, pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
    )  # fmt: skip
    model = BartForConditionalGeneration(config)
    # Its own generation defaults, as a summarization checkpoint ships them (the backend keeps them).
    model.generation_config = GenerationConfig(
        num_beams=2, max_length=24, min_length=4, no_repeat_ngram_size=3, early_stopping=True,
        pad_token_id=config.pad_token_id, bos_token_id=config.bos_token_id, eos_token_id=config.eos_token_id,
        decoder_start_token_id=config.decoder_start_token_id,
    )  # fmt: skip
    _save(model, tokenizer, folder)
    return folder


def save_tiny_llama(
    folder: Path, texts: list[str], *, context: int = 512, seed: int = 0, chat: bool = True
) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = build_tokenizer(texts, max_length=context, chat=chat)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=context,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, tie_word_embeddings=True,
    )  # fmt: skip
    _save(LlamaForCausalLM(config), tokenizer, folder)
    return folder


def save_tiny_t5(folder: Path, texts: list[str], *, context: int = 96, seed: int = 0) -> Path:
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    tokenizer = build_tokenizer([*texts, "summarize:"], max_length=context)
    torch.manual_seed(seed)
    config = T5Config(
        vocab_size=len(tokenizer), d_model=16, d_kv=8, d_ff=32, num_layers=1, num_decoder_layers=1,
        num_heads=2, pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )  # fmt: skip
    _save(T5ForConditionalGeneration(config), tokenizer, folder)
    return folder


def _save(model, tokenizer, folder: Path) -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
