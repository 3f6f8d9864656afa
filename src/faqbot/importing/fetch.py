"""Fetching a site's pages politely: robots.txt obeyed, a delay between requests to a host, a
user agent that says who asks, a size limit, and redirects followed only within the host.

`Fetcher.fetch(url)` returns a `Fetched` (status 200, or 304 when the page is unchanged since the
ETag / Last-Modified it was given) or raises `FetchProblem` with the one-line reason the import
report prints ("404 Not Found", "redirects to https://elsewhere/, another host: not followed").
"""

from __future__ import annotations

import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from faqbot.importing.page import PageProblem

USER_AGENT = "faqbot-import/0.1 (imports a site's pages into its offline FAQ bot, for the site's owner)"
ROBOTS_AGENT = "faqbot-import"
MAX_REDIRECTS = 5
# Sitemaps may be gzipped; everything else is refused before its body is read.
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
SITEMAP_TYPES = ("application/xml", "text/xml", "application/gzip", "application/x-gzip", "application/octet-stream")


class FetchProblem(PageProblem):
    """A URL that gave nothing to import. `status` is the HTTP status when there was one."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Fetched:
    url: str  # the URL asked for
    final_url: str  # after redirects within the host
    status: int  # 200, or 304: not modified since the validators given
    content_type: str  # "text/html" (no parameters)
    charset: str | None
    body: bytes  # empty for 304
    etag: str | None = None
    last_modified: str | None = None


def same_site(a: str, b: str) -> bool:
    """Same host and port (http -> https of the same host counts as the same site)."""
    first, second = urlsplit(a), urlsplit(b)
    if (first.hostname or "").lower() != (second.hostname or "").lower():
        return False
    return first.port == second.port or (first.scheme, second.scheme) == ("http", "https")


class Fetcher:
    """One HTTP client for a whole import. `delay`: least seconds between two requests to a host
    (robots.txt's Crawl-delay wins when larger); `max_bytes`: a larger response is refused."""

    def __init__(
        self,
        *,
        delay: float = 1.0,
        max_bytes: int = 5_000_000,
        timeout: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.delay = delay
        self.max_bytes = max_bytes
        self._sleep = sleep
        self._client = httpx.Client(headers={"User-Agent": USER_AGENT}, timeout=timeout, follow_redirects=False)
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._unreachable: dict[str, str] = {}  # host -> why its robots.txt could not be asked for

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets faqbot-import fetch `url` (read once per host). FetchProblem when
        the host does not answer at all: every page of it gets that reason, without a new try."""
        robots = self._robots_for(url)
        reason = self._unreachable.get(_origin(url))
        if reason is not None:
            raise FetchProblem(reason)
        return robots is None or robots.can_fetch(ROBOTS_AGENT, url)

    def fetch(
        self,
        url: str,
        *,
        accept: tuple[str, ...] = PAGE_TYPES,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Fetched:
        """GET `url` (FetchProblem with the reason when it gives nothing usable)."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if not self.allowed(current):
                raise FetchProblem("disallowed by robots.txt")
            response = self._get(current, headers)
            try:
                if response.has_redirect_location:
                    target = _redirect(current, response.headers.get("location", ""))
                    if not same_site(url, target):
                        raise FetchProblem(f"redirects to {target}, another host: not followed")
                    current = target
                    continue
                return self._result(url, current, response, accept)
            finally:
                response.close()
        raise FetchProblem(f"more than {MAX_REDIRECTS} redirects")

    def _get(self, url: str, headers: dict[str, str]) -> httpx.Response:
        self._wait_turn(url)
        try:
            request = self._client.build_request("GET", url, headers=headers)
            return self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise FetchProblem("unreachable: timed out") from None
        except httpx.HTTPError as exc:
            raise FetchProblem(f"unreachable: {exc or type(exc).__name__}") from None

    def _result(self, url: str, final: str, response: httpx.Response, accept: tuple[str, ...]) -> Fetched:
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        if response.status_code == 304:
            return Fetched(url, final, 304, "", None, b"", etag, modified)
        if response.status_code != 200:
            raise FetchProblem(f"{response.status_code} {response.reason_phrase}".strip(), response.status_code)
        media, _, params = response.headers.get("content-type", "").partition(";")
        media = media.strip().lower()
        if media and media not in accept:
            raise FetchProblem(f"not an HTML page ({media})")
        length = response.headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            raise FetchProblem(f"too large ({int(length):,} bytes; the limit is {self.max_bytes:,})")
        body = bytearray()
        try:
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise FetchProblem(f"too large (over {self.max_bytes:,} bytes)")
        except httpx.HTTPError as exc:
            raise FetchProblem(f"the response broke off ({exc})") from None
        pairs = (p.partition("=") for p in params.split(";"))
        charset = next((v.strip().strip("\"'") for k, _, v in pairs if k.strip().lower() == "charset"), None)
        return Fetched(url, final, 200, media, charset or None, bytes(body), etag, modified)

    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc
        robots = self._robots.get(_origin(url))
        delay = max(self.delay, float((robots.crawl_delay(ROBOTS_AGENT) if robots else None) or 0))
        last = self._last_request.get(host)
        if last is not None:
            wait = last + delay - time.monotonic()
            if wait > 0:
                self._sleep(wait)
        self._last_request[host] = time.monotonic()

    def _robots_for(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        """The rules of robots.txt for `url`'s scheme and host; None (everything allowed) when it
        has none. One that cannot be read for a refusal or a server error means "disallow all".
        Redirects are followed within the site (http -> https), as crawlers do."""
        origin = _origin(url)
        if origin in self._robots:
            return self._robots[origin]
        self._robots[origin] = None  # while robots.txt itself is fetched
        location, status, text = f"{origin}/robots.txt", 0, ""
        try:
            for _ in range(MAX_REDIRECTS + 1):
                response = self._get(location, {})
                try:
                    status = response.status_code
                    if response.has_redirect_location:
                        target = _redirect(location, response.headers["location"])
                        if same_site(location, target):
                            location = target
                            continue
                    elif status == 200:
                        body = bytearray()
                        for chunk in response.iter_bytes():
                            body += chunk
                            if len(body) > self.max_bytes:
                                break
                        text = body[: self.max_bytes].decode("utf-8", "replace")
                    break
                finally:
                    response.close()
        except (FetchProblem, httpx.HTTPError) as exc:
            self._unreachable[origin] = getattr(exc, "reason", None) or f"unreachable: {exc}"
            status = 503
        parser: urllib.robotparser.RobotFileParser | None = urllib.robotparser.RobotFileParser(location)
        assert parser is not None
        if status == 200:
            parser.parse(text.splitlines())
        elif status in (401, 403) or status >= 500:
            parser.parse(["User-agent: *", "Disallow: /"])
        else:
            parser = None  # no robots.txt (404 and the like): everything allowed
        self._robots[origin] = parser
        return parser


def _redirect(url: str, location: str) -> str:
    """Where a redirect from `url` leads; a Location that is no URL is the page's problem."""
    try:
        target = urljoin(url, location)
        urlsplit(target)
    except ValueError:
        raise FetchProblem(f"redirects to {location!r}, which is no URL") from None
    return target


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"
