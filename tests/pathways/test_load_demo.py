import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from pathways.demo import section_structure
from pathways.models import (
    AdaptedSection,
    LocalAdaptation,
    Municipality,
    Partnership,
    Pathway,
    Role,
    Section,
    Version,
    VersionSection,
)
from pathways.services import adaptation_common_changes

pytestmark = pytest.mark.django_db

SLUGS = {
    "angst",
    "autisme",
    "bekymring-0-3",
    "oppmerksomhet-uro",
    "spisevansker",
    "tristhet-depresjon",
    "vold-overgrep",
}
MODELS = [Partnership, Municipality, Pathway, Section, Version, VersionSection, LocalAdaptation, AdaptedSection]


def _counts():
    return {model.__name__: model.objects.count() for model in [*MODELS, get_user_model()]}


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def test_load_demo_twice_changes_nothing(demo):
    before = _counts()
    call_command("load_demo", stdout=io.StringIO())
    assert _counts() == before


def test_nineteen_partnerships_each_with_trust_and_municipalities(demo):
    assert Partnership.objects.count() == 19
    for partnership in Partnership.objects.prefetch_related("municipalities"):
        assert partnership.health_trust_id and partnership.municipalities.count() >= 1


def test_seven_pathways_with_full_structure_and_two_versions_that_differ(demo):
    assert set(Pathway.objects.values_list("slug", flat=True)) == SLUGS
    expected = len(section_structure({"nb": "", "nn": ""}))
    for pathway in Pathway.objects.all():
        versions = list(pathway.versions.all())
        assert [v.number for v in versions] == ["2026", "2025"]
        new, old = ({s.slug: s for s in v.sections.all()} for v in versions)
        assert len(new) == len(old) == expected == 34
        changed = [slug for slug in new if new[slug].body_nb != old[slug].body_nb]
        assert changed, pathway.slug
        for slug in changed:  # the demo obeys its own parity gate
            assert new[slug].body_nn != old[slug].body_nn
        for section in new.values():
            assert section.body_nb.strip() and section.body_nn.strip() and section.html_nb and section.html_nn


def test_bergen_adaptation_overrides_adds_and_sees_the_common_change(demo, client):
    adaptation = LocalAdaptation.objects.get(partnership__slug="bergen")
    assert adaptation.sections.filter(is_local=True).exists()
    assert adaptation.sections.filter(is_local=False).exists()
    html = client.get(f"/nb/bergen/forlop/{adaptation.pathway.slug}/").content.decode()
    assert "BUPA" in html and 'id="lokale-kontakter"' in html


def test_demo_users_and_roles(demo):
    User = get_user_model()
    roles = {u.username: (u.profile.role, u.profile.partnership.slug if u.profile.partnership else None)
             for u in User.objects.select_related("profile__partnership")}  # fmt: skip
    assert roles["redaktor"][0] == Role.RESPONSIBLE_EDITOR
    assert roles["lokal-fonna"] == (Role.LOCAL_EDITOR, "fonna")
    assert roles["lokal-bergen"] == (Role.LOCAL_EDITOR, "bergen")
    for name in ("ressurs-fonna-hf", "ressurs-fonna-kommune", "ressurs-bergen-hf", "ressurs-bergen-kommune"):
        assert roles[name][0] == Role.RESOURCE_MEMBER
    assert roles["radgiver-rkbu"] == (Role.ADVISER, None)
    # every other partnership has generated seats
    assert User.objects.filter(profile__role=Role.RESOURCE_MEMBER).count() == 38
    assert User.objects.get(username="redaktor").check_password("demo")


def test_every_demo_user_has_an_obviously_fake_address_so_its_notices_can_be_read(demo):
    addresses = dict(get_user_model().objects.values_list("username", "email"))
    assert addresses["redaktor"] == "redaktor@forlop.example"
    assert addresses["ressurs-fonna-hf"] == "ressurs-fonna-hf@forlop.example"
    assert all(address == f"{username}@forlop.example" for username, address in addresses.items())


def test_load_demo_gives_an_address_to_a_demo_user_loaded_without_one(demo):
    get_user_model().objects.filter(username="lokal-fonna").update(email="")
    call_command("load_demo", stdout=io.StringIO())
    assert get_user_model().objects.get(username="lokal-fonna").email == "lokal-fonna@forlop.example"


def test_planned_round_2027_has_the_resource_groups_38_seats(demo):
    from governance.models import Constituency, ReviewRound, RoundState, Seat

    review_round = ReviewRound.objects.get(year=2027)
    assert review_round.state == RoundState.PLANNED
    seats = list(Seat.objects.filter(review_round=review_round).select_related("partnership", "holder__profile"))
    assert len(seats) == 38
    suffix = {Constituency.HOSPITAL_TRUST: "hf", Constituency.MUNICIPALITY: "kommune"}
    for seat in seats:
        assert seat.holder.username == f"ressurs-{seat.partnership.slug}-{suffix[seat.constituency]}"
        assert seat.holder.profile.role == Role.RESOURCE_MEMBER
        assert seat.holder.profile.partnership_id == seat.partnership_id
        assert seat.deputy_id is None and not seat.holder_absent
    assert {seat.partnership_id for seat in seats} == set(Partnership.objects.values_list("pk", flat=True))

    call_command("load_demo", stdout=io.StringIO())
    assert ReviewRound.objects.count() == 1 and Seat.objects.count() == 38


def test_migrations_create_no_users(db):
    assert get_user_model().objects.count() == 0


def test_adaptation_common_change_is_visible_to_the_local_editor_in_the_demo(demo):
    adaptation = LocalAdaptation.objects.get(partnership__slug="bergen")
    changes = adaptation_common_changes(adaptation)
    assert [change.adapted.slug for change in changes] == ["sjekkliste-henvisning"]
