"""The log-in throttle, shared by local passwords and OpenID Connect: failed log-ins are counted per
address and, for passwords, per username. Only failures count, so a resource-group meeting signing
in from one office address is not throttled. Fails open: a cache outage must not lock editors out."""

from django.conf import settings
from django.http import HttpRequest

from pathways.throttle import over_limit


def _rate() -> tuple[int, int]:
    return (settings.LOGIN_ATTEMPTS_PER_10_MINUTES, 600)


def _username_key(username: str) -> bytes:
    return username[:150].lower().encode()


def login_throttled(request: HttpRequest, *, username: str | None = None) -> bool:
    """Whether the address, or the username when one is given, has used up its failed log-ins."""
    by_address = over_limit(request, group="login-ip", rate=_rate(), count=False)
    if username is None:
        return by_address
    key = _username_key(username)
    by_username = over_limit(request, group="login-user", rate=_rate(), key=lambda *args: key, count=False)
    return by_address or by_username


def login_failed(request: HttpRequest, *, username: str | None = None) -> None:
    """Count a failed log-in against the address, and against the username when one is given. An
    OpenID Connect failure has no username we could trust, so it counts against the address only."""
    over_limit(request, group="login-ip", rate=_rate(), count=True)
    if username is not None:
        key = _username_key(username)
        over_limit(request, group="login-user", rate=_rate(), key=lambda *args: key, count=True)
