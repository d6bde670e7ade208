"""Factories for volume: pathways with any number of sections, published or not."""

from pathways.models import Pathway, Section, SectionKind, Service, ServicePart, VersionKind
from pathways.services import pathway_publish


def make_pathway(*, editor, slug="angst", sections: int = 3, publish_year: int | None = 2026) -> Pathway:
    pathway = Pathway.objects.create(slug=slug, title_nb="Angstplager", title_nn="Angstplager")
    kinds = [
        ("innledning", SectionKind.LEAD, "", ""),
        ("fastlege-kartlegging", SectionKind.SERVICE, Service.GP, ServicePart.ASSESSMENT),
        ("sjekkliste-henvisning", SectionKind.REFERRAL_CHECKLIST, "", ""),
    ]
    for index in range(sections):
        slug_, kind, service, part = (
            kinds[index] if index < len(kinds) else (f"del-{index}", SectionKind.BACKGROUND, "", "")
        )
        Section.objects.create(
            pathway=pathway,
            slug=slug_,
            kind=kind,
            service=service,
            part=part,
            position=index,
            title_nb=f"Tittel {index}",
            title_nn=f"Tittel {index} nn",
            body_nb=f"Fastlegen kartlegg plagene og vurderer alvorsgrad. Del {index}.",
            body_nn=f"Fastlegen kartlegg plagene og vurderer alvorsgrad. Del {index} nn.",
        )
    if publish_year:
        pathway_publish(
            pathway=pathway,
            by=editor,
            kind=VersionKind.REVISION,
            year=publish_year,
            summary_nb="Første versjon.",
            summary_nn="Første versjon.",
        )
        pathway.refresh_from_db()
    return pathway


def make_round(*, year: int = 2027, state: str = "planned", **dates):
    """A review round in any phase (set directly, not through the transitions), deadlines a month
    apart from 2027-01-31 unless given."""
    import datetime

    from governance.models import ReviewRound

    defaults = {
        "collecting_until": datetime.date(year, 1, 31),
        "partnership_review_until": datetime.date(year, 2, 28),
        "voting_until": datetime.date(year, 3, 31),
        "editorial_until": datetime.date(year, 4, 30),
    }
    review_round = ReviewRound.objects.create(year=year, **{**defaults, **dates})
    ReviewRound.objects.filter(pk=review_round.pk).update(state=state)
    review_round.refresh_from_db()
    return review_round


def make_seats(review_round, partnerships, *, prefix: str = "seat"):
    """A hospital-trust and a municipality seat for each partnership, held by new resource-group
    members of that partnership. Returns the seats in partnership order, trust seat first."""
    from django.contrib.auth import get_user_model

    from governance.models import Constituency, Seat
    from pathways.models import Profile, Role

    seats = []
    for partnership in partnerships:
        for constituency in (Constituency.HOSPITAL_TRUST, Constituency.MUNICIPALITY):
            user = get_user_model().objects.create_user(
                username=f"{prefix}-{partnership.slug}-{constituency}", password="pw-for-tests"
            )
            Profile.objects.create(user=user, role=Role.RESOURCE_MEMBER, partnership=partnership)
            seats.append(
                Seat.objects.create(
                    review_round=review_round, partnership=partnership, constituency=constituency, holder=user
                )
            )
    return seats
