"""Start-up: the checks ``precis`` makes before it writes or serves anything, and how a failed
one is reported.

A failure is a line on stderr per problem (usually one), ``precis: `` then what is wrong (naming
the setting or the resource) and what to do, never a secret and never a traceback, and an exit
code:

    2  a setting is missing or wrong                          ``ConfigError``
    3  something it needs is not there or not answering:      ``Unavailable``
       Redis, Discord's or Slack's API, a port, DATA_DIR and its database
    4  the model could not be loaded                          ``ModelError``

The chat commands check in this order, so that nothing is written until every other check has
passed (the store's folder and file are the only things written, and the last):

    1. every setting at once, one line per bad one           ``load_settings``
    2. the platform's tokens are set                         ``check_tokens``
    3. the ports are free: bound now, listened on later      ``check_ports``, ``bind``
    4. the platform's API answers and accepts the tokens     ``check_discord``, ``check_slack``
    5. the model loads                                       ``bot.__main__``
    6. the store opens: Redis answers, or DATA_DIR and its   ``opening_store``
       SQLite files are created (and removed again if that fails half-way); a damaged cache
       file is moved aside and started afresh, a damaged channels file stops start-up
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TextIO, get_args
from urllib.parse import urlsplit

import aiohttp
from pydantic import SecretStr, ValidationError
from pydantic_core import ErrorDetails
from redis.exceptions import AuthenticationError, RedisError

from bot.config import Settings
from bot.core.errors import ConfigError, PrecisError, StartupError, StoreError, Unavailable
from bot.core.store import SETTINGS_FILE, SIDE_FILES, SQLITE_FILE

__all__ = [
    "CHECK_TIMEOUT_S",
    "QUIET_LOGGERS",
    "bind",
    "check_discord",
    "check_ports",
    "check_slack",
    "check_tokens",
    "configure_logging",
    "load_settings",
    "opening_store",
    "report",
]

log = logging.getLogger(__name__)

# A dependency that has not answered a start-up check in this long is reported as not answering.
CHECK_TIMEOUT_S = 10.0
# These log each request's full URL at INFO: a fetched page's path and query are the reader's
# business (the README promises hosts only), and the service logs the host itself.
QUIET_LOGGERS = ("httpx", "httpcore")
# Slack's answers for a token it will not take (any other error is Slack not answering well).
_SLACK_REFUSALS = frozenset({
    "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
    "not_allowed_token_type", "missing_scope",
})  # fmt: skip
_SLACK_TOKEN_HELP = {
    "SLACK_BOT_TOKEN": "copy the Bot User OAuth Token (xoxb-...) again from the app's OAuth & "
    "Permissions page",
    "SLACK_APP_TOKEN": "make an app-level token with connections:write (xapp-...) on the app's Basic "
    "Information page",
}


# -- reporting -------------------------------------------------------------------------------------


def report(error: PrecisError, stderr: TextIO | None = None) -> int:
    """Print ``error`` as ``precis: `` lines (one per line of its message); return its exit code
    (the documented one of a start-up failure, 1 for anything unforeseen)."""
    out = stderr or sys.stderr
    for line in error.message.splitlines():
        print(f"precis: {line}", file=out)
    return error.exit_code


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stderr
    )
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


# -- 1. settings -----------------------------------------------------------------------------------


def load_settings() -> Settings:
    """``Settings()`` from the environment and ``.env``. Every bad value is reported at once, one
    line each (``ConfigError``); a secret's value is never repeated, others are (cut short)."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError("\n".join(_problem(error) for error in exc.errors())) from None


def _problem(error: ErrorDetails) -> str:
    field = str(error["loc"][0]) if error["loc"] else "settings"
    name = field.upper()
    message = error["msg"].removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    value = error.get("input")
    if isinstance(value, str) and not _is_secret(field):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f"{name}={shown}: {message}"
    return f"{name}: {message}"


def _is_secret(field: str) -> bool:
    info = Settings.model_fields.get(field)
    return info is None or info.annotation is SecretStr or SecretStr in get_args(info.annotation)


# -- 2. tokens -------------------------------------------------------------------------------------


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def check_tokens(settings: Settings, command: str, *, http: bool = False) -> None:
    """The tokens ``command`` (``discord`` or ``slack``) needs are set: ``ConfigError`` naming each
    one missing, a line each."""
    missing = []
    if command == "discord" and not _secret(settings.discord_token):
        missing.append("DISCORD_TOKEN is not set: put the bot's token in .env (see README, Discord)")
    if command == "slack":
        if http and not _secret(settings.slack_signing_secret):
            missing.append(
                "SLACK_SIGNING_SECRET is not set: --http needs it to check requests come from Slack"
            )
        if not http and not _secret(settings.slack_app_token):
            missing.append("SLACK_APP_TOKEN is not set: set it for Socket Mode, or run with --http --port N")
        if not _secret(settings.slack_bot_token):
            missing.append(
                "SLACK_BOT_TOKEN is not set: put the app's Bot User OAuth Token (xoxb-...) in .env"
            )
    if missing:
        raise ConfigError("\n".join(missing))


