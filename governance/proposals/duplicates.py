"""Likely duplicates of a proposal, for the triager to merge: PostgreSQL trigram similarity (pg_trgm)
of the descriptions, among the open proposals on the same section of the same pathway.

Only proposals of the same partnership (or, like it, of none) are suggested: merging moves a
proposal's submitters to the one that is kept, and each partnership goes through its own proposals
in the yearly round, so a merge across partnerships would take them out of their partnership's hands.

On any other database than PostgreSQL nothing is suggested.
"""

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import BooleanField, F, Func, Value

from governance import permissions as perms
from governance.models import CLOSED_STATES, ChangeProposal

# pg_trgm's own default for its `%` operator (pg_trgm.similarity_threshold).
SIMILARITY_THRESHOLD = 0.3
MAX_SUGGESTIONS = 5


class _TrigramSimilar(Func):
    """`description % 'text'`: true when the similarity reaches pg_trgm.similarity_threshold. Unlike
    a comparison of similarity() with a number, this operator can use the GIN trigram index
    (migration 0003)."""

    function = ""
    arg_joiner = " %% "
    output_field = BooleanField()


def proposal_duplicates(proposal: ChangeProposal, *, user, limit: int = MAX_SUGGESTIONS) -> list[ChangeProposal]:
    """Up to `limit` open proposals the user may see that look like `proposal`, most similar first,
    each with its `similarity` (0–1) annotated. One query."""
    if connection.vendor != "postgresql" or proposal.pathway_id is None or not proposal.description:
        return []
    candidates = (
        ChangeProposal.objects.filter(
            pathway_id=proposal.pathway_id,
            section_slug=proposal.section_slug,
            # None matches the proposals of no partnership (IS NULL).
            partnership=proposal.partnership_id,
        )
        .exclude(pk=proposal.pk)
        .exclude(state__in=CLOSED_STATES)
        .filter(_TrigramSimilar(F("description"), Value(proposal.description)))
        .annotate(similarity=TrigramSimilarity("description", proposal.description))
        .filter(similarity__gte=SIMILARITY_THRESHOLD)
        .select_related("partnership")
        .order_by("-similarity", "created_at")
    )
    # Same partnership as a proposal the user may see, so visible; checked anyway, as every read is.
    return [candidate for candidate in candidates[:limit] if perms.can_view(user, candidate)]
