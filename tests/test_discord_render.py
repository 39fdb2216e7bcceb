"""The Discord rendering of a digest: layout, Discord's limits, and article text made inert."""

from __future__ import annotations

import json
import re
import warnings

with warnings.catch_warnings():  # discord.py imports audioop (deprecated in 3.11, PEP 594)
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord

import pytest

from bot.core.types import Article, Digest, KeyPoint, PageMeta, Quote
from bot.discord_chat.render import (
    ALLOWED_MENTIONS,
    EMBED_DESCRIPTION_MAX,
    EMBED_TITLE_MAX,
    MESSAGE_EMBED_CHARS_MAX,
    MESSAGE_EMBEDS_MAX,
    QUOTE_MAX_CHARS,
    digest_payloads,
    escape,
    intro_payload,
    notice_payload,
    thread_name,
)

EVIL = [
    "@everyone",
    "@here",
    "<@123>",
    "<@&456>",
    "<#789>",
    "**bold**",
    "`code`",
    "[x](http://evil.test)",
    "__under__ ~~strike~~ ||spoiler||",
    "# header",
    "> quoted",
    "<t:0:R>",
]


def make_digest(
    *,
    title: str | None = "Council approves the new bridge",
    url: str | None = "https://news.test/bridge",
    points: list[str] | None = None,
    quotes: list[Quote] | None = None,
    tldr: str = "The council approved the bridge on Monday.",
    site: str | None = "News Test",
    author: str | None = "Ada Lovelace",
) -> Digest:
    points = points if points is not None else [f"Key point number {i} about the bridge." for i in range(4)]
    meta = PageMeta(
        url=url,
        canonical_url=url,
        title=title,
        site=site,
        author=author,
        published="2024-05-01T09:00:00Z",
        language="en",
    )
    article = Article(text="word " * 920, meta=meta, extractor="trafilatura")
    return Digest(
        article=article,
        tldr=tldr,
        key_points=tuple(KeyPoint(p, ((0, 4),)) for p in points),
        quotes=tuple(quotes or ()),
        model_name="extractive:test",
    )


def quote(text: str, speaker: str | None, start: int) -> Quote:
    return Quote(text, speaker, "said", start, start + len(text))


def strip_escapes(text: str) -> str:
    """What Discord shows for ``text``: a backslash before punctuation only escapes it."""
    return re.sub(r"\\([^0-9A-Za-z\s])", r"\1", text)


def unescaped(text: str, pattern: str) -> list[str]:
    """Occurrences of ``pattern`` (a literal) whose first character is not backslash-escaped."""
    return [m.group() for m in re.finditer(r"(?<!\\)" + re.escape(pattern), text)]


