"""Where the digest service keeps its state: one small interface, two backends, and the wrapper
that makes either of them an optimisation.

``SqliteStore``    the embedded default, two files under ``DATA_DIR`` (``:memory:`` in tests), each
                   created with its schema on first open and migrated by ``PRAGMA user_version``:
                   ``precis.sqlite3``   the cache, leases and rate limits: all of it can be rebuilt
                   ``channels.sqlite3`` channel settings: the only state that matters, and small
``RedisStore``     with ``REDIS_URL`` set: shared by every bot process (Discord shards, Slack
                   replicas), so they share one cache, one set of leases and one set of limits.
``FailSoftStore``  what the service talks to, around either: when the backend fails, digests go on
                   without it (see its docstring for what each operation falls back to).

Both backends keep the same four kinds of state, as text the service serialises (JSON, never
pickles):

    cache entries      key -> value, each with a time to live
    channel settings   one value per channel, kept until changed
    leases             a name, a holder's token and a time to live, renewed by the holder while it
                       works, so one process at a time does a piece of work and a holder that died
                       is forgotten when its lease runs out
    token buckets      rate-limit counters, several checked and taken in one atomic step

A failure of the backend itself (Redis down, a full disk, a read-only file) is raised as
``StoreError``. A damaged cache file ("malformed", "not a database"), found at open or by any
operation, is moved aside as ``precis.sqlite3.corrupt-<time>`` and a fresh one is created: only a
cache is lost. A damaged ``channels.sqlite3`` is never touched: ``StoreError`` names it, to be
restored from a backup (README, "Backups").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import aiosqlite
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from bot.core.errors import StoreError
from bot.core.metrics import Metrics
from bot.core.urls import redact_url

__all__ = [
    "SCHEMA_VERSION",
    "SETTINGS_FILE",
    "SIDE_FILES",
    "SQLITE_FILE",
    "Bucket",
    "Denial",
    "FailSoftStore",
    "MemoryStore",
    "RedisStore",
    "SqliteStore",
    "Store",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

SQLITE_FILE = "precis.sqlite3"
SETTINGS_FILE = "channels.sqlite3"
# What SQLite keeps beside a database file; moved aside with it, or a fresh file would inherit them.
SIDE_FILES = ("-wal", "-shm", "-journal")


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
        """Take the lease ``name`` for ``ttl_s`` seconds: a token to renew and release it with, or
        None when someone else holds it."""
        ...

    async def renew(self, name: str, token: str, ttl_s: float) -> bool:
        """Hold the lease ``ttl_s`` seconds more from now; False when it is no longer ours (it
        expired, and may have gone to someone else)."""
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


# -- in this process -------------------------------------------------------------------------------

# Expired entries are harmless (every read checks the time), so sweeping them now and then is enough.
PURGE_EVERY_S = 600.0


class MemoryStore:
    """The store in this process's memory: what ``FailSoftStore`` falls back to for leases and rate
    limits while the backend fails (nothing is shared with other processes then)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._cache: dict[str, tuple[str, float]] = {}
        self._settings: dict[str, str] = {}
        self._leases: dict[str, tuple[str, float]] = {}
        self._buckets: dict[str, tuple[float, float, float]] = {}  # tokens, updated, expires
        self._last_purge = clock()

    def _purge(self, now: float) -> None:
        if now - self._last_purge < PURGE_EVERY_S:
            return
        self._last_purge = now
        self._cache = {k: v for k, v in self._cache.items() if v[1] > now}
        self._leases = {k: v for k, v in self._leases.items() if v[1] > now}
        self._buckets = {k: v for k, v in self._buckets.items() if v[2] > now}

    async def get(self, key: str) -> str | None:
        found = self._cache.get(key)
        return found[0] if found is not None and found[1] > self._clock() else None

    async def put(self, key: str, value: str, ttl_s: float) -> None:
        now = self._clock()
        self._purge(now)
        self._cache[key] = (value, now + ttl_s)

    async def get_settings(self, scope: str) -> str | None:
        return self._settings.get(scope)

    async def put_settings(self, scope: str, value: str) -> None:
        self._settings[scope] = value

    async def acquire(self, name: str, ttl_s: float) -> str | None:
        now = self._clock()
        self._purge(now)
        held = self._leases.get(name)
        if held is not None and held[1] > now:
            return None
        token = secrets.token_hex(8)
        self._leases[name] = (token, now + ttl_s)
        return token

    async def renew(self, name: str, token: str, ttl_s: float) -> bool:
        now = self._clock()
        held = self._leases.get(name)
        if held is None or held[0] != token or held[1] <= now:
            return False
        self._leases[name] = (token, now + ttl_s)
        return True

    async def release(self, name: str, token: str) -> None:
        held = self._leases.get(name)
        if held is not None and held[0] == token:
            del self._leases[name]

    async def take(self, buckets: Sequence[Bucket], now: float) -> Denial | None:
        self._purge(self._clock())
        tokens = []
        for bucket in buckets:
            state = self._buckets.get(bucket.key)
            tokens.append(float(bucket.burst) if state is None else _refill(state[0], state[1], now, bucket))
        denial = _worst(buckets, tokens)
        if denial is None:
            for bucket, t in zip(buckets, tokens, strict=True):
                self._buckets[bucket.key] = (t - 1.0, now, self._clock() + _refill_s(bucket))
        return denial

    async def aclose(self) -> None:
        pass


