"""Feedback from a local page: the link carries the local version, the proposal records it, an
unknown or another partnership's local version is handled like an unknown version, and the
proposal page tells when the local section changed since the reader saw it."""

import re

import pytest

from feedback.forms import form_started_token
from governance.models import ChangeProposal
from pathways.services import adaptation_create
from tests.local.conftest import GP, edit, publish
from tests.support import as_user

pytestmark = pytest.mark.django_db

TEXT = "Telefonnummeret til legevakten er feil."


@pytest.fixture(autouse=True)
def _no_minimum_time(settings):
    settings.FEEDBACK_MIN_SECONDS = 0


def send(client, **fields):
    data = {"kind": "error", "description": TEXT, "started": form_started_token(), **fields}
    return client.post("/nb/tilbakemelding/", data, REMOTE_ADDR="198.51.100.7")


def _link_of(html: str, section: str) -> str:
    links = re.findall(r'href="(/nb/tilbakemelding/\?[^"]+)"', html)
    return next(link for link in links if f"seksjon={section}" in link).replace("&amp;", "&")


def test_the_link_from_a_local_section_leads_to_a_proposal_with_the_local_version(client, published):
    link = _link_of(client.get("/nb/vest/forlop/angst/").content.decode(), "kontakter-vest")
    form = client.get(link).content.decode()
    assert "Kontakter i Vest" in form
    assert 'name="lokalversjon" value="vest-2026.1"' in form
    assert (
        send(
            client, forlop="angst", seksjon="kontakter-vest", versjon="2026", lokal="vest", lokalversjon="vest-2026.1"
        ).status_code
        == 302
    )
    proposal = ChangeProposal.objects.get()
    assert proposal.local_version == published.current_local_version
    assert (proposal.version.number, proposal.partnership.slug, proposal.section_slug) == (
        "2026",
        "vest",
        "kontakter-vest",
    )
    assert not proposal.context_unknown


def test_an_older_local_version_is_recorded_as_the_one_seen(client, published, local_a):
    first = published.current_local_version
    edit(published, local_a)
    publish(published, local_a)
    send(client, forlop="angst", seksjon=GP, lokal="vest", lokalversjon="vest-2026.1")
    proposal = ChangeProposal.objects.get()
    assert proposal.local_version == first and not proposal.context_unknown


@pytest.mark.parametrize("number", ["vest-2099.1", "nord-2026.1", "<script>", "x" * 100])
def test_an_unknown_or_foreign_local_version_is_marked_unknown_and_the_current_one_is_taken(
    client, published, partnership_b, pathway, local_b, number
):
    other = adaptation_create(partnership=partnership_b, pathway=pathway, by=local_b)
    edit(other, local_b)
    publish(other, local_b)
    assert send(client, forlop="angst", seksjon=GP, lokal="vest", lokalversjon=number).status_code == 302
    proposal = ChangeProposal.objects.get()
    assert proposal.local_version == published.current_local_version
    assert proposal.context_unknown


def test_a_local_version_named_without_a_published_adaptation_is_unknown(client, adaptation):
    send(client, forlop="angst", seksjon=GP, lokal="vest", lokalversjon="vest-2026.1")
    proposal = ChangeProposal.objects.get()
    assert proposal.local_version is None and proposal.context_unknown


def test_the_proposal_page_names_the_local_version(client, published, local_a):
    send(client, forlop="angst", seksjon="kontakter-vest", lokal="vest", lokalversjon="vest-2026.1")
    proposal = ChangeProposal.objects.get()
    html = as_user(client, local_a).get(f"/nb/redaksjon/forslag/{proposal.pk}/").content.decode()
    assert "vest-2026.1" in html
    assert "stale-notice" not in html  # the reader saw the current local version


def test_stale_notice_when_the_local_section_changed_since_the_reader_saw_it(client, published, local_a):
    send(client, forlop="angst", seksjon="kontakter-vest", lokal="vest", lokalversjon="vest-2026.1")
    proposal = ChangeProposal.objects.get()
    edit(published, local_a, slug="kontakter-vest", is_local=True, after_slug="innledning",
         title_nb="Kontakter i Vest", title_nn="Kontaktar i Vest",
         body_nb="Legevakten i Vest har nytt nummer.", body_nn="Legevakta i Vest har nytt nummer.")  # fmt: skip
    url = f"/nb/redaksjon/forslag/{proposal.pk}/"
    # A saved draft is not what readers see: no notice yet.
    assert "stale-notice" not in as_user(client, local_a).get(url).content.decode()
    publish(published, local_a)
    html = client.get(url).content.decode()
    notice = re.search(r'<section class="notice stale-notice".*?</section>', html, re.S)[0]
    assert re.search(r"<ins>.*?nytt nummer.*?</ins>", notice, re.S)


def test_stale_notice_when_the_local_section_was_removed(client, published, local_a):
    send(client, forlop="angst", seksjon="kontakter-vest", lokal="vest", lokalversjon="vest-2026.1")
    proposal = ChangeProposal.objects.get()
    published.sections.filter(slug="kontakter-vest").delete()
    publish(published, local_a)
    html = as_user(client, local_a).get(f"/nb/redaksjon/forslag/{proposal.pk}/").content.decode()
    assert "stale-notice" in html
    assert "Delen er ikke lenger med i gjeldende versjon." in html or "stale-notice" in html
