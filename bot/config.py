"""All settings, from the environment or ``.env``. ``.env.example`` mirrors this file line by line.

Secrets are ``SecretStr`` with no value of their own: they print as ``**********`` and never
reach a log.

Every value is checked here, all at once, when ``Settings()`` is made: ``bot.startup`` turns the
errors into one line per bad setting (exit 2), before anything is opened or written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from redis.connection import parse_url

__all__ = ["PROJECT_URL", "USER_AGENT", "Settings"]

PROJECT_URL = "https://github.com/precis-bot/precis"
USER_AGENT = f"precis-bot/0.1 (+{PROJECT_URL}; article summarizer)"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    # -- chat platforms (secrets: no default value) --------------------------------------------
    discord_token: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None

    # -- fetching ------------------------------------------------------------------------------
    fetch_timeout_s: float = Field(10.0, gt=0, le=120)
    fetch_max_bytes: int = Field(5_000_000, gt=0)
    fetch_max_redirects: int = Field(5, ge=0, le=20)
    fetch_allow_private: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Comma-separated hosts, addresses or CIDR nets allowed although not public (tests, LAN)."""
    user_agent: str = USER_AGENT

    # -- summarizing ---------------------------------------------------------------------------
    default_points: int = Field(3, ge=1, le=8)
    show_quotes: int = Field(2, ge=0, le=10)
    min_quote_words: int = Field(4, ge=1)
    min_page_words: int = Field(150, ge=1)
    min_text_words: int = Field(40, ge=1)
    model_dir: Path | None = None
    """A sentence-transformers folder to use instead of the packaged MiniLM."""
    model_quantize: bool = True
    torch_threads: int | None = Field(None, ge=1)
    digest_timeout_s: float = Field(60.0, gt=0, le=3600)
    """Key points and quotes past this are abandoned with "took too long" (the fetch has its own)."""

    # -- the digest service (issue 4) ------------------------------------------------------
    data_dir: Path = Path("data")
    """SQLite database and other local state live here (created on first start)."""
    redis_url: SecretStr | None = None
    """With this set, cache, in-flight locks and rate limits live in Redis (shared by processes)."""
    cache_ttl_s: int = Field(24 * 3600, ge=60)
    workers: int = Field(2, ge=1, le=32)
    queue_max_wait_s: float = Field(30.0, gt=0, le=3600)
    """A request whose digest would be ready later than this from now is told "busy"; one expected
    to take more than 5 s is told how long first."""
    queue_max_mb: int = Field(64, ge=1)
    """Pages and articles held for the workers, at most (millions of characters): more work waits."""
    user_rate_per_min: float = Field(5, gt=0)
    user_burst: int = Field(5, ge=1)
    channel_rate_per_min: float = Field(20, gt=0)
    channel_burst: int = Field(20, ge=1)
    metrics_port: int | None = Field(None, ge=0, le=65535)
    """Serve Prometheus metrics (``/metrics``) and ``/healthz`` on this port (0: any free port, which
    the log names); unset = no server."""
    metrics_host: str = "127.0.0.1"
    """The address the metrics server listens on: this machine only, unless set (``0.0.0.0``: all)."""

    # -- Discord (issue 5) ------------------------------------------------------------------
    discord_shard_count: int | None = Field(
        None, ge=1, validation_alias=AliasChoices("discord_shard_count", "discord_shards")
    )
    """Shards in all, across every process (``DISCORD_SHARDS``, its older name, is read too); unset =
    Discord's recommendation, for a single process."""
    discord_shard_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    """The shards this process runs, comma-separated (``0,1``); empty = all of them. Each of N
    processes takes its own ids of one ``DISCORD_SHARD_COUNT``."""
    discord_api_url: str | None = None
    """Override discord.py's REST base URL (tests, proxies)."""
    buttons_for_anyone: bool = False
    """Whether anyone, not only the person who asked, may press Shorter / More points / Quotes."""

    # -- Slack (issue 6) --------------------------------------------------------------------
    slack_api_url: str = "https://slack.com/api/"
    """Web API base URL of every Slack client the app uses (tests, proxies)."""
    host: str = "0.0.0.0"
    """The address ``precis slack --http`` listens on: all, since Slack calls in from the internet
    (``127.0.0.1`` behind a reverse proxy on this machine)."""

    # -- abstractive summarizers (issue 7) ------------------------------------------------
    summarizer: Literal["extractive", "seq2seq", "causal", "openai"] = "extractive"
    """``extractive`` (the offline default), ``seq2seq`` (BART, PEGASUS, T5...), ``causal`` (an
    instruction-tuned decoder, through its chat template) or ``openai`` (a chat server)."""
    summarizer_model: str | None = None
    """For seq2seq and causal: a local model folder, or a hub id (downloaded unless HF_HUB_OFFLINE)."""
    device: str = "cpu"
    """``cpu``, ``cuda``, ``cuda:N`` or ``auto``; on a GPU the model runs in bf16 (fp16 if unsupported)."""
    openai_base_url: str | None = None
    """An OpenAI-compatible server's API root, e.g. ``http://127.0.0.1:8000/v1`` (vLLM, TGI, Ollama)."""
    openai_model: str | None = None
    openai_api_key: SecretStr | None = None
    openai_timeout_s: float = Field(60.0, gt=0, le=600)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @field_validator("fetch_allow_private", "discord_shard_ids", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("discord_shard_ids")
    @classmethod
    def _shard_ids(cls, value: list[int], info: ValidationInfo) -> list[int]:
        """Ids of one shard count: each below it, none twice."""
        if not value:
            return value
        count = info.data.get("discord_shard_count")
        if count is None:
            raise ValueError("needs DISCORD_SHARD_COUNT, the number of shards across every process")
        if len(set(value)) != len(value) or not all(0 <= i < count for i in value):
            raise ValueError(f"each id once, from 0 to {count - 1} (DISCORD_SHARD_COUNT={count})")
        return sorted(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        """Parsed as the Redis client will parse it; the error never repeats the value (it may hold
        a password)."""
        if value is not None:
            try:
                parse_url(value.get_secret_value())
            except ValueError:
                raise ValueError(
                    "not a Redis URL: redis://[[user]:password@]host[:port][/db], rediss://... or unix://path"
                ) from None
        return value
