"""``make load``: a burst of ``/summarize`` requests against the real ``precis slack --http``.

Everything runs on 127.0.0.1: the real bot in a process of its own (the packaged model, SQLite in
a temporary ``DATA_DIR``), a mock Slack Web API (``SLACK_API_URL``) that records what the bot
posts, and an article server with the English pages of ``extraction/dev.jsonl`` in the evaluation
data (the bundled sample article when there is none), each link a distinct article. Signed slash
commands go ``CONCURRENCY`` at a time (the next one as soon as one of those has its answer), each
from a different user, all in one channel; the rate limits are raised out of the way, so this
measures acknowledgement, admission and the work.

For each run (a fresh, cold bot per run): the time to acknowledge each command (p50, p99, max;
Slack wants it within 3 s), how many got a digest, how many were told "busy", how many were told
something else (with the reasons), how many were told the expected wait first, the time until
the last answer, and the bot's RSS once ready and at its peak. Reports numbers; asserts nothing
about time.

    python -m bench.load [--links 20 200] [--concurrency 50] [--eval-dir ../shared/eval] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import hashlib
import hmac
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web

__all__ = ["LoadResult", "main", "measure"]

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = REPO.parent / "shared" / "eval"
SAMPLE_HTML = REPO / "samples" / "article.html"
SECRET = "load-bench-signing-secret"
BOT_TOKEN = "xoxb-load-bench"
TEAM, CHANNEL = "TLOAD", "CLOAD"
CONCURRENCY = 50
# A cold start loads the packaged model on shared cores; the answers to a burst of 200 follow.
START_TIMEOUT_S = 180.0
SETTLE_TIMEOUT_S = 300.0
# Slack gives up on an acknowledgement after 3 s; this only keeps a hung one from hanging the bench.
ACK_TIMEOUT_S = 30.0
BUSY_WORDS = "busy"
WAIT_WORDS = "should be ready in about"


def _pages(eval_dir: Path) -> list[str]:
    """The English pages of the extraction set (real pages of many sizes), else the sample."""
    index = eval_dir / "extraction" / "dev.jsonl"
    if not index.is_file():
        return [SAMPLE_HTML.read_text(encoding="utf-8")]
    pages = []
    for line in index.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("lang_guess") == "en":
            raw = gzip.decompress((index.parent / row["html_path"]).read_bytes())
            pages.append(raw.decode("utf-8", errors="replace"))
    return pages


# -- the mock Slack Web API and the article server, in this process ---------------------------------


@dataclass
class Answers:
    """What the bot posted, by kind; each request's final answer resolves its future."""

    digests: int = 0
    notices: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    last_answer: float = 0.0
    waiting: dict[int, asyncio.Future[None]] = field(default_factory=dict)
    announced: dict[str, int] = field(default_factory=dict)
    """The ts of each ``/summarize`` announcement: the request it is for."""

    def expect(self, request: int) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().create_future()
        self.waiting[request] = future
        return future

    def final(self, request: int | None) -> None:
        self.last_answer = time.perf_counter()
        future = self.waiting.get(request) if request is not None else None
        if future is not None and not future.done():
            future.set_result(None)


