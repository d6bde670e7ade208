"""Likely duplicates of a proposal, for the triager to merge: PostgreSQL trigram similarity (pg_trgm)
of the descriptions, among the open proposals on the same section of the same pathway.

Only proposals of the same partnership (or, like it, of none) are suggested: merging moves a
proposal's submitters to the one that is kept, and each partnership goes through its own proposals
in the yearly round, so a merge across partnerships would take them out of their partnership's hands.

On any other database (the embedded SQLite) the same measure is worked out in Python, over the
newest `FALLBACK_CANDIDATES` open proposals on the section: slower, but the same suggestions.
"""

import re

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import BooleanField, F, Func, Value

from governance import permissions as perms
from governance.models import CLOSED_STATES, ChangeProposal

# pg_trgm's own default for its `%` operator (pg_trgm.similarity_threshold).
SIMILARITY_THRESHOLD = 0.3
MAX_SUGGESTIONS = 5
# Without PostgreSQL: how many of the section's open proposals are compared, newest first.
FALLBACK_CANDIDATES = 500
_WORD = re.compile(r"[^\W_]+")


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams of a text: its words (runs of letters and digits) in lower case, each
    padded with two spaces in front and one behind, cut in threes."""
    found: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(): the trigrams the two share, of all the trigrams of either."""
    first, second = trigrams(a), trigrams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


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
    if proposal.pathway_id is None or not proposal.description:
        return []
    same_section = (
        ChangeProposal.objects.filter(
            pathway_id=proposal.pathway_id,
            section_slug=proposal.section_slug,
            # None matches the proposals of no partnership (IS NULL).
            partnership=proposal.partnership_id,
        )
        .exclude(pk=proposal.pk)
        .exclude(state__in=CLOSED_STATES)
    )
    if connection.vendor != "postgresql":
        return _python_duplicates(proposal, same_section, user=user, limit=limit)
    candidates = (
        same_section.filter(_TrigramSimilar(F("description"), Value(proposal.description)))
        .annotate(similarity=TrigramSimilarity("description", proposal.description))
        .filter(similarity__gte=SIMILARITY_THRESHOLD)
        .select_related("partnership")
        .order_by("-similarity", "created_at")
    )
    # Same partnership as a proposal the user may see, so visible; checked anyway, as every read is.
    return [candidate for candidate in candidates[:limit] if perms.can_view(user, candidate)]


def _python_duplicates(proposal: ChangeProposal, same_section, *, user, limit: int) -> list[ChangeProposal]:
    """The same suggestions as PostgreSQL's, measured here: one query."""
    scored = []
    for candidate in same_section.select_related("partnership").order_by("-created_at")[:FALLBACK_CANDIDATES]:
        candidate.similarity = trigram_similarity(proposal.description, candidate.description)
        if candidate.similarity >= SIMILARITY_THRESHOLD:
            scored.append(candidate)
    scored.sort(key=lambda candidate: (-candidate.similarity, candidate.created_at))
    return [candidate for candidate in scored[:limit] if perms.can_view(user, candidate)]
