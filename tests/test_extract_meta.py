"""Page metadata (title, site, author) and the gate's handling of short complete articles, on
small pages written for these tests."""

import json

import pytest

from bot.core.errors import TooLittleText
from bot.core.extract import read_html

URL = "https://www.harbourherald.example/news/2026/03/reef-wall"

PARAGRAPH = (
    "<p>The harbour council voted on Tuesday to rebuild the flooded sea wall with a living reef. "
    "Engineers said the reef would soften waves before they reach the old stone wall. "
    "Fishing crews asked for a channel to stay open while the work goes on.</p>"
)
STORY = PARAGRAPH * 6  # about 240 words: a full article, clear of every short-page check

# A wire brief of about 90 words: complete, in full sentences, shorter than MIN_PAGE_WORDS.
BRIEF = (
    "<p>Rescuers pulled two fishermen from the sea off Port Ellis on Sunday after their boat "
    "capsized in a sudden squall, the coastguard said.</p>"
    "<p>The men, both in their fifties, clung to the upturned hull for nearly three hours before "
    "a lifeboat crew reached them shortly after dawn.</p>"
    "<p>They were taken to hospital in Ardmore with mild hypothermia and are expected to recover, "
    "a spokeswoman for the hospital said.</p>"
    "<p>The coastguard urged crews to check the forecast before setting out, as more storms are "
    "expected along the coast later this week.</p>"
)

# What a consent wall shows instead of the article: about 100 words, all of it consent wording.
CONSENT_WALL = (
    "<div class='consent'><h2>Your privacy choices</h2>"
    "<p>We and our partners use cookies to store and access personal data on your device, such as "
    "unique identifiers and browsing data, for personalised ads and content, ad and content "
    "measurement, and audience insights.</p>"
    "<p>With your permission we and our partners may use precise geolocation data and "
    "identification through device scanning for tracking and advertising purposes.</p>"
    "<p>You can accept all cookies, reject them, or manage your consent preferences at any time "
    "from the privacy settings link at the bottom of every page.</p>"
    "<p>Some vendors process your data on the basis of legitimate interest, which you can object "
    "to in the preferences.</p>"
    "<p><button>Accept all cookies</button> <button>Manage consent</button></p></div>"
)
COOKIE_BANNER = (
    "<div id='cookie-banner'>We use cookies to improve your experience. "
    "<button>Accept all cookies</button></div>"
)


def page(body: str, *, title: str = "Reef wall approved", head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>{head}</head>"
        f"<body><article>{body}</article></body></html>"
    )


def og(prop: str, value: str) -> str:
    return f'<meta property="{prop}" content="{value}">'


def json_ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


# -- title ---------------------------------------------------------------------------------


@pytest.mark.parametrize("separator", [" - ", " | ", " — ", " :: ", " / "])
def test_title_loses_the_site_name_suffix(separator: str) -> None:
    title = f"Council backs living reef for the sea wall{separator}Harbour Herald"
    html = page(STORY, title=title, head=og("og:site_name", "Harbour Herald") + og("og:title", title))
    assert read_html(html, URL).meta.title == "Council backs living reef for the sea wall"


def test_title_suffix_matching_the_host_goes_without_og_site_name() -> None:
    html = page(STORY, title="Council backs living reef for the sea wall | HarbourHerald")
    assert read_html(html, URL).meta.title == "Council backs living reef for the sea wall"


@pytest.mark.parametrize("separator", [" / ", " | ", " - ", " – ", " — ", " :: "])
def test_a_host_name_after_the_headline_goes_though_it_is_not_this_sites(separator: str) -> None:
    title = f"Council backs living reef / Coast{separator}Reefwatch.example"  # a syndicating site
    html = page(STORY, title=title, head=og("og:site_name", "Harbour Herald"))
    assert read_html(html, URL).meta.title == "Council backs living reef / Coast"
    html = page(STORY, title="Council backs living reef for the sea wall / coast.example.co.uk")
    assert read_html(html, URL).meta.title == "Council backs living reef for the sea wall"


def test_a_slash_in_the_headline_itself_stays() -> None:
    html = page(STORY, title="Dare to Play 3 / October pack", head=og("og:site_name", "Harbour Herald"))
    assert read_html(html, URL).meta.title == "Dare to Play 3 / October pack"


