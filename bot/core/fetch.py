"""Fetch a web page safely: http(s) only, public addresses only, bounded in time and size.

A link posted in a public chat is untrusted input, so ``Fetcher.fetch`` refuses to be
used to reach the bot's own network (SSRF). Every failure is one of ``bot.core.errors``:

    FetchError                raised as itself: a corrupt body, or one compressed as we never asked
    ├── RefusedAddress        not http(s), or a host that is not public (and not allowlisted)
    ├── HTTPStatusError       the page answered 4xx / 5xx
    ├── TooManyRedirects      more than ``FetchLimits.max_redirects``
    ├── FetchTimeout          ``FetchLimits.timeout_s`` passed (the whole fetch, redirects included)
    ├── TooLarge              Content-Length or the decoded body is over ``FetchLimits.max_bytes``
    └── ConnectError          DNS failure, refused connection, TLS failure, connection broken
    UnreadableArticle
    └── NotAnArticle          a content type that is not a page (PDF, image, video...)

The address check is made twice. ``check_url`` is a cheap pre-flight on every hop (scheme,
and a host written as an IP address in any spelling ``inet_aton`` accepts). The check that
counts is in ``_GuardedBackend.connect_tcp``, the httpcore network backend under the shared
client: it resolves the host once, refuses unless every answer is public, and connects to
one of those checked addresses. No second lookup happens between check and connect, so a
DNS answer that changes (DNS rebinding) cannot get through. TLS still verifies the hostname:
httpcore passes the request's host to ``start_tls``, not the address we connected to.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import functools
import http
import ipaddress
import re
import socket
import time
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType

import httpcore
import httpx

from bot.core.errors import (
    ConnectError,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    NotAnArticle,
    RefusedAddress,
    TooLarge,
    TooManyRedirects,
)
from bot.core.urls import shown_host, shown_url

__all__ = [
    "FetchLimits",
    "FetchedPage",
    "Fetcher",
    "Resolver",
    "check_url",
    "is_public_address",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""``(host, port) -> IP address strings``; injectable so tests can play DNS."""

ARTICLE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

# One bot fetches a few pages at a time; more open sockets would only hold memory.
POOL_CONNECTIONS = 20
# httpx's default: links in a thread often share a site, and servers drop idle sockets soon.
KEEPALIVE_S = 5.0

# Where a page may declare its charset in a <meta>; browsers look no further than this.
META_SNIFF_BYTES = 4096

# Not caught by ``is_global`` on Python 3.11, or worth naming anyway.
_NOT_PUBLIC_NETS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "100.64.0.0/10",  # carrier-grade NAT
        "fec0::/10",  # deprecated IPv6 site-local
        "64:ff9b:1::/48",  # local-use NAT64: where the IPv4 part sits is a local choice
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

# Only these characters can make a legacy numeric IPv4 spelling ("0x7f.1", "2130706433").
_NUMERIC_HOST = re.compile(r"[0-9a-fA-FxX.]+")

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

# WHATWG: pages labelled latin-1 or ascii are really windows-1252 (curly quotes in 0x80-0x9f).
_WHATWG_CODECS = {codecs.lookup("latin-1").name: "cp1252", codecs.lookup("ascii").name: "cp1252"}

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class FetchLimits:
    timeout_s: float = 10.0
    """Deadline for the whole fetch, redirects included."""
    max_bytes: int = 5_000_000
    """Cap on the decoded body; a larger Content-Length is refused before reading."""
    max_redirects: int = 5
    allow_private: frozenset[str] = frozenset()
    """Hosts, IP addresses or CIDR nets reachable although not public (setting FETCH_ALLOW_PRIVATE)."""
    user_agent: str = "precis-bot/0.1 (+https://github.com/precis-bot/precis; article summarizer)"


@dataclass(frozen=True, slots=True)
class FetchedPage:
    url: str
    """Final URL, after redirects."""
    status: int
    content_type: str
    """Media type without parameters, e.g. ``text/html``; sniffed when the server sent none."""
    encoding: str | None
    """Charset declared by the header or the page's <meta>, if any."""
    body: bytes
    """Decoded (decompressed) body."""
    text: str
    elapsed_ms: float


