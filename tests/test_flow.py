"""``bot.core.flow``: the one chat flow and the buttons, with no platform (a fake poster)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import pytest

from bot.core.chat import MAX_LINKS
from bot.core.errors import ArticleExpired, HTTPStatusError, StoreError, TooSlow
from bot.core.flow import (
    Button,
    ChatFlow,
    Control,
    Outcome,
    Shown,
    View,
    after,
    buttons,
    may_change,
    requested_links,
)
from bot.core.service import ChannelSettings, DigestRequest, PostedRef, Requester, ServiceResult
from bot.core.types import Article, Digest, KeyPoint, PageMeta, Quote, Source

ALICE = Requester("test", "W1", "C1", "alice")
STORY = "https://news.example/story"
OTHER = "https://news.example/other"
BROKEN = "https://news.example/broken"


def result(points: int = 3, *, quotes: bool = True, key: str = "k1") -> ServiceResult:
    text = "The council voted. Work starts soon. " * 20 + "“We will build it,” said Mayor Lee."
    said = text.index("We will")
    digest = Digest(
        article=Article(text=text, meta=PageMeta(url=STORY, title="Sea wall"), extractor="test"),
        tldr="The council voted.",
        key_points=tuple(KeyPoint(f"Point {i}.", ((0, 5),)) for i in range(points)),
        quotes=(Quote("We will build it,", "Mayor Lee", "said", said, said + 17, ((said, said + 17),)),)
        if quotes
        else (),
        model_name="test",
    )
    return ServiceResult(digest, key, cached=False)


@dataclass
class FakeService:
    """What the flow asks of ``DigestService``, in memory: digests by URL, failures by URL."""

    results: dict[str, ServiceResult] = field(default_factory=dict)
    failures: dict[str, Exception] = field(default_factory=dict)
    posted: dict[str, PostedRef] = field(default_factory=dict)
    claimed: set[tuple[str, str, str]] = field(default_factory=set)
    hold: asyncio.Event | None = None
    fail_record: bool = False
    summarized: list[DigestRequest] = field(default_factory=list)
    rerendered: list[tuple[str, int, bool]] = field(default_factory=list)

    async def claim_message(self, platform: str, channel: str, message_id: str) -> bool:
        key = (platform, channel, message_id)
        fresh = key not in self.claimed
        self.claimed.add(key)
        return fresh

    async def find_posted(self, requester: Requester, url: str) -> PostedRef | None:
        return self.posted.get(url)

    async def record_posted(self, requester: Requester, url: str, ref: PostedRef) -> None:
        if self.fail_record:
            raise StoreError("cannot reach Redis at redis.internal:6379")
        self.posted[url] = ref

    async def summarize(
        self, request: DigestRequest, settings: ChannelSettings, *, on_wait: object
    ) -> ServiceResult:
        self.summarized.append(request)
        if self.hold is not None:
            await self.hold.wait()
        url = request.source.url or ""
        if url in self.failures:
            raise self.failures[url]
        return self.results.get(url) or result()

    async def rerender(
        self, article_key: str, requester: Requester, *, points: int, quotes: bool
    ) -> ServiceResult:
        self.rerendered.append((article_key, points, quotes))
        if article_key == "gone":
            raise ArticleExpired("That article has left my cache: ask again.")
        return result(min(points, 4), key=article_key)


@dataclass
class FakePoster:
    """Writes down what it was asked to post, as the adapters' posters would send it."""

    said: list[str] = field(default_factory=list)
    shown: list[Shown] = field(default_factory=list)
    refs: bool = True

    async def digest(self, outcome: Outcome, shown: Shown) -> PostedRef | None:
        self.shown.append(shown)
        self.said.append(f"digest of {outcome.url}")
        return PostedRef(f"m{len(self.said)}", "t1") if self.refs else None

    async def already_posted(self, outcome: Outcome, ref: PostedRef) -> None:
        self.said.append(f"already at {ref.message_id}")

    async def failed(self, outcome: Outcome, error: Exception) -> None:
        self.said.append(f"failed {outcome.url}: {type(error).__name__}")


