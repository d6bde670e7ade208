"""Rate limits on top of django-fast-ratelimit, failing open: when the cache (Redis) is down or
slow, the request goes through. Used by the staff log-in and the reader feedback."""

import logging
from collections.abc import Callable

from django.http import HttpRequest
from django_fast_ratelimit import Action, get_ratelimit

logger = logging.getLogger(__name__)


def over_limit(
    request: HttpRequest, *, group: str, rate: tuple[int, int], key: str | Callable = "ip", count: bool = True
) -> bool:
    """Count this request and say whether it is over `rate` (count, seconds) for its key. With
    `count=False` only look: whether the key has already used up its `rate`."""
    try:
        limit = get_ratelimit(
            group=group, key=key, rate=rate, request=request, action=Action.INCREASE if count else Action.PEEK
        )
    except Exception as error:  # noqa: BLE001 - a cache outage must not block anyone
        logger.warning("rate limit %s unavailable, allowing: %s", group, type(error).__name__)
        return False
    return not limit.check() if count else limit.count >= limit.limit