# --- address policy ------------------------------------------------------------------


def is_public_address(ip: IPAddress) -> bool:
    """True when ``ip`` is a globally routable unicast address.

    IPv6 forms that embed an IPv4 address (IPv4-mapped, 6to4, NAT64) are judged by
    the IPv4 address they lead to.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
    if (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    ):
        return False
    if any(ip in net for net in _NOT_PUBLIC_NETS if net.version == ip.version):
        return False
    return ip.is_global


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return None


def _literal_ip(host: str) -> IPAddress | None:
    """The address ``host`` spells, in any form the resolver would also accept, else None."""
    host = host.rstrip(".")
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host)
    if _NUMERIC_HOST.fullmatch(host):
        with contextlib.suppress(OSError):
            return ipaddress.IPv4Address(socket.inet_aton(host))
    return None


@dataclass(frozen=True, slots=True)
class _Allowlist:
    """``FetchLimits.allow_private`` parsed once: host names, and IP networks."""

    names: frozenset[str]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @staticmethod
    @functools.lru_cache(maxsize=32)
    def parse(entries: frozenset[str]) -> _Allowlist:
        names: set[str] = set()
        networks = []
        for entry in entries:
            entry = entry.strip().strip("[]")
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.add(entry.lower().rstrip("."))
        return _Allowlist(frozenset(names), tuple(networks))

    def permits(self, host: str, ip: IPAddress | None) -> bool:
        if host.lower().rstrip(".") in self.names:
            return True
        if ip is None:
            return False
        candidates = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)
        return any(addr in net for addr in candidates for net in self.networks)


def check_url(url: str, allow_private: frozenset[str] = frozenset()) -> None:
    """Refuse ``url`` unless it is http(s) and its host is not a non-public IP literal.

    A fast pre-flight with no DNS lookup: host names are checked where the connection
    is made (see the module docstring). Raises ``RefusedAddress``.
    """
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise RefusedAddress(f"that is not a valid web address: {shown_url(url)!r}") from exc
    if parsed.scheme not in ("http", "https"):
        shown = f"{parsed.scheme}:" if parsed.scheme else "a link without one"
        raise RefusedAddress(f"only http and https links can be read, not {shown}")
    host = parsed.host
    if not host:
        raise RefusedAddress(f"that link has no host: {shown_url(url)!r}")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise RefusedAddress(f"that link's port ({parsed.port}) is not a valid port")
    ip = _literal_ip(host)
    if ip is None or _Allowlist.parse(allow_private).permits(host, ip):
        return
    if not is_public_address(ip):
        raise RefusedAddress(f"refused to fetch {shown_host(host)}: {ip} is not a public address")


# --- the network layer: check the address actually connected to ----------------------


async def _system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolve once, refuse unless every answer is allowed, connect to a checked address."""

    def __init__(
        self,
        resolver: Resolver,
        allow: _Allowlist,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._resolver = resolver
        self._allow = allow
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._checked_addresses(host, port)
        connect = functools.partial(
            self._inner.connect_tcp,
            port=port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )
        for address in addresses[:-1]:
            with contextlib.suppress(httpcore.ConnectError, httpcore.ConnectTimeout):
                return await connect(address)
        return await connect(addresses[-1])

    async def _checked_addresses(self, host: str, port: int) -> list[str]:
        literal = _literal_ip(host)
        if literal is not None:
            ips = [literal]
        else:
            try:
                answers = await self._resolver(host, port)
                ips = [ipaddress.ip_address(answer) for answer in answers]
            except (OSError, ValueError) as exc:
                raise ConnectError(f"could not resolve {shown_host(host)}: {_reason(exc)}") from exc
            if not ips:
                raise ConnectError(f"could not resolve {shown_host(host)}: no addresses")
        for ip in ips:
            if not (self._allow.permits(host, ip) or is_public_address(ip)):
                raise RefusedAddress(
                    f"refused to fetch {shown_host(host)}: it resolves to {ip}, which is not a public address"
                )
        return [str(ip) for ip in ips]

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedAddress("unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


# httpcore's exceptions as httpx's, most specific first (as httpx's own transport does).
_HTTPCORE_TO_HTTPX: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.ProtocolError: httpx.ProtocolError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
}


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for cls in type(exc).__mro__:
            if cls in _HTTPCORE_TO_HTTPX:
                raise _HTTPCORE_TO_HTTPX[cls](str(exc)) from exc
        raise


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        closer = getattr(self._stream, "aclose", None)
        if closer is not None:
            await closer()


class _GuardedTransport(httpx.AsyncBaseTransport):
    """httpx's ``AsyncHTTPTransport``, less proxies, over a ``_GuardedBackend``.

    httpx 0.28 cannot hand a network backend to its own transport, so this owns the
    httpcore pool and maps requests, responses and errors the way httpx does.
    """

    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=POOL_CONNECTIONS,
            max_keepalive_connections=POOL_CONNECTIONS,
            keepalive_expiry=KEEPALIVE_S,
            network_backend=backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)  # as in httpx's own transport
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            core_response = await self._pool.handle_async_request(core_request)
        assert isinstance(core_response.stream, AsyncIterable)
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ResponseStream(core_response.stream),
            extensions=core_response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


