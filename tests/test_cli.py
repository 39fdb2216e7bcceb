"""The CLI end to end: real local server, real pipeline, real model (loaded once per process)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from bot.__main__ import main

from .conftest import SAMPLE_HTML, PageServer

pytestmark = pytest.mark.slow

ARTICLE_TEXT = (
    "The city council approved a new budget for public schools on Tuesday night after a long debate. "
    "The budget adds money for teachers, buses and school lunches across the whole district. "
    "Parents at the meeting said the lunch programme had been underfunded for many years. "
    '"This is the best day for our schools in a decade," said Maria Lopez, the council president. '
    "The mayor will sign the budget into law next Monday at a public ceremony in the town hall. "
    "Opponents said the plan would raise property taxes for homeowners by about two percent."
)


def run(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    stdin: str | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def allow_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FETCH_ALLOW_PRIVATE", "127.0.0.1")


def test_markdown_digest_of_a_file(capsys) -> None:
    code, out, err = run(["summarize", str(SAMPLE_HTML)], capsys)
    assert code == 0, err
    assert out.startswith("# Harbour town votes to rebuild its flooded sea wall with living reef\n")
    assert "**TL;DR:**" in out and "**Key points**" in out
    assert out.count("\n- ") == 3  # the default, beside the TL;DR
    assert "— Harriet Blake" in out


def test_json_contract_and_traceable_points(capsys) -> None:
    code, out, _ = run(["summarize", str(SAMPLE_HTML), "--format", "json", "--points", "3"], capsys)
    assert code == 0
    d = json.loads(out)
    assert set(d) >= {"source", "tldr", "key_points", "quotes", "stats", "model", "timings_ms", "text"}
    assert set(d["source"]) == {"url", "canonical_url", "title", "site", "author", "published", "language"}
    assert set(d["timings_ms"]) == {"fetch", "extract", "summarize", "quotes", "total"}
    assert set(d["stats"]) == {
        "words", "reading_minutes", "extractor", "truncated", "source_chars", "digest_words",
    }  # fmt: skip
    assert d["stats"]["truncated"] is False
    assert 0 < d["stats"]["digest_words"] <= 200
    assert len(d["key_points"]) == 3
    for point in d["key_points"]:
        joined = "".join(d["text"][s:e] for s, e in point["spans"])
        assert joined == point["text"]
    assert d["tldr"] == "".join(d["text"][s:e] for s, e in d["tldr_spans"])
    assert d["tldr"] not in [p["text"] for p in d["key_points"]]
    for q in d["quotes"]:
        assert d["text"][q["start"] : q["end"]] == q["text"]
        assert q["shown"] == bool(q["shown_spans"])
        assert all(q["start"] <= s < e <= q["end"] for s, e in q["shown_spans"])
    assert 1 <= sum(q["shown"] for q in d["quotes"]) <= 2
    assert "MiniLM" in d["model"]["name"]


def test_stdin_text_and_html(capsys, monkeypatch) -> None:
    code, out, err = run(
        ["summarize", "-", "--format", "json"], capsys, stdin=ARTICLE_TEXT, monkeypatch=monkeypatch
    )
    assert code == 0, err
    d = json.loads(out)
    assert d["stats"]["extractor"] == "text"
    assert d["quotes"][0]["speaker"] == "Maria Lopez"
    html = SAMPLE_HTML.read_text()
    code, out, _ = run(["summarize", "-", "--format", "json"], capsys, stdin=html, monkeypatch=monkeypatch)
    assert code == 0
    assert json.loads(out)["stats"]["extractor"] == "trafilatura"


def test_url_through_a_local_server(capsys, page_server: PageServer, allow_local) -> None:
    url = page_server.add("/news/reef", SAMPLE_HTML.read_bytes())
    code, out, err = run(["summarize", url, "--format", "json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["source"]["url"] == url
    assert d["source"]["title"].startswith("Harbour town votes")
    assert d["timings_ms"]["fetch"] > 0
    assert page_server.hits == ["/news/reef"]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda s: s.url("/missing"), "HTTP 404"),
        (lambda s: s.add("/doc.pdf", b"%PDF-1.4 ...", content_type="application/pdf"), "PDF"),
        (lambda s: s.add("/big", b"<html>" + b"x" * 6_000_000, content_type="text/html"), "5"),
        (
            lambda s: s.add(
                "/teaser",
                "<html><head><title>Story</title></head><body><article><p>"
                + "A short teaser paragraph about the news of the day. " * 3
                + "</p><p>Subscribe to continue reading.</p></article></body></html>",
            ),
            "paywalled",
        ),
        (lambda s: s.add("/empty", "<html><body><div></div></body></html>"), "no article"),
        (lambda s: s.add("/go", b"", status=302, Location="http://127.0.0.2/admin"), "not a public address"),
    ],
)
def test_source_errors_exit_3_with_one_line(capsys, page_server, allow_local, setup, message) -> None:
    url = setup(page_server)
    code, out, err = run(["summarize", url], capsys)
    assert code == 3
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("precis: ")
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://169.254.169.254/latest/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.0.0.1/",
        "file:///etc/passwd",
        "ftp://example.com/a",
    ],
)
def test_refused_addresses_exit_3(capsys, url) -> None:
    code, _, err = run(["summarize", url], capsys)
    assert code == 3
    assert err.startswith("precis: ") and "Traceback" not in err


def test_missing_file_exits_3(capsys, tmp_path) -> None:
    code, _, err = run(["summarize", str(tmp_path / "nope.html")], capsys)
    assert code == 3
    assert "no such file" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["summarize"],
        ["summarize", "not-a-source"],
        ["summarize", "x.html", "--points", "0"],
        ["summarize", "x.html", "--format", "pdf"],
        ["summarize", "a.html", "--jsonl", "b.jsonl"],
        ["frobnicate"],
    ],
)
def test_bad_usage_exits_2(capsys, argv) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    _, err = capsys.readouterr()
    assert code == 2
    assert err.strip()


def test_too_short_text_exits_3(capsys, monkeypatch) -> None:
    code, _, err = run(["summarize", "-"], capsys, stdin="Only a few words.", monkeypatch=monkeypatch)
    assert code == 3
    assert "too little text" in err


def test_jsonl_batch_keeps_going_past_bad_items(capsys, tmp_path, page_server, allow_local) -> None:
    url = page_server.add("/ok", SAMPLE_HTML.read_bytes())
    lines = [
        json.dumps({"id": "a", "text": ARTICLE_TEXT}),
        "{not json",
        json.dumps({"id": "b", "url": page_server.url("/missing")}),
        json.dumps({"id": "c", "url": url}),
        json.dumps({"id": "d", "html": SAMPLE_HTML.read_text()}),
        json.dumps({"id": "e", "text": "x", "url": url}),
    ]
    batch = tmp_path / "in.jsonl"
    batch.write_text("\n".join(lines) + "\n")
    code, out, _ = run(["summarize", "--jsonl", str(batch)], capsys)
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r.get("id") for r in records] == ["a", None, "b", "c", "d", "e"]
    assert "error" not in records[0] and records[0]["key_points"]
    assert records[1]["error"]["code"] == "bad_input"
    assert records[2]["error"]["code"] == "http_status"
    assert records[3]["source"]["title"].startswith("Harbour town")
    assert records[4]["stats"]["extractor"] == "trafilatura"
    assert records[5]["error"]["code"] == "bad_input"


def test_discord_format_prints_the_exact_payloads(capsys, monkeypatch) -> None:
    text = ARTICLE_TEXT + ' "@everyone come to the <@123> meeting now please," said Maria Lopez.'
    code, out, err = run(
        ["summarize", "-", "--format", "discord"], capsys, stdin=text, monkeypatch=monkeypatch
    )
    assert code == 0, err
    payloads = json.loads(out)
    assert payloads and all(p["allowed_mentions"] == {"parse": []} for p in payloads)
    embed = payloads[0]["embeds"][0]
    assert "Maria Lopez" in embed["description"]
    assert "@everyone" not in json.dumps(payloads, ensure_ascii=False).replace("@\u200beveryone", "")
    assert "<@123>" not in json.dumps(payloads, ensure_ascii=False)


def test_slack_format_prints_blocks_with_escaped_text(capsys, monkeypatch) -> None:
    text = (
        ARTICLE_TEXT
        + ' "Visit <slack://evil.example|your bank> and <!channel> today, friends," said Maria Lopez.'
    )
    code, out, err = run(["summarize", "-", "--format", "slack"], capsys, stdin=text, monkeypatch=monkeypatch)
    assert code == 0, err
    message = json.loads(out)
    assert message["text"] and message["blocks"]
    dumped = json.dumps(message)
    assert "<!channel>" not in dumped and "&lt;!channel&gt;" in dumped
    assert "<slack://evil.example|your bank>" not in dumped and "&lt;slack://evil.example" in dumped


@pytest.mark.parametrize(
    ("command", "variable"), [("discord", "DISCORD_TOKEN"), ("slack", "SLACK_APP_TOKEN")]
)
def test_chat_commands_without_tokens_exit_2_naming_the_setting(
    capsys, monkeypatch, tmp_path, command, variable
):
    for name in ("DISCORD_TOKEN", "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no .env here
    code, _, err = run([command], capsys)
    assert code == 2
    assert variable in err


def test_chat_serving_splits_the_cores_between_workers(monkeypatch) -> None:
    from bot.__main__ import torch_threads
    from bot.config import Settings

    monkeypatch.delenv("TORCH_THREADS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert torch_threads(Settings(workers=2), serving=True) == 4
    assert torch_threads(Settings(workers=16), serving=True) == 1
    assert torch_threads(Settings(workers=2), serving=False) is None
    assert torch_threads(Settings(workers=2, torch_threads=3), serving=True) == 3


def test_markdown_keeps_each_quote_its_own_paragraph(capsys) -> None:
    code, out, _ = run(["summarize", str(SAMPLE_HTML)], capsys)
    assert code == 0
    quotes = out.split("**Quotes**\n", 1)[1]
    # One quote per speaker, each its own block; a quote ending on a comma is shown without it.
    assert quotes.startswith(
        "> “We can keep pouring concrete and keep watching it crack, or we can build something that gets"
        " stronger every year”\n>\n> — Harriet Blake\n\n> “"
    )
    speakers = [line for line in quotes.splitlines() if line.startswith("> — ")]
    assert len(speakers) == 2 and speakers[0] == "> — Harriet Blake" and len(set(speakers)) == 2
