import pytest

from pathways.models import AdaptedSection, VersionKind
from pathways.services import (
    adaptation_accept_common,
    adaptation_common_changes,
    adaptation_create,
    adaptation_keep_local,
    adaptation_section_save,
    pathway_publish,
    section_update,
)
from tests.local.conftest import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def adaptation(pathway, partnership_a, local_a):
    adaptation = adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a, title_nb="Angst i Vest")
    adaptation_section_save(
        adaptation=adaptation,
        slug="fastlege-kartlegging",
        by=local_a,
        body_nb="Lokal tekst.",
        body_nn="Lokal tekst nn.",
    )
    return adaptation


def _change_common_text(pathway, editor):
    section_update(
        section=pathway.sections.get(slug="fastlege-kartlegging"),
        by=editor,
        body_nb="Fastlegen kartlegg plagene grundig og vurderer alvorsgrad. Del 1.",
        body_nn="Fastlegen kartlegg plagene grundig og vurderer alvorsgrad. Del 1 nn.",
    )
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R.", summary_nn="R.")
    pathway.refresh_from_db()


def test_no_notice_while_the_common_text_is_unchanged(adaptation):
    assert adaptation_common_changes(adaptation) == []


def test_notice_with_the_diff_when_the_common_text_changed(adaptation, pathway, editor):
    _change_common_text(pathway, editor)
    changes = adaptation_common_changes(adaptation)
    assert [c.adapted.slug for c in changes] == ["fastlege-kartlegging"]
    inserted = [chunk.text for chunk in changes[0].diff("nb") if chunk.op == "insert"]
    assert "grundig" in "".join(inserted)


def test_a_new_version_that_leaves_the_section_alone_gives_no_notice(adaptation, pathway, editor):
    section_update(section=pathway.sections.get(slug="innledning"), by=editor, body_nb="Ny.", body_nn="Ny nn.")
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R.", summary_nn="R.")
    assert adaptation_common_changes(adaptation) == []


def test_keeping_the_local_text_clears_the_notice_and_keeps_the_text(adaptation, pathway, editor, local_a):
    _change_common_text(pathway, editor)
    adapted = adaptation.sections.get(slug="fastlege-kartlegging")
    adaptation_keep_local(adapted=adapted, by=local_a)
    assert adaptation_common_changes(adaptation) == []
    adapted.refresh_from_db()
    assert adapted.body_nb == "Lokal tekst." and adapted.based_on_id == pathway.current_version_id


def test_accepting_the_common_text_removes_the_override(adaptation, pathway, editor, local_a, client):
    _change_common_text(pathway, editor)
    adaptation_accept_common(adapted=adaptation.sections.get(slug="fastlege-kartlegging"), by=local_a)
    assert not AdaptedSection.objects.filter(adaptation=adaptation).exists()
    publish(adaptation, local_a)
    html = client.get("/nb/vest/forlop/angst/").content.decode()
    assert "grundig" in html and "Lokal tekst." not in html


def test_local_page_shows_override_and_local_title(adaptation, client, local_a):
    publish(adaptation, local_a)
    html = client.get("/nb/vest/forlop/angst/").content.decode()
    assert "Angst i Vest" in html and "Lokal tekst." in html


def test_local_page_changes_etag_when_a_new_local_version_is_published(adaptation, client, local_a):
    publish(adaptation, local_a)
    etag = client.get("/nb/vest/forlop/angst/")["ETag"]
    adaptation_section_save(
        adaptation=adaptation, slug="fastlege-kartlegging", by=local_a, body_nb="Ny.", body_nn="Ny nn."
    )
    publish(adaptation, local_a)
    assert client.get("/nb/vest/forlop/angst/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_adapted_text_is_sanitised(adaptation, local_a, client):
    adaptation_section_save(
        adaptation=adaptation, slug="lokalt", by=local_a, is_local=True, title_nb="Lokalt", title_nn="Lokalt",
        body_nb='<script>alert("x")</script> [lenke](javascript:alert(1))', body_nn="Trygt.",
    )  # fmt: skip
    stored = adaptation.sections.get(slug="lokalt")
    assert stored.body_nb.startswith("<script>")  # stored as typed
    publish(adaptation, local_a)
    html = client.get("/nb/vest/forlop/angst/").content.decode()
    assert '<script>alert("x")' not in html and 'href="javascript' not in html
    # Only the page's own script files (feedback-link.js, reading.js).
    assert html.count("<script") == 2 and html.count('<script src="/static/js/') == 2
    assert "&lt;script&gt;" in html  # shown as the text it is
