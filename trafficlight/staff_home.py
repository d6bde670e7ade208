"""What the staff pages of the layers below show of the traffic-light review: on the staff home
(pathways'), a municipality contact's sections waiting for a mark, a pathway at a time, and the
local editor's way to the matrices (`pathways.signals.staff_home_tasks`); on a change proposal's
page (governance's), the yellow mark it was made of (`governance.signals.proposal_sources`). Both
connected in `TrafficLightConfig.ready`."""

from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from governance.models import ChangeProposal
from pathways.models import Role
from pathways.signals import StaffTask

from .models import SectionMark
from .selectors import waiting_by_pathway


def traffic_light_home_tasks(
    sender: object, *, user: User | AnonymousUser, language: str, **kwargs: object
) -> list[StaffTask]:
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    if profile is None:
        return []
    if profile.role == Role.LOCAL_EDITOR and profile.partnership_id:
        return [
            StaffTask(
                _("See how the municipalities have marked the pathways' sections in the traffic-light review."),
                _("Open the traffic-light review"),
                reverse("trafficlight:partnership", kwargs={"partnership_slug": profile.partnership.slug}),
            )
        ]
    if profile.role != Role.MUNICIPALITY_CONTACT or profile.municipality is None:
        return []
    municipality = profile.municipality
    tasks = []
    for pathway, waiting, total in waiting_by_pathway(municipality):
        if not waiting:
            continue
        text = ngettext(
            "%(pathway)s: %(count)d of %(total)d sections waits for your mark.",
            "%(pathway)s: %(count)d of %(total)d sections wait for your mark.",
            waiting,
        ) % {"pathway": pathway.title(language), "count": waiting, "total": total}
        url = reverse(
            "trafficlight:mark",
            kwargs={
                "partnership_slug": municipality.partnership.slug,
                "slug": pathway.slug,
                "municipality_id": municipality.pk,
            },
        )
        tasks.append(StaffTask(text, _("Mark the sections"), url))
    if not tasks:
        tasks.append(
            StaffTask(
                _("Your municipality has marked every section of every pathway."),
                _("See your marks"),
                reverse("trafficlight:index"),
            )
        )
    return tasks


def traffic_light_proposal_sources(
    sender: object, *, proposal: ChangeProposal, **kwargs: object
) -> list[tuple[str, str]]:
    """The yellow marks a local editor made the proposal of, each a link to its row in the matrix.
    An answer to `governance.signals.proposal_sources` (the proposal page's "Came from")."""
    links = []
    for mark in SectionMark.objects.filter(proposal=proposal).select_related("municipality__partnership", "pathway"):
        text = _("Traffic-light review: %(municipality)s marked the section yellow") % {
            "municipality": mark.municipality.name
        }
        url = reverse(
            "trafficlight:matrix",
            kwargs={"partnership_slug": mark.municipality.partnership.slug, "slug": mark.pathway.slug},
        )
        links.append((text, f"{url}#seksjon-{mark.section_slug}"))
    return links
