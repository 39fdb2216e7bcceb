"""Where the digest service keeps its state: one small interface, two backends.

``SqliteStore``  the embedded default: one file under ``DATA_DIR`` (``:memory:`` in tests),
                 created with its schema on first open and migrated by ``PRAGMA user_version``.
``RedisStore``   with ``REDIS_URL`` set: shared by every bot process (Discord shards, Slack
                 replicas), so they share one cache, one set of locks and one set of limits.

Both keep the same four kinds of state, as text the service serialises (JSON, never pickles):

    cache entries      key -> value, each with a time to live
    channel settings   one value per channel, kept until changed
    locks              leases with a token, so one process at a time does a piece of work
    token buckets      rate-limit counters, several checked and taken in one atomic step

A failure of the backend itself (Redis down, a corrupt database) is raised as ``StoreError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import aiosqlite
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from bot.core.errors import StoreError
from bot.core.urls import redact_url

__all__ = [
    "SCHEMA_VERSION",
    "Bucket",
    "Denial",
    "RedisStore",
    "SqliteStore",
    "Store",
]


@dataclass(frozen=True, slots=True)
class Bucket:
    """A token bucket: ``burst`` tokens at most, refilled at ``rate`` tokens a second."""

    key: str
    rate: float
    burst: int


@dataclass(frozen=True, slots=True)
class Denial:
    """``bucket`` has no token to spare; one will be there in ``wait_s`` seconds."""

    bucket: Bucket
    wait_s: float


class Store(Protocol):
    async def get(self, key: str) -> str | None:
        """The cached value under ``key``; None when absent or expired."""
        ...

    async def put(self, key: str, value: str, ttl_s: float) -> None: ...

    async def get_settings(self, scope: str) -> str | None: ...

    async def put_settings(self, scope: str, value: str) -> None: ...

    async def acquire(self, name: str, ttl_s: float) -> str | None:
        """Take the lease ``name`` for ``ttl_s`` seconds: a token to release it with, or None
        when someone else holds it."""
        ...

    async def release(self, name: str, token: str) -> None:
        """Give the lease back; a no-op once it expired or went to someone else."""
        ...

    async def take(self, buckets: Sequence[Bucket], now: float) -> Denial | None:
        """Take one token from every bucket, or from none of them: None when taken, else the
        bucket that needs the longest wait. ``now`` is the caller's clock, in seconds."""
        ...

    async def aclose(self) -> None: ...


def _refill(tokens: float, updated: float, now: float, bucket: Bucket) -> float:
    return min(float(bucket.burst), tokens + max(0.0, now - updated) * bucket.rate)


def _worst(buckets: Sequence[Bucket], tokens: Sequence[float]) -> Denial | None:
    denials = [Denial(b, (1.0 - t) / b.rate) for b, t in zip(buckets, tokens, strict=True) if t < 1.0]
    return max(denials, key=lambda d: d.wait_s, default=None)


def _refill_s(bucket: Bucket) -> float:
    """How long until an empty bucket is full again: its state is worth keeping no longer."""
    return bucket.burst / bucket.rate


# -- SQLite ------------------------------------------------------------------------------------

SCHEMA_VERSION = 1
# What a person is told when the store fails mid-request; the backend and its error go to the log.
_STORE_FAILED = "my cache is not answering right now: try again in a minute"

# One entry per schema version: the statements that take the database from version i to i + 1.
# Append to migrate; never edit an entry that has shipped.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL)",
        "CREATE INDEX cache_expires ON cache (expires)",
        "CREATE TABLE channel_settings (scope TEXT PRIMARY KEY, value TEXT NOT NULL, updated REAL NOT NULL)",
        "CREATE TABLE locks (name TEXT PRIMARY KEY, token TEXT NOT NULL, expires REAL NOT NULL)",
        "CREATE TABLE buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, updated REAL NOT NULL, "
        "expires REAL NOT NULL)",
    ),
)
assert len(MIGRATIONS) == SCHEMA_VERSION

# Expired rows are harmless (every read checks the time), so sweeping them now and then is enough.
PURGE_EVERY_S = 600.0
# Another process holding the write lock (a migration, a bucket update) is waited for this long.
BUSY_TIMEOUT_MS = 5000


