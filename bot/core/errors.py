"""The project's one error tree. Lower-layer errors are translated here with ``raise ... from``.

    PrecisError                       anything this project raises on purpose
    ├── SourceError                   the source could not be fetched or read (CLI exit 3)
    │   ├── FetchError                network-level trouble
    │   │   ├── RefusedAddress        not http(s), or not a public address
    │   │   ├── HTTPStatusError       the server answered 4xx/5xx
    │   │   ├── TooManyRedirects
    │   │   ├── FetchTimeout          the total deadline passed
    │   │   ├── TooLarge              the body is over the cap
    │   │   └── ConnectError          DNS failure, refused connection, TLS failure
    │   ├── TooSlow                   the digest ran past its deadline and was abandoned
    │   └── UnreadableArticle         fetched fine, but not something we can honestly summarize
    │       ├── NotAnArticle          wrong content type (PDF, image...) or no article in the HTML
    │       ├── TooLittleText         paywall, cookie wall, JS-only page, error page, a teaser
    │       └── UnsupportedLanguage   a language this server is not set to read, or one whose text
    │                                 cannot be split into sentences and scored (Thai, Khmer ...)
    ├── ServiceError                  the service declined the request for now
    │   ├── Busy                      the work queue is full (``retry_after_s``)
    │   ├── RateLimited               a user or channel is over its limit (``retry_after_s``, ``scope``)
    │   ├── DomainNotAllowed          the channel's allowed/blocked domains exclude this link
    │   ├── ArticleExpired            a re-render asked for an article no longer cached
    │   ├── Cancelled                 shutting down: the work was stopped before it finished
    │   ├── MissingPermission         the chat refused a step for want of a permission (``permission``)
    │   └── StoreError                the cache or database (SQLite, Redis) failed or is unreachable
    ├── BadInput                      the request itself is malformed (CLI exit 2)
    ├── StartupError                  ``precis`` cannot start: one line on stderr, and ``exit_code``
    │   ├── ConfigError               a setting is missing or wrong (exit 2)
    │   └── Unavailable               something it needs is not there or not answering: Redis, Discord's
    │                                 or Slack's API, a port, DATA_DIR and its database (exit 3)
    └── ModelError                    a model is missing, corrupt or misconfigured (start-up, CLI exit 4)
        └── SummarizerUnavailable     an abstractive backend failed at run time (down, timed out, bad answer)

Every error carries ``code`` (stable, machine-readable) and a one-line human ``message``, which
may be shown to anyone: it never holds internal detail (a server's address, raw bytes a remote
server sent, a whole URL). Such detail goes in ``detail``: in logs (``str(error)``), never in replies.
"""

from __future__ import annotations

__all__ = [
    "ArticleExpired",
    "BadInput",
    "Busy",
    "Cancelled",
    "ConfigError",
    "ConnectError",
    "DomainNotAllowed",
    "FetchError",
    "FetchTimeout",
    "HTTPStatusError",
    "MissingPermission",
    "ModelError",
    "NotAnArticle",
    "PrecisError",
    "RateLimited",
    "RefusedAddress",
    "ServiceError",
    "SourceError",
    "StartupError",
    "StoreError",
    "SummarizerUnavailable",
    "TooLarge",
    "TooLittleText",
    "TooManyRedirects",
    "TooSlow",
    "Unavailable",
    "UnreadableArticle",
    "UnsupportedLanguage",
]


class PrecisError(Exception):
    code = "error"
    exit_code = 1  # a process that stops on it: 2 configuration, 3 unreachable, 4 model

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(f"{message} [{detail}]" if detail else message)
        self.message = message
        self.detail = detail

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message}


class SourceError(PrecisError):
    code = "source_error"


class FetchError(SourceError):
    code = "fetch_error"


class RefusedAddress(FetchError):
    code = "refused_address"


class HTTPStatusError(FetchError):
    code = "http_status"

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class TooManyRedirects(FetchError):
    code = "too_many_redirects"


class FetchTimeout(FetchError):
    code = "timeout"


class TooLarge(FetchError):
    code = "too_large"


class ConnectError(FetchError):
    code = "connect_error"


class TooSlow(SourceError):
    """The fetch is bounded by its own timeout; this is the deadline of the work after it."""

    code = "too_slow"


class UnreadableArticle(SourceError):
    code = "unreadable"


class NotAnArticle(UnreadableArticle):
    code = "not_an_article"


class TooLittleText(UnreadableArticle):
    """Refused rather than summarized: what we could read is not the article."""

    code = "too_little_text"

    def __init__(self, message: str, *, reason: str, words: int) -> None:
        super().__init__(message)
        self.reason = reason
        self.words = words

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "reason": self.reason, "words": self.words}


class UnsupportedLanguage(UnreadableArticle):
    code = "unsupported_language"

    def __init__(self, message: str, *, language: str) -> None:
        super().__init__(message)
        self.language = language


class ServiceError(PrecisError):
    code = "service_error"


class Busy(ServiceError):
    code = "busy"

    def __init__(
        self, message: str = "I'm busy right now: try again in a minute", *, retry_after_s: float = 60.0
    ) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "retry_after_s": self.retry_after_s}


class RateLimited(ServiceError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: float, scope: str) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.scope = scope

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "retry_after_s": self.retry_after_s, "scope": self.scope}


class DomainNotAllowed(ServiceError):
    code = "domain_not_allowed"


class ArticleExpired(ServiceError):
    code = "article_expired"


class Cancelled(ServiceError):
    """What the person whose request was stopped reads (the deadline's cancel, the pool's drop)."""

    code = "cancelled"

    def __init__(
        self, message: str = "I'm restarting, so I stopped working on that: please ask again in a minute."
    ) -> None:
        super().__init__(message)


class MissingPermission(ServiceError):
    """The chat platform refused a step (post, open a thread) for want of ``permission``, named as
    the platform's settings name it ("Send Messages in Threads")."""

    code = "missing_permission"

    def __init__(self, permission: str) -> None:
        super().__init__(f"I'm missing the {permission} permission here: a server admin can grant it")
        self.permission = permission


class StoreError(ServiceError):
    """The message names the backend and the failure, never a password or a token."""

    code = "store_error"


class BadInput(PrecisError):
    code = "bad_input"


class StartupError(PrecisError):
    """Raised before anything is written or served; the message names the setting or resource and
    what to do, and never holds a secret (a token, a password, a Redis user name)."""

    code = "startup_error"


class ConfigError(StartupError):
    code = "config_error"
    exit_code = 2


class Unavailable(StartupError):
    code = "unavailable"
    exit_code = 3


class ModelError(PrecisError):
    code = "model_error"
    exit_code = 4


class SummarizerUnavailable(ModelError):
    """The message names the backend and the failure, never an API key."""

    code = "summarizer_unavailable"
