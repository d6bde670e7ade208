import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from reversion.models import Version as HistoryEntry

from pathways.forms import BODY_MAX_LENGTH
from pathways.models import AdaptedSection, LocalAdaptation, Version, VersionKind
from pathways.services import (
    adaptation_create,
    adaptation_section_save,
    pathway_publish,
    section_update,
)
from tests.local.conftest import publish

pytestmark = pytest.mark.django_db

SECTION_URL = "/nb/redaksjon/forlop/angst/seksjon/fastlege-kartlegging/"
PUBLISH_URL = "/nb/redaksjon/forlop/angst/publiser/"
ADAPTATION_URL = "/nb/redaksjon/vest/forlop/angst/"
OVERRIDE_URL = ADAPTATION_URL + "seksjon/fastlege-kartlegging/"
NEW_LOCAL_URL = ADAPTATION_URL + "ny-seksjon/"
IMPORT_URL = "/nb/redaksjon/vest/importer/"
HOSTILE = "Hei <script>alert('x')</script> [lenke](javascript:alert(1))"


def _section_post(**overrides) -> dict:
    data = {"title_nb": "Tittel 1", "title_nn": "Tittel 1 nn", "body_nb": "Ny tekst.", "body_nn": "Ny tekst nn."}
    return data | overrides


def _publish_post(**overrides) -> dict:
    data = {"kind": VersionKind.CORRECTION, "year": "", "summary_nb": "Retting.", "summary_nn": "Retting."}
    return data | overrides


@pytest.fixture
def adaptation_a(pathway, partnership_a, local_a):
    return adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a)


@pytest.fixture
def override_a(adaptation_a, local_a):
    return adaptation_section_save(
        adaptation=adaptation_a,
        slug="fastlege-kartlegging",
        by=local_a,
        body_nb="Lokal tekst om fastlegen.",
        body_nn="Lokal tekst om fastlegen nn.",
    )


def _publish_common_change(pathway, editor) -> Version:
    """A new common version that changes the section partnership A overrides."""
    section = pathway.sections.get(slug="fastlege-kartlegging")
    section_update(
        section=section, by=editor, body_nb="Fastlegen kartlegg nøye.", body_nn="Fastlegen kartlegg nøye nn."
    )
    return pathway_publish(
        pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="Retting.", summary_nn="Retting."
    )