# -- SQLite ------------------------------------------------------------------------------------

SCHEMA_VERSION = 2
# What a person is told when the store fails mid-request; the backend and its error go to the log.
_STORE_FAILED = "my cache is not answering right now: try again in a minute"

# One entry per schema version of precis.sqlite3: the statements that take it from version i to
# i + 1. Append to migrate; never edit an entry that has shipped.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL)",
        "CREATE INDEX cache_expires ON cache (expires)",
        "CREATE TABLE channel_settings (scope TEXT PRIMARY KEY, value TEXT NOT NULL, updated REAL NOT NULL)",
        "CREATE TABLE locks (name TEXT PRIMARY KEY, token TEXT NOT NULL, expires REAL NOT NULL)",
        "CREATE TABLE buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, updated REAL NOT NULL, "
        "expires REAL NOT NULL)",
    ),
    # 2: channel settings live in channels.sqlite3 (copied there first, by SqliteStore.open).
    ("DROP TABLE channel_settings",),
)
assert len(MIGRATIONS) == SCHEMA_VERSION
# The same for channels.sqlite3.
SETTINGS_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    ("CREATE TABLE channel_settings (scope TEXT PRIMARY KEY, value TEXT NOT NULL, updated REAL NOT NULL)",),
)

# Another process holding the write lock (a migration, a bucket update) is waited for this long.
BUSY_TIMEOUT_MS = 5000
_DAMAGED_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


class _Damaged(sqlite3.DatabaseError):
    """``PRAGMA quick_check`` found a damaged file."""


def _is_damaged(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, _Damaged) or (code is not None and code & 0xFF in _DAMAGED_CODES)


class _Db:
    """One SQLite file on one aiosqlite connection: one statement or transaction at a time."""

    def __init__(self, conn: aiosqlite.Connection, path: str, inode: int | None) -> None:
        self.conn = conn
        self.path = path
        self.inode = inode
        self.lock = asyncio.Lock()
        self.closed = False

    @classmethod
    async def open(cls, path: str) -> _Db:
        """Connect and check the file: ``_Damaged`` (or SQLite's own error) when it is not sound."""
        in_memory = path == ":memory:"
        if not in_memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        inode = None if in_memory else os.stat(path).st_ino
        db = cls(conn, path, inode)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not in_memory:
                await conn.execute("PRAGMA journal_mode = WAL")
                await conn.execute("PRAGMA synchronous = NORMAL")
            # Reads every page once (about 0.1 s for 100 MB): damage is found now, not mid-request.
            verdict = await db.scalar("PRAGMA quick_check(1)")
            if verdict != "ok":
                raise _Damaged(f"quick_check: {verdict}")
        except BaseException:
            await db.aclose()
            raise
        return db

    async def migrate(self, migrations: Sequence[Sequence[str]], *, before: int | None = None) -> int:
        """Bring the file to ``len(migrations)``; the version it was at. A newer file is refused."""
        latest = len(migrations)
        async with self.transaction():
            version = int(await self.scalar("PRAGMA user_version") or 0)
            if version > latest:
                raise StoreError(
                    f"{self.path} is at schema version {version}, newer than this bot's {latest}: "
                    "upgrade the bot, or point DATA_DIR elsewhere"
                )
            for target in range(version, latest):
                for statement in migrations[target]:
                    await self.conn.execute(statement)
                await self.conn.execute(f"PRAGMA user_version = {target + 1}")
        return version

    async def scalar(self, sql: str, params: Sequence[object] = ()) -> object:
        async with self.conn.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return None if row is None else row[0]

    async def rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        async with self.conn.execute(sql, params) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self.lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            with contextlib.suppress(sqlite3.Error, ValueError):
                await self.conn.close()