def test_a_dash_in_the_headline_itself_stays() -> None:
    html = page(STORY, title="Biden - the early years", head=og("og:site_name", "Harbour Herald"))
    assert read_html(html, URL).meta.title == "Biden - the early years"
    html = page(
        STORY, title="Biden - the early years | Harbour Herald", head=og("og:site_name", "Harbour Herald")
    )
    assert read_html(html, URL).meta.title == "Biden - the early years"


def test_a_chinese_sites_name_after_the_headline_goes() -> None:
    html = page(STORY, title="武汉的声音：有英勇的你，才有英雄的城！-新华网")
    assert read_html(html, URL).meta.title == "武汉的声音：有英勇的你，才有英雄的城！"
    html = page(STORY, title="北京今天下雪_新浪新闻")
    assert read_html(html, URL).meta.title == "北京今天下雪"
    html = page(STORY, title="互联网-中国互联网络信息中心网")  # no headline before it: kept
    assert read_html(html, URL).meta.title == "互联网-中国互联网络信息中心网"


def test_a_page_that_names_itself_only_in_its_title_shows_that_name_not_its_host() -> None:
    html = page(STORY, title="Council backs living reef for the sea wall - Harbour Herald")
    assert read_html(html, URL).meta.site == "Harbour Herald"
    html = page(STORY, title="Council backs living reef for the sea wall - Harbour Herald International")
    assert read_html(html, URL).meta.site == "Harbour Herald International"  # the host's first word
    html = page(STORY, title="Council backs living reef for the sea wall")
    assert read_html(html, URL).meta.site == "harbourherald.example"  # nothing better than the host


def test_the_site_name_before_the_headline_goes() -> None:
    head = og("og:site_name", "Harbour Herald")
    html = page(STORY, title="Harbour Herald | Council backs living reef for the sea wall", head=head)
    assert read_html(html, URL).meta.title == "Council backs living reef for the sea wall"
    html = page(STORY, title="HarbourHerald - Council backs living reef for the sea wall")
    assert read_html(html, URL).meta.title == "Council backs living reef for the sea wall"
    html = page(STORY, title="Harbour Herald | Reef wall", head=head)  # too short for a headline
    assert read_html(html, URL).meta.title == "Harbour Herald | Reef wall"
    html = page(STORY, title="Harbour tides - what the reef will change", head=og("og:site_name", "Harbour"))
    assert read_html(html, URL).meta.title == "Harbour tides - what the reef will change"  # a headline


def test_the_pages_section_after_the_headline_goes() -> None:
    title = "Council backs living reef for the sea wall / Coast / harbourherald.example"
    html = page(STORY, title=title, head=og("article:section", "Coast"))
    assert read_html(html, URL).meta.title == "Council backs living reef for the sea wall"
    article = {"@context": "https://schema.org", "@type": "NewsArticle", "articleSection": "Coast"}
    html = page(STORY, title="Council backs living reef for the sea wall | Coast", head=json_ld(article))
    assert read_html(html, URL).meta.title == "Council backs living reef for the sea wall"
    body = '<p class="kicker"><a href="/coast" rel="category tag">Coast</a></p>' + STORY
    html = page(body, title="Council backs living reef for the sea wall | Coast")
    assert read_html(html, URL).meta.title == "Council backs living reef for the sea wall"
    html = page(STORY, title="Council backs living reef for the sea wall | Coast")  # no section says so
    assert read_html(html, URL).meta.title == "Council backs living reef for the sea wall | Coast"
    html = page(STORY, title="Reef wall / Coast", head=og("article:section", "Coast"))  # too short
    assert read_html(html, URL).meta.title == "Reef wall / Coast"


def test_a_menu_of_categories_is_not_the_pages_section() -> None:
    menu = '<ul class="menu"><li class="menu-item-object-category"><a href="/coast">Coast</a></li></ul>'
    html = page(menu + STORY, title="Council backs living reef for the sea wall | Coast")
    assert read_html(html, URL).meta.title == "Council backs living reef for the sea wall | Coast"


def test_a_title_that_is_only_the_site_name_is_kept() -> None:
    html = page(STORY, title="Harbour Herald", head=og("og:site_name", "Harbour Herald"))
    assert read_html(html, URL).meta.title == "Harbour Herald"


# -- site ----------------------------------------------------------------------------------


