"""The resource group's pages in the yearly round (/<lang>/redaksjon/runder/<year>/…): the seats
(the responsible editor), the proposals to vote on (seat holders, deputies and advisers), the
meeting pack as a page and a PDF, and the minutes. Plain POST forms, no JavaScript.

Who sees what: a round's seats page is the responsible editor's; the voting page and the meeting
pack are for those who may comment in the round (its seat holders and deputies, the advisers, the
editor); the minutes for every round participant. Anyone else gets a 404. A participant who has no
vote now (an adviser, the editor, a holder marked absent, a deputy whose holder is present) and
sends a vote gets a 403, as does a vote outside the voting window.
"""

import logging
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from governance import permissions as perms
from governance.models import REVIEWED_STATES, Constituency, ProposalState, ReviewRound, RoundItem, RoundState, Vote
from governance.permissions import AuthenticatedHttpRequest
from governance.proposals.services import NotPermitted
from governance.rounds import meeting, voting
from governance.rounds.forms import AbsentForm, CommentForm, MeetingRecordForm, SeatForm, VoteForm
from pathways.forms import error_summary
from pathways.models import Partnership, Profile, Role
from pathways.pdf import render_pdf
from pathways.views import current_language, render_page

logger = logging.getLogger(__name__)

# The constituencies as they appear in URLs.
CONSTITUENCY_SLUGS = {"helseforetak": Constituency.HOSPITAL_TRUST, "kommune": Constituency.MUNICIPALITY}
SLUG_OF: dict[str, str] = {value: slug for slug, value in CONSTITUENCY_SLUGS.items()}


def _url(name: str, year: int, **kwargs) -> str:
    return reverse(f"governance:{name}", kwargs={"year": year, **kwargs})


def _deny(request: HttpRequest, review_round: ReviewRound, what: str):
    logger.warning("round access denied: user=%s round=%s page=%s", request.user.pk, review_round.year, what)
    raise Http404


def _round_or_404(year: int) -> ReviewRound:
    return get_object_or_404(ReviewRound, year=year)


def _managed_round_or_404(request: HttpRequest, year: int) -> ReviewRound:
    review_round = _round_or_404(year)
    if not perms.can_manage_round(request.user):
        _deny(request, review_round, "seats")
    return review_round


def _group_round_or_404(request: HttpRequest, year: int) -> ReviewRound:
    """The round, for its seat holders and deputies, the advisers and the editor."""
    review_round = _round_or_404(year)
    if not perms.can_comment_in_round(request.user, review_round):
        _deny(request, review_round, "resource group")
    return review_round


def _item_or_404(review_round: ReviewRound, proposal_id: int) -> RoundItem:
    item = RoundItem.objects.filter(review_round=review_round, proposal_id=proposal_id).select_related("proposal")
    found = item.first()
    if found is None:
        raise Http404
    return found


# --- Seats (the responsible editor) ----------------------------------------------------------------


def _members_by_partnership() -> dict[int, dict]:
    """Every resource-group member, by partnership: user id → user. One query."""
    members: dict[int, dict] = defaultdict(dict)
    for profile in (
        Profile.objects.filter(role=Role.RESOURCE_MEMBER, partnership__isnull=False)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    ):
        assert profile.partnership_id is not None  # filtered above
        members[profile.partnership_id][profile.user_id] = profile.user
    return members


def _seat_prefix(partnership: Partnership, constituency: str) -> str:
    return f"{partnership.slug}-{SLUG_OF[constituency]}"


