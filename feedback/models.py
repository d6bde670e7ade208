"""What a reader sends through the link on a section. The words themselves become a change
proposal (governance); a `Submission` is the reader's side of it: the private status link, the
optional e-mail for follow-up, and who they said they are."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.models import ChangeProposal


class SubmitterRole(models.TextChoices):
    GP = "gp", _("GP")
    MUNICIPAL = "municipal", _("Municipal service")
    HOSPITAL = "hospital", _("Hospital")
    PARENT_OR_YOUTH = "parent_or_youth", _("Parent or young person")
    OTHER = "other", _("Other")


def new_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits: unguessable


class Submission(models.Model):
    proposal = models.ForeignKey(ChangeProposal, on_delete=models.PROTECT, related_name="submissions")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    email = models.EmailField(_("e-mail for follow-up"), max_length=254, blank=True)
    role = models.CharField(_("who you are"), max_length=20, choices=SubmitterRole.choices, blank=True)
    language = models.CharField(_("written standard"), max_length=2, choices=settings.LANGUAGES, default="nb")
    # A keyed hash of the sender's address, the context and the text, with the time window it fell
    # in: the same text from the same source twice within a short window is one proposal. Unique,
    # so two identical submissions at the same moment cannot both get in. Never the address itself.
    dedupe_key = models.CharField(max_length=100, unique=True)
    via_api = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    email_blanked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"submission #{self.pk}"


class UsefulAnswer(models.Model):
    """One reader's yes or no to "Was this page useful?" at the foot of a pathway page. Nothing about
    the reader is kept: the nonce is the page view's (from the signed token in the form), unique so
    that the same page view counts once however often its form is sent."""

    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.CASCADE, related_name="+")
    version_number = models.CharField(_("version"), max_length=20)
    language = models.CharField(_("written standard"), max_length=2, choices=settings.LANGUAGES)
    section_slug = models.SlugField(_("section"), max_length=100, blank=True)
    partnership = models.ForeignKey(
        "pathways.Partnership", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    local_version_number = models.CharField(_("local version"), max_length=100, blank=True)
    useful = models.BooleanField(_("useful"))
    nonce = models.CharField(max_length=32, unique=True, editable=False)
    created_at = models.DateTimeField(_("answered"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("useful answer")
        verbose_name_plural = _("useful answers")

    def __str__(self) -> str:
        return f"useful answer #{self.pk}"
