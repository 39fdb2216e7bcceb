"""The stores under the digest service: one suite, run against SQLite and a real Redis; then
SQLite's files: the schema, migrations, and a damaged file found at open or mid-run."""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
from pathlib import Path

import pytest

from bot.core.errors import StoreError
from bot.core.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    SETTINGS_FILE,
    SIDE_FILES,
    SQLITE_FILE,
    Bucket,
    RedisStore,
    SqliteStore,
    Store,
)

from .conftest import StoreFactory

# Short enough to wait out in a test, long enough that a slow CI machine does not expire it early.
TTL_S = 0.3


@pytest.mark.asyncio
async def test_cache_entries_expire(store: Store) -> None:
    assert await store.get("k") is None
    await store.put("k", '{"a": 1}', TTL_S)
    await store.put("long", "stays", 60)
    assert await store.get("k") == '{"a": 1}'
    await store.put("k", "v2", TTL_S)  # overwrite
    assert await store.get("k") == "v2"
    await asyncio.sleep(TTL_S + 0.1)
    assert await store.get("k") is None
    assert await store.get("long") == "stays"


@pytest.mark.asyncio
async def test_every_process_sees_the_same_state(store_factory: StoreFactory) -> None:
    one, two = await store_factory.open(), await store_factory.open()
    await one.put("k", "v", 60)
    await one.put_settings("discord:1:2", '{"points": 3}')
    assert await two.get("k") == "v"
    assert await two.get_settings("discord:1:2") == '{"points": 3}'
    assert await two.get_settings("discord:1:3") is None


@pytest.mark.asyncio
async def test_settings_are_kept_until_changed(store: Store) -> None:
    await store.put_settings("slack:T1:C1", "a")
    await store.put_settings("slack:T1:C1", "b")
    assert await store.get_settings("slack:T1:C1") == "b"


@pytest.mark.asyncio
async def test_a_lease_has_one_holder_at_a_time(store_factory: StoreFactory) -> None:
    one, two = await store_factory.open(), await store_factory.open()
    token = await one.acquire("read:x", 60)
    assert token is not None
    assert await two.acquire("read:x", 60) is None
    await two.release("read:x", "not-the-token")  # only the holder releases
    assert await two.acquire("read:x", 60) is None
    await one.release("read:x", token)
    again = await two.acquire("read:x", 60)
    assert again is not None and again != token
    assert await one.acquire("read:y", 60) is not None  # leases are by name


@pytest.mark.asyncio
async def test_a_lease_expires_when_its_holder_disappears(store: Store) -> None:
    assert await store.acquire("digest:z", TTL_S) is not None
    assert await store.acquire("digest:z", TTL_S) is None
    await asyncio.sleep(TTL_S + 0.1)
    assert await store.acquire("digest:z", 60) is not None


@pytest.mark.asyncio
async def test_a_renewed_lease_outlives_its_ttl_and_only_its_holder_renews(
    store_factory: StoreFactory,
) -> None:
    holder, other = await store_factory.open(), await store_factory.open()
    token = await holder.acquire("read:r", TTL_S)
    assert token is not None
    for _ in range(4):  # 0.4 s in all, past the lease's 0.3 s
        await asyncio.sleep(TTL_S / 3)
        assert await holder.renew("read:r", token, TTL_S)
        assert await other.acquire("read:r", TTL_S) is None
    assert not await other.renew("read:r", "not-the-token", TTL_S)
    await asyncio.sleep(TTL_S + 0.1)  # no renewal: it runs out
    assert not await holder.renew("read:r", token, TTL_S)  # too late: it is not ours any more
    taken = await other.acquire("read:r", TTL_S)
    assert taken is not None
    assert not await holder.renew("read:r", token, TTL_S)
    assert await other.renew("read:r", taken, TTL_S)


@pytest.mark.asyncio
async def test_token_bucket_burst_then_refill(store: Store) -> None:
    bucket = Bucket("user:discord:42", rate=2 / 60, burst=2)  # a token every 30 s
    now = 1_000_000.0
    assert await store.take([bucket], now) is None
    assert await store.take([bucket], now + 1) is None
    denial = await store.take([bucket], now + 2)
    assert denial is not None and denial.bucket == bucket
    assert denial.wait_s == pytest.approx(28.0, abs=0.01)  # 2 s of refill since the first take
    assert await store.take([bucket], now + 31) is None
    assert await store.take([bucket], now + 31) is not None


