"""From HTML (or pasted text) to an ``Article``, and the honesty gate that refuses bad reads.

Extraction is a fallback cascade; each stage runs only if the one before under-delivered, and
``Article.extractor`` records which stage produced the text:

1. ``trafilatura``  main-content extraction with page metadata (title, site, author, date).
2. ``paragraphs``   every visible ``<p>`` of the page outside navigation, header, footer and
                    asides; used when trafilatura returned nothing or under
                    ``FALLBACK_TRIGGER_WORDS``, and only if it found clearly more text.

Page metadata is gathered beside the text: the headline without a trailing " | Site"; the site's
own name (``og:site_name``, else the JSON-LD publisher, else trafilatura's guess, else the host;
never a news agency credited on another site's page); and the byline cleaned to names, or None.

The gate (``check_readable``) then refuses, with a specific reason and the visible word count,
a read that is not the article: a paywall teaser, a cookie or consent wall, a JavaScript-only
page, an error page, or just too little text. A complete short article (a 60-150 word wire brief
of full sentences) passes. Pasted text skips extraction (``extractor="text"``) but passes the
same gate.

Every article records the language it is read in (``PageMeta.language``, ``reading_language``):
what its text is, when langid is sure, else what the page declares, else English. The gate
refuses a language only when its text cannot be split into sentences and scored honestly
(``models.languages.unreadable_reason``: Thai, Khmer ...), or when the server is set to read
only some languages (``GateOptions.languages``).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from bot.core.errors import NotAnArticle, TooLittleText, UnsupportedLanguage
from bot.core.text import MONTHS, WEEKDAYS, count_words, language_name
from bot.core.types import Article, PageMeta
from bot.core.urls import host_of
from models.languages import is_english, unreadable_reason

__all__ = [
    "MAX_ARTICLE_CHARS",
    "GateOptions",
    "article_from_text",
    "cap_text",
    "check_readable",
    "detect_language",
    "extract_article",
    "read_html",
    "reading_language",
]

# trafilatura output under this many words makes the paragraph fallback try its luck. Above it,
# on the Zyte dev pages, the fallback only ever added comments and sidebars.
FALLBACK_TRIGGER_WORDS = 100
# The fallback must beat trafilatura by this factor to win: trafilatura's text is cleaner.
FALLBACK_MIN_GAIN = 2.0
# Fewer words than this from a web page is not an article we can honestly summarize, unless the
# text reads as a complete short article (``_reads_as_article``).
MIN_PAGE_WORDS = 150
# A complete wire brief runs 60-150 words: that short, a page passes if its text is finished prose.
MIN_ARTICLE_WORDS = 60
# ...in at least this many full sentences: a teaser, a caption or a list of headlines has fewer.
MIN_ARTICLE_SENTENCES = 3
# A full sentence has at least this many words and ends in ".", "!" or "?" (menu items do not).
SENTENCE_MIN_WORDS = 6
# Share of the words that must sit in such sentences, none of them consent, JavaScript, paywall or
# error wording: a wall's text is mostly that wording, a brief's mostly reporting (on the eval
# pages, real briefs scored 0.85-1.0; standings tables and link lists 0.3-0.65).
MIN_PROSE_SHARE = 0.7
# A sentence with this many consent terms ("cookies", "partners", "personalised ads") is a wall's.
CONSENT_TERMS_PER_SENTENCE = 2
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
# langid confidence needed to read a text in the language langid names; mixed pages score lower,
# and are read in the language the page declares (else English).
LANGUAGE_CONFIDENCE = 0.9


# The strong paywall phrases: a page saying these is holding the rest of the article back.
_TEASER_PHRASES = re.compile(
    r"subscribe (?:now )?to (?:continue|read|keep reading|unlock)|to continue reading|keep reading|"
    r"this (?:article|story|content) is (?:for|only available to) (?:subscribers|members)|"
    r"subscriber[- ]only|unlock (?:this|full) (?:article|access)|read the full (?:article|story)|"
    # ... and as other languages' walls say it: "Kostenlos registrieren und weiterlesen"
    r"(?:registrieren|abonnieren|anmelden) und weiterlesen|um weiterzulesen|"
    r"pour (?:lire|continuer) la suite|pour continuer à lire|para (?:seguir|continuar) leyendo|"
    r"para continuar (?:lendo|a ler)|per continuare a leggere|aby czytać dalej|om verder te lezen",
    re.IGNORECASE,
)
_PAYWALL_PHRASES = re.compile(
    r"subscribe (?:now )?to (?:continue|read|keep reading|unlock)|to continue reading|"
    r"already (?:a subscriber|have an account)|this (?:article|story|content) is (?:for|only available to) "
    r"(?:subscribers|members)|subscriber[- ]only|become a (?:subscriber|member) to|"
    r"sign in to (?:read|continue)|start your (?:free )?trial|unlock (?:this|full) (?:article|access)",
    re.IGNORECASE,
)
# The publisher's own statement that the article is not free: the strong sign of a paywall.
_NOT_FREE = re.compile(r"""["']isAccessibleForFree["']\s*:\s*["']?(?:false|False)""")
# A paywall's class names: a weaker sign, as sites also give them to their header's login and
# account widgets ("paywall-header-wrap", "paywall-user-name") on free articles.
_PAYWALL_CLASS = re.compile(
    r"""class=["'][^"']*\b(?:paywall|piano-offer|subscriber-only|premium-content|meteredContent)\b"""
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
_CONSENT_TERMS = re.compile(
    r"\b(?:cookies?|consent|privacy|personal data|partners|personali[sz]ed|advertis\w*|vendors?|"
    r"preferences|tracking|opt[- ]out|legitimate interest|gdpr|withdraw)\b",
    re.IGNORECASE,
)
_ERROR_WORDING = re.compile(
    r"page (?:you (?:were |are )?(?:looking for|requested)|not found|(?:does not|doesn't|no longer) exist)|"
    r"could not be found|(?:has been|was) (?:moved|removed|deleted)|\b404\b",
    re.IGNORECASE,
)
# Sentence ends: ". " / "! " / "? " (closing quotes and brackets stay with their sentence), and
# the CJK full stops and the danda, which take no space after them.
_SENTENCE_BREAK = re.compile(
    r"(?<=[.!?])([\"'”’)\]]*)\s+|(?<=[。！？।])([」』”’)\]]*)"
    r"|(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])"  # two sentences a page ran together: "physician.Police"
)
_FULL_STOPS = (".", "!", "?", "。", "！", "？", "।", "؟", "۔")
_NOT_CONTENT = "nav|header|footer|aside|form|script|style|noscript|template|svg|figure|figcaption"


@dataclass(frozen=True, slots=True)
class GateOptions:
    min_page_words: int = MIN_PAGE_WORDS
    min_article_words: int = MIN_ARTICLE_WORDS
    """Below ``min_page_words``, a page still passes with this many words of complete prose."""
    min_text_words: int = MIN_TEXT_WORDS
    languages: frozenset[str] | None = None
    """None: every language whose text can be segmented and scored; else only these (ISO 639-1)."""


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


def _cut_after(element: lxml.html.HtmlElement, *, inside: bool) -> None:
    """Remove everything after a cut in ``element``'s text (``inside``: its children and its own
    tail go too) or in its tail: every later sibling of it and of each ancestor, and the
    ancestors' tails, which come after it in document order."""
    if inside:
        for child in list(element):
            element.remove(child)
        element.tail = None
    node: lxml.html.HtmlElement | None = element
    while node is not None:
        parent = node.getparent()
        while (following := node.getnext()) is not None and parent is not None:
            parent.remove(following)  # with its tail
        if parent is not None:
            parent.tail = None
        node = parent


def _counted(element: lxml.html.HtmlElement) -> bool:
    return isinstance(element.tag, str) and element.tag not in _UNCOUNTED


def _text_chars(doc: lxml.html.HtmlElement) -> int:
    """Characters of text in ``doc``, as ``_pruned`` counts them (for checking a cut)."""
    return sum(len(e.tail or "") + (len(e.text or "") if _counted(e) else 0) for e in doc.iter())


def _pruned(doc: lxml.html.HtmlElement, budget: int = MAX_PAGE_TEXT_CHARS) -> int:
    """Cut ``doc`` after its first ``budget`` characters of text, in document order (an element's
    text when it opens, its tail when it closes; script and style not counted). Returns the
    page's whole text length when anything was cut, else 0. One walk: the cut is made after it."""
    total, cut = 0, None
    for event, element in etree.iterwalk(doc, events=("start", "end")):
        inside = event == "start"
        if inside and not _counted(element):
            continue
        size = len((element.text if inside else element.tail) or "")
        if cut is None and total + size >= budget:
            cut = element, inside, budget - total
        total += size
    if cut is None:
        return 0
    element, inside, keep = cut
    if inside:
        element.text = (element.text or "")[:keep]
    else:
        element.tail = (element.tail or "")[:keep]
    _cut_after(element, inside=inside)
    return total


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


# The headline line may come this far down the extracted text, after page furniture (a sidebar's
# guide, a "now available" link) that trafilatura took for the article's start.
HEADLINE_LINE_WITHIN = 6
HEADLINE_LINE_CHARS = 1_000


_TITLE_WORD = re.compile(r"[^\W\d_]{4,}")
_FULL_LINE = re.compile(r"[.!?…][\"'”’)]*$")


def _stems(text: str) -> set[str]:
    """The words of four letters or more, on their first five ("Polizei", "Polizeipräsidium")."""
    return {w.casefold()[:5] for w in _TITLE_WORD.findall(text)}


def _shares_headline(lines: str, title: str) -> bool:
    """Whether a sentence among ``lines`` (a line of eight words or more that ends as a sentence)
    says a word of the headline: the lede, which some pages put above their <h1>."""
    words = _stems(title)
    return any(
        len(line.split()) >= 8 and _FULL_LINE.search(line.strip()) and words & _stems(line)
        for line in lines.splitlines()
    )


def _drop_leading_headline(text: str, title: str | None) -> str:
    """trafilatura keeps the <h1> as the first line; the headline is shown as the title already.
    When the headline is a line a little further down and no sentence above it says any of it,
    what comes before it is not the article (a sidebar's guide, a "now available" link): it goes
    too. A lede above the <h1> (as some pages lay it out) says the headline's words, and stays."""
    if not title:
        return text
    wanted = " ".join(title.split()).casefold()
    at = 0
    for _ in range(HEADLINE_LINE_WITHIN):
        end = text.find("\n", at)
        if end < 0 or end > HEADLINE_LINE_CHARS:
            break
        if " ".join(text[at:end].split()).casefold() == wanted:
            if at == 0 or not _shares_headline(text[:at], title):
                return text[end + 1 :].lstrip()
            break
        at = end + 1
    return text


# -- page metadata -------------------------------------------------------------------------

# Separators between a headline and a trailing site name: " - Site", " | Site", " — Site".
_TITLE_SEPARATOR = re.compile(r"\s+(?:[-|–—·•»/]|::)\s+")
# A separator after a CJK headline, with no spaces needed around it: "...英雄的城！-新华网".
_CJK_SEPARATOR = r"(?<=[\u3000-\u9fff\uff00-\uffef])\s*[-_|－｜—]\s*"
# A Chinese site's name after its headline, with no spaces: "...英雄的城！-新华网", "..._新浪新闻".
_CJK_SITE_SUFFIX = re.compile(
    _CJK_SEPARATOR + r"[\u4e00-\u9fff]{1,6}(?:网|報|报|新闻|新聞|在线|频道|日报|时报)$"
)
# ...and any short run of CJK characters there is the site's name ("-半月谈", "_百度百科"): read
# as the site for a page that names itself nowhere else, never cut from the headline on that alone.
_CJK_TITLE_SITE = re.compile(_CJK_SEPARATOR + r"([\u4e00-\u9fff]{2,6})$")
# A host name as a title's suffix ("... / dwutygodnik.com", "... | Express.co.uk"): a site's name,
# whichever site it is.
_HOST_NAME = re.compile(r"(?:[\w-]+\.)+[^\W\d_]{2,}")
# A call to read the page on a host ("Zobacz na przepisy.pl", "See on X", "Mehr auf X", "Voir sur
# X"): a word or none, then a short lower-case one, before a host name. The host is the name;
# a longer segment ("Hochauflösende Schneekarten auf Gipfelbuch.ch") is a headline.
_HOST_CALL = re.compile(rf"(?:[^\W\d_]+\s+)?[^\W\d_]{{1,4}}\s+({_HOST_NAME.pattern})")
# A trailing title segment of up to this many words that starts or ends with the site's name
# ("CNN Politics", "Gizmodo UK") is the site's too; a longer one is part of the headline.
SITE_SUFFIX_LOOSE_WORDS = 3
# The last word of a section's name in a title suffix ("Auto News", "Herald Sport").
_SECTION_WORDS = frozenset(
    "news sport sports opinion business tech technology world politics entertainment lifestyle "
    "reviews review blog magazine online".split()
)
# A title's rest after a leading "Site | " shorter than this is no headline: the name stays.
HEADLINE_MIN_WORDS = 3
# A "site name" longer than this is a slogan or a description, not a name.
SITE_NAME_MAX_WORDS = 8
# A byline item longer than this is a sentence (a bio, a caption), not a name.
AUTHOR_MAX_WORDS = 6
AUTHOR_MAX_CHARS = 60
# Host labels that name no site ("www.example.co.uk").
_GENERIC_LABELS = frozenset({"www", "m", "amp", "co", "com", "org", "net", "gov", "ac", "edu"})

# News agencies: they write stories, the page's own site publishes them.
_WIRE_SERVICE = re.compile(
    r"(?:the )?(?:associated press|ap|reuters|thomson reuters|afp|agence france[- ]presse|"
    r"dpa|deutsche presse[- ]agentur|efe|agencia efe|ansa|pa|pa media|press association|upi|"
    r"united press international|xinhua|kyodo(?: news)?|jiji(?: press)?|apa|sda|kna|epd|ians|pti|"
    r"press trust of india|ani|yonhap|tass|bernama|anadolu(?: agency)?)",
    re.IGNORECASE,
)
# The short form an agency's host carries ("apnews.com", "afp.com").
_WIRE_HOST_KEYS = {
    "associatedpress": "ap", "thomsonreuters": "reuters", "agencefrancepresse": "afp",
    "deutschepresseagentur": "dpa", "agenciaefe": "efe", "pressassociation": "pa",
    "unitedpressinternational": "upi", "presstrustofindia": "pti",
}  # fmt: skip
# A credit line or a copyright notice, not a site's name ("DH News Service", "Copyright 2014").
_SITE_CREDIT = re.compile(r"copyright|©|all rights reserved|\bnews service$|\bwire$", re.IGNORECASE)
# The dots of a registered association or company ("e.V.", "Inc."), not of a domain or a sentence.
_ORG_SUFFIX = re.compile(r"\s(?:e\.\s?V|Inc|Ltd|Co|Corp|S\.A)\.$")
# What a content system writes when no one set a name: "Hosted" on hosted.ap.org.
_PLACEHOLDER_SITES = frozenset({"hosted", "home", "homepage", "index", "website", "site", "default"})
# Archives that serve a copy of another site's page under their own host, the original URL in the
# path: the Wayback Machine and archive.today's mirrors.
_ARCHIVE_HOSTS = frozenset(
    "archive.org archive.today archive.ph archive.is archive.li archive.vn archive.fo archive.md".split()
)
_ARCHIVED_URL = re.compile(
    r"^/(?:web/)?(?:\d[\w.*-]*|newest|oldest)/((?:https?://)?[\w-]+(?:\.[\w-]+)+(?:[:/].*)?)$", re.IGNORECASE
)
_URL_LIKE = re.compile(r"://|^www\.|^\S*/\S*$", re.IGNORECASE)
# "By X", "Analysis by X", "Von X", "Par X", "Por X": the words before the name.
_BYLINE_PREFIX = re.compile(
    r"^(?:(?:author|autor|autorin|auteur|text|texte|interview):?\s+)?"
    r"(?:(?:(?:[\w-]+\s+){0,3}?by|(?:(?:artikel|beitrag|text|geschrieben|zeige alle beiträge)\s+)?von|"
    r"(?:(?:article|texte|publié)\s+)?par|(?:(?:artículo|escrito|publicado)\s+)?por)\s+)?",
    re.IGNORECASE,
)
# The months as a byline's date abbreviates them: "Jan", "Sept" (May has no shorter form).
_MONTH_ABBREVIATIONS = (*(month[:3].lower() for month in MONTHS if len(month) > 3), "sept")
_DATE_WORD = re.compile(rf"(?:{'|'.join(WEEKDAYS + MONTHS + _MONTH_ABBREVIATIONS)})\.?,?", re.IGNORECASE)
# Bylines that name no one: accounts, placeholders, the newsroom as a whole.
_NOT_A_NAME = re.compile(
    r"\w*admin\w*|administrator|webmaster|editor|editors|user|super user|unknown|anonymous|anonym|anónimo|"
    r"anonyme|guest|author|autor|auteur|name|posted|follow|profile|view profile|publisher|no author|"
    r"none|null|undefined|unbenannt|datum|date|updated|published|contributor|contributors|team|"
    r"(?:facebook|twitter|instagram|linkedin|youtube|tiktok)(?: com)?|www\b.*|.*(?:copyright|©).*|"
    # a desk editor's credit, not the reporter: "责任编辑：孔德明"
    r".*(?:责任编辑|責任編輯|编辑|編輯)\s*[:：].*|"
    # a country after the names: "Sebastian Held, Daniel Hentschel, Germany"
    r"germany|deutschland|france|spain|españa|italy|italia|brazil|brasil|portugal|austria|österreich|"
    r"switzerland|schweiz|poland|polska|netherlands|belgium|usa|u\.s\.a?\.?|united states|"
    r"united kingdom|uk|england|scotland|wales|ireland|canada|australia|india|china|japan|mexico|"
    r"méxico|colombia|argentina|chile|russia|ukraine",
    re.IGNORECASE,
)
_STAFF = re.compile(r"\bstaff\b", re.IGNORECASE)
# "Staff" after a person, with the desk's name: "Adam Aaronson PhillyVoice Staff".
_TRAILING_STAFF = re.compile(r"(?:\s+\S+)?\s+staff(?:\s+(?:writer|reporter|report))?$", re.IGNORECASE)
# A comment's byline ("Jane says", "Jane said on ..."): a reader, not the writer.
_COMMENTER = re.compile(r"\b(?:says|said|wrote|replied)\b", re.IGNORECASE)
# A date label run into a byline: "Hora de publicación", "Published", "Aktualisiert", "Publié le".
_PUBLISHED_LABEL = re.compile(
    r"(?i)hora|fecha|publicaci[oó]n|publicado|actualizado|atualizado|published|updated|posted|"
    r"ver[oö]ffentlicht|aktualisiert|publi[ée]e?|pubblicato|aggiornato"
)
# A job title or a degree beside a name ("AP National Security Writer", "MS", "RDN").
_ROLE = re.compile(
    r"\b(?:writer|editor|editor-at-large|correspondent|reporter|columnist|contributor|producer|"
    r"photographer)\b",
    re.IGNORECASE,
)
_CREDENTIAL = re.compile(r"(?:phd|ph\.d|md|ms|ma|mba|rd|rdn|rn|jd|esq|cpa|dr|jr|sr)\.?", re.IGNORECASE)
# trafilatura joins names with "; "; a meta tag may use commas, "and", "&".
# Between a byline's names; the separator is kept (split's odd items): a name after "," or ";".
_AUTHOR_SPLIT = re.compile(r"(\s*(?:;|\||,|&|\s(?:and|und)\s)\s*)", re.IGNORECASE)
_ARTICLE_TYPE = re.compile(r"(?:article|posting|report)$", re.IGNORECASE)


def _key(text: str) -> str:
    """Letters and digits only, case-folded: how two spellings of one name are compared."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


@dataclass(frozen=True, slots=True)
class _LinkedData:
    """What the page's JSON-LD says about itself."""

    publishers: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    """Authors of the page's article items (``NewsArticle``, ``BlogPosting``...)."""
    claimants: frozenset[str] = frozenset()
    """``_key`` of each ClaimReview ``author`` and ``itemReviewed.author``: on a fact-check page
    these name the party checked, or the checking desk, never the writer of the page."""
    sections: frozenset[str] = frozenset()
    """``_key`` of each ``articleSection`` and each breadcrumb below the first (the home link)."""


def _names(value: object) -> list[str]:
    """The names in a JSON-LD ``author`` or ``publisher`` value (a string, an object, a list)."""
    out = []
    for item in value if isinstance(value, list) else [value]:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip():
            out.append(" ".join(name.split()))
    return out


def _json_ld_blocks(doc: lxml.html.HtmlElement, *, strict: bool = False) -> Iterator[object]:
    """Each JSON-LD block of the page that parses, in order, parsed as it is needed; ``strict``
    skips a block with a raw control character (a line break) in a string too."""
    for block in doc.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(block, strict=strict)
        except ValueError:
            continue
        yield data


def _json_ld_items(doc: lxml.html.HtmlElement) -> list[dict]:
    """Every JSON-LD object of the page, ``@graph`` members included."""
    items: list[dict] = []
    for data in _json_ld_blocks(doc):
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                items.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))
    return items


