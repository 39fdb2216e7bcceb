"""From HTML (or pasted text) to an ``Article``, and the honesty gate that refuses bad reads.

Extraction is a fallback cascade; each stage runs only if the one before under-delivered, and
``Article.extractor`` records which stage produced the text:

1. ``trafilatura``  main-content extraction with page metadata (title, site, author, date).
2. ``paragraphs``   every visible ``<p>`` of the page outside navigation, header, footer and
                    asides; used when trafilatura returned nothing or under
                    ``FALLBACK_TRIGGER_WORDS``, and only if it found clearly more text.

The gate (``check_readable``) then refuses, with a specific reason and the visible word count,
a read that is not the article: a paywall teaser, a cookie or consent wall, a JavaScript-only
page, an error page, or just too little text. It also refuses languages the offline model does
not read. Pasted text skips extraction (``extractor="text"``) but passes the same gate.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from bot.core.errors import NotAnArticle, TooLittleText, UnsupportedLanguage
from bot.core.types import Article, PageMeta

__all__ = [
    "MAX_ARTICLE_CHARS",
    "GateOptions",
    "article_from_text",
    "cap_text",
    "check_readable",
    "detect_language",
    "extract_article",
    "read_html",
]

# trafilatura output under this many words makes the paragraph fallback try its luck. Above it,
# on the Zyte dev pages, the fallback only ever added comments and sidebars.
FALLBACK_TRIGGER_WORDS = 100
# The fallback must beat trafilatura by this factor to win: trafilatura's text is cleaner.
FALLBACK_MIN_GAIN = 2.0
# Fewer words than this from a web page is not an article we can honestly summarize.
MIN_PAGE_WORDS = 150
# Pasted text is what the person meant to send; allow shorter, but not a one-liner.
MIN_TEXT_WORDS = 40
# A page marked paywalled with fewer visible words than this is showing a teaser.
PAYWALL_TEASER_WORDS = 400
# The engine reads at most this much of an article: about 16,000 words, longer than nearly any
# news story. A longer text (a book, a page's dump) is digested from its start, and the cut is
# recorded (``Article.source_chars``), so every later stage is bounded whatever was sent.
MAX_ARTICLE_CHARS = 100_000
# Text past this much, in document order, is cut from a parsed page before extraction: the article
# is cut to MAX_ARTICLE_CHARS anyway, and extraction's time grows with the page (a 5 MB page took
# trafilatura 1.5 s, holding the interpreter from every other request meanwhile).
MAX_PAGE_TEXT_CHARS = 2 * MAX_ARTICLE_CHARS
_UNCOUNTED = frozenset({"script", "style", "template", "noscript"})
# Share of control characters (or undecodable bytes) above which input is binary, not text.
BINARY_CHAR_SHARE = 0.01
# langid confidence needed to call a text "not English"; mixed pages score lower.
LANGUAGE_CONFIDENCE = 0.9

_LANGUAGE_NAMES = {
    "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "ru": "Russian", "uk": "Ukrainian", "pl": "Polish", "tr": "Turkish",
    "ar": "Arabic", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "sv": "Swedish",
    "da": "Danish", "no": "Norwegian", "fi": "Finnish", "cs": "Czech", "el": "Greek",
    "he": "Hebrew", "hi": "Hindi", "id": "Indonesian", "vi": "Vietnamese", "ro": "Romanian",
    "hu": "Hungarian", "fa": "Persian", "th": "Thai", "ca": "Catalan",
}  # fmt: skip

_PAYWALL_PHRASES = re.compile(
    r"subscribe (?:now )?to (?:continue|read|keep reading|unlock)|to continue reading|"
    r"already (?:a subscriber|have an account)|this (?:article|story|content) is (?:for|only available to) "
    r"(?:subscribers|members)|subscriber[- ]only|become a (?:subscriber|member) to|"
    r"sign in to (?:read|continue)|start your (?:free )?trial|unlock (?:this|full) (?:article|access)",
    re.IGNORECASE,
)
_PAYWALL_MARKUP = re.compile(
    r"""["']isAccessibleForFree["']\s*:\s*["']?(?:false|False)|class=["'][^"']*\b(?:paywall|piano-offer|"""
    r"""subscriber-only|premium-content|meteredContent)\b""",
)
_COOKIE_PHRASES = re.compile(
    r"(?:we|this (?:site|website)) use[s]? cookies|accept (?:all )?cookies|"
    r"cookie (?:settings|preferences|policy)|"
    r"manage (?:your )?consent|before you continue|your privacy choices|consent to (?:the use of )?cookies",
    re.IGNORECASE,
)
_JS_PHRASES = re.compile(
    r"enable javascript|javascript (?:is )?(?:disabled|required)|turn on javascript|"
    r"requires javascript|browser (?:does not|doesn't) support javascript",
    re.IGNORECASE,
)
_ERROR_TITLE = re.compile(
    r"\b(?:404|403|410|500|502|503)\b|page not found|not found|access denied|forbidden|"
    r"something went wrong|error",
    re.IGNORECASE,
)
_NOT_CONTENT = "nav|header|footer|aside|form|script|style|noscript|template|svg|figure|figcaption"


