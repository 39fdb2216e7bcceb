"""The cache key of a link: tracking parameters, fragments and AMP copies see through to one page."""

from __future__ import annotations

import pytest

from bot.core.urls import canonical_url, domain_matches, host_of, normalize_domain, redact_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://Example.COM/News/Story?utm_source=tw&utm_medium=social#comments",
            "https://example.com/News/Story",
        ),
        (
            "https://example.com/a?fbclid=XYZ&id=7&gclid=abc&mc_cid=1&mc_eid=2&igshid=3&ref_src=twsrc",
            "https://example.com/a?id=7",
        ),
        ("https://example.com/a?b=2&a=1&_hsenc=x&pk_campaign=y", "https://example.com/a?a=1&b=2"),
        ("http://example.com:80/", "http://example.com/"),
        ("https://example.com:443/x", "https://example.com/x"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://user:pw@example.com/x", "https://example.com/x"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com./x", "https://example.com/x"),
        # AMP copies map to the page they copy
        ("https://example.com/news/story/amp/", "https://example.com/news/story"),
        ("https://example.com/news/story/", "https://example.com/news/story"),
        ("https://example.com/amp/news/story", "https://example.com/news/story"),
        ("https://example.com/news/story.amp.html", "https://example.com/news/story.html"),
        ("https://example.com/news/story?amp=1", "https://example.com/news/story"),
        ("https://example.com/news/story?amp", "https://example.com/news/story"),
        ("https://example.com/news/story?outputType=amp&id=3", "https://example.com/news/story?id=3"),
        # ...but never across hosts: whoever serves one address must not answer for another
        ("https://amp.example.com/news/story", "https://amp.example.com/news/story"),
        (
            "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/news/story",
            "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/news/story",
        ),
        (
            "https://www.google.attacker.example/amp/s/victim.example/article",
            "https://www.google.attacker.example/s/victim.example/article",  # its own host still
        ),
        # not web addresses: left alone
        ("  not a url  ", "not a url"),
        ("ftp://example.com/file", "ftp://example.com/file"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_keeps_what_identifies_the_page() -> None:
    assert (
        canonical_url("https://example.com/watch?v=abc&utm_campaign=x") == "https://example.com/watch?v=abc"
    )
    assert canonical_url("https://example.com/tag/amplifiers") == "https://example.com/tag/amplifiers"
    assert canonical_url("https://example.com/a?amp=0") == "https://example.com/a?amp=0"


def test_canonical_url_is_idempotent() -> None:
    for url in (
        "https://Example.com/x/amp?utm_source=1&b=2&a=1#f",
        "https://amp.example.com/amp/story.amp.html",
    ):
        once = canonical_url(url)
        assert canonical_url(once) == once


def test_host_and_domains() -> None:
    assert host_of("https://News.Example.com./a") == "news.example.com"
    assert host_of("not a url") is None
    assert normalize_domain(" *.Example.COM. ") == "example.com"
    assert normalize_domain("https://www.example.com/path") == "www.example.com"
    assert domain_matches("news.example.com", ["example.com"])
    assert domain_matches("example.com", ["example.com"])
    assert not domain_matches("badexample.com", ["example.com"])
    assert not domain_matches("example.com", ["news.example.com"])


def test_redact_url_hides_user_names_and_passwords() -> None:
    assert redact_url("redis://:hunter2@cache:6379/0") == "redis://***@cache:6379/0"
    assert redact_url("rediss://bot:hunter2@cache/1?password=hunter2") == "rediss://***@cache/1"
    assert redact_url("redis://bot@cache/1") == "redis://***@cache/1"
    assert redact_url("redis://cache:6379/0") == "redis://cache:6379/0"