def _linked_data(doc: lxml.html.HtmlElement) -> _LinkedData:
    publishers: list[str] = []
    authors: list[str] = []
    claimants: set[str] = set()
    sections: set[str] = set()
    for item in _json_ld_items(doc):
        raw_type = item.get("@type")
        types = [t for t in (raw_type if isinstance(raw_type, list) else [raw_type]) if isinstance(t, str)]
        sections.update(_key(name) for name in _names(item.get("articleSection")))
        if "BreadcrumbList" in types and isinstance(crumbs := item.get("itemListElement"), list):
            for crumb in (c for c in crumbs[1:] if isinstance(c, dict)):
                sections.update(_key(name) for name in _names(crumb.get("name") or crumb.get("item")))
        if "ClaimReview" in types:
            reviewed = item.get("itemReviewed")
            named = _names(item.get("author"))
            if isinstance(reviewed, dict):
                named += _names(reviewed.get("author"))
            claimants.update(_key(name) for name in named)
            continue
        publishers.extend(_names(item.get("publisher")))
        if any(_ARTICLE_TYPE.search(t) for t in types):
            authors.extend(_names(item.get("author")))
    return _LinkedData(tuple(publishers), tuple(authors), frozenset(claimants), frozenset(sections - {""}))


def _hosts(url: str | None) -> tuple[str | None, str | None]:
    """The page's host without "www."; for an archived copy, the original page's host, and then
    the archive's own (as ``host_of`` gives it: "web.archive.org"), else None."""
    host = host_of(url) if url else None
    archive = None
    if host and url and (host in _ARCHIVE_HOSTS or host.endswith(".archive.org")):
        # web.archive.org/web/20160526181643id_/http://site/..., archive.ph/2019.11.18-120000/https://site/...
        path = urlsplit(url.strip()).path
        if (m := _ARCHIVED_URL.match(path)) is not None:
            original = m.group(1) if "://" in m.group(1) else "http://" + m.group(1)
            if (page := host_of(original)) and page.removeprefix("www.") != host.removeprefix("www."):
                host, archive = page, host
    return (host.removeprefix("www.") if host else None), archive