# -- 3. ports --------------------------------------------------------------------------------------


def check_ports(ports: dict[str, int | None]) -> None:
    """No two of ``ports`` (setting -> port; None: not used; 0: any free one) are the same: sockets
    bound but not yet listening do not see each other."""
    taken: dict[int, str] = {}
    for setting, port in ports.items():
        if not port:
            continue
        if port in taken:
            raise ConfigError(f"{taken[port]} and {setting} are both {port}: give each its own port")
        taken[port] = setting


def bind(host: str, port: int, setting: str) -> socket.socket:
    """A TCP socket bound to ``host:port`` and not yet listening: the port is this process's from
    now on, and a server started on it later (``web.SockSite``) takes no request before it is ready.

    ``setting`` names what chose the address (``--port``, ``METRICS_PORT``) for the error line."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise ConfigError(f"{setting}: {host} is not an address of this machine") from exc
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise Unavailable(
                f"{setting}: port {port} on {host} is in use by another program: stop it, or choose "
                "another port"
            ) from exc
        if exc.errno == errno.EACCES:
            raise ConfigError(
                f"{setting}: port {port} needs privileges this process lacks: choose one above 1023"
            ) from exc
        raise ConfigError(f"{setting}: cannot listen on {host} port {port} ({exc.strerror})") from exc
    return sock


# -- 4. the platform's API -------------------------------------------------------------------------


def _where(url: str) -> str:
    """Host and port of ``url``: never its user name, password, path or query."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "an address that is not a URL"
    host = parts.hostname or "?"
    return f"{host}:{port}" if port is not None else host


