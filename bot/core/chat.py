"""What both chat adapters decide the same way, whatever the platform's markup.

- How many links one message asks for (``MAX_LINKS``), and when a few words around a link are
  a request for that link ("please summarize https://...") rather than text to summarize.
- The links a person pastes without a scheme (``example.com/story``), taken in explicit requests.
- The links an ``auto`` channel passes over before any fetch (``not_an_article``): videos, social
  posts, GIFs and pictures are shared to be seen, not read.
- How long one request may take in all (``request_deadline_s``), and ``within``, which turns that
  deadline into ``TooSlow``: the person who asked hears "took too long", never silence.
- What the person who asked is told when their request failed (``user_text``), and what the log
  gets (all of it). Each adapter adds only its platform's own errors and markup.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Iterable
from typing import TypeVar
from urllib.parse import urlsplit

from bot.config import Settings
from bot.core.errors import ModelError, PrecisError, StartupError, StoreError, TooSlow
from bot.core.service import wait_text
from bot.core.urls import domain_matches, host_of

__all__ = [
    "INTERNAL_TEXT",
    "MAX_LINKS",
    "REQUEST_DEADLINE_MAX_S",
    "UNAVAILABLE_TEXT",
    "bare_links",
    "in_order",
    "is_link_request",
    "not_an_article",
    "request_deadline_s",
    "user_text",
    "within",
]

T = TypeVar("T")

log = logging.getLogger(__name__)

INTERNAL_TEXT = "Something went wrong on my side; it has been logged."
UNAVAILABLE_TEXT = "The summarizer is not available right now; the people running me have been told."
# The bot's own failures: their messages name a file, a server or a model, for the log only.
INTERNAL_ERRORS = (StoreError, StartupError)

MAX_LINKS = 3  # links summarized per message, each its own digest: more is a link dump, not a request
# A request with a link and fewer words than this around it is a request for the link; more is
# text to summarize that happens to cite one (text this short is refused as too little anyway).
REQUEST_WORDS_MAX = 30
# Discord's interaction token lasts 15 minutes; past this a request is abandoned, which leaves time
# to post the "took too long" (and a thread) on the token.
REQUEST_DEADLINE_MAX_S = 10 * 60.0
# Beyond the fetch and the model work, a request may wait for a worker or another process's lease.
QUEUE_ALLOWANCE_S = 60.0

# Sites whose links are something to watch, hear or scroll, never an article to read.
NOT_ARTICLE_HOSTS = frozenset({
    "youtube.com", "youtu.be", "vimeo.com", "twitch.tv", "tiktok.com", "instagram.com",
    "x.com", "twitter.com", "bsky.app", "tenor.com", "giphy.com", "imgur.com", "open.spotify.com",
    "soundcloud.com", "cdn.discordapp.com", "media.discordapp.net", "discord.com", "discord.gg",
})  # fmt: skip
NOT_ARTICLE_SUFFIXES = (
    ".png", ".jpg", ".jpeg", ".gif", ".gifv", ".webp", ".avif", ".svg", ".bmp",
    ".mp4", ".mov", ".webm", ".mkv", ".mp3", ".ogg", ".wav", ".zip", ".exe",
)  # fmt: skip

_TRAILING = ".,;:!?'\"*_~"
# ``example.com/story`` or ``www.example.com``: a host with a letters-only top-level domain, then a
# path unless it starts with www. (a bare ``Node.js`` or ``e.g.`` is not a link). Not preceded by
# ``://`` (a URL already found), ``@`` (an e-mail address) or a word character.
_BARE = re.compile(
    r"(?<![\w@/.:-])"
    r"(?P<host>(?:www\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})"
    r"(?P<path>/[^\s<>|]*)?",
    re.IGNORECASE,
)
_WORD = re.compile(r"\S+")


def strip_trailing(url: str) -> str:
    """Punctuation and markdown glued to the end of a link (``.``, ``**``, an unbalanced ``)``)
    are not part of it."""
    while url and (
        url[-1] in _TRAILING
        or (url[-1] == ")" and url.count(")") > url.count("("))
        or (url[-1] == "]" and url.count("]") > url.count("["))
    ):
        url = url[:-1]
    return url


def bare_links(text: str) -> list[tuple[int, str]]:
    """``(position, https://...)`` for each address written without a scheme in ``text``:
    ``example.com/story``, ``www.example.com``. ``text`` should have its http(s) links blanked."""
    found = []
    for m in _BARE.finditer(text):
        host, path = m["host"], m["path"] or ""
        if not path and not host.lower().startswith("www."):
            continue
        url = strip_trailing(f"https://{host}{path}")
        if host_of(url):
            found.append((m.start(), url))
    return found


def in_order(found: Iterable[tuple[int, str]]) -> list[str]:
    """The links of ``(position, url)`` pairs found by several patterns: by position, each once."""
    return list(dict.fromkeys(url for _, url in sorted(found)))


def is_link_request(text: str, links: list[str]) -> bool:
    """Whether ``text`` (as a reader sees it) asks for its ``links``, rather than being text to
    summarize: "please summarize https://..." is a request, a pasted article citing a link is not."""
    rest = text
    for url in links:
        rest = rest.replace(url, " ")
    return bool(links) and len(_WORD.findall(rest)) < REQUEST_WORDS_MAX


def not_an_article(url: str) -> bool:
    """A link an ``auto`` channel passes over without fetching: a video, a social post, a GIF,
    a picture or a file. (Asked for explicitly, it is fetched, and the reason told.)"""
    host = host_of(url)
    if host is None:
        return True
    if domain_matches(host, NOT_ARTICLE_HOSTS):
        return True
    try:
        path = urlsplit(url).path.lower()
    except ValueError:
        return True
    return path.endswith(NOT_ARTICLE_SUFFIXES)


def request_deadline_s(settings: Settings) -> float:
    """How long one request may take in all: the fetch, the model work, and a wait for a worker;
    never more than ``REQUEST_DEADLINE_MAX_S``."""
    return min(
        settings.fetch_timeout_s + settings.digest_timeout_s + QUEUE_ALLOWANCE_S, REQUEST_DEADLINE_MAX_S
    )


async def within(deadline_s: float, work: Awaitable[T]) -> T:
    """``work``, or ``TooSlow`` once ``deadline_s`` has passed (the work is cancelled; the
    service's shared tasks carry on for whoever else waits on them)."""
    timeout = asyncio.timeout(deadline_s)
    try:
        async with timeout:
            return await work
    except TimeoutError:
        if not timeout.expired():
            raise
        raise TooSlow(f"that took too long (over {wait_text(deadline_s)}), so I gave up on it") from None


def user_text(error: BaseException) -> str:
    """What the person whose request failed with ``error`` reads; the log gets the whole error.

    An error about the request (the page, a limit, the input) says so in its ``message``, which
    never holds internal detail, with when to try again if that helps; the log line has its
    ``detail`` too. The bot's own failures (a model, the store, anything unexpected) are told in
    a generic line that names nothing, and logged in full, unexpected ones with their traceback.
    """
    if isinstance(error, ModelError):
        log.error("summarizer failed: %s", error)
        return UNAVAILABLE_TEXT
    if isinstance(error, INTERNAL_ERRORS):
        log.error("request failed: %s", error)
        return INTERNAL_TEXT
    if not isinstance(error, PrecisError):
        log.error("unexpected error", exc_info=error)
        return INTERNAL_TEXT
    log.info("request declined (%s): %s", error.code, error)
    retry_after_s = getattr(error, "retry_after_s", None)
    if retry_after_s is None or "try again" in error.message.lower():
        return error.message
    return f"{error.message.rstrip('.')}. Try again in {wait_text(retry_after_s)}."