def _host_keys(host: str | None) -> set[str]:
    """``_key`` forms a site's name takes in its host: "jpostcom", "jpost"."""
    if not host:
        return set()
    return {_key(host)} | {_key(label) for label in host.split(".")[:-1] if label not in _GENERIC_LABELS}


def _starts_a_key(key: str, keys: set[str], min_chars: int) -> bool:
    """True when ``key`` (a ``_key``), of ``min_chars`` or more, is how one of ``keys`` starts."""
    return len(key) >= min_chars and any(k.startswith(key) for k in keys)


def _is_wire(name: str) -> bool:
    return bool(_WIRE_SERVICE.fullmatch(name.strip()))


def _wire_owns(host: str, name: str) -> bool:
    """True on the agency's own site (a Reuters story on reuters.com)."""
    key = _key(re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE))
    short = _WIRE_HOST_KEYS.get(key, key)
    return any(label.startswith(short) for label in host.split("."))


def _called_host(text: str) -> str | None:
    """The host in a call to read the page there ("See on example.com" -> "example.com")."""
    call = _HOST_CALL.fullmatch(text.strip())
    return call.group(1) if call is not None and call.group(0).split()[-2].islower() else None


def _site_candidate(raw: str | None) -> str | None:
    """``raw`` as a site's name, or None for a URL, a handle, a credit line or a slogan. A name
    with a tagline ("The Jerusalem Post | JPost.com") keeps its first part; a call to read the
    page on a host ("Zobacz na przepisy.pl") is the host's name."""
    name = _TITLE_SEPARATOR.split(" ".join((raw or "").split()))[0].strip()
    name = _called_host(name) or name  # "Zobacz na przepisy.pl": the site is przepisy.pl
    if (
        not name
        or _URL_LIKE.search(name)
        or name.startswith("@")
        or _SITE_CREDIT.search(name)
        or len(name.split()) > SITE_NAME_MAX_WORDS
        or name.lower() in _PLACEHOLDER_SITES
    ):
        return None
    return name


