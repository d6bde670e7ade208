"""The yearly round's pages (/<lang>/redaksjon/runder/): the rounds, a new round, one round's phases
and progress, its dates, the step to the next phase, and each partnership's forwarding page.

Who sees what: everyone who takes part in rounds (`permissions.can_view_round`) sees the rounds and
their phases; the responsible editor runs them (create, change, move on) and sees every
partnership's progress; a local editor sees and works on their own partnership's page. Anything
else is a 404, never a 403. Plain forms, no JavaScript: the step to the next phase and the
irreversible moves are confirmed first. Refusals from `governance.rounds` come back as the page
with the reasons (409); form errors as the page with an error summary (400).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from governance import permissions as perms
from governance.models import PHASE_DEADLINES, PartnershipReview, ProposalState, ReviewRound, RoundState
from governance.permissions import AuthenticatedHttpRequest
from governance.proposals import selectors
from governance.proposals.services import NotPermitted
from governance.rounds import forwarding, phases
from governance.rounds.forms import (
    AdvanceForm,
    DeclineForm,
    FinishForm,
    ForwardForm,
    NothingToForwardForm,
    RoundEditForm,
    RoundForm,
)
from pathways.forms import error_summary
from pathways.models import Partnership
from pathways.views import current_language, render_page

# What each step does, for the confirmation page; keyed by the phase that is left.
STEP_EFFECTS = {
    RoundState.PLANNED: gettext_lazy(
        "The round opens for proposals. Proposals postponed in earlier rounds are carried over, and every "
        "proposal held for the yearly round is enrolled in this one."
    ),
    RoundState.COLLECTING: gettext_lazy(
        "Collecting ends. Every proposal held for the yearly round goes to its partnership, which forwards or "
        "declines it; proposals on the common text are yours."
    ),
    RoundState.PARTNERSHIP_REVIEW: gettext_lazy(
        "The partnerships' review ends. Forwarded proposals go to the resource group, which can then vote on "
        "them. Proposals of a partnership that had nothing to forward stay held for next year."
    ),
    RoundState.RESOURCE_GROUP_REVIEW: gettext_lazy(
        "Voting closes. Each proposal gets the resource group's recommendation: the one recorded at the "
        "meeting, else the outcome of the vote. Without a quorum a proposal gets no recommendation."
    ),
    RoundState.EDITORIAL: gettext_lazy(
        "The round is released: your decisions are published in new versions of the pathways. This cannot be undone."
    ),
    RoundState.RELEASED: gettext_lazy("The round is closed."),
}


def _viewer_or_404(user) -> None:
    if not perms.can_view_round(user):
        raise Http404


def _manager_or_404(user) -> None:
    if not perms.can_manage_round(user):
        raise Http404


def _round_or_404(year: int) -> ReviewRound:
    review_round = ReviewRound.objects.filter(year=year).first()
    if review_round is None:
        raise Http404
    return review_round


def _detail_url(review_round: ReviewRound) -> str:
    return reverse("governance:round_detail", kwargs={"year": review_round.year})


def _partnership_url(review_round: ReviewRound, slug: str) -> str:
    return reverse("governance:round_partnership", kwargs={"year": review_round.year, "slug": slug})


def _deadline_facts(review_round: ReviewRound) -> dict:
    """The current phase's last day and how many days are left of it, counted in Oslo."""
    deadline = review_round.deadline()
    if deadline is None:
        return {"deadline": None, "days_left": None}
    return {"deadline": deadline, "days_left": (deadline - phases.oslo_today()).days}


def _timeline(review_round: ReviewRound) -> list[dict]:
    """Every phase, with its last day, and whether it is over, current or to come."""
    current = phases.phase_index(review_round.state)
    steps = []
    for index, state in enumerate(phases.PHASES):
        field = PHASE_DEADLINES.get(state)
        steps.append(
            {
                "state": state,
                "label": phases.phase_label(state),
                "deadline": getattr(review_round, field) if field else None,
                "status": "done" if index < current else "current" if index == current else "later",
                "automatic": state in phases.AUTOMATIC_PHASES,
            }
        )
    return steps


