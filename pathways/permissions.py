"""Who may change what. Small named predicates (django-rules) used by the staff views and templates,
and the lookups the views fetch objects through: what a user may not touch is a 404, never a 403,
so a local editor cannot tell another partnership's drafts from ones that do not exist."""

import logging
from typing import NoReturn

import rules
from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .models import LocalAdaptation, Partnership, Pathway, Profile, Role

logger = logging.getLogger(__name__)


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind `login_required`: its user has signed in (for the type checker;
    Django gives these views a plain HttpRequest)."""

    user: User


def _profile(user: User | AnonymousUser | None) -> Profile | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    # A user without a profile (the reverse one-to-one raises an AttributeError subclass) has no rights.
    return getattr(user, "profile", None)


@rules.predicate
def is_responsible_editor(user: User | AnonymousUser | None) -> bool:
    profile = _profile(user)
    return profile is not None and profile.role == Role.RESPONSIBLE_EDITOR


@rules.predicate
def is_local_editor_of(user: User | AnonymousUser | None, partnership: Partnership | None) -> bool:
    profile = _profile(user)
    return (
        profile is not None
        and partnership is not None
        and profile.role == Role.LOCAL_EDITOR
        and profile.partnership_id == partnership.pk
    )


@rules.predicate
def is_local_editor_of_adaptation(user: User | AnonymousUser | None, adaptation: LocalAdaptation | None) -> bool:
    return adaptation is not None and is_local_editor_of(user, adaptation.partnership)


@rules.predicate
def can_edit_pathway(user: User | AnonymousUser | None, pathway: Pathway | None) -> bool:
    """The common draft and its publication belong to the responsible editor alone."""
    return is_responsible_editor(user)


# Combined predicates pass each part only the arguments it takes. A partnership's adaptations
# belong to its local editor; the responsible editor may step in.
can_edit_adaptation = is_local_editor_of_adaptation | is_responsible_editor
can_create_adaptation = is_local_editor_of | is_responsible_editor


def _deny(user: User | AnonymousUser, kind: str, pk: int) -> NoReturn:
    logger.warning("staff access denied: user=%s %s=%s", getattr(user, "pk", None), kind, pk)
    raise Http404


def pathway_for_editor_or_404(user: User | AnonymousUser, slug: str) -> Pathway:
    pathway = get_object_or_404(Pathway.objects.select_related("current_version"), slug=slug)
    if not can_edit_pathway(user, pathway):
        _deny(user, "pathway", pathway.pk)
    return pathway


def partnership_for_user_or_404(user: User | AnonymousUser, partnership_slug: str) -> Partnership:
    """The partnership whose adaptations the user may create and change."""
    partnership = get_object_or_404(Partnership, slug=partnership_slug)
    if not can_create_adaptation(user, partnership):
        _deny(user, "partnership", partnership.pk)
    return partnership


def adaptation_target_or_404(
    user: User | AnonymousUser, partnership_slug: str, pathway_slug: str
) -> tuple[Partnership, Pathway, LocalAdaptation | None]:
    """The partnership, the published pathway and the partnership's adaptation of it, if it has one
    yet."""
    partnership = partnership_for_user_or_404(user, partnership_slug)
    pathway = get_object_or_404(
        Pathway.objects.select_related("current_version"), slug=pathway_slug, current_version__isnull=False
    )
    adaptation = LocalAdaptation.objects.filter(partnership=partnership, pathway=pathway).first()
    if adaptation is not None:
        adaptation.partnership, adaptation.pathway = partnership, pathway
        if not can_edit_adaptation(user, adaptation):
            _deny(user, "adaptation", adaptation.pk)
    return partnership, pathway, adaptation


def adaptation_for_user_or_404(user: User | AnonymousUser, partnership_slug: str, pathway_slug: str) -> LocalAdaptation:
    """The adaptation the user may change; 404 when it does not exist or is not theirs."""
    _partnership, _pathway, adaptation = adaptation_target_or_404(user, partnership_slug, pathway_slug)
    if adaptation is None:
        raise Http404
    return adaptation