def _site_name(
    doc: lxml.html.HtmlElement,
    *,
    host: str | None,
    archive: str | None,
    keys: set[str],
    linked: _LinkedData,
    found: str | None,
    sections: frozenset[str],
    title_text: str,
    titled: str | None,
) -> str | None:
    """The page's own name, a cascade: ``og:site_name``, else the JSON-LD publisher, else
    trafilatura's ``sitename`` (``found``), else the host without "www.". ``host`` and
    ``archive`` are ``_hosts``'s, ``keys`` the host's (``_host_keys``), ``title_text`` the
    ``<title>`` as written and ``titled`` the site's name it gives (``_title_site``).

    trafilatura lets a JSON-LD publisher override ``og:site_name`` (a credit line such as
    "DH News Service" beat "Deccan Herald" on the dev pages), falls back to the Twitter handle
    ("SputnikInt"), and else takes a part of the ``<title>`` with a dot in it (which may be the
    headline's own words). So the page's own ``og:site_name`` comes first, and a handle or a
    title part ranks below the host. A news agency is never the site unless the page is on the
    agency's own host, and a section of the site (one of ``sections``, ``_sections``) is never its
    name (``_is_section``)."""
    if found and archive and _key(found) in _host_keys(archive):
        found = None  # trafilatura read the archive's host from the URL
    handle = _meta(doc, "twitter:site") or ""
    if found and host and not _names_site(found, keys, SITE_NAME_MAX_WORDS):
        title_parts = {_key(part) for part in _TITLE_SEPARATOR.split(title_text)}
        from_handle = bool(handle) and _key(handle) == _key(found)
        from_title = "." in _ORG_SUFFIX.sub("", found) and _key(found) in title_parts
        if from_handle or from_title:
            found = None
    handle = handle.lstrip("@")
    agency = handle.upper() if host and _is_wire(handle) and _wire_owns(host, handle) else None
    candidates = [
        name
        for name in map(_site_candidate, (_meta(doc, "og:site_name"), *linked.publishers, agency, found))
        if name and not (host and _is_wire(name) and not _wire_owns(host, name))
    ]
    named_for_host = [n for n in (*candidates, titled) if n and _names_site(n, keys, SITE_NAME_MAX_WORDS)]
    candidates = [n for n in candidates if not _is_section(n, sections, keys, bool(named_for_host))]
    if not candidates:
        return titled or host
    first = candidates[0]
    # "usatoday" and "USA TODAY" are one name: show the one written for people.
    if first == first.lower():
        first = next((c for c in candidates[1:] if _key(c) == _key(first) and c != c.lower()), first)
    if first == first.lower():  # still a host or a handle: the title may write the name for people
        first = titled or first
    return first


