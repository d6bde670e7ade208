"""Likely duplicates without PostgreSQL (the embedded SQLite): the trigram similarity worked out in
Python gives the same suggestions as pg_trgm. Here the fallback is forced on whatever database the
tests run; the last test checks the measure against PostgreSQL's own."""

import pytest
from django.db import connection

from governance.proposals import duplicates
from governance.proposals.duplicates import proposal_duplicates, trigram_similarity
from tests.governance.test_detail import SECTION
from tests.governance.test_duplicates import SIMILAR, TEXT, UNLIKE
from tests.support import make_proposal

pytestmark = pytest.mark.django_db

PAIRS = [
    (TEXT, SIMILAR),
    (TEXT, UNLIKE),
    ("Feil telefonnummer til BUP.", "Feil telefonnummer til BUP Vest!"),
    ("Søvn og døgnrytme", "søvn, døgnrytme"),
    ("", "noe"),
]


@pytest.fixture
def without_postgres(monkeypatch):
    monkeypatch.setattr(duplicates, "connection", type("Sqlite", (), {"vendor": "sqlite"})())


def test_similar_text_is_suggested_and_unlike_text_is_not(pathway, partnership_a, local_a, without_postgres):
    proposal = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=TEXT)
    similar = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=SIMILAR)
    make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=UNLIKE)
    make_proposal(pathway=pathway, partnership=None, section_slug=SECTION, description=SIMILAR)  # not the partnership's
    make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=TEXT, state="rejected")

    found = proposal_duplicates(proposal, user=local_a)

    assert [p.pk for p in found] == [similar.pk]
    assert 0.3 <= found[0].similarity <= 1


def test_the_proposal_page_shows_the_suggestions_without_postgres(
    client, pathway, partnership_a, local_a, without_postgres
):
    from tests.support import as_user

    proposal = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=TEXT)
    similar = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=SIMILAR)
    page = as_user(client, local_a).get(f"/nb/redaksjon/forslag/{proposal.pk}/").content.decode()
    assert f'href="/nb/redaksjon/forslag/{similar.pk}/"' in page


def test_trigrams_are_pg_trgms():
    assert duplicates.trigrams("Cat") == {"  c", " ca", "cat", "at "}
    assert trigram_similarity("", "noe") == 0.0
    assert trigram_similarity(TEXT, TEXT) == 1.0


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares with PostgreSQL's pg_trgm")
@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_the_measure_is_postgresqls(a, b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [a, b])
        (expected,) = cursor.fetchone()
    assert trigram_similarity(a, b) == pytest.approx(expected, abs=1e-6)