def _move_aside(path: Path, now: float, damage: BaseException) -> None:
    """Rename the damaged cache file ``path`` (and its side files) to ``<name>.corrupt-<UTC time>``,
    and log it."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    for suffix in SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    log.error(
        "store: %s is damaged (%s): moved it aside to %s and started an empty cache; "
        "channel settings are kept in %s",
        path, damage, target.name, SETTINGS_FILE,
    )  # fmt: skip


class SqliteStore:
    """The embedded store: the cache file and the channels file, each on its own connection, each
    operation one short transaction.

    Several processes may share the files (leases and buckets use ``BEGIN IMMEDIATE``), but the
    intended deployment is one bot process; use Redis for more.
    """

    def __init__(self, cache: _Db, settings: _Db, clock: Callable[[], float] = time.time) -> None:
        self._cache = cache
        self._settings = settings
        self._clock = clock
        self._rebuild = cache.path != ":memory:"  # until a replacement fails
        self._last_purge = clock()
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: Path | str,
        clock: Callable[[], float] = time.time,
        *,
        settings_path: Path | str | None = None,
    ) -> SqliteStore:
        """Open (creating the folder, the files and their schema on first start) and migrate.

        ``settings_path``: the channels file, by default ``channels.sqlite3`` beside ``path``
        (``:memory:`` beside ``:memory:``). A damaged cache file is moved aside and started afresh;
        a damaged channels file is ``StoreError``."""
        cache_path = str(path)
        if settings_path is None:
            settings_path = ":memory:" if cache_path == ":memory:" else Path(path).with_name(SETTINGS_FILE)
        try:
            settings = await _Db.open(str(settings_path))
        except sqlite3.DatabaseError as exc:
            if not _is_damaged(exc):
                raise StoreError(f"cannot open the database {settings_path}: {exc}") from exc
            log.error("store: the channel settings file %s is damaged (%s)", settings_path, exc)
            raise StoreError(
                f"{settings_path} (the channel settings) is damaged: restore it from a backup (README, "
                "Backups), or move it aside to start with every channel on the defaults"
            ) from exc
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database {settings_path}: {exc}") from exc
        try:
            await settings.migrate(SETTINGS_MIGRATIONS)
            cache = await cls._open_cache(cache_path, clock)
        except BaseException:
            await settings.aclose()
            raise
        store = cls(cache, settings, clock)
        try:
            await store._migrate()
        except BaseException:
            await store.aclose()
            raise
        return store

    @staticmethod
    async def _open_cache(path: str, clock: Callable[[], float]) -> _Db:
        """The cache file, opened; a damaged one is moved aside and a fresh one made in its place."""
        try:
            try:
                return await _Db.open(path)
            except sqlite3.DatabaseError as exc:
                if path == ":memory:" or not _is_damaged(exc):
                    raise
                _move_aside(Path(path), clock(), exc)
                return await _Db.open(path)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc

    async def _migrate(self) -> None:
        moving: list[tuple[object, ...]] = []
        async with self._cache.lock:
            if await self._cache.scalar("PRAGMA user_version") == 1:  # settings lived here until 2
                moving = await self._cache.rows("SELECT scope, value, updated FROM channel_settings")
        if moving:
            async with self._settings.transaction():
                await self._settings.conn.executemany(
                    "INSERT OR IGNORE INTO channel_settings (scope, value, updated) VALUES (?, ?, ?)", moving
                )
            log.info("store: moved %d channel settings to %s", len(moving), SETTINGS_FILE)
        await self._cache.migrate(MIGRATIONS)

    async def schema_version(self) -> int:
        async with self._cache.lock:
            return int(await self._cache.scalar("PRAGMA user_version") or 0)

    async def _on_cache(self, op: Callable[[_Db], Awaitable[T]]) -> T:
        """``op`` on the cache file. If the file turns out damaged, it is moved aside, a fresh one
        made, and ``op`` tried once more there; any other failure is ``StoreError``."""
        for attempt in range(2):
            db = self._cache
            try:
                return await op(db)
            except (sqlite3.Error, ValueError) as exc:  # ValueError: aiosqlite's closed connection
                if db is not self._cache:  # replaced while this one waited: try the fresh file
                    continue
                if isinstance(exc, ValueError) and not db.closed:
                    raise
                damaged = isinstance(exc, sqlite3.Error) and _is_damaged(exc)
                if attempt or not (damaged and self._rebuild):
                    raise StoreError(_STORE_FAILED, detail=f"SQLite: {exc}") from exc
                await self._replace_damaged(db, exc)  # type: ignore[arg-type]
        raise StoreError(_STORE_FAILED, detail="SQLite: the cache file was replaced twice")

    async def _replace_damaged(self, db: _Db, exc: sqlite3.Error) -> None:
        async with db.lock:
            if self._cache is not db:  # another operation has replaced it already
                return
            await db.aclose()
            path = Path(db.path)
            try:
                if os.stat(path).st_ino == db.inode:  # not already replaced by another process
                    _move_aside(path, self._clock(), exc)
                fresh = await _Db.open(str(path))
                await fresh.migrate(MIGRATIONS)
            except (OSError, sqlite3.Error, StoreError) as failed:
                self._rebuild = False  # once: the log says so, and the service goes on without a cache
                log.error("store: could not replace the damaged %s: %s; running without it", path, failed)
                raise StoreError(_STORE_FAILED, detail=f"SQLite: {exc}") from failed
            self._cache = fresh

    async def get(self, key: str) -> str | None:
        async def op(db: _Db) -> object:
            async with db.lock:
                return await db.scalar(
                    "SELECT value FROM cache WHERE key = ? AND expires > ?", (key, self._clock())
                )

        value = await self._on_cache(op)
        return None if value is None else str(value)

    async def put(self, key: str, value: str, ttl_s: float) -> None:
        now = self._clock()

        async def op(db: _Db) -> None:
            async with db.lock:
                await db.conn.execute(
                    "INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires",
                    (key, value, now + ttl_s),
                )
                if now - self._last_purge >= PURGE_EVERY_S:
                    self._last_purge = now
                    for table in ("cache", "locks", "buckets"):
                        await db.conn.execute(f"DELETE FROM {table} WHERE expires <= ?", (now,))

        await self._on_cache(op)

    @contextlib.asynccontextmanager
    async def _on_settings(self) -> AsyncIterator[_Db]:
        """The channels file, locked; any failure there is ``StoreError`` (a damaged file is logged,
        never replaced: it is restored from a backup)."""
        db = self._settings
        try:
            async with db.lock:
                yield db
        except (sqlite3.Error, ValueError) as exc:  # ValueError: aiosqlite's closed connection
            if isinstance(exc, ValueError) and not db.closed:
                raise
            if _is_damaged(exc):
                log.error(
                    "store: the channel settings file %s is damaged (%s): restore it from a backup "
                    "(README, Backups)",
                    db.path, exc,
                )  # fmt: skip
            raise StoreError(_STORE_FAILED, detail=f"SQLite ({SETTINGS_FILE}): {exc}") from exc

    async def get_settings(self, scope: str) -> str | None:
        async with self._on_settings() as db:
            value = await db.scalar("SELECT value FROM channel_settings WHERE scope = ?", (scope,))
        return None if value is None else str(value)

    async def put_settings(self, scope: str, value: str) -> None:
        async with self._on_settings() as db:
            await db.conn.execute(
                "INSERT INTO channel_settings (scope, value, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (scope) DO UPDATE SET value = excluded.value, updated = excluded.updated",
                (scope, value, self._clock()),
            )

    async def acquire(self, name: str, ttl_s: float) -> str | None:
        token = secrets.token_hex(8)

        async def op(db: _Db) -> bool:
            now = self._clock()
            async with db.transaction():
                await db.conn.execute("DELETE FROM locks WHERE name = ? AND expires <= ?", (name, now))
                cursor = await db.conn.execute(
                    "INSERT OR IGNORE INTO locks (name, token, expires) VALUES (?, ?, ?)",
                    (name, token, now + ttl_s),
                )
                taken = cursor.rowcount == 1
                await cursor.close()
            return taken

        return token if await self._on_cache(op) else None

    async def renew(self, name: str, token: str, ttl_s: float) -> bool:
        async def op(db: _Db) -> bool:
            now = self._clock()
            async with db.lock:
                cursor = await db.conn.execute(
                    "UPDATE locks SET expires = ? WHERE name = ? AND token = ? AND expires > ?",
                    (now + ttl_s, name, token, now),
                )
                renewed = cursor.rowcount == 1
                await cursor.close()
            return renewed

        return await self._on_cache(op)

    async def release(self, name: str, token: str) -> None:
        async def op(db: _Db) -> None:
            async with db.lock:
                await db.conn.execute("DELETE FROM locks WHERE name = ? AND token = ?", (name, token))

        await self._on_cache(op)

    async def take(self, buckets: Sequence[Bucket], now: float) -> Denial | None:
        async def op(db: _Db) -> Denial | None:
            async with db.transaction():
                tokens = []
                for bucket in buckets:
                    async with db.conn.execute(
                        "SELECT tokens, updated FROM buckets WHERE key = ?", (bucket.key,)
                    ) as cursor:
                        row = await cursor.fetchone()
                    full = float(bucket.burst)
                    tokens.append(full if row is None else _refill(row[0], row[1], now, bucket))
                denial = _worst(buckets, tokens)
                if denial is None:
                    await db.conn.executemany(
                        "INSERT INTO buckets (key, tokens, updated, expires) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, "
                        "updated = excluded.updated, expires = excluded.expires",
                        [
                            (b.key, t - 1.0, now, self._clock() + _refill_s(b))
                            for b, t in zip(buckets, tokens, strict=True)
                        ],
                    )
            return denial

        return await self._on_cache(op)

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._cache.aclose()
            await self._settings.aclose()


# -- Redis -------------------------------------------------------------------------------------

# Compare-and-delete, compare-and-extend: only the holder's token releases or renews a lease.
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RENEW_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
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


# Connections to Redis at most: a burst of requests waits (up to OP_TIMEOUT_S) for one of these
# rather than opening hundreds, or failing when a non-blocking pool runs out.
REDIS_CONNECTIONS = 32


class RedisStore:
    """The shared store. Every key starts with ``prefix``, so one Redis can serve several bots.

    Channel settings have no expiry here: run Redis with persistence (AOF or RDB) to keep them.
    """

    def __init__(self, client: aioredis.Redis, prefix: str = "precis:", *, where: str = "redis") -> None:
        self._redis = client
        self._prefix = prefix
        self._where = where
        self._release = client.register_script(_RELEASE_LUA)
        self._renew = client.register_script(_RENEW_LUA)
        self._take = client.register_script(_TAKE_LUA)
        self._closed = False

    @classmethod
    async def connect(cls, url: str, prefix: str = "precis:") -> RedisStore:
        """Connect and check the server answers; the URL (with its password) is never logged."""
        where = redact_url(url)
        try:
            pool = aioredis.BlockingConnectionPool.from_url(
                url, decode_responses=True, max_connections=REDIS_CONNECTIONS, timeout=OP_TIMEOUT_S
            )
            client = aioredis.Redis.from_pool(pool)
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
        return StoreError(_STORE_FAILED, detail=f"Redis at {self._where}: {type(exc).__name__}: {exc}")

    async def _call(self, work: Awaitable[T]) -> T:
        """``work``'s answer; a ``RedisError`` becomes ``StoreError``."""
        try:
            return await work
        except RedisError as exc:
            raise self._failed(exc) from exc

    async def get(self, key: str) -> str | None:
        value = await self._call(self._redis.get(f"{self._prefix}c:{key}"))
        return None if value is None else str(value)

    async def put(self, key: str, value: str, ttl_s: float) -> None:
        await self._call(self._redis.set(f"{self._prefix}c:{key}", value, px=_ms(ttl_s)))

    async def get_settings(self, scope: str) -> str | None:
        value = await self._call(self._redis.get(f"{self._prefix}settings:{scope}"))
        return None if value is None else str(value)

    async def put_settings(self, scope: str, value: str) -> None:
        await self._call(self._redis.set(f"{self._prefix}settings:{scope}", value))

    async def acquire(self, name: str, ttl_s: float) -> str | None:
        token = secrets.token_hex(8)
        taken = await self._call(self._redis.set(f"{self._prefix}lock:{name}", token, nx=True, px=_ms(ttl_s)))
        return token if taken else None

    async def renew(self, name: str, token: str, ttl_s: float) -> bool:
        renewed = await self._call(self._renew(keys=[f"{self._prefix}lock:{name}"], args=[token, _ms(ttl_s)]))
        return int(renewed) == 1

    async def release(self, name: str, token: str) -> None:
        await self._call(self._release(keys=[f"{self._prefix}lock:{name}"], args=[token]))

    async def take(self, buckets: Sequence[Bucket], now: float) -> Denial | None:
        args: list[str] = [repr(now)]
        for bucket in buckets:
            args += [repr(float(bucket.rate)), str(bucket.burst)]
        index, wait = await self._call(
            self._take(keys=[f"{self._prefix}bucket:{b.key}" for b in buckets], args=args)
        )
        return None if int(index) == 0 else Denial(buckets[int(index) - 1], float(wait))

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._redis.aclose()


