"""The municipality contact: the role and the profile's municipality (the database insists on it),
the admin, the demo's contacts, the staff home's tasks and the overview pages."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from governance.demo import load_demo
from pathways.models import Municipality, Profile, Role
from tests.support import as_user
from trafficlight.services import MarkInput, marks_save

pytestmark = pytest.mark.django_db


def test_a_municipality_contact_without_a_municipality_is_refused_by_the_database(db):
    user = get_user_model().objects.create_user(username="uten-kommune")
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.create(user=user, role=Role.MUNICIPALITY_CONTACT)


def test_the_admin_creates_a_contact_and_fills_in_the_partnership(client, editor, vestby, partnership_b):
    editor.is_staff = editor.is_superuser = True
    editor.save()
    user = get_user_model().objects.create_user(username="ny-kontakt")
    as_user(client, editor)
    form = {"user": user.pk, "role": "municipality_contact", "language": "nb", "digests_enabled": "on"}
    refused = client.post("/admin/pathways/profile/add/", form)
    assert refused.status_code == 200 and "En kommunekontakt må ha en kommune." in refused.content.decode()
    wrong = client.post(
        "/admin/pathways/profile/add/", form | {"municipality": vestby.pk, "partnership": partnership_b.pk}
    )
    assert "Kommunen hører til et annet helsefellesskap." in wrong.content.decode()
    assert client.post("/admin/pathways/profile/add/", form | {"municipality": vestby.pk}).status_code == 302
    profile = Profile.objects.get(user=user)
    assert profile.municipality == vestby and profile.partnership == vestby.partnership


def test_the_demo_has_contacts_for_fonna_and_bergen():
    load_demo()
    stord = Profile.objects.get(user__username="kommune-stord")
    assert stord.role == Role.MUNICIPALITY_CONTACT and stord.municipality == Municipality.objects.get(name="Stord")
    assert stord.partnership.slug == "fonna"
    assert Profile.objects.get(user__username="kommune-bergen").municipality.partnership.slug == "bergen"
    load_demo()  # again: nothing changes
    assert Profile.objects.filter(role=Role.MUNICIPALITY_CONTACT).count() == 4


def test_the_contact_lands_on_the_sections_waiting_for_them(client, pathway, vestby, contact_vestby):
    html = as_user(client, contact_vestby).get("/nb/redaksjon/").content.decode()
    assert "Angstplager: 3 av 3 seksjoner venter på merknaden deres." in html
    assert f'href="/nb/redaksjon/trafikklys/vest/angst/kommune/{vestby.pk}/"' in html
    assert "/redaksjon/runder/" not in html  # the yearly rounds are not theirs
    version = pathway.current_version
    marks_save(
        municipality=vestby,
        version=version,
        by=contact_vestby,
        marks=[MarkInput(s.slug, "green") for s in version.sections.all()],
    )
    assert "Kommunen deres har merket alle seksjonene" in client.get("/nb/redaksjon/").content.decode()


def test_the_overview_pages(client, pathway, partnership_a, vestby, contact_vestby, local_a, local_b, editor):
    page = as_user(client, contact_vestby).get("/nb/redaksjon/trafikklys/").content.decode()
    assert "Forløpene for Vestby" in page and "3 av 3 seksjoner" in page
    assert as_user(client, local_a).get("/nb/redaksjon/trafikklys/")["Location"] == "/nb/redaksjon/trafikklys/vest/"
    overview = client.get("/nb/redaksjon/trafikklys/vest/").content.decode()
    assert 'href="/nb/redaksjon/trafikklys/vest/angst/"' in overview
    assert as_user(client, local_b).get("/nb/redaksjon/trafikklys/vest/").status_code == 404
    assert "Helsefellesskap Vest" in as_user(client, editor).get("/nb/redaksjon/trafikklys/").content.decode()


def test_the_overview_is_not_found_for_those_without_a_part(client, trust_seat, adviser):
    for user in (trust_seat, adviser):
        assert as_user(client, user).get("/nb/redaksjon/trafikklys/").status_code == 404