def test_og_site_name_beats_a_wire_service_credit() -> None:
    article = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Reef wall approved"}
    article["publisher"] = {"@type": "Organization", "name": "Associated Press"}
    html = page(STORY, head=og("og:site_name", "Harbour Herald") + json_ld(article))
    assert read_html(html, URL).meta.site == "Harbour Herald"


def test_a_wire_service_is_never_another_sites_name() -> None:
    article = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Reef wall approved"}
    article["publisher"] = {"@type": "Organization", "name": "Reuters"}
    html = page(STORY, head=json_ld(article))
    assert read_html(html, URL).meta.site == "harbourherald.example"
    # ...but on the agency's own site it is the site
    assert read_html(html, "https://www.reuters.com/world/reef-wall").meta.site == "Reuters"


def test_site_from_the_json_ld_publisher() -> None:
    article = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Reef wall approved"}
    article["publisher"] = {"@type": "NewsMediaOrganization", "name": "The Harbour Herald"}
    html = page(STORY, head=json_ld(article))
    assert read_html(html, URL).meta.site == "The Harbour Herald"


def test_an_og_site_name_that_is_a_url_gives_way_to_the_host() -> None:
    html = page(STORY, head=og("og:site_name", "https://www.harbourherald.example"))
    assert read_html(html, URL).meta.site == "harbourherald.example"


def test_a_section_named_as_the_site_gives_way_to_the_publisher() -> None:
    article = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Reef wall approved"}
    article["publisher"] = {"@type": "Organization", "name": "Harbour Herald"}
    html = page(STORY, head=og("og:site_name", "Política") + json_ld(article))
    assert read_html(html, URL).meta.site == "Harbour Herald"


def test_a_site_name_that_is_the_pages_section_gives_way_to_the_host() -> None:
    html = page(STORY, head=og("og:site_name", "Coast") + og("article:section", "Coast"))
    assert read_html(html, URL).meta.site == "harbourherald.example"
    crumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Home"},
            {"@type": "ListItem", "position": 2, "name": "Coast"},
        ],
    }
    html = page(STORY, head=og("og:site_name", "Coast") + json_ld(crumbs))
    assert read_html(html, URL).meta.site == "harbourherald.example"


def test_a_call_to_read_the_page_on_a_host_names_the_host() -> None:
    html = page(STORY, title="Council backs living reef for the sea wall – Zobacz na harbourherald.example")
    meta = read_html(html, URL).meta
    assert (meta.site, meta.title) == ("harbourherald.example", "Council backs living reef for the sea wall")
    for call in ("See on", "Mehr auf", "Voir sur", "Ver en"):
        html = page(STORY, head=og("og:site_name", f"{call} harbourherald.example"))
        assert read_html(html, URL).meta.site == "harbourherald.example"
    html = page(STORY, title="Council backs living reef - New reef maps on reefwatch.example")
    assert read_html(html, URL).meta.title == "Council backs living reef - New reef maps on reefwatch.example"


def test_a_one_word_brand_unlike_the_host_stays_the_site() -> None:
    html = page(STORY, head=og("og:site_name", "Lighthouse"))  # nothing names the host instead
    assert read_html(html, URL).meta.site == "Lighthouse"


@pytest.mark.parametrize(
    "archived",
    [
        "https://web.archive.org/web/20160526181643/https://www.harbourherald.example/news/reef",
        "https://web.archive.org/web/20160526181643id_/harbourherald.example/news/reef",
        "https://archive.org/web/20160526181643/http://harbourherald.example/news/reef",
        "https://archive.ph/2016.05.26-181643/https://www.harbourherald.example/news/reef",
    ],
)
def test_an_archived_page_is_the_original_sites(archived: str) -> None:
    html = page(STORY, title="Council backs living reef for the sea wall")
    assert read_html(html, archived).meta.site == "harbourherald.example"
    html = page(STORY, title="Council backs living reef for the sea wall | Harbour Herald")
    meta = read_html(html, archived).meta
    assert (meta.site, meta.title) == ("Harbour Herald", "Council backs living reef for the sea wall")


# -- author --------------------------------------------------------------------------------


