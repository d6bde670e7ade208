"""Sign-in through an OpenID Connect provider, logging out (also at the provider), and the page on
which the responsible editor approves or refuses the accounts waiting.

The callback and the page after the provider's logout sit outside the language prefix, so that one
redirect URI per provider is registered with it; the flow remembers the written standard."""

import logging
import time

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pathways.forms import error_summary
from pathways.models import LANGUAGE_CODES, Role
from pathways.services import Refused
from pathways.views import current_language, render_page

from .forms import ApprovalForm
from .models import Identity, IdentityStatus
from .oidc import Flow, SignInFailed, flow_start, id_token_claims, logout_url, tokens_fetch
from .permissions import may_approve_accounts
from .providers import Provider, provider_named
from .services import (
    account_approve,
    account_refuse,
    identities_waiting,
    identity_sign_in,
    session_forget,
    session_remember,
)
from .throttle import login_failed, login_throttled

logger = logging.getLogger(__name__)

# A flow not finished within this many seconds is forgotten; a person who took longer starts again.
FLOW_SECONDS = 600
# Flows kept per browser session (several tabs, a back button); the oldest go first.
FLOWS_KEPT = 5
# Longer values than these are not from a provider: refused before anything is looked up.
PARAMETER_MAX_LENGTH = 2048
SESSION_FLOWS = "oidc_flows"
SESSION_SIGNED_IN = "oidc"
LOGOUT_STATE_SALT = "accounts.oidc_logout"


def callback_uri(provider: Provider) -> str:
    """The redirect URI registered with the provider."""
    return settings.SITE_URL + reverse("oidc_callback", args=[provider.name])


def logged_out_uri() -> str:
    """The post-logout redirect URI registered with every provider."""
    return settings.SITE_URL + reverse("oidc_logged_out")


def _provider_or_404(name: str) -> Provider:
    provider = provider_named(name)
    if provider is None:
        raise Http404
    return provider


def _refused(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(request, "accounts/refused.html", {"message": message}, status=status)


def _throttled(request: HttpRequest) -> HttpResponse:
    logger.warning("oidc sign-in throttled")
    return _refused(request, _("Too many log-in attempts. Wait ten minutes and try again."), status=429)


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, require_https=request.is_secure()):
        return value
    return ""


@require_POST
def oidc_start(request: HttpRequest, provider: str) -> HttpResponse:
    """Send the browser to the provider, remembering state, nonce and PKCE verifier in the session."""
    chosen = _provider_or_404(provider)
    if login_throttled(request):
        return _throttled(request)
    try:
        url, flow = flow_start(
            chosen,
            redirect_uri=callback_uri(chosen),
            language=current_language(),
            next_url=_safe_next(request, request.POST.get("next", "")[:PARAMETER_MAX_LENGTH]),
        )
    except SignInFailed:
        return _refused(
            request, _("The identity provider could not be reached. Try again in a few minutes."), status=503
        )
    now = time.time()
    flows = {
        state: value
        for state, value in request.session.get(SESSION_FLOWS, {}).items()
        if now - value.get("started_at", 0) < FLOW_SECONDS
    }
    flows[flow.state] = flow.as_session_value()
    request.session[SESSION_FLOWS] = dict(sorted(flows.items(), key=lambda item: item[1]["started_at"])[-FLOWS_KEPT:])
    return redirect(url)


def _failure_message(reason: str) -> tuple[str, int]:
    if reason in {"unknown_state", "flow_expired"}:
        return _("This sign-in has expired or has already been used. Start again from the log-in page."), 400
    if reason == "provider_unavailable":
        return _("The identity provider could not be reached. Try again in a few minutes."), 503
    if reason.startswith("provider_error"):
        return _("The identity provider did not sign you in. Nothing was saved."), 400
    return _("The sign-in could not be verified, so you were not logged in. Nothing was saved."), 400


def _take_flow(request: HttpRequest, state: str) -> Flow | None:
    """The flow this state belongs to, removed from the session so that it can be used once."""
    flows = request.session.get(SESSION_FLOWS, {})
    value = flows.pop(state, None) if state else None
    if value is None:
        return None
    request.session[SESSION_FLOWS] = flows
    try:
        return Flow.from_session_value(value)
    except TypeError:
        return None


def _verified_claims(request: HttpRequest, provider: Provider, flow: Flow | None) -> dict:
    """Every check between the browser's return and a verified ID token; SignInFailed if one fails."""
    query = request.GET
    if flow is None:
        raise SignInFailed("unknown_state")
    if flow.provider != provider.name:
        raise SignInFailed("provider_mismatch")
    if time.time() - flow.started_at > FLOW_SECONDS:
        raise SignInFailed("flow_expired")
    if query.get("error"):
        raise SignInFailed("provider_error", counts=False)
    # RFC 9207: a provider that says who it is must be the one the flow went to (mix-up attacks).
    if "iss" in query and query["iss"].rstrip("/") != provider.issuer:
        raise SignInFailed("issuer_mismatch")
    code = query.get("code", "")
    if not code:
        raise SignInFailed("no_code")
    tokens = tokens_fetch(provider, flow=flow, code=code, redirect_uri=callback_uri(provider))
    claims = id_token_claims(provider, flow=flow, tokens=tokens)
    claims["_id_token"] = tokens["id_token"]
    return claims