# --- the body: decompress under the cap, decode to text ------------------------------


class _CappedDecoder:
    """Undo gzip/deflate a chunk at a time, never producing more than ``cap`` bytes.

    zlib's ``max_length`` bounds each call, so a compression bomb costs at most the cap
    in memory. Stacked or other encodings (br, zstd) are refused: we only ask for these.
    """

    ACCEPT_ENCODING = "gzip, deflate"

    def __init__(self, content_encoding: str | None, cap: int) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(
                "the page is compressed in a way we do not read",
                detail=f"Content-Encoding {content_encoding!r}",
            )
        self._coding = codings[0] if codings else None
        self._zlib = None
        if self._coding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self._coding == "deflate":
            self._zlib = zlib.decompressobj()
        self._fed = False
        self._cap = cap
        self._room = cap

    def decode(self, data: bytes) -> bytes:
        out = data if self._zlib is None else self._inflate(data)
        self._fed = True
        if len(out) > self._room:
            raise TooLarge(f"the page is over the {self._cap:,}-byte limit")
        self._room -= len(out)
        return out

    def _inflate(self, data: bytes) -> bytes:
        assert self._zlib is not None
        try:
            return self._zlib.decompress(data, self._room + 1)
        except zlib.error as exc:
            if self._coding == "deflate" and not self._fed:
                # Some servers send raw deflate without the zlib header (httpx retries too).
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                return self._inflate(data)
            raise FetchError(f"the page's {self._coding} body is corrupt") from exc


def _parse_content_type(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    mime, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower() or None
    return mime.strip().lower(), charset


_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]{0,30}/[a-z0-9][a-z0-9.+-]{0,60}")


def _describe(mime: str) -> str:
    known = {
        "application/pdf": "a PDF",
        "application/octet-stream": "a binary file",
        "application/json": "JSON data",
        "application/zip": "a zip archive",
    }
    kind = known.get(mime)
    if kind is None:
        kinds = {"image": "an image", "video": "a video", "audio": "an audio file"}
        kind = kinds.get(mime.partition("/")[0], "a file")
    # The type is the server's text: shown only when it is a plain, short media type.
    shown = f" ({mime})" if _MEDIA_TYPE.fullmatch(mime) else ""
    return f"that link is {kind}{shown}, not an article page"


def _sniff(body: bytes) -> str:
    """Media type for a response that did not name one."""
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "text/html"
    if b"\x00" not in body[:1024]:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return "text/plain"
    raise NotAnArticle("that link has no content type and does not look like a text page")


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _WHATWG_CODECS.get(name, name)


def _decode(body: bytes, header_charset: str | None, mime: str) -> tuple[str | None, str]:
    """(declared charset, text): the header's charset, else the <meta>'s, else utf-8."""
    labels = [header_charset]
    if mime in HTML_TYPES:
        found = _META_CHARSET.search(body[:META_SNIFF_BYTES])
        labels.append(found.group(1).decode("ascii").lower() if found else None)
    for label in labels:
        codec = _codec(label)
        if codec is not None:
            return label, body.decode(codec, errors="replace")
    return None, body.decode("utf-8-sig", errors="replace")


