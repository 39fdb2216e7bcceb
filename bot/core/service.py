"""The digest service: everything that is the same whichever chat a request came from.

An adapter turns a chat event into a ``DigestRequest`` and calls ``DigestService.summarize``,
which does, in order:

    1. the channel's settings                    trigger, points, quotes, allowed/blocked domains
    2. the domain check                          ``DomainNotAllowed``, before anything is fetched
    3. the rate limits                           ``RateLimited``: a token bucket per user and per
                                                 channel, both taken or neither
    4. the article, from the cache or read once  ``Digester.read``: fetch, extract, honesty gate
    5. the digest, from the cache or made once   ``Digester.digest_article`` in the worker pool

Steps 4 and 5 are deduplicated twice: in the process, identical requests share one asyncio task;
across processes, a lease in the store lets one process do the work while the others wait for
its result to land in the cache. A lease lasts ``LEASE_S`` and its holder renews it every
``LEASE_RENEW_S`` while it works, so a holder that died is forgotten within ``LEASE_S``.

Extraction and model work run in ``ServiceLimits.workers`` threads, never on the event loop.
Work is admitted by the wait it would have: the pool keeps a moving estimate of the seconds each
kind of job takes, and a request whose digest would be ready later than ``max_wait_s`` from now
gets ``Busy`` at once, before anything is fetched; one that will wait longer than
``NOTICE_WAIT_S`` is admitted, and its requester told how long (``on_wait``). Memory is bounded by
``queue_max_chars``: the characters of pages (from the start of their fetch, at ``fetch_chars``
until their size is known) and articles held for the workers; work past it waits its turn.

The store is an optimisation (``FailSoftStore``): when it fails, digests go on without the cache
and rate limits are this process's own; the log and the metrics say so, the replies do not.

The cache (values are JSON of the frozen dataclasses, each with a format version):

    src:{source key}   -> article key   u:{canonical_url(link)}, t:{sha256 of text}, h:{... of HTML};
                                        a fetched page is also filed under its final URL (where
                                        its own redirects led), never under the URL the page
                                        claims as canonical: that is the page's word, and a page
                                        could claim anyone's address (cache poisoning)
    art:{article key}  -> Article       key: sha256 of the fetched URL, title and text, so a page
                                        whose text changed is a new article, summarized again
    dig:{article key}:{points}:{quotes}:{model} -> the digest (key points, quotes; no article)
    posted:{platform}:{workspace}:{channel}:{u:... or a:article key} -> PostedRef

Every entry lives ``ServiceLimits.cache_ttl_s``; a link is fetched again once its ``src:`` entry
has expired. Channel settings are kept until changed.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import json
import logging
import math
import re
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal, TypeVar

from bot.config import Settings
from bot.core.errors import (
    ArticleExpired,
    BadInput,
    Busy,
    Cancelled,
    DomainNotAllowed,
    PrecisError,
    RateLimited,
    StoreError,
)
from bot.core.metrics import Metrics
from bot.core.pipeline import Digester
from bot.core.store import SQLITE_FILE, Bucket, FailSoftStore, RedisStore, SqliteStore, Store
from bot.core.strings import DEFAULT_LANGUAGE, SERVER, check_language
from bot.core.types import (
    Article,
    Digest,
    DigestOptions,
    KeyPoint,
    PageMeta,
    Quote,
    Source,
    SourceKind,
    Timings,
)
from bot.core.urls import canonical_url, domain_matches, host_of, normalize_domain, redact_url, shown_host
from models.deadline import Deadline

__all__ = [
    "LEASE_S",
    "MAX_POINTS",
    "NOTICE_WAIT_S",
    "SHUTDOWN_GRACE_S",
    "STOP_GRACE_S",
    "TELL_TIMEOUT_S",
    "ChannelSettings",
    "DigestRequest",
    "DigestService",
    "PostedRef",
    "Requester",
    "ServiceLimits",
    "ServiceResult",
    "WaitNotice",
    "article_key",
    "open_service",
    "open_store",
    "queue_notice",
    "service_limits",
    "wait_text",
]

log = logging.getLogger(__name__)

Trigger = Literal["auto", "mention"]
T = TypeVar("T")
WaitNotice = Callable[[float], Awaitable[None]]
"""Told the seconds a digest is expected to take, when that is long (``NOTICE_WAIT_S``)."""

# A digest of more points than this stops being a digest (Settings.default_points has the same cap).
MAX_POINTS = 8
# A lease is renewed every LEASE_RENEW_S while its work runs (a fetch, a wait for a worker, the
# model), so it can be short: a holder that died is forgotten, and its work taken over, within
# LEASE_S. Three renewals fit in one lease, so one late renewal (a busy machine) loses nothing.
LEASE_S = 10.0
LEASE_RENEW_S = 3.0
# How often a process waiting on another's lease looks for the result in the cache.
LEASE_POLL_S = 0.05
# A chat message is claimed for this long, and never released: Slack retries an event within
# minutes, a gateway replays one within hours.
CLAIM_TTL_S = 24 * 3600.0
# Shutting down (SIGTERM), the same for every adapter, within 10 s in all: digests in flight get
# SHUTDOWN_GRACE_S to be posted; then the model work left is stopped (``DigestService.drain``) and
# its callers get DRAIN_ANSWER_S to say so; handlers still running after STOP_GRACE_S more are
# cancelled, each telling its user within TELL_TIMEOUT_S.
SHUTDOWN_GRACE_S = 5.0
DRAIN_ANSWER_S = 2.0
STOP_GRACE_S = 1.0
TELL_TIMEOUT_S = 1.5
RESTARTING = "I'm restarting: try again in a minute"
# Bump when the JSON written to the cache changes shape: older entries then read as misses.
# 2: the TL;DR's spans, the quotes a reply shows; 3: quote confidence; 4: speaker_role, new speakers;
# 5: new speakers and confidences, other-language digests named by their scorer, new TL;DR rules
CACHE_FORMAT = 5
# ``/healthz`` waits this long for the store to answer a read.
HEALTH_TIMEOUT_S = 2.0
# A requester whose digest is expected later than this is told so first; a chat reply feels slow
# after a few seconds, and a "thinking..." that lasts half a minute looks stuck.
NOTICE_WAIT_S = 5.0
# Until the first job of each kind is timed, the worker seconds it is taken to need: extraction of
# a news page and the extractive digest on one of two shared cores (``make load``).
PRIOR_JOB_S: dict[str, float] = {"read": 0.1, "digest": 0.2}
# Weight of the latest job in the moving estimate, once twenty have been timed: about the last
# twenty count, so one slow page moves it little and a slower model shows within a few seconds.
ESTIMATE_WEIGHT = 0.05

_BOOL_WORDS = {
    "on": True,
    "yes": True,
    "true": True,
    "1": True,
    "off": False,
    "no": False,
    "false": False,
    "0": False,
}
_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*")


@dataclass(frozen=True, slots=True)
class Requester:
    platform: str
    """"discord", "slack" or "cli"."""
    workspace: str | None
    """Guild id (Discord) or team id (Slack); None in DMs."""
    channel: str
    user: str


@dataclass(frozen=True, slots=True)
class DigestRequest:
    source: Source
    requester: Requester
    points: int | None = None
    """None: the channel's setting."""
    quotes: bool | None = None
    """None: the channel's setting."""

    def asked(self, settings: ChannelSettings) -> tuple[int, bool]:
        """The key points and quotes asked for, the channel's ``settings`` where it did not say."""
        return (
            self.points if self.points is not None else settings.points,
            self.quotes if self.quotes is not None else settings.quotes,
        )


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    trigger: Trigger = "mention"
    points: int = 3
    quotes: bool = True
    allowed_domains: tuple[str, ...] = ()
    """Empty: every public domain is allowed (minus the blocked ones)."""
    blocked_domains: tuple[str, ...] = ()
    language: str = DEFAULT_LANGUAGE
    """The reply's own words (``bot.core.strings``): kept for a whole server or workspace, under
    the channel ``bot.core.strings.SERVER``; a channel's own value is not read."""


