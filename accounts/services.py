"""Linking a signed-in subject to an account, approving and refusing new accounts, and keeping
track of each user's sessions so that they can all be ended."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.models import Partnership, Profile, Role
from pathways.services import Refused

from .models import Identity, IdentityStatus, UserSession
from .providers import Provider

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 150


@dataclass(frozen=True)
class SignIn:
    """The outcome of a verified sign-in: the user, and whether they may log in now."""

    user: User
    identity: Identity
    created: bool

    @property
    def may_log_in(self) -> bool:
        # An administrator may also activate the user in the admin: being active is what counts.
        return self.user.is_active


def _username(provider: Provider, subject: str) -> str:
    digest = hashlib.sha256(f"{provider.issuer}\n{subject}".encode()).hexdigest()[:24]
    return f"{provider.name}-{digest}"


def _text_claim(claims: dict[str, Any], name: str, limit: int) -> str:
    value = claims.get(name) if name else None
    return value[:limit] if isinstance(value, str) else ""


def _person_fields(provider: Provider, claims: dict[str, Any]) -> dict[str, str]:
    """What the account shows of the person: the name and e-mail claims the settings name. The
    e-mail is shown to the approver, never used to find an account."""
    first = _text_claim(claims, "given_name", NAME_MAX_LENGTH)
    last = _text_claim(claims, "family_name", NAME_MAX_LENGTH)
    if not (first or last):
        last = _text_claim(claims, provider.name_claim, NAME_MAX_LENGTH)
    email = _text_claim(claims, provider.email_claim, 254)
    return {"first_name": first, "last_name": last, "email": email if "@" in email else ""}


def identity_sign_in(*, provider: Provider, claims: dict[str, Any]) -> SignIn:
    """The account of the subject the (verified) claims name, by issuer and subject. An unknown
    subject gets a new inactive account and an identity waiting for approval; the role comes from
    the claims only where the provider's ROLE_MAP says so, and then only as a suggestion."""
    subject = claims["sub"]
    now = timezone.now()
    identity = Identity.objects.select_related("user").filter(issuer=provider.issuer, subject=subject).first()
    if identity is not None:
        Identity.objects.filter(pk=identity.pk).update(last_login_at=now)
        return SignIn(user=identity.user, identity=identity, created=False)
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                username=_username(provider, subject), is_active=False, **_person_fields(provider, claims)
            )
            identity = Identity.objects.create(
                user=user,
                provider=provider.name,
                issuer=provider.issuer,
                subject=subject,
                suggested_role=provider.role_from_claims(claims) or "",
                last_login_at=now,
            )
    except IntegrityError:
        # The same person's first sign-in in two tabs at once: the other request created it.
        identity = Identity.objects.select_related("user").get(issuer=provider.issuer, subject=subject)
        return SignIn(user=identity.user, identity=identity, created=False)
    logger.info("oidc: new account %s waiting for approval (identity %s)", user.pk, identity.pk)
    return SignIn(user=user, identity=identity, created=True)


def identities_waiting() -> list[Identity]:
    return list(
        Identity.objects.filter(status=IdentityStatus.WAITING, user__is_active=False)
        .select_related("user")
        .order_by("created_at", "pk")
    )


def _waiting_or_refused(identity_id: int) -> Identity:
    identity = Identity.objects.select_for_update().select_related("user").filter(pk=identity_id).first()
    if identity is None or identity.status != IdentityStatus.WAITING:
        raise Refused(_("This account has already been approved or refused."))
    return identity


def account_approve(*, identity_id: int, by: User, role: str, partnership: Partnership | None) -> Identity:
    """Approve a waiting account: give it its role and partnership and make it active."""
    if role in (Role.LOCAL_EDITOR, Role.RESOURCE_MEMBER) and partnership is None:
        raise Refused(_("A local editor or resource group member needs a health partnership."))
    with transaction.atomic():
        identity = _waiting_or_refused(identity_id)
        user = identity.user
        Profile.objects.update_or_create(user=user, defaults={"role": role, "partnership": partnership})
        user.is_active = True
        user.save(update_fields=["is_active"])
        identity.status = IdentityStatus.APPROVED
        identity.decided_at, identity.decided_by = timezone.now(), by
        identity.save(update_fields=["status", "decided_at", "decided_by"])
    logger.info("accounts: user %s approved as %s by %s", user.pk, role, by.pk)
    return identity


def account_refuse(*, identity_id: int, by: User) -> Identity:
    """Refuse a waiting account: it stays inactive, and signing in again says it was refused."""
    with transaction.atomic():
        identity = _waiting_or_refused(identity_id)
        identity.status = IdentityStatus.REFUSED
        identity.decided_at, identity.decided_by = timezone.now(), by
        identity.save(update_fields=["status", "decided_at", "decided_by"])
    logger.info("accounts: user %s refused by %s", identity.user_id, by.pk)
    return identity


# --- Sessions -------------------------------------------------------------------------------------


def session_remember(request: HttpRequest) -> None:
    """Note the session the user has just logged in to. Call after `django.contrib.auth.login`."""
    user, key = request.user, request.session.session_key
    if not user.is_authenticated or not key:
        return
    UserSession.objects.get_or_create(session_key=key, defaults={"user_id": user.pk})
    # Rows older than the longest a session can live are of sessions that have expired.
    UserSession.objects.filter(created_at__lt=timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)).delete()


def session_forget(session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def user_sessions_end(*, user: User) -> int:
    """End every session the user has open (deletes them from the session store). Returns how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    if keys:
        logger.info("accounts: ended %d sessions of user %s", len(keys), user.pk)
    return len(keys)
