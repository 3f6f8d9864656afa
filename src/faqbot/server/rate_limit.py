"""Per-client rate limiting: a token bucket per client address, kept in memory.

`FAQBOT_RATE_LIMIT` is like `60/minute` (also second, hour) or `off` (read by
faqbot.settings.parse_rate). A bucket holds `count`
tokens and refills at count/period per second, so a client may burst up to `count` and then
gets one request every period/count seconds.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

MAX_CLIENTS = 100_000  # oldest buckets are forgotten beyond this, so memory stays bounded


class RateLimiter:
    def __init__(self, count: int, period: float):
        self.capacity = float(count)
        self.rate = count / period  # tokens per second
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, last time)
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """Spend one token for `key`: 0.0 if allowed, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate
            if wait == 0.0:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
            return wait


class ClientAddress:
    """The client's address: the peer, or the X-Forwarded-For hop just before a trusted proxy."""

    def __init__(self, trusted: Sequence[str]):
        self._trusted = [ipaddress.ip_network(t, strict=False) for t in trusted]

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._trusted)

    def of(self, peer: str | None, forwarded_for: str | None) -> str:
        peer = peer or "unknown"
        if not forwarded_for or not self._is_trusted(peer):
            return peer
        # Walk right to left past our own proxies; the first untrusted hop is the client.
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                return hop
        return hops[0] if hops else peer
