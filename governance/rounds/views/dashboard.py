"""The yearly round's overview: the dashboard with its charts, the decisions as CSV and XLSX, and
the deadlines as an iCalendar feed (for a logged-in user, and at a personal signed URL that a
calendar app can subscribe to without logging in).

Who sees what: the dashboard and the calendar, everyone taking part in the round
(`permissions.can_view_round`: the responsible editor, local editors, the resource group's members
and the advisers); the decisions, the responsible editor alone (`permissions.can_manage_round`).
Anyone else gets a 404, never a 403.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from governance import permissions as perms
from governance.models import Decision, Recommendation, ReviewRound
from governance.rounds import exports
from governance.rounds.charts import bar_chart, percent
from governance.rounds.dashboard import UNDECIDED, RoundOverview, round_overview
from pathways.views import current_language, render_page

logger = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _round_or_404(user, year: int, predicate) -> ReviewRound:
    """The round of `year` if the rules predicate holds for (user, round); a 404 otherwise, logged.
    `test` passes each predicate only the arguments it takes (`can_view_round` takes the user only)."""
    review_round = ReviewRound.objects.filter(year=year).first()
    if review_round is None or not predicate.test(user, review_round):
        logger.warning("round access denied: user=%s year=%s", getattr(user, "pk", None), year)
        raise Http404
    return review_round


def _charts(overview: RoundOverview) -> dict:
    outcome_labels = dict(Recommendation.choices)
    decision_labels = dict(Decision.choices) | {UNDECIDED: _("not decided yet")}
    outcomes, decisions = overview.outcomes, overview.decisions
    return {
        "partnerships": bar_chart(
            chart_id="chart-partnerships",
            title=_("Proposals in the round per partnership"),
            rows=[(row.name, row.proposals) for row in overview.partnerships],
            label_heading=_("Partnership"),
            value_heading=_("Proposals"),
            table_id="table-partnerships",
        ),
        "outcomes": bar_chart(
            chart_id="chart-outcomes",
            title=_("The resource group's outcome for the proposals in review"),
            rows=[(str(outcome_labels[value]).capitalize(), outcomes[value]) for value in Recommendation.values],
            label_heading=_("Outcome"),
            value_heading=_("Proposals"),
            table_id="table-pathways",
        ),
        "decisions": bar_chart(
            chart_id="chart-decisions",
            title=_("The editor's decisions on the proposals in review"),
            rows=[
                (str(decision_labels[value]).capitalize(), decisions[value]) for value in [*Decision.values, UNDECIDED]
            ],
            label_heading=_("Decision"),
            value_heading=_("Proposals"),
            table_id="table-pathways",
        ),
        "constituencies": bar_chart(
            chart_id="chart-constituencies",
            title=_("Participation per constituency"),
            rows=[(str(row.label).capitalize(), row.share) for row in overview.constituencies],
            label_heading=_("Constituency"),
            value_heading=_("Share of possible votes"),
            as_percent=True,
            table_id="table-constituencies",
        ),
        "seats": bar_chart(
            chart_id="chart-seats",
            title=_("Participation per seat"),
            rows=[(f"{seat.partnership_name}, {seat.constituency_label}", seat.share) for seat in overview.seats],
            label_heading=_("Seat"),
            value_heading=_("Share of the proposals in review voted on"),
            as_percent=True,
            table_id="table-seats",
        ),
    }


def _pathway_columns() -> list[tuple[str, str, str]]:
    """(key, which counter, value) of the outcome and decision columns of the pathway table."""
    return [(f"outcome-{value}", "outcomes", value) for value in Recommendation.values] + [
        (f"decision-{value or 'none'}", "decisions", value) for value in [*Decision.values, UNDECIDED]
    ]


def _tables(overview: RoundOverview) -> dict:
    """The table rows the template cannot work out itself: counters read by key, shares as text."""
    outcome_labels = dict(Recommendation.choices)
    decision_labels = dict(Decision.choices) | {UNDECIDED: _("not decided yet")}
    columns = _pathway_columns()
    headings = [
        (
            key,
            _("Outcome: %(label)s") % {"label": outcome_labels[value]}
            if counter == "outcomes"
            else _("Decision: %(label)s") % {"label": decision_labels[value]},
        )
        for key, counter, value in columns
    ]
    totals = {"outcomes": overview.outcomes, "decisions": overview.decisions}
    return {
        "pathway_headings": headings,
        "pathway_columns": 3 + len(columns),
        "pathway_rows": [
            {"row": row, "figures": [(key, getattr(row, counter)[value]) for key, counter, value in columns]}
            for row in overview.pathways
        ],
        "pathway_totals": [(key, totals[counter][value]) for key, counter, value in columns],
        "constituency_rows": [{"row": row, "share": percent(row.share)} for row in overview.constituencies],
        "seat_rows": [{"row": seat, "share": percent(seat.share)} for seat in overview.seats],
    }


@login_required
@require_GET
def round_dashboard(request: HttpRequest, year: int) -> HttpResponse:
    review_round = _round_or_404(request.user, year, perms.can_view_round)
    language = current_language()
    overview = round_overview(review_round, language=language)
    feed_path = reverse(
        "governance:round_calendar_token", kwargs={"year": year, "token": exports.calendar_token(request.user)}
    )
    return render_page(
        request,
        "governance/dashboard.html",
        {
            "review_round": review_round,
            "overview": overview,
            "phase": overview.phase,
            "charts": _charts(overview),
            **_tables(overview),
            "participation": percent(overview.participation),
            "may_export": perms.can_manage_round.test(request.user),
            "feed_url": settings.SITE_URL + feed_path,
        },
    )


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def round_export_csv(request: HttpRequest, year: int) -> HttpResponse:
    review_round = _round_or_404(request.user, year, perms.can_manage_round)
    response = HttpResponse(exports.decisions_csv(review_round), content_type="text/csv; charset=utf-8")
    return _attachment(response, f"vedtak-{year}.csv")


@login_required
@require_GET
def round_export_xlsx(request: HttpRequest, year: int) -> HttpResponse:
    review_round = _round_or_404(request.user, year, perms.can_manage_round)
    return _attachment(
        HttpResponse(exports.decisions_xlsx(review_round), content_type=XLSX_TYPE), f"vedtak-{year}.xlsx"
    )


def _calendar_response(review_round: ReviewRound) -> HttpResponse:
    response = HttpResponse(
        exports.round_calendar(review_round, language=current_language()), content_type="text/calendar; charset=utf-8"
    )
    # The deadlines of one person's rounds: no shared cache keeps them.
    response["Cache-Control"] = "private, max-age=300"
    return _attachment(response, f"frister-{review_round.year}.ics")


@login_required
@require_GET
def round_calendar(request: HttpRequest, year: int) -> HttpResponse:
    return _calendar_response(_round_or_404(request.user, year, perms.can_view_round))


@require_GET
def round_calendar_token(request: HttpRequest, year: int, token: str) -> HttpResponse:
    """The same feed at the user's own signed URL, for calendar apps, which cannot log in. The user
    must still be active and take part in the round; a token that is not one of ours is a 404."""
    user_id = exports.calendar_token_user_id(token)
    user = (
        get_user_model().objects.select_related("profile").filter(pk=user_id, is_active=True).first()
        if user_id
        else None
    )
    if user is None:
        logger.warning("calendar token refused: year=%s", year)
        raise Http404
    return _calendar_response(_round_or_404(user, year, perms.can_view_round))