def _slack_api(answers: Answers, pages: Sequence[str]) -> web.Application:
    stamps = itertools.count(1)

    async def method(request: web.Request) -> web.Response:
        name = request.match_info["method"]
        raw = await request.text()
        body = json.loads(raw or "{}") if request.content_type == "application/json" else dict(parse_qsl(raw))
        ts = f"1700000000.{next(stamps):06d}"
        if name == "auth.test":
            return web.json_response({"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": TEAM})
        if name == "chat.postMessage":
            if body.get("thread_ts"):  # the digest, in the thread of its announcement
                answers.digests += 1
                answers.final(answers.announced.get(str(body["thread_ts"])))
            elif asker := re.search(r"\bload-user-(\d+)\b", json.dumps(body)):  # who asked, by name
                answers.announced[ts] = int(asker.group(1))
            return web.json_response({"ok": True, "channel": body.get("channel"), "ts": ts})
        if name == "chat.getPermalink":
            return web.json_response({"ok": True, "permalink": f"https://load.slack.test/p{ts}"})
        return web.json_response({"ok": True})

    async def response_url(request: web.Request) -> web.Response:
        text = str((await request.json()).get("text", ""))
        if WAIT_WORDS in text:
            answers.notices += 1
        else:
            answers.errors["busy" if BUSY_WORDS in text.lower() else _reason(text)] += 1
            answers.final(int(request.match_info["id"]))
        return web.Response(text="ok")

    async def article(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        return web.Response(text=pages[n % len(pages)], content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_post("/api/{method}", method)
    app.router.add_get("/api/{method}", method)
    app.router.add_post("/response/{id}", response_url)
    app.router.add_get("/{run}/article/{n}", article)
    return app


def _reason(text: str) -> str:
    """An error answer, shortened to what kind of refusal it is."""
    text = re.sub(r"\d+", "N", text)
    return text.split(":")[0][:60]


# -- the bot ----------------------------------------------------------------------------------------


def _start_bot(api_port: int, data_dir: Path, log_path: Path) -> subprocess.Popen[bytes]:
    # (glibc's malloc tuning passes through, so its effect on the peak can be measured)
    passed = ("PATH", "HOME", "TMPDIR", "LANG", "MALLOC_ARENA_MAX", "MALLOC_TRIM_THRESHOLD_")
    env = {k: os.environ[k] for k in passed if k in os.environ}
    env |= {
        "PYTHONPATH": str(REPO),
        "PYTHONFAULTHANDLER": "1",  # a crash in native code leaves its Python stacks in the log
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{api_port}/api/",
        "HOST": "127.0.0.1",
        "DATA_DIR": str(data_dir),
        "FETCH_ALLOW_PRIVATE": "127.0.0.1",
        # out of the way: this measures the queue, not the rate limits
        "USER_RATE_PER_MIN": "1000000",
        "USER_BURST": "1000000",
        "CHANNEL_RATE_PER_MIN": "1000000",
        "CHANNEL_BURST": "1000000",
    }
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "slack", "--http", "--port", "0"],
            cwd=data_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _read_log(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


async def _wait_serving(process: subprocess.Popen[bytes], log_path: Path) -> int:
    """The port the bot listens on, once ``/healthz`` says it is ready."""
    deadline = time.monotonic() + START_TIMEOUT_S
    port = None
    async with aiohttp.ClientSession() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the bot exited ({process.returncode}):\n{_read_log(log_path)[-2000:]}")
            if port is None:
                found = re.search(r"serving /slack/events on http://[^:]+:(\d+)", _read_log(log_path))
                port = int(found.group(1)) if found else None
            if port is not None:
                try:
                    async with client.get(f"http://127.0.0.1:{port}/healthz") as answer:
                        if answer.status == 200:
                            return port
                except aiohttp.ClientError:
                    pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the bot did not start within {START_TIMEOUT_S:g} s:\n{_read_log(log_path)[-2000:]}")


def _keep(log_path: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(log_path.read_bytes())


def _rss_mb(pid: int, field: str = "VmHWM") -> float:
    """A process's peak (``VmHWM``) or current (``VmRSS``) resident set."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _signed(body: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


# -- one run ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadResult:
    links: int
    concurrency: int
    ack_p50_ms: float
    ack_p99_ms: float
    ack_max_ms: float
    acks_over_3s: int
    answered: int
    busy: int
    other_errors: dict[str, int]
    wait_notices: int
    unanswered: list[int]
    """The requests (by number) that had no answer within SETTLE_TIMEOUT_S."""
    last_answer_s: float
    peak_rss_mb: float
    start_s: float
    ready_rss_mb: float


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _run(
    links: int, concurrency: int, pages: Sequence[str], workdir: Path, logs: Path | None
) -> LoadResult:
    answers = Answers()
    runner = web.AppRunner(_slack_api(answers, pages), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    api_port = int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    data_dir = workdir / f"run-{links}"
    data_dir.mkdir()
    log_path = data_dir / "precis.log"
    started = time.perf_counter()
    process = _start_bot(api_port, data_dir, log_path)
    try:
        port = await _wait_serving(process, log_path)
        start_s = time.perf_counter() - started
        ready_rss = _rss_mb(process.pid, "VmRSS")
        acks: list[float] = []
        gate = asyncio.Semaphore(concurrency)
        events = f"http://127.0.0.1:{port}/slack/events"

        async def command(client: aiohttp.ClientSession, i: int) -> None:
            """One ``/summarize``: sent when fewer than ``concurrency`` are waiting for an answer."""
            body = urlencode({
                "command": "/summarize", "text": f"http://127.0.0.1:{api_port}/run{links}/article/{i}",
                "user_id": f"U{i:05d}", "user_name": f"load-user-{i}", "channel_id": CHANNEL, "team_id": TEAM,
                "response_url": f"http://127.0.0.1:{api_port}/response/{i}", "trigger_id": f"t{i}",
            })  # fmt: skip
            async with gate:
                answered = answers.expect(i)
                sent = time.perf_counter()
                try:
                    async with client.post(events, data=body, headers=_signed(body)) as answer:
                        await answer.read()
                        status = answer.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status = type(exc).__name__
                acks.append(time.perf_counter() - sent)
                if status != 200:
                    answers.errors[f"no ack ({status})"] += 1
                    answers.final(i)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(answered, SETTLE_TIMEOUT_S)

        burst = time.perf_counter()
        timeout = aiohttp.ClientTimeout(total=ACK_TIMEOUT_S)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
            await asyncio.gather(*(command(client, i) for i in range(links)))
        peak = _rss_mb(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        await runner.cleanup()
        if logs is not None:
            _keep(log_path, logs / f"precis-{links}.log")
    busy = answers.errors.pop("busy", 0)
    return LoadResult(
        links=links,
        concurrency=concurrency,
        ack_p50_ms=round(_percentile(acks, 0.5) * 1000, 1),
        ack_p99_ms=round(_percentile(acks, 0.99) * 1000, 1),
        ack_max_ms=round(max(acks) * 1000, 1),
        acks_over_3s=sum(a > 3.0 for a in acks),
        answered=answers.digests,
        busy=busy,
        other_errors=dict(answers.errors),
        wait_notices=answers.notices,
        unanswered=[i for i, f in sorted(answers.waiting.items()) if not f.done()],
        last_answer_s=round(max(0.0, answers.last_answer - burst), 1),
        peak_rss_mb=round(peak, 1),
        start_s=round(start_s, 1),
        ready_rss_mb=round(ready_rss, 1),
    )


def measure(
    links: Sequence[int], concurrency: int, eval_dir: Path, logs: Path | None = None
) -> list[LoadResult]:
    """One run per entry of ``links``; with ``logs``, each run's bot log is kept there."""
    pages = _pages(eval_dir)
    with tempfile.TemporaryDirectory(prefix="precis-load-") as workdir:
        return [asyncio.run(_run(n, concurrency, pages, Path(workdir), logs)) for n in links]


def _print(result: LoadResult) -> None:
    print(f"{result.links} distinct links, {result.concurrency} at a time (a cold bot, one channel)")
    print(
        f"  ack p50 / p99 / max   {result.ack_p50_ms:.0f} / {result.ack_p99_ms:.0f} / "
        f"{result.ack_max_ms:.0f} ms ({result.acks_over_3s} over 3 s)"
    )
    print(f"  answered              {result.answered} of {result.links}")
    print(f"  busy                  {result.busy}")
    others = ", ".join(f"{n} {reason!r}" for reason, n in result.other_errors.items()) or "none"
    print(f"  other answers         {others}")
    print(f"  told the wait first   {result.wait_notices}")
    print(f"  unanswered            {len(result.unanswered)} {result.unanswered[:10] or ''}")
    print(f"  last answer after     {result.last_answer_s:.1f} s")
    print(
        f"  peak RSS              {result.peak_rss_mb:.0f} MB "
        f"(ready: {result.ready_rss_mb:.0f} MB after a {result.start_s:.1f} s start-up)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--json", type=Path, help="also write every number to this file")
    parser.add_argument("--logs", type=Path, help="keep the bot's log of each run in this folder")
    args = parser.parse_args(argv)
    results = measure(args.links, args.concurrency, args.eval_dir, args.logs)
    for result in results:
        _print(result)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
