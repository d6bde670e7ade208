"""Who may do what in the traffic-light review. What a person may not see is a 404, never a 403
(as everywhere on the staff pages), so nobody can tell another partnership's municipalities from
ones that do not exist.

- A municipality contact sees and marks their own municipality only.
- The partnership's local editor sees the matrix, exports it, marks on a municipality's behalf (the
  mark records who) and turns a yellow mark into a local override draft or a change proposal. The
  responsible editor may step in, as with the local adaptations.
- Everyone else: 404.
"""

import logging
from typing import NoReturn

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404
from django.shortcuts import get_object_or_404

from pathways.models import Municipality, Partnership, Pathway, Profile, Role
from pathways.permissions import can_create_adaptation

logger = logging.getLogger(__name__)


def _profile(user: User | AnonymousUser) -> Profile | None:
    if not user.is_authenticated or not user.is_active:
        return None
    return getattr(user, "profile", None)


def is_municipality_contact_of(user: User | AnonymousUser, municipality: Municipality) -> bool:
    profile = _profile(user)
    return (
        profile is not None and profile.role == Role.MUNICIPALITY_CONTACT and profile.municipality_id == municipality.pk
    )


def can_manage_review(user: User | AnonymousUser, partnership: Partnership) -> bool:
    """The matrix, the exports, marking on a municipality's behalf, and what a yellow mark becomes:
    the partnership's local editor, or the responsible editor stepping in."""
    return bool(can_create_adaptation(user, partnership))


def can_mark(user: User | AnonymousUser, municipality: Municipality) -> bool:
    return is_municipality_contact_of(user, municipality) or can_manage_review(user, municipality.partnership)


def _deny(user: User | AnonymousUser, kind: str, pk: int) -> NoReturn:
    logger.warning("traffic-light access denied: user=%s %s=%s", getattr(user, "pk", None), kind, pk)
    raise Http404


def published_pathway_or_404(slug: str) -> Pathway:
    return get_object_or_404(
        Pathway.objects.select_related("current_version"), slug=slug, current_version__isnull=False
    )


def managed_partnership_or_404(user: User | AnonymousUser, partnership_slug: str) -> Partnership:
    partnership = get_object_or_404(Partnership, slug=partnership_slug)
    if not can_manage_review(user, partnership):
        _deny(user, "partnership", partnership.pk)
    return partnership


def markable_municipality_or_404(
    user: User | AnonymousUser, partnership_slug: str, municipality_id: int
) -> Municipality:
    """The municipality, when it is of the partnership in the URL and the user may mark for it."""
    municipality = get_object_or_404(
        Municipality.objects.select_related("partnership"), pk=municipality_id, partnership__slug=partnership_slug
    )
    if not can_mark(user, municipality):
        _deny(user, "municipality", municipality.pk)
    return municipality


def own_municipality(user: User | AnonymousUser) -> Municipality | None:
    """A municipality contact's municipality (None for everyone else)."""
    profile = _profile(user)
    if profile is None or profile.role != Role.MUNICIPALITY_CONTACT or profile.municipality_id is None:
        return None
    return Municipality.objects.select_related("partnership").get(pk=profile.municipality_id)
