import pytest

from bot.core.errors import NotAnArticle, TooLittleText, UnsupportedLanguage
from bot.core.extract import GateOptions, article_from_text, check_readable, detect_language, extract_article

from .conftest import SAMPLE_HTML, eval_page, load_jsonl, require_eval

FILLER = (
    "The committee met on Tuesday to review the proposals submitted by residents over the summer. "
    "Members discussed the cost of each option and the time it would take to build. "
)


def page(body: str, head: str = "<title>Test page</title>", lang: str = "en") -> str:
    return f"<!DOCTYPE html><html lang='{lang}'><head>{head}</head><body>{body}</body></html>"


def test_sample_page_metadata_and_text() -> None:
    article = extract_article(SAMPLE_HTML.read_text(), "https://courier.example.org/x?utm_source=y")
    meta = article.meta
    assert meta.title == "Harbour town votes to rebuild its flooded sea wall with living reef"
    assert meta.site == "Coastline Courier"
    assert meta.author == "Maya Okafor"
    assert meta.published and meta.published.startswith("2026-03-14")
    assert meta.language == "en"
    assert meta.canonical_url == "https://courier.example.org/news/2026/03/harbour-reef-wall"
    assert article.extractor == "trafilatura"
    # the headline is the title, not the first line of the text; navigation and footer are gone
    assert not article.text.startswith("Harbour town votes")
    assert "Most read" not in article.text and "All rights reserved" not in article.text
    assert "“" not in article.text[:0]  # text is verbatim, not re-quoted
    assert (
        '"Nobody has shown me a chart that tells me where my boat goes when the reef is built,"'
        in article.text
    )


def test_fallback_takes_over_when_trafilatura_under_delivers() -> None:
    paras = "".join(f"<p>{FILLER} Paragraph {i} adds detail number {i}.</p>" for i in range(8))
    # The story sits in a <dialog> (a "reader view" overlay), which trafilatura discards whole.
    html = page(f"<dialog open>{paras}</dialog>")
    article = extract_article(html)
    assert article.extractor == "paragraphs"
    assert article.words > 250
    assert "Paragraph 7 adds detail number 7." in article.text


def test_fallback_skips_comments_and_sidebars() -> None:
    story = "".join(f"<p>{FILLER} Paragraph {i}.</p>" for i in range(2))
    comments = "".join(f"<p>{FILLER} Comment {i} from a reader.</p>" for i in range(8))
    html = page(f"<dialog open>{story}</dialog><div class='comment-list'>{comments}</div>")
    article = extract_article(html)
    assert "Comment 3 from a reader" not in article.text


def test_trafilatura_wins_when_it_delivers() -> None:
    paras = "".join(f"<p>{FILLER} Paragraph {i} adds detail number {i}.</p>" for i in range(8))
    html = page(
        f"<article>{paras}</article><nav><p>Home page and other links for the navigation menu</p></nav>"
    )
    article = extract_article(html)
    assert article.extractor == "trafilatura"
    assert "navigation menu" not in article.text


def test_no_text_at_all_is_not_an_article() -> None:
    with pytest.raises(NotAnArticle):
        check_readable(
            extract_article(page("<div><img src='a.png'></div>")), page("<div><img src='a.png'></div>")
        )


def gate(html: str) -> TooLittleText:
    with pytest.raises(TooLittleText) as info:
        check_readable(extract_article(html), html)
    return info.value


def test_paywall_teaser_is_refused_with_the_visible_word_count() -> None:
    teaser = "<article><p>" + FILLER + "</p><p>Subscribe now to continue reading this story.</p></article>"
    html = page(
        teaser,
        head='<title>Big story</title><script type="application/ld+json">'
        '{"@type": "NewsArticle", "isAccessibleForFree": false}</script>',
    )
    err = gate(html)
    assert err.reason == "paywall"
    assert f"only {err.words} words were visible" in err.message
    assert 0 < err.words < 60


def test_cookie_wall_is_refused() -> None:
    html = page(
        "<div class='consent'><p>We use cookies to improve your experience. Accept all cookies "
        "or manage your consent settings before you continue to the site.</p></div>"
    )
    assert gate(html).reason == "cookie_wall"


def test_javascript_only_page_is_refused() -> None:
    html = page("<noscript>Please enable JavaScript to view this page.</noscript><div id='root'></div>")
    assert gate(html).reason == "javascript"