@dataclass(frozen=True, slots=True)
class GateOptions:
    min_page_words: int = MIN_PAGE_WORDS
    min_text_words: int = MIN_TEXT_WORDS
    languages: frozenset[str] = frozenset({"en"})


# -- extraction ----------------------------------------------------------------------------


def _parse(html: str) -> lxml.html.HtmlElement | None:
    try:
        doc = lxml.html.document_fromstring(html.encode("utf-8", "replace"))
    except (etree.ParserError, ValueError):
        return None
    return doc


def _meta(doc: lxml.html.HtmlElement, *names: str) -> str | None:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            found = doc.xpath(f"//meta[@{attr}=$n]/@content", n=name)
            if found and str(found[0]).strip():
                return str(found[0]).strip()
    return None


def _canonical(doc: lxml.html.HtmlElement, url: str | None) -> str | None:
    hrefs = doc.xpath("//link[translate(@rel,'CANONICAL','canonical')='canonical']/@href")
    href = str(hrefs[0]).strip() if hrefs else _meta(doc, "og:url")
    if not href:
        return None
    absolute = urljoin(url, href) if url else href
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _visible_text(doc: lxml.html.HtmlElement) -> str:
    body = doc.find("body")
    root = body if body is not None else doc
    parts = [
        t for t in root.xpath(".//text()[not(ancestor::script or ancestor::style or ancestor::template)]")
    ]
    return " ".join(" ".join(parts).split())


_NOT_CONTENT_CLASS = re.compile(
    r"comment|related|sidebar|footer|menu|share|social|promo|newsletter|cookie|consent|advert|popup|modal",
    re.IGNORECASE,
)


def _paragraphs(doc: lxml.html.HtmlElement) -> str:
    paras = []
    for p in doc.xpath(f"//p[not(ancestor::*[self::{' or self::'.join(_NOT_CONTENT.split('|'))}])]"):
        if any(
            _NOT_CONTENT_CLASS.search(f"{a.get('class', '')} {a.get('id', '')}") for a in p.iterancestors()
        ):
            continue
        text = " ".join(p.text_content().split())
        if len(text.split()) >= 5:
            paras.append(text)
    return "\n".join(paras)


def _cut_after(element: lxml.html.HtmlElement, *, children: bool) -> None:
    """Remove what follows ``element`` in document order (and its children, with ``children``)."""
    if children:
        for child in list(element):
            element.remove(child)
    node: lxml.html.HtmlElement | None = element
    while node is not None:
        parent = node.getparent()
        while (following := node.getnext()) is not None and parent is not None:
            parent.remove(following)
        node = parent


def _text_chars(doc: lxml.html.HtmlElement) -> int:
    """Characters of text in ``doc``, as ``_pruned`` counts them."""
    return sum(
        len(element.tail or "")
        + (len(element.text or "") if isinstance(element.tag, str) and element.tag not in _UNCOUNTED else 0)
        for element in doc.iter()
    )


def _pruned(doc: lxml.html.HtmlElement, budget: int = MAX_PAGE_TEXT_CHARS) -> bool:
    """Cut ``doc`` after its first ``budget`` characters of text (script and style not counted);
    True when anything was cut. Tails are counted where their element starts: close enough."""
    for element in doc.iter():
        for attr in ("text", "tail"):
            if attr == "text" and (not isinstance(element.tag, str) or element.tag in _UNCOUNTED):
                continue
            value = getattr(element, attr) or ""
            if len(value) >= budget:
                setattr(element, attr, value[:budget])
                _cut_after(element, children=attr == "text")
                return True
            budget -= len(value)
    return False