def flow(service: FakeService, deadline_s: float = 5.0) -> ChatFlow:
    return ChatFlow(service, platform="test", deadline_s=deadline_s)  # type: ignore[arg-type]


def request(url: str, **options: object) -> DigestRequest:
    return DigestRequest(Source.from_url(url), ALICE, **options)  # type: ignore[arg-type]


# -- the flow ----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_each_link_is_answered_in_order_and_new_digests_are_recorded() -> None:
    service = FakeService(failures={BROKEN: HTTPStatusError("the page answered HTTP 404", 404)})
    service.posted[OTHER] = PostedRef("earlier", "t0")
    chat, poster = flow(service), FakePoster()
    outcomes = await chat.prepare_all([request(STORY), request(BROKEN), request(OTHER)], ChannelSettings())
    await chat.deliver(outcomes, poster)
    assert poster.said == [f"digest of {STORY}", f"failed {BROKEN}: HTTPStatusError", "already at earlier"]
    assert [r.source.url for r in service.summarized] == [STORY, BROKEN]  # OTHER: no work at all
    assert service.posted[STORY] == PostedRef("m1", "t1")  # a repeat of STORY now finds it
    assert BROKEN not in service.posted


@pytest.mark.asyncio
async def test_requests_are_summarized_at_once_not_one_after_another() -> None:
    service = FakeService(hold=asyncio.Event())
    chat = flow(service)
    preparing = asyncio.ensure_future(chat.prepare_all([request(STORY), request(OTHER)], ChannelSettings()))
    await asyncio.sleep(0.01)
    assert len(service.summarized) == 2  # both started while the first is still held
    service.hold.set()
    assert all(o.result is not None for o in await preparing)


@pytest.mark.asyncio
async def test_a_digest_past_the_deadline_is_a_too_slow_failure() -> None:
    service = FakeService(hold=asyncio.Event())
    [outcome] = await flow(service, deadline_s=0.05).prepare_all([request(STORY)], ChannelSettings())
    assert isinstance(outcome.error, TooSlow) and outcome.result is None


@pytest.mark.asyncio
async def test_pasted_text_is_never_looked_up_or_recorded() -> None:
    service = FakeService()
    chat, poster = flow(service), FakePoster()
    text = DigestRequest(Source.from_text("Some pasted words."), ALICE)
    await chat.deliver(await chat.prepare_all([text], ChannelSettings()), poster)
    assert poster.said == ["digest of None"] and service.posted == {}


@pytest.mark.asyncio
async def test_a_failed_record_is_logged_and_the_rest_still_posted(caplog: pytest.LogCaptureFixture) -> None:
    service = FakeService(fail_record=True)
    chat, poster = flow(service), FakePoster()
    outcomes = await chat.prepare_all([request(STORY), request(OTHER)], ChannelSettings())
    with caplog.at_level(logging.ERROR, logger="bot.core.flow"):
        await chat.deliver(outcomes, poster)
    assert poster.said == [f"digest of {STORY}", f"digest of {OTHER}"]
    assert [r.getMessage() for r in caplog.records] == [
        f"could not record where {STORY} was posted",
        f"could not record where {OTHER} was posted",
    ]


@pytest.mark.asyncio
async def test_nothing_is_recorded_when_the_poster_posted_nowhere() -> None:
    service = FakeService()
    chat = flow(service)
    await chat.deliver(await chat.prepare_all([request(STORY)], ChannelSettings()), FakePoster(refs=False))
    assert service.posted == {}


@pytest.mark.asyncio
async def test_the_view_is_the_requests_then_the_channels() -> None:
    service = FakeService(results={STORY: result(5)})
    chat, poster = flow(service), FakePoster()
    settings = ChannelSettings(points=5, quotes=False)
    outcomes = await chat.prepare_all([request(STORY), request(STORY, points=2, quotes=True)], settings)
    assert [o.view for o in outcomes] == [View(5, False), View(2, True)]
    await chat.deliver(outcomes, poster)
    assert poster.shown[0].quotes == () and len(poster.shown[1].quotes) == 1


