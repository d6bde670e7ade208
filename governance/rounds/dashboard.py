"""The figures of a yearly round's overview: its phase and deadline, each partnership's progress,
each pathway's outcomes and decisions, and how many of the proposals in review each seat voted on.

Everything comes from a fixed number of GROUP BY queries and `governance.rounds.tally.round_tallies`, so
the overview costs the same number of queries whatever the number of proposals, partnerships and
seats (the tests hold it to that at two sizes, and bench/round_dashboard.py at 100 and 2,000
proposals). Never add a query per row here: add a column to one of the aggregates instead.

What the words mean here:

- *in the round*: the proposal has a `RoundItem` in this round;
- *forwarded*: its partnership sent it on (`RoundItem.forwarded_at` is set), so it went, or goes, to
  the resource group: these are the proposals *in review* that seats vote on;
- *declined*: its partnership declined it (the proposal is in state `declined`, never forwarded);
- *not yet handled*: neither of the two;
- a seat *voted on* a proposal when it has a `Vote` row for it, whatever the choice (an abstention
  and a recusal are answers too).
"""

import datetime
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import (
    Constituency,
    Decision,
    PartnershipReview,
    ProposalState,
    Recommendation,
    ReviewRound,
    RoundItem,
    Seat,
    Vote,
)
from governance.rounds.tally import round_tallies
from pathways.models import Partnership, Pathway

UNDECIDED = ""  # the key of the proposals in review without a decision yet


@dataclass(frozen=True)
class Phase:
    state: str
    label: str
    deadline: datetime.date | None  # the phase's last day (Europe/Oslo); None when it has none
    days_left: int | None  # 0 on the last day, negative once it has passed

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


