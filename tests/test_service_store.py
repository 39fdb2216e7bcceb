"""The stores under the digest service: one suite, run against SQLite and a real Redis."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from pathlib import Path

import pytest

from bot.core.errors import StoreError
from bot.core.store import SCHEMA_VERSION, Bucket, RedisStore, SqliteStore, Store

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


@pytest.mark.asyncio
async def test_sqlite_creates_its_folder_file_and_schema(tmp_path: Path) -> None:
    path = tmp_path / "data" / "deeper" / "precis.sqlite3"
    store = await SqliteStore.open(path)
    try:
        assert path.is_file()
        assert await store.schema_version() == SCHEMA_VERSION
        await store.put_settings("discord:g:c", "x")
    finally:
        await store.aclose()
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"cache", "channel_settings", "locks", "buckets"} <= tables
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
