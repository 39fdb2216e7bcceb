"""Start-up (issue 14): each failure is a line or two on stderr naming the setting or resource and
what to do, with its exit code (2 configuration, 3 unreachable, 4 model), no secret, no traceback,
and nothing written before the checks pass.

``precis`` runs in-process (``main``) from an empty folder with every setting cleared from the
environment; the stand-in Discord and Slack APIs are real HTTP on 127.0.0.1. The store's failures
are checked through ``opening_store`` around the very call the wiring makes. A few tests run the
real ``precis`` in a process of its own (real stderr, real SIGTERM); they load the packaged model,
so they are marked slow.
"""

from __future__ import annotations

import errno
import io
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import discord
import httpx
import pytest
import redis.asyncio as aioredis

from bot.__main__ import main, open_chat_service
from bot.config import Settings
from bot.core.errors import StartupError
from bot.startup import bind, opening_store, report

from .conftest import REPO, HoldableSummarizer

DISCORD_TOKEN = "discord-token-sekrit"
BOT_TOKEN = "xoxb-bot-token-sekrit"
APP_TOKEN = "xapp-app-token-sekrit"
SIGNING_SECRET = "signing-sekrit"
SETTLE_S = 60.0  # a real precis process: imports and the packaged model on two shared cores


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def redis_down(port: int) -> str:
    """What ``precis`` says when nothing answers on ``port`` for REDIS_URL."""
    return (
        f"precis: cannot reach Redis at 127.0.0.1:{port} (ConnectionError): start it, or correct REDIS_URL\n"
    )


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- a stand-in for Discord's and Slack's APIs: real HTTP on 127.0.0.1, port 0 ---------------------