def _is_section(name: str, sections: frozenset[str], keys: set[str], host_named: bool) -> bool:
    """True when a "site name" is a section of the site ("Política" on correiobraziliense.com.br,
    "U.S." on reuters.com), not the site: a name unlike the host's that is the page's own section
    (one of ``sections``: ``article:section``, ``articleSection``, a breadcrumb), or a single
    word while another of the page's names for itself (``host_named``) is the host's. A name that
    is a part of the host ("OUTDOOR" on outdoor-magazin.com, "wdr.de" on www1.wdr.de) is the
    site's own."""
    key = _key(name)
    near_host = _starts_a_key(key, keys, 4) or (len(key) >= 4 and any(k.endswith(key) for k in keys))
    if not keys or near_host or _names_site(name, keys, SITE_NAME_MAX_WORDS):
        return False
    if key in sections:
        return True
    return host_named and len(name.split()) == 1


_SECTION_LINKS = (
    "//a[contains(concat(' ', @rel, ' '), ' category ') or contains(@class, 'categor')"
    " or contains(../@class, 'categor')]"
    "[not(ancestor-or-self::*[self::nav or contains(@class, 'menu') or contains(@class, 'nav')])]"
)
_BREADCRUMB_LINKS = "//*[contains(@class, 'breadcrumb') or contains(@id, 'breadcrumb')]//a"


def _sections(doc: lxml.html.HtmlElement, linked: _LinkedData) -> frozenset[str]:
    """``_key`` of the page's own sections: ``article:section``, ``articleSection``, the
    breadcrumbs below home."""
    return linked.sections | ({_key(_meta(doc, "article:section", "og:article:section") or "")} - {""})


def _section_links(doc: lxml.html.HtmlElement) -> frozenset[str]:
    """``_key`` of the page's own category links (``rel="category"``, a link classed as a category,
    outside menus) and an HTML breadcrumb's links below home. A blog's name is often its category
    too ("Sprachpunkt" on alexanderlasch.wordpress.com, "Mathlog" on scienceblogs.de), so these
    serve to cut a title, never to refuse a site's name."""
    links = [*doc.xpath(_SECTION_LINKS), *doc.xpath(_BREADCRUMB_LINKS)[1:]]
    return frozenset(_key(a.text_content()) for a in links) - {""}


def _title_site(page_title: str, host: str | None, keys: set[str]) -> str | None:
    """The site's name as the ``<title>`` (``page_title``, its spaces normalised) writes it after
    the headline ("... | Harbour Herald" on harbourherald.com), for a page that names itself
    nowhere else: a name written for people reads better than the host (``keys``: its
    ``_host_keys``)."""
    if not host:
        return None
    if (cjk := _CJK_TITLE_SITE.search(page_title)) is not None:
        return cjk.group(1)  # "...英雄的城！-新华网", "蔡健雅_百度百科": a Chinese title's last segment
    parts = _TITLE_SEPARATOR.split(page_title)
    for part in reversed(parts[1:]):
        first = _key(part.split()[0]) if part.split() else ""
        named = _key(part) in keys or _starts_a_key(first, keys, 5)
        if named and part != part.lower() and len(part.split()) <= SITE_NAME_MAX_WORDS:
            return part.strip()  # "Harbour Herald", "Sputnik International" on sputniknews.com
    return None


