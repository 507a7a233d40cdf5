"""Rate limits: so many requests per period for each key, and for each client address
without one (README, "Keys and roles").

The generic cell rate algorithm (GCRA): each client has a "theoretical arrival time" that
every request pushes one interval (period / limit) further; a request is refused while
that time is more than a period ahead. It allows a burst of `limit` requests, then one per
interval, and needs one number per client. The numbers live in Redis when the hub has one
(shared by every worker and replica, on Redis's clock), in this process otherwise.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import time
from collections import OrderedDict
from dataclasses import dataclass

from redis.exceptions import RedisError

from hub.caching import Shared

log = logging.getLogger("concilia.ratelimit")

_PERIODS = {
    "s": 1.0, "sec": 1.0, "second": 1.0,
    "m": 60.0, "min": 60.0, "minute": 60.0,
    "h": 3600.0, "hour": 3600.0,
    "d": 86400.0, "day": 86400.0,
}  # fmt: skip
_POLICY = re.compile(r"\s*(\d+)\s*/\s*([a-z]+?)s?\s*", re.IGNORECASE)
# Clients remembered by a hub without Redis; past it the least recent are forgotten
# (they start afresh), so a flood of addresses cannot grow the process without bound.
MAX_LOCAL_CLIENTS = 100_000


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """`limit` requests per `period` seconds; a limit of 0 is no limit."""

    limit: int
    period: float

    @classmethod
    def parse(cls, text: str) -> RatePolicy:
        """A policy written as `120/minute` (second, minute, hour or day; `s`, `min`, `h`)."""
        match = _POLICY.fullmatch(text)
        unit = match.group(2).lower() if match else ""
        if match is None or unit not in _PERIODS:
            raise ValueError(
                f"{text!r} is not a rate like `120/minute` (per second, minute, hour, day)"
            )
        return cls(int(match.group(1)), _PERIODS[unit])

    @property
    def unlimited(self) -> bool:
        return self.limit == 0

    @property
    def interval(self) -> float:
        """Seconds each request adds to its client's arrival time."""
        return self.period / self.limit

    def __str__(self) -> str:
        return f"{self.limit}/{self.period:g}s"


# GCRA on Redis's own clock (microseconds), atomic: returns the microseconds to wait.
_GCRA = """
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000000 + tonumber(now[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
if now < tat - tolerance then return tat - tolerance - now end
tat = tat + interval
redis.call('SET', KEYS[1], tat, 'PX', math.ceil((tat - now) / 1000) + 1)
return 0
"""


class RateLimiter:
    """Decides whether a client may send one more request."""

    def __init__(self, shared: Shared | None = None) -> None:
        self.shared = shared or Shared(None)
        self._script = (
            self.shared.redis.register_script(_GCRA) if self.shared.redis is not None else None
        )
        self._arrivals: OrderedDict[str, float] = OrderedDict()

    async def wait(self, client: str, policy: RatePolicy) -> float:
        """Seconds the client must wait before this request is allowed; 0 lets it through
        (and counts it)."""
        if policy.unlimited:
            return 0.0
        if self._script is not None:
            interval = round(policy.interval * 1e6)
            tolerance = round(policy.period * 1e6) - interval
            key = f"{self.shared.prefix}rate:{client}"
            try:
                waited = await self._script(keys=[key], args=[interval, tolerance])
            except (RedisError, OSError, TimeoutError) as error:
                # The limits still hold in this process: a Redis outage must not open the
                # API to floods, nor take it down.
                log.warning("Redis unavailable, rate limits counted in this process: %s", error)
            else:
                return int(waited) / 1e6
        return self._local(client, policy)

    def _local(self, client: str, policy: RatePolicy) -> float:
        now = time.monotonic()
        arrival = max(self._arrivals.get(client, now), now)
        allowed_at = arrival - (policy.period - policy.interval)
        if now < allowed_at:
            return allowed_at - now
        self._arrivals[client] = arrival + policy.interval
        self._arrivals.move_to_end(client)
        if len(self._arrivals) > MAX_LOCAL_CLIENTS:
            self._arrivals.popitem(last=False)
        return 0.0


def client_address(host: str | None) -> str:
    """Who a request without a key is, for its rate limit: its address, and for IPv6 its
    /64 network (one client is given a whole /64 and could rotate through it)."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        mapped = address.ipv4_mapped
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def retry_after(seconds: float) -> int:
    """The Retry-After header's whole seconds (RFC 9110 section 10.2.3), at least 1."""
    return max(1, math.ceil(seconds))
