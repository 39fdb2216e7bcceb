"""A digest names the model that scored it (issue 15): an article in another language is scored on
its own words (``models.lexical``), and its digest must not claim the English encoder."""

from __future__ import annotations

from bot.core.extract import article_from_text
from bot.core.pipeline import Digester
from bot.core.render import digest_to_json
from bot.core.types import DigestOptions
from models.abstractive import AbstractiveSummarizer
from models.encoder import EncoderOptions
from models.summarizer import ExtractiveSummarizer, LazyExtractiveSummarizer, model_name_for

from .conftest import BagOfWordsEncoder
from .test_abstractive_languages import GERMAN
from .test_abstractive_summarizer import ScriptedGenerator
from .tiny_models import ARTICLE


class MiniLMShaped(BagOfWordsEncoder):
    """Named as the packaged encoder is; bag-of-words vectors underneath."""

    name = "sentence-transformers/all-MiniLM-L6-v2"
    quantized = True


def model_of(digester: Digester, text: str) -> tuple[str | None, str]:
    digest = digester.digest_article(article_from_text(text), DigestOptions())
    return digest.article.meta.language, digest_to_json(digest)["model"]["name"]


def test_an_other_language_digest_names_the_lexical_scorer_not_minilm() -> None:
    encoder = MiniLMShaped()
    digester = Digester(None, ExtractiveSummarizer(encoder))
    assert model_of(digester, GERMAN) == ("de", "extractive:lexical-tfidf")
    assert encoder.calls == []  # and indeed MiniLM never read it
    assert model_of(digester, ARTICLE) == ("en", "extractive:sentence-transformers/all-MiniLM-L6-v2+int8")
    assert encoder.calls


def test_the_lazy_summarizer_names_the_lexical_scorer_without_loading_the_encoder() -> None:
    lazy = LazyExtractiveSummarizer(EncoderOptions())
    assert model_name_for(lazy, "pt") == "extractive:lexical-tfidf"
    assert model_name_for(lazy, None) == model_name_for(lazy, "en") == lazy.name
    assert "MiniLM" in lazy.name
    assert lazy._loaded is None


def test_an_abstractive_digest_in_german_names_its_lexical_grounding() -> None:
    digester = Digester(None, AbstractiveSummarizer(ScriptedGenerator({}), BagOfWordsEncoder()))
    assert model_of(digester, GERMAN) == ("de", "scripted+grounded:lexical-tfidf")
    assert model_of(digester, ARTICLE) == ("en", "scripted+grounded")


def test_a_summarizer_without_name_for_is_named_by_its_name() -> None:
    class Plain:
        name = "plain"

    assert model_name_for(Plain(), "de") == "plain"  # type: ignore[arg-type]
