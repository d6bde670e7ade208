"""The responsible editor's pages at the end of the yearly round: the proposals to decide, one
proposal's decision, and the release of the yearly revision. Anyone else gets a 404. Plain forms,
no JavaScript.

Each view fetches the round through `_round_or_404`, validates a form and calls a service:
`decisions.decision_record`, or `phases.round_advance` for the release (which publishes through
`release.release_publish` inside its own transaction). A refusal shows the page again with the
reasons and status 409.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from governance import permissions as perms
from governance.models import Decision, Recommendation, ReviewRound, RoundItem, RoundState, VoteChoice
from governance.permissions import AuthenticatedHttpRequest
from governance.proposals.services import NotPermitted
from governance.rounds import decisions, meeting, phases, release
from governance.rounds.forms import DecisionForm, ReleaseForm
from governance.rounds.tally import round_tallies
from pathways.forms import error_summary
from pathways.models import Version, VersionKind
from pathways.views import current_language, render_page

logger = logging.getLogger(__name__)


def _round_or_404(request: HttpRequest, year: int) -> ReviewRound:
    """The round, for the responsible editor alone: to anyone else it does not exist."""
    if not perms.can_decide(request.user):
        logger.warning("round decisions access denied: user=%s year=%s", request.user.pk, year)
        raise Http404
    return get_object_or_404(ReviewRound, year=year)


def _decisions_url(review_round: ReviewRound) -> str:
    return reverse("governance:round_decisions", kwargs={"year": review_round.year})


def _phase_refusal(review_round: ReviewRound) -> str:
    return _("Decisions are taken in the phase “%(editorial)s”; the round is now in “%(phase)s”.") % {
        "editorial": RoundState.EDITORIAL.label,
        "phase": review_round.get_state_display(),
    }


def _not_decidable(item: RoundItem) -> str:
    return _("Proposal #%(number)s cannot be decided now: it is “%(state)s”.") % {
        "number": item.proposal_id,
        "state": item.proposal.get_state_display(),
    }


# --- The list -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def round_decisions(request: HttpRequest, year: int) -> HttpResponse:
    review_round = _round_or_404(request, year)
    language = current_language()
    items = list(decisions.decision_items(review_round).select_related("proposal__pathway", "proposal__partnership"))
    tallies = round_tallies(review_round, [item.proposal_id for item in items])
    rows = []
    for item in items:
        item.review_round = review_round
        recommendation = decisions.item_recommendation(item, tallies[item.proposal_id])
        rows.append(
            {
                "item": item,
                "pathway_title": item.proposal.pathway.title(language) if item.proposal.pathway else "",
                "recommendation": recommendation,
                "recommendation_label": Recommendation(recommendation).label,
                "departs": bool(item.decision) and decisions.departs_from_recommendation(item.decision, recommendation),
                "decidable": decisions.is_decidable(item),
                "needs_lines": item.decision in decisions.ACCEPTED_DECISIONS
                and not (item.change_summary_nb.strip() and item.change_summary_nn.strip()),
            }
        )
    return render_page(
        request,
        "governance/decision_list.html",
        {
            "review_round": review_round,
            "rows": rows,
            "is_editorial": review_round.state == RoundState.EDITORIAL,
            "phase_refusal": "" if review_round.state == RoundState.EDITORIAL else _phase_refusal(review_round),
        },
    )


# --- One decision ---------------------------------------------------------------------------------


def _decision_form(item: RoundItem, recommendation: str, language: str, data=None) -> DecisionForm:
    proposal = item.proposal
    sections = decisions.decision_sections(proposal)
    # Until decided, the section the proposal is about is the likely one the change touches.
    own = sections.filter(slug=proposal.section_slug) if proposal.pathway_id else sections.none()
    initial: dict[str, object] = {"changed_sections": list(own.values_list("pk", flat=True))}
    if item.decision:
        initial = {
            "decision": item.decision,
            "rationale": item.rationale,
            "against_recommendation_confirmed": decisions.departs_from_recommendation(item.decision, recommendation),
            "changed_sections": [section.pk for section in item.changed_sections.all()],
            "change_summary_nb": item.change_summary_nb,
            "change_summary_nn": item.change_summary_nn,
        }
    return DecisionForm(
        data,
        initial=initial,
        recommendation=recommendation,
        sections=sections,
        language=language,
        show_pathway=proposal.pathway_id is None,
    )


def _decision_page(
    request: HttpRequest,
    review_round: ReviewRound,
    item: RoundItem,
    *,
    form: DecisionForm | None = None,
    reasons=(),
    status: int = 200,
) -> HttpResponse:
    language = current_language()
    proposal = item.proposal
    tally = round_tallies(review_round, [proposal.pk])[proposal.pk]
    recommendation = decisions.item_recommendation(item, tally)
    editorial = review_round.state == RoundState.EDITORIAL
    decidable = editorial and decisions.is_decidable(item)
    if form is None and decidable:
        form = _decision_form(item, recommendation, language)
    section = None
    if proposal.section_slug and proposal.pathway is not None:
        section = proposal.pathway.sections.filter(slug=proposal.section_slug).first()
    refusal = ""
    if not editorial:
        refusal = _phase_refusal(review_round)
    elif not decidable:
        refusal = _not_decidable(item)
    return render_page(
        request,
        "governance/decision_form.html",
        {
            "review_round": review_round,
            "item": item,
            "proposal": proposal,
            "pathway_title": proposal.pathway.title(language) if proposal.pathway else "",
            "section": section,
            "section_title": section.title(language) if section else proposal.section_slug,
            "recommendation": recommendation,
            "recommendation_label": Recommendation(recommendation).label,
            "tally": {
                "in_favour": tally.in_favour,
                "against": tally.against,
                "abstained": tally.count(VoteChoice.ABSTAIN),
                "recused": tally.recused,
                "eligible": tally.eligible,
                "quorum": tally.has_quorum(review_round),
            },
            "vote_comments": meeting.vote_comments(review_round, [proposal.pk]).get(proposal.pk, []),
            "form": form if decidable else None,
            "refusal": refusal,
            "errors": error_summary(form if form is not None and form.is_bound else None, reasons),
        },
        status=status,
    )


def _item_or_404(review_round: ReviewRound, item_id: int) -> RoundItem:
    item = get_object_or_404(
        RoundItem.objects.select_related("proposal__pathway__current_version", "proposal__partnership", "decided_by"),
        pk=item_id,
        review_round=review_round,
    )
    item.review_round = review_round
    return item


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def round_decide(request: AuthenticatedHttpRequest, year: int, item_id: int) -> HttpResponse:
    """GET shows the proposal, the resource group's advice and the form; POST records the decision."""
    review_round = _round_or_404(request, year)
    item = _item_or_404(review_round, item_id)
    if request.method != "POST":
        return _decision_page(request, review_round, item)
    if review_round.state != RoundState.EDITORIAL or not decisions.is_decidable(item):
        refusal = _phase_refusal(review_round) if review_round.state != RoundState.EDITORIAL else _not_decidable(item)
        return _decision_page(request, review_round, item, reasons=[refusal], status=409)
    recommendation = decisions.item_recommendation(item)
    form = _decision_form(item, recommendation, current_language(), request.POST)
    if not form.is_valid():
        return _decision_page(request, review_round, item, form=form, status=400)
    cleaned = form.cleaned_data
    try:
        decisions.decision_record(
            item_id=item.pk,
            by=request.user,
            decision=cleaned["decision"],
            rationale=cleaned["rationale"],
            changed_section_ids=[section.pk for section in cleaned["changed_sections"]],
            change_summary_nb=cleaned["change_summary_nb"],
            change_summary_nn=cleaned["change_summary_nn"],
            against_recommendation_confirmed=cleaned.get("against_recommendation_confirmed", False),
        )
    except NotPermitted:
        raise Http404 from None
    except decisions.DecisionRefused as refused:
        # Fetched again: the round or the proposal may have moved on since this page was read.
        review_round = get_object_or_404(ReviewRound, pk=review_round.pk)
        item = _item_or_404(review_round, item_id)
        return _decision_page(request, review_round, item, form=form, reasons=refused.reasons, status=409)
    messages.success(
        request,
        _("Proposal #%(number)s: the decision “%(decision)s” is recorded.")
        % {"number": item.proposal_id, "decision": Decision(cleaned["decision"]).label},
    )
    return redirect(_decisions_url(review_round))