class SqliteStore:
    """The embedded store: one aiosqlite connection, each operation one short transaction.

    Several processes may share the file (locks and buckets use ``BEGIN IMMEDIATE``), but the
    intended deployment is one bot process; use Redis for more.
    """

    def __init__(self, db: aiosqlite.Connection, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock
        self._lock = asyncio.Lock()  # one transaction at a time on the shared connection
        self._last_purge = clock()
        self._closed = False

    @classmethod
    async def open(cls, path: Path | str, clock: Callable[[], float] = time.time) -> SqliteStore:
        """Open (creating the folder, the file and the schema on first start) and migrate."""
        in_memory = str(path) == ":memory:"
        try:
            if not in_memory:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(str(path), isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc
        store = cls(db, clock)
        try:
            await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not in_memory:
                await db.execute("PRAGMA journal_mode = WAL")
                await db.execute("PRAGMA synchronous = NORMAL")
            await store._migrate()
        except BaseException:
            await store.aclose()
            raise
        return store

    async def _migrate(self) -> None:
        async with self._transaction():
            version = await self._scalar("PRAGMA user_version")
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the database is at schema version {version}, newer than this bot's "
                    f"{SCHEMA_VERSION}: upgrade the bot, or point DATA_DIR elsewhere"
                )
            for target in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[target]:
                    await self._db.execute(statement)
                await self._db.execute(f"PRAGMA user_version = {target + 1}")

    async def schema_version(self) -> int:
        async with self._lock:
            return await self._scalar("PRAGMA user_version")

    async def _scalar(self, sql: str) -> int:
        async with self._db.execute(sql) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def get(self, key: str) -> str | None:
        try:
            async with (
                self._lock,
                self._db.execute(
                    "SELECT value FROM cache WHERE key = ? AND expires > ?", (key, self._clock())
                ) as cursor,
            ):
                row = await cursor.fetchone()
        except sqlite3.Error as exc:
            raise StoreError(_STORE_FAILED, detail=f"SQLite: {exc}") from exc
        return None if row is None else str(row[0])

    async def put(self, key: str, value: str, ttl_s: float) -> None:
        now = self._clock()
        try:
            async with self._lock:
                await self._db.execute(
                    "INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires",
                    (key, value, now + ttl_s),
                )
                if now - self._last_purge >= PURGE_EVERY_S:
                    self._last_purge = now
                    for table in ("cache", "locks", "buckets"):
                        await self._db.execute(f"DELETE FROM {table} WHERE expires <= ?", (now,))
        except sqlite3.Error as exc:
            raise StoreError(_STORE_FAILED, detail=f"SQLite: {exc}") from exc

    async def get_settings(self, scope: str) -> str | None:
        try:
            async with (
                self._lock,
                self._db.execute("SELECT value FROM channel_settings WHERE scope = ?", (scope,)) as cursor,
            ):
                row = await cursor.fetchone()
        except sqlite3.Error as exc:
            raise StoreError(_STORE_FAILED, detail=f"SQLite: {exc}") from exc
        return None if row is None else str(row[0])

    async def put_settings(self, scope: str, value: str) -> None:
        try:
            async with self._lock:
                await self._db.execute(
                    "INSERT INTO channel_settings (scope, value, updated) VALUES (?, ?, ?) "
                    "ON CONFLICT (scope) DO UPDATE SET value = excluded.value, updated = excluded.updated",
                    (scope, value, self._clock()),
                )
        except sqlite3.Error as exc:
            raise StoreError(_STORE_FAILED, detail=f"SQLite: {exc}") from exc

    async def acquire(self, name: str, ttl_s: float) -> str | None:
        token = secrets.token_hex(8)
        now = self._clock()
        try:
            async with self._transaction():
                await self._db.execute("DELETE FROM locks WHERE name = ? AND expires <= ?", (name, now))
                cursor = await self._db.execute(
                    "INSERT OR IGNORE INTO locks (name, token, expires) VALUES (?, ?, ?)",
                    (name, token, now + ttl_s),
                )
                taken = cursor.rowcount == 1
                await cursor.close()
        except sqlite3.Error as exc:
            raise StoreError(_STORE_FAILED, detail=f"SQLite: {exc}") from exc
        return token if taken else None

    async def release(self, name: str, token: str) -> None:
        try:
            async with self._lock:
                await self._db.execute("DELETE FROM locks WHERE name = ? AND token = ?", (name, token))
        except sqlite3.Error as exc:
            raise StoreError(_STORE_FAILED, detail=f"SQLite: {exc}") from exc

    async def take(self, buckets: Sequence[Bucket], now: float) -> Denial | None:
        try:
            async with self._transaction():
                tokens = []
                for bucket in buckets:
                    async with self._db.execute(
                        "SELECT tokens, updated FROM buckets WHERE key = ?", (bucket.key,)
                    ) as cursor:
                        row = await cursor.fetchone()
                    full = float(bucket.burst)
                    tokens.append(full if row is None else _refill(row[0], row[1], now, bucket))
                denial = _worst(buckets, tokens)
                if denial is None:
                    await self._db.executemany(
                        "INSERT INTO buckets (key, tokens, updated, expires) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, "
                        "updated = excluded.updated, expires = excluded.expires",
                        [
                            (b.key, t - 1.0, now, self._clock() + _refill_s(b))
                            for b, t in zip(buckets, tokens, strict=True)
                        ],
                    )
        except sqlite3.Error as exc:
            raise StoreError(_STORE_FAILED, detail=f"SQLite: {exc}") from exc
        return denial

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._db.close()


# -- Redis -------------------------------------------------------------------------------------

# Compare-and-delete: only the holder's token releases a lease.
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS: the buckets. ARGV: now, then rate and burst for each bucket. All or nothing, like
# SqliteStore.take; returns {index of the bucket with the longest wait (0: taken), wait}.
# Numbers go back as strings: Redis would truncate a Lua number to an integer.
_TAKE_LUA = """
local now = tonumber(ARGV[1])
local tokens = {}
local worst, worst_wait = 0, 0
for i = 1, #KEYS do
  local rate, burst = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 't', 'ts')
  local t, ts = tonumber(state[1]), tonumber(state[2])
  if t == nil or ts == nil then t, ts = burst, now end
  t = math.min(burst, t + math.max(0, now - ts) * rate)
  tokens[i] = t
  if t < 1 then
    local wait = (1 - t) / rate
    if wait > worst_wait then worst, worst_wait = i, wait end
  end
end
if worst > 0 then return {worst, tostring(worst_wait)} end
for i = 1, #KEYS do
  local rate, burst = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  redis.call('HSET', KEYS[i], 't', tostring(tokens[i] - 1), 'ts', ARGV[1])
  redis.call('PEXPIRE', KEYS[i], math.ceil(burst / rate * 1000))
end
return {0, '0'}
"""


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class RedisStore:
    """The shared store. Every key starts with ``prefix``, so one Redis can serve several bots.

    Channel settings have no expiry here: run Redis with persistence (AOF or RDB) to keep them.
    """

    def __init__(self, client: aioredis.Redis, prefix: str = "precis:", *, where: str = "redis") -> None:
        self._redis = client
        self._prefix = prefix
        self._where = where
        self._release = client.register_script(_RELEASE_LUA)
        self._take = client.register_script(_TAKE_LUA)
        self._closed = False

    @classmethod
    async def connect(cls, url: str, prefix: str = "precis:") -> RedisStore:
        """Connect and check the server answers; the URL (with its password) is never logged."""
        where = redact_url(url)
        try:
            client = aioredis.Redis.from_url(url, decode_responses=True)
        except (ValueError, RedisError) as exc:
            raise StoreError(f"REDIS_URL is not a Redis URL ({where})") from exc
        store = cls(client, prefix, where=where)
        try:
            await client.ping()
        except RedisError as exc:
            await store.aclose()
            raise StoreError(f"cannot reach Redis at {where}: {type(exc).__name__}") from exc
        return store

    def _failed(self, exc: RedisError) -> StoreError:
        return StoreError(_STORE_FAILED, detail=f"Redis at {self._where}: {type(exc).__name__}")

    async def get(self, key: str) -> str | None:
        try:
            value = await self._redis.get(f"{self._prefix}c:{key}")
        except RedisError as exc:
            raise self._failed(exc) from exc
        return None if value is None else str(value)

    async def put(self, key: str, value: str, ttl_s: float) -> None:
        try:
            await self._redis.set(f"{self._prefix}c:{key}", value, px=_ms(ttl_s))
        except RedisError as exc:
            raise self._failed(exc) from exc

    async def get_settings(self, scope: str) -> str | None:
        try:
            value = await self._redis.get(f"{self._prefix}settings:{scope}")
        except RedisError as exc:
            raise self._failed(exc) from exc
        return None if value is None else str(value)

    async def put_settings(self, scope: str, value: str) -> None:
        try:
            await self._redis.set(f"{self._prefix}settings:{scope}", value)
        except RedisError as exc:
            raise self._failed(exc) from exc

    async def acquire(self, name: str, ttl_s: float) -> str | None:
        token = secrets.token_hex(8)
        try:
            taken = await self._redis.set(f"{self._prefix}lock:{name}", token, nx=True, px=_ms(ttl_s))
        except RedisError as exc:
            raise self._failed(exc) from exc
        return token if taken else None

    async def release(self, name: str, token: str) -> None:
        try:
            await self._release(keys=[f"{self._prefix}lock:{name}"], args=[token])
        except RedisError as exc:
            raise self._failed(exc) from exc

    async def take(self, buckets: Sequence[Bucket], now: float) -> Denial | None:
        args: list[str] = [repr(now)]
        for bucket in buckets:
            args += [repr(float(bucket.rate)), str(bucket.burst)]
        try:
            index, wait = await self._take(keys=[f"{self._prefix}bucket:{b.key}" for b in buckets], args=args)
        except RedisError as exc:
            raise self._failed(exc) from exc
        return None if int(index) == 0 else Denial(buckets[int(index) - 1], float(wait))

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._redis.aclose()