def _trafilatura(html: str | lxml.html.HtmlElement, url: str | None) -> tuple[str, dict[str, str | None]]:
    import trafilatura

    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        favor_precision=True,  # on the Zyte dev pages: F1 0.959 against 0.956 for the default
        include_comments=False,
        include_tables=False,
        include_images=False,
        deduplicate=False,
    )
    if doc is None:
        return "", {}
    fields = doc if isinstance(doc, dict) else doc.as_dict()
    meta = {
        k: (str(fields[k]) if fields.get(k) else None)
        for k in ("title", "sitename", "author", "date", "language")
    }
    return str(fields.get("text") or ""), meta


def _drop_leading_headline(text: str, title: str | None) -> str:
    """trafilatura keeps the <h1> as the first line; the headline is shown as the title already."""
    first, _, rest = text.partition("\n")
    if title and rest and " ".join(first.split()).casefold() == " ".join(title.split()).casefold():
        return rest.lstrip()
    return text


def _parsed(html: str) -> lxml.html.HtmlElement:
    doc = _parse(html)
    if doc is None:
        raise NotAnArticle("that page is not readable HTML")
    return doc


def extract_article(html: str, url: str | None = None) -> Article:
    """Run the cascade and gather metadata. Raises ``NotAnArticle`` when the HTML has no text."""
    return _extract(_parsed(html), html, url)


def read_html(html: str, url: str | None = None, options: GateOptions = GateOptions()) -> Article:
    """Extract and pass the gate, parsing the page once. Blocking: run it off the event loop.

    The text is cut to ``MAX_ARTICLE_CHARS`` (``cap_text``)."""
    if looks_binary(html):
        raise NotAnArticle("that is binary data, not a web page")
    doc = _parsed(html)
    article = cap_text(_extract(doc, html, url))
    _gate(article, html, doc, options)
    return article


def _extract(doc: lxml.html.HtmlElement, html: str, url: str | None) -> Article:
    # An ordinary page goes to trafilatura as it came; a huge one as its pruned tree (a copy:
    # trafilatura cleans the tree it is given, and the fallback and metadata read ``doc``).
    source: str | lxml.html.HtmlElement = html
    page_chars = _text_chars(doc) if len(html) > MAX_PAGE_TEXT_CHARS else 0
    if page_chars > MAX_PAGE_TEXT_CHARS and _pruned(doc):
        source = copy.deepcopy(doc)
    text, meta = _trafilatura(source, url)
    extractor = "trafilatura"
    if len(text.split()) < FALLBACK_TRIGGER_WORDS:
        fallback = _paragraphs(doc)
        if len(fallback.split()) >= max(1, len(text.split())) * FALLBACK_MIN_GAIN:
            text, extractor = fallback, "paragraphs"
    text = _drop_leading_headline(text.strip(), meta.get("title"))
    html_lang = doc.get("lang") or doc.get("xml:lang")
    title = (
        meta.get("title")
        or _meta(doc, "og:title", "twitter:title")
        or (doc.findtext(".//title") or "").strip()
    )
    site = meta.get("sitename") or _meta(doc, "og:site_name") or (urlsplit(url).hostname if url else None)
    page = PageMeta(
        url=url,
        canonical_url=_canonical(doc, url),
        title=title or None,
        site=site,
        author=meta.get("author") or _meta(doc, "author", "article:author"),
        published=meta.get("date") or _meta(doc, "article:published_time", "datePublished"),
        language=(html_lang or meta.get("language") or "").split("-")[0].lower() or None,
    )
    cut = page_chars if source is not html else None  # the page's own length, not the pruned one
    return Article(text=text.strip(), meta=page, extractor=extractor, source_chars=cut)


_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*\s")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


