"""The public local pages (pathways.views): the current local version, one local version, the
local history and the word diff between local versions; what readers see and what they never see."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pathways.models import VersionKind
from pathways.services import adaptation_create, adaptation_section_save, pathway_publish, section_update
from tests.local.conftest import edit, publish

pytestmark = pytest.mark.django_db

PAGE = "/nb/vest/forlop/angst/"


def test_before_the_first_local_publish_there_is_no_local_page(client, adaptation):
    assert client.get(PAGE).status_code == 404
    assert client.get(PAGE + "versjoner/").status_code == 404
    assert "/vest/forlop/angst/" not in client.get("/nb/forlop/").content.decode()


def test_the_page_shows_the_published_local_version_and_not_the_draft(client, published, local_a):
    edit(published, local_a, body_nb="Hemmelig utkast.", body_nn="Løynd utkast.")
    html = client.get(PAGE).content.decode()
    assert "Ring BUPA Vest på telefon 11111111." in html
    assert "Hemmelig utkast." not in html
    assert "Kontakter i Vest" in html
    assert "Angst i Vest" in html
    assert "/vest/forlop/angst/" in client.get("/nb/forlop/").content.decode()


def test_the_footer_gives_the_local_version_its_date_and_the_history(client, published):
    local_version = published.current_local_version
    html = client.get(PAGE).content.decode()
    footer = html[html.index("<footer") :]
    assert f"Sist oppdatert {local_version.published_at:%d.%m.%Y}" in html
    assert "vest-2026.1" in html
    assert 'href="/nb/vest/forlop/angst/versjoner/"' in html
    assert "Lokal versjonshistorikk" in html or "Lokal versjonshistorikk" in footer


def test_nynorsk_page_shows_the_nynorsk_texts(client, published):
    html = client.get("/nn/vest/forlop/angst/").content.decode()
    assert "Ring BUPA Vest på telefon 11111111 nn." in html
    assert "Kontaktar i Vest" in html


def test_a_new_local_version_replaces_the_page_and_the_old_one_stays_readable(client, published, local_a):
    edit(published, local_a, body_nb="Versjon to.", body_nn="Versjon to nn.")
    publish(published, local_a)
    assert "Versjon to." in client.get(PAGE).content.decode()
    old = client.get(PAGE + "versjon/vest-2026.1/")
    assert old.status_code == 200
    html = old.content.decode()
    assert "Ring BUPA Vest på telefon 11111111." in html
    assert "Du leser lokal versjon vest-2026.1, som ikke er den gjeldende." in html


def test_unknown_and_foreign_local_version_numbers_are_404(client, published, partnership_b, pathway, local_b):
    other = adaptation_create(partnership=partnership_b, pathway=pathway, by=local_b)
    edit(other, local_b)
    publish(other, local_b)
    for number in ("vest-2026.9", "nord-2026.1", "2026", "x" * 300, "vest-2026.1%00"):
        assert client.get(f"{PAGE}versjon/{number}/").status_code == 404, number
    assert client.get("/nb/nord/forlop/angst/versjon/nord-2026.1/").status_code == 200


def test_local_history_lists_every_local_version_newest_first(client, published, local_a):
    edit(published, local_a, body_nb="Versjon to.", body_nn="Versjon to nn.")
    publish(published, local_a, summary_nb="Nytt telefonnummer.", summary_nn="Nytt telefonnummer nn.")
    html = client.get(PAGE + "versjoner/").content.decode()
    assert html.index("vest-2026.2") < html.index("vest-2026.1")
    assert "Nytt telefonnummer." in html
    assert 'href="/nb/vest/forlop/angst/endringer/?fra=vest-2026.1&amp;til=vest-2026.2"' in html
    assert 'href="/nb/forlop/angst/versjon/2026/"' in html  # the common version each builds on


def test_the_diff_between_local_versions_shows_the_changed_words(client, published, local_a):
    edit(
        published,
        local_a,
        body_nb="Ring BUPA Vest på telefon 22222222.",
        body_nn="Ring BUPA Vest på telefon 22222222 nn.",
    )
    publish(published, local_a)
    response = client.get(PAGE + "endringer/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<ins>.*?22222222.*?</ins>", html, re.S)
    assert re.search(r"<del>.*?11111111.*?</del>", html, re.S)
    assert "Kontakter i Vest" not in html  # unchanged sections are left out


def test_the_diff_shows_a_change_in_the_common_text_too(client, published, local_a, editor, pathway):
    section_update(
        section=pathway.sections.get(slug="innledning"), by=editor, body_nb="Ny innledning.", body_nn="Ny innleiing."
    )
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R.", summary_nn="R.")
    published.refresh_from_db()
    publish(published, local_a)
    html = client.get(PAGE + "endringer/?fra=vest-2026.1&til=vest-2026.2").content.decode()
    assert re.search(r"<ins>.*?innledning.*?</ins>", html, re.S | re.I)


def test_the_diff_with_unknown_versions_is_404(client, published):
    assert client.get(PAGE + "endringer/?fra=vest-2099.1").status_code == 404
    assert client.get(PAGE + "endringer/?til=<script>").status_code == 404


def test_the_first_local_version_diffs_against_nothing(client, published):
    html = client.get(PAGE + "endringer/").content.decode()
    assert "Kontakter i Vest" in html  # every section is new


def test_etag_and_304(client, published, local_a):
    first = client.get(PAGE)
    etag = first["ETag"]
    assert first["Last-Modified"]
    assert client.get(PAGE, headers={"if-none-match": etag}).status_code == 304
    edit(published, local_a, body_nb="Ny.", body_nn="Ny nn.")
    # Saving the draft changes nothing for readers: still 304.
    assert client.get(PAGE, headers={"if-none-match": etag}).status_code == 304
    publish(published, local_a)
    again = client.get(PAGE, headers={"if-none-match": etag})
    assert again.status_code == 200 and again["ETag"] != etag
    diff = client.get(PAGE + "endringer/")
    assert client.get(PAGE + "endringer/", headers={"if-none-match": diff["ETag"]}).status_code == 304


def _queries_for_page(client) -> int:
    from pathways import pages, views

    views._rendered_pages.clear()
    pages._local_pages.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PAGE).status_code == 200
    return len(queries)


def test_the_page_makes_as_many_queries_for_twenty_local_sections_as_for_one(client, pathway, partnership_a, local_a):
    adaptation = adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a)

    def add(index: int) -> None:
        adaptation_section_save(
            adaptation=adaptation,
            slug=f"lokal-{index}",
            by=local_a,
            is_local=True,
            after_slug="innledning",
            title_nb=f"Lokal {index}",
            title_nn=f"Lokal {index} nn",
            body_nb=f"Tekst {index}.",
            body_nn=f"Tekst {index} nn.",
        )

    add(0)
    publish(adaptation, local_a)
    one = _queries_for_page(client)
    for index in range(1, 20):
        add(index)
    publish(adaptation, local_a)
    assert "Lokal 19" in client.get(PAGE).content.decode()
    assert _queries_for_page(client) == one
    assert one <= 3


def test_a_remembered_page_is_served_without_a_query(client, published, settings):
    settings.PAGE_LOOKUP_SECONDS = 30
    client.get(PAGE)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PAGE).status_code == 200
    assert len(queries) == 0


def test_the_feedback_link_carries_the_local_version(client, published):
    html = client.get(PAGE).content.decode()
    assert "lokal=vest" in html
    assert "lokalversjon=vest-2026.1" in html
    assert "versjon=2026" in html