def test_error_page_is_refused() -> None:
    html = page(
        "<h1>Page not found</h1><p>Sorry, we could not find the page you asked for.</p>",
        head="<title>404 Not Found</title>",
    )
    assert gate(html).reason == "error_page"


def test_a_short_page_is_refused_as_too_short() -> None:
    html = page("<article><p>" + FILLER + "</p></article>")
    err = gate(html)
    assert err.reason == "too_short"
    assert "too little text" in err.message


def test_pasted_text_has_a_lower_floor() -> None:
    check_readable(article_from_text(FILLER * 2))
    with pytest.raises(TooLittleText, match="too little text to summarize: 4 words"):
        check_readable(article_from_text("Just four words here."))


GERMAN = (
    "Der Stadtrat hat am Dienstag beschlossen, die alte Hafenmauer durch ein Riff zu ersetzen. "
    "Die Arbeiten sollen im September beginnen und drei Jahre dauern. Die Kosten tragen Bund und Land. "
) * 5


def test_another_language_is_read_in_that_language() -> None:
    article = article_from_text(GERMAN)
    check_readable(article)
    assert article.meta.language == "de"


def test_a_page_is_read_in_the_language_its_text_is_not_the_one_it_declares() -> None:
    body = "".join(f"<p>{s}.</p>" for s in GERMAN.split(". ") if s.strip())
    article = extract_article(page(body, lang="en"))
    assert article.meta.language == "de"


def test_a_server_set_to_some_languages_refuses_the_others_clearly() -> None:
    with pytest.raises(UnsupportedLanguage, match=r"German \(de\); this server summarizes English only"):
        check_readable(article_from_text(GERMAN), options=GateOptions(languages=frozenset({"en"})))


def test_a_language_that_cannot_be_segmented_is_refused_with_that_reason() -> None:
    thai = "สภาเมืองลงมติเมื่อวันอังคารให้สร้างกำแพงกันคลื่นใหม่ด้วยแนวปะการังหอยนางรม " * 30
    with pytest.raises(UnsupportedLanguage, match=r"Thai \(th\).*without spaces.*cannot be split") as caught:
        check_readable(article_from_text(thai))
    assert caught.value.language == "th"


def test_pasted_text_headline_line_becomes_the_title() -> None:
    article = article_from_text("Council backs reef plan\n" + FILLER * 3)
    assert article.meta.title == "Council backs reef plan"
    assert article.extractor == "text"


def test_detect_language_on_english() -> None:
    assert detect_language(FILLER * 3)[0] == "en"


def test_real_pages_extract_close_to_gold() -> None:
    """On the Zyte benchmark's real pages: most of the gold article text is recovered."""
    rows = load_jsonl(require_eval("extraction", "dev.jsonl"))[:15]
    recalls = []
    for row in rows:
        text = extract_article(eval_page(row), row["url"]).text
        gold = set(row["gold_text"].split())
        recalls.append(len(gold & set(text.split())) / max(1, len(gold)))
    assert sum(recalls) / len(recalls) > 0.8


def test_text_read_in_the_wrong_code_page_is_repaired_and_the_rest_left_alone() -> None:
    from bot.core.extract import article_from_text, repair_mojibake

    article = article_from_text("The prize is worth Â£25,000, and the winner said she didnâ€™t expect it.")
    assert article.text == "The prize is worth £25,000, and the winner said she didn’t expect it."
    assert repair_mojibake("Un café à Paris, naïve, São Paulo") == "Un café à Paris, naïve, São Paulo"


HEADLINE = "Small laptop with the new keyboard expected in the first half of next year"


def test_what_comes_before_the_headline_line_and_says_none_of_it_is_not_the_article() -> None:
    from bot.core.extract import _drop_leading_headline

    body = (
        "The new lens mode is an automatic setting that uses a larger sensor to let in more light at night.\n"
        "Big laptop now available\n"
        f"{HEADLINE}\n"
        "The maker plans to release the smaller model with the new keyboard, according to suppliers.\n"
    )
    assert _drop_leading_headline(body, HEADLINE).startswith("The maker plans to release")


def test_a_lede_above_the_headline_line_stays() -> None:
    from bot.core.extract import _drop_leading_headline

    body = (
        "The maker will ship a small laptop with its new keyboard before July, two suppliers said.\n"
        f"{HEADLINE}\n"
        "The maker plans to release the smaller model with the new keyboard, according to suppliers.\n"
    )
    assert _drop_leading_headline(body, HEADLINE) == body
    assert _drop_leading_headline(f"{HEADLINE}\nThe text.\n", HEADLINE) == "The text.\n"
