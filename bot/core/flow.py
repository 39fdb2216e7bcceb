"""One chat flow, whatever the platform: what each adapter does between parsing an event and
rendering a payload.

    claim the message, once in the shared store      ChatFlow.claim
    the links it asks for (articles only in auto)     requested_links
    each request: already posted here? or summarize   ChatFlow.prepare_all   (all at once)
    post each, in order, then record where it went    ChatFlow.deliver       (through a Poster)
    a button: the same article in another view       ChatFlow.rerender
    the settings command: show, or change and show   ChatFlow.settings

and the buttons under a digest: **Shorter**, **More points** and **Quotes** (``buttons``), each
only where a press changes something, each knowing the view it leads to (``Button.target``).

An adapter parses its platform's events into ``DigestRequest``, decides where the answers go
(a thread, a reply, a private message), and renders: an ``Outcome``'s failure is its ``error``,
which the adapter words with ``bot.core.chat.user_text``; a digest is a ``Shown`` (the quotes
and buttons of its view), which the adapter turns into its platform's payload.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from bot.core.chat import MAX_LINKS, not_an_article, within
from bot.core.errors import BadInput
from bot.core.service import (
    MAX_POINTS,
    ChannelSettings,
    DigestRequest,
    DigestService,
    PostedRef,
    Requester,
    ServiceResult,
    WaitNotice,
)
from bot.core.strings import DEFAULT_LANGUAGE, SERVER, Words, check_language, words_for
from bot.core.types import Quote, SourceKind

__all__ = [
    "MIN_POINTS",
    "POINTS_STEP",
    "Button",
    "ChatFlow",
    "Control",
    "Outcome",
    "Poster",
    "Shown",
    "View",
    "after",
    "buttons",
    "may_change",
    "requested_links",
    "shown",
    "split_new",
]

log = logging.getLogger(__name__)

MIN_POINTS = 1
POINTS_STEP = 2  # one press should visibly change the digest; one point at a time does not


# -- the buttons -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class View:
    """What a digest shows: the key points asked for (the article may have had fewer), and
    whether its quotes are on. What a button press changes."""

    points: int
    quotes: bool

    @classmethod
    def of(cls, request: DigestRequest, settings: ChannelSettings) -> View:
        """The view ``request`` asked for, the channel's ``settings`` where it did not say."""
        return cls(*request.asked(settings))


class Control(Enum):
    """A button under a digest; its value is its label."""

    SHORTER = "Shorter"
    MORE = "More points"
    QUOTES = "Quotes"


def after(control: Control, view: View) -> View:
    """The view a press of ``control`` on a digest showing ``view`` leads to."""
    if control is Control.SHORTER:
        return View(max(MIN_POINTS, view.points - POINTS_STEP), view.quotes)
    if control is Control.MORE:
        return View(min(MAX_POINTS, view.points + POINTS_STEP), view.quotes)
    return View(view.points, not view.quotes)


@dataclass(frozen=True, slots=True)
class Button:
    """One button: what it does, from which view (``state``: a platform that keeps the state on
    the button and works out the press later stores this), and where it leads (``target``)."""

    control: Control
    state: View

    @property
    def target(self) -> View:
        return after(self.control, self.state)

    @property
    def label(self) -> str:
        """The English label (``label_in`` gives a reply language's)."""
        return self.label_in(words_for(DEFAULT_LANGUAGE))

    def label_in(self, words: Words) -> str:
        """The label in ``words``' language: the Quotes button of a digest showing quotes hides them."""
        if self.control is Control.SHORTER:
            return words.shorter
        if self.control is Control.MORE:
            return words.more_points
        return words.hide_quotes if self.state.quotes else words.show_quotes


def buttons(points_shown: int, view: View, *, has_quotes: bool) -> tuple[Button, ...]:
    """The buttons under a digest of ``view`` that shows ``points_shown`` key points, each only
    where a press changes something: Shorter above one point; More points below the maximum,
    and not when the article gave fewer points than asked (it has no more); Hide quotes only
    when quotes are shown (``has_quotes``). Shorter and More points step from the points shown;
    Quotes keeps the points asked for."""
    shown_view = View(points_shown, view.quotes)
    found: list[Button] = []
    if points_shown > MIN_POINTS:
        found.append(Button(Control.SHORTER, shown_view))
    if view.points <= points_shown < MAX_POINTS:
        found.append(Button(Control.MORE, shown_view))
    if not view.quotes or has_quotes:
        found.append(Button(Control.QUOTES, view))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Shown:
    """A digest as one view shows it: the quotes it shows (none when they are off) and the
    buttons under it. What an adapter renders."""

    result: ServiceResult
    view: View
    quotes: tuple[Quote, ...]
    buttons: tuple[Button, ...]


def shown(result: ServiceResult, view: View) -> Shown:
    digest = result.digest
    quotes = digest.shown_quotes if view.quotes else ()
    return Shown(result, view, quotes, buttons(len(digest.key_points), view, has_quotes=bool(quotes)))


def may_change(user: str, owner: str, *, anyone: bool) -> bool:
    """Whether ``user`` may press the buttons of ``owner``'s digest (``BUTTONS_FOR_ANYONE``)."""
    return anyone or user == owner


# -- the links a message asks for --------------------------------------------------------------


def requested_links(links: Sequence[str], *, auto: bool) -> list[str]:
    """What one message asks for, on every platform: at most ``MAX_LINKS`` of its ``links``; in
    an ``auto`` channel (nobody asked) only those that may be articles (``not_an_article``)."""
    if auto:
        passed = [u for u in links if not_an_article(u)]
        if passed:
            log.info("auto mode: passing over %d link(s) that are not articles", len(passed))
        links = [u for u in links if u not in passed]
    return list(links[:MAX_LINKS])