# --- The rounds ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def round_list(request: HttpRequest) -> HttpResponse:
    _viewer_or_404(request.user)
    review_rounds = list(ReviewRound.objects.order_by("-year"))
    current = next((r for r in review_rounds if r.state not in phases.NOT_OPEN), None)
    context = {
        "review_rounds": [{"round": r, **_deadline_facts(r)} for r in review_rounds],
        "current": {"round": current, **_deadline_facts(current)} if current else None,
        "may_manage": perms.can_manage_round(request.user),
    }
    return render_page(request, "governance/round_list.html", context, path=request.path)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def round_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _manager_or_404(request.user)
    path = reverse("governance:round_create")
    if request.method != "POST":
        form = RoundForm(
            initial={
                "year": phases.oslo_today().year + 1,
                "quorum_numerator": 2,
                "quorum_denominator": 3,
                "both_constituencies_required": True,
            }
        )
        return render_page(request, "governance/round_form.html", {"form": form}, path=path)
    form = RoundForm(request.POST)
    if not form.is_valid():
        context = {"form": form, "errors": error_summary(form)}
        return render_page(request, "governance/round_form.html", context, path=path, status=400)
    try:
        review_round = phases.round_create(by=request.user, **form.cleaned_data)
    except phases.RoundRefused as refused:
        context = {"form": form, "errors": error_summary(None, refused.reasons)}
        return render_page(request, "governance/round_form.html", context, path=path, status=409)
    messages.success(request, _("The round for %(year)s was created.") % {"year": review_round.year})
    return redirect(_detail_url(review_round))