class PlatformApi:
    """Discord's ``GET /api/v10/users/@me`` and Slack's ``auth.test`` and ``apps.connections.open``,
    taking only the tokens above; records each call as ``METHOD path``."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.lock = threading.Condition()
        self.socket_url = f"ws://127.0.0.1:{closed_port()}/link"  # a websocket that never connects
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _serve(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, body = api.answer(
                    self.command, urlsplit(self.path).path, self.headers.get("Authorization")
                )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        port = self.httpd.server_address[1]
        self.discord_url = f"http://127.0.0.1:{port}/api/v10"
        self.slack_url = f"http://127.0.0.1:{port}/api/"

    def answer(self, method: str, path: str, auth: str | None) -> tuple[int, dict[str, object]]:
        with self.lock:
            self.calls.append(f"{method} {path}")
            self.lock.notify_all()
        if path == "/api/v10/users/@me":
            if auth != f"Bot {DISCORD_TOKEN}":
                return 401, {"message": "401: Unauthorized", "code": 0}
            return 200, {"id": "1", "username": "precis", "discriminator": "0", "avatar": None, "bot": True}
        if path == "/api/auth.test":
            if auth != f"Bearer {BOT_TOKEN}":
                return 200, {"ok": False, "error": "invalid_auth"}
            return 200, {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "precis"}
        if path == "/api/apps.connections.open":
            if auth != f"Bearer {APP_TOKEN}":
                return 200, {"ok": False, "error": "invalid_auth"}
            return 200, {"ok": True, "url": self.socket_url}
        return 404, {"ok": False, "error": "unknown_method"}

    def wait_for(self, call: str, times: int, timeout: float) -> bool:
        with self.lock:
            return self.lock.wait_for(lambda: self.calls.count(call) >= times, timeout)


@pytest.fixture
def api() -> Iterator[PlatformApi]:
    server = PlatformApi()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


@pytest.fixture
def empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder (no ``.env``), no setting in the environment, and discord.py's API
    base put back afterwards (a Discord check points it at DISCORD_API_URL, process-wide)."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def start(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """``precis ARGV`` in-process: its exit code and its stderr lines (it must print nothing else)."""
    code = main(argv)
    out, err = capsys.readouterr()
    assert out == ""
    return code, err.splitlines()


def assert_failure(lines: list[str], *, count: int = 1, secrets: tuple[str, ...] = ()) -> None:
    assert len(lines) == count, lines
    assert all(line.startswith("precis: ") for line in lines), lines
    assert not any("Traceback" in line for line in lines)
    for secret in secrets:
        assert not any(secret in line for line in lines), (secret, lines)


# -- 1. settings, all at once ----------------------------------------------------------------------


@pytest.mark.parametrize("command", [["discord"], ["slack"], ["summarize", "page.html"]])
def test_bad_values_are_reported_together_one_line_each(
    empty_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("FETCH_TIMEOUT_S", "abc")
    monkeypatch.setenv("WORKERS", "0")
    monkeypatch.setenv("LOG_LEVEL", "verbose")
    code, lines = start(command, capsys)
    assert code == 2
    assert_failure(lines, count=3)
    assert lines[0].startswith("precis: FETCH_TIMEOUT_S=abc: ") and "number" in lines[0]
    assert lines[1].startswith("precis: WORKERS=0: ") and "greater than or equal to 1" in lines[1]
    assert lines[2].startswith("precis: LOG_LEVEL=VERBOSE: ") and "'DEBUG', 'INFO'" in lines[2]
    assert list(empty_dir.iterdir()) == []


@pytest.mark.parametrize("url", ["notaurl", "http://bob:hunter2@cache/0", "redis://bob:hunter2@cache:port/0"])
def test_a_redis_url_that_is_not_one_is_a_setting_error_without_the_url(
    empty_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", DISCORD_TOKEN)
    monkeypatch.setenv("REDIS_URL", url)
    code, lines = start(["discord"], capsys)
    assert code == 2
    assert_failure(lines, secrets=("bob", "hunter2", "cache", url))
    assert lines[0].startswith("precis: REDIS_URL: not a Redis URL")
    assert list(empty_dir.iterdir()) == []


def test_log_level_is_read_in_any_case() -> None:
    assert Settings(_env_file=None, log_level="debug").log_level == "DEBUG"  # type: ignore[arg-type]


# -- 2. tokens ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["discord"], ["DISCORD_TOKEN"]),
        (["slack"], ["SLACK_APP_TOKEN", "SLACK_BOT_TOKEN"]),
        (["slack", "--http"], ["SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"]),
    ],
)
def test_missing_tokens_are_named_and_nothing_is_created(
    empty_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], named: list[str]
) -> None:
    code, lines = start(argv, capsys)
    assert code == 2
    assert_failure(lines, count=len(named))
    assert [line.split()[1] for line in lines] == named
    assert list(empty_dir.iterdir()) == []  # no data/precis.sqlite3, no data/


# -- 3. ports ----------------------------------------------------------------------------------------


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another program listens on (127.0.0.1)."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def test_a_busy_port_for_slack_http_is_named(
    empty_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    api: PlatformApi,
    busy_port: int,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", api.slack_url)
    monkeypatch.setenv("HOST", "127.0.0.1")
    code, lines = start(["slack", "--http", "--port", str(busy_port)], capsys)
    assert code == 3
    assert_failure(lines)
    assert lines[0] == (
        f"precis: --port: port {busy_port} on 127.0.0.1 is in use by another program: stop it, or "
        "choose another port"
    )
    assert api.calls == []  # found before anything else was asked or written
    assert list(empty_dir.iterdir()) == []


def test_a_busy_metrics_port_is_named(
    empty_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    api: PlatformApi,
    busy_port: int,
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", DISCORD_TOKEN)
    monkeypatch.setenv("DISCORD_API_URL", api.discord_url)
    monkeypatch.setenv("METRICS_PORT", str(busy_port))
    code, lines = start(["discord"], capsys)
    assert code == 3
    assert_failure(lines)
    assert lines[0].startswith(f"precis: METRICS_PORT: port {busy_port} on 127.0.0.1 is in use")
    assert api.calls == []
    assert list(empty_dir.iterdir()) == []


def test_the_same_port_twice_is_a_setting_error(
    empty_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("METRICS_PORT", "3000")
    code, lines = start(["slack", "--http", "--port", "3000"], capsys)
    assert code == 2
    assert lines == ["precis: --port and METRICS_PORT are both 3000: give each its own port"]


def test_bind_holds_the_port_before_anything_listens() -> None:
    held = bind("127.0.0.1", 0, "METRICS_PORT")
    try:
        with socket.socket() as other, pytest.raises(OSError) as taken:
            other.bind(held.getsockname())
        assert taken.value.errno == errno.EADDRINUSE
    finally:
        held.close()
    with pytest.raises(StartupError, match=r"METRICS_PORT: cannot listen on 203\.0\.113\.9") as not_here:
        bind("203.0.113.9", 0, "METRICS_PORT")  # an address of no machine here
    assert not_here.value.exit_code == 2


# -- 4. the platform's API ---------------------------------------------------------------------------


def test_discord_api_unreachable(
    empty_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = closed_port()
    monkeypatch.setenv("DISCORD_TOKEN", DISCORD_TOKEN)
    monkeypatch.setenv("DISCORD_API_URL", f"http://127.0.0.1:{port}/api/v10")
    code, lines = start(["discord"], capsys)
    assert code == 3
    assert_failure(lines, secrets=(DISCORD_TOKEN,))
    assert lines[0] == (
        f"precis: cannot reach Discord's API at 127.0.0.1:{port} (connection refused): check the "
        "network, or DISCORD_API_URL"
    )
    assert list(empty_dir.iterdir()) == []


def test_discord_refusing_the_token(
    empty_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, api: PlatformApi
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "not-" + DISCORD_TOKEN)
    monkeypatch.setenv("DISCORD_API_URL", api.discord_url)
    code, lines = start(["discord"], capsys)
    assert code == 2
    assert_failure(lines, secrets=(DISCORD_TOKEN,))
    assert lines[0].startswith("precis: Discord refused DISCORD_TOKEN: copy it again")
    assert api.calls == ["GET /api/v10/users/@me"]
    assert list(empty_dir.iterdir()) == []


@pytest.mark.parametrize("argv", [["slack"], ["slack", "--http", "--port", "0"]])
def test_slack_api_unreachable(
    empty_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    port = closed_port()
    for name, value in [
        ("SLACK_BOT_TOKEN", BOT_TOKEN),
        ("SLACK_APP_TOKEN", APP_TOKEN),
        ("SLACK_SIGNING_SECRET", SIGNING_SECRET),
        ("SLACK_API_URL", f"http://127.0.0.1:{port}/api/"),
    ]:
        monkeypatch.setenv(name, value)
    code, lines = start(argv, capsys)
    assert code == 3
    assert_failure(lines, secrets=(BOT_TOKEN, APP_TOKEN))
    assert lines[0] == (
        f"precis: cannot reach Slack's API at 127.0.0.1:{port} (connection refused): check the "
        "network, or SLACK_API_URL"
    )
    assert list(empty_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("bot_token", "app_token", "refused", "asked"),
    [
        ("xoxb-wrong", APP_TOKEN, "SLACK_BOT_TOKEN", ["POST /api/auth.test"]),
        (
            BOT_TOKEN,
            "xapp-wrong",
            "SLACK_APP_TOKEN",
            ["POST /api/auth.test", "POST /api/apps.connections.open"],
        ),
    ],
)
def test_slack_refusing_a_token_stops_socket_mode_at_once(
    empty_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    api: PlatformApi,
    bot_token: str,
    app_token: str,
    refused: str,
    asked: list[str],
) -> None:
    """Socket Mode's own client would retry a refused app token every 10 s, forever."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", bot_token)
    monkeypatch.setenv("SLACK_APP_TOKEN", app_token)
    monkeypatch.setenv("SLACK_API_URL", api.slack_url)
    started = time.monotonic()
    code, lines = start(["slack"], capsys)
    assert time.monotonic() - started < 5
    assert code == 2
    assert_failure(lines, secrets=(bot_token, app_token))
    assert lines[0].startswith(f"precis: Slack refused {refused} (invalid_auth): ")
    assert api.calls == asked
    assert list(empty_dir.iterdir()) == []


