"""Reading what people send: links in Slack-formatted text, ``/summarize`` arguments. Pure.

Slack sends message text with links wrapped (``<https://a.example/x?y=1&amp;z=2|a.example>``),
mentions as ``<@U123>`` and ``&``, ``<``, ``>`` escaped. Slash command text arrives as typed
(the manifest turns ``should_escape`` off), but both forms are accepted everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.chat import MAX_LINKS, bare_links, in_order, is_link_request
from bot.core.errors import BadInput
from bot.core.types import Source

__all__ = [
    "Command",
    "find_links",
    "is_bot_event",
    "mentions",
    "message_links",
    "parse_command",
    "parse_settings_changes",
    "plain_text",
]

_SLACK_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|[^>]*)?>", re.IGNORECASE)
_SLACK_TOKEN = re.compile(r"<[@#!][^>]*>")
_BARE_LINK = re.compile(r"https?://[^\s<>]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\"»”’"

SETTINGS_KEYS = ("trigger", "points", "quotes", "allow", "block", "language")
_EXAMPLES = {"trigger": "auto", "points": "5", "quotes": "off", "language": "de"}

USAGE = (
    "Use `/summarize <link>` or `/summarize <text>` for a digest, or `/summarize settings` for this "
    "channel's settings. In a channel you can also mention me with a link."
)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def find_links(text: str, *, bare: bool = False) -> list[str]:
    """The http(s) links in ``text``, in order, without repeats, whether Slack wrapped them or not;
    with ``bare``, addresses typed without a scheme too (``example.com/story``: a slash command's
    text arrives as typed, where a message's has been linked by Slack)."""
    found: list[tuple[int, str]] = [(m.start(), _unescape(m.group(1))) for m in _SLACK_LINK.finditer(text)]
    rest = _SLACK_LINK.sub(lambda m: " " * len(m.group(0)), text)
    rest = _SLACK_TOKEN.sub(lambda m: " " * len(m.group(0)), rest)
    for m in _BARE_LINK.finditer(rest):
        url = _unescape(m.group(0)).rstrip(_TRAILING)
        if len(url) > len("https://"):
            found.append((m.start(), url))
    if bare:
        found += bare_links(_BARE_LINK.sub(lambda m: " " * len(m.group(0)), rest))
    return in_order(found)


def message_links(message: dict, limit: int = MAX_LINKS) -> list[str]:
    """What a request on ``message`` asks for: the links in its text, then those of its
    attachments (a feed app's post, an unfurl), at most ``limit``."""
    links = find_links(message.get("text") or "")
    for attachment in message.get("attachments") or []:
        if not isinstance(attachment, dict):
            continue
        for key in ("title_link", "from_url", "original_url"):
            url = attachment.get(key)
            if isinstance(url, str) and find_links(url) == [url] and url not in links:
                links.append(url)
    return links[:limit]


def plain_text(text: str) -> str:
    """Slack-formatted text as a reader sees it: mention tokens dropped, links as their URL."""
    text = _SLACK_LINK.sub(lambda m: m.group(1), text)
    text = _SLACK_TOKEN.sub("", text)
    return _unescape(text).strip()


def mentions(text: str, user_id: str | None) -> bool:
    return bool(user_id) and f"<@{user_id}>" in text


def is_bot_event(event: dict, *, bot_user_id: str | None, bot_id: str | None) -> bool:
    """True for messages from this app or from any other bot: they never trigger a digest.

    Bolt already drops this app's own events; this also drops other bots (no reply loops
    between two summarizers) and covers both ids, since message events may carry only one.
    """
    if event.get("bot_id") or event.get("bot_profile") or event.get("subtype") == "bot_message":
        return True
    user = event.get("user")
    if user is not None and user == bot_user_id:
        return True
    return bot_id is not None and event.get("bot_id") == bot_id


@dataclass(frozen=True, slots=True)
class Command:
    """What ``/summarize`` was asked to do: a digest, the settings, or help."""

    kind: str
    """"digest", "settings" or "help"."""
    sources: tuple[Source, ...] = ()
    """A digest's sources: up to ``MAX_LINKS`` links, or one text."""
    settings_args: str = ""


def parse_command(text: str) -> Command:
    text = text.strip()
    first, _, rest = text.partition(" ")
    if not text or first.lower() == "help":
        return Command("help")
    if first.lower() == "settings":
        return Command("settings", settings_args=rest.strip())
    links = find_links(text, bare=True)
    if is_link_request(plain_text(text), links):  # "please summarize https://...", a bare domain
        return Command("digest", tuple(Source.from_url(u) for u in links[:MAX_LINKS]))
    return Command("digest", (Source.from_text(plain_text(text)),))


def _domains(words: list[str]) -> tuple[str, ...]:
    if [w.lower() for w in words] in (["none"], ["-"]):
        return ()
    return tuple(item for word in words for item in plain_text(word).split(",") if item.strip())


def parse_settings_changes(args: str) -> dict[str, object]:
    """``trigger auto points 5 quotes off allow a.org b.org block c.org`` -> service changes.

    Keys are ``trigger``, ``points``, ``quotes``, ``allow``, ``block`` and ``language`` (the
    workspace's reply language, not the channel's); each takes the words up to the next key
    (``allow none`` clears a list). Values are checked by the service, which
    raises ``BadInput`` naming the problem; this only raises it for words it cannot place.
    """
    values: dict[str, list[str]] = {}
    key: str | None = None
    for word in args.split():
        if word.lower() in SETTINGS_KEYS:
            key = word.lower()
            values[key] = []
        elif key is None:
            raise BadInput(f"{word!r} is not a setting: the settings are {', '.join(SETTINGS_KEYS)}")
        else:
            values[key].append(word)
    changes: dict[str, object] = {}
    for key, words in values.items():
        if key in ("allow", "block"):
            changes["allowed_domains" if key == "allow" else "blocked_domains"] = _domains(words)
        elif len(words) != 1:
            raise BadInput(f"`{key}` takes one value, like `{key} {_EXAMPLES[key]}`")
        else:
            changes[key] = words[0]
    return changes
