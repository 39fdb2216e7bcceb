"""Abstractive summarizers (issue 7): a backend writes key points, grounding keeps the supported ones.

``seq2seq``      ``Seq2SeqGenerator``     encoder-decoder summarizers (BART-CNN, PEGASUS, T5)
``causal``       ``CausalGenerator``      instruction-tuned decoders, through their chat template
``openai``       ``OpenAIChatGenerator``  any OpenAI-compatible chat server
                 ``AbstractiveSummarizer`` chunking, map-reduce, grounding and the extractive fill

Importing this package imports neither torch nor transformers: the backends load them when built.
"""

from models.abstractive.causal import CausalGenerator, CausalOptions
from models.abstractive.chunking import Chunk, chunk_article
from models.abstractive.openai_chat import ChatOptions, OpenAIChatGenerator
from models.abstractive.seq2seq import Seq2SeqGenerator, Seq2SeqOptions
from models.abstractive.summarizer import AbstractiveSummarizer, PointGenerator

__all__ = [
    "AbstractiveSummarizer",
    "CausalGenerator",
    "CausalOptions",
    "ChatOptions",
    "Chunk",
    "OpenAIChatGenerator",
    "PointGenerator",
    "Seq2SeqGenerator",
    "Seq2SeqOptions",
    "chunk_article",
]