@pytest.mark.asyncio
async def test_buckets_are_taken_all_or_none(store: Store) -> None:
    user = Bucket("user:slack:U1", rate=1 / 60, burst=1)
    channel = Bucket("channel:slack:T1:C1", rate=1 / 60, burst=2)
    now = 5_000.0
    assert await store.take([user, channel], now) is None
    denial = await store.take([user, channel], now)
    assert denial is not None and denial.bucket == user
    # The refused request took nothing from the channel: it still has its second token.
    assert await store.take([channel], now) is None
    assert await store.take([channel], now) is not None


@pytest.mark.asyncio
async def test_the_longest_wait_is_reported(store: Store) -> None:
    fast = Bucket("fast", rate=1.0, burst=1)
    slow = Bucket("slow", rate=0.1, burst=1)
    assert await store.take([fast, slow], 0.0) is None
    denial = await store.take([fast, slow], 0.0)
    assert denial is not None and denial.bucket == slow and denial.wait_s == pytest.approx(10.0)


@pytest.mark.asyncio
async def test_concurrent_takes_never_overspend(store_factory: StoreFactory) -> None:
    stores = [await store_factory.open() for _ in range(3)]
    bucket = Bucket("channel:x", rate=1e-6, burst=5)
    results = await asyncio.gather(*(stores[i % 3].take([bucket], 100.0) for i in range(12)))
    assert sum(r is None for r in results) == 5


# -- SQLite: the file, the schema, migrations ---------------------------------------------------


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.mark.asyncio
async def test_sqlite_creates_its_folder_files_and_schema(tmp_path: Path) -> None:
    path = tmp_path / "data" / "deeper" / SQLITE_FILE
    store = await SqliteStore.open(path)
    try:
        assert path.is_file()
        assert await store.schema_version() == SCHEMA_VERSION
        await store.put_settings("discord:g:c", "x")
    finally:
        await store.aclose()
    assert tables(path) == {"cache", "locks", "buckets"}  # all of it can be rebuilt
    assert tables(path.with_name(SETTINGS_FILE)) == {"channel_settings"}  # the state that matters
    reopened = await SqliteStore.open(path)  # a restart keeps the settings and migrates nothing
    try:
        assert await reopened.get_settings("discord:g:c") == "x"
        assert await reopened.schema_version() == SCHEMA_VERSION
    finally:
        await reopened.aclose()


@pytest.mark.asyncio
async def test_sqlite_migrates_an_older_database(tmp_path: Path) -> None:
    path = tmp_path / "precis.sqlite3"
    with sqlite3.connect(path) as db:  # what a version-0 file looks like: someone else's table only
        db.execute("CREATE TABLE notes (x TEXT)")
    store = await SqliteStore.open(path)
    try:
        assert await store.schema_version() == SCHEMA_VERSION
        await store.put("k", "v", 60)
        assert await store.get("k") == "v"
    finally:
        await store.aclose()


@pytest.mark.asyncio
async def test_sqlite_moves_the_channel_settings_of_a_version_1_file_to_their_own(tmp_path: Path) -> None:
    path = tmp_path / SQLITE_FILE
    with sqlite3.connect(path) as db:  # as the bot left it before channels.sqlite3
        for statement in MIGRATIONS[0]:
            db.execute(statement)
        db.execute("INSERT INTO channel_settings VALUES ('slack:T1:C1', '{\"points\": 5}', 1.0)")
        db.execute("INSERT INTO cache VALUES ('k', 'v', 1e12)")
        db.execute("PRAGMA user_version = 1")
    store = await SqliteStore.open(path)
    try:
        assert await store.schema_version() == SCHEMA_VERSION
        assert await store.get_settings("slack:T1:C1") == '{"points": 5}'
        assert await store.get("k") == "v"  # the cache stays where it was
    finally:
        await store.aclose()
    assert "channel_settings" not in tables(path)
    assert tables(path.with_name(SETTINGS_FILE)) == {"channel_settings"}


@pytest.mark.asyncio
async def test_sqlite_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "precis.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this bot's"):
        await SqliteStore.open(path)


