"""The cast of tests/conftest.py, with partnership A's adaptation of "angst": a rewritten GP section
and a local section of its own, saved as a draft and not yet published."""

import pytest

from pathways.services import adaptation_create, adaptation_publish, adaptation_section_save

GP = "fastlege-kartlegging"


@pytest.fixture
def adaptation(pathway, partnership_a, local_a):
    adaptation = adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a, title_nb="Angst i Vest")
    adaptation_section_save(
        adaptation=adaptation,
        slug=GP,
        by=local_a,
        body_nb="Ring BUPA Vest på telefon 11111111.",
        body_nn="Ring BUPA Vest på telefon 11111111 nn.",
    )
    adaptation_section_save(
        adaptation=adaptation,
        slug="kontakter-vest",
        by=local_a,
        is_local=True,
        after_slug="innledning",
        title_nb="Kontakter i Vest",
        title_nn="Kontaktar i Vest",
        body_nb="Legevakten i Vest.",
        body_nn="Legevakta i Vest.",
    )
    return adaptation


def publish(adaptation, by, **kwargs):
    kwargs.setdefault("summary_nb", "Lokale endringer.")
    kwargs.setdefault("summary_nn", "Lokale endringar.")
    return adaptation_publish(adaptation=adaptation, by=by, **kwargs)


def edit(adaptation, by, slug=GP, **texts):
    """Save a new draft text of a rewritten common section (in both written standards by default)."""
    texts.setdefault("body_nb", "Ny lokal tekst.")
    texts.setdefault("body_nn", "Ny lokal tekst nn.")
    return adaptation_section_save(adaptation=adaptation, slug=slug, by=by, **texts)


@pytest.fixture
def published(adaptation, local_a):
    """The adaptation with its first local version published."""
    publish(adaptation, local_a)
    adaptation.refresh_from_db()
    return adaptation