@pytest.mark.asyncio
async def test_a_message_is_claimed_once() -> None:
    chat = flow(FakeService())
    assert await chat.claim("C1", "m1") is True
    assert await chat.claim("C1", "m1") is False  # a retry, a replay, another process
    assert await chat.claim("C2", "m1") is True


@pytest.mark.asyncio
async def test_rerender_shows_the_cached_article_in_the_new_view() -> None:
    service = FakeService()
    again = await flow(service).rerender("k9", ALICE, View(6, False))
    assert service.rerendered == [("k9", 6, False)]
    assert again.view == View(6, False) and again.quotes == ()
    assert [b.label for b in again.buttons] == ["Shorter", "Quotes"]  # 6 asked, 4 shown: no more
    with pytest.raises(ArticleExpired):
        await flow(service).rerender("gone", ALICE, View(4, False))


# -- the buttons -------------------------------------------------------------------------------


def test_presses_step_two_points_within_bounds_and_toggle_quotes() -> None:
    assert after(Control.SHORTER, View(3, True)) == View(1, True)
    assert after(Control.SHORTER, View(2, True)) == View(1, True)
    assert after(Control.MORE, View(3, False)) == View(5, False)
    assert after(Control.MORE, View(7, False)) == View(8, False)
    assert after(Control.QUOTES, View(3, True)) == View(3, False)


def test_buttons_that_would_change_nothing_are_left_out() -> None:
    def labels(shown: int, view: View, has_quotes: bool = True) -> list[str]:
        return [b.label for b in buttons(shown, view, has_quotes=has_quotes)]

    assert labels(3, View(3, True)) == ["Shorter", "More points", "Hide quotes"]
    assert labels(1, View(1, False)) == ["More points", "Quotes"]  # one point: nothing shorter
    assert labels(8, View(8, True)) == ["Shorter", "Hide quotes"]  # the maximum
    assert labels(2, View(5, True)) == ["Shorter", "Hide quotes"]  # the article had only 2
    assert labels(3, View(3, True), has_quotes=False) == ["Shorter", "More points"]  # none to hide
    assert labels(3, View(3, False), has_quotes=False) == ["Shorter", "More points", "Quotes"]


def test_each_button_leads_from_the_points_shown_and_quotes_keeps_the_points_asked() -> None:
    shorter, quotes = buttons(2, View(5, True), has_quotes=True)
    assert shorter == Button(Control.SHORTER, View(2, True)) and shorter.target == View(1, True)
    # Asked for 5, the article had 2: with quotes hidden it is still 5 asked, so no More points.
    assert quotes.target == View(5, False)
    more = buttons(3, View(3, False), has_quotes=False)[1]
    assert more.control is Control.MORE and more.target == View(5, False)


def test_the_buttons_belong_to_the_asker_unless_anyone_may_press() -> None:
    assert may_change("alice", "alice", anyone=False)
    assert not may_change("bob", "alice", anyone=False)
    assert may_change("bob", "alice", anyone=True)


# -- the links of one message ------------------------------------------------------------------


def test_a_message_takes_at_most_max_links_and_auto_only_articles(caplog: pytest.LogCaptureFixture) -> None:
    links = [f"https://news.example/{i}" for i in range(MAX_LINKS + 2)]
    assert requested_links(links, auto=False) == links[:MAX_LINKS]
    video = "https://www.youtube.com/watch?v=x"
    with caplog.at_level(logging.INFO, logger="bot.core.flow"):
        assert requested_links([video, STORY], auto=True) == [STORY]
    assert "passing over 1 link(s)" in caplog.text
    assert requested_links([video, STORY], auto=False) == [video, STORY]  # asked for: fetched, told why
