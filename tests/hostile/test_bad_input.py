"""Bad input answers with one line and an exit code (2 usage, 3 source), never a traceback, and
what a person is told never carries internal detail (issue 13, part 4).

Everything runs against servers on 127.0.0.1 that the tests start.
"""

from __future__ import annotations

import io
import json
import os
import socketserver
import sys
import threading
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.__main__ import main
from bot.core.errors import StoreError
from bot.core.store import RedisStore
from bot.core.urls import redact_url

from ..conftest import PageServer
from ..test_service_store import closed_port

ARTICLE_TEXT = (
    "The city council approved a new budget for public schools on Tuesday night after a long debate. "
    "The budget adds money for teachers, buses and school lunches across the whole district. "
    "Parents at the meeting said the lunch programme had been underfunded for many years. "
    "The mayor will sign the budget into law next Monday at a public ceremony in the town hall. "
    "Opponents said the plan would raise property taxes for homeowners by about two percent."
)


def run(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stdin: bytes = b""
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("precis: ")
    return lines[0]


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FETCH_ALLOW_PRIVATE", "127.0.0.1")


@pytest.mark.parametrize(
    ("location", "said"),
    [
        ("javascript:alert(1)", "not a web page"),
        ("data:text/html,<p>hello</p>", "not a web page"),
        ("http://127.0.0.1:99999/x", "not a valid port"),
        ("http://[::1/x", "failed"),
    ],
)
def test_redirects_to_what_is_not_a_web_page_are_refused_in_one_line(
    location: str,
    said: str,
    page_server: PageServer,
    local: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = page_server.add("/go", "", status=302, location=location)
    code, out, err = run(["summarize", url], capsys, monkeypatch)
    assert (code, out) == (3, "")
    line = one_line(err)
    assert said in line
    assert "::1/x" not in line  # what the server sent stays out of the message


def test_a_port_out_of_range_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(["summarize", "http://127.0.0.1:99999/story"], capsys, monkeypatch)
    assert code == 3
    assert "not a valid port" in one_line(err)


def test_a_huge_url_is_cut_in_the_message(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    url = "ftp://example.com/" + "a" * 100_000
    code, _, err = run(["summarize", "http://[" + url], capsys, monkeypatch)
    assert code == 3
    line = one_line(err)
    assert len(line) < 300
    assert "100,0" in line  # says how long the address was instead of quoting it


def test_binary_on_standard_input_is_refused_as_not_text(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    noise = b"<" + os.urandom(20_000)
    code, out, err = run(["summarize", "-"], capsys, monkeypatch, stdin=noise)
    assert (code, out) == (3, "")
    assert "binary" in one_line(err)
    code, out, err = run(["summarize", "-"], capsys, monkeypatch, stdin=os.urandom(20_000))
    assert (code, out) == (3, "")
    assert "binary" in one_line(err)


def test_files_and_standard_input_are_capped_like_a_fetched_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FETCH_MAX_BYTES", "100000")
    big = tmp_path / "big.txt"
    big.write_text("word " * 30_000)
    code, _, err = run(["summarize", str(big)], capsys, monkeypatch)
    assert code == 3
    assert "100,000-byte limit" in one_line(err)
    code, _, err = run(["summarize", "-"], capsys, monkeypatch, stdin=b"word " * 30_000)
    assert code == 3
    assert "100,000-byte limit" in one_line(err)


def test_a_folder_given_as_the_batch_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(["summarize", "--jsonl", str(tmp_path)], capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert "folder" in one_line(err)
    folder = tmp_path / "notes.txt"
    folder.mkdir()
    code, out, err = run(["summarize", str(folder)], capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert "folder" in one_line(err)


@pytest.mark.slow
def test_bad_batch_lines_get_an_error_each_and_the_batch_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FETCH_MAX_BYTES", "50000")
    lines = [
        b"[" * 100_00 + b"]" * 100_00,  # nested deeper than the JSON parser recurses
        b'{"id": "bad-utf8", "text": "caf\xe9 \xff\xfe"}',
        json.dumps({"id": "page-url", "html": "<p>hi</p>", "page_url": 42}).encode(),
        json.dumps({"id": "too-long", "text": "word " * 20_000}).encode(),
        json.dumps({"id": ["not", "an", "id"], "text": "x"}).encode(),
        b'{"id": 1' + b"9" * 5000 + b', "text": "x"}',  # more digits than Python converts
        json.dumps({"id": "fffd", "text": "caf\ufffd " + ARTICLE_TEXT}, ensure_ascii=False).encode(),
        json.dumps({"id": "good", "text": ARTICLE_TEXT}).encode(),
    ]
    batch = tmp_path / "in.jsonl"
    batch.write_bytes(b"\n".join(lines) + b"\n")
    code, out, err = run(["summarize", "--jsonl", str(batch)], capsys, monkeypatch)
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in records[:5]] == [1, 2, 3, 4, 5]
    assert [r["error"]["code"] for r in records[:5]] == ["bad_input"] * 4 + ["too_little_text"]
    assert "nested too deeply" in records[0]["error"]["message"]
    assert "UTF-8" in records[1]["error"]["message"]
    assert "page_url" in records[2]["error"]["message"]
    assert "limit" in records[3]["error"]["message"]
    assert records[4]["id"] is None
    assert records[5]["error"]["code"] == "bad_input" and records[5]["line"] == 6
    assert records[6]["id"] == "fffd" and records[6]["key_points"]  # U+FFFD is valid UTF-8 text
    assert records[7]["id"] == "good" and records[7]["key_points"]
    assert "Traceback" not in err


@pytest.mark.asyncio
async def test_a_store_failing_mid_request_tells_people_nothing_internal() -> None:
    """Redis went away after start-up: the person is told the cache is down, not where it lives."""
    url = f"redis://:hunter2@127.0.0.1:{closed_port()}/0"
    store = RedisStore(aioredis.Redis.from_url(url), where=redact_url(url))
    try:
        with pytest.raises(StoreError) as caught:
            await store.get("src:anything")
    finally:
        await store.aclose()
    message = caught.value.message
    assert "127.0.0.1" not in message and "redis" not in message.lower() and "hunter2" not in message
    assert "127.0.0.1" in str(caught.value)  # the log still names the server
    assert "hunter2" not in str(caught.value)


class RawServer:
    """Answers each path with fixed raw HTTP bytes: what no well-behaved server would send."""

    def __init__(self, answers: dict[str, bytes]) -> None:
        answers_ = answers

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                path = self.rfile.readline().split()[1].decode()
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                self.wfile.write(answers_[path])

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 404 <!channel> visit evil.example " + b"x" * 6000 + b"\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: image/<!channel>evil.example"
        + b"x" * 6000
        + b"\r\nContent-Length: 3\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: <!channel>evil.example"
        + b"x" * 6000
        + b"\r\nContent-Length: 3\r\n\r\nabc",
    ],
    ids=["reason-phrase", "content-type", "content-encoding"],
)
def test_what_a_server_sends_stays_out_of_the_message(
    answer: bytes, local: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = RawServer({"/page": answer})
    try:
        code, out, err = run(["summarize", server.url("/page")], capsys, monkeypatch)
    finally:
        server.close()
    assert (code, out) == (3, "")
    line = one_line(err)
    assert "evil" not in line and "<!channel>" not in line and len(line) < 200