def cap_text(article: Article, limit: int = MAX_ARTICLE_CHARS) -> Article:
    """``article`` with its text cut to at most ``limit`` characters, at the last paragraph break
    (else sentence end, else space) in the second half of that window; unchanged when short."""
    text = article.text
    if len(text) <= limit:
        return article
    cut = text.rfind("\n", limit // 2, limit)
    if cut < 0:
        ends = [m.end() for m in _SENTENCE_END.finditer(text, limit // 2, limit)]
        cut = ends[-1] if ends else text.rfind(" ", limit // 2, limit)
    if cut <= 0:
        cut = limit
    return replace(article, text=text[:cut].rstrip(), source_chars=article.source_chars or len(text))


def looks_binary(text: str) -> bool:
    """True for decoded bytes that are not text: control characters or undecodable bytes in more
    than ``BINARY_CHAR_SHARE`` of the first 64 KB."""
    head = text[:65_536]
    return bool(head) and len(_CONTROL.findall(head)) > BINARY_CHAR_SHARE * len(head)


def article_from_text(text: str) -> Article:
    """Pasted text as an article (cut to ``MAX_ARTICLE_CHARS``). Raises ``NotAnArticle`` for
    binary input."""
    if looks_binary(text):
        raise NotAnArticle("that is binary data, not text")
    cleaned = text.strip()
    first_line = cleaned.split("\n", 1)[0].strip()
    # A short first line of pasted text that does not end a sentence reads as its headline.
    title = first_line if 0 < len(first_line.split()) <= 16 and first_line[-1:] not in ".!?\"'”’" else None
    return cap_text(Article(text=cleaned, meta=PageMeta(title=title), extractor="text"))


# -- the honesty gate ----------------------------------------------------------------------


def detect_language(text: str) -> tuple[str, float]:
    """ISO 639-1 code and its probability, from the first few thousand characters."""
    import numpy as np
    from py3langid.langid import rank

    ranked = rank(text[:4000])  # [(lang, log-probability), ...], best first
    langs = [lang for lang, _ in ranked]
    logp = np.asarray([score for _, score in ranked], dtype=np.float64)
    probs = np.exp(logp - logp.max())
    return str(langs[0]), float(probs[0] / probs.sum())


def _json_ld_paywalled(doc: lxml.html.HtmlElement) -> bool:
    for block in doc.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(block)
        except ValueError:
            continue
        items = data if isinstance(data, list) else [data]
        for item in items:
            if isinstance(item, dict) and str(item.get("isAccessibleForFree", "true")).lower() == "false":
                return True
    return False


def check_readable(article: Article, html: str | None = None, options: GateOptions = GateOptions()) -> None:
    """Raise if ``article`` is not something we can honestly summarize; return quietly if it is."""
    _gate(article, html, _parse(html) if html is not None else None, options)


def _gate(
    article: Article, html: str | None, doc: lxml.html.HtmlElement | None, options: GateOptions
) -> None:
    words = article.words
    # The page-level checks only matter for a short read; a full article skips the whole scan.
    if html is not None and words < max(PAYWALL_TEASER_WORDS, options.min_page_words):
        page_text = _visible_text(doc) if doc is not None else ""
        paywalled = bool(_PAYWALL_MARKUP.search(html)) or (doc is not None and _json_ld_paywalled(doc))
        if (paywalled or _PAYWALL_PHRASES.search(page_text)) and words < PAYWALL_TEASER_WORDS:
            raise TooLittleText(
                f"that page is paywalled: only {words} words were visible", reason="paywall", words=words
            )
        if words < options.min_page_words:
            title = (
                (article.meta.title or "")
                + " "
                + ((doc.findtext(".//title") or "") if doc is not None else "")
            )
            if _COOKIE_PHRASES.search(page_text):
                reason, why = "cookie_wall", "a cookie or consent wall hides it"
            elif _JS_PHRASES.search(page_text) or (
                doc is not None and doc.xpath("//noscript") and words < 40
            ):
                reason, why = "javascript", "it needs JavaScript to show the article"
            elif _ERROR_TITLE.search(title):
                reason, why = "error_page", "it looks like an error page"
            elif words == 0:
                raise NotAnArticle("no article text was found on that page")
            else:
                reason, why = "too_short", "there is too little text to summarize"
            raise TooLittleText(
                f"that page could not be read properly: {why} (only {words} words were visible)",
                reason=reason,
                words=words,
            )
    elif html is None and words < options.min_text_words:
        raise TooLittleText(
            f"too little text to summarize: {words} words (at least {options.min_text_words} needed)",
            reason="too_short",
            words=words,
        )
    lang, confidence = detect_language(article.text)
    if lang not in options.languages and confidence >= LANGUAGE_CONFIDENCE:
        name = _LANGUAGE_NAMES.get(lang, lang)
        raise UnsupportedLanguage(
            f"that text looks like {name} ({lang}); the offline model summarizes English only",
            language=lang,
        )
