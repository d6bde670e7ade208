"""The yearly round's phases: what must hold before a phase may be left, and what happens then."""


def round_blockers(review_round) -> list[str]:
    """Why the round may not advance to its next phase now; empty when it may."""
    return []