def _names_site(segment: str, keys: set[str], loose_words: int = SITE_SUFFIX_LOOSE_WORDS) -> bool:
    """True when ``segment`` (a title's tail) is the site's name: one of ``keys``, or a short
    single segment that starts or ends with one ("CNN Politics", "The Verge")."""
    key = _key(segment)
    if key in keys:
        return True
    words = segment.split()
    if (
        2 <= len(words) <= loose_words
        and words[-1].lower() in _SECTION_WORDS
        and any(len(k) >= 4 and k[:4] == key[:4] for k in keys)
    ):
        return True  # "Auto News" on autoindustriya.com: the site's section
    return (
        len(words) <= loose_words
        and not _TITLE_SEPARATOR.search(segment)
        and any(len(k) >= 4 and (key.startswith(k) or key.endswith(k)) for k in keys)
    )


def _raw_title(doc: lxml.html.HtmlElement, found: str | None, page_title: str) -> str:
    """trafilatura's title (``found``), unless it is only the first part of the ``<title>``
    (``page_title``, its spaces normalised) and no headline (``og:title``, an ``<h1>``) says so:
    trafilatura cuts a bare ``<title>`` at its first dash, losing "- the early years" from
    "Biden - the early years". The whole ``<title>`` then goes to ``_clean_title``, which cuts
    only a site's name."""
    found = " ".join((found or "").split())
    headlines = [_meta(doc, "og:title", "twitter:title") or ""]
    headlines += [" ".join(h.text_content().split()) for h in doc.iterfind(".//h1")]
    cut_from_title = (
        found
        and page_title.startswith(found)
        and _TITLE_SEPARATOR.match(page_title, len(found))
        and found not in headlines
    )
    return (page_title if cut_from_title else found) or headlines[0] or page_title


def _words(text: str) -> int:
    """How many words ``text`` has, a separator (" - ", " | ") not counted."""
    return sum(1 for word in text.split() if any(ch.isalnum() for ch in word))


def _clean_title(
    title: str | None, keys: set[str], sections: Callable[[], frozenset[str]] = frozenset
) -> str | None:
    """``title`` without a trailing " - Site", " | Site", " — Site" or " :: Site", where Site is
    one of ``keys`` (the site's names and host, as ``_key``), a host name or a call to read the
    page on one ("See on example.com"); then without a trailing " / Section" of a few words that
    is one of the page's ``sections`` (``_sections``: "Winda w chmurach / Obyczaje"; a callable,
    called only for such a title, as finding the section links reads the whole page), and without
    a leading "Site | " named as above, loosely only in one word ("BMJV | Verbraucherschutz: ..."
    on bmjv.de), each only when what stays is a headline of ``HEADLINE_MIN_WORDS`` or more. A dash
    in the headline itself stays, and a title is never cut down to nothing."""
    title = " ".join((title or "").split())
    if not title:
        return None
    for sep in _TITLE_SEPARATOR.finditer(title):  # leftmost first: the longest suffix
        suffix, head = title[sep.end() :], title[: sep.start()].strip()
        named = _names_site(suffix, keys) or _HOST_NAME.fullmatch(suffix) or _called_host(suffix)
        if len(suffix.split()) <= SITE_NAME_MAX_WORDS and named and _key(head):
            title = head
            break
    else:
        if (m := _CJK_SITE_SUFFIX.search(title)) is not None and m.start() > 0:
            title = title[: m.start()]
    # the page's section after the headline, a short label: "Winda w chmurach / Obyczaje"
    if last := list(_TITLE_SEPARATOR.finditer(title)):
        head, tail = title[: last[-1].start()], title[last[-1].end() :]
        if (
            _words(tail) <= SITE_SUFFIX_LOOSE_WORDS
            and _words(head) >= HEADLINE_MIN_WORDS
            and _key(tail) in sections()
        ):
            title = head
    if (sep := _TITLE_SEPARATOR.search(title)) is not None:
        prefix, rest = title[: sep.start()], title[sep.end() :]
        # one word at most beside the name: "Welpen kaufen – Tipps ..." under og:site_name "Welpen"
        # is a headline
        named = _names_site(prefix, keys, loose_words=1) or _HOST_NAME.fullmatch(prefix)
        if named and _words(rest) >= HEADLINE_MIN_WORDS:
            title = rest
    return title


def _clean_name(item: str, site_keys: set[str]) -> str | None:
    """One byline item as a name, or None when it is not one."""
    name = " ".join(item.split()).strip(" ,;:-–—|·'\"‘’“”")
    if not name or _URL_LIKE.search(name) or "@" in name or _COMMENTER.search(name):
        return None
    name = _BYLINE_PREFIX.sub("", name)
    # a date after the name: "Carrie Arnold November 20, 2019", "Malcolm Owen Monday"
    words = name.split()
    if (words and words[0].lower() == "on") or all(_DATE_WORD.fullmatch(w) or w[0].isdigit() for w in words):
        return None  # "On August 3", "November 20, 2019"
    for i, word in enumerate(words):
        if _PUBLISHED_LABEL.fullmatch(word):  # "Medellín Hora De Publicación Del Artículo": a label
            words = words[:i] if i >= 2 else []
            break
        if i >= 2 and _DATE_WORD.fullmatch(word):
            words = words[:i]
            break
    name = re.sub(r"(?:^|\s)\d.*$", "", " ".join(words)).strip(" ,;:-–—|·")
    if len(stripped := _TRAILING_STAFF.sub("", name).split()) >= 2:
        name = " ".join(stripped)
    # an agency or the site after a person: "Eric Tucker Associated Press"
    words = name.split()
    for tail in range(2, len(words)):
        rest = " ".join(words[tail:])
        brand = _key(words[tail])  # "Finian Cunningham Sputnik International" on sputniknews.com
        owned = _starts_a_key(brand, site_keys, 4)
        if (_is_wire(rest) or _key(rest) in site_keys or owned) and all(w[0].isupper() for w in words[:tail]):
            name = " ".join(words[:tail])
            break
    words = name.split()  # after the agency went: "ERIC TUCKER Associated Press" -> "Eric Tucker"
    if len(words) >= 2 and all(w.isupper() for w in words if any(c.isalpha() for c in w)):
        name = " ".join(w.title() if len(w) > 3 else w for w in words)  # "ZEKE MILLER" -> "Zeke Miller"
    if (
        not any(ch.isalpha() for ch in name)
        or _NOT_A_NAME.fullmatch(name)
        or _STAFF.search(name)
        or len(name.split()) > AUTHOR_MAX_WORDS
        or len(name) > AUTHOR_MAX_CHARS
    ):
        return None
    return name


