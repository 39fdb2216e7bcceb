"""``bot.core.chat.user_text``: what a person is told when their request failed, and the log."""

from __future__ import annotations

import logging

import pytest

from bot.core.chat import INTERNAL_TEXT, UNAVAILABLE_TEXT, user_text
from bot.core.errors import (
    Busy,
    ConfigError,
    HTTPStatusError,
    ModelError,
    RateLimited,
    StoreError,
    SummarizerUnavailable,
    TooLittleText,
    Unavailable,
)


@pytest.mark.parametrize(
    ("error", "told"),
    [
        (StoreError("cannot reach Redis at redis.internal:6379: ConnectionError"), INTERNAL_TEXT),
        (StoreError("cannot open the database /srv/precis/channels.sqlite3: disk I/O error"), INTERNAL_TEXT),
        (Unavailable("Redis at 10.0.0.7:6379 did not answer within 5 s"), INTERNAL_TEXT),
        (ConfigError("LOG_LEVEL is not a level"), INTERNAL_TEXT),
        (FileNotFoundError(2, "No such file or directory", "/srv/precis/model.onnx"), INTERNAL_TEXT),
        (ModelError("weights corrupt at /srv/precis/model"), UNAVAILABLE_TEXT),
        (SummarizerUnavailable("http://10.0.0.9:8000/v1 timed out"), UNAVAILABLE_TEXT),
    ],
)
def test_the_bots_own_failures_name_nothing_and_are_logged_in_full(
    error: BaseException, told: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.core.chat"):
        assert user_text(error) == told
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert str(error) in record.getMessage() or record.exc_info is not None
    if record.exc_info is not None:  # the unexpected: with their traceback
        assert record.exc_info[1] is error


def test_errors_about_the_request_say_what_happened_and_log_their_detail(
    caplog: pytest.LogCaptureFixture,
) -> None:
    paywalled = TooLittleText(
        "that page is paywalled: only 140 words were visible", reason="paywall", words=140
    )
    with caplog.at_level(logging.INFO, logger="bot.core.chat"):
        assert user_text(paywalled) == paywalled.message
        assert user_text(HTTPStatusError("the page answered HTTP 404 Not Found", 404)) == (
            "the page answered HTTP 404 Not Found"
        )
        assert user_text(RateLimited("slow down", retry_after_s=12.2, scope="user")) == (
            "slow down. Try again in 13 s."
        )
        assert user_text(Busy()) == "I'm busy right now: try again in a minute"
        detailed = StoreError("the store failed", detail="Redis redis.internal:6379: READONLY")
        assert user_text(detailed) == INTERNAL_TEXT
    assert "redis.internal:6379: READONLY" in caplog.text
    assert "paywalled" in caplog.text
