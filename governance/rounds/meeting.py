"""What the resource group reads: the proposals of a round as the voting page, the meeting pack and
the minutes show them, and the meeting pack as a PDF.

`round_entries` gathers everything about the proposals given in a fixed number of queries (the
current text of each section, the comments, the tally), so these pages cost the same for three
proposals as for three hundred.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from governance.models import (
    ChangeProposal,
    Constituency,
    ProposalState,
    Recommendation,
    ReviewComment,
    ReviewRound,
    RoundItem,
    Vote,
    VoteChoice,
)
from governance.proposals.selectors import suggestion_chunks, text_is_hidden
from governance.rounds.tally import Tally, round_tallies
from pathways.diffing import Chunk
from pathways.models import VersionSection

# The proposals the resource group has been sent: forwarded to it, in its review, recommended or
# not, or decided by the editor afterwards.
SENT_TO_THE_GROUP = [
    ProposalState.FORWARDED,
    ProposalState.IN_REVIEW,
    ProposalState.RECOMMENDED,
    ProposalState.NOT_RECOMMENDED,
]


def agenda_items(review_round: ReviewRound) -> QuerySet[RoundItem]:
    """The round's items on the meeting's agenda, in pathway order (`round_entries` puts each
    pathway's in the order of its sections). Items the editor has decided stay on it, for the
    minutes."""
    return (
        RoundItem.objects.filter(review_round=review_round)
        .filter(Q(proposal__state__in=SENT_TO_THE_GROUP) | ~Q(decision=""))
        .select_related("proposal__pathway", "proposal__partnership")
        .order_by(
            F("proposal__pathway__position").asc(nulls_last=True),
            "proposal__pathway__slug",
            "proposal__section_slug",
            "proposal__created_at",
            "proposal_id",
        )
    )


@dataclass
class TallyRow:
    """One constituency's (or the total's) line of the tally."""

    label: str
    seats: int
    in_favour: int
    with_changes: int
    against: int
    abstained: int
    recused: int

    @property
    def voted(self) -> int:
        return self.in_favour + self.against + self.abstained


def tally_rows(tally: Tally) -> list[TallyRow]:
    """The tally per constituency, and the total, for the tables of the pages."""
    rows = []
    for constituency, label in [*Constituency.choices, (None, _("Total"))]:
        seats = tally.seats.get(constituency, 0) if constituency else sum(tally.seats.values())
        rows.append(
            TallyRow(
                label=capfirst(str(label)),
                seats=seats,
                in_favour=tally.count(VoteChoice.RECOMMEND, constituency)
                + tally.count(VoteChoice.RECOMMEND_WITH_CHANGES, constituency),
                with_changes=tally.count(VoteChoice.RECOMMEND_WITH_CHANGES, constituency),
                against=tally.count(VoteChoice.NOT_RECOMMEND, constituency),
                abstained=tally.count(VoteChoice.ABSTAIN, constituency),
                recused=tally.count(VoteChoice.RECUSED, constituency),
            )
        )
    return rows


@dataclass
class VoteComment:
    """A seat's comment on its vote ("recommend with changes" needs one): the resource group's
    advice to the editor, shown wherever the tally is."""

    seat: str  # "Hospital trust seat, Helse Fonna"
    constituency: str  # Constituency value
    choice: str  # VoteChoice value
    text: str

    @property
    def choice_label(self) -> str:
        return capfirst(str(VoteChoice(self.choice).label))


def vote_comments(review_round: ReviewRound, proposal_ids) -> dict[int, list[VoteComment]]:
    """The comments given with the votes on each proposal, by proposal id, in the order of the
    seats (partnership, then constituency): one query."""
    found: dict[int, list[VoteComment]] = defaultdict(list)
    votes = (
        Vote.objects.filter(seat__review_round=review_round, proposal_id__in=list(proposal_ids))
        .exclude(comment="")
        .select_related("seat__partnership")
        .order_by("proposal_id", "seat__partnership__name", "seat__constituency")
    )
    for vote in votes:
        place = {"constituency": vote.seat.get_constituency_display(), "partnership": vote.seat.partnership.name}
        found[vote.proposal_id].append(
            VoteComment(
                seat=capfirst(_("%(constituency)s seat, %(partnership)s") % place),
                constituency=vote.seat.constituency,
                choice=vote.choice,
                text=vote.comment,
            )
        )
    return found


@dataclass
class Entry:
    """One proposal on a page: numbered as on the agenda."""

    number: int
    item: RoundItem
    proposal: ChangeProposal
    pathway_title: str
    section_title: str
    current_html: str
    chunks: list[Chunk] | None
    hidden: bool
    tally: Tally
    tally_rows: list[TallyRow]
    has_quorum: bool
    outcome: str  # Recommendation: by the votes
    comments: list[ReviewComment] = field(default_factory=list)
    vote_comments: list[VoteComment] = field(default_factory=list)

    @property
    def outcome_label(self) -> str:
        return str(Recommendation(self.outcome).label)

    @property
    def recorded_label(self) -> str:
        recorded = self.item.meeting_recommendation
        return str(Recommendation(recorded).label) if recorded else ""


def _current_sections(proposals: list[ChangeProposal]) -> dict[int, VersionSection]:
    """Each proposal's section in its pathway's current published version, by proposal id: one query."""
    wanted = {
        proposal.pk: (proposal.pathway.current_version_id, proposal.section_slug)
        for proposal in proposals
        if proposal.pathway is not None and proposal.pathway.current_version_id and proposal.section_slug
    }
    if not wanted:
        return {}
    pairs = Q()
    for version_id, slug in set(wanted.values()):
        pairs |= Q(version_id=version_id, slug=slug)
    found = {(section.version_id, section.slug): section for section in VersionSection.objects.filter(pairs)}
    return {pk: found[key] for pk, key in wanted.items() if key in found}


def round_entries(
    review_round: ReviewRound, items: list[RoundItem], *, language: str, comments: bool = True
) -> list[Entry]:
    """The entries of `items` (from `agenda_items`), in the order of the pathways and, within each,
    of the sections on the page, then by age; numbered in that order. Five queries, or four without
    the comments, whatever their number (the comments given with the votes always come: they are
    part of the tally)."""
    proposals = [item.proposal for item in items]
    sections = _current_sections(proposals)
    last = float("inf")

    def page_order(item: RoundItem) -> tuple:
        pathway, section = item.proposal.pathway, sections.get(item.proposal_id)
        return (
            pathway.position if pathway else last,
            pathway.slug if pathway else "",
            section.position if section else last,
            item.proposal.created_at,
            item.proposal_id,
        )

    items = sorted(items, key=page_order)
    tallies = round_tallies(review_round, proposal_ids=[proposal.pk for proposal in proposals])
    advice = vote_comments(review_round, [proposal.pk for proposal in proposals]) if items else {}
    by_item: dict[int, list[ReviewComment]] = defaultdict(list)
    if comments and items:
        for comment in (
            ReviewComment.objects.filter(item__in=[item.pk for item in items])
            .select_related("author__profile__partnership")
            .order_by("created_at", "pk")
        ):
            by_item[comment.item_id].append(comment)
    entries = []
    for number, item in enumerate(items, start=1):
        proposal = item.proposal
        section = sections.get(proposal.pk)
        tally = tallies[proposal.pk]
        entries.append(
            Entry(
                number=number,
                item=item,
                proposal=proposal,
                pathway_title=proposal.pathway.title(language) if proposal.pathway else _("No pathway given"),
                section_title=section.title(language) if section else proposal.section_slug,
                # In the proposal's written standard: the suggestion is compared with this text.
                current_html=section.html(proposal.language) if section else "",
                chunks=suggestion_chunks(proposal, section),
                hidden=text_is_hidden(proposal),
                tally=tally,
                tally_rows=tally_rows(tally),
                has_quorum=tally.has_quorum(review_round),
                outcome=tally.outcome(review_round),
                comments=by_item.get(item.pk, []),
                vote_comments=advice.get(proposal.pk, []),
            )
        )
    return entries


def by_pathway(entries: list[Entry]) -> list[tuple[str, list[Entry]]]:
    """The entries in groups of one pathway each, in the order given."""
    groups: list[tuple[str, list[Entry]]] = []
    for entry in entries:
        if not groups or groups[-1][0] != entry.pathway_title:
            groups.append((entry.pathway_title, []))
        groups[-1][1].append(entry)
    return groups


def commenter(comment: ReviewComment, seats_by_user: dict[int, str]) -> str:
    """Who wrote a comment, as the pages show it: the name, and the seat or the role."""
    author = comment.author
    name = author.get_full_name() or author.get_username()
    role = seats_by_user.get(author.pk)
    if role is None:
        profile = getattr(author, "profile", None)
        role = profile.get_role_display() if profile is not None else ""
    return f"{name} ({role})" if role else name


def seat_labels(review_round: ReviewRound) -> dict[int, str]:
    """For each holder and deputy of the round, which seat: one query."""
    labels = {}
    for seat in review_round.seats.select_related("partnership"):
        place = {"constituency": seat.get_constituency_display(), "partnership": seat.partnership.name}
        labels[seat.holder_id] = _("%(constituency)s seat, %(partnership)s") % place
        if seat.deputy_id:
            labels[seat.deputy_id] = _("deputy, %(constituency)s seat, %(partnership)s") % place
    return labels
