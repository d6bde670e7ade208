"""The local editor's matrix (municipalities × sections), its exports, and what a yellow mark becomes:
a local override draft or a change proposal, in one step."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from governance.models import ChangeProposal, ProposalSource, ProposalState
from pathways.models import AdaptedSection, LocalAdaptation, Municipality, VersionKind
from pathways.services import pathway_publish, section_update
from tests.factories import make_pathway
from tests.support import as_user
from trafficlight.models import SectionMark
from trafficlight.services import MarkInput, marks_save

from .conftest import make_contact, matrix_url

pytestmark = pytest.mark.django_db

GP = "fastlege-kartlegging"
COMMENT = "Vi har ikke kommunepsykolog; henvis til helsestasjonen."


@pytest.fixture
def marked(pathway, vestby, nordvik, contact_vestby, contact_nordvik):
    """Vestby: the lead green, the GP section yellow. Nordvik: nothing yet."""
    version = pathway.current_version
    marks_save(
        municipality=vestby,
        version=version,
        by=contact_vestby,
        marks=[MarkInput("innledning", "green"), MarkInput(GP, "yellow", COMMENT)],
    )
    return {m.section_slug: m for m in SectionMark.objects.filter(municipality=vestby)}


def test_the_local_editor_sees_colours_with_labels_and_progress(client, pathway, partnership_a, local_a, marked):
    response = as_user(client, local_a).get(matrix_url(partnership_a, pathway))
    assert response.status_code == 200
    html = response.content.decode()
    # Colour and text together, in a table with headers for both directions.
    assert '<span class="tl-status tl-green">Grønt: slik den er</span>' in html
    assert '<span class="tl-status tl-yellow">Gult: tilpasses</span>' in html
    assert '<span class="tl-status tl-unmarked">Ikke merket</span>' in html
    assert '<th scope="col">Vestby</th>' in html and '<th scope="col">Nordvik</th>' in html
    assert '<th scope="row">Tittel 1</th>' in html
    assert "2 av 3 seksjoner" in html and "0 av 3 seksjoner" in html
    assert COMMENT in html


def test_a_changed_section_shows_its_mark_as_from_an_older_text(
    client, editor, pathway, partnership_a, local_a, marked
):
    section_update(section=pathway.sections.get(slug=GP), by=editor, body_nb="Endret.", body_nn="Endra.")
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R", summary_nn="R")
    html = as_user(client, local_a).get(matrix_url(partnership_a, pathway)).content.decode()
    assert '<span class="tl-status tl-older_text">Fra en eldre tekst</span>' in html
    assert "Versjon 2026: Gult: må tilpasses" in html
    assert "1 av 3 seksjoner" in html  # the lead's mark still counts: its text did not change


@pytest.mark.parametrize("who", ["contact_vestby", "local_b", "trust_seat", "adviser"])
def test_only_the_partnerships_local_editor_and_the_editor_see_the_matrix(
    client, request, pathway, partnership_a, marked, who
):
    as_user(client, request.getfixturevalue(who))
    for suffix in ("", "matrise.csv", "matrise.xlsx"):
        assert client.get(matrix_url(partnership_a, pathway) + suffix).status_code == 404


def test_the_responsible_editor_may_step_in(client, pathway, partnership_a, editor, marked):
    assert as_user(client, editor).get(matrix_url(partnership_a, pathway)).status_code == 200


def test_a_yellow_mark_becomes_a_change_proposal_that_links_back(client, pathway, partnership_a, local_a, marked):
    mark = marked[GP]
    url = matrix_url(partnership_a, pathway) + f"merknad/{mark.pk}/endringsforslag/"
    response = as_user(client, local_a).post(url)
    proposal = ChangeProposal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/nb/redaksjon/forslag/{proposal.pk}/"
    assert proposal.description == COMMENT and proposal.section_slug == GP
    assert proposal.source == ProposalSource.PROFESSIONAL and proposal.state == ProposalState.NEW
    assert proposal.partnership == partnership_a and proposal.version == pathway.current_version
    assert list(proposal.section_marks.all()) == [mark]  # the mark is the way back
    # A double click makes no second proposal; the matrix links to it.
    client.post(url)
    assert ChangeProposal.objects.count() == 1
    html = client.get(matrix_url(partnership_a, pathway)).content.decode()
    assert f'href="/nb/redaksjon/forslag/{proposal.pk}/"' in html
    # And the proposal's page links back to the mark's row in the matrix.
    page = client.get(f"/nb/redaksjon/forslag/{proposal.pk}/").content.decode()
    assert f'href="{matrix_url(partnership_a, pathway)}#seksjon-{GP}"' in page
    assert f"Trafikklysvurdering: {mark.municipality.name} merket avsnittet gult" in page


def test_a_yellow_mark_becomes_a_local_override_draft(client, pathway, partnership_a, local_a, marked):
    mark = marked[GP]
    url = matrix_url(partnership_a, pathway) + f"merknad/{mark.pk}/tilpasning/"
    response = as_user(client, local_a).post(url)
    override = AdaptedSection.objects.get()
    edit = f"/nb/redaksjon/{partnership_a.slug}/forlop/{pathway.slug}/seksjon/{GP}/"
    assert response.status_code == 302 and response["Location"] == edit
    adaptation = LocalAdaptation.objects.get(partnership=partnership_a, pathway=pathway)
    assert override.adaptation == adaptation and override.slug == GP and not override.is_local
    common = pathway.current_version.sections.get(slug=GP)
    assert override.body_nb == common.body_nb  # the draft starts from the common text
    mark.refresh_from_db()
    assert mark.override == override
    client.post(url)
    assert AdaptedSection.objects.count() == 1
    assert as_user(client, local_a).get(edit).status_code == 200


def test_an_existing_override_is_linked_and_left_as_it_is(client, pathway, partnership_a, local_a, marked):
    from pathways.services import adaptation_create, adaptation_section_save

    adaptation = adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a)
    adaptation_section_save(adaptation=adaptation, slug=GP, by=local_a, body_nb="Lokal tekst.", body_nn="Lokal.")
    as_user(client, local_a).post(matrix_url(partnership_a, pathway) + f"merknad/{marked[GP].pk}/tilpasning/")
    assert AdaptedSection.objects.get().body_nb == "Lokal tekst."


def test_a_green_mark_becomes_neither(client, pathway, partnership_a, local_a, marked):
    for suffix in ("tilpasning/", "endringsforslag/"):
        response = as_user(client, local_a).post(
            matrix_url(partnership_a, pathway) + f"merknad/{marked['innledning'].pk}/{suffix}"
        )
        assert response.status_code == 409
        assert "Bare en gul merknad" in response.content.decode()
    assert not ChangeProposal.objects.exists() and not AdaptedSection.objects.exists()


def test_another_partnerships_mark_and_other_roles_are_not_found(
    client, pathway, partnership_a, partnership_b, local_b, contact_vestby, marked
):
    mark = marked[GP]
    for user, partnership in ((local_b, partnership_b), (local_b, partnership_a), (contact_vestby, partnership_a)):
        for suffix in ("tilpasning/", "endringsforslag/"):
            url = matrix_url(partnership, pathway) + f"merknad/{mark.pk}/{suffix}"
            assert as_user(client, user).post(url).status_code == 404
    assert not ChangeProposal.objects.exists() and not AdaptedSection.objects.exists()


def test_the_csv_export_has_a_row_per_municipality_and_section_with_formulas_neutralised(
    client, pathway, partnership_a, local_a, vestby, contact_vestby, marked
):
    marks_save(
        municipality=vestby,
        version=pathway.current_version,
        by=contact_vestby,
        marks=[MarkInput("sjekkliste-henvisning", "yellow", '=HYPERLINK("https://angrep.example")')],
    )
    response = as_user(client, local_a).get(matrix_url(partnership_a, pathway) + "matrise.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["municipality", "section", "section_title", "status"]
    assert len(rows) == 1 + 2 * 3
    by_key = {(row[0], row[1]): row for row in rows[1:]}
    assert by_key[("Vestby", GP)][3:5] == ["yellow", COMMENT]
    assert by_key[("Vestby", "innledning")][3] == "green"
    assert by_key[("Nordvik", GP)][3] == "unmarked"
    assert by_key[("Vestby", "sjekkliste-henvisning")][4] == '\'=HYPERLINK("https://angrep.example")'


def test_the_xlsx_export_has_the_same_cells(client, pathway, partnership_a, local_a, marked):
    response = as_user(client, local_a).get(matrix_url(partnership_a, pathway) + "matrise.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "municipality" and len(rows) == 1 + 2 * 3
    by_key = {(row[0], row[1]): row for row in rows[1:]}
    assert by_key[("Vestby", GP)][3:5] == ["yellow", COMMENT]
    assert by_key[("Nordvik", "innledning")][3] == "unmarked"
    assert sheet.freeze_panes == "A2"


def _matrix_queries(client, editor, partnership, local, *, sections: int, municipalities: int, slug: str) -> int:
    pathway = make_pathway(editor=editor, slug=slug, sections=sections)
    version = pathway.current_version
    assert version is not None
    for number in range(municipalities):
        municipality = Municipality.objects.create(partnership=partnership, name=f"{slug}-kommune-{number}")
        contact = make_contact(f"{slug}-kontakt-{number}", municipality)
        marks = [MarkInput(s.slug, "yellow", "Tilpasses.") for s in version.sections.all()]
        marks_save(municipality=municipality, version=version, by=contact, marks=marks)
    as_user(client, local)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(matrix_url(partnership, pathway)).status_code == 200
    return len(queries)


def test_the_matrix_costs_the_same_queries_for_few_and_many(client, editor, partnership_a, local_a):
    few = _matrix_queries(client, editor, partnership_a, local_a, sections=2, municipalities=1, slug="angst")
    many = _matrix_queries(client, editor, partnership_a, local_a, sections=25, municipalities=8, slug="autisme")
    assert few == many


def test_the_matrix_in_nynorsk(client, pathway, partnership_a, local_a, marked):
    html = as_user(client, local_a).get(matrix_url(partnership_a, pathway).replace("/nb/", "/nn/", 1)).content.decode()
    assert "Grønt: slik han er" in html and "Gult: tilpassast" in html and "Ikkje merkt" in html
    assert "Tilpass lokalt" in html and "Foreslå ei endring" in html


def test_the_admin_lists_the_marks_and_cannot_change_them(client, editor, marked):
    editor.is_staff = editor.is_superuser = True
    editor.save()
    as_user(client, editor)
    listing = client.get("/admin/trafficlight/sectionmark/?colour=yellow")
    assert listing.status_code == 200 and "Vestby" in listing.content.decode()
    assert client.get("/admin/trafficlight/sectionmark/add/").status_code == 403
    mark = marked[GP]
    assert client.post(f"/admin/trafficlight/sectionmark/{mark.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SectionMark.objects.filter(pk=mark.pk).exists()
