"""One spelling per article address, so the cache and "already summarized here" see through
tracking parameters, fragments and same-host AMP copies.

``canonical_url`` is a cache key, never an address to fetch: the service fetches the link a
person posted and files the result under that link and where its redirects led. (A page's own
``<link rel=canonical>`` is shown as metadata but never used as a key: any page can claim any
address.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "canonical_url",
    "domain_matches",
    "host_of",
    "normalize_domain",
    "redact_url",
    "shown_host",
    "shown_url",
]

# A link or host quoted back to a person is at most this long: a 100 kB address is not a message.
SHOWN_URL_CHARS = 100

# Query parameters that say how a link travelled, never which page it is.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
    "li_fat_id", "mc_cid", "mc_eid", "igshid", "igsh", "ref_src", "ref_url", "s_cid", "ocid",
    "ncid", "sr_share", "mkt_tok", "vero_id", "oly_anon_id", "oly_enc_id", "rb_clickid",
    "soc_src", "soc_trk", "__twitter_impression", "_ga", "_gl", "wt_mc", "cmpid", "spm",
})  # fmt: skip
TRACKING_PREFIXES = ("utm_", "_hs", "pk_", "mtm_", "at_")

# How publishers mark the AMP copy of a page in its query string.
_AMP_QUERY = {"amp": {"", "1", "true"}, "outputtype": {"amp"}, "output": {"amp"}}
_AMP_SUFFIX = re.compile(r"\.amp(\.html?)$", re.IGNORECASE)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _is_amp_flag(name: str, value: str) -> bool:
    return value.lower() in _AMP_QUERY.get(name.lower(), ())


def _path(path: str) -> str:
    """AMP markers out (``/amp`` segments, ``.amp.html``), and no trailing slash: ``/a/`` and ``/a``
    are the same article on every site that serves both."""
    path = _AMP_SUFFIX.sub(r"\1", path)
    kept = [s for i, s in enumerate(path.split("/")) if s.lower() != "amp" or i == 0]
    return "/".join(kept).rstrip("/") or "/"


def canonical_url(url: str) -> str:
    """The one spelling of ``url`` used as a cache key.

    Lowercases the scheme and host, drops the fragment, user info, default port, a trailing
    slash and tracking parameters (``utm_*``, ``fbclid``, ``gclid``...), sorts the query, and maps an AMP copy
    on the same host (``/amp/`` segment, ``.amp.html``, ``?amp=1``) to the page it copies. The host
    is never changed: a key naming another host (an ``amp.`` subdomain, Google's AMP viewer, any
    cache) would let whoever serves that address answer for the other one. A string that is not
    an http(s) URL comes back trimmed.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return url
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(k) and not _is_amp_flag(k, v)
    ]
    query.sort(key=lambda kv: kv[0])  # stable: repeated keys keep their order
    path = _path(parts.path)
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def host_of(url: str) -> str | None:
    """The lowercased host of an http(s) URL, without a trailing dot; None when it has none."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host.rstrip(".").lower() if host else None


def normalize_domain(domain: str) -> str:
    """``"*.Example.COM."`` / ``"https://example.com/x"`` -> ``"example.com"``."""
    domain = domain.strip().lower()
    if "://" in domain:
        domain = host_of(domain) or ""
    return domain.removeprefix("*.").strip(".")


def domain_matches(host: str, domains: Iterable[str]) -> bool:
    """True when ``host`` is one of ``domains`` or a subdomain of one."""
    host = host.rstrip(".").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def redact_url(url: str) -> str:
    """``url`` fit for a log: the user name and password become ``***`` (a user name is half of a
    credential) and the query (which may carry one) goes.

    ``redis://bot:secret@cache:6379/0?password=x`` -> ``redis://***@cache:6379/0``.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "<invalid url>"
    netloc = parts.hostname or ""
    if port is not None:
        netloc += f":{port}"
    if parts.username is not None or parts.password is not None:
        netloc = f"***@{netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def shown_url(url: str) -> str:
    """``url`` fit to quote in a reply: itself when short, else its host and a cut path with the
    full length said (``https://example.com/aaaa… (100,018 characters)``)."""
    if len(url) <= SHOWN_URL_CHARS:
        return url
    return f"{url[: SHOWN_URL_CHARS - 1]}… ({len(url):,} characters)"


def shown_host(host: str) -> str:
    """A host name fit to quote in a reply: cut with "…" past ``SHOWN_URL_CHARS``."""
    return host if len(host) <= SHOWN_URL_CHARS else f"{host[: SHOWN_URL_CHARS - 1]}…"
