"""Project-level views: the health check and the throttled staff log-in with a password."""

import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import providers
from accounts.services import session_remember
from accounts.throttle import login_failed, login_throttled

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


FAVICON = (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """The icon browsers ask for at /favicon.ico on every page (a 404 otherwise, in every log)."""
    return HttpResponse(FAVICON, content_type="image/x-icon", headers={"Cache-Control": "public, max-age=604800"})


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


def _login_context() -> dict:
    """What the log-in page shows besides the password form: a button per OpenID Connect provider."""
    return {"providers": providers.configured()}


def login(request: HttpRequest) -> HttpResponseBase:
    """The local username and password log-in. Failed attempts are counted per address and per
    username by the throttle it shares with the OpenID Connect sign-in (accounts/throttle.py)."""
    username = (request.POST.get("username") or "") if request.method == "POST" else None
    if request.method == "POST" and login_throttled(request, username=username):
        logger.warning("login throttled")
        return render(
            request,
            "registration/login.html",
            _login_context()
            | {
                "throttled": True,
                "error": _("Too many log-in attempts. Wait ten minutes and try again."),
            },
            status=429,
        )
    response = auth_views.LoginView.as_view(extra_context=_login_context())(request)
    if request.method == "POST":
        if request.user.is_authenticated:
            session_remember(request)
        else:
            login_failed(request, username=username)
    return response
