"""The demo's yearly round, on top of the demo content of `pathways.demo`: `manage.py load_demo`
(governance's command, since the round is governance's) loads both."""

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction

from governance.models import ReviewRound, Seat
from pathways import demo as pathway_demo
from pathways.models import Partnership

# The yearly round for the 2027 revision, not yet opened. Its deadlines are the last days of the phases.
DEMO_YEAR = 2027
DEMO_DATES = {
    "collecting_until": date(2027, 1, 31),
    "partnership_review_until": date(2027, 2, 28),
    "voting_until": date(2027, 3, 31),
    "editorial_until": date(2027, 4, 30),
    "meeting_on": date(2027, 3, 18),
}
SEAT_USERS = (("hf", "hospital_trust"), ("kommune", "municipality"))


def load_round(partnerships: dict[str, Partnership]) -> int:
    """The planned round 2027 with the resource group's 38 seats: in each partnership
    `ressurs-<slug>-hf` holds the hospital-trust seat and `ressurs-<slug>-kommune` the municipality
    seat. Seats already there are left alone. Four queries however many partnerships."""
    review_round, _ = ReviewRound.objects.get_or_create(year=DEMO_YEAR, defaults=DEMO_DATES)
    taken = set(Seat.objects.filter(review_round=review_round).values_list("partnership_id", "constituency"))
    holders = dict(get_user_model().objects.filter(username__startswith="ressurs-").values_list("username", "pk"))
    seats = [
        Seat(
            review_round=review_round,
            partnership=partnership,
            constituency=constituency,
            holder_id=holders[f"ressurs-{slug}-{suffix}"],
        )
        for slug, partnership in partnerships.items()
        for suffix, constituency in SEAT_USERS
        if (partnership.pk, constituency) not in taken and f"ressurs-{slug}-{suffix}" in holders
    ]
    Seat.objects.bulk_create(seats)
    return len(taken) + len(seats)


@transaction.atomic
def load_demo() -> dict[str, int]:
    """The demo content, users and adaptation, then the planned round with its seats. Idempotent."""
    counts = pathway_demo.load_demo()
    counts["seats"] = load_round({partnership.slug: partnership for partnership in Partnership.objects.all()})
    return counts