def _assert_headings_in_order(html: str) -> None:
    levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(after - before <= 1 for before, after in zip(levels, levels[1:], strict=False)), levels


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/nb/redaksjon/", "/nb/redaksjon/forlop/angst/", SECTION_URL, PUBLISH_URL, ADAPTATION_URL, IMPORT_URL]
)
def test_anonymous_is_redirected_to_the_login_page(client, pathway, partnership_a, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/nb/logg-inn/?next=")


def test_anonymous_post_changes_nothing(client, pathway):
    response = client.post(SECTION_URL, _section_post())
    assert response.status_code == 302
    assert pathway.sections.get(slug="fastlege-kartlegging").body_nb.startswith("Fastlegen kartlegg")


@pytest.mark.parametrize("who", ["trust_seat", "adviser", "local_a"])
def test_only_the_responsible_editor_reaches_the_common_pathway(client, request, pathway, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/nb/redaksjon/forlop/angst/").status_code == 404
    for url in (SECTION_URL, PUBLISH_URL):
        assert client.get(url).status_code == 404
        assert client.post(url, _section_post() | _publish_post()).status_code == 404
    assert Version.objects.filter(pathway=pathway).count() == 1
    assert pathway.sections.get(slug="fastlege-kartlegging").body_nb.startswith("Fastlegen kartlegg")


def test_posts_need_the_csrf_token(pathway, editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(SECTION_URL, _section_post()).status_code == 403
    assert pathway.sections.get(slug="fastlege-kartlegging").body_nb.startswith("Fastlegen kartlegg")


# --- Home --------------------------------------------------------------------------------------


def test_home_lists_pathways_for_the_editor_with_the_unpublished_flag(client, pathway, editor):
    client.force_login(editor)
    html = client.get("/nb/redaksjon/").content.decode()
    assert 'href="/nb/redaksjon/forlop/angst/"' in html
    assert 'class="badge unpublished"' not in html
    section_update(section=pathway.sections.first(), by=editor, body_nb="Endret.", body_nn="Endra.")
    html = client.get("/nb/redaksjon/").content.decode()
    assert 'class="badge unpublished"' in html
    _assert_headings_in_order(html)


def test_home_lists_the_local_editors_adaptations_and_what_they_can_adapt(client, pathway, editor, local_a):
    from tests.factories import make_pathway

    make_pathway(editor=editor, slug="autisme")
    adaptation_create(partnership=local_a.profile.partnership, pathway=pathway, by=local_a)
    client.force_login(local_a)
    html = client.get("/nb/redaksjon/").content.decode()
    assert 'href="/nb/redaksjon/vest/forlop/angst/"' in html
    assert 'href="/nb/redaksjon/vest/forlop/autisme/"' in html
    assert 'href="/nb/redaksjon/vest/importer/"' in html
    assert 'href="/nb/redaksjon/forlop/angst/"' not in html


@pytest.mark.parametrize("who", ["trust_seat", "adviser"])
def test_home_offers_nothing_to_those_without_edit_rights(client, request, pathway, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/nb/redaksjon/")
    assert response.status_code == 200
    assert "/nb/redaksjon/forlop/" not in response.content.decode()
    assert "/nb/redaksjon/vest/" not in response.content.decode()


# --- Editing a common section ------------------------------------------------------------------


def test_editor_sees_the_draft_sections_with_edit_links(client, pathway, editor):
    client.force_login(editor)
    html = client.get("/nb/redaksjon/forlop/angst/").content.decode()
    for slug in ("innledning", "fastlege-kartlegging", "sjekkliste-henvisning"):
        assert f'href="/nb/redaksjon/forlop/angst/seksjon/{slug}/"' in html


def test_edit_form_is_prefilled_and_labelled(client, pathway, editor):
    client.force_login(editor)
    html = client.get(SECTION_URL).content.decode()
    for name in ("title_nb", "title_nn", "body_nb", "body_nn"):
        assert f'<label for="id_{name}">' in html
    assert "Del 1 nn.</textarea>" in html
    _assert_headings_in_order(html)


def test_editor_saves_a_section_and_the_history_records_who(client, pathway, editor):
    client.force_login(editor)
    response = client.post(SECTION_URL, _section_post(body_nb="Fastlegen kartlegg.\r\nNy linje."))
    assert response.status_code == 302
    assert response["Location"] == "/nb/redaksjon/forlop/angst/"
    section = pathway.sections.get(slug="fastlege-kartlegging")
    assert (section.body_nb, section.body_nn) == ("Fastlegen kartlegg.\nNy linje.", "Ny tekst nn.")
    entry = HistoryEntry.objects.get_for_object(section).first()
    assert entry.revision.user == editor
    assert len(list(client.get(response["Location"]).context["messages"])) == 1


def test_preview_shows_rendered_text_and_saves_nothing(client, pathway, editor):
    client.force_login(editor)
    response = client.post(SECTION_URL, _section_post(body_nb="**Viktig** tekst.", preview="1"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>Viktig</strong> tekst." in html
    assert "**Viktig** tekst.</textarea>" in html  # the typed text stays in the form
    _assert_headings_in_order(html)
    assert pathway.sections.get(slug="fastlege-kartlegging").body_nb.startswith("Fastlegen kartlegg")
    assert not HistoryEntry.objects.get_for_object(pathway.sections.get(slug="fastlege-kartlegging")).exists()


def test_too_long_text_is_refused_with_an_error_tied_to_the_field_and_the_text_kept(client, pathway, editor):
    client.force_login(editor)
    long_text = "ord " * (BODY_MAX_LENGTH // 4) + "for mye"
    response = client.post(SECTION_URL, _section_post(body_nn=long_text))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and 'href="#id_body_nn"' in html
    assert 'id="id_body_nn_error"' in html
    assert 'aria-describedby="id_body_nn_helptext id_body_nn_error"' in html
    assert 'aria-invalid="true"' in html
    assert long_text.strip() + "</textarea>" in html
    _assert_headings_in_order(html)
    assert pathway.sections.get(slug="fastlege-kartlegging").body_nn.endswith("Del 1 nn.")


def test_missing_title_is_refused(client, pathway, editor):
    client.force_login(editor)
    response = client.post(SECTION_URL, _section_post(title_nn=""))
    assert response.status_code == 400
    assert 'href="#id_title_nn"' in response.content.decode()


def test_script_in_a_body_is_stored_as_typed_but_never_served_live(client, pathway, editor):
    client.force_login(editor)
    preview = client.post(SECTION_URL, _section_post(body_nb=HOSTILE, body_nn=HOSTILE, preview="1"))
    assert "<script" not in preview.content.decode()
    assert "javascript:" not in preview.content.decode().split("</textarea>")[-1]
    client.post(SECTION_URL, _section_post(body_nb=HOSTILE, body_nn=HOSTILE))
    assert pathway.sections.get(slug="fastlege-kartlegging").body_nb == HOSTILE
    assert client.post(PUBLISH_URL, _publish_post()).status_code == 302
    public = client.get("/nb/forlop/angst/").content.decode()
    assert "alert(" in public  # the text is there, escaped
    assert "<script>alert" not in public and 'href="javascript:' not in public


# --- Publishing ----------------------------------------------------------------------------------


def test_publish_page_says_which_number_the_version_will_get(client, pathway, editor):
    client.force_login(editor)
    section_update(section=pathway.sections.first(), by=editor, body_nb="Endret.", body_nn="Endra.")
    html = client.get(PUBLISH_URL).content.decode()
    assert "2026.1" in html
    assert "Tittel 0" in html  # the changed section is listed


def test_editor_publishes_a_correction_and_the_public_page_shows_it(client, pathway, editor):
    client.force_login(editor)
    client.post(SECTION_URL, _section_post(body_nb="Helt ny bokmålstekst.", body_nn="Heilt ny nynorsktekst."))
    response = client.post(PUBLISH_URL, _publish_post(), follow=True)
    # Through the question of what it fixes (nothing waits here) on to the pathway.
    assert response.redirect_chain == [
        ("/nb/redaksjon/forslag/rettet/angst/2026.1/", 302),
        ("/nb/forlop/angst/", 302),
    ]
    pathway.refresh_from_db()
    version = pathway.current_version
    assert (version.number, version.kind, version.published_by) == ("2026.1", VersionKind.CORRECTION, editor)
    assert "Helt ny bokmålstekst." in client.get("/nb/forlop/angst/").content.decode()
    assert "Heilt ny nynorsktekst." in client.get("/nn/forlop/angst/").content.decode()


def test_editor_publishes_a_yearly_revision_for_the_year_given(client, pathway, editor):
    client.force_login(editor)
    client.post(SECTION_URL, _section_post())
    response = client.post(PUBLISH_URL, _publish_post(kind=VersionKind.REVISION, year="2027"))
    assert response.status_code == 302
    pathway.refresh_from_db()
    assert pathway.current_version.number == "2027"


def test_revision_without_a_year_is_refused(client, pathway, editor):
    client.force_login(editor)
    client.post(SECTION_URL, _section_post())
    response = client.post(PUBLISH_URL, _publish_post(kind=VersionKind.REVISION, year=""))
    assert response.status_code == 400
    assert 'href="#id_year"' in response.content.decode()
    assert Version.objects.filter(pathway=pathway).count() == 1


def test_one_sided_change_is_refused_with_the_reasons_and_nothing_is_published(client, pathway, editor):
    client.force_login(editor)
    client.post(SECTION_URL, _section_post(body_nb="Bare bokmål.", body_nn="Fastlegen kartlegg plagene og vurderer "
                                                                         "alvorsgrad. Del 1 nn."))  # fmt: skip
    response = client.post(PUBLISH_URL, _publish_post(summary_nb="Min oppsummering."))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert "«Tittel 1»" in html  # the reason names the section
    assert 'name="neutral" value="fastlege-kartlegging"' in html
    assert "Min oppsummering.</textarea>" in html
    _assert_headings_in_order(html)
    assert Version.objects.filter(pathway=pathway).count() == 1


def test_one_sided_change_marked_language_neutral_is_published(client, pathway, editor):
    client.force_login(editor)
    section_update(section=pathway.sections.get(slug="fastlege-kartlegging"), by=editor, body_nn="Berre lenkja.")
    response = client.post(PUBLISH_URL, _publish_post(neutral=["fastlege-kartlegging"]))
    assert response.status_code == 302
    pathway.refresh_from_db()
    assert pathway.current_version.number == "2026.1"
    assert pathway.current_version.sections.get(slug="fastlege-kartlegging").body_nn == "Berre lenkja."


def test_publishing_nothing_new_is_refused(client, pathway, editor):
    client.force_login(editor)
    response = client.post(PUBLISH_URL, _publish_post())
    assert response.status_code == 400
    assert Version.objects.filter(pathway=pathway).count() == 1


# --- Local adaptations ---------------------------------------------------------------------------


def test_local_editor_creates_the_adaptation(client, pathway, local_a, partnership_a):
    client.force_login(local_a)
    assert b'value="create"' in client.get(ADAPTATION_URL).content
    response = client.post(ADAPTATION_URL, {"action": "create"})
    assert response.status_code == 302
    adaptation = LocalAdaptation.objects.get(partnership=partnership_a, pathway=pathway)
    assert adaptation.based_on == pathway.current_version


def test_adaptation_page_lists_common_sections_with_override_links(client, adaptation_a, local_a):
    client.force_login(local_a)
    html = client.get(ADAPTATION_URL).content.decode()
    assert f'href="{OVERRIDE_URL}"' in html
    assert f'href="{NEW_LOCAL_URL}"' in html


def test_override_form_starts_from_the_common_text(client, adaptation_a, local_a):
    client.force_login(local_a)
    assert "Del 1.</textarea>" in client.get(OVERRIDE_URL).content.decode()


def test_local_editor_overrides_a_section_and_the_local_page_shows_it(client, adaptation_a, local_a):
    client.force_login(local_a)
    response = client.post(OVERRIDE_URL, _section_post(title_nb="", body_nb="Ring BUPA på telefon 12345678."))
    assert response.status_code == 302
    assert response["Location"] == ADAPTATION_URL
    override = adaptation_a.sections.get(slug="fastlege-kartlegging")
    assert (override.is_local, override.based_on_id) == (False, adaptation_a.pathway.current_version_id)
    assert client.get("/nb/vest/forlop/angst/").status_code == 404  # a draft until it is published
    publish(adaptation_a, local_a)
    html = client.get("/nb/vest/forlop/angst/").content.decode()
    assert "Ring BUPA på telefon 12345678." in html
    assert "Ring BUPA" not in client.get("/nb/forlop/angst/").content.decode()


def test_override_preview_saves_nothing(client, adaptation_a, local_a):
    client.force_login(local_a)
    response = client.post(OVERRIDE_URL, _section_post(body_nb="*lokal*", preview="1"))
    assert response.status_code == 200
    assert "<em>lokal</em>" in response.content.decode()
    assert not adaptation_a.sections.exists()


def test_local_editor_adds_a_local_section_after_a_common_one(client, adaptation_a, local_a):
    client.force_login(local_a)
    data = _section_post(slug="kontakt-vest", after_slug="innledning", body_nb="Kontakt oss.", body_nn="Kontakt oss.")
    response = client.post(NEW_LOCAL_URL, data)
    assert response.status_code == 302
    local = adaptation_a.sections.get(slug="kontakt-vest")
    assert (local.is_local, local.after_slug) == (True, "innledning")
    publish(adaptation_a, local_a)
    html = client.get("/nb/vest/forlop/angst/").content.decode()
    assert html.index('id="innledning"') < html.index('id="kontakt-vest"') < html.index('id="fastlege-kartlegging"')
    edit = client.get(ADAPTATION_URL + "seksjon/kontakt-vest/")
    assert edit.status_code == 200 and "Kontakt oss.</textarea>" in edit.content.decode()


@pytest.mark.parametrize("slug", ["fastlege-kartlegging", "ikke en slug", ""])
def test_local_section_needs_a_free_valid_anchor(client, adaptation_a, local_a, slug):
    client.force_login(local_a)
    response = client.post(NEW_LOCAL_URL, _section_post(slug=slug, after_slug=""))
    assert response.status_code == 400
    assert 'href="#id_slug"' in response.content.decode()
    assert not adaptation_a.sections.exists()


def test_local_editor_sets_local_titles(client, adaptation_a, local_a):
    client.force_login(local_a)
    response = client.post(ADAPTATION_URL, {"action": "titles", "title_nb": "Angst i Vest", "title_nn": "Angst i Vest"})
    assert response.status_code == 302
    publish(adaptation_a, local_a)
    assert "<h1>Angst i Vest</h1>" in client.get("/nb/vest/forlop/angst/").content.decode()


def test_script_in_an_override_is_never_served_live(client, adaptation_a, local_a):
    client.force_login(local_a)
    assert "<script" not in client.post(OVERRIDE_URL, _section_post(body_nb=HOSTILE, preview="1")).content.decode()
    client.post(OVERRIDE_URL, _section_post(body_nb=HOSTILE))
    assert adaptation_a.sections.get(slug="fastlege-kartlegging").body_nb == HOSTILE
    assert "<script>alert" not in client.get("/nb/vest/forlop/angst/").content.decode()


@pytest.mark.parametrize(
    "url, data",
    [
        (ADAPTATION_URL, {"action": "titles", "title_nb": "Kapret", "title_nn": "Kapra"}),
        (ADAPTATION_URL, {"action": "accept", "section": "fastlege-kartlegging"}),
        (OVERRIDE_URL, _section_post(body_nb="Kapret.")),
        (NEW_LOCAL_URL, _section_post(slug="kapret", after_slug="")),
        (IMPORT_URL, {}),
    ],
)
def test_another_partnerships_local_editor_gets_404_and_changes_nothing(client, override_a, local_b, url, data):
    client.force_login(local_b)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    adaptation = LocalAdaptation.objects.get(pk=override_a.adaptation_id)
    assert (adaptation.title_nb, adaptation.title_nn) == ("", "")
    assert list(adaptation.sections.values_list("slug", "body_nb")) == [
        ("fastlege-kartlegging", "Lokal tekst om fastlegen.")
    ]


def test_another_partnerships_local_editor_cannot_create_an_adaptation_there(client, pathway, local_b):
    client.force_login(local_b)
    assert client.post(ADAPTATION_URL, {"action": "create"}).status_code == 404
    assert not LocalAdaptation.objects.exists()


def test_the_responsible_editor_may_step_in_on_an_adaptation(client, override_a, editor):
    client.force_login(editor)
    assert client.get(ADAPTATION_URL).status_code == 200


# --- Changes in the common text ----------------------------------------------------------------


def test_common_change_is_shown_as_a_word_diff(client, override_a, pathway, editor, local_a):
    _publish_common_change(pathway, editor)
    client.force_login(local_a)
    html = client.get(ADAPTATION_URL).content.decode()
    assert 'class="notice common-change"' in html
    assert "nøye" in html.split("<ins>")[1]
    assert 'name="action" value="accept"' in html and 'name="action" value="keep"' in html
    _assert_headings_in_order(html)


def test_accepting_the_common_text_removes_the_override_and_the_notice(client, override_a, pathway, editor, local_a):
    _publish_common_change(pathway, editor)
    client.force_login(local_a)
    response = client.post(ADAPTATION_URL, {"action": "accept", "section": "fastlege-kartlegging"})
    assert response.status_code == 302
    assert not AdaptedSection.objects.filter(pk=override_a.pk).exists()
    assert 'class="notice common-change"' not in client.get(ADAPTATION_URL).content.decode()
    publish(override_a.adaptation, local_a)
    assert "Fastlegen kartlegg nøye." in client.get("/nb/vest/forlop/angst/").content.decode()


def test_keeping_the_local_text_bases_it_on_the_current_version(client, override_a, pathway, editor, local_a):
    version = _publish_common_change(pathway, editor)
    client.force_login(local_a)
    response = client.post(ADAPTATION_URL, {"action": "keep", "section": "fastlege-kartlegging"})
    assert response.status_code == 302
    override_a.refresh_from_db()
    assert override_a.based_on == version
    assert override_a.body_nb == "Lokal tekst om fastlegen."
    assert 'class="notice common-change"' not in client.get(ADAPTATION_URL).content.decode()


# --- Import --------------------------------------------------------------------------------------


def _upload(content: bytes, name: str = "angst-2026.json") -> dict:
    return {"file": SimpleUploadedFile(name, content, content_type="application/json")}


def test_import_of_an_edited_download_creates_the_adaptation_with_an_override(client, pathway, local_a):
    download = json.loads(client.get("/nb/forlop/angst/last-ned/?format=json").content)
    download["sections"][1]["body"]["nb"] = "Vår egen tekst om fastlegen."
    client.force_login(local_a)
    response = client.post(IMPORT_URL, _upload(json.dumps(download).encode()))
    assert response.status_code == 302
    assert response["Location"] == ADAPTATION_URL
    adaptation = LocalAdaptation.objects.get(partnership__slug="vest", pathway=pathway)
    assert list(adaptation.sections.values_list("slug", "is_local", "body_nb")) == [
        ("fastlege-kartlegging", False, "Vår egen tekst om fastlegen.")
    ]
    publish(adaptation, local_a, neutral_slugs=["fastlege-kartlegging"])  # the file changed bokmål only
    assert "Vår egen tekst om fastlegen." in client.get("/nb/vest/forlop/angst/").content.decode()


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe not utf-8",
        b"[1, 2, 3]",
        json.dumps({"format": "something-else/1", "pathway": "angst"}).encode(),
        json.dumps({"format": "forlop-export/1", "pathway": "finnes-ikke", "version": "2026", "sections": []}).encode(),
        json.dumps({"format": "forlop-export/1", "pathway": "angst", "version": "1999", "sections": []}).encode(),
        json.dumps({"format": "forlop-export/1", "pathway": "angst", "version": "2026.x", "sections": []}).encode(),
        json.dumps({"format": "forlop-export/1", "pathway": {"a": 1}, "version": "2026", "sections": []}).encode(),
        json.dumps(
            {
                "format": "forlop-export/1",
                "pathway": "angst",
                "version": "2026",
                "sections": [{"slug": "ikke gyldig", "title": {"nb": "a", "nn": "a"}, "body": {"nb": "", "nn": ""}}],
            }
        ).encode(),
        json.dumps({"format": "forlop-export/1", "pathway": "angst", "version": "2026", "sections": "x"}).encode(),
    ],
)
def test_bad_imports_are_refused_with_a_reason(client, pathway, local_a, content):
    client.force_login(local_a)
    response = client.post(IMPORT_URL, _upload(content))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert html.count("<li>") >= 1
    _assert_headings_in_order(html)
    assert not LocalAdaptation.objects.exists()


def test_import_over_two_megabytes_is_refused(client, pathway, local_a):
    client.force_login(local_a)
    response = client.post(IMPORT_URL, _upload(b" " * (2 * 1024 * 1024 + 1)))
    assert response.status_code == 400
    assert 'href="#id_file"' in response.content.decode()
    assert not LocalAdaptation.objects.exists()


def test_import_without_a_file_is_refused(client, pathway, local_a):
    client.force_login(local_a)
    assert client.post(IMPORT_URL, {}).status_code == 400