def _clean_author(
    raw: str | None, site_keys: set[str], claimants: frozenset[str], written: str = ""
) -> str | None:
    """A byline as "A, B": people or an organisation; never a URL, a handle, an e-mail, a profile
    link, a "By" prefix, a placeholder account, "Staff", a date, a job title or a fact-checked
    claimant, or a place after the names ("Name, City"). None when nothing in it reads as a
    name. ``written`` is the byline as the page wrote it: trafilatura writes "and" as "; "."""
    names, listed = [], []  # listed: the name came after a comma or a semicolon
    parts = _AUTHOR_SPLIT.split(raw or "")
    for item, before in zip(parts[::2], ["", *parts[1::2]], strict=True):
        name = _clean_name(item, site_keys)
        if (
            name
            and _key(name) not in claimants
            and not _ROLE.search(name)
            and not _CREDENTIAL.fullmatch(name)
        ):
            names.append(name)
            listed.append(before.strip() in (",", ";"))
    # "Maya Okafor, Portsmouth": one word listed after a fuller name is the place, not a writer
    while len(names) > 1 and listed[-1] and len(names[-1].split()) == 1 and len(names[0].split()) > 1:
        if re.search(rf"\s(?:and|und|&)\s+{re.escape(names[-1])}\b", written, re.IGNORECASE):
            break  # "Maya Okafor and Tom": two people
        names.pop()
        listed.pop()
    if all(_key(n) in site_keys for n in names):
        return None  # the site's own name again ("BBC News" on bbc.com): no byline
    if len(names) > 1:  # the site's own desk beside a person: "Jill Disis, CNN Business"
        names = [
            n for n in names if not any(len(k) >= 3 and _key(n).startswith(k) for k in site_keys)
        ] or names
    # one person twice ("Troy Smith; Troy L Smith"): keep the fuller form, once
    words = [{_key(w) for w in n.split()} for n in names]
    kept = [
        n
        for i, n in enumerate(names)
        if not any(words[i] < other for other in words) and words[i] not in words[:i]
    ]
    return ", ".join(kept) or None


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
    page_chars = _pruned(doc) if len(html) > MAX_PAGE_TEXT_CHARS else 0
    if page_chars:
        source = copy.deepcopy(doc)
    text, meta = _trafilatura(source, url)
    extractor = "trafilatura"
    if len(text.split()) < FALLBACK_TRIGGER_WORDS:
        fallback = _paragraphs(doc)
        if len(fallback.split()) >= max(1, len(text.split())) * FALLBACK_MIN_GAIN:
            text, extractor = fallback, "paragraphs"
    text = _drop_leading_headline(text.strip(), meta.get("title"))
    html_lang = doc.get("lang") or doc.get("xml:lang")
    declared = (html_lang or meta.get("language") or "").split("-")[0].lower() or None
    linked = _linked_data(doc)
    sections = _sections(doc, linked)
    host, archive = _hosts(url)
    host_keys = _host_keys(host)
    title_text = doc.findtext(".//title") or ""
    page_title = " ".join(title_text.split())
    site = _site_name(
        doc,
        host=host,
        archive=archive,
        keys=host_keys,
        linked=linked,
        found=meta.get("sitename"),
        sections=sections,
        title_text=title_text,
        titled=_title_site(page_title, host, host_keys),
    )
    site_keys = host_keys | {
        _key(name) for name in (site, _meta(doc, "og:site_name"), *linked.publishers) if name and _key(name)
    }
    raw_title = _raw_title(doc, meta.get("title"), page_title)
    # the category links are read only for a title that still ends in a short segment
    title = _clean_title(raw_title, site_keys, lambda: sections | _section_links(doc))
    text = _drop_leading_headline(text, title)  # the <h1> may lack the title's " | Site"
    # trafilatura's byline, else the meta tags, else the JSON-LD article's (trafilatura skips an
    # organisation credited as the author there)
    written = _meta(doc, "author", "article:author") or ""
    bylines = (meta.get("author"), written, "; ".join(linked.authors))
    author = next(
        (a for raw in bylines if (a := _clean_author(raw, site_keys, linked.claimants, written))), None
    )
    page = PageMeta(
        url=url,
        canonical_url=_canonical(doc, url),
        title=title,
        site=site,
        author=author,
        published=meta.get("date") or _meta(doc, "article:published_time", "datePublished"),
        language=reading_language(text, declared),
        description=_meta(doc, "og:description", "description", "twitter:description"),
    )
    cut = page_chars if source is not html else None  # the page's own length, not the pruned one
    return Article(text=repair_mojibake(text.strip()), meta=page, extractor=extractor, source_chars=cut)


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


# UTF-8 read as Windows-1252 once: "Â£25,000", "donâ€™t". A lead byte's letter, then one to three
# characters that stand for continuation bytes in that code page.
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{1,3}"
)


def repair_mojibake(text: str) -> str:
    """``text`` with each run of UTF-8 that was read as Windows-1252 decoded again ("Â£" -> "£",
    "â€™" -> "’"); a run that does not decode as UTF-8 stays as it is (real "Ã©t" in French)."""

    def fixed(m: re.Match[str]) -> str:
        try:
            return m.group().encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return m.group()

    return _MOJIBAKE.sub(fixed, text)  # one pass; a text with no lead byte in it has no match