def author_of(head: str, body: str = STORY) -> str | None:
    return read_html(page(body, head=og("og:site_name", "Harbour Herald") + head), URL).meta.author


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ('<meta name="author" content="By Maya Okafor">', "Maya Okafor"),
        ('<meta name="author" content="Maya Okafor; Tom Reed">', "Maya Okafor, Tom Reed"),
        ('<meta name="author" content="https://www.facebook.com/harbourherald">', None),
        ('<meta property="article:author" content="https://harbourherald.example/profile/maya">', None),
        ('<meta name="author" content="@mayaokafor">', None),
        ('<meta name="author" content="maya.okafor@harbourherald.example">', None),
        ('<meta name="author" content="Staff">', None),
        ('<meta name="author" content="Associated Press">', "Associated Press"),
    ],
)
def test_author_is_a_name_or_nothing(tag: str, expected: str | None) -> None:
    assert author_of(tag) == expected


def test_a_section_label_after_the_sites_brand_is_cut_from_the_title() -> None:
    html = page(STORY, title="All-new Sentra is what we want from Nissan - Harbour News")
    assert read_html(html, URL).meta.title == "All-new Sentra is what we want from Nissan"
    html = page(STORY, title="Why the reef beat the wall - Green News")  # another brand's section stays
    assert read_html(html, URL).meta.title == "Why the reef beat the wall - Green News"


def test_a_placeholder_site_name_gives_way_to_the_agency_on_its_own_host() -> None:
    head = og("og:site_name", "Hosted") + '<meta property="twitter:site" content="@ap">'
    html = page(STORY, head=head)
    assert read_html(html, "https://hosted.ap.org/paper/article/123/reef").meta.site == "AP"
    assert read_html(html, URL).meta.site == "harbourherald.example"  # @ap is not this site's name


def test_the_sites_brand_after_the_writers_name_is_not_part_of_it() -> None:
    tag = '<meta name="author" content="Maya Okafor Harbour International">'
    assert author_of(tag) == "Maya Okafor"


def test_an_organisation_credited_in_json_ld_is_kept() -> None:
    article = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Reef wall approved"}
    article["author"] = {"@type": "Organization", "name": "Coastal Research Trust"}
    assert author_of(json_ld(article)) == "Coastal Research Trust"


FACT_CHECK = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "claimReviewed": "The sea wall will cost nothing.",
    "author": {"@type": "Organization", "name": "Herald Fact Check"},
    "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Dana Whitfield"}},
    "reviewRating": {"@type": "Rating", "alternateName": "False"},
}
CLAIM = (
    "<div class='claim'><span class='claim-author'>Dana Whitfield</span> said the wall costs nothing.</div>"
)


def test_a_fact_checked_claimant_is_not_the_author() -> None:
    assert author_of(json_ld(FACT_CHECK), CLAIM + STORY) is None


def test_a_fact_check_keeps_its_writer_and_drops_the_claimant() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsArticle",
                "headline": "Reef wall approved",
                "author": {"@type": "Person", "name": "Maya Okafor"},
            },
            {k: v for k, v in FACT_CHECK.items() if k != "@context"},
            {"@type": "Person", "name": "Dana Whitfield"},
        ],
    }
    assert author_of(json_ld(graph), CLAIM + STORY) == "Maya Okafor"


# -- short articles and the gate -----------------------------------------------------------


def test_a_complete_wire_brief_is_summarized_not_refused() -> None:
    article = read_html(page(BRIEF, title="Two fishermen rescued off Port Ellis"), URL)
    assert 60 <= article.words < 150


def test_a_brief_on_a_page_with_a_cookie_banner_is_not_a_cookie_wall() -> None:
    html = page(BRIEF, title="Two fishermen rescued off Port Ellis").replace(
        "<body>", "<body>" + COOKIE_BANNER
    )
    article = read_html(html, URL)
    assert "Port Ellis" in article.text


def test_a_cookie_wall_is_still_refused() -> None:
    html = page(CONSENT_WALL, title="Harbour Herald")
    with pytest.raises(TooLittleText) as info:
        read_html(html, URL)
    assert info.value.reason == "cookie_wall"
    assert 80 <= info.value.words < 150


def test_a_paywall_teaser_of_full_sentences_is_still_refused() -> None:
    teaser = BRIEF + "<p>Subscribe now to continue reading this story.</p>"
    head = json_ld({"@context": "https://schema.org", "@type": "NewsArticle", "isAccessibleForFree": False})
    with pytest.raises(TooLittleText) as info:
        read_html(page(teaser, head=head), URL)
    assert info.value.reason == "paywall"


def test_a_short_page_of_fragments_is_still_too_short() -> None:
    fragments = "".join(f"<p>Harbour news item {i}: reef, wall, council</p>" for i in range(12))
    with pytest.raises(TooLittleText) as info:
        read_html(page(fragments), URL)
    assert info.value.reason == "too_short"


