"""Who may see and act on change proposals. Small named predicates (django-rules, `user` first),
used by views, the API, templates and, through `for_transition`, the state machine's transitions."""

import logging

import rules
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import Http404, HttpRequest

from pathways.models import Profile, Role
from pathways.permissions import is_local_editor_of, is_responsible_editor

logger = logging.getLogger(__name__)


class AuthenticatedHttpRequest(HttpRequest):
    """For type checking only: the request of a view behind `@login_required`, whose user is
    signed in, so `request.user` is a User and never AnonymousUser (as django-stubs suggests).
    Django still passes its own request object."""

    user: User


@rules.predicate
def is_local_editor_of_proposal(user, proposal) -> bool:
    return proposal is not None and is_local_editor_of(user, proposal.partnership)


# A local editor sees and triages the proposals of their own partnership; the responsible editor
# sees everything, including proposals on the common text that belong to no partnership.
can_view = is_responsible_editor | is_local_editor_of_proposal
can_triage = can_view


@rules.predicate
def can_decide(user, proposal=None) -> bool:
    """Quick fixes, and decisions in the yearly round, are the responsible editor's."""
    return bool(is_responsible_editor(user))


# In the yearly round each partnership forwards or declines its own proposals.
can_forward = is_responsible_editor | is_local_editor_of_proposal


def for_transition(predicate):
    """django-fsm calls a transition's permission with (instance, user)."""

    def check(instance, user) -> bool:
        return bool(predicate(user, instance))

    check.__name__ = predicate.name if hasattr(predicate, "name") else "check"
    return check


can_triage_proposal = for_transition(can_triage)


def can_defer_proposal(instance, user) -> bool:
    """A new proposal is the triager's; a quick fix has gone to the responsible editor."""
    if instance.state == "quick_fix":
        return bool(can_decide(user, instance))
    return bool(can_triage(user, instance))


can_reject_proposal = can_defer_proposal


def only_the_submitter(instance, user) -> bool:
    """Withdrawing is the submitter's, through the private status link: no staff user may."""
    return False


can_decide_proposal = for_transition(can_decide)
can_forward_proposal = for_transition(can_forward)


def may_file(user) -> bool:
    """Who may file: anyone whose profile ties them to a partnership (local editors, resource-group
    members, professionals) and the responsible editor."""
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return profile is not None and bool(profile.partnership_id or profile.role == Role.RESPONSIBLE_EDITOR)


def filer_profile_or_404(user) -> Profile:
    """The filer's profile (see `may_file`); others get a 404, like every staff page."""
    if not may_file(user):
        raise Http404
    return user.profile


# --- The yearly round ---------------------------------------------------------------------------
# The responsible editor runs the round; local editors forward for their partnership; seat holders,
# deputies and advisers (RKBU, RVTS) read the proposals in review and comment; only seats vote.

can_manage_round = is_responsible_editor


@rules.predicate
def is_round_participant(user) -> bool:
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return profile is not None and profile.role in {
        Role.RESPONSIBLE_EDITOR,
        Role.LOCAL_EDITOR,
        Role.RESOURCE_MEMBER,
        Role.ADVISER,
    }


can_view_round = is_round_participant


@rules.predicate
def can_forward_for(user, partnership) -> bool:
    """The partnership's local editor (for its professional committee), or the responsible editor."""
    return bool(is_responsible_editor(user) or is_local_editor_of(user, partnership))


@rules.predicate
def can_comment_in_round(user, review_round) -> bool:
    """Seat holders and deputies of the round, advisers and the responsible editor."""
    if is_responsible_editor(user):
        return True
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    if profile is not None and profile.role == Role.ADVISER:
        return True
    return review_round.seats.filter(Q(holder=user) | Q(deputy=user)).exists()


# --- The notification ledger --------------------------------------------------------------------
# The ledger of e-mail notices lists readers' and staff members' addresses: the responsible editor's.

can_view_ledger = is_responsible_editor

# Webhook subscriptions send every published version to other sites, and the delivery ledger shows
# their URLs: the responsible editor's, as the notification ledger is.
can_manage_webhooks = is_responsible_editor