# -- 6. the store, through the call the wiring makes -------------------------------------------------


async def store_failure(settings: Settings) -> tuple[int, str]:
    """What opening the chat service on ``settings`` reports: its exit code and stderr."""
    async with AsyncExitStack() as stack:
        try:
            async with opening_store(settings):
                await stack.enter_async_context(open_chat_service(settings, HoldableSummarizer()))
        except StartupError as exc:
            err = io.StringIO()
            return report(exc, err), err.getvalue()
    pytest.fail("the store opened")


@pytest.mark.asyncio
async def test_unreachable_redis_names_host_and_port_only() -> None:
    port = closed_port()
    settings = Settings(_env_file=None, redis_url=f"redis://bob:hunter2@127.0.0.1:{port}/0")  # type: ignore[arg-type]
    code, err = await store_failure(settings)
    assert code == 3
    assert_failure(err.splitlines(), secrets=("bob", "hunter2"))
    assert err == redis_down(port)


@pytest.mark.asyncio
async def test_a_wrong_redis_password_is_a_setting_error(redis_url: str) -> None:
    user = "precis-startup-test"
    admin = aioredis.Redis.from_url(redis_url)
    try:
        await admin.acl_setuser(
            user, enabled=True, passwords=["+right-password"], keys=["*"], commands=["+@all"]
        )
    finally:
        await admin.aclose()
    wrong = redis_url.replace("redis://", f"redis://{user}:wrong-password@")
    code, err = await store_failure(Settings(_env_file=None, redis_url=wrong))  # type: ignore[arg-type]
    assert code == 2
    assert_failure(err.splitlines(), secrets=(user, "wrong-password"))
    assert "refused REDIS_URL's credentials" in err and "REDIS_URL" in err
    right = redis_url.replace("redis://", f"redis://{user}:right-password@")
    async with open_chat_service(Settings(_env_file=None, redis_url=right), HoldableSummarizer()):  # type: ignore[arg-type]
        pass  # the same user with its password opens