def test_a_brief_under_a_login_prompt_is_not_a_paywall() -> None:
    """A site header's "Already a subscriber? Log in" is no paywall for a complete free brief."""
    html = page(BRIEF, title="Two fishermen rescued off Port Ellis").replace(
        "<body>", "<body><header><p>Already a subscriber? Log in</p></header>"
    )
    assert "Port Ellis" in read_html(html, URL).text


def test_a_brief_under_a_login_widget_classed_paywall_is_not_a_paywall() -> None:
    """A header's account widget ("paywall-before-login", "paywall-user-name") is site furniture."""
    widget = (
        '<header><div class="paywall-header-wrap"><span class="paywall-before-login">'
        '<a class="paywall-login-link" href="/login">Login</a></span>'
        '<div class="paywall-user-name"></div></div></header>'
    )
    html = page(BRIEF, title="Two fishermen rescued off Port Ellis").replace("<body>", "<body>" + widget)
    assert "Port Ellis" in read_html(html, URL).text
    # ...while the publisher's own "not free" still makes a short read a teaser
    head = json_ld({"@context": "https://schema.org", "@type": "NewsArticle", "isAccessibleForFree": False})
    with pytest.raises(TooLittleText) as info:
        read_html(page(BRIEF, title="Two fishermen rescued off Port Ellis", head=head), URL)
    assert info.value.reason == "paywall"


def test_a_registration_wall_in_another_language_is_still_refused() -> None:
    html = page(BRIEF + '<div class="site-paywall"><p>Kostenlos registrieren und weiterlesen</p></div>')
    with pytest.raises(TooLittleText) as info:
        read_html(html, URL)
    assert info.value.reason == "paywall"


def test_two_sentences_a_page_ran_together_count_as_two() -> None:
    from bot.core.extract import _sentences

    assert _sentences("He worked there as a chief physician.Police arrested a man on Tuesday.") == [
        "He worked there as a chief physician.",
        "Police arrested a man on Tuesday.",
    ]


def test_a_teaser_that_says_continue_reading_is_refused_without_markup() -> None:
    html = page(BRIEF + "<p>Subscribe to continue reading: already a subscriber? Log in.</p>")
    with pytest.raises(TooLittleText) as info:
        read_html(html, URL)
    assert info.value.reason == "paywall"


@pytest.mark.parametrize(
    ("byline", "shown"),
    [
        ("Medellín Hora De Publicación Del Artículo", None),  # a place and a date label
        ("Ana Gómez Fecha de publicación 3 de mayo", "Ana Gómez"),
        ("By ZEKE MILLER and LISA MASCARO", "Zeke Miller, Lisa Mascaro"),  # as people write names
        ("Lisa Mascaro, ERIC TUCKER Associated Press", "Lisa Mascaro, Eric Tucker"),  # once the agency goes
        ("Mis Sánchez", "Mis Sánchez"),
        ("Sebastian Held, Daniel Hentschel, Germany", "Sebastian Held, Daniel Hentschel"),  # no country
        ("Maya Okafor, Portsmouth", "Maya Okafor"),  # "Name, City": the place goes
        ("Harbour Media Group, Portsmouth, Hampshire", "Harbour Media Group"),
        ("Maya Okafor; Portsmouth", "Maya Okafor"),  # trafilatura's "; " for the comma
        ("Maya Okafor and Tom", "Maya Okafor, Tom"),  # "and" joins people, not a place
        ("'Luana Patriolino, Raphael Felice", "Luana Patriolino, Raphael Felice"),  # no stray mark
        ("责任编辑：孔德明", None),  # the desk editor's credit, not the reporter
    ],
)
def test_a_byline_is_a_name_as_people_write_it(byline: str, shown: str | None) -> None:
    html = page(STORY, head=f'<meta charset="utf-8"><meta name="author" content="{byline}">')
    assert read_html(html, URL).meta.author == shown


def test_a_chinese_titles_last_segment_names_a_site_that_names_itself_nowhere_else() -> None:
    for title, site in (("港口城镇投票重建海堤-海岸新闻网", "海岸新闻网"), ("蔡健雅_海岸百科", "海岸百科")):
        html = (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><article>{STORY}</article></body></html>"
        )
        assert read_html(html, URL).meta.site == site
