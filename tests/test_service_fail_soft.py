"""The store as an optimisation (issue 14): a Redis that goes down, freezes or fills up, and a
SQLite disk that fills up or turns read-only, under a running digest service. Digests go on and
the replies say nothing of it; the log says it once, ``precis_store_up`` and
``precis_store_errors_total`` count it; rate limits fall back to this process's own; channel
settings are served from what this process last read, and never guessed.

Redis here is a redis-server of the test's own (it is stopped, frozen and filled), on a free
port; the disks are small tmpfs mounts (root only).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.core.errors import RateLimited, StoreError
from bot.core.metrics import Metrics
from bot.core.service import Requester, ServiceLimits
from bot.core.store import FailSoftStore, RedisStore, SqliteStore

from .test_service import (
    CountingSummarizer,
    article_text,
    service_on,
    text_request,
)

STORE_LOG = "bot.core.store"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A redis-server of this test's own, no persistence, that the test can stop, freeze and fill."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
             "no", "--dir", str(self.workdir), "--maxmemory-policy", "noeviction"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not self.answers():
            assert self.process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)

    def signal(self, number: int) -> None:
        assert self.process is not None
        self.process.send_signal(number)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server): Redis backend not tested")
    server = RedisServer(binary, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def store_log(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == STORE_LOG and r.levelno == level]


def value(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.value(name, **labels)


def store_errors(metrics: Metrics) -> float:
    """``precis_store_errors_total``, over every operation."""
    return sum(
        sample.value
        for family in metrics.registry.collect()
        for sample in family.samples
        if sample.name == "precis_store_errors_total"
    )


# -- Redis -----------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_redis_going_down_is_not_the_requesters_problem(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    limits = ServiceLimits(workers=2, user_rate=1 / 3600, user_burst=2, channel_rate=100, channel_burst=100)
    summarizer = CountingSummarizer()
    store = await RedisStore.connect(redis_server.url)
    caplog.set_level(logging.INFO)
    async with service_on(store, summarizer, limits) as service:
        before = await service.summarize(text_request(article_text("Harwich")))
        await service.update_settings("discord", "guild-1", "chan-1", points=2)
        assert value(service.metrics, "precis_store_up") == 1

        redis_server.stop()
        again = await service.summarize(text_request(article_text("Harwich")))
        assert again.digest.tldr == before.digest.tldr  # the same answer, made again: no cache
        assert not again.cached and summarizer.calls == 2
        assert len(again.digest.key_points) == 2  # the channel's settings, as last read here
        assert value(service.metrics, "precis_store_up") == 0
        assert store_errors(service.metrics) >= 1
        # Rate limits are this process's own now: ALICE had 2 (1 taken on Redis); here she has 2.
        await service.summarize(text_request(article_text("Dover")))
        with pytest.raises(RateLimited):
            await service.summarize(text_request(article_text("Deal")))
        # Settings: what was read here is served; a channel never read is not guessed; no saving.
        assert (await service.get_settings("discord", "guild-1", "chan-1")).points == 2
        with pytest.raises(StoreError, match="can't read this channel's settings"):
            await service.get_settings("discord", "guild-1", "chan-never-seen")
        with pytest.raises(StoreError, match="try again in a minute"):
            await service.update_settings("discord", "guild-1", "chan-1", points=4)
        assert not await service.store_reachable()
        [down] = store_log(caplog, logging.ERROR)  # once, however many operations failed
        assert "Redis is not answering" in down and "digests go on without the cache" in down

        redis_server.start()  # the same port, empty
        assert await service.store_reachable()  # the probe puts the store back in use at once
        assert value(service.metrics, "precis_store_up") == 1
        calls = summarizer.calls
        for user in ("carol", "dave"):
            await service.summarize(
                text_request(article_text("Margate"), Requester("discord", "guild-1", "chan-1", user))
            )
        assert summarizer.calls == calls + 1  # cached again
        assert any("answers again" in m for m in store_log(caplog, logging.WARNING))


@pytest.mark.asyncio
async def test_a_frozen_redis_costs_one_timeout_then_nothing(redis_server: RedisServer) -> None:
    summarizer = CountingSummarizer()
    metrics = Metrics()
    timeout_s = 0.5
    store = FailSoftStore(await RedisStore.connect(redis_server.url), metrics, timeout_s=timeout_s)
    async with service_on(store, summarizer, metrics=metrics) as service:
        await service.summarize(text_request(article_text("Harwich")))
        redis_server.signal(signal.SIGSTOP)
        try:
            started = time.perf_counter()
            await service.summarize(text_request(article_text("Dover")))
            first = time.perf_counter() - started
            started = time.perf_counter()
            await service.summarize(text_request(article_text("Deal")))
            second = time.perf_counter() - started
        finally:
            redis_server.signal(signal.SIGCONT)
        assert timeout_s <= first < timeout_s + 3  # one timeout found it frozen
        assert second < timeout_s  # then it is not asked until RETRY_S has passed
        assert value(metrics, "precis_store_up") == 0
        assert await service.store_reachable()
        assert value(metrics, "precis_store_up") == 1


@pytest.mark.asyncio
async def test_a_full_redis_keeps_its_reads_and_drops_its_writes(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    summarizer = CountingSummarizer()
    store = await RedisStore.connect(redis_server.url)
    admin = aioredis.Redis.from_url(redis_server.url)
    caplog.set_level(logging.INFO)
    try:
        async with service_on(store, summarizer) as service:
            await service.summarize(text_request(article_text("Harwich")))
            used = int((await admin.info("memory"))["used_memory"])
            await admin.config_set("maxmemory", str(max(1, used // 2)))  # full: writes are refused
            cached = await service.summarize(text_request(article_text("Harwich")))
            assert cached.cached and summarizer.calls == 1  # reads still work
            for _ in range(2):
                fresh = await service.summarize(text_request(article_text("Dover")))
                assert fresh.digest.key_points and not fresh.cached
            assert summarizer.calls == 3  # not cached: the work is done again, and answered
            assert value(service.metrics, "precis_store_up") == 1  # it answers: it is only full
            assert value(service.metrics, "precis_store_errors_total", op="put") >= 2
            [warning] = [m for m in store_log(caplog, logging.WARNING) if m.startswith("store: put")]
            assert "OutOfMemoryError" in warning and "maxmemory" in warning
            assert not store_log(caplog, logging.ERROR)
    finally:
        await admin.config_set("maxmemory", "0")
        await admin.aclose()


# -- SQLite on a disk that fills up or turns read-only ---------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: needs root and a kernel that lets this process mount."""
    mount, umount = shutil.which("mount"), shutil.which("umount")
    point = tmp_path / "disk"
    point.mkdir()
    if os.geteuid() != 0 or mount is None or umount is None:
        pytest.skip("mounting a small disk needs root")
    made = subprocess.run([mount, "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(point)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode(errors='replace').strip()}")
    try:
        yield point
    finally:
        subprocess.run([umount, "-l", str(point)], check=False)


def fill(disk: Path) -> None:
    with (disk / "filler").open("wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass


async def read_only(store: SqliteStore) -> None:
    """What a disk remounted read-only does to an open database (SQLITE_READONLY on every write).
    A tmpfs with open files cannot be remounted read-only, so the connection is told instead."""
    await store._cache.conn.execute("PRAGMA query_only = 1")
    await store._settings.conn.execute("PRAGMA query_only = 1")


@pytest.mark.asyncio
@pytest.mark.parametrize("trouble", ["full", "read-only"])
async def test_sqlite_on_a_disk_that_fills_up_or_turns_read_only(
    small_disk: Path, trouble: str, caplog: pytest.LogCaptureFixture
) -> None:
    summarizer = CountingSummarizer()
    store = await SqliteStore.open(small_disk / "precis.sqlite3")
    caplog.set_level(logging.INFO)
    async with service_on(store, summarizer) as service:
        await service.summarize(text_request(article_text("Harwich")))
        await service.update_settings("discord", "guild-1", "chan-1", points=2)
        if trouble == "full":
            fill(small_disk)
        else:
            await read_only(store)
        for topic in ("Dover", "Deal", "Dover"):
            result = await service.summarize(text_request(article_text(topic)))
            assert len(result.digest.key_points) == 2  # answered, with the channel's settings
        assert summarizer.calls == 4  # nothing new could be cached: Dover was made twice
        cached = await service.summarize(text_request(article_text("Harwich")))
        assert cached.cached  # what was cached before still reads
        assert value(service.metrics, "precis_store_errors_total", op="put") >= 1
        assert value(service.metrics, "precis_store_up") == 1
        assert await service.store_reachable()
        with pytest.raises(StoreError):  # an admin is told the change was not saved
            await service.update_settings("discord", "guild-1", "chan-1", points=4)
        assert any(m.startswith("store: put failed") for m in store_log(caplog, logging.WARNING))