# -- the flow ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one request: a new digest (``result``), the digest already posted in this
    channel (``posted``), or a failure (``error``); exactly one of the three is set."""

    request: DigestRequest
    view: View
    result: ServiceResult | None = None
    posted: PostedRef | None = None
    error: Exception | None = None

    @property
    def url(self) -> str | None:
        """The link asked for; None for pasted text."""
        return _url_of(self.request)

    @property
    def shown(self) -> Shown | None:
        return shown(self.result, self.view) if self.result is not None else None


def _url_of(request: DigestRequest) -> str | None:
    return request.source.url if request.source.kind is SourceKind.URL else None


def split_new(outcomes: Sequence[Outcome]) -> tuple[list[Outcome], list[Outcome]]:
    """A command's outcomes, each part in order: the new digests (for the channel), and the rest,
    already posted here or failed (for the person who asked alone)."""
    return [o for o in outcomes if o.result is not None], [o for o in outcomes if o.result is None]


class Poster(Protocol):
    """Where an adapter puts a request's answers (a thread, a reply, a private message)."""

    async def digest(self, outcome: Outcome, shown: Shown) -> PostedRef | None:
        """Post the digest; where it went, for a repeat of the link to find (None: not posted,
        or nothing to remember)."""

    async def already_posted(self, outcome: Outcome, ref: PostedRef) -> None:
        """Say that this link's digest is already in the channel, at ``ref``."""

    async def failed(self, outcome: Outcome, error: Exception) -> None:
        """Say (or not) that this request failed with ``error``."""


class ChatFlow:
    """The sequence every chat request goes through, over one ``DigestService``."""

    def __init__(self, service: DigestService, *, platform: str, deadline_s: float) -> None:
        self.service = service
        self.platform = platform
        self.deadline_s = deadline_s
        """How long one request may take before its person is told it took too long."""

    async def claim(self, channel: str, message_id: str) -> bool:
        """Whether this process answers this chat message: the first delivery, in the first
        process to claim it; a platform's retry or replay, and every other process, get False."""
        if await self.service.claim_message(self.platform, channel, message_id):
            return True
        log.info(
            "%s: message %s in %s is already taken (a retry or a replay, or another process)",
            self.platform,
            message_id,
            channel,
        )
        return False

    async def prepare(
        self, request: DigestRequest, settings: ChannelSettings, *, on_wait: WaitNotice | None = None
    ) -> Outcome:
        """The digest already posted in this channel for the link asked for, else a new digest
        (within ``deadline_s``); a failure is the outcome's ``error``, never raised."""
        view = View.of(request, settings)
        try:
            url = _url_of(request)
            if url is not None:
                ref = await self.service.find_posted(request.requester, url)
                if ref is not None:
                    return Outcome(request, view, posted=ref)
            summarizing = self.service.summarize(request, settings, on_wait=on_wait)
            return Outcome(request, view, result=await within(self.deadline_s, summarizing))
        except Exception as exc:
            return Outcome(request, view, error=exc)

    async def prepare_all(
        self,
        requests: Sequence[DigestRequest],
        settings: ChannelSettings,
        *,
        on_wait: WaitNotice | None = None,
    ) -> list[Outcome]:
        """Every request at once (the service queues the work), in order."""
        return list(await asyncio.gather(*(self.prepare(r, settings, on_wait=on_wait) for r in requests)))

    async def deliver(self, outcomes: Sequence[Outcome], poster: Poster) -> None:
        """Each outcome through ``poster``, in order; each new digest of a link is then recorded
        where it went, so that a repeat of the link in this channel finds it."""
        for outcome in outcomes:
            if outcome.error is not None:
                await poster.failed(outcome, outcome.error)
            elif outcome.posted is not None:
                await poster.already_posted(outcome, outcome.posted)
            elif outcome.result is not None:
                ref = await poster.digest(outcome, shown(outcome.result, outcome.view))
                if ref is not None:
                    await self.record(outcome, ref)

    async def record(self, outcome: Outcome, ref: PostedRef) -> None:
        """Remember where the digest of ``outcome``'s link went (under the link asked for; the
        service also finds it by where its redirects led). A failure here is logged, never the
        user's: the digest is posted."""
        url = outcome.url
        if url is None:
            return
        try:
            await self.service.record_posted(outcome.request.requester, url, ref)
        except Exception:
            log.exception("could not record where %s was posted", url)

    async def settings(
        self, workspace: str | None, channel: str, changes: Mapping[str, object] | None = None
    ) -> tuple[ChannelSettings, str]:
        """The settings command: a channel's settings after ``changes`` (none: as they are), and
        its server's reply language. A ``language`` among ``changes`` (a code or a language's name,
        as ``check_language`` reads it) is the server's own, saved under ``SERVER``, never the
        channel's; it is checked before anything is saved; then the channel's changes are saved:
        when they are refused, so is the rest."""
        rest = dict(changes or {})
        language = rest.pop("language", None)
        if language is not None:
            if workspace is None:
                platform = self.platform.capitalize()
                raise BadInput(f"the reply language belongs to a workspace, and {platform} did not say which")
            language = check_language(language)
        if rest:
            current = await self.service.update_settings(self.platform, workspace, channel, **rest)
        else:
            current = await self.service.get_settings(self.platform, workspace, channel)
        if language is not None:
            saved = await self.service.update_settings(self.platform, workspace, SERVER, language=language)
            return current, saved.language
        return current, await self.service.reply_language(self.platform, workspace)

    async def rerender(self, article_key: str, requester: Requester, view: View) -> Shown:
        """A button: the cached article again in ``view`` (within ``deadline_s``)."""
        result = await within(
            self.deadline_s,
            self.service.rerender(article_key, requester, points=view.points, quotes=view.quotes),
        )
        return shown(result, view)