@dataclass(frozen=True, slots=True)
class PostedRef:
    """Where a digest was already posted in a channel, so a repeat can link to it."""

    message_id: str
    thread_id: str | None = None
    permalink: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceResult:
    digest: Digest
    article_key: str
    """Opaque key of the cached article: buttons (Shorter, More points, Quotes) re-render from it."""
    cached: bool
    """True when the article came from the cache (no fetch, no extraction)."""


@dataclass(frozen=True, slots=True)
class ServiceLimits:
    workers: int = 2
    """Threads doing extraction and model work; sized for the 2-core machines we run on."""
    max_wait_s: float = 30.0
    """A request whose digest would be ready later than this from now gets ``Busy``."""
    queue_max_chars: int = 64_000_000
    """Characters of pages and articles held for the workers at most; more work waits its turn."""
    fetch_chars: int = 5_000_000
    """What a page being fetched holds of ``queue_max_chars`` until its size is known (the fetch's
    own cap, FETCH_MAX_BYTES)."""
    queue_size: int | None = None
    """An extra cap, in pieces of work admitted and not done (None: none): ``Busy`` past
    ``workers`` + this. For tests and embedders that want a count; the settings use the wait."""
    lease_s: float = LEASE_S
    lease_renew_s: float = LEASE_RENEW_S
    cache_ttl_s: float = 24 * 3600
    user_rate: float = 5 / 60
    """Tokens per second refilled per user (5 a minute)."""
    user_burst: int = 5
    channel_rate: float = 20 / 60
    channel_burst: int = 20


# -- the cache's JSON: dataclasses in, dataclasses out ------------------------------------------