def strings(value: object) -> list[str]:
    """Every string in a JSON-like value: what Discord would render."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def embeds_of(payload: dict) -> list[dict]:
    return payload["embeds"]


def embed_chars(embeds: list[dict]) -> int:
    return sum(len(discord.Embed.from_dict(e)) for e in embeds)


def test_layout_title_byline_tldr_points_quotes() -> None:
    quotes = [
        quote("We will build it by next spring", "Mayor Jane Doe", 10),
        quote("The river crossing is long overdue", "Mayor Jane Doe", 50),
        quote("It costs far too much for a town our size", "Sam Roe", 90),
    ]
    [payload] = digest_payloads(make_digest(quotes=quotes), quotes)
    [embed] = embeds_of(payload)
    assert embed["title"] == "Council approves the new bridge"
    assert embed["url"] == "https://news.test/bridge"
    assert payload["allowed_mentions"] == {"parse": []}
    lines = embed["description"].split("\n")
    assert lines[0] == "*News Test · Ada Lovelace · 2024-05-01 · 4 min read*"
    assert "**TL;DR** The council approved the bridge on Monday." in lines
    assert lines[lines.index("**Key points**") + 1] == "- Key point number 0 about the bridge."
    quotes_at = lines.index("**Quotes**")
    assert lines[quotes_at + 1 :] == [
        "> “We will build it by next spring”",
        "> “The river crossing is long overdue”",
        "> — Mayor Jane Doe",
        "",
        "> “It costs far too much for a town our size”",
        "> — Sam Roe",
    ]


def test_payload_is_json_and_what_discord_py_sends() -> None:
    """The bot sends ``discord.Embed.from_dict`` of these dicts: the wire JSON is the same."""
    payloads = digest_payloads(make_digest(), [], requested_by=42)
    json.dumps(payloads)
    for embed in embeds_of(payloads[1]):
        assert discord.Embed.from_dict(embed).to_dict() == embed
    assert payloads[0] == {
        "content": "Summary of **Council approves the new bridge** for <@42>",
        "allowed_mentions": {"parse": []},
    }


def test_no_quotes_no_quotes_section_and_no_url_for_text() -> None:
    [payload] = digest_payloads(make_digest(url=None, title=None), [])
    [embed] = embeds_of(payload)
    assert "**Quotes**" not in embed["description"]
    assert "url" not in embed
    assert embed["title"] == "Summary"


def test_unattributed_quote() -> None:
    q = quote("Nobody knows who said this one", None, 5)
    [payload] = digest_payloads(make_digest(quotes=[q]), [q])
    assert "> — unattributed" in embeds_of(payload)[0]["description"]


@pytest.mark.parametrize("evil", EVIL)
def test_escape_makes_markup_inert(evil: str) -> None:
    out = escape(f"before {evil} after")
    assert strip_escapes(out).replace("\u200b", "") == f"before {evil} after"
    for mark in ("**", "`", "__", "~~", "||", "[", "<@", "<#", "<t:", "# ", "> "):
        assert not unescaped(out, mark), (evil, out)
    assert "@everyone" not in out and "@here" not in out


def test_escape_keeps_bare_links_whole_and_joins_lines() -> None:
    assert escape("see https://news.test/a_b*c now") == "see https://news.test/a_b*c now"
    assert escape("one\n# two\n\n- three") == r"one \# two - three"
    assert escape("1. first") == r"1\. first"


OUR_MARKUP = re.compile(r"^\*\*(?:Key points|Quotes)\*\*$|^(?:\*\*TL;DR\*\* |- |> “|> — |\*)|(?:”|\*)$")
INTRO = re.compile(r"^Summary of \*\*(.*)\*\* for <@42>$")


def test_article_text_cannot_format_or_ping_anywhere() -> None:
    bad = " ".join(EVIL)
    quotes = [quote(f"A quote {bad} here", f"Speaker {bad}", 10)]
    digest = make_digest(
        title=f"Title {bad}",
        tldr=f"Summary {bad}.",
        points=[f"Point {bad}."],
        quotes=quotes,
        site=f"Site {bad}",
        author=f"Author {bad}",
    )
    payloads = digest_payloads(digest, quotes, requested_by=42)
    for payload in payloads:
        assert payload["allowed_mentions"] == {"parse": []}
    intro = INTRO.match(payloads[0]["content"])
    assert intro is not None
    lines = [intro.group(1)] + [line for s in strings(payloads[1]["embeds"]) for line in s.split("\n")]
    article_text = [OUR_MARKUP.sub("", line) for line in lines if line not in ("", "rich")]
    assert any("Speaker" in t for t in article_text) and any("Site" in t for t in article_text)
    for text in article_text:
        assert "@everyone" not in text and "@here" not in text
        for mark in ("*", "_", "~", "|", "`", "[", "]", "<", ">", "#"):
            assert not unescaped(text, mark), (mark, text)


def test_long_description_continues_in_a_second_embed_without_splitting_items() -> None:
    points = [f"Sentence {i} " + "word " * 150 for i in range(6)]  # ~760 characters each
    points = [p.strip() + "." for p in points]
    [payload] = digest_payloads(make_digest(points=points), [])
    embeds = embeds_of(payload)
    assert len(embeds) == 2
    assert "title" not in embeds[1]
    assert all(len(e["description"]) <= EMBED_DESCRIPTION_MAX for e in embeds)
    assert embed_chars(embeds) <= MESSAGE_EMBED_CHARS_MAX
    joined = "\n".join(e["description"] for e in embeds)
    for p in points:
        assert sum(f"- {p}" in e["description"] for e in embeds) == 1  # each bullet whole, in one embed
        assert f"- {p}" in joined


def test_over_the_message_limit_whole_items_are_dropped_and_counted() -> None:
    points = [f"Point {i} " + "lorem " * 140 for i in range(8)]
    quotes = [quote(f"Quote {i} " + "ipsum " * 150, f"Speaker {i}", 1000 * i) for i in range(10)]
    digest = make_digest(title="T" * 400, points=points, quotes=quotes)
    [payload] = digest_payloads(digest, quotes)
    embeds = embeds_of(payload)
    assert len(embeds) <= MESSAGE_EMBEDS_MAX
    assert len(embeds[0]["title"]) <= EMBED_TITLE_MAX and embeds[0]["title"].endswith("…")
    assert all(len(e["description"]) <= EMBED_DESCRIPTION_MAX for e in embeds)
    assert embed_chars(embeds) <= MESSAGE_EMBED_CHARS_MAX
    text = "\n".join(e["description"] for e in embeds)
    for i, q in enumerate(quotes):  # a quote is shown whole or not at all
        assert (f"“{escape(q.text)}”" in text) == (f"“Quote {i} " in text)
    shown = sum(f"- {escape(p)}" in text for p in points) + sum(f"“{escape(q.text)}”" in text for q in quotes)
    assert 0 < shown < len(points) + len(quotes)
    match = re.search(r"\*(\d+) more not shown", text)
    assert match and int(match.group(1)) == len(points) + len(quotes) - shown


def test_a_quote_too_long_for_chat_is_left_out_never_cut() -> None:
    long = quote("It " + "goes on " * (QUOTE_MAX_CHARS // 8), "Speaker", 10)
    short = quote("A short and complete statement here", "Other", 5000)
    [payload] = digest_payloads(make_digest(quotes=[long, short]), [long, short])
    text = embeds_of(payload)[0]["description"]
    assert "goes on" not in text
    assert "“A short and complete statement here”" in text
    assert "*1 more not shown" in text


def test_one_huge_key_point_is_shortened_at_a_word() -> None:
    [payload] = digest_payloads(make_digest(points=["word " * 2000]), [])
    descriptions = [e["description"] for e in embeds_of(payload)]
    assert all(len(d) <= EMBED_DESCRIPTION_MAX for d in descriptions)
    assert re.search(r"^- (word )+…$", descriptions[-1], re.MULTILINE)


def test_thread_names_and_small_payloads() -> None:
    assert thread_name("  A  title\nwith lines ") == "A title with lines"
    assert thread_name(None) == "Summary"
    assert len(thread_name("x" * 300)) == 100
    intro = intro_payload("t" * 500, 7, more=2)
    assert len(intro["content"]) < 250 and intro["content"].endswith("(+2 more) for <@7>")
    assert notice_payload("Couldn't summarize https://x.test/a_b: @everyone")["content"] == (
        "Couldn't summarize https://x.test/a_b: @\u200beveryone"
    )
    assert ALLOWED_MENTIONS == {"parse": []}
