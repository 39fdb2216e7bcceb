"""The transformers backends on tiny random models saved to a folder and loaded back the way a
user's folder is: generation defaults, chunking by the model's own tokens, and the grounding that
throws their garbage away."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.core.errors import ModelError
from models.abstractive import (
    AbstractiveSummarizer,
    CausalGenerator,
    CausalOptions,
    Seq2SeqGenerator,
    chunk_article,
)
from models.keypoints import Hints
from models.sentences import split_sentences
from models.summarizer import ExtractiveSummarizer

from .conftest import BagOfWordsEncoder
from .tiny_models import ARTICLE, save_tiny_bart, save_tiny_llama, save_tiny_t5

# Short answers keep the tiny decoder's run well under a second on 2 cores.
SHORT = CausalOptions(max_new_tokens=24)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("models")
    return {
        "bart": save_tiny_bart(root / "bart", [ARTICLE]),
        "llama": save_tiny_llama(root / "llama", [ARTICLE]),
        "plain-llama": save_tiny_llama(root / "plain-llama", [ARTICLE], chat=False),
        "t5": save_tiny_t5(root / "t5", [ARTICLE]),
    }


# -- seq2seq ----------------------------------------------------------------------------------


def test_seq2seq_keeps_the_checkpoints_generation_defaults_without_sampling(folders) -> None:
    generator = Seq2SeqGenerator.load(str(folders["bart"]))
    config = generator.generation_config
    assert (config.num_beams, config.max_length, config.no_repeat_ngram_size) == (2, 24, 3)
    assert config.do_sample is False
    assert generator.name == f"seq2seq:{folders['bart']}" and generator.prefix == ""
    assert generator.context == 96 and generator.input_budget(3) == 94


def test_seq2seq_garbage_is_replaced_by_extractive_points(folders) -> None:
    encoder = BagOfWordsEncoder()
    generator = Seq2SeqGenerator.load(str(folders["bart"]))
    # The article is several of this model's 96-token contexts long: the map step has chunks.
    chunks = chunk_article(
        ARTICLE, split_sentences(ARTICLE), generator.count_tokens, generator.input_budget(3)
    )
    assert len(chunks) > 2
    written = generator.generate([ARTICLE[c.start : c.end] for c in chunks], 3)
    assert len(written) == len(chunks)
    assert generator.generate([ARTICLE[c.start : c.end] for c in chunks], 3) == written  # deterministic

    result = AbstractiveSummarizer(generator, encoder).summarize(ARTICLE, 3)
    assert len(result.points) == 3 and not any(p.rewritten for p in result.points)
    assert result == ExtractiveSummarizer(encoder).summarize(ARTICLE, 3)


def test_t5_gets_its_task_prefix(folders) -> None:
    generator = Seq2SeqGenerator.load(str(folders["t5"]))
    assert generator.prefix == "summarize: "
    inputs = generator.preprocess(["Ukraine has fired missiles."])
    assert generator._tokenizer.decode(inputs["input_ids"][0], skip_special_tokens=True).startswith(
        "summarize :"
    )
    assert generator.generation_config.max_new_tokens == 142  # no length of its own: BART-CNN's
    assert len(generator.generate(["Ukraine has fired missiles at Russia."], 3)) == 1


# -- causal -----------------------------------------------------------------------------------


def test_causal_prompts_through_the_chat_template(folders) -> None:
    generator = CausalGenerator.load(str(folders["llama"]), options=SHORT)
    prompt = generator.prompt("The article.", 4, "A title")
    assert prompt.startswith("<|im_start|> system You summarize news articles faithfully.")
    assert "4 most important key points" in prompt and "Title: A title" in prompt
    assert prompt.endswith("Article:\nThe article. <|im_end|> <|im_start|> assistant ")
    assert generator.generation_config.do_sample is False and generator.generation_config.num_beams == 1
    # The budget leaves room for the prompt and the answer in the 512-token context.
    overhead = generator.count_tokens([generator.prompt("", 3, None)])[0]
    assert generator.input_budget(3) == 512 - 24 - overhead - 8


def test_causal_garbage_is_replaced_by_extractive_points(folders) -> None:
    encoder = BagOfWordsEncoder()
    generator = CausalGenerator.load(str(folders["llama"]), options=SHORT)
    inputs = generator.preprocess([ARTICLE[:300], ARTICLE[300:400]], 3, None)
    assert (inputs["attention_mask"][:, -1] == 1).all()  # padded on the left: generation continues the prompt
    written = generator.generate([ARTICLE[:300], ARTICLE[300:400]], 3)
    assert len(written) == 2 and generator.generate([ARTICLE[:300], ARTICLE[300:400]], 3) == written

    result = AbstractiveSummarizer(generator, encoder).summarize(ARTICLE, 4, title="Missiles")
    assert len(result.points) == 4 and not any(p.rewritten for p in result.points)
    assert result == ExtractiveSummarizer(encoder).summarize(ARTICLE, 4, title="Missiles")


def test_causal_asks_for_the_articles_language_within_the_same_budget(folders) -> None:
    generator = CausalGenerator.load(str(folders["llama"]), options=SHORT)
    prompt = generator.prompt("Der Stadtrat hat beschlossen.", 3, None, "de")
    assert "The article is in German. Write the key points in German" in prompt
    assert prompt.endswith("Article:\nDer Stadtrat hat beschlossen. <|im_end|> <|im_start|> assistant ")
    overhead = generator.count_tokens([generator.prompt("", 3, None, "de")])[0]
    assert generator.input_budget(3, language="de") == 512 - 24 - overhead - 8 < generator.input_budget(3)
    assert generator.prompt("The article.", 3, None, "en") == generator.prompt("The article.", 3, None)


@pytest.mark.parametrize("backend", ["llama", "bart"])
def test_a_german_article_through_a_tiny_model_falls_back_on_its_own_sentences(folders, backend) -> None:
    from .test_abstractive_languages import GERMAN

    encoder = BagOfWordsEncoder()
    if backend == "llama":
        generator = CausalGenerator.load(str(folders["llama"]), options=SHORT)
    else:
        generator = Seq2SeqGenerator.load(str(folders["bart"]))
    hints = Hints(title="Freiburg baut neue Straßenbahn", language="de")
    result = AbstractiveSummarizer(generator, encoder).summarize(GERMAN, 3, hints=hints)
    assert result == ExtractiveSummarizer(encoder).summarize(GERMAN, 3, hints=hints)
    assert len(result.points) == 3 and not any(p.rewritten for p in result.points)
    assert encoder.calls == []


def test_a_long_article_is_cut_to_the_causal_budget(folders) -> None:
    generator = CausalGenerator.load(str(folders["llama"]), options=SHORT)
    long_text = " ".join([ARTICLE] * 4)
    inputs = generator.preprocess([long_text], 3, None)
    assert inputs["input_ids"].shape[1] <= 512 - 24


# -- start-up errors name the setting -------------------------------------------------------------


def test_causal_needs_a_chat_template(folders) -> None:
    with pytest.raises(ModelError, match=r"SUMMARIZER_MODEL=.*no chat template"):
        CausalGenerator.load(str(folders["plain-llama"]))


def test_a_decoder_is_not_a_seq2seq_model(folders) -> None:
    with pytest.raises(ModelError, match=r"SUMMARIZER_MODEL=.*could not load a seq2seq model"):
        Seq2SeqGenerator.load(str(folders["llama"]))


def test_missing_and_wrong_folders(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="SUMMARIZER_MODEL is not set: SUMMARIZER=seq2seq"):
        Seq2SeqGenerator.load(None)
    with pytest.raises(ModelError, match="no such folder"):
        Seq2SeqGenerator.load(str(tmp_path / "nowhere"))
    with pytest.raises(ModelError, match=r"no config\.json"):
        CausalGenerator.load(str(tmp_path))
    with pytest.raises(ModelError, match="neither an existing folder nor a hub id"):
        CausalGenerator.load("not a model!")


def test_a_hub_id_while_offline_fails_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache
    started = time.monotonic()
    with pytest.raises(ModelError, match=r"SUMMARIZER_MODEL=precis-test/no-such-model: .*the hub is offline"):
        Seq2SeqGenerator.load("precis-test/no-such-model")
    assert time.monotonic() - started < 10


@pytest.mark.skipif("__import__('torch').cuda.is_available()", reason="this machine has a GPU")
def test_a_gpu_that_is_not_there(folders) -> None:
    with pytest.raises(ModelError, match="DEVICE=cuda: torch sees no CUDA GPU"):
        Seq2SeqGenerator.load(str(folders["bart"]), device="cuda")
    assert Seq2SeqGenerator.load(str(folders["bart"]), device="auto").device == "cpu"


def test_a_device_that_is_not_one(folders) -> None:
    with pytest.raises(ModelError, match="DEVICE=tpu: use cpu, cuda, cuda:N or auto"):
        CausalGenerator.load(str(folders["llama"]), device="tpu")