@pytest.mark.asyncio
async def test_sqlite_in_memory_for_tests() -> None:
    store = await SqliteStore.open(":memory:")
    try:
        await store.put("k", "v", 60)
        assert await store.get("k") == "v"
    finally:
        await store.aclose()


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.asyncio
async def test_unreachable_redis_is_a_store_error_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        await RedisStore.connect(f"redis://:hunter2@127.0.0.1:{closed_port()}/0")
    assert "hunter2" not in caught.value.message
    assert "redis://***@127.0.0.1" in caught.value.message


# -- SQLite: a damaged file ----------------------------------------------------------------------------


def damage(path: Path) -> None:
    """Overwrite every page after the first (the header) with noise: the tables are unreadable."""
    size = path.stat().st_size
    assert size > 4096, "the file should have pages past its header"
    with path.open("r+b") as fh:
        fh.seek(4096)
        fh.write(bytes(range(256)) * ((size - 4096) // 256 + 1))


async def filled(path: Path) -> None:
    """A cache file and a channels file with something in them, checkpointed and closed."""
    store = await SqliteStore.open(path)
    try:
        await store.put_settings("discord:g:c", '{"points": 2}')
        for i in range(200):
            await store.put(f"k{i}", "v" * 500, 3600)
    finally:
        await store.aclose()


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def aside(folder: Path) -> list[Path]:
    """The cache files moved aside (without the side files that went with them)."""
    return sorted(p for p in folder.glob(f"{SQLITE_FILE}.corrupt-*") if not p.name.endswith(SIDE_FILES))


@pytest.mark.asyncio
async def test_a_damaged_cache_file_is_moved_aside_at_open_and_the_settings_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / SQLITE_FILE
    await filled(path)
    damage(path)
    damaged = path.read_bytes()
    with caplog.at_level(logging.ERROR, logger="bot.core.store"):
        store = await SqliteStore.open(path)
    try:
        assert await store.get("k1") is None  # an empty cache
        await store.put("k1", "fresh", 60)
        assert await store.get("k1") == "fresh"
        assert await store.get_settings("discord:g:c") == '{"points": 2}'  # kept
    finally:
        await store.aclose()
    [moved] = aside(tmp_path)
    assert moved.name.startswith(f"{SQLITE_FILE}.corrupt-20")
    assert moved.read_bytes() == damaged  # moved whole, for whoever wants to look
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"moved it aside to {moved.name}" in record.getMessage()


@pytest.mark.asyncio
async def test_a_file_that_is_not_a_database_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / SQLITE_FILE
    path.write_bytes(bytes(range(256)) * 20)
    store = await SqliteStore.open(path)
    try:
        assert await store.schema_version() == SCHEMA_VERSION
    finally:
        await store.aclose()
    [moved] = aside(tmp_path)
    assert moved.read_bytes() == bytes(range(256)) * 20


@pytest.mark.asyncio
async def test_a_cache_file_damaged_while_running_is_replaced_on_the_first_malformed_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / SQLITE_FILE
    store = await SqliteStore.open(path)
    try:
        await store.put_settings("discord:g:c", '{"points": 2}')
        for i in range(200):
            await store.put(f"k{i}", "v" * 500, 3600)
        with sqlite3.connect(path) as db:  # the pages go from the WAL into the file
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        damage(path)
        with caplog.at_level(logging.ERROR, logger="bot.core.store"):
            assert await store.get("k150") is None  # malformed: moved aside, and a miss
        assert len(aside(tmp_path)) == 1
        assert any("is damaged" in r.getMessage() for r in caplog.records)
        await store.put("k150", "fresh", 60)  # the fresh file works at once
        assert await store.get("k150") == "fresh"
        assert await store.acquire("read:x", 60) is not None
        assert await store.get_settings("discord:g:c") == '{"points": 2}'
    finally:
        await store.aclose()
    assert len(aside(tmp_path)) == 1


@pytest.mark.asyncio
async def test_a_damaged_channels_file_is_named_and_never_touched(tmp_path: Path) -> None:
    path = tmp_path / SQLITE_FILE
    await filled(path)
    settings = tmp_path / SETTINGS_FILE
    settings.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(StoreError) as caught:
        await SqliteStore.open(path)
    assert caught.value.message == (
        f"{settings} (the channel settings) is damaged: restore it from a backup (README, Backups), "
        "or move it aside to start with every channel on the defaults"
    )
    assert settings.read_bytes() == bytes(range(256)) * 20
    assert names(tmp_path) == [SETTINGS_FILE, SQLITE_FILE]