@login_required
@require_http_methods(["GET", "HEAD"])
def round_detail(request: HttpRequest, year: int) -> HttpResponse:
    """The round's phases with their last days, and the progress of the partnerships: every row for
    the responsible editor, their own for a local editor, none for the resource group."""
    user = request.user
    _viewer_or_404(user)
    review_round = _round_or_404(year)
    may_manage = bool(perms.can_manage_round(user))
    own = selectors.own_partnership(user)
    if may_manage:
        progress = forwarding.round_progress(review_round)
    elif own is not None:
        progress = forwarding.round_progress(review_round, partnership=own)
    else:
        progress = []
    context = {
        "review_round": review_round,
        **_deadline_facts(review_round),
        "timeline": _timeline(review_round),
        "automatic": review_round.state in phases.AUTOMATIC_PHASES,
        "progress": progress,
        "may_manage": may_manage,
        "next_phase": phases.next_phase(review_round.state),
        "collecting": review_round.state == RoundState.COLLECTING,
    }
    return render_page(request, "governance/round_detail.html", context, path=request.path)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def round_edit(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    """The round's last days, meeting date and quorum; what may no longer change is shown disabled."""
    _manager_or_404(request.user)
    review_round = _round_or_404(year)
    path = reverse("governance:round_edit", kwargs={"year": year})
    context = {"review_round": review_round, "editing": True}
    if request.method != "POST":
        form = RoundEditForm(review_round=review_round)
        return render_page(request, "governance/round_form.html", context | {"form": form}, path=path)
    form = RoundEditForm(request.POST, review_round=review_round)
    if not form.is_valid():
        context |= {"form": form, "errors": error_summary(form)}
        return render_page(request, "governance/round_form.html", context, path=path, status=400)
    try:
        phases.round_update(round_id=review_round.pk, by=request.user, **form.cleaned_data)
    except NotPermitted:
        raise Http404 from None
    except phases.RoundRefused as refused:
        context |= {"form": form, "errors": error_summary(None, refused.reasons)}
        return render_page(request, "governance/round_form.html", context, path=path, status=409)
    messages.success(request, _("The round for %(year)s was changed.") % {"year": review_round.year})
    return redirect(_detail_url(review_round))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def round_advance(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    """The confirmation page of the step to the next phase (GET), listing what stands in its way,
    and the step itself (POST)."""
    _manager_or_404(request.user)
    review_round = _round_or_404(year)
    path = reverse("governance:round_advance", kwargs={"year": year})
    reasons: list[str] = []
    status = 200
    if request.method == "POST":
        form = AdvanceForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest()
        try:
            moved = phases.round_advance(
                round_id=review_round.pk, by=request.user, from_state=form.cleaned_data["from_state"]
            )
        except NotPermitted:
            raise Http404 from None
        except phases.RoundRefused as refused:
            reasons, status = refused.reasons, 409
            review_round.refresh_from_db()
        else:
            messages.success(
                request,
                _("The round for %(year)s is now in the phase “%(phase)s”.")
                % {"year": moved.year, "phase": moved.get_state_display()},
            )
            return redirect(_detail_url(moved))
    else:
        reasons = phases.round_blockers(review_round)
    next_state = phases.next_phase(review_round.state)
    context = {
        "review_round": review_round,
        **_deadline_facts(review_round),
        "next_label": phases.phase_label(next_state) if next_state else "",
        "effect": STEP_EFFECTS.get(review_round.state, ""),
        "reasons": reasons,
        "errors": error_summary(None, reasons) if status == 409 else [],
        "form": AdvanceForm(initial={"from_state": review_round.state}),
        "irreversible": review_round.state == RoundState.EDITORIAL,
    }
    return render_page(request, "governance/round_advance.html", context, path=path, status=status)


# --- A partnership's review --------------------------------------------------------------------------


def _partnership_or_404(user, slug: str) -> Partnership | None:
    """The partnership whose page this is (None: the common text, the responsible editor's), if the
    user may forward for it; a 404 otherwise."""
    if slug == phases.COMMON_SLUG:
        if not perms.can_manage_round(user):
            raise Http404
        return None
    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None or not forwarding.may_forward_for(user, partnership):
        raise Http404
    return partnership


def _partnership_page(
    request: HttpRequest,
    review_round: ReviewRound,
    partnership: Partnership | None,
    *,
    bound: dict | None = None,
    errors: list[dict] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The partnership's proposals in the round, each with its forms while the partnerships review.
    `bound` holds forms sent back with errors, keyed by (proposal id, action) or by the action
    ("nothing", "finish"). A constant number of queries whatever the number of proposals."""
    language = current_language()
    bound = bound or {}
    slug = partnership.slug if partnership else phases.COMMON_SLUG
    items = list(forwarding.round_items(review_round, partnership))
    titles = selectors.seen_section_titles([item.proposal for item in items], language)
    review = (
        PartnershipReview.objects.filter(review_round=review_round, partnership=partnership).first()
        if partnership
        else None
    )
    finished = review is not None and review.finished_at is not None
    open_for_work = review_round.state == RoundState.PARTNERSHIP_REVIEW and not finished
    rows = []
    counts = {"forwarded": 0, "declined": 0, "undecided": 0}
    for item in items:
        proposal = item.proposal
        undecided = proposal.state == ProposalState.DEFERRED
        if item.forwarded_at:
            counts["forwarded"] += 1
        elif proposal.state == ProposalState.DECLINED:
            counts["declined"] += 1
        elif undecided:
            counts["undecided"] += 1
        prefix = f"p{proposal.pk}"
        rows.append(
            {
                "item": item,
                "proposal": proposal,
                "pathway_title": proposal.pathway.title(language) if proposal.pathway else "",
                "section_title": titles.get(proposal.pk, proposal.section_slug),
                "hidden": selectors.text_is_hidden(proposal),
                "undecided": undecided,
                # The forms fold away (a plain <details>), unless one of them came back with an error.
                "unfold": (proposal.pk, "forward") in bound or (proposal.pk, "decline") in bound,
                "forward_form": bound.get((proposal.pk, "forward")) or ForwardForm(prefix=f"{prefix}-forward"),
                "decline_form": bound.get((proposal.pk, "decline")) or DeclineForm(prefix=f"{prefix}-decline"),
            }
        )
    context = {
        "review_round": review_round,
        "partnership": partnership,
        "slug": slug,
        "name": partnership.name if partnership else _("The common text"),
        "rows": rows,
        "counts": counts,
        "review": review,
        "finished": finished,
        "open_for_work": open_for_work,
        "in_review_phase": review_round.state == RoundState.PARTNERSHIP_REVIEW,
        "any_forwarded": counts["forwarded"] > 0,
        "nothing_form": bound.get("nothing") or NothingToForwardForm(prefix="nothing"),
        "finish_form": bound.get("finish") or FinishForm(prefix="finish"),
        "errors": errors or [],
        **_deadline_facts(review_round),
    }
    path = _partnership_url(review_round, slug)
    return render_page(request, "governance/round_partnership.html", context, path=path, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def round_partnership(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    partnership = _partnership_or_404(request.user, slug)
    review_round = _round_or_404(year)
    return _partnership_page(request, review_round, partnership)


ITEM_ACTIONS = {"forward": ForwardForm, "decline": DeclineForm}


@login_required
@require_POST
def round_item(request: AuthenticatedHttpRequest, year: int, slug: str, pk: int) -> HttpResponse:
    """Forward or decline one proposal (`action` says which), from the partnership's page."""
    partnership = _partnership_or_404(request.user, slug)
    review_round = _round_or_404(year)
    item = forwarding.round_items(review_round, partnership).filter(proposal_id=pk).first()
    if item is None:
        raise Http404
    action = request.POST.get("action", "")
    if action not in ITEM_ACTIONS:
        return HttpResponseBadRequest()
    form = ITEM_ACTIONS[action](request.POST, prefix=f"p{pk}-{action}")
    if not form.is_valid():
        bound = {(pk, action): form}
        return _partnership_page(
            request, review_round, partnership, bound=bound, errors=error_summary(form), status=400
        )
    service = forwarding.round_forward if action == "forward" else forwarding.round_decline
    try:
        service(item_id=item.pk, by=request.user, comment=form.cleaned_data["comment"])
    except NotPermitted:
        raise Http404 from None
    except phases.RoundRefused as refused:
        errors = error_summary(None, refused.reasons)
        return _partnership_page(
            request, review_round, partnership, bound={(pk, action): form}, errors=errors, status=409
        )
    done = _("Proposal #%(number)s was forwarded.") if action == "forward" else _("Proposal #%(number)s was declined.")
    messages.success(request, done % {"number": pk})
    return redirect(_partnership_url(review_round, slug) + f"#forslag-{pk}")


def _partnership_step(
    request: AuthenticatedHttpRequest, year: int, slug: str, *, name: str, form_class, service
) -> HttpResponse | None:
    """A partnership-wide step (nothing to forward, finished): the page again on error, else None."""
    partnership = _partnership_or_404(request.user, slug)
    review_round = _round_or_404(year)
    if partnership is None:  # the common text has no review to finish: its proposals are decided one by one
        raise Http404
    form = form_class(request.POST, prefix=name)
    if not form.is_valid():
        return _partnership_page(
            request, review_round, partnership, bound={name: form}, errors=error_summary(form), status=400
        )
    arguments = {"comment": form.cleaned_data["comment"]} if "comment" in form.cleaned_data else {}
    try:
        service(review_round=review_round, partnership=partnership, by=request.user, **arguments)
    except NotPermitted:
        raise Http404 from None
    except phases.RoundRefused as refused:
        errors = error_summary(None, refused.reasons)
        return _partnership_page(request, review_round, partnership, bound={name: form}, errors=errors, status=409)
    return None


@login_required
@require_POST
def round_nothing_to_forward(request: AuthenticatedHttpRequest, year: int, slug: str) -> HttpResponse:
    """The partnership forwards nothing this year; its proposals stay held for the next round."""
    answer = _partnership_step(
        request,
        year,
        slug,
        name="nothing",
        form_class=NothingToForwardForm,
        service=forwarding.partnership_nothing_to_forward,
    )
    if answer is not None:
        return answer
    messages.success(request, _("Noted: the partnership has nothing to forward this year."))
    return redirect(_partnership_url(_round_or_404(year), slug))


@login_required
@require_POST
def round_finish(request: AuthenticatedHttpRequest, year: int, slug: str) -> HttpResponse:
    """The partnership has decided every proposal and says its review is finished."""
    answer = _partnership_step(
        request, year, slug, name="finish", form_class=FinishForm, service=forwarding.partnership_finish
    )
    if answer is not None:
        return answer
    messages.success(request, _("The partnership's review is marked as finished."))
    return redirect(_partnership_url(_round_or_404(year), slug))