# -- the store as an optimisation ------------------------------------------------------------------

# A backend operation that has not answered in this long has failed (a frozen Redis, a disk that
# hangs); one takes about a millisecond. SQLite waits up to BUSY_TIMEOUT_MS for another process's
# write lock, so its operations get that long and a second more.
OP_TIMEOUT_S = 2.0
SQLITE_OP_TIMEOUT_S = BUSY_TIMEOUT_MS / 1000 + 1.0
# An unreachable backend is not asked again for this long; then one caller asks, the rest skip it.
RETRY_S = 5.0
# A write that keeps failing while reads work (a full disk) is logged at most this often.
LOG_EVERY_S = 60.0
# The settings of a channel this process has never read, while the backend cannot be read.
_SETTINGS_UNKNOWN = "I can't read this channel's settings right now: try again in a minute"
# What a probe reads (never written): the answer does not matter, only that there is one.
PROBE_KEY = "healthz"
# A token for a lease held in this process only, while the backend fails.
_LOCAL = "local:"


class FailSoftStore:
    """The backend as an optimisation: while it fails, digests go on without it, and the reply
    says nothing of it (the log and ``precis_store_errors_total`` do). Operation by operation:

        get             the backend's value, or None: a miss, so the work is done again
        put             to the backend, or nowhere
        get_settings    the backend's value, remembered here; while it fails, the value this process
                        last read or wrote, else ``StoreError`` (a channel's allowed and blocked
                        domains are never guessed)
        put_settings    to the backend, or ``StoreError``: an admin is told the change was not saved
        acquire, renew, release   the backend's lease; while it fails, one in this process
        take            the backend's buckets; while it fails, buckets in this process

    A failed read, or any operation past ``timeout_s`` (``OP_TIMEOUT_S``; for SQLite
    ``SQLITE_OP_TIMEOUT_S``), marks the backend unreachable
    (``precis_store_up`` 0): it is not asked again for ``RETRY_S``, then one caller asks (the
    others still go without) until it answers. A write that fails while reads work (a full Redis
    or disk, a read-only file) fails alone, logged at most once a ``LOG_EVERY_S``.
    """

    def __init__(
        self,
        backend: Store,
        metrics: Metrics,
        *,
        timeout_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self._metrics = metrics
        if timeout_s is None:
            timeout_s = SQLITE_OP_TIMEOUT_S if isinstance(backend, SqliteStore) else OP_TIMEOUT_S
        self._timeout_s = timeout_s
        self._clock = clock
        self._local = MemoryStore()
        self._settings: dict[str, str | None] = {}
        self._down_until: float | None = None  # set while unreachable: when to ask again
        self._asking = False  # one caller asks an unreachable backend at a time
        self._logged: dict[str, float] = {}
        metrics.store_up.set(1)

    @property
    def reachable(self) -> bool:
        """False from a failed read (or a timeout) until the backend answers again."""
        return self._down_until is None

    async def probe(self, timeout_s: float) -> bool:
        """Ask the backend now (one read, within ``timeout_s``), whatever its state: whether it
        answers. Never raises; ``/healthz`` asks this way."""
        try:
            async with asyncio.timeout(timeout_s):
                await self.backend.get(PROBE_KEY)
        except Exception as exc:  # a probe reports; it never fails
            self._failed("probe", exc, read=True)
            return False
        self._answered()
        return True

    # -- the state -------------------------------------------------------------------------------

    def _skip(self) -> bool:
        """Whether to go without the backend for this operation (it is unreachable, and it is not
        yet time to ask, or another caller is asking)."""
        if self._down_until is None:
            return False
        if self._asking or self._clock() < self._down_until:
            return True
        self._asking = True
        return False

    def _answered(self) -> None:
        self._asking = False
        if self._down_until is not None:
            self._down_until = None
            self._metrics.store_up.set(1)
            log.warning("store: the %s answers again: the cache and shared rate limits are back", self._name)

    def _failed(self, op: str, exc: BaseException, *, read: bool) -> None:
        self._asking = False
        self._metrics.store_errors.labels(op).inc()
        timeout = isinstance(exc, TimeoutError)
        if timeout:
            why = f"no answer within {self._timeout_s:g} s"
        else:
            why = (
                (exc.detail or exc.message) if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
            )
        if read or timeout or self._down_until is not None:
            first = self._down_until is None
            self._down_until = self._clock() + RETRY_S
            self._metrics.store_up.set(0)
            if first:
                log.error(
                    "store: the %s is not answering (%s): digests go on without the cache, and rate "
                    "limits are this process's own, until it answers",
                    self._name, why,
                )  # fmt: skip
            return
        now = self._clock()
        if now - self._logged.get(op, -LOG_EVERY_S) >= LOG_EVERY_S:
            self._logged[op] = now
            log.warning("store: %s failed (%s): going on without it", op, why)

    @property
    def _name(self) -> str:
        if isinstance(self.backend, RedisStore):
            return "Redis"
        return "SQLite database" if isinstance(self.backend, SqliteStore) else "store"

    async def _call(self, op: str, work: Awaitable[T], *, read: bool) -> tuple[bool, T | None]:
        """``(True, result)`` when the backend answered, ``(False, None)`` when it failed."""
        try:
            async with asyncio.timeout(self._timeout_s):
                result = await work
        except (StoreError, TimeoutError) as exc:
            self._failed(op, exc, read=read)
            return False, None
        self._answered()
        return True, result

    # -- the operations --------------------------------------------------------------------------

    async def get(self, key: str) -> str | None:
        if self._skip():
            return None
        _, value = await self._call("get", self.backend.get(key), read=True)
        return value

    async def put(self, key: str, value: str, ttl_s: float) -> None:
        if not self._skip():
            await self._call("put", self.backend.put(key, value, ttl_s), read=False)

    async def get_settings(self, scope: str) -> str | None:
        if not self._skip():
            ok, value = await self._call("get_settings", self.backend.get_settings(scope), read=True)
            if ok:
                self._settings[scope] = value
                return value
        if scope in self._settings:
            return self._settings[scope]
        raise StoreError(_SETTINGS_UNKNOWN)

    async def put_settings(self, scope: str, value: str) -> None:
        if self._skip():
            raise StoreError(_STORE_FAILED)
        ok, _ = await self._call("put_settings", self.backend.put_settings(scope, value), read=False)
        if not ok:
            raise StoreError(_STORE_FAILED)
        self._settings[scope] = value

    async def acquire(self, name: str, ttl_s: float) -> str | None:
        if not self._skip():
            ok, token = await self._call("acquire", self.backend.acquire(name, ttl_s), read=False)
            if ok:
                return token
        local = await self._local.acquire(name, ttl_s)
        return None if local is None else _LOCAL + local

    async def renew(self, name: str, token: str, ttl_s: float) -> bool:
        if token.startswith(_LOCAL):
            return await self._local.renew(name, token.removeprefix(_LOCAL), ttl_s)
        if self._skip():
            return True  # the backend's copy runs out by itself; the work goes on
        ok, renewed = await self._call("renew", self.backend.renew(name, token, ttl_s), read=False)
        return bool(renewed) if ok else True

    async def release(self, name: str, token: str) -> None:
        if token.startswith(_LOCAL):
            await self._local.release(name, token.removeprefix(_LOCAL))
        elif not self._skip():
            await self._call("release", self.backend.release(name, token), read=False)

    async def take(self, buckets: Sequence[Bucket], now: float) -> Denial | None:
        if not self._skip():
            ok, denial = await self._call("take", self.backend.take(buckets, now), read=False)
            if ok:
                return denial
        return await self._local.take(buckets, now)

    async def aclose(self) -> None:
        await self.backend.aclose()
