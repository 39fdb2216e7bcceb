"""bot.core.fetch against a real HTTP server on 127.0.0.1 (port 0), a fake resolver and MockTransport.

Addresses that must be refused are asserted refused *and* never reached: the local server
records every request, and the recording network backend records every connection.
"""

from __future__ import annotations

import gzip
import ipaddress
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

import httpcore
import httpx
import pytest

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
from bot.core.fetch import (
    Fetcher,
    FetchLimits,
    _Allowlist,
    _GuardedBackend,
    _GuardedTransport,
    check_url,
    is_public_address,
)

LOCAL = frozenset({"127.0.0.1"})
PUBLIC_IP = "93.184.216.34"
HTML = "<html><head><title>Hi</title></head><body><p>Hello, world.</p></body></html>"
BOMB_BYTES = 20_000_000  # decompressed size of the gzip bomb; the compressed form is ~20 KB


# --- the local server ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    path: str
    headers: dict[str, str]
    client_port: int


@dataclass
class Site:
    """What the server saw, and an event that releases handlers told to hang."""

    hits: list[Hit] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    gzip_bomb: bytes = field(default_factory=lambda: gzip.compress(bytes(BOMB_BYTES), compresslevel=9))


class _Server(ThreadingHTTPServer):
    site: Site

    def handle_error(self, request: object, client_address: object) -> None:
        """The client hanging up mid-body is expected here (caps, deadlines)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def reply(self, status: int, body: bytes, headers: Iterable[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def hang(self, status: int, headers: Iterable[tuple[str, str]]) -> None:
        """Send headers and a few bytes of a body that never finishes (until released)."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(b"0123456789")
        self.wfile.flush()
        self.server.site.release.wait(10)
        self.close_connection = True

    def do_GET(self) -> None:
        site = self.server.site
        headers = {name.lower(): value for name, value in self.headers.items()}
        site.hits.append(Hit(self.path, headers, self.client_address[1]))
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        path = url.path
        html = [("Content-Type", "text/html; charset=utf-8")]
        try:
            if path == "/page":
                self.reply(200, HTML.encode(), html)
            elif path.startswith("/status/"):
                self.reply(int(path.removeprefix("/status/")), b"<p>nope</p>", html)
            elif path == "/type":
                self.reply(200, b"<p>x</p>", [("Content-Type", query["ct"])])
            elif path == "/pdf":
                self.hang(200, [("Content-Type", "application/pdf"), ("Content-Length", "9000000")])
            elif path == "/big-declared":
                self.hang(200, [*html, ("Content-Length", "50000000")])
            elif path == "/big-chunked":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for _ in range(20):
                    self.wfile.write(b"3e8\r\n" + b"a" * 1000 + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            elif path == "/gzip-bomb":
                self.reply(200, site.gzip_bomb, [*html, ("Content-Encoding", "gzip")])
            elif path == "/gzip-page":
                self.reply(200, gzip.compress(HTML.encode()), [*html, ("Content-Encoding", "gzip")])
            elif path == "/slow":
                site.release.wait(10)
                self.reply(200, HTML.encode(), html)
            elif path.startswith("/redirect/"):
                left = int(path.removeprefix("/redirect/"))
                if left == 0:
                    self.reply(200, HTML.encode(), html)
                else:
                    self.reply(302, b"", [("Location", f"/redirect/{left - 1}")])
            elif path == "/to":
                self.reply(302, b"", [("Location", query["url"])])
            elif path == "/latin1":
                latin1 = "<p>café naïve £5 \x93quoted\x94</p>".encode("latin-1")
                self.reply(200, latin1, [("Content-Type", "text/html; charset=ISO-8859-1")])
            elif path == "/meta-charset":
                page = '<html><head><meta charset="windows-1251"></head><body>Привет, мир</body></html>'
                self.reply(200, page.encode("cp1251"), [("Content-Type", "text/html")])
            elif path == "/meta-http-equiv":
                page = (
                    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
                    "</head><body>日本語の記事</body></html>"
                )
                self.reply(200, page.encode("shift_jis"), [("Content-Type", "text/html")])
            elif path == "/bad-utf8":
                self.reply(200, b"<p>caf\xe9</p>", [("Content-Type", "text/html")])
            elif path == "/encoded":
                self.reply(200, bytes.fromhex(query["hex"]), [*html, ("Content-Encoding", query["ce"])])
            elif path == "/untyped":
                self.reply(200, bytes.fromhex(query["hex"]))
            else:
                self.reply(404, b"", html)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


@pytest.fixture(scope="module")
def _running_server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.site = Site()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.site.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@dataclass
class Server:
    port: int
    site: Site

    @property
    def hits(self) -> list[Hit]:
        return self.site.hits

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [hit.path.partition("?")[0] for hit in self.hits]


@pytest.fixture
def server(_running_server: _Server) -> Iterator[Server]:
    site = _running_server.site
    site.hits.clear()
    yield Server(_running_server.server_address[1], site)
    site.release.set()  # let hanging handlers finish; the next test gets a fresh event
    site.release = threading.Event()


def limits(**changes: object) -> FetchLimits:
    values: dict[str, object] = {"timeout_s": 5.0, "allow_private": LOCAL, **changes}
    return FetchLimits(**values)  # type: ignore[arg-type]


# --- fakes for the network layer -------------------------------------------------------


class StandInInternet(httpcore.AsyncNetworkBackend):
    """Records the address each connection is made to, then connects to the local server.

    It plays the whole internet, so a "public" address that passed the check can be served.
    """

    def __init__(self, port: int) -> None:
        self.connected: list[str] = []
        self._port = port
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connected.append(host)
        return await self._real.connect_tcp("127.0.0.1", self._port, timeout=timeout)


class ScriptedResolver:
    """Answers each lookup with the next scripted list of addresses."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.answers.pop(0)


def guarded(resolver: ScriptedResolver, internet: StandInInternet) -> httpx.AsyncBaseTransport:
    """The real guarded transport, over the stand-in internet, with nothing allowlisted."""
    return _GuardedTransport(_GuardedBackend(resolver, _Allowlist.parse(frozenset()), inner=internet))


# --- the happy path --------------------------------------------------------------------


@pytest.mark.asyncio
async def test_fetches_an_html_page(server: Server) -> None:
    async with Fetcher(limits()) as fetcher:
        page = await fetcher.fetch(server.url("/page"))
    assert page.status == 200
    assert page.url == server.url("/page")
    assert page.content_type == "text/html"
    assert page.encoding == "utf-8"
    assert page.body == HTML.encode()
    assert page.text == HTML
    assert page.elapsed_ms > 0


@pytest.mark.asyncio
async def test_sends_identifying_headers(server: Server) -> None:
    async with Fetcher(limits()) as fetcher:
        await fetcher.fetch(server.url("/page"))
    (hit,) = server.hits
    assert hit.headers["user-agent"] == FetchLimits().user_agent
    assert "precis" in hit.headers["user-agent"]
    assert "https://github.com/precis-bot/precis" in hit.headers["user-agent"]
    assert hit.headers["accept"].startswith("text/html")
    assert hit.headers["accept-language"] == "en"


@pytest.mark.asyncio
async def test_one_fetcher_reuses_its_connection(server: Server) -> None:
    async with Fetcher(limits()) as fetcher:
        await fetcher.fetch(server.url("/page"))
        await fetcher.fetch(server.url("/page"))
    assert len(server.hits) == 2
    assert server.hits[0].client_port == server.hits[1].client_port


@pytest.mark.asyncio
async def test_follows_up_to_max_redirects(server: Server) -> None:
    async with Fetcher(limits(max_redirects=5)) as fetcher:
        page = await fetcher.fetch(server.url("/redirect/5"))
    assert page.url == server.url("/redirect/0")
    assert page.text == HTML
    assert len(server.hits) == 6


@pytest.mark.asyncio
async def test_a_sixth_redirect_is_too_many(server: Server) -> None:
    async with Fetcher(limits(max_redirects=5)) as fetcher:
        with pytest.raises(TooManyRedirects, match="more than 5"):
            await fetcher.fetch(server.url("/redirect/6"))
    assert server.paths() == [f"/redirect/{n}" for n in range(6, 0, -1)]


# --- status, type and size -------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(("status", "phrase"), [(404, "Not Found"), (500, "Internal Server Error")])
async def test_http_errors_name_the_status(server: Server, status: int, phrase: str) -> None:
    async with Fetcher(limits()) as fetcher:
        with pytest.raises(HTTPStatusError) as caught:
            await fetcher.fetch(server.url(f"/status/{status}"))
    assert caught.value.status == status
    assert caught.value.message == f"the page answered HTTP {status} {phrase}"


@pytest.mark.asyncio
async def test_a_pdf_is_refused_before_its_body_is_read(server: Server) -> None:
    # The server sends 10 of 9,000,000 promised bytes and hangs: reading would time out.
    started = time.monotonic()
    async with Fetcher(limits(timeout_s=3.0)) as fetcher:
        with pytest.raises(NotAnArticle) as caught:
            await fetcher.fetch(server.url("/pdf"))
    assert caught.value.message == "that link is a PDF (application/pdf), not an article page"
    assert time.monotonic() - started < 2.0


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("image/png", "an image"),
        ("video/mp4", "a video"),
        ("application/octet-stream", "a binary file"),
        ("application/json; charset=utf-8", "JSON data"),
    ],
)
async def test_other_content_types_are_not_articles(server: Server, content_type: str, kind: str) -> None:
    async with Fetcher(limits()) as fetcher:
        with pytest.raises(NotAnArticle, match=f"^that link is {kind} "):
            await fetcher.fetch(server.url(f"/type?ct={quote(content_type)}"))


@pytest.mark.asyncio
@pytest.mark.parametrize("content_type", ["text/plain", "application/xhtml+xml", "TEXT/HTML; charset=utf-8"])
async def test_article_content_types_are_accepted(server: Server, content_type: str) -> None:
    async with Fetcher(limits()) as fetcher:
        page = await fetcher.fetch(server.url(f"/type?ct={quote(content_type)}"))
    assert page.content_type == content_type.split(";")[0].lower()
    assert page.text == "<p>x</p>"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "sniffed"),
    [(b"  <!doctype html><p>hi</p>", "text/html"), ("plain words, café".encode(), "text/plain")],
)
async def test_a_missing_content_type_is_sniffed(server: Server, body: bytes, sniffed: str) -> None:
    async with Fetcher(limits()) as fetcher:
        page = await fetcher.fetch(server.url(f"/untyped?hex={body.hex()}"))
    assert page.content_type == sniffed
    assert page.text == body.decode()


@pytest.mark.asyncio
@pytest.mark.parametrize("body", [b"\x89PNG\r\n\x1a\n\x00\x00", b"\xff\xfe\xfd binary"])
async def test_a_missing_content_type_on_binary_is_refused(server: Server, body: bytes) -> None:
    async with Fetcher(limits()) as fetcher:
        with pytest.raises(NotAnArticle, match="no content type"):
            await fetcher.fetch(server.url(f"/untyped?hex={body.hex()}"))


@pytest.mark.asyncio
async def test_a_large_content_length_is_refused_before_reading(server: Server) -> None:
    started = time.monotonic()
    async with Fetcher(limits(timeout_s=3.0, max_bytes=1_000_000)) as fetcher:
        with pytest.raises(TooLarge) as caught:
            await fetcher.fetch(server.url("/big-declared"))
    assert caught.value.message == "the page is 50,000,000 bytes, over the 1,000,000-byte limit"
    assert time.monotonic() - started < 2.0


@pytest.mark.asyncio
async def test_a_chunked_body_is_capped_while_streaming(server: Server) -> None:
    async with Fetcher(limits(max_bytes=5_000)) as fetcher:
        with pytest.raises(TooLarge, match="5,000-byte limit"):
            await fetcher.fetch(server.url("/big-chunked"))
    async with Fetcher(limits(max_bytes=20_000)) as fetcher:
        page = await fetcher.fetch(server.url("/big-chunked"))
    assert page.body == b"a" * 20_000


@pytest.mark.asyncio
async def test_gzip_is_decoded(server: Server) -> None:
    async with Fetcher(limits()) as fetcher:
        page = await fetcher.fetch(server.url("/gzip-page"))
    assert page.text == HTML


@pytest.mark.asyncio
async def test_a_gzip_bomb_is_capped_on_decoded_bytes_without_inflating_it(server: Server) -> None:
    assert len(server.site.gzip_bomb) < 100_000  # passes the Content-Length check
    async with Fetcher(limits(max_bytes=100_000)) as fetcher:
        tracemalloc.start()
        try:
            with pytest.raises(TooLarge, match="100,000-byte limit"):
                await fetcher.fetch(server.url("/gzip-bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < BOMB_BYTES // 4, f"inflated {peak:,} bytes to refuse a bomb"


# --- text decoding ---------------------------------------------------------------------


@pytest.mark.asyncio
async def test_header_charset_is_used(server: Server) -> None:
    async with Fetcher(limits()) as fetcher:
        page = await fetcher.fetch(server.url("/latin1"))
    assert page.encoding == "iso-8859-1"
    # Labelled latin-1, read as windows-1252 the way browsers do: 0x93/0x94 are curly quotes.
    assert page.text == "<p>café naïve £5 “quoted”</p>"


@pytest.mark.asyncio
async def test_meta_charset_is_used(server: Server) -> None:
    async with Fetcher(limits()) as fetcher:
        page = await fetcher.fetch(server.url("/meta-charset"))
        equiv = await fetcher.fetch(server.url("/meta-http-equiv"))
    assert page.encoding == "windows-1251"
    assert "Привет, мир" in page.text
    assert equiv.encoding == "shift_jis"
    assert "日本語の記事" in equiv.text


@pytest.mark.asyncio
async def test_undeclared_bytes_fall_back_to_utf8_with_replacement(server: Server) -> None:
    async with Fetcher(limits()) as fetcher:
        page = await fetcher.fetch(server.url("/bad-utf8"))
    assert page.encoding is None
    assert page.text == "<p>caf\ufffd</p>"


# --- time and connection failures ------------------------------------------------------


@pytest.mark.asyncio
async def test_the_total_deadline(server: Server) -> None:
    started = time.monotonic()
    async with Fetcher(limits(timeout_s=0.3)) as fetcher:
        with pytest.raises(FetchTimeout) as caught:
            await fetcher.fetch(server.url("/slow"))
    assert caught.value.message == "timed out after 0.3 s"
    assert time.monotonic() - started < 2.0


@pytest.mark.asyncio
async def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    async with Fetcher(limits()) as fetcher:
        with pytest.raises(ConnectError, match=r"^could not connect to 127.0.0.1: ") as caught:
            await fetcher.fetch(f"http://127.0.0.1:{closed_port}/")
    assert "\n" not in caught.value.message
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


@pytest.mark.asyncio
async def test_a_tls_failure_is_a_connect_error(server: Server) -> None:
    async with Fetcher(limits()) as fetcher:
        with pytest.raises(ConnectError, match=r"^could not connect to 127.0.0.1: ") as caught:
            await fetcher.fetch(f"https://127.0.0.1:{server.port}/page")
    assert "\n" not in caught.value.message


@pytest.mark.asyncio
async def test_a_dns_failure_is_a_connect_error() -> None:
    async def no_such_host(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async with Fetcher(limits(), resolver=no_such_host) as fetcher:
        with pytest.raises(
            ConnectError, match=r"^could not resolve nowhere\.test: Name or service not known$"
        ):
            await fetcher.fetch("http://nowhere.test/")


# --- the address policy ----------------------------------------------------------------

NON_PUBLIC_LITERALS = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "[::1]",
    "[::]",
    "[fc00::1]",
    "[fd12:3456::1]",
    "[fe80::1]",
    "[ff02::1]",
    "[fec0::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::ffff:a9fe:a9fe]",
    "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
    "[2002:a00:1::]",  # 6to4 of 10.0.0.1
    "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
    "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254
]
LEGACY_SPELLINGS = [  # of 127.0.0.1, all accepted by inet_aton and so by getaddrinfo
    "2130706433",
    "0x7f.1",
    "127.1",
    "0177.0.0.1",
    "0x7f000001",
    "017700000001",
    "0x7f.0.0.1",
]
REFUSED_HOSTS = NON_PUBLIC_LITERALS + LEGACY_SPELLINGS

REFUSED_SCHEMES = [
    "file:///etc/passwd",
    "ftp://example.com/file.txt",
    "gopher://example.com:70/",
    "data:text/html,<p>hi</p>",
    "javascript:alert(1)",
    "example.com/no-scheme",
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_check_url_refuses_non_public_literal_hosts(host: str) -> None:
    # httpx itself rejects 0177.0.0.1 (leading zero) as an invalid URL: refused either way.
    with pytest.raises(RefusedAddress, match=r"is not a public address|not a valid web address"):
        check_url(f"http://{host}/")
    with pytest.raises(RefusedAddress):
        check_url(f"https://{host}:8443/path?q=1")


@pytest.mark.parametrize("url", REFUSED_SCHEMES)
def test_check_url_refuses_other_schemes(url: str) -> None:
    with pytest.raises(RefusedAddress, match=r"^only http and https links can be read, not "):
        check_url(url, allow_private=frozenset({"example.com"}))


@pytest.mark.parametrize(
    "url", ["https://example.com/a?b=1", "http://93.184.216.34/", "http://[2606:4700::1]/"]
)
def test_check_url_passes_public_urls(url: str) -> None:
    check_url(url)


def test_check_url_honours_the_allowlist() -> None:
    check_url("http://127.0.0.1:8080/", allow_private=frozenset({"127.0.0.1"}))
    check_url("http://10.1.2.3/", allow_private=frozenset({"10.0.0.0/8"}))
    check_url("http://[::ffff:127.0.0.1]/", allow_private=frozenset({"127.0.0.0/8"}))
    with pytest.raises(RefusedAddress):
        check_url("http://127.0.0.1/", allow_private=frozenset({"localhost"}))
    with pytest.raises(RefusedAddress):
        check_url("http://10.1.2.3/", allow_private=frozenset({"10.1.2.4"}))


@pytest.mark.asyncio
@pytest.mark.parametrize("host", REFUSED_HOSTS)
async def test_fetch_refuses_non_public_literal_hosts(server: Server, host: str) -> None:
    async with Fetcher(FetchLimits(timeout_s=2.0)) as fetcher:
        with pytest.raises(RefusedAddress):
            await fetcher.fetch(server.url("/page", host=host))
    assert server.hits == []


@pytest.mark.asyncio
@pytest.mark.parametrize("url", REFUSED_SCHEMES)
async def test_fetch_refuses_other_schemes(url: str) -> None:
    async with Fetcher(FetchLimits(timeout_s=2.0)) as fetcher:
        with pytest.raises(RefusedAddress, match="only http and https"):
            await fetcher.fetch(url)


@pytest.mark.asyncio
async def test_fetch_refuses_a_name_that_resolves_to_loopback(server: Server) -> None:
    async with Fetcher(FetchLimits(timeout_s=2.0)) as fetcher:
        with pytest.raises(RefusedAddress, match=r"^refused to fetch localhost: it resolves to "):
            await fetcher.fetch(server.url("/page", host="localhost"))
    assert server.hits == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "target",
    ["127.0.0.1", "0x7f.1", "2130706433", "[::ffff:127.0.0.1]", "169.254.169.254", "10.0.0.1"],
)
async def test_a_redirect_to_a_non_public_address_is_refused(server: Server, target: str) -> None:
    # "localhost" is allowed, 127.0.0.1 is not: the hop to it must be refused.
    fetch_limits = FetchLimits(timeout_s=2.0, allow_private=frozenset({"localhost"}))
    start = server.url("/to?url=" + quote(server.url("/page", host=target)), host="localhost")
    async with Fetcher(fetch_limits) as fetcher:
        with pytest.raises(RefusedAddress, match="is not a public address"):
            await fetcher.fetch(start)
    assert server.paths() == ["/to"]


@pytest.mark.asyncio
@pytest.mark.parametrize("target", ["file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://example.com/"])
async def test_a_redirect_to_another_scheme_is_refused(server: Server, target: str) -> None:
    async with Fetcher(limits()) as fetcher:
        with pytest.raises(RefusedAddress, match="only http and https"):
            await fetcher.fetch(server.url("/to?url=" + quote(target)))
    assert len(server.hits) == 1


@pytest.mark.asyncio
async def test_a_resolved_address_is_the_one_connected_to(server: Server) -> None:
    # "article.test" exists only in this resolver: the page can only arrive if the
    # connection goes to the address the resolver gave and the check passed.
    resolver = ScriptedResolver(["127.0.0.1"])
    async with Fetcher(limits(), resolver=resolver) as fetcher:
        page = await fetcher.fetch(server.url("/page", host="article.test"))
    assert page.text == HTML
    assert resolver.asked == ["article.test"]
    assert server.hits[0].headers["host"] == f"article.test:{server.port}"


@pytest.mark.asyncio
async def test_a_resolved_private_address_is_refused(server: Server) -> None:
    resolver = ScriptedResolver(["127.0.0.1"])
    async with Fetcher(FetchLimits(timeout_s=2.0), resolver=resolver) as fetcher:
        with pytest.raises(RefusedAddress, match=r"article.test: it resolves to 127.0.0.1"):
            await fetcher.fetch(server.url("/page", host="article.test"))
    assert server.hits == []


@pytest.mark.asyncio
async def test_dns_rebinding_cannot_reach_the_private_address(server: Server) -> None:
    # First lookup: public. Any later lookup: loopback. The backend checks and connects
    # with one and the same answer, so the second answer is refused, never connected to.
    resolver = ScriptedResolver([PUBLIC_IP], ["127.0.0.1"])
    internet = StandInInternet(server.port)
    url = server.url("/page", host="rebind.test")

    async with Fetcher(FetchLimits(timeout_s=2.0), transport=guarded(resolver, internet)) as fetcher:
        page = await fetcher.fetch(url)
    assert page.text == HTML
    assert internet.connected == [PUBLIC_IP]

    async with Fetcher(FetchLimits(timeout_s=2.0), transport=guarded(resolver, internet)) as fetcher:
        with pytest.raises(RefusedAddress, match=r"resolves to 127.0.0.1"):
            await fetcher.fetch(url)
    assert internet.connected == [PUBLIC_IP]
    assert resolver.asked == ["rebind.test", "rebind.test"]  # one lookup per connection
    assert len(server.hits) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("answer", [[PUBLIC_IP, "127.0.0.1"], ["10.0.0.7", PUBLIC_IP], [PUBLIC_IP, "::1"]])
async def test_a_mixed_public_and_private_answer_is_refused(server: Server, answer: list[str]) -> None:
    resolver = ScriptedResolver(answer)
    internet = StandInInternet(server.port)
    async with Fetcher(FetchLimits(timeout_s=2.0), transport=guarded(resolver, internet)) as fetcher:
        with pytest.raises(RefusedAddress, match="which is not a public address"):
            await fetcher.fetch("http://mixed.test/page")
    assert internet.connected == []
    assert server.hits == []


@pytest.mark.asyncio
async def test_the_backend_refuses_even_when_the_preflight_passes(server: Server) -> None:
    # A public-looking name whose only address is loopback: check_url cannot know, connect does.
    resolver = ScriptedResolver(["::ffff:127.0.0.1"])
    internet = StandInInternet(server.port)
    check_url("http://news.example/")
    async with Fetcher(FetchLimits(timeout_s=2.0), transport=guarded(resolver, internet)) as fetcher:
        with pytest.raises(RefusedAddress):
            await fetcher.fetch("http://news.example/")
    assert internet.connected == []


@pytest.mark.parametrize(
    "address",
    [
        PUBLIC_IP,
        "8.8.8.8",
        "2606:4700:4700::1111",
        "2001:4860:4860::8888",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ],
)
def test_public_addresses(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("host", NON_PUBLIC_LITERALS)
def test_non_public_addresses(host: str) -> None:
    assert not is_public_address(ipaddress.ip_address(host.strip("[]")))


# --- with an injected transport --------------------------------------------------------


@pytest.mark.asyncio
async def test_an_injected_transport_is_still_behind_check_url() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, html=HTML)

    async with Fetcher(FetchLimits(), transport=httpx.MockTransport(handler)) as fetcher:
        with pytest.raises(RefusedAddress):
            await fetcher.fetch("http://169.254.169.254/latest/meta-data/")
        page = await fetcher.fetch("https://news.example/story")
    assert [str(request.url) for request in seen] == ["https://news.example/story"]
    assert page.text == HTML


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("deflate", zlib.compress(HTML.encode())),
        ("deflate", zlib.compress(HTML.encode())[2:-4]),  # raw deflate, no zlib header
        ("gzip, identity", gzip.compress(HTML.encode())),
        ("identity", HTML.encode()),
    ],
)
async def test_compressed_bodies_are_decoded(server: Server, encoding: str, body: bytes) -> None:
    async with Fetcher(limits()) as fetcher:
        page = await fetcher.fetch(server.url(f"/encoded?ce={quote(encoding)}&hex={body.hex()}"))
    assert page.text == HTML


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("encoding", "body", "message"),
    [
        # the coding the server named is in the log's detail, never in the message people read
        ("br", b"\x1b\x00\x00", r"^the page is compressed in a way we do not read \[Content-Encoding 'br'\]"),
        ("gzip, gzip", gzip.compress(gzip.compress(b"x")), "compressed in a way we do not read"),
        ("gzip", b"this is not gzip", "^the page's gzip body is corrupt$"),
    ],
)
async def test_unreadable_compression_is_refused(
    server: Server, encoding: str, body: bytes, message: str
) -> None:
    async with Fetcher(limits()) as fetcher:
        with pytest.raises(FetchError, match=message) as caught:
            await fetcher.fetch(server.url(f"/encoded?ce={quote(encoding)}&hex={body.hex()}"))
    assert type(caught.value) is FetchError


@pytest.mark.asyncio
async def test_a_mock_transport_response_is_capped_too() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, html="<p>" + "a" * 5_000 + "</p>"))
    async with Fetcher(FetchLimits(max_bytes=1_000), transport=transport) as fetcher:
        with pytest.raises(TooLarge, match="1,000-byte limit"):
            await fetcher.fetch("https://news.example/")


def test_a_resolver_and_a_transport_do_not_mix() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return [PUBLIC_IP]

    with pytest.raises(ValueError, match="not both"):
        Fetcher(transport=httpx.MockTransport(lambda request: httpx.Response(200)), resolver=resolver)