def round_phase(review_round: ReviewRound, *, today: datetime.date | None = None) -> Phase:
    """The round's phase and the days left to its deadline, counted in Europe/Oslo days: a phase
    whose last day is today has 0 days left, and it ends when that day does."""
    deadline = review_round.deadline()
    today = today or timezone.localdate()
    return Phase(
        state=review_round.state,
        label=review_round.get_state_display(),
        deadline=deadline,
        days_left=(deadline - today).days if deadline else None,
    )


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to share (no proposals in review yet)."""
    return part / whole if whole else None


@dataclass
class PartnershipFigures:
    partnership_id: int | None  # None: proposals that belong to no partnership (the common text)
    name: str
    slug: str = ""
    proposals: int = 0
    forwarded: int = 0
    declined: int = 0
    finished: bool = False
    nothing_to_forward: bool = False
    seats: int = 0
    votes: int = 0

    @property
    def not_handled(self) -> int:
        return self.proposals - self.forwarded - self.declined


@dataclass
class PathwayFigures:
    pathway_id: int | None  # None: proposals sent from a page that is not known
    title: str
    slug: str = ""
    proposals: int = 0
    in_review: int = 0
    outcomes: Counter = field(default_factory=Counter)  # Recommendation value -> proposals in review
    decisions: Counter = field(default_factory=Counter)  # Decision value (UNDECIDED too) -> proposals


@dataclass
class SeatFigures:
    seat_id: int
    partnership_id: int
    partnership_name: str
    constituency: str
    constituency_label: str
    votes: int
    share: float | None


@dataclass
class ConstituencyFigures:
    constituency: str
    label: str
    seats: int
    votes: int
    possible: int  # seats × proposals in review

    @property
    def share(self) -> float | None:
        return share(self.votes, self.possible)


@dataclass
class RoundOverview:
    review_round: ReviewRound
    phase: Phase
    partnerships: list[PartnershipFigures]
    pathways: list[PathwayFigures]
    seats: list[SeatFigures]
    constituencies: list[ConstituencyFigures]
    in_review: int  # proposals forwarded to the resource group

    @property
    def proposals(self) -> int:
        return sum(row.proposals for row in self.partnerships)

    @property
    def forwarded(self) -> int:
        return sum(row.forwarded for row in self.partnerships)

    @property
    def declined(self) -> int:
        return sum(row.declined for row in self.partnerships)

    @property
    def not_handled(self) -> int:
        return sum(row.not_handled for row in self.partnerships)

    @property
    def votes(self) -> int:
        return sum(row.votes for row in self.seats)

    @property
    def participation(self) -> float | None:
        return share(self.votes, len(self.seats) * self.in_review)

    @property
    def outcomes(self) -> Counter:
        return sum((row.outcomes for row in self.pathways), Counter())

    @property
    def decisions(self) -> Counter:
        return sum((row.decisions for row in self.pathways), Counter())


FORWARDED = Q(forwarded_at__isnull=False)
DECLINED = Q(forwarded_at__isnull=True, proposal__state=ProposalState.DECLINED)


def _partnership_figures(review_round: ReviewRound) -> dict[int | None, PartnershipFigures]:
    """Every partnership (the 19 take part in every round, also those with nothing to show yet),
    with its proposals counted in one GROUP BY and its review in one more query."""
    rows: dict[int | None, PartnershipFigures] = {
        pk: PartnershipFigures(partnership_id=pk, name=name, slug=slug)
        for pk, name, slug in Partnership.objects.order_by("name").values_list("pk", "name", "slug")
    }
    counts = (
        RoundItem.objects.filter(review_round=review_round)
        .order_by()
        .values("proposal__partnership_id")
        .annotate(total=Count("*"), forwarded=Count("pk", filter=FORWARDED), declined=Count("pk", filter=DECLINED))
    )
    for count in counts:
        pk = count["proposal__partnership_id"]
        if pk not in rows:  # None: the common text's own proposals, listed last
            rows[pk] = PartnershipFigures(partnership_id=pk, name=_("No partnership"))
        rows[pk].proposals, rows[pk].forwarded, rows[pk].declined = (
            count["total"],
            count["forwarded"],
            count["declined"],
        )
    reviews = PartnershipReview.objects.filter(review_round=review_round).values_list(
        "partnership_id", "finished_at", "nothing_to_forward"
    )
    for pk, finished_at, nothing_to_forward in reviews:
        if pk in rows:
            rows[pk].finished = finished_at is not None
            rows[pk].nothing_to_forward = nothing_to_forward
    return rows


def _seat_figures(
    review_round: ReviewRound, partnerships: dict[int | None, PartnershipFigures], in_review: int
) -> list[SeatFigures]:
    """Each seat with its votes on the proposals in review: the seats in one query, their votes
    counted in one GROUP BY."""
    votes = dict(
        Vote.objects.filter(
            seat__review_round=review_round,
            proposal__round_items__review_round=review_round,
            proposal__round_items__forwarded_at__isnull=False,
        )
        .order_by()
        .values_list("seat_id")
        .annotate(n=Count("*"))
        .values_list("seat_id", "n")
    )
    labels = dict(Constituency.choices)
    seats = []
    for pk, partnership_id, constituency in (
        Seat.objects.filter(review_round=review_round)
        .order_by("partnership__name", "constituency")
        .values_list("pk", "partnership_id", "constituency")
    ):
        partnership = partnerships[partnership_id]
        cast = votes.get(pk, 0)
        partnership.seats += 1
        partnership.votes += cast
        seats.append(
            SeatFigures(
                seat_id=pk,
                partnership_id=partnership_id,
                partnership_name=partnership.name,
                constituency=constituency,
                constituency_label=str(labels.get(constituency, constituency)),
                votes=cast,
                share=share(cast, in_review),
            )
        )
    return seats


def _pathway_figures(review_round: ReviewRound, language: str) -> list[PathwayFigures]:
    """Per pathway: the proposals in the round and in review, the decisions (one GROUP BY), and the
    resource group's outcome of each proposal in review (`round_tallies`, two queries)."""
    decision_counts = {value: Count("pk", filter=Q(decision=value)) for value in Decision.values} | {
        UNDECIDED: Count("pk", filter=FORWARDED & Q(decision=""))
    }
    # The decision counts are named at run time, so the rows are plain mappings to the type checker.
    counts: list[Mapping[str, Any]] = list(
        RoundItem.objects.filter(review_round=review_round)
        .order_by()
        .values("proposal__pathway_id")
        .annotate(
            total=Count("*"),
            in_review=Count("pk", filter=FORWARDED),
            **{f"decision_{value or 'none'}": count for value, count in decision_counts.items()},
        )
    )
    rows: dict[int | None, PathwayFigures] = {}
    titles = {
        pathway.pk: pathway
        # All of them (there are eight at most): a filter on the ids would skip the query when
        # there are none, and the count of queries would depend on the round's content.
        for pathway in Pathway.objects.only("pk", "slug", "position", "title_nb", "title_nn")
    }
    for count in counts:
        pk = count["proposal__pathway_id"]
        pathway = titles.get(pk)
        row = PathwayFigures(
            pathway_id=pk,
            title=pathway.title(language) if pathway else _("Page not known"),
            slug=pathway.slug if pathway else "",
            proposals=count["total"],
            in_review=count["in_review"],
        )
        for value in decision_counts:
            row.decisions[value] = count[f"decision_{value or 'none'}"]
        rows[pk] = row

    in_review = dict(
        RoundItem.objects.filter(review_round=review_round)
        .filter(FORWARDED)
        .values_list("proposal_id", "proposal__pathway_id")
    )
    for proposal_id, tally in round_tallies(review_round, proposal_ids=list(in_review)).items():
        rows[in_review[proposal_id]].outcomes[tally.outcome(review_round)] += 1
    for row in rows.values():
        for value in Recommendation.values:
            row.outcomes.setdefault(value, 0)
    # The pathways in their usual order, the unknown page last.
    order: dict[int | None, tuple[int, str]] = {pk: (pathway.position, pathway.slug) for pk, pathway in titles.items()}
    return sorted(rows.values(), key=lambda row: (row.pathway_id is None, order.get(row.pathway_id, (0, ""))))


def round_overview(review_round: ReviewRound, *, language: str, today: datetime.date | None = None) -> RoundOverview:
    """All the figures of the overview page, in a constant number of queries (ten)."""
    partnerships = _partnership_figures(review_round)
    pathways = _pathway_figures(review_round, language)
    in_review = sum(row.in_review for row in pathways)
    seats = _seat_figures(review_round, partnerships, in_review)
    constituencies = []
    for value, label in Constituency.choices:
        mine = [seat for seat in seats if seat.constituency == value]
        constituencies.append(
            ConstituencyFigures(
                constituency=value,
                label=str(label),
                seats=len(mine),
                votes=sum(seat.votes for seat in mine),
                possible=len(mine) * in_review,
            )
        )
    return RoundOverview(
        review_round=review_round,
        phase=round_phase(review_round, today=today),
        partnerships=list(partnerships.values()),
        pathways=pathways,
        seats=seats,
        constituencies=constituencies,
        in_review=in_review,
    )
