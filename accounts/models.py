"""Who signed in through which identity provider, and the sessions each user has open.

A person's account is found by a stable subject (`sub`) at an issuer, never by e-mail: two
providers may both know an address, and an address can change hands.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pathways.models import Role


class IdentityStatus(models.TextChoices):
    WAITING = "waiting", _("waiting for approval")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")


class Identity(models.Model):
    """A subject at an OpenID Connect issuer, linked to one user. The first sign-in of an unknown
    subject creates the user, inactive, and this row waiting for the responsible editor's approval."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identities", verbose_name=_("user")
    )
    provider = models.CharField(_("identity provider"), max_length=32)
    issuer = models.CharField(_("issuer"), max_length=500)
    subject = models.CharField(_("subject"), max_length=255)
    status = models.CharField(
        _("status"), max_length=10, choices=IdentityStatus.choices, default=IdentityStatus.WAITING
    )
    # The role a mapping setting (OIDC_<NAME>_ROLE_MAP) read from the claims at the first sign-in;
    # only a suggestion for the approver.
    suggested_role = models.CharField(_("suggested role"), max_length=30, choices=Role.choices, blank=True)
    created_at = models.DateTimeField(_("first sign-in"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="identity_unique_subject")]

    def __str__(self) -> str:
        return f"{self.provider}: {self.subject}"


class UserSession(models.Model):
    """A session a user logged in to, so that deactivating the user can end every one of them,
    whichever session backend holds them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user"], name="usersession_user")]

    def __str__(self) -> str:
        return f"session of user {self.user_id}"