def _phrase(status: int) -> str:
    """The standard reason phrase: the server's own is its text, not ours to repeat."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# --- the fetcher ----------------------------------------------------------------------


class Fetcher:
    """Fetch pages through one shared ``httpx.AsyncClient``; see the module docstring.

    ``resolver`` replaces the system DNS lookup. ``transport`` replaces the whole guarded
    network layer (tests pass ``httpx.MockTransport``); then only ``check_url`` guards.
    """

    def __init__(
        self,
        limits: FetchLimits = FetchLimits(),
        *,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if transport is not None and resolver is not None:
            raise ValueError("pass a resolver or a transport, not both: a transport does its own lookups")
        if transport is None:
            allow = _Allowlist.parse(limits.allow_private)
            transport = _GuardedTransport(_GuardedBackend(resolver or _system_resolver, allow))
        self._limits = limits
        self._client = httpx.AsyncClient(
            transport=transport,
            headers={
                "User-Agent": limits.user_agent,
                "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
                "Accept-Language": "en",
                "Accept-Encoding": _CappedDecoder.ACCEPT_ENCODING,
            },
            timeout=httpx.Timeout(limits.timeout_s),
            follow_redirects=False,
            trust_env=False,
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(self, url: str) -> FetchedPage:
        """Fetch ``url``, following up to ``max_redirects`` redirects, each checked again."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._limits.timeout_s):
                return await self._follow(url, started)
        except TimeoutError as exc:
            raise FetchTimeout(f"timed out after {self._limits.timeout_s:g} s") from exc

    async def _follow(self, url: str, started: float) -> FetchedPage:
        for _ in range(self._limits.max_redirects + 1):
            check_url(url, self._limits.allow_private)
            host = shown_host(httpx.URL(url).host)
            try:
                async with self._client.stream("GET", url) as response:
                    location = _redirect_target(response)
                    if location is None:
                        return await self._read(response, started)
            except httpx.TimeoutException as exc:
                raise FetchTimeout(f"timed out after {self._limits.timeout_s:g} s") from exc
            except httpx.InvalidURL as exc:  # httpx reads the Location header even when not following
                raise RefusedAddress(f"{host} redirected to an address that is not a web page") from exc
            except httpx.ConnectError as exc:
                raise ConnectError(f"could not connect to {host}: {_reason(exc)}") from exc
            except httpx.TransportError as exc:  # the reason may quote what the server sent
                raise ConnectError(f"the connection to {host} failed", detail=_reason(exc)) from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"could not fetch {host}", detail=_reason(exc)) from exc
            url = location
        raise TooManyRedirects(f"the page redirected more than {self._limits.max_redirects} times")

    async def _read(self, response: httpx.Response, started: float) -> FetchedPage:
        status = response.status_code
        if status >= 400:
            raise HTTPStatusError(f"the page answered HTTP {status} {_phrase(status)}".rstrip(), status)
        mime, charset = _parse_content_type(response.headers.get("content-type"))
        if mime and mime not in ARTICLE_TYPES:
            raise NotAnArticle(_describe(mime))
        cap = self._limits.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise TooLarge(f"the page is {int(declared):,} bytes, over the {cap:,}-byte limit")
        if response.is_stream_consumed:
            # Built in-process from bytes (httpx.MockTransport): httpx has read and decoded it.
            body = response.content
            if len(body) > cap:
                raise TooLarge(f"the page is over the {cap:,}-byte limit")
        else:
            decoder = _CappedDecoder(response.headers.get("content-encoding"), cap)
            body = b"".join([decoder.decode(raw) async for raw in response.aiter_raw()])
        if not mime:
            mime = _sniff(body)
        encoding, text = _decode(body, charset, mime)
        return FetchedPage(
            url=str(response.url),
            status=status,
            content_type=mime,
            encoding=encoding,
            body=body,
            text=text,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )


def _redirect_target(response: httpx.Response) -> str | None:
    if response.status_code not in _REDIRECT_STATUSES or "location" not in response.headers:
        return None
    try:
        return str(response.url.join(response.headers["location"]))
    except httpx.InvalidURL as exc:
        raise RefusedAddress("the page redirected to an invalid address") from exc
