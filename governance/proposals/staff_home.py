"""What the staff home page (pathways') shows of change proposals: the way to the filing form. An
answer to `pathways.signals.staff_home_tasks`, connected in `GovernanceConfig.ready`."""

from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse
from django.utils.translation import gettext as _

from governance.permissions import may_file
from pathways.signals import StaffTask


def filing_home_tasks(
    sender: object, *, user: User | AnonymousUser, language: str, **kwargs: object
) -> list[StaffTask]:
    if not may_file(user):
        return []
    return [
        StaffTask(
            _("Heard of an error by phone, by e-mail or in a meeting? File it as a change proposal."),
            _("Open the form"),
            reverse("governance:file"),
        )
    ]