def _seats_page(
    request: HttpRequest, review_round: ReviewRound, *, bound=None, errors=None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    members = _members_by_partnership()
    seats = {
        (seat.partnership_id, seat.constituency): seat for seat in review_round.seats.select_related("holder", "deputy")
    }
    rows = []
    for partnership in Partnership.objects.order_by("name"):
        cells = []
        for constituency, label in Constituency.choices:
            seat = seats.get((partnership.pk, constituency))
            prefix = _seat_prefix(partnership, constituency)
            initial = {"holder": seat.holder_id, "deputy": seat.deputy_id} if seat else {}
            form = bound.get(prefix) or SeatForm(prefix=prefix, initial=initial, members=members[partnership.pk])
            cells.append(
                {"constituency": label, "slug": SLUG_OF[constituency], "seat": seat, "form": form, "id": prefix}
            )
        rows.append({"partnership": partnership, "seats": cells})
    context = {
        "review_round": review_round,
        "rows": rows,
        "assigned": len(seats),
        "wanted": 2 * len(rows),
        "may_change": review_round.state in voting.SEAT_PHASES,
        "previous": voting.previous_round(review_round),
        "errors": errors or [],
    }
    return render_page(
        request, "governance/voting_seats.html", context, path=_url("round_seats", review_round.year), status=status
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def round_seats(request: HttpRequest, year: int) -> HttpResponse:
    return _seats_page(request, _managed_round_or_404(request, year))


def _seat_target_or_404(review_round: ReviewRound, partnership_slug: str, constituency_slug: str):
    constituency = CONSTITUENCY_SLUGS.get(constituency_slug)
    if constituency is None:
        raise Http404
    partnership = get_object_or_404(Partnership, slug=partnership_slug)
    return partnership, constituency


@login_required
@require_POST
def round_seat_assign(
    request: AuthenticatedHttpRequest, year: int, partnership: str, constituency: str
) -> HttpResponse:
    """Give a seat to a member, with a deputy or none; replaces whoever held it."""
    review_round = _managed_round_or_404(request, year)
    partnership_, constituency_ = _seat_target_or_404(review_round, partnership, constituency)
    prefix = _seat_prefix(partnership_, constituency_)
    form = SeatForm(request.POST, prefix=prefix, members=_members_by_partnership()[partnership_.pk])
    if not form.is_valid():
        return _seats_page(request, review_round, bound={prefix: form}, errors=error_summary(form), status=400)
    try:
        voting.seat_assign(
            review_round=review_round,
            partnership=partnership_,
            constituency=constituency_,
            holder=form.cleaned_data["holder"],
            deputy=form.cleaned_data["deputy"],
            by=request.user,
        )
    except NotPermitted:
        raise Http404 from None
    except voting.Refused as refused:
        return _seats_page(
            request, review_round, bound={prefix: form}, errors=error_summary(None, refused.reasons), status=409
        )
    messages.success(
        request,
        _("The %(constituency)s seat of %(partnership)s is saved.")
        % {"constituency": Constituency(constituency_).label, "partnership": partnership_.name},
    )
    return redirect(_url("round_seats", year) + f"#{prefix}")


@login_required
@require_POST
def round_seat_absent(
    request: AuthenticatedHttpRequest, year: int, partnership: str, constituency: str
) -> HttpResponse:
    """Mark a seat's holder absent (the deputy votes) or present again."""
    review_round = _managed_round_or_404(request, year)
    partnership_, constituency_ = _seat_target_or_404(review_round, partnership, constituency)
    seat = get_object_or_404(review_round.seats, partnership=partnership_, constituency=constituency_)
    form = AbsentForm(request.POST)
    if not form.is_valid():
        return _seats_page(
            request, review_round, errors=error_summary(None, [_("Say whether the holder is absent.")]), status=400
        )
    try:
        voting.seat_set_absent(seat=seat, absent=form.cleaned_data["absent"], by=request.user)
    except NotPermitted:
        raise Http404 from None
    except voting.Refused as refused:
        return _seats_page(request, review_round, errors=error_summary(None, refused.reasons), status=409)
    if form.cleaned_data["absent"]:
        text = _("The holder of the %(constituency)s seat of %(partnership)s is marked absent: the deputy votes.")
    else:
        text = _("The holder of the %(constituency)s seat of %(partnership)s is marked present: the holder votes.")
    messages.success(
        request, text % {"constituency": Constituency(constituency_).label, "partnership": partnership_.name}
    )
    return redirect(_url("round_seats", year) + f"#{_seat_prefix(partnership_, constituency_)}")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def round_seats_copy(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    """Copy last year's seats into this round, after a confirmation page."""
    review_round = _managed_round_or_404(request, year)
    previous = voting.previous_round(review_round)
    if request.method == "POST" and request.POST.get("confirm") == "1" and previous is not None:
        try:
            result = voting.seats_copy(from_round=previous, to_round=review_round, by=request.user)
        except NotPermitted:
            raise Http404 from None
        except voting.Refused as refused:
            return _seats_page(request, review_round, errors=error_summary(None, refused.reasons), status=409)
        messages.success(
            request,
            _("%(count)s seats copied from %(year)s.") % {"count": len(result.created), "year": previous.year},
        )
        for reason in result.skipped:
            messages.warning(request, reason)
        return redirect(_url("round_seats", year))
    context = {
        "review_round": review_round,
        "previous": previous,
        "previous_seats": previous.seats.count() if previous else 0,
        "assigned": review_round.seats.count(),
        "may_change": review_round.state in voting.SEAT_PHASES,
    }
    return render_page(request, "governance/voting_seats_copy.html", context, path=_url("round_seats_copy", year))


# --- Voting --------------------------------------------------------------------------------------


def _vote_prefix(proposal_id: int) -> str:
    return f"stemme-{proposal_id}"


def _comment_prefix(proposal_id: int) -> str:
    return f"kommentar-{proposal_id}"


def _votes_page(
    request: HttpRequest, review_round: ReviewRound, *, bound=None, errors=None, status: int = 200
) -> HttpResponse:
    """The proposals in the resource group's review, with the seat's vote and a form to cast or
    change it, and the comments. `bound` holds forms sent back with errors, by prefix. A fixed
    number of queries, however many proposals and seats."""
    user, language = request.user, current_language()
    bound = bound or {}
    is_editor = bool(perms.can_manage_round(user))
    seat = voting.seat_held(user, review_round)
    voting_open = review_round.state == RoundState.RESOURCE_GROUP_REVIEW
    may_vote = voting_open and voting.votes_for(seat, user)
    entries = [
        entry
        for entry in meeting.round_entries(review_round, list(meeting.agenda_items(review_round)), language=language)
        if entry.proposal.state == ProposalState.IN_REVIEW
    ]
    votes = (
        {
            vote.proposal_id: vote
            for vote in Vote.objects.filter(seat=seat, proposal_id__in=[e.proposal.pk for e in entries])
        }
        if seat is not None
        else {}
    )
    labels = meeting.seat_labels(review_round)
    rows = []
    for entry in entries:
        pk = entry.proposal.pk
        vote = votes.get(pk)
        initial = {"choice": vote.choice, "comment": vote.comment} if vote else {}
        rows.append(
            {
                "entry": entry,
                "vote": vote,
                "vote_form": bound.get(_vote_prefix(pk)) or VoteForm(prefix=_vote_prefix(pk), initial=initial),
                "comment_form": bound.get(_comment_prefix(pk)) or CommentForm(prefix=_comment_prefix(pk)),
                "comments": [(comment, meeting.commenter(comment, labels)) for comment in entry.comments],
            }
        )
    context = {
        "review_round": review_round,
        "rows": rows,
        "is_editor": is_editor,
        "seat": seat,
        "may_vote": may_vote,
        "no_vote_reason": "" if may_vote or not voting_open else voting.no_vote_reason(seat, user),
        "voting_open": voting_open,
        "voted": sum(1 for row in rows if row["vote"] is not None),
        "total": len(rows),
        "errors": errors or [],
    }
    return render_page(
        request, "governance/voting_votes.html", context, path=_url("round_votes", review_round.year), status=status
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def round_votes(request: HttpRequest, year: int) -> HttpResponse:
    return _votes_page(request, _group_round_or_404(request, year))


@login_required
@require_POST
def round_vote(request: AuthenticatedHttpRequest, year: int, proposal_id: int) -> HttpResponse:
    """Cast or change the seat's vote on one proposal."""
    review_round = _group_round_or_404(request, year)
    item = _item_or_404(review_round, proposal_id)
    prefix = _vote_prefix(proposal_id)
    form = VoteForm(request.POST, prefix=prefix)
    # Refused before the form is looked at: nothing typed could make these votes count.
    if review_round.state != RoundState.RESOURCE_GROUP_REVIEW:
        return _votes_page(request, review_round, errors=error_summary(None, [str(voting.VOTING_CLOSED)]), status=403)
    seat = voting.seat_held(request.user, review_round)
    if not voting.votes_for(seat, request.user):
        return _votes_page(
            request, review_round, errors=error_summary(None, [voting.no_vote_reason(seat, request.user)]), status=403
        )
    if not form.is_valid():
        return _votes_page(request, review_round, bound={prefix: form}, errors=error_summary(form), status=400)
    try:
        voting.vote_cast(
            review_round=review_round,
            proposal=item.proposal,
            user=request.user,
            choice=form.cleaned_data["choice"],
            comment=form.cleaned_data["comment"],
        )
    except (voting.VotingClosed, voting.NoVote) as refused:
        return _votes_page(
            request, review_round, bound={prefix: form}, errors=error_summary(None, refused.reasons), status=403
        )
    except voting.Refused as refused:
        return _votes_page(
            request, review_round, bound={prefix: form}, errors=error_summary(None, refused.reasons), status=409
        )
    messages.success(request, _("Your vote on proposal #%(number)s is saved.") % {"number": proposal_id})
    return redirect(_url("round_votes", year) + f"#forslag-{proposal_id}")


@login_required
@require_POST
def round_comment(request: AuthenticatedHttpRequest, year: int, proposal_id: int) -> HttpResponse:
    """A comment on a proposal in review, by a seat, a deputy, an adviser or the editor."""
    review_round = _group_round_or_404(request, year)
    item = _item_or_404(review_round, proposal_id)
    prefix = _comment_prefix(proposal_id)
    form = CommentForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _votes_page(request, review_round, bound={prefix: form}, errors=error_summary(form), status=400)
    try:
        voting.comment_add(item=item, user=request.user, text=form.cleaned_data["text"])
    except NotPermitted:
        raise Http404 from None
    except voting.Refused as refused:
        return _votes_page(
            request, review_round, bound={prefix: form}, errors=error_summary(None, refused.reasons), status=409
        )
    messages.success(request, _("Your comment on proposal #%(number)s is saved.") % {"number": proposal_id})
    return redirect(_url("round_votes", year) + f"#forslag-{proposal_id}")


# --- The meeting ---------------------------------------------------------------------------------


def _record_prefix(proposal_id: int) -> str:
    return f"mote-{proposal_id}"


def _may_record(review_round: ReviewRound, item: RoundItem) -> bool:
    return review_round.state in voting.RECORD_PHASES and not item.decision and item.proposal.state in REVIEWED_STATES


def _pack_context(request: HttpRequest, review_round: ReviewRound, *, with_forms: bool, bound=None) -> dict:
    language = current_language()
    entries = meeting.round_entries(review_round, list(meeting.agenda_items(review_round)), language=language)
    labels = meeting.seat_labels(review_round)
    bound = bound or {}
    rows = []
    # In the agenda's order, one group per pathway.
    groups: list[tuple[str, list]] = []
    for entry in entries:
        pk, item = entry.proposal.pk, entry.item
        form = None
        if with_forms and _may_record(review_round, item):
            initial = {"recommendation": item.meeting_recommendation or entry.outcome, "note": item.meeting_note}
            form = bound.get(_record_prefix(pk)) or MeetingRecordForm(prefix=_record_prefix(pk), initial=initial)
        row = {
            "entry": entry,
            "record_form": form,
            "comments": [(comment, meeting.commenter(comment, labels)) for comment in entry.comments],
        }
        rows.append(row)
        if not groups or groups[-1][0] != entry.pathway_title:
            groups.append((entry.pathway_title, []))
        groups[-1][1].append(row)
    return {
        "review_round": review_round,
        "groups": groups,
        "count": len(rows),
        "seats": review_round.seats.count(),
    }


def _pack_page(request: HttpRequest, review_round: ReviewRound, *, bound=None, errors=None, status: int = 200):
    is_editor = bool(perms.can_manage_round(request.user))
    context = _pack_context(request, review_round, with_forms=is_editor, bound=bound) | {
        "is_editor": is_editor,
        "errors": errors or [],
    }
    return render_page(
        request,
        "governance/meeting_pack.html",
        context,
        path=_url("round_meeting_pack", review_round.year),
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def round_meeting_pack(request: HttpRequest, year: int) -> HttpResponse:
    """The meeting pack: the agenda, printable; the secretary's forms to record the outcomes."""
    return _pack_page(request, _group_round_or_404(request, year))


@login_required
@require_http_methods(["GET", "HEAD"])
def round_meeting_pack_pdf(request: HttpRequest, year: int) -> HttpResponse:
    review_round = _group_round_or_404(request, year)
    context = _pack_context(request, review_round, with_forms=False) | {"language": current_language(), "pdf": True}
    html = render_to_string("governance/meeting_pack_pdf.html", context, request=request)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="motebok-{review_round.year}.pdf"'
    return response


@login_required
@require_POST
def round_meeting_record(request: AuthenticatedHttpRequest, year: int, proposal_id: int) -> HttpResponse:
    """The secretary records the meeting's recommendation and a note for one proposal."""
    review_round = _managed_round_or_404(request, year)
    item = _item_or_404(review_round, proposal_id)
    prefix = _record_prefix(proposal_id)
    form = MeetingRecordForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _pack_page(request, review_round, bound={prefix: form}, errors=error_summary(form), status=400)
    try:
        voting.meeting_record(
            item=item,
            recommendation=form.cleaned_data["recommendation"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
    except NotPermitted:
        raise Http404 from None
    except voting.Refused as refused:
        return _pack_page(
            request, review_round, bound={prefix: form}, errors=error_summary(None, refused.reasons), status=409
        )
    messages.success(
        request, _("The meeting's recommendation on proposal #%(number)s is recorded.") % {"number": proposal_id}
    )
    return redirect(_url("round_meeting_pack", year) + f"#forslag-{proposal_id}")


@login_required
@require_http_methods(["GET", "HEAD"])
def round_minutes(request: HttpRequest, year: int) -> HttpResponse:
    """The minutes: per proposal the tally, the outcome of the votes, the recorded recommendation and
    the note. For every round participant."""
    review_round = _round_or_404(year)
    if not perms.can_view_round(request.user):
        _deny(request, review_round, "minutes")
    language = current_language()
    entries = meeting.round_entries(
        review_round, list(meeting.agenda_items(review_round)), language=language, comments=False
    )
    context = {
        "review_round": review_round,
        "groups": meeting.by_pathway(entries),
        "count": len(entries),
        "seats": list(review_round.seats.select_related("partnership", "holder", "deputy")),
        "minutes": True,  # the tally's own outcome line is left out: the minutes state the outcome
    }
    return render_page(request, "governance/meeting_minutes.html", context, path=_url("round_minutes", year))
