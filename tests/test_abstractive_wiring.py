"""Settings, .env.example, and picking the backend at start-up: a misconfiguration is a clear
error naming the setting (``precis`` exits 4), never a hang or a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.__main__ import build_summarizer, main
from bot.config import Settings
from bot.core.errors import ModelError
from models.abstractive import AbstractiveSummarizer
from models.summarizer import LazyExtractiveSummarizer

from .conftest import REPO, BagOfWordsEncoder
from .tiny_models import ARTICLE, save_tiny_bart

SETTINGS_ENV = [
    "SUMMARIZER", "SUMMARIZER_MODEL", "DEVICE", "OPENAI_BASE_URL", "OPENAI_MODEL", "OPENAI_API_KEY",
    "OPENAI_TIMEOUT_S",
]  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_env_example_mirrors_the_settings_line_by_line() -> None:
    listed = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), flags=re.MULTILINE)
    assert listed == [name.upper() for name in Settings.model_fields]


def test_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings()
    assert (s.summarizer, s.summarizer_model, s.device, s.openai_timeout_s) == ("extractive", None, "cpu", 60)
    monkeypatch.setenv("SUMMARIZER", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    s = settings()
    assert s.summarizer == "openai" and "sk-secret" not in repr(s)
    monkeypatch.setenv("SUMMARIZER", "gpt")
    with pytest.raises(ValidationError):
        settings()


def test_extractive_stays_lazy() -> None:
    assert isinstance(build_summarizer(settings()), LazyExtractiveSummarizer)


def test_seq2seq_from_a_folder(tmp_path: Path) -> None:
    folder = save_tiny_bart(tmp_path / "distilbart-tiny", [ARTICLE])
    summarizer = build_summarizer(
        settings(summarizer="seq2seq", summarizer_model=str(folder)), encoder=BagOfWordsEncoder()
    )
    assert isinstance(summarizer, AbstractiveSummarizer)
    assert summarizer.name == f"seq2seq:{folder}+grounded"
    assert len(summarizer.summarize(ARTICLE, 3).points) == 3


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"summarizer": "seq2seq"}, "SUMMARIZER_MODEL is not set: SUMMARIZER=seq2seq"),
        (
            {"summarizer": "causal", "summarizer_model": "/no/such/model"},
            "SUMMARIZER_MODEL=/no/such/model: no such",
        ),
        ({"summarizer": "openai", "openai_model": "m"}, "OPENAI_BASE_URL is not set"),
        (
            {"summarizer": "openai", "openai_base_url": "127.0.0.1:8000/v1", "openai_model": "m"},
            "not an http",
        ),
        ({"summarizer": "openai", "openai_base_url": "http://127.0.0.1:8000/v1"}, "OPENAI_MODEL is not set"),
    ],
)
def test_misconfigurations_name_the_setting(values: dict, message: str) -> None:
    with pytest.raises(ModelError, match=re.escape(message)):
        build_summarizer(settings(**values), encoder=BagOfWordsEncoder())


def test_openai_is_configured_without_calling_the_server() -> None:
    summarizer = build_summarizer(
        settings(
            summarizer="openai", openai_base_url="http://127.0.0.1:9/v1", openai_model="llama3.1:8b",
            openai_api_key="sk-secret", openai_timeout_s=5,
        ),
        encoder=BagOfWordsEncoder(),
    )  # fmt: skip
    assert summarizer.name == "openai:llama3.1:8b+grounded"


def test_precis_exits_4_naming_the_setting(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("SUMMARIZER", "seq2seq")
    monkeypatch.setenv("SUMMARIZER_MODEL", "./models/missing")
    assert main(["summarize", "-"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("precis: SUMMARIZER_MODEL=./models/missing: no such folder")
