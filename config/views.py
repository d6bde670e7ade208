"""Project-level views: the health check and the throttled staff log-in."""

import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from pathways.throttle import over_limit

logger = logging.getLogger(__name__)


def _database_ok() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache_ok() -> None:
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")


def _broker_ok() -> None:
    from config import celery_app

    with celery_app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database, the cache and the broker all answer; 503 naming the ones that failed."""
    checks = {"database": _database_ok, "cache": _cache_ok, "broker": _broker_ok}
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # noqa: BLE001 - any failure is a failed check
            logger.warning("healthz: %s failed: %s", name, type(error).__name__)
            results[name] = "failed"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if healthy else "failed", "checks": results}, status=200 if healthy else 503)


def _login_counters(request: HttpRequest, *, count: bool) -> bool:
    """One counter of failed log-ins per address and one per username, so neither a single attacker
    nor a spread-out guess at one account gets far. Only failures count: a resource-group meeting
    logging in from one office address is not throttled. Fails open: a cache outage must not lock
    editors out. Returns whether either counter is used up."""
    rate = (settings.LOGIN_ATTEMPTS_PER_10_MINUTES, 600)
    username = (request.POST.get("username") or "")[:150].lower().encode()
    by_address = over_limit(request, group="login-ip", rate=rate, count=count)
    by_username = over_limit(request, group="login-user", rate=rate, key=lambda *args: username, count=count)
    return by_address or by_username


def login(request: HttpRequest) -> HttpResponseBase:
    if request.method == "POST" and _login_counters(request, count=False):
        logger.warning("login throttled")
        return render(
            request,
            "registration/login.html",
            {
                "throttled": True,
                "error": _("Too many log-in attempts. Wait ten minutes and try again."),
            },
            status=429,
        )
    response = auth_views.LoginView.as_view()(request)
    if request.method == "POST" and not request.user.is_authenticated:
        _login_counters(request, count=True)
    return response