def article_from_text(text: str) -> Article:
    """Pasted text as an article (cut to ``MAX_ARTICLE_CHARS``). Raises ``NotAnArticle`` for
    binary input."""
    if looks_binary(text):
        raise NotAnArticle("that is binary data, not text")
    cleaned = repair_mojibake(text.strip())
    first_line = cleaned.split("\n", 1)[0].strip()
    # A short first line of pasted text that does not end a sentence reads as its headline.
    title = (
        first_line
        if 0 < count_words(first_line) <= 16 and first_line[-1:] not in ".!?\"'”’。！？」"
        else None
    )
    meta = PageMeta(title=title, language=reading_language(cleaned))
    return cap_text(Article(text=cleaned, meta=meta, extractor="text"))


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


def reading_language(text: str, declared: str | None = None) -> str:
    """The language to read ``text`` in (ISO 639-1): langid's when it is sure
    (``LANGUAGE_CONFIDENCE``), else the page's ``declared`` one, else English."""
    lang, confidence = detect_language(text)
    if confidence >= LANGUAGE_CONFIDENCE:
        return lang
    return declared or "en"


def _json_ld_paywalled(doc: lxml.html.HtmlElement) -> bool:
    for data in _json_ld_blocks(doc, strict=True):
        items = data if isinstance(data, list) else [data]
        for item in items:
            if isinstance(item, dict) and str(item.get("isAccessibleForFree", "true")).lower() == "false":
                return True
    return False


def _is_wall_wording(sentence: str) -> bool:
    """True for a sentence of a consent, JavaScript, paywall or error page rather than reporting."""
    return bool(
        _COOKIE_PHRASES.search(sentence)
        or _JS_PHRASES.search(sentence)
        or _PAYWALL_PHRASES.search(sentence)
        or _ERROR_WORDING.search(sentence)
        or len(_CONSENT_TERMS.findall(sentence)) >= CONSENT_TERMS_PER_SENTENCE
    )


def _line_break(m: re.Match[str]) -> str:
    """A sentence break as a line break, its closing marks kept with the sentence before."""
    return (m.group(1) or m.group(2) or "") + "\n"


def _reads_as_article(text: str) -> bool:
    """True when ``text`` reads as a complete short article: at least ``MIN_ARTICLE_SENTENCES``
    full sentences holding ``MIN_PROSE_SHARE`` of its words, none of them a wall's wording, and no
    trailing "..." of a teaser. A 100-word cookie wall is consent wording; a 100-word brief is not."""
    stripped = text.rstrip()
    if not stripped or stripped.endswith(("...", "…")):
        return False
    sentences = _sentences(stripped)
    total = sum(count_words(s) for s in sentences)
    full = [s for s in sentences if _is_full_sentence(s)]
    prose = sum(count_words(s) for s in full)
    return len(full) >= MIN_ARTICLE_SENTENCES and prose >= MIN_PROSE_SHARE * total


def _sentences(text: str) -> list[str]:
    return [
        s.strip()
        for paragraph in text.splitlines()
        for s in _SENTENCE_BREAK.sub(_line_break, paragraph).splitlines()
    ]


def _is_full_sentence(s: str) -> bool:
    """``SENTENCE_MIN_WORDS`` or more, ending in a full stop, not a list item nor a wall's wording."""
    return (
        count_words(s) >= SENTENCE_MIN_WORDS
        and not s.startswith(("*", "-", "•", "·"))  # a list item, not prose
        and s.rstrip("\"'”’)]」』").endswith(_FULL_STOPS)
        and not _is_wall_wording(s)
    )


def check_readable(article: Article, html: str | None = None, options: GateOptions = GateOptions()) -> None:
    """Raise if ``article`` is not something we can honestly summarize; return quietly if it is."""
    _gate(article, html, _parse(html) if html is not None else None, options)


def _check_language(article: Article, options: GateOptions) -> str:
    """The language ``article`` is read in. Refuses one the server is not set to read, or one that
    cannot be segmented and scored honestly (``models.languages.unreadable_reason``)."""
    lang = article.meta.language or reading_language(article.text)
    name = language_name(lang)
    if options.languages is not None and lang not in options.languages:
        allowed = ", ".join(sorted(language_name(code) for code in options.languages))
        raise UnsupportedLanguage(
            f"that text looks like {name} ({lang}); this server summarizes {allowed} only", language=lang
        )
    if (why := unreadable_reason(lang)) is not None:
        raise UnsupportedLanguage(f"that text looks like {name} ({lang}): {why}", language=lang)
    return lang


def _gate(
    article: Article, html: str | None, doc: lxml.html.HtmlElement | None, options: GateOptions
) -> None:
    # The language first: a text that cannot be split into words is not measured in them.
    lang = _check_language(article, options) if article.text.strip() else "en"
    words = article.words
    # The page-level checks only matter for a short read; a full article skips the whole scan.
    if html is not None and words < max(PAYWALL_TEASER_WORDS, options.min_page_words):
        page_text = _visible_text(doc) if doc is not None else ""
        paywalled = bool(_NOT_FREE.search(html)) or (doc is not None and _json_ld_paywalled(doc))
        # Words ("Already a subscriber?" in a site's header) and class names (its login widget)
        # are weaker than the publisher's statement: a page with only those signs, whose text
        # reads as a complete short article, is a free brief. A teaser stays refused: it says
        # "continue reading".
        complete = words >= options.min_article_words and _reads_as_article(article.text)
        worded = _PAYWALL_PHRASES.search(page_text) is not None or _PAYWALL_CLASS.search(html) is not None
        if worded and not paywalled and not _TEASER_PHRASES.search(page_text):
            worded = not complete
        if (paywalled or worded) and words < PAYWALL_TEASER_WORDS:
            raise TooLittleText(
                f"that page is paywalled: only {words} words were visible", reason="paywall", words=words
            )
        # A wire brief passes on fewer words, if its text is a complete article, not a wall's wording.
        if words < options.min_page_words and not complete:
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
    # Another language's key points are its sentences, split at their punctuation: a text with
    # too few (lyrics, a list, a table) cannot be split honestly.
    if not is_english(lang) and sum(map(_is_full_sentence, _sentences(article.text))) < MIN_ARTICLE_SENTENCES:
        raise NotAnArticle(
            f"that text has no sentences to summarize: fewer than {MIN_ARTICLE_SENTENCES} of its lines "
            "end in a full stop, so it cannot be split into sentences honestly"
        )
