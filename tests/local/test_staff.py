"""The staff side of local versions (pathways.staff_views): the publish page, the adaptation page's
list of local versions and unpublished flag, and the staff home's adaptations on an old common
version."""

import pytest

from pathways.models import LocalVersion, VersionKind
from pathways.services import pathway_publish, section_update
from tests.local.conftest import GP, edit, publish
from tests.support import as_user

pytestmark = pytest.mark.django_db

ADAPTATION_URL = "/nb/redaksjon/vest/forlop/angst/"
PUBLISH_URL = ADAPTATION_URL + "publiser/"


def _post(**fields):
    return {"summary_nb": "Nytt nummer.", "summary_nn": "Nytt nummer nn.", "confirm": "on", **fields}


def test_adaptation_page_says_the_draft_is_unpublished_and_links_to_publishing(client, adaptation, local_a):
    html = as_user(client, local_a).get(ADAPTATION_URL).content.decode()
    assert "Ikke publisert ennå" in html
    assert 'class="badge unpublished"' in html
    assert f'href="{PUBLISH_URL}"' in html


def test_publish_page_lists_what_changes_and_the_number(client, adaptation, local_a):
    html = as_user(client, local_a).get(PUBLISH_URL).content.decode()
    assert "vest-2026.1" in html
    assert "Kontakter i Vest" in html and "Tittel 1" in html  # the local section and the rewritten one
    assert 'name="confirm"' in html


def test_local_editor_publishes_and_readers_see_it(client, adaptation, local_a):
    response = as_user(client, local_a).post(PUBLISH_URL, _post())
    assert response.status_code == 302 and response["Location"] == ADAPTATION_URL
    local_version = LocalVersion.objects.get(adaptation=adaptation)
    assert (local_version.number, local_version.published_by, local_version.summary_nn) == (
        "vest-2026.1",
        local_a,
        "Nytt nummer nn.",
    )
    assert "Ring BUPA Vest" in client.get("/nb/vest/forlop/angst/").content.decode()
    html = client.get(ADAPTATION_URL).content.decode()
    assert "vest-2026.1" in html and "Nytt nummer." in html
    assert "Oppdatert" in html  # the up-to-date label, not the unpublished badge
    assert 'class="badge unpublished"' not in html


def test_the_responsible_editor_may_publish_a_local_version(client, adaptation, editor):
    assert as_user(client, editor).post(PUBLISH_URL, _post()).status_code == 302
    assert LocalVersion.objects.get(adaptation=adaptation).published_by == editor


def test_another_partnerships_editor_and_other_roles_get_404(client, adaptation, local_b, trust_seat, adviser):
    for user in (local_b, trust_seat, adviser):
        as_user(client, user)
        assert client.get(PUBLISH_URL).status_code == 404
        assert client.post(PUBLISH_URL, _post()).status_code == 404
    assert not LocalVersion.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, adaptation):
    response = client.post(PUBLISH_URL, _post())
    assert response.status_code == 302 and "logg-inn" in response["Location"]
    assert not LocalVersion.objects.exists()


def test_publishing_twice_without_a_change_is_refused_with_a_clear_message(client, published, local_a):
    response = as_user(client, local_a).post(PUBLISH_URL, _post())
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert "Ingenting er endret siden gjeldende lokale versjon." in html
    assert LocalVersion.objects.filter(adaptation=published).count() == 1


def test_parity_problems_are_listed_in_the_error_summary_and_can_be_marked_neutral(client, published, local_a):
    edit(published, local_a, body_nb="Bare bokmål.", body_nn="Ring BUPA Vest på telefon 11111111 nn.")
    as_user(client, local_a)
    response = client.post(PUBLISH_URL, _post())
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[html.index('class="error-summary"') : html.index("</div>", html.index('class="error-summary"'))]
    assert "Tittel 1" in summary
    assert f'value="{GP}"' in html  # the language-neutral checkbox
    assert LocalVersion.objects.filter(adaptation=published).count() == 1
    assert client.post(PUBLISH_URL, _post(neutral=GP)).status_code == 302
    assert LocalVersion.objects.filter(adaptation=published).count() == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"summary_nb": "", "summary_nn": ""}, "Feltet må fylles ut."),
        ({"summary_nb": "   "}, "Feltet må fylles ut."),
        ({"summary_nb": "x" * 2001}, "2000"),
        ({"summary_nb": "Null\x00tegn"}, "Null"),
        ({"confirm": ""}, "Bekreft at du vil publisere endringene over."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_the_text_is_kept(client, adaptation, local_a, fields, message):
    response = as_user(client, local_a).post(PUBLISH_URL, _post(**fields))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and message in html
    kept = fields.get("summary_nn", "Nytt nummer nn.")
    assert not kept or kept in html  # what was typed is kept
    assert not LocalVersion.objects.exists()


def test_a_hostile_summary_is_stored_as_text_and_shown_escaped(client, published, local_a):
    edit(published, local_a)
    hostile = '<script>alert("x")</script> «Sjekk» & ✓'
    as_user(client, local_a).post(PUBLISH_URL, _post(summary_nb=hostile))
    assert published.versions.first().summary_nb == hostile
    for url in (ADAPTATION_URL, "/nb/vest/forlop/angst/versjoner/"):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_staff_home_lists_adaptations_on_an_old_common_version(client, published, editor, local_a, pathway):
    assert (
        "Lokale tilpasninger på en eldre felles versjon"
        not in as_user(client, editor).get("/nb/redaksjon/").content.decode()
    )
    section_update(section=pathway.sections.get(slug="innledning"), by=editor, body_nb="Ny.", body_nn="Ny nn.")
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R.", summary_nn="R.")
    html = client.get("/nb/redaksjon/").content.decode()
    listing = html[html.index('class="outdated-adaptations"') :]
    assert "Helsefellesskap Vest" in listing and "vest-2026.1" in listing and "2026.1" in listing
    local_home = as_user(client, local_a).get("/nb/redaksjon/").content.decode()
    assert "eldre felles versjon" in local_home
    adaptation_html = client.get(ADAPTATION_URL).content.decode()
    assert "Ein ny felles versjon" in adaptation_html or "En ny felles versjon" in adaptation_html
    published.refresh_from_db()
    publish(published, local_a)
    assert "outdated-adaptations" not in as_user(client, editor).get("/nb/redaksjon/").content.decode()
