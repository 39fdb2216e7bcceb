"""Reading Slack text and ``/summarize`` arguments; who is ignored; the app manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import BadInput
from bot.core.types import SourceKind
from bot.slack_chat.app import COMMAND, SHORTCUT_ID
from bot.slack_chat.parse import (
    find_links,
    is_bot_event,
    mentions,
    message_links,
    parse_command,
    parse_settings_changes,
    plain_text,
)

MANIFEST = Path(__file__).resolve().parents[1] / "slack" / "manifest.yml"


def test_find_links_in_slack_formatted_text() -> None:
    text = "<@UBOT> see <https://a.example/x?y=1&amp;z=2|a.example/x> and <http://b.example>"
    assert find_links(text) == ["https://a.example/x?y=1&z=2", "http://b.example"]


def test_find_links_as_typed() -> None:
    assert find_links("read https://a.example/story. Then (https://b.example/x)!") == [
        "https://a.example/story",
        "https://b.example/x",
    ]
    assert find_links("<@U1> <#C1|general> <!here> mailto:x@y.example ftp://c.example") == []


def test_plain_text_drops_mentions_and_unwraps_links() -> None:
    text = "<@U1> read <https://a.example|this> &amp; that &lt;3"
    assert plain_text(text) == "read https://a.example & that <3"


def test_mentions() -> None:
    assert mentions("<@UBOT> hi", "UBOT")
    assert not mentions("<@UOTHER> hi", "UBOT")
    assert not mentions("<@UBOT> hi", None)


@pytest.mark.parametrize(
    ("event", "ignored"),
    [
        ({"user": "U1", "text": "hi"}, False),
        ({"user": "UBOT", "text": "hi"}, True),  # this app, by user id
        ({"bot_id": "BBOT", "text": "hi"}, True),  # this app, by bot id only
        ({"bot_id": "BOTHER", "user": "U9", "text": "hi"}, True),  # another bot
        ({"subtype": "bot_message", "text": "hi"}, True),
        ({"user": "U1", "bot_profile": {"id": "B2"}, "text": "hi"}, True),
    ],
)
def test_is_bot_event(event: dict, ignored: bool) -> None:
    assert is_bot_event(event, bot_user_id="UBOT", bot_id="BBOT") is ignored


def test_parse_command() -> None:
    assert parse_command("").kind == "help"
    assert parse_command("  help ").kind == "help"
    settings = parse_command("settings trigger auto")
    assert (settings.kind, settings.settings_args) == ("settings", "trigger auto")
    link = parse_command("https://a.example/story please")
    assert link.kind == "digest" and [x.value for x in link.sources] == ["https://a.example/story"]
    assert link.sources[0].kind is SourceKind.URL
    wrapped = parse_command("<https://a.example/story|a.example/story>")
    assert [x.value for x in wrapped.sources] == ["https://a.example/story"]
    asked = parse_command("could you please summarize https://a.example/story for me, thanks")
    assert [x.value for x in asked.sources] == ["https://a.example/story"]
    bare = parse_command("a.example/story and www.b.example")
    assert [x.value for x in bare.sources] == ["https://a.example/story", "https://www.b.example"]
    many = parse_command("https://a.example/1 https://a.example/2 https://a.example/3 https://a.example/4")
    assert [x.value for x in many.sources] == [f"https://a.example/{i}" for i in (1, 2, 3)]
    text = parse_command("The council met <@U1> on Tuesday & voted.")
    [source] = text.sources
    assert (source.kind, source.value) == (SourceKind.TEXT, "The council met  on Tuesday & voted.")
    cited = " ".join(["The council met on Tuesday and voted for the reef."] * 4) + " See https://a.example/x"
    assert parse_command(cited).sources[0].kind is SourceKind.TEXT  # an article citing a link


def test_message_links_take_attachments_too() -> None:
    message = {
        "text": "New post: <https://a.example/1|one>",
        "attachments": [{"title_link": "https://a.example/2"}, {"from_url": "javascript:alert(1)"}],
    }
    assert message_links(message) == ["https://a.example/1", "https://a.example/2"]


def test_parse_settings_changes() -> None:
    args = "trigger auto points 5 quotes off allow a.example, b.example block c.example"
    assert parse_settings_changes(args) == {
        "trigger": "auto",
        "points": "5",
        "quotes": "off",
        "allowed_domains": ("a.example", "b.example"),
        "blocked_domains": ("c.example",),
    }
    assert parse_settings_changes("allow none block <http://d.example|d.example>") == {
        "allowed_domains": (),
        "blocked_domains": ("http://d.example",),
    }
    with pytest.raises(BadInput, match="not a setting"):
        parse_settings_changes("colour blue")
    with pytest.raises(BadInput, match="takes one value"):
        parse_settings_changes("points 3 4")


def test_manifest_declares_exactly_what_the_bot_uses() -> None:
    yaml = pytest.importorskip("yaml")
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    features, settings = manifest["features"], manifest["settings"]
    assert [c["command"] for c in features["slash_commands"]] == [COMMAND]
    assert features["slash_commands"][0]["should_escape"] is False  # links arrive as typed
    assert [(s["type"], s["callback_id"], s["name"]) for s in features["shortcuts"]] == [
        ("message", SHORTCUT_ID, "Summarize")
    ]
    events = set(settings["event_subscriptions"]["bot_events"])
    assert events == {"app_mention", "message.channels", "message.groups"}
    assert settings["interactivity"]["is_enabled"] is True
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "app_mentions:read",
        "channels:history",
        "groups:history",
        "chat:write",
        "chat:write.public",
        "reactions:write",
        "commands",
        "users:read",
    }
