"""The traffic-light review's cast: two municipalities of partnership A (Vestby, Nordvik) with a
contact each, one of partnership B (Sørby) with its contact, and the published pathway of the
shared cast (2026: three sections)."""

import pytest
from django.contrib.auth import get_user_model

from pathways.models import Municipality, Profile, Role


def make_contact(username: str, municipality: Municipality, language: str = "nb"):
    user = get_user_model().objects.create_user(
        username=username, password="pw-for-tests", email=f"{username}@forlop.example"
    )
    Profile.objects.create(
        user=user,
        role=Role.MUNICIPALITY_CONTACT,
        municipality=municipality,
        partnership=municipality.partnership,
        language=language,
    )
    return user


@pytest.fixture
def vestby(partnership_a):
    return Municipality.objects.create(partnership=partnership_a, name="Vestby")


@pytest.fixture
def nordvik(partnership_a):
    return Municipality.objects.create(partnership=partnership_a, name="Nordvik")


@pytest.fixture
def sorby(partnership_b):
    return Municipality.objects.create(partnership=partnership_b, name="Sørby")


@pytest.fixture
def contact_vestby(vestby):
    return make_contact("kommune-vestby", vestby)


@pytest.fixture
def contact_nordvik(nordvik):
    return make_contact("kommune-nordvik", nordvik, language="nn")


@pytest.fixture
def contact_sorby(sorby):
    return make_contact("kommune-sorby", sorby)


def mark_url(partnership, pathway, municipality) -> str:
    return f"/nb/redaksjon/trafikklys/{partnership.slug}/{pathway.slug}/kommune/{municipality.pk}/"


def matrix_url(partnership, pathway) -> str:
    return f"/nb/redaksjon/trafikklys/{partnership.slug}/{pathway.slug}/"