@pytest.mark.asyncio
async def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    code, err = await store_failure(Settings(_env_file=None, data_dir=afile))
    assert code == 2
    assert err == f"precis: DATA_DIR={afile} is a file, not a folder: point DATA_DIR at a folder\n"
    code, err = await store_failure(Settings(_env_file=None, data_dir=afile / "below"))
    assert code == 2
    below = afile / "below"
    assert err == f"precis: DATA_DIR={below}: {afile} is a file, not a folder: point DATA_DIR at a folder\n"
    assert names(tmp_path) == ["afile"]


def _unwritable_folder(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        readonly = tmp_path / "readonly"
        readonly.mkdir()
        readonly.chmod(0o555)
        return readonly / "data"
    if not Path("/sys/kernel").is_dir():
        pytest.skip("running as root, which writes through file modes, and no /sys to refuse a folder")
    return Path("/sys/kernel/precis-startup-test")  # sysfs refuses mkdir, even to root


@pytest.mark.asyncio
async def test_data_dir_that_cannot_be_written(tmp_path: Path) -> None:
    data_dir = _unwritable_folder(tmp_path)
    code, err = await store_failure(Settings(_env_file=None, data_dir=data_dir))
    assert code == 3
    assert err == (
        f"precis: DATA_DIR={data_dir} is not writable: make it writable by this user, or point "
        "DATA_DIR elsewhere\n"
    )
    assert not data_dir.exists()


@pytest.mark.asyncio
async def test_a_corrupt_cache_is_moved_aside_and_start_up_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The cache file is only a cache: a damaged one is moved aside, loudly, and a fresh one made."""
    db = tmp_path / "precis.sqlite3"
    garbage = bytes(range(256)) * 20
    db.write_bytes(garbage)
    settings = Settings(_env_file=None, data_dir=tmp_path)
    with caplog.at_level(logging.ERROR, logger="bot.core.store"):
        async with AsyncExitStack() as stack:
            async with opening_store(settings):
                service = await stack.enter_async_context(open_chat_service(settings, HoldableSummarizer()))
            await service.update_settings("slack", "T1", "C1", points=2)
    [moved] = [name for name in names(tmp_path) if name.startswith("precis.sqlite3.corrupt-")]
    assert (tmp_path / moved).read_bytes() == garbage
    assert {"channels.sqlite3", "precis.sqlite3", moved} <= set(names(tmp_path))
    [record] = caplog.records
    assert record.levelno == logging.ERROR and f"moved it aside to {moved}" in record.getMessage()


@pytest.mark.asyncio
async def test_a_corrupt_channels_file_is_named_and_left_as_it_was(tmp_path: Path) -> None:
    """Channel settings are the state that matters: a damaged file stops start-up, untouched."""
    channels = tmp_path / "channels.sqlite3"
    garbage = bytes(range(256)) * 20
    channels.write_bytes(garbage)
    code, err = await store_failure(Settings(_env_file=None, data_dir=tmp_path))
    assert code == 3
    assert err == (
        f"precis: {channels} (the channel settings) is damaged: restore it from a backup (README, "
        "Backups), or move it aside to start with every channel on the defaults\n"
    )
    assert names(tmp_path) == ["channels.sqlite3"]
    assert channels.read_bytes() == garbage


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, filled: needs root and a kernel that lets this process mount."""
    mount, umount = shutil.which("mount"), shutil.which("umount")
    point = tmp_path / "full"
    point.mkdir()
    if os.geteuid() != 0 or mount is None or umount is None:
        pytest.skip("mounting a small full disk needs root")
    made = subprocess.run([mount, "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(point)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode(errors='replace').strip()}")
    try:
        with (point / "filler").open("wb", buffering=0) as fh:
            with pytest.raises(OSError):
                while True:
                    fh.write(b"\0" * 4096)
        yield point
    finally:
        subprocess.run([umount, str(point)], check=False)


@pytest.mark.asyncio
async def test_a_full_disk_is_named_and_what_was_made_is_removed(full_disk: Path) -> None:
    data_dir = full_disk / "data" / "deeper"
    code, err = await store_failure(Settings(_env_file=None, data_dir=data_dir))
    assert code == 3
    assert err.startswith(f"precis: DATA_DIR={data_dir}: the disk is full")
    assert names(full_disk) == ["filler"]


# -- a real precis process ---------------------------------------------------------------------------


def precis(tmp_path: Path, *argv: str, **settings: str) -> subprocess.Popen[str]:
    """``python -m bot ARGV`` in ``tmp_path``, with only ``settings`` (and PATH, HOME) set."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "TMPDIR", "LANG") if k in os.environ}
    env |= {"PYTHONPATH": str(REPO), **settings}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *argv], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.slow
def test_a_store_failure_after_the_model_loads_is_one_line_on_stderr(
    tmp_path: Path, api: PlatformApi
) -> None:
    port = closed_port()
    process = precis(
        tmp_path,
        "discord",
        DISCORD_TOKEN=DISCORD_TOKEN,
        DISCORD_API_URL=api.discord_url,
        REDIS_URL=f"redis://bob:hunter2@127.0.0.1:{port}/0",
    )
    _, err = process.communicate(timeout=SETTLE_S)
    assert process.returncode == 3
    assert err == redis_down(port)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_model_that_does_not_load_is_exit_4_before_anything_is_written(
    tmp_path: Path, api: PlatformApi
) -> None:
    missing = tmp_path / "no-such-model"
    process = precis(
        tmp_path,
        "discord",
        DISCORD_TOKEN=DISCORD_TOKEN,
        DISCORD_API_URL=api.discord_url,
        MODEL_DIR=str(missing),
    )
    _, err = process.communicate(timeout=SETTLE_S)
    assert process.returncode == 4
    assert err.startswith(f"precis: could not load the sentence encoder from {missing}")
    assert_failure(err.splitlines(), secrets=(DISCORD_TOKEN,))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_sigterm_stops_socket_mode_while_it_is_still_connecting(tmp_path: Path, api: PlatformApi) -> None:
    """Slack takes both tokens, but its websocket never answers: the socket client retries every
    10 s, and SIGTERM must not wait for it."""
    process = precis(
        tmp_path,
        "slack",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=api.slack_url,
        DATA_DIR=str(tmp_path / "data"),
    )
    try:
        # The start-up check asks once; the socket client asks again when it starts connecting.
        assert api.wait_for("POST /api/apps.connections.open", 2, SETTLE_S)
        time.sleep(0.5)  # into the socket client's first failed connect
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        process.communicate(timeout=10)
        assert time.monotonic() - started < 8
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0


@pytest.mark.slow
def test_slack_http_serves_healthz_and_metrics_then_stops_on_sigterm(
    tmp_path: Path, api: PlatformApi
) -> None:
    process = precis(
        tmp_path,
        "slack",
        "--http",
        "--port",
        "0",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=api.slack_url,
        HOST="127.0.0.1",
        METRICS_PORT="0",
        DATA_DIR=str(tmp_path / "data"),
    )
    try:
        assert process.stderr is not None
        seen: list[str] = []
        events = status = None
        deadline = time.monotonic() + SETTLE_S
        while (events is None or status is None) and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            seen.append(line)
            if found := re.search(r"metrics and /healthz on (\S+) port (\d+)", line):
                status = found.group(1), int(found.group(2))
            if found := re.search(r"serving /slack/events on http://127\.0\.0\.1:(\d+)", line):
                events = int(found.group(1))
        assert events is not None and status is not None, "".join(seen)
        assert status[0] == "127.0.0.1"  # METRICS_HOST's default: this machine only
        healthy = {"ok": True, "model_loaded": True, "store_reachable": True}
        for port in (events, status[1]):
            answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
            assert (answer.status_code, answer.json()) == (200, healthy)
        metrics = httpx.get(f"http://127.0.0.1:{status[1]}/metrics", timeout=10)
        assert metrics.status_code == 200 and "precis_queue_depth 0.0" in metrics.text
        assert (tmp_path / "data" / "precis.sqlite3").is_file()
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0


def test_the_language_model_loads_with_the_summarizer_not_on_the_first_request() -> None:
    # In a fresh process: the first digest after a restart is as fast as the rest.
    code = (
        "import sys\n"
        "from bot.__main__ import load_model\n"
        "from bot.config import Settings\n"
        "load_model(Settings(_env_file=None))\n"
        "print('py3langid.langid' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.stdout.strip() == "True", done.stderr[-2000:]