# --- The release ----------------------------------------------------------------------------------


def _release_page(
    request: HttpRequest, review_round: ReviewRound, *, form: ReleaseForm | None = None, reasons=(), status: int = 200
) -> HttpResponse:
    language = current_language()
    editorial = review_round.state == RoundState.EDITORIAL
    plan = release.release_plan(review_round) if editorial else []
    blockers = release.release_blockers(review_round) if editorial else []
    form = form or ReleaseForm()
    return render_page(
        request,
        "governance/release_confirm.html",
        {
            "review_round": review_round,
            "editorial": editorial,
            "phase_refusal": "" if editorial else _phase_refusal(review_round),
            "plan": [
                {
                    "pathway": entry.pathway,
                    "title": entry.pathway.title(language),
                    "sections": [section.title(language) for section in entry.changed_sections],
                    "items": entry.items,
                }
                for entry in plan
            ],
            "blockers": blockers,
            "form": form,
            "errors": error_summary(form if form.is_bound else None, reasons),
        },
        status=status,
    )


def _released_url(review_round: ReviewRound) -> str:
    return reverse("governance:round_released", kwargs={"year": review_round.year})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def round_release(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    """GET shows what the release publishes and what still blocks it; POST, confirmed, moves the
    round to `released` through `governance.rounds.phases.round_advance`, which publishes."""
    review_round = _round_or_404(request, year)
    if review_round.state in (RoundState.RELEASED, RoundState.CLOSED):
        # Also a second click on the button: the first one released the round.
        if request.method == "POST":
            messages.info(request, _("The round %(year)s has already been released.") % {"year": review_round.year})
        return redirect(_released_url(review_round))
    if request.method != "POST":
        return _release_page(request, review_round)
    form = ReleaseForm(request.POST)
    if review_round.state != RoundState.EDITORIAL:
        return _release_page(request, review_round, form=form, status=409)
    if not form.is_valid():
        return _release_page(request, review_round, form=form, status=400)
    try:
        # The round's lifecycle moves it to released and, in the same transaction, publishes
        # through release.release_publish. `from_state`: a second click, or another editor who
        # released meanwhile, is refused rather than moving the round on again.
        phases.round_advance(round_id=review_round.pk, by=request.user, from_state=RoundState.EDITORIAL)
    except NotPermitted:
        raise Http404 from None
    except (phases.RoundRefused, release.ReleaseRefused) as refused:
        review_round = get_object_or_404(ReviewRound, pk=review_round.pk)
        if review_round.state in (RoundState.RELEASED, RoundState.CLOSED):
            messages.info(request, _("The round %(year)s has already been released.") % {"year": review_round.year})
            return redirect(_released_url(review_round))
        return _release_page(request, review_round, form=form, reasons=refused.reasons, status=409)
    messages.success(request, _("The revision %(year)s is published.") % {"year": review_round.year})
    return redirect(_released_url(review_round))


@login_required
@require_http_methods(["GET", "HEAD"])
def round_released(request: HttpRequest, year: int) -> HttpResponse:
    """The versions the release published, with links to them and to their changelogs."""
    review_round = _round_or_404(request, year)
    if review_round.state not in (RoundState.RELEASED, RoundState.CLOSED):
        return redirect(reverse("governance:round_release", kwargs={"year": review_round.year}))
    language = current_language()
    versions = Version.objects.filter(year=review_round.year, correction=0, kind=VersionKind.REVISION).select_related(
        "pathway"
    )
    published = review_round.items.filter(decision__in=decisions.ACCEPTED_DECISIONS).count()
    return render_page(
        request,
        "governance/release_done.html",
        {
            "review_round": review_round,
            "versions": [(version, version.pathway.title(language), version.summary(language)) for version in versions],
            "published_count": published,
        },
    )
