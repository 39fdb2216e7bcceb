"""The Slack message a digest becomes: structure, Slack's limits, and mrkdwn that cannot be abused."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot.core.errors import (
    ArticleExpired,
    BadInput,
    Busy,
    DomainNotAllowed,
    HTTPStatusError,
    ModelError,
    RateLimited,
    StoreError,
    TooLittleText,
)
from bot.core.service import ChannelSettings, PostedRef
from bot.core.types import Article, Digest, KeyPoint, PageMeta, Quote
from bot.slack_chat import digest_message
from bot.slack_chat.render import (
    ACTION_MORE,
    ACTION_QUOTES,
    ACTION_SHORTER,
    BLOCKS_MAX,
    HEADER_MAX,
    SECTION_MAX,
    Controls,
    already_posted_message,
    announce_message,
    error_text,
    escape,
    settings_text,
)

HOSTILE = "Read <!channel> and <@U999> at <https://evil.example|a safe link> & <#C123> > now"


def make_digest(
    *,
    title: str | None = "Sea wall vote",
    points: list[str] | None = None,
    quotes: list[Quote] | None = None,
    url: str | None = "https://news.example/story?a=1&b=2",
    tldr: str = "The council voted to rebuild the wall.",
    **meta: Any,
) -> Digest:
    points = ["The council voted 9 to 2.", "Work starts in September."] if points is None else points
    text = " ".join(points) + " " * 2000
    page = PageMeta(
        url=url,
        title=title,
        site=meta.get("site", "Courier"),
        author=meta.get("author", "Maya Okafor"),
        published=meta.get("published", "2026-03-14T09:00:00Z"),
    )
    return Digest(
        article=Article(text=text, meta=page, extractor="trafilatura"),
        tldr=tldr,
        key_points=tuple(KeyPoint(p, ((0, len(p)),)) for p in points),
        quotes=tuple(quotes or ()),
        model_name="test",
    )


def quote(text: str, speaker: str | None, start: int = 0) -> Quote:
    return Quote(text=text, speaker=speaker, verb="said", start=start, end=start + len(text))


def mrkdwn_texts(node: Any) -> list[dict[str, Any]]:
    """Every mrkdwn text object in a payload."""
    if isinstance(node, dict):
        found = [node] if node.get("type") == "mrkdwn" else []
        return found + [t for v in node.values() for t in mrkdwn_texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in mrkdwn_texts(v)]
    return []


def kinds(payload: dict[str, Any]) -> list[str]:
    return [b["type"] for b in payload["blocks"]]


def test_the_reply_reads_title_byline_tldr_points_quotes_buttons() -> None:
    quotes = [
        quote("We can build something that gets stronger", "Harriet Blake", 10),
        quote("It is not magic", "Tomasz Nowak", 50),
        quote("Every year", "Harriet Blake", 90),
    ]
    controls = Controls("key123", "U1", 2, True)
    payload = digest_message(make_digest(quotes=quotes), quotes, controls)

    assert kinds(payload) == ["header", "context", "section", "section", "section", "section", "actions"]
    header, context, tldr, points, blake, nowak, actions = payload["blocks"]
    assert header["text"] == {"type": "plain_text", "text": "Sea wall vote"}
    assert context["elements"][0]["text"] == (
        "Courier · Maya Okafor · 2026-03-14 · 1 min read · "
        "<https://news.example/story?a=1&amp;b=2|Open the article>"
    )
    assert tldr["text"]["text"] == "*TL;DR* The council voted to rebuild the wall."
    assert points["text"]["text"] == "*Key points*\n• The council voted 9 to 2.\n• Work starts in September."
    assert blake["text"]["text"] == (
        "> “We can build something that gets stronger”\n> “Every year”\n> — Harriet Blake"
    )
    assert nowak["text"]["text"] == "> “It is not magic”\n> — Tomasz Nowak"
    assert payload["text"] == "Sea wall vote: The council voted to rebuild the wall."
    assert payload["unfurl_links"] is False and payload["unfurl_media"] is False
    assert [e["action_id"] for e in actions["elements"]] == [ACTION_SHORTER, ACTION_MORE, ACTION_QUOTES]
    assert actions["elements"][2]["text"]["text"] == "Hide quotes"
    json.dumps(payload)  # what `precis summarize --format slack` prints


def test_buttons_carry_the_view_they_lead_to() -> None:
    digest = make_digest(points=[f"Point number {i}." for i in range(4)])
    payload = digest_message(digest, [], Controls("key123", "U1", 4, False))
    buttons = {e["action_id"]: e for e in payload["blocks"][-1]["elements"]}
    assert Controls.decode(buttons[ACTION_SHORTER]["value"]) == Controls("key123", "U1", 2, False)
    assert Controls.decode(buttons[ACTION_MORE]["value"]) == Controls("key123", "U1", 6, False)
    assert Controls.decode(buttons[ACTION_QUOTES]["value"]) == Controls("key123", "U1", 4, True)
    assert buttons[ACTION_QUOTES]["text"]["text"] == "Quotes"


def test_no_more_points_button_when_the_article_had_no_more() -> None:
    payload = digest_message(make_digest(points=["Only one."]), [], Controls("k", "U1", 4, False))
    buttons = [e["action_id"] for e in payload["blocks"][-1]["elements"]]
    assert buttons == [ACTION_QUOTES]


def test_no_buttons_that_would_change_nothing() -> None:
    # quotes on and none to show: "Hide quotes" would change nothing; nor would Shorter or More
    payload = digest_message(make_digest(points=["Only one."]), [], Controls("k", "U1", 4, True))
    assert "actions" not in kinds(payload)


def test_without_controls_there_are_no_buttons() -> None:
    assert "actions" not in kinds(digest_message(make_digest()))


def test_article_text_cannot_mention_link_or_name_channels() -> None:
    q = [quote(HOSTILE, "<@U999>")]
    digest = make_digest(
        title=HOSTILE, points=[HOSTILE], tldr=HOSTILE, quotes=q, site=HOSTILE, author=HOSTILE
    )
    payload = digest_message(digest, q, Controls("k", "U1", 1, True))
    texts = mrkdwn_texts(payload)
    assert texts and all(t["verbatim"] is True for t in texts)
    for t in [payload["text"], *(t["text"] for t in texts)]:
        assert "<!" not in t and "<@" not in t and "<#" not in t and "<https://evil" not in t
    assert escape(HOSTILE) in payload["blocks"][3]["text"]["text"]
    assert payload["blocks"][0]["text"]["text"] == HOSTILE  # plain_text is never parsed


def test_only_http_links_are_linked_and_cannot_break_out() -> None:
    for bad in ("javascript:alert(1)", "https://a.example/ x", None):
        context = digest_message(make_digest(url=bad))["blocks"][1]["elements"][0]["text"]
        assert "<" not in context
    context = digest_message(make_digest(url="https://a.example/x|y>z"))["blocks"][1]["elements"][0]["text"]
    assert context.endswith("<https://a.example/x%7Cy&gt;z|Open the article>")
    huge = "https://a.example/" + "x" * 4000
    context = digest_message(make_digest(url=huge))["blocks"][1]["elements"][0]["text"]
    assert context.endswith("1 min read")  # a link too long for the context block is left out


def test_long_parts_are_clipped_to_slacks_limits() -> None:
    words = ("word " * 2000).strip()
    digest = make_digest(
        title=words, points=[words, "A short point."], tldr=words, quotes=[quote(words, "Someone")]
    )
    payload = digest_message(digest, digest.quotes)
    header = payload["blocks"][0]["text"]["text"]
    assert len(header) <= HEADER_MAX and header.endswith("word…")
    for block in payload["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SECTION_MAX
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    points = [text for text in sections if "•" in text]
    assert len(points) == 2 and points[1] == "• A short point."  # a long point spills, nothing is lost
    assert len(payload["text"]) <= 500


def test_escaping_never_pushes_a_section_over_the_limit() -> None:
    ampersands = "&" * 5000
    payload = digest_message(make_digest(points=[ampersands], tldr=ampersands))
    for block in payload["blocks"]:
        if block["type"] == "section":
            text = block["text"]["text"]
            assert len(text) <= SECTION_MAX and not text.rstrip("…").endswith(("&", "&a", "&am"))


def test_at_most_fifty_blocks_dropping_whole_quotes_first() -> None:
    quotes = [quote(f"Statement number {i} about the wall", f"Speaker {i}", i * 100) for i in range(80)]
    payload = digest_message(make_digest(quotes=quotes), quotes, Controls("k", "U1", 2, True))
    assert len(payload["blocks"]) == BLOCKS_MAX
    assert kinds(payload)[-1] == "actions" and kinds(payload)[3] == "section"
    shown = json.dumps(payload, ensure_ascii=False)
    assert '— Speaker 0"' in shown and "— Speaker 79" not in shown


def test_a_digest_with_no_title_or_tldr() -> None:
    digest = make_digest(title=None, tldr="", url=None, site=None, author=None, published=None)
    payload = digest_message(digest)
    assert payload["blocks"][0]["text"]["text"] == "Summary"
    assert payload["blocks"][1]["elements"][0]["text"] == "1 min read"
    assert payload["text"] == "Summary"
    assert kinds(payload) == ["header", "context", "section"]


def test_announce_and_already_posted() -> None:
    # the asker named as typed, never <@id>: a mention would ping them
    assert announce_message("A & B <!here>", "u1")["text"] == "Summary of *A &amp; B &lt;!here&gt;* for u1"
    assert announce_message(None, "<@U2>")["text"] == "Summary of your text for &lt;@U2&gt;"
    assert announce_message("A", None, more=2)["text"] == "Summary of *A* (+2 more)"
    ref = PostedRef("1.2", "1.1", "https://x.slack.com/archives/C1/p12?thread_ts=1.1&cid=C1")
    assert already_posted_message(ref)["text"] == (
        "Already summarized here: "
        "<https://x.slack.com/archives/C1/p12?thread_ts=1.1&amp;cid=C1|see the earlier thread>"
    )
    assert already_posted_message(PostedRef("1.2"))["text"].startswith("Already summarized in this channel")


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (
            HTTPStatusError("the server answered 404 Not Found", 404),
            "I couldn't summarize that: the server answered 404 Not Found.",
        ),
        (
            TooLittleText("that page is paywalled: only 140 words were visible", reason="paywall", words=140),
            "I couldn't summarize that: that page is paywalled: only 140 words were visible.",
        ),
        (Busy(), "I'm busy right now: try again in a minute."),
        (RateLimited("slow down", retry_after_s=12.2, scope="user"), "Slow down. Try again in 13 s."),
        (RateLimited("slow down", retry_after_s=600, scope="channel"), "Slow down. Try again in 10 min."),
        (
            DomainNotAllowed("links to a.example aren't summarized here"),
            "Links to a.example aren't summarized here.",
        ),
        (ArticleExpired("that article has left my cache"), "That article has left my cache."),
        (BadInput("points <5> & more"), "Points &lt;5&gt; &amp; more."),
        (
            ModelError("weights corrupt at /srv/model"),
            "The summarizer is not available right now; the people running me have been told.",
        ),
        (RuntimeError("secret internals"), "Something went wrong on my side; it has been logged."),
    ],
)
def test_error_text(error: BaseException, text: str) -> None:
    assert error_text(error) == text


@pytest.mark.parametrize(
    "error",
    [
        StoreError("cannot reach Redis at redis.internal:6379: ConnectionError"),
        StoreError("cannot open the database /srv/precis/data/channels.sqlite3: disk I/O error"),
        OSError(13, "Permission denied", "/srv/precis/data/precis.sqlite3"),
    ],
)
def test_an_internal_error_is_told_generically_and_logged_in_full(
    error: BaseException, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        assert error_text(error) == "Something went wrong on my side; it has been logged."
    assert str(error) in caplog.text


def test_settings_text() -> None:
    text = settings_text(ChannelSettings("auto", 5, False, ("a.example",), ()), "C1")
    assert text.splitlines()[:6] == [
        "*precis settings for <#C1>*",
        "• Trigger: `auto`: every link posted here gets a digest",
        "• Key points: 5",
        "• Quotes: off",
        "• Allowed domains: `a.example`",
        "• Blocked domains: none",
    ]