def _reason(exc: BaseException) -> str:
    """Why a connection failed, in a few words (never an address: the caller names it)."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {CHECK_TIMEOUT_S:g} s"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "the name does not resolve"
    if isinstance(exc, aiohttp.ClientConnectorError):
        exc = exc.os_error
    if isinstance(exc, ConnectionRefusedError) or getattr(exc, "errno", None) == errno.ECONNREFUSED:
        return "connection refused"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return type(exc).__name__


async def check_discord(settings: Settings) -> None:
    """Log in to Discord's REST API (``GET /users/@me``, at ``DISCORD_API_URL`` if set), as the
    bot will: ``ConfigError`` if Discord refuses ``DISCORD_TOKEN``, ``Unavailable`` if it does not
    answer within ``CHECK_TIMEOUT_S``."""
    import discord

    from bot.discord_chat.bot import use_api_base

    if settings.discord_api_url:
        use_api_base(settings.discord_api_url)
    where = _where(discord.http.Route.BASE)
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await http.static_login(_secret(settings.discord_token) or "")
    except discord.LoginFailure as exc:
        raise ConfigError(
            "Discord refused DISCORD_TOKEN: copy it again from the Developer Portal (Bot, Reset Token)"
        ) from exc
    except discord.HTTPException as exc:
        raise Unavailable(
            f"Discord's API at {where} answered HTTP {exc.status}: try again later, or check DISCORD_API_URL"
        ) from exc
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise Unavailable(
            f"cannot reach Discord's API at {where} ({_reason(exc)}): check the network, or DISCORD_API_URL"
        ) from exc
    finally:
        await http.close()


async def check_slack(settings: Settings, *, http: bool) -> None:
    """Ask Slack's Web API (``SLACK_API_URL``) whether it takes the tokens: ``auth.test`` with the
    bot token and, for Socket Mode, ``apps.connections.open`` with the app token (as the socket
    client will, which would otherwise retry a refused token forever). ``ConfigError`` naming the
    token Slack refuses; ``Unavailable`` when it does not answer within ``CHECK_TIMEOUT_S``."""
    from slack_sdk.errors import SlackApiError, SlackClientError
    from slack_sdk.web.async_client import AsyncWebClient

    base_url = (
        settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    )
    where = _where(base_url)
    checks = [("SLACK_BOT_TOKEN", _secret(settings.slack_bot_token), "auth.test")]
    if not http:
        checks.append(("SLACK_APP_TOKEN", _secret(settings.slack_app_token), "apps.connections.open"))
    for setting, token, method in checks:
        # No retry handlers: a check asks once, and they log each retry with the whole URL.
        client = AsyncWebClient(
            token=token, base_url=base_url, timeout=int(CHECK_TIMEOUT_S), retry_handlers=[]
        )
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                await client.api_call(method)
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            if error in _SLACK_REFUSALS:
                raise ConfigError(f"Slack refused {setting} ({error}): {_SLACK_TOKEN_HELP[setting]}") from exc
            answer = error or f"HTTP {exc.response.status_code}"
            raise Unavailable(
                f"Slack's API at {where} answered {method} with {answer}: try again later, or check "
                "SLACK_API_URL"
            ) from exc
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise Unavailable(
                f"cannot reach Slack's API at {where} ({_reason(exc)}): check the network, or SLACK_API_URL"
            ) from exc


# -- 6. the store ----------------------------------------------------------------------------------


def _missing(paths: Iterable[Path]) -> list[Path]:
    return [path for path in paths if not path.exists()]


def _remove(created: list[Path]) -> None:
    """Undo a half-made store: the files and folders in ``created`` that exist now (deepest last in
    the list, so removed first); a folder only if empty."""
    for path in reversed(created):
        try:
            if path.is_dir():
                path.rmdir()
            elif path.exists():
                path.unlink()
        except OSError:
            log.warning("start-up: could not remove %s, which a failed start created", path)


def _sqlite_paths(data_dir: Path) -> list[Path]:
    """DATA_DIR's missing ancestors (outermost first), DATA_DIR, the two databases and SQLite's
    side files."""
    folders = [*reversed(data_dir.parents), data_dir]
    files = [data_dir / name for name in (SETTINGS_FILE, SQLITE_FILE)]
    return [*folders, *(f.with_name(f.name + suffix) for f in files for suffix in ("", *SIDE_FILES))]


@asynccontextmanager
async def opening_store(settings: Settings) -> AsyncIterator[None]:
    """Around opening the service: its store's failures become ``StartupError`` lines, within
    ``CHECK_TIMEOUT_S``, and whatever the failed attempt created under DATA_DIR is removed."""
    created = [] if settings.redis_url is not None else _missing(_sqlite_paths(settings.data_dir))
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            yield
    except (StoreError, RedisError, sqlite3.Error, OSError, TimeoutError) as exc:
        _remove(created)
        if settings.redis_url is not None:
            raise _redis_failure(settings.redis_url.get_secret_value(), exc) from None
        raise _sqlite_failure(settings.data_dir, exc) from None


def _redis_failure(url: str, exc: BaseException) -> StartupError:
    """The one line for a Redis that would not open: host and port only, never the user or password."""
    where = _where(url) if not url.startswith("unix:") else "its unix socket"
    cause = exc.__cause__ if isinstance(exc, StoreError) and exc.__cause__ is not None else exc
    if isinstance(cause, AuthenticationError):
        return ConfigError(
            f"Redis at {where} refused REDIS_URL's credentials (or wants some): correct the user name "
            "and password in REDIS_URL"
        )
    if isinstance(cause, TimeoutError):
        return Unavailable(
            f"Redis at {where} did not answer within {CHECK_TIMEOUT_S:g} s: check it, or REDIS_URL"
        )
    if isinstance(cause, ValueError):
        return ConfigError("REDIS_URL: not a Redis URL: redis://[[user]:password@]host[:port][/db]")
    return Unavailable(
        f"cannot reach Redis at {where} ({type(cause).__name__}): start it, or correct REDIS_URL"
    )


def _sqlite_failure(data_dir: Path, exc: BaseException) -> StartupError:
    """The one line for a SQLite store that would not open, by what went wrong."""
    cause = exc.__cause__ if isinstance(exc, StoreError) and exc.__cause__ is not None else exc
    db = data_dir / SQLITE_FILE
    blocker = next((path for path in (data_dir, *data_dir.parents) if path.exists()), None)
    if blocker is not None and not blocker.is_dir():
        where = f"DATA_DIR={data_dir}" + ("" if blocker == data_dir else f": {blocker}")
        return ConfigError(f"{where} is a file, not a folder: point DATA_DIR at a folder")
    full = f"DATA_DIR={data_dir}: the disk is full: free some space, or point DATA_DIR elsewhere"
    unwritable = (
        f"DATA_DIR={data_dir} is not writable: make it writable by this user, or point DATA_DIR elsewhere"
    )
    if isinstance(cause, TimeoutError):
        return Unavailable(f"{db} did not open within {CHECK_TIMEOUT_S:g} s: is another program holding it?")
    if isinstance(cause, OSError):  # making the folder; its message holds the path, so only errno counts
        return Unavailable(full if cause.errno == errno.ENOSPC else unwritable)
    if isinstance(cause, sqlite3.Error):
        text = str(cause).lower()
        if "full" in text:
            return Unavailable(full)
        if "readonly" in text or "unable to open" in text:
            return Unavailable(unwritable)
        if "locked" in text:
            return Unavailable(f"{db} is locked by another program: stop it, or point DATA_DIR elsewhere")
    if isinstance(exc, StoreError):  # the store's own words (a damaged channels file, a newer schema)
        return Unavailable(exc.message)
    return Unavailable(f"{db} cannot be opened ({type(cause).__name__}): point DATA_DIR elsewhere")
