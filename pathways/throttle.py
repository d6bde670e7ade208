"""Rate limits: a counter per key and fixed window in the cache, failing open (when the cache, Redis,
is down or slow, the request goes through). Used by the staff log-in and the reader feedback.

A fixed window (the counter of the current `seconds`-long slice of time) rather than a sliding
one: at a window's edge a key can get up to twice its rate in a short time, which is fine for
turning away floods; in exchange counting takes ONE round trip to Redis (INCR and EXPIRE in one
pipeline), where django-fast-ratelimit took four (docs/benchmarks.md, "Feedback POST"). The key
is stored hashed: an address or a username is not kept in the cache in clear."""

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Literal

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def over_limit(
    request: HttpRequest,
    *,
    group: str,
    rate: tuple[int, int],
    key: Literal["ip"] | Callable[[HttpRequest], str | bytes] = "ip",
    count: bool = True,
) -> bool:
    """Count this request and say whether it is over `rate` (count, seconds) for its key: the
    client's address (`"ip"`) or what `key(request)` gives. With `count=False` only look: whether
    the key has already used up its `rate`."""
    limit, seconds = rate
    ident = key(request) if callable(key) else request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(ident if isinstance(ident, bytes) else ident.encode()).hexdigest()[:32]
    name = f"{settings.RATELIMIT_KEY_PREFIX}{group}:{digest}:{int(time.time() // seconds)}"
    try:
        if not count:
            return int(caches["default"].get(name) or 0) >= limit
        return _count(name, seconds) > limit
    except Exception as error:  # noqa: BLE001 - a cache outage must not block anyone
        logger.warning("rate limit %s unavailable, allowing: %s", group, type(error).__name__)
        return False


def _count(name: str, seconds: int) -> int:
    """Add one to the counter `name` (kept a little longer than its window) and give its count."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        key = cache.make_and_validate_key(name)
        pipe = _client(cache).pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, seconds + 1)
        counted, _expiry_set = pipe.execute()
        return int(counted)
    cache.add(name, 0, timeout=seconds + 1)
    return cache.incr(name)


def _client(cache: RedisCache):
    """The cache's Redis client for writes, made once per cache object: Django makes a new one on
    every call (and a redis-py client builds its table of 170 reply parsers each time), a fifth of
    the rate limit's time. Writes always go to the first server, whatever the key."""
    client = cache.__dict__.get("_throttle_client")
    if client is None:
        client = cache.__dict__["_throttle_client"] = cache._cache.get_client(write=True)
    return client