@require_GET
def oidc_callback(request: HttpRequest, provider: str) -> HttpResponse:
    """Where the provider sends the browser back: check everything, then link and log in."""
    chosen = _provider_or_404(provider)
    if login_throttled(request):
        return _throttled(request)
    if any(len(value) > PARAMETER_MAX_LENGTH for value in request.GET.values()):
        login_failed(request)
        return _refused(request, _failure_message("oversized")[0], status=400)
    flow = _take_flow(request, request.GET.get("state", ""))
    language = flow.language if flow is not None and flow.language in LANGUAGE_CODES else settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            claims = _verified_claims(request, chosen, flow)
        except SignInFailed as failure:
            logger.warning("oidc sign-in with %s refused: %s", chosen.name, failure.reason)
            if failure.counts:
                login_failed(request)
            message, status = _failure_message(failure.reason)
            return _refused(request, message, status=status)
        id_token = claims.pop("_id_token")
        sign_in = identity_sign_in(provider=chosen, claims=claims)
        if not sign_in.may_log_in:
            return _refused(request, _not_active_message(sign_in.identity), status=403)
        auth.login(request, sign_in.user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_SIGNED_IN] = {"provider": chosen.name, "id_token": id_token}
        session_remember(request)
        return redirect(flow.next_url if flow and flow.next_url else resolve_url(settings.LOGIN_REDIRECT_URL))


def _not_active_message(identity: Identity) -> str:
    if identity.status == IdentityStatus.WAITING:
        return _(
            "Your account is waiting for approval by the responsible editor. You can sign in once it has been approved."
        )
    if identity.status == IdentityStatus.REFUSED:
        return _("Your request for an account was refused. Contact the responsible editor if you think this is wrong.")
    return _("Your account has been deactivated. Contact the responsible editor.")


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Log out here, and at the provider too when the user signed in through one."""
    signed_in = request.session.get(SESSION_SIGNED_IN) or {}
    language = current_language()
    session_forget(request.session.session_key)
    auth.logout(request)
    provider = provider_named(str(signed_in.get("provider", "")))
    if provider is not None:
        url = logout_url(
            provider,
            id_token=str(signed_in.get("id_token", "")),
            post_logout_redirect_uri=logged_out_uri(),
            state=signing.dumps(language, salt=LOGOUT_STATE_SALT),
        )
        if url:
            return redirect(url)
    return redirect(resolve_url(settings.LOGOUT_REDIRECT_URL))


@require_GET
def oidc_logged_out(request: HttpRequest) -> HttpResponse:
    """Where a provider sends the browser after its own logout: the pathways, in the user's language."""
    try:
        language = signing.loads(request.GET.get("state", "")[:200], salt=LOGOUT_STATE_SALT, max_age=3600)
    except signing.BadSignature:
        language = settings.LANGUAGE_CODE
    if language not in LANGUAGE_CODES:
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        return redirect(resolve_url(settings.LOGOUT_REDIRECT_URL))


# --- Approving new accounts -----------------------------------------------------------------------


def _approver_or_404(request: HttpRequest) -> None:
    if not may_approve_accounts(request.user):
        logger.warning("accounts: approval page denied to user %s", request.user.pk)
        raise Http404


def _waiting_page(
    request: HttpRequest, *, failed: tuple[int, ApprovalForm] | None = None, reasons: list[str] | None = None
) -> HttpResponse:
    rows = []
    for identity in identities_waiting():
        if failed is not None and failed[0] == identity.pk:
            form = failed[1]
        else:
            form = ApprovalForm(identity_id=identity.pk, initial={"role": identity.suggested_role or Role.PROFESSIONAL})
        rows.append({"identity": identity, "form": form, "provider": provider_named(identity.provider)})
    errors = error_summary(failed[1] if failed else None, reasons or ())
    return render_page(
        request,
        "accounts/waiting.html",
        {"rows": rows, "errors": errors},
        status=400 if errors else 200,
        path=reverse("accounts:waiting"),
    )


@login_required
@require_GET
def accounts_waiting(request: HttpRequest) -> HttpResponse:
    _approver_or_404(request)
    return _waiting_page(request)


@login_required
@require_POST
def account_decide(request: HttpRequest, identity_id: int) -> HttpResponse:
    _approver_or_404(request)
    identity = Identity.objects.filter(pk=identity_id).first()
    if identity is None:
        raise Http404
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            form = ApprovalForm(request.POST, identity_id=identity.pk)
            if not form.is_valid():
                return _waiting_page(request, failed=(identity.pk, form))
            account_approve(
                identity_id=identity.pk,
                by=request.user,  # type: ignore[arg-type]
                role=form.cleaned_data["role"],
                partnership=form.cleaned_data["partnership"],
            )
            messages.success(request, _("The account has been approved."))
        elif decision == "refuse":
            account_refuse(identity_id=identity.pk, by=request.user)  # type: ignore[arg-type]
            messages.success(request, _("The account has been refused."))
        else:
            return HttpResponseBadRequest()
    except Refused as refusal:
        return _waiting_page(request, reasons=refusal.reasons)
    return redirect("accounts:waiting")