def article_key(article: Article) -> str:
    """Content key of an article: the same page with the same text always gets the same key.

    The page is the address it was fetched from, not its ``<link rel=canonical>`` claim."""
    meta = article.meta
    page = canonical_url(meta.url or "")
    blob = json.dumps([page, meta.title or "", article.text], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def _sha256(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _article_to_json(article: Article) -> str:
    return json.dumps(
        {
            "v": CACHE_FORMAT,
            "text": article.text,
            "extractor": article.extractor,
            "source_chars": article.source_chars,
            "meta": asdict(article.meta),
        },
        ensure_ascii=False,
    )


def _article_from_json(raw: str) -> Article | None:
    data = json.loads(raw)
    if data.get("v") != CACHE_FORMAT:
        return None
    return Article(
        text=data["text"],
        meta=PageMeta(**data["meta"]),
        extractor=data["extractor"],
        source_chars=data.get("source_chars"),
    )


def _digest_to_json(digest: Digest) -> str:
    return json.dumps({
        "v": CACHE_FORMAT,
        "tldr": digest.tldr,
        "tldr_spans": [list(s) for s in digest.tldr_spans],
        "key_points": [{"text": p.text, "spans": [list(s) for s in p.spans], "rewritten": p.rewritten}
                       for p in digest.key_points],
        "quotes": [asdict(q) for q in digest.quotes],
        "model_name": digest.model_name,
        "timings": asdict(digest.timings),
    }, ensure_ascii=False)  # fmt: skip


def _digest_from_json(raw: str, article: Article) -> Digest | None:
    data = json.loads(raw)
    if data.get("v") != CACHE_FORMAT:
        return None
    return Digest(
        article=article,
        tldr=data["tldr"],
        tldr_spans=tuple((int(s), int(e)) for s, e in data.get("tldr_spans", [])),
        key_points=tuple(
            KeyPoint(p["text"], tuple((int(s), int(e)) for s, e in p["spans"]), p.get("rewritten", False))
            for p in data["key_points"]
        ),
        quotes=tuple(
            Quote(**{**q, "shown_spans": tuple((int(s), int(e)) for s, e in q.get("shown_spans", []))})
            for q in data["quotes"]
        ),
        model_name=data["model_name"],
        timings=Timings(**data["timings"]),
    )


def _settings_to_json(settings: ChannelSettings) -> str:
    return json.dumps(asdict(settings))


def _settings_from_json(raw: str, defaults: ChannelSettings) -> ChannelSettings:
    data = json.loads(raw)
    known = {f.name for f in fields(ChannelSettings)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
    return replace(defaults, **values)


# -- validating what admins and buttons send -----------------------------------------------------


def _check_points(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_POINTS:
        raise BadInput(f"the number of points must be a whole number from 1 to {MAX_POINTS}")
    return value


def _check_bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
        return _BOOL_WORDS[value.strip().lower()]
    raise BadInput(f"{name} must be on or off")


def _check_trigger(value: object) -> Trigger:
    if isinstance(value, str) and value.strip().lower() in ("auto", "mention"):
        return "auto" if value.strip().lower() == "auto" else "mention"
    raise BadInput("the trigger must be auto (every link posted) or mention (only when asked)")


def _check_domains(name: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        items: Iterable[object] = re.split(r"[\s,]+", value)
    elif isinstance(value, Iterable):
        items = value
    else:
        raise BadInput(f"{name} must be a list of domains, like example.com, news.example.org")
    out = []
    for item in items:
        if not isinstance(item, str):
            raise BadInput(f"{name} must be a list of domains, like example.com, news.example.org")
        if not item.strip():
            continue
        domain = normalize_domain(item)
        if not _DOMAIN.fullmatch(domain) or "." not in domain:
            raise BadInput(f"{item.strip()!r} is not a domain (write it like example.com)")
        out.append(domain)
    return tuple(sorted(set(out)))


def _validated(changes: dict[str, object]) -> dict[str, object]:
    names = [f.name for f in fields(ChannelSettings)]
    out: dict[str, object] = {}
    for name, value in changes.items():
        if name == "trigger":
            out[name] = _check_trigger(value)
        elif name == "points":
            out[name] = _check_points(value)
        elif name == "quotes":
            out[name] = _check_bool("quotes", value)
        elif name in ("allowed_domains", "blocked_domains"):
            out[name] = _check_domains(name.replace("_", " "), value)
        elif name == "language":
            out[name] = check_language(value)
        else:
            raise BadInput(f"there is no setting called {name!r}; the settings are {', '.join(names)}")
    return out


def queue_notice(seconds: float) -> str:
    """What a requester is told when the digest is expected to take a while."""
    return f"I have a queue right now: your digest should be ready in about {wait_text(seconds)}."


def wait_text(seconds: float) -> str:
    """A wait as people read it, never shorter than it is: ``12.2`` -> ``13 s``, ``600`` -> ``10 min``."""
    whole = max(1, math.ceil(seconds))
    return f"{whole} s" if whole < 90 else f"{math.ceil(whole / 60)} min"


# -- structured logs: one line per request, ``event key=value ...``, values never secrets --------


def _log_value(value: object) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return json.dumps(text) if not text or re.search(r'[\s="]', text) else text


def _log_event(level: int, event: str, fields: dict[str, object]) -> None:
    if log.isEnabledFor(level):
        line = " ".join(f"{k}={_log_value(v)}" for k, v in fields.items() if v is not None)
        log.log(level, "%s %s", event, line, extra={"event": event, "fields": dict(fields)})


# -- bounded work: admission by expected wait, memory by characters held ----------------------------

Job = Literal["read", "digest"]


class _Budget:
    """At most ``cap`` characters held at once; a hold that does not fit waits, first come first
    served. Lives on the event loop."""

    def __init__(self, cap: int, gauge: Callable[[int], None]) -> None:
        self.cap = cap
        self.used = 0
        self._gauge = gauge
        self._waiters: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

    async def acquire(self, chars: int) -> int:
        """Hold ``chars`` (at most the whole cap): what is held."""
        chars = min(chars, self.cap)
        if not self._waiters and self.used + chars <= self.cap:
            self._take(chars)
            return chars
        entry = (chars, asyncio.get_running_loop().create_future())
        self._waiters.append(entry)
        try:
            await entry[1]
        except BaseException:
            if entry[1].done() and not entry[1].cancelled() and entry[1].exception() is None:
                self.release(chars)  # granted just as its waiter gave up
            elif entry in self._waiters:
                self._waiters.remove(entry)
                self._wake()  # it may have been first in line
            raise
        return chars

    def _take(self, chars: int) -> None:
        self.used += chars
        self._gauge(self.used)

    def release(self, chars: int) -> None:
        self.used -= chars
        self._gauge(self.used)
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.used + self._waiters[0][0] <= self.cap:
            chars, future = self._waiters.popleft()
            if not future.done():
                self._take(chars)
                future.set_result(None)

    def cancel_waiting(self, error: BaseException) -> None:
        while self._waiters:
            _, future = self._waiters.popleft()
            if not future.done():
                future.set_exception(error)


class _Slot:
    """One piece of admitted work (a read, or a digest): its share of the expected wait until it
    is closed, the characters it holds, and its jobs in a worker."""

    def __init__(self, pool: _WorkPool, kind: Job, cost_s: float, ready_in_s: float) -> None:
        self.kind = kind
        self.ready_in_s = ready_in_s
        """When it was admitted, how long until its digest was expected."""
        self._pool = pool
        self._cost_s = cost_s
        self._held = 0
        self._open = True

    async def hold(self, chars: int) -> None:
        """Hold ``chars`` of the pool's characters from now (waiting for them if need be)."""
        if chars > self._held:
            self._held += await self._pool.budget.acquire(chars - self._held)
        elif chars < self._held:
            self._pool.budget.release(self._held - chars)
            self._held = chars

    async def run(self, fn: Callable[[], T], *, size: int) -> tuple[T, float]:
        """``fn()`` in a worker, holding ``size`` characters meanwhile: its result and the seconds
        it waited for the worker."""
        await self.hold(size)
        try:
            return await self._pool.run(self.kind, fn)
        finally:
            await self.hold(0)

    async def offload(self, fn: Callable[[], T], *, size: int) -> T:
        """``run`` for ``Digester.read``: the result alone."""
        result, _ = await self.run(fn, size=size)
        return result

    def close(self) -> None:
        if self._open:
            self._open = False
            if self._held:
                self._pool.budget.release(self._held)
                self._held = 0
            self._pool.closed(self._cost_s)


class _WorkPool:
    """``workers`` threads for extraction and the model, and admission to them by expected wait.

    The pool learns how many worker seconds a read (extraction) and a digest take (a moving
    average of the jobs it ran), and keeps the estimated seconds of the work admitted and not done.
    A new piece of work would be ready in (that backlog + its own cost) / ``workers`` seconds;
    past ``max_wait_s``, ``admit`` raises ``Busy``. A read is admitted with the digest that will
    follow it, and that digest is then admitted without a check: a request let in is not turned
    away half-way. The executor's own queue is unbounded; what bounds it is this admission, and
    the characters the slots hold (``_Budget``).
    """

    def __init__(self, limits: ServiceLimits, metrics: Metrics) -> None:
        self._executor = ThreadPoolExecutor(max_workers=limits.workers, thread_name_prefix="precis-work")
        self._workers = limits.workers
        self._max_wait_s = limits.max_wait_s
        self._capacity = None if limits.queue_size is None else limits.workers + limits.queue_size
        self.budget = _Budget(limits.queue_max_chars, metrics.queue_chars.set)
        self._estimate_s = dict(PRIOR_JOB_S)
        self._timed = dict.fromkeys(PRIOR_JOB_S, 0)
        self._backlog_s = 0.0  # estimated worker seconds of the admitted work not yet done
        self._admitted = 0  # slots open
        self._queued = 0  # jobs in the executor, not started
        self._running = 0
        self._lock = threading.Lock()  # the job counts change in worker threads
        self._metrics = metrics
        self._closed = False
        self._gauges()

    def _cost_s(self, kind: Job) -> float:
        digest = self._estimate_s["digest"]
        return self._estimate_s["read"] + digest if kind == "read" else digest

    def expected_s(self, kind: Job = "read") -> float:
        """How long a piece of ``kind`` admitted now would take to be done."""
        return (self._backlog_s + self._cost_s(kind)) / self._workers

    def admit(self, kind: Job, *, check: bool = True) -> _Slot:
        """A slot for one read or digest; ``Busy`` when ``check`` and it would be ready too late
        (or past ``queue_size``), or when shutting down."""
        if self._closed:
            raise Busy(RESTARTING)
        cost, ready_in = self._cost_s(kind), self.expected_s(kind)
        if check:
            if self._capacity is not None and self._admitted >= self._capacity:
                raise Busy()
            if ready_in > self._max_wait_s:
                retry = max(1.0, ready_in - self._max_wait_s)
                raise Busy(f"I'm busy right now: try again in {wait_text(retry)}", retry_after_s=retry)
        self._admitted += 1
        self._backlog_s += cost
        self._gauges()
        return _Slot(self, kind, cost, ready_in)

    def closed(self, cost_s: float) -> None:
        self._admitted -= 1
        self._backlog_s = max(0.0, self._backlog_s - cost_s) if self._admitted else 0.0
        self._gauges()

    def _learn(self, kind: Job, seconds: float) -> None:
        """Move the estimate towards a job just timed: the first jobs replace the prior (a mean of
        those seen), later ones move it by ``ESTIMATE_WEIGHT``."""
        self._timed[kind] += 1
        weight = max(ESTIMATE_WEIGHT, 1 / self._timed[kind])
        old = self._estimate_s[kind]
        self._estimate_s[kind] = old + weight * (seconds - old)

    def _job_gauges(self) -> None:  # under self._lock, from any thread
        self._metrics.queue_depth.set(self._queued)
        self._metrics.workers_busy.set(self._running)

    def _gauges(self) -> None:
        with self._lock:
            self._job_gauges()
        self._metrics.expected_wait.set(round(self.expected_s(), 3))
        self._metrics.digests_per_second.set(round(self._workers / self._cost_s("read"), 3))

    async def run(self, kind: Job, fn: Callable[[], T]) -> tuple[T, float]:
        """``fn()`` in a worker: its result and the seconds it waited for the worker."""
        if self._closed:
            raise Busy(RESTARTING)
        submitted = time.perf_counter()
        times: list[float] = []  # waited, ran

        def job() -> T:
            started = time.perf_counter()
            with self._lock:
                self._queued -= 1
                self._running += 1
                self._job_gauges()
            try:
                return fn()
            finally:
                with self._lock:
                    self._running -= 1
                    self._job_gauges()
                times[:] = [started - submitted, time.perf_counter() - started]

        def done(future: Future[T]) -> None:  # in the thread that finished (or cancelled) it
            if future.cancelled():
                with self._lock:
                    self._queued -= 1
                    self._job_gauges()

        with self._lock:
            self._queued += 1
        try:
            future = self._executor.submit(job)
        except RuntimeError as exc:  # shut down between the check and here
            with self._lock:
                self._queued -= 1
            raise Busy(RESTARTING) from exc
        future.add_done_callback(done)
        self._gauges()
        try:
            result = await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            cancelling = task is not None and task.cancelling() > 0
            if future.cancelled() and self._closed and not cancelling:  # dropped by shutdown, not our caller
                raise Cancelled() from None
            raise
        finally:
            if times:
                self._learn(kind, times[1])
            self._gauges()
        return result, times[0]

    def cancel_waiting(self) -> None:
        """Shutting down: admit nothing more and drop the jobs no worker has started."""
        self._closed = True
        self.budget.cancel_waiting(Cancelled())
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def aclose(self) -> None:
        self.cancel_waiting()
        await asyncio.get_running_loop().run_in_executor(None, lambda: self._executor.shutdown(wait=True))


class _SingleFlight:
    """Identical work in this process runs once: later callers await the first caller's task
    (and are counted in ``precis_shared_total`` as they join).

    The work is a task of its own, so one caller giving up (cancelled) leaves the others served.
    """

    def __init__(self, metrics: Metrics) -> None:
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._metrics = metrics

    async def run(self, step: str, key: str, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        name = f"{step}:{key}"
        task = self._tasks.get(name)
        if task is None:
            task = asyncio.create_task(make())
            self._tasks[name] = task
            task.add_done_callback(lambda t: self._forget(name, t))
        else:
            self._metrics.shared.labels(step).inc()
        return await asyncio.shield(task)

    def _forget(self, key: str, task: asyncio.Task[Any]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if not task.cancelled():
            task.exception()  # retrieved, even when every caller has gone

    async def aclose(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclass(frozen=True, slots=True)
class _Loaded:
    article: Article
    key: str
    fetch_ms: float = 0.0
    extract_ms: float = 0.0
    cached: bool = True


def _scope(platform: str, workspace: str | None, channel: str) -> str:
    return f"{platform}:{workspace or '-'}:{channel}"


class DigestService:
    """Construct with its dependencies; every method is async and safe to call concurrently.

    Errors raised (all in ``bot.core.errors``): the pipeline's ``SourceError`` family, plus
    ``Busy`` (the digest would be ready too late; ``retry_after_s``), ``RateLimited``
    (``retry_after_s``, ``scope``), ``DomainNotAllowed``, ``ArticleExpired`` (a re-render whose
    article left the cache), ``BadInput`` (settings or points out of range) and ``StoreError``
    (only for channel settings the store cannot read or save: the cache fails soft).

    The service owns ``store`` (wrapped in a ``FailSoftStore`` unless it is one): ``aclose``
    closes it, and its worker pool.
    ``defaults`` are the settings of a channel nobody has configured; ``clock`` (wall-clock
    seconds, shared by every process on Redis) drives the rate limits.
    """

    def __init__(
        self,
        digester: Digester,
        store: Store,
        limits: ServiceLimits = ServiceLimits(),
        metrics: Metrics | None = None,
        *,
        defaults: ChannelSettings = ChannelSettings(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._digester = digester
        self._limits = limits
        self._metrics = metrics if metrics is not None else Metrics()
        self._store = store if isinstance(store, FailSoftStore) else FailSoftStore(store, self._metrics)
        self._defaults = defaults
        self._clock = clock
        self._pool = _WorkPool(limits, self._metrics)
        self._notices: set[asyncio.Task[None]] = set()
        self._flights = _SingleFlight(self._metrics)
        self._deadlines: set[Deadline] = set()
        self._in_flight = 0  # summarize / rerender calls not yet returned
        self._idle = asyncio.Event()  # set while none is in flight
        self._idle.set()
        self._draining = False
        self._closed = False

    @property
    def metrics(self) -> Metrics:
        return self._metrics

    def expected_wait_s(self) -> float:
        """How long a digest of a new link asked for now is expected to take, in seconds."""
        return self._pool.expected_s("read")

    # -- requests ------------------------------------------------------------------------------

    async def summarize(
        self,
        request: DigestRequest,
        settings: ChannelSettings | None = None,
        *,
        on_wait: WaitNotice | None = None,
    ) -> ServiceResult:
        """``settings``: the channel's, when the caller has just read them (not read again).
        ``on_wait(seconds)``: called (in a task of its own) when the digest is expected to take
        longer than ``NOTICE_WAIT_S``, so the requester can be told before it comes."""
        source = request.source
        fields: dict[str, object] = {"source": source.kind.value}
        if source.kind is SourceKind.URL:
            fields["host"] = host_of(source.value)  # never the path or query: they may hold tokens
        with self._observe("summarize", request.requester, fields) as out:
            result = await self._summarize(request, settings, on_wait)
            out.update(article=result.article_key, cached=result.cached)
            return result

    async def _summarize(
        self, request: DigestRequest, settings: ChannelSettings | None, on_wait: WaitNotice | None
    ) -> ServiceResult:
        r, source = request.requester, request.source
        if settings is None:
            settings = await self.get_settings(r.platform, r.workspace, r.channel)
        if source.kind is SourceKind.URL:
            self._check_domain(settings, source.value)
        points, quotes = request.asked(settings)
        points = _check_points(points)
        await self._take_tokens(r)
        loaded = await self._article(source, self._source_key(source), on_wait)
        if source.kind is SourceKind.URL and loaded.article.meta.url:
            self._check_domain(settings, loaded.article.meta.url)  # where redirects led
        digest = await self._digest(loaded, DigestOptions(points=points, quotes=quotes), on_wait)
        return ServiceResult(digest, loaded.key, loaded.cached)

    async def rerender(
        self,
        article_key: str,
        requester: Requester,
        *,
        points: int,
        quotes: bool,
        on_wait: WaitNotice | None = None,
    ) -> ServiceResult:
        with self._observe("rerender", requester, {"article": article_key}):
            points = _check_points(points)
            await self._take_tokens(requester)
            article = await self._load_article(article_key)
            if article is None:
                raise ArticleExpired("that article has left my cache: post the link again for a fresh digest")
            options = DigestOptions(points=points, quotes=quotes)
            digest = await self._digest(_Loaded(article, article_key), options, on_wait)
            return ServiceResult(digest, article_key, cached=True)

    @contextlib.contextmanager
    def _observe(self, kind: str, r: Requester, fields: dict[str, object]) -> Iterator[dict[str, object]]:
        """Count the request by outcome, time it, and log one line about it."""
        started = time.perf_counter()
        out: dict[str, object] = {}
        level, outcome = logging.INFO, "error"
        self._in_flight += 1
        self._idle.clear()
        try:
            if self._draining:
                raise Busy(RESTARTING)
            yield out
            outcome = "cached" if out.get("cached") else "ok"
        except PrecisError as exc:
            outcome = exc.code
            raise
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        except Exception:
            level = logging.WARNING  # the adapter's error handler logs the traceback
            raise
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()
            elapsed = time.perf_counter() - started
            self._metrics.requests.labels(kind, r.platform, outcome).inc()
            self._metrics.stage_seconds.labels("total").observe(elapsed)
            _log_event(level, kind, {
                "outcome": outcome, "platform": r.platform, "workspace": r.workspace, "channel": r.channel,
                "user": r.user, **fields, **out, "ms": round(elapsed * 1000, 1),
            })  # fmt: skip

    # -- policy: domains and rate limits ----------------------------------------------------------

    @staticmethod
    def _check_domain(settings: ChannelSettings, url: str) -> None:
        host = host_of(url)
        if host is None:
            return  # not a web address: the fetcher refuses it with the reason
        shown = shown_host(host)
        if settings.blocked_domains and domain_matches(host, settings.blocked_domains):
            raise DomainNotAllowed(f"links to {shown} aren't summarized in this channel")
        if settings.allowed_domains and not domain_matches(host, settings.allowed_domains):
            allowed = ", ".join(settings.allowed_domains)
            raise DomainNotAllowed(f"this channel only summarizes links to {allowed}, not {shown}")

    async def _take_tokens(self, r: Requester) -> None:
        limits = self._limits
        user = Bucket(f"user:{r.platform}:{r.user}", limits.user_rate, limits.user_burst)
        channel = Bucket(
            f"channel:{_scope(r.platform, r.workspace, r.channel)}", limits.channel_rate, limits.channel_burst
        )
        denial = await self._store.take([user, channel], self._clock())
        if denial is None:
            return
        wait = wait_text(denial.wait_s)
        if denial.bucket == user:
            raise RateLimited(
                f"you're going a bit fast: try again in {wait}", retry_after_s=denial.wait_s, scope="user"
            )
        raise RateLimited(
            f"this channel has asked for a lot of digests: try again in {wait}",
            retry_after_s=denial.wait_s,
            scope="channel",
        )

    # -- step 4: the article ---------------------------------------------------------------------

    @staticmethod
    def _source_key(source: Source) -> str:
        if source.kind is SourceKind.URL:
            return "u:" + canonical_url(source.value)
        if source.kind is SourceKind.TEXT:
            return "t:" + _sha256(source.value.strip())
        return "h:" + _sha256(source.url or "", source.value)

    async def _load_article(self, key: str) -> Article | None:
        raw = await self._store.get(f"art:{key}")
        return None if raw is None else _article_from_json(raw)

    async def _cached_article(self, source_key: str) -> _Loaded | None:
        key = await self._store.get(f"src:{source_key}")
        if key is None:
            return None
        article = await self._load_article(key)
        return None if article is None else _Loaded(article, key)

    async def _article(self, source: Source, source_key: str, on_wait: WaitNotice | None) -> _Loaded:
        found = await self._cached_article(source_key)
        self._metrics.cache.labels("article", "miss" if found is None else "hit").inc()
        if found is not None:
            return found

        def lookup() -> Awaitable[_Loaded | None]:
            return self._cached_article(source_key)

        def produce() -> Awaitable[_Loaded]:
            return self._read(source, source_key, on_wait)

        return await self._flights.run(
            "read", source_key, lambda: self._leased("read", source_key, lookup, produce)
        )

    async def _read(self, source: Source, source_key: str, on_wait: WaitNotice | None) -> _Loaded:
        slot = self._admit("read", on_wait)  # before the fetch: no page for a digest refused anyway
        try:
            if source.kind is SourceKind.URL:
                await slot.hold(self._limits.fetch_chars)  # the most it can be, until it is fetched
            read = await self._digester.read(source, offload=slot.offload)
        finally:
            slot.close()
        if source.kind is SourceKind.URL:
            self._metrics.stage_seconds.labels("fetch").observe(read.fetch_ms / 1000)
        self._metrics.stage_seconds.labels("extract").observe(read.extract_ms / 1000)
        article = read.article
        key = article_key(article)
        ttl = self._limits.cache_ttl_s
        await self._store.put(f"art:{key}", _article_to_json(article), ttl)
        aliases = {source_key}
        if source.kind is SourceKind.URL and article.meta.url:
            # Where the link's own redirects led: that page was fetched at that address. The
            # page's rel=canonical is only shown, never trusted as a key (see the module docstring).
            aliases.add("u:" + canonical_url(article.meta.url))
        for alias in sorted(aliases):  # after the article: whoever finds an alias finds the article
            await self._store.put(f"src:{alias}", key, ttl)
        return _Loaded(article, key, read.fetch_ms, read.extract_ms, cached=False)

    async def _leased(
        self,
        step: str,
        key: str,
        lookup: Callable[[], Awaitable[T | None]],
        produce: Callable[[], Awaitable[T]],
    ) -> T:
        """``produce()`` under the store's lease on ``step:key``, unless another process is already
        at it: then wait for its result to appear through ``lookup()``, or for its lease to end
        (it failed, or died) and try again."""
        lease, waited = f"{step}:{key}", False
        while True:
            token = await self._store.acquire(lease, self._limits.lease_s)
            if token is not None:
                renewing = asyncio.create_task(self._renew(lease, token))
                try:
                    found = await lookup()
                    return found if found is not None else await produce()
                finally:
                    renewing.cancel()
                    await self._store.release(lease, token)
            if not waited:
                waited = True
                self._metrics.lease_waits.labels(step).inc()
            await asyncio.sleep(LEASE_POLL_S)
            found = await lookup()
            if found is not None:
                return found

    async def _renew(self, lease: str, token: str) -> None:
        """Keep ``lease`` while its work runs (cancelled when the work ends)."""
        while True:
            await asyncio.sleep(self._limits.lease_renew_s)
            if not await self._store.renew(lease, token, self._limits.lease_s):
                log.warning("lease %s ran out before its work was done: another process may do it too", lease)
                return

    def _admit(self, kind: Job, on_wait: WaitNotice | None, *, check: bool = True) -> _Slot:
        """A slot in the worker pool (``Busy`` when the wait would be too long); the requester is
        told the expected wait when it is long."""
        slot = self._pool.admit(kind, check=check)
        if check and on_wait is not None and slot.ready_in_s > NOTICE_WAIT_S:
            self._metrics.wait_notices.inc()
            task = asyncio.create_task(self._tell_wait(on_wait, slot.ready_in_s))
            self._notices.add(task)
            task.add_done_callback(self._notices.discard)
        return slot

    @staticmethod
    async def _tell_wait(on_wait: WaitNotice, seconds: float) -> None:
        try:
            await on_wait(seconds)
        except Exception:  # the digest still comes; only the notice is lost
            log.exception("could not tell a requester the expected wait")

    # -- step 5: the digest ----------------------------------------------------------------------

    def _digest_key(self, key: str, options: DigestOptions) -> str:
        return f"dig:{key}:{options.points}:{int(options.quotes)}:{self._digester.model_name}"

    async def _cached_digest(self, digest_key: str, article: Article) -> Digest | None:
        raw = await self._store.get(digest_key)
        return None if raw is None else _digest_from_json(raw, article)

    async def _digest(self, loaded: _Loaded, options: DigestOptions, on_wait: WaitNotice | None) -> Digest:
        digest_key = self._digest_key(loaded.key, options)
        digest = await self._cached_digest(digest_key, loaded.article)
        self._metrics.cache.labels("digest", "miss" if digest is None else "hit").inc()
        fresh = digest is None
        if digest is None:

            def lookup() -> Awaitable[Digest | None]:
                return self._cached_digest(digest_key, loaded.article)

            def produce() -> Awaitable[Digest]:
                # An article read for this request was admitted with its digest: no second check.
                return self._run_model(digest_key, loaded.article, options, on_wait, check=loaded.cached)

            digest = await self._flights.run(
                "digest", digest_key, lambda: self._leased("digest", digest_key, lookup, produce)
            )
        # Timings say what this request spent: nothing for a stage served from the cache.
        summarize = digest.timings.summarize if fresh else 0.0
        quotes = digest.timings.quotes if fresh else 0.0
        total = round(loaded.fetch_ms + loaded.extract_ms + summarize + quotes, 1)
        timings = Timings(loaded.fetch_ms, loaded.extract_ms, summarize, quotes, total)
        return replace(digest, article=loaded.article, timings=timings)

    async def _run_model(
        self,
        digest_key: str,
        article: Article,
        options: DigestOptions,
        on_wait: WaitNotice | None,
        *,
        check: bool,
    ) -> Digest:
        slot = self._admit("digest", on_wait, check=check)
        started = time.perf_counter()
        # Its clock starts in the worker; shutdown cancels it, and the work stops at its next check.
        limit = Deadline(self._digester.timeout_s)
        self._deadlines.add(limit)
        try:
            digest, waited = await slot.run(
                lambda: self._digester.digest_article(article, options, limit=limit), size=len(article.text)
            )
        finally:
            self._deadlines.discard(limit)
            slot.close()
        self._metrics.stage_seconds.labels("queue").observe(waited)
        self._metrics.stage_seconds.labels("digest").observe(time.perf_counter() - started - waited)
        await self._store.put(digest_key, _digest_to_json(digest), self._limits.cache_ttl_s)
        return digest

    # -- channel settings ------------------------------------------------------------------------

    async def get_settings(self, platform: str, workspace: str | None, channel: str) -> ChannelSettings:
        raw = await self._store.get_settings(_scope(platform, workspace, channel))
        return self._defaults if raw is None else _settings_from_json(raw, self._defaults)

    async def reply_language(self, platform: str, workspace: str | None) -> str:
        """The reply language of a server (workspace): ``language`` of its ``SERVER`` settings; a
        DM's is the default. Words only: while the store cannot say, the default, never a failure."""
        if workspace is None:
            return self._defaults.language
        try:
            return (await self.get_settings(platform, workspace, SERVER)).language
        except StoreError:
            return self._defaults.language

    async def update_settings(
        self, platform: str, workspace: str | None, channel: str, **changes: object
    ) -> ChannelSettings:
        """Change some of a channel's settings; the others keep their values. Raises ``BadInput``
        naming the problem for an unknown setting or a value out of range; nothing is saved then."""
        values = _validated(changes)
        current = await self.get_settings(platform, workspace, channel)
        updated = replace(current, **values)  # type: ignore[arg-type]
        await self._store.put_settings(_scope(platform, workspace, channel), _settings_to_json(updated))
        changed = ",".join(sorted(values))
        _log_event(
            logging.INFO,
            "settings",
            {"platform": platform, "workspace": workspace, "channel": channel, "changed": changed},
        )
        return updated

    # -- "already summarized here" ---------------------------------------------------------------

    async def _posted_keys(self, r: Requester, url: str) -> list[str]:
        prefix = f"posted:{_scope(r.platform, r.workspace, r.channel)}"
        source_key = "u:" + canonical_url(url)
        keys = [f"{prefix}:{source_key}"]
        key = await self._store.get(f"src:{source_key}")
        if key is not None:  # the same article under another address (a redirect, an AMP copy)
            keys.append(f"{prefix}:a:{key}")
        return keys

    async def find_posted(self, requester: Requester, url: str) -> PostedRef | None:
        for key in await self._posted_keys(requester, url):
            raw = await self._store.get(key)
            if raw is not None:
                return PostedRef(**json.loads(raw))
        return None

    async def record_posted(self, requester: Requester, url: str, ref: PostedRef) -> None:
        raw = json.dumps(asdict(ref))
        for key in await self._posted_keys(requester, url):
            await self._store.put(key, raw, self._limits.cache_ttl_s)

    # -- one reply per chat message --------------------------------------------------------------

    @property
    def store(self) -> Store:
        """The shared store behind the cache (fail-soft), for state the adapters keep across
        processes, such as the hash of Discord's synced commands."""
        return self._store

    async def claim_message(self, platform: str, channel: str, message_id: str) -> bool:
        """True for the first caller, in any process on this store, to claim this chat message;
        False for every later one (Slack's retries, a gateway replay, another process), which
        then does nothing. Claimed for ``CLAIM_TTL_S``, never released."""
        return (
            await self._store.acquire(f"message:{platform}:{channel}:{message_id}", CLAIM_TTL_S) is not None
        )

    async def drain(self, grace_s: float, *, answer_s: float = DRAIN_ANSWER_S) -> None:
        """Shutting down: take no new requests (``Busy``), give those in flight ``grace_s`` to
        finish, then stop the model work still running or queued. Its callers get ``Cancelled``
        (so the person who asked is told, not left waiting); they have ``answer_s`` more to say so.
        """
        self._draining = True
        await self._wait_idle(grace_s)
        if self._in_flight:
            log.warning("shutdown: stopping %d request(s) still in flight", self._in_flight)
        for limit in list(self._deadlines):
            limit.cancel()
        self._pool.cancel_waiting()
        await self._wait_idle(answer_s)

    async def store_reachable(self) -> bool:
        """Whether the store answers one read within ``HEALTH_TIMEOUT_S`` (``/healthz``). Never
        raises. It asks through the fail-soft wrapper, whose state it sets: an answer here puts
        the cache back in use at once, a failure takes it out (the log says so once)."""
        return await self._store.probe(HEALTH_TIMEOUT_S)

    async def _wait_idle(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), seconds)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        for limit in list(self._deadlines):  # running model work stops at its next check
            limit.cancel()
        for task in list(self._notices):
            task.cancel()
        await self._flights.aclose()
        await self._pool.aclose()
        await self._store.aclose()


# -- wiring: settings -> store -> service ----------------------------------------------------------


def service_limits(settings: Settings) -> ServiceLimits:
    return ServiceLimits(
        workers=settings.workers,
        max_wait_s=settings.queue_max_wait_s,
        queue_max_chars=settings.queue_max_mb * 1_000_000,
        fetch_chars=settings.fetch_max_bytes,
        cache_ttl_s=settings.cache_ttl_s,
        user_rate=settings.user_rate_per_min / 60,
        user_burst=settings.user_burst,
        channel_rate=settings.channel_rate_per_min / 60,
        channel_burst=settings.channel_burst,
    )


async def open_store(settings: Settings) -> Store:
    """Redis when ``REDIS_URL`` is set, else SQLite in ``DATA_DIR`` (created on first start)."""
    if settings.redis_url is not None:
        url = settings.redis_url.get_secret_value()
        store: Store = await RedisStore.connect(url)
        _log_event(logging.INFO, "store", {"backend": "redis", "url": redact_url(url)})
    else:
        path = settings.data_dir / SQLITE_FILE
        store = await SqliteStore.open(path)
        _log_event(logging.INFO, "store", {"backend": "sqlite", "path": path})
    return store


@contextlib.asynccontextmanager
async def open_service(settings: Settings, digester: Digester) -> AsyncIterator[DigestService]:
    """The service the adapters share, on the store the settings name. Closed (store, pool) on
    leaving. Its metrics are served by the caller (``bot.core.health``)."""
    store = await open_store(settings)
    service = DigestService(
        digester,
        store,
        service_limits(settings),
        Metrics(),
        defaults=ChannelSettings(points=settings.default_points),
    )
    try:
        yield service
    finally:
        await service.aclose()
