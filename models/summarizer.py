"""Summarizer backends behind one small interface. The offline default is extractive; the
abstractive backends (``models.abstractive``, setting ``SUMMARIZER``) implement it too.

The extractive summarizer scores English on the packaged encoder, and every other language
(``Hints.language``) on the article's own words (``models.lexical``): the encoder was trained on
English, and the lazy one is not even loaded for an article in another language. A digest says
which one scored it: ``model_name_for`` gives ``extractive:lexical-tfidf`` for those, never the
encoder's name."""

from __future__ import annotations

import threading
from typing import Protocol

from models.encoder import Encoder, EncoderOptions, load_encoder
from models.keypoints import Hints, KeyPointResult, Scoring, select_key_points
from models.languages import is_english
from models.lexical import LexicalEncoder

__all__ = ["ExtractiveSummarizer", "LazyExtractiveSummarizer", "Summarizer", "model_name_for"]


class Summarizer(Protocol):
    name: str

    def summarize(
        self, text: str, points: int, *, title: str | None = None, hints: Hints | None = None
    ) -> KeyPointResult:
        """A TL;DR and ``points`` key points beside it (``hints`` overrides ``title``). Blocking,
        CPU-bound: callers run it off the event loop."""
        ...


def model_name_for(summarizer: Summarizer, language: str | None) -> str:
    """The model a digest of an article in ``language`` names: the summarizer's ``name_for`` where
    it scores some languages with another model than its ``name`` says, else its ``name``."""
    name_for = getattr(summarizer, "name_for", None)
    return name_for(language) if callable(name_for) else summarizer.name


def _extractive_name(model: str, quantized: bool) -> str:
    return f"extractive:{model}" + ("+int8" if quantized else "")


# What scores an article in another language than English (``models.lexical``).
_LEXICAL_NAME = _extractive_name(LexicalEncoder.name, LexicalEncoder.quantized)


class _NamedByLanguage:
    """``name_for``: an extractive summarizer's ``name`` for English, the lexical one's otherwise."""

    name: str

    def name_for(self, language: str | None) -> str:
        return self.name if is_english(language) else _LEXICAL_NAME


class ExtractiveSummarizer(_NamedByLanguage):
    """Key points chosen from the article's own sentences (``models.keypoints``)."""

    def __init__(self, encoder: Encoder, scoring: Scoring = Scoring()) -> None:
        self._encoder = encoder
        self._scoring = scoring
        self.name = _extractive_name(encoder.name, encoder.quantized)

    def summarize(
        self, text: str, points: int, *, title: str | None = None, hints: Hints | None = None
    ) -> KeyPointResult:
        english = hints is None or is_english(hints.language)
        encoder = self._encoder if english else LexicalEncoder()
        return select_key_points(text, encoder, points, title=title, hints=hints, scoring=self._scoring)


class LazyExtractiveSummarizer(_NamedByLanguage):
    """Loads the encoder on first use (once per process, via ``load_encoder``'s cache), so a
    request that fails before summarizing (a 404, a paywall) never pays for the model."""

    def __init__(self, options: EncoderOptions = EncoderOptions(), scoring: Scoring = Scoring()) -> None:
        self._options = options
        self._scoring = scoring
        self._loaded: ExtractiveSummarizer | None = None
        # Worker threads may ask at once: one loads, the others wait (transformers' lazy imports,
        # and lru_cache, do not make two concurrent first loads safe).
        self._load_lock = threading.Lock()
        self.name = _extractive_name(options.model_name, options.quantize)

    def load(self) -> ExtractiveSummarizer:
        if self._loaded is None:
            with self._load_lock:
                if self._loaded is None:
                    self._loaded = ExtractiveSummarizer(load_encoder(self._options), self._scoring)
        return self._loaded

    def summarize(
        self, text: str, points: int, *, title: str | None = None, hints: Hints | None = None
    ) -> KeyPointResult:
        if hints is not None and not is_english(hints.language):  # no English encoder needed
            return select_key_points(text, LexicalEncoder(), points, hints=hints, scoring=self._scoring)
        return self.load().summarize(text, points, title=title, hints=hints)
