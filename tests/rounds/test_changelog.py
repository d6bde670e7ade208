# ruff: noqa: F811 - the fixtures imported from test_release are parameters here
"""The public changelog /<lang>/forlop/<slug>/versjon/<number>/endringer/ (governance/views/changelog.py)
and the link to it from the version page. The reader is the plain, anonymous `client`."""

import pytest
from django.utils import timezone
from django.utils.html import escape

from governance.models import Decision, RoundState
from pathways.models import VersionKind
from pathways.services import pathway_publish
from tests.factories import make_pathway, make_round
from tests.rounds.test_decisions import DESCRIPTION, SECTION, decide, edit, make_item, shows, submit
from tests.rounds.test_release import (  # noqa: F401 - fixtures
    LINE_NB,
    LINE_NN,
    NEW_NB,
    NEW_NN,
    autisme,
    editorial,
    ready,
    release_round,
)

pytestmark = pytest.mark.django_db

CHANGELOG = "/{language}/forlop/{slug}/versjon/{number}/endringer/"


def changelog_url(language: str = "nb", slug: str = "angst", number: str = "2027") -> str:
    return CHANGELOG.format(language=language, slug=slug, number=number)


@pytest.fixture
def released(editor, editorial, ready):
    submit(ready["accepted"].proposal, email="leser@example.org")
    release_round(editorial, by=editor)
    return ready


def test_the_changelog_tells_each_change_in_plain_bokmal(client, released, partnership_a):
    response = client.get(changelog_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert shows(body, "nb", "Changes in %(year)s", year="2027")
    assert LINE_NB in body and LINE_NN not in body
    # The section it touched, linked to its place in the version.
    assert f'href="/nb/forlop/angst/versjon/2027/#{SECTION}"' in body and "Tittel 1" in body
    # The proposal behind it: its kind, its partnership and when it came in.
    assert shows(body, "nb", "Something is wrong")
    assert partnership_a.name in body
    assert timezone.localtime(released["accepted"].proposal.created_at).strftime("%d.%m.%Y") in body


def test_the_changelog_in_nynorsk_shows_the_nynorsk_line(client, released):
    body = client.get(changelog_url("nn")).content.decode()
    assert LINE_NN in body and LINE_NB not in body
    assert shows(body, "nn", "Changes in %(year)s", year="2027")
    assert "Tittel 1 nn" in body
    # The language switch leads to the same changelog in bokmål.
    assert 'href="/nb/forlop/angst/versjon/2027/endringer/"' in body


def test_a_proposal_on_the_common_text_is_shown_as_such(client, released):
    body = client.get(changelog_url(slug="autisme")).content.decode()
    assert "Sjekklisten ber om skolens vurdering." in body
    assert shows(body, "nb", "common text")


def test_the_changelog_never_shows_what_the_submitter_wrote_or_who_they_are(client, released):
    for language in ("nb", "nn"):
        body = client.get(changelog_url(language)).content.decode()
        assert DESCRIPTION not in body and escape(DESCRIPTION) not in body
        assert "leser@example.org" not in body
        assert f"#{released['accepted'].proposal_id}" not in body
    # Nor the rejected proposal: only what was published.
    rejected = released["rejected"].proposal
    assert rejected.description not in client.get(changelog_url()).content.decode()


def test_proposals_with_the_same_change_line_are_one_change(client, editor, editorial, pathway, partnership_b):
    first = make_item(editorial, pathway)
    second = make_item(editorial, pathway, partnership=partnership_b)
    edit(pathway, by=editor, nb=NEW_NB, nn=NEW_NN)
    section = pathway.sections.get(slug=SECTION)
    for item in (first, second):
        decide(item, by=editor, changed_section_ids=[section.pk], change_summary_nb=LINE_NB, change_summary_nn=LINE_NN)
    release_round(editorial, by=editor)
    body = client.get(changelog_url()).content.decode()
    assert body.count(LINE_NB) == 1
    assert body.count('class="changelog-entry"') == 1
    assert partnership_b.name in body and shows(body, "nb", "common text")


def test_a_hostile_change_line_is_shown_escaped(client, editor, editorial, pathway):
    item = make_item(editorial, pathway)
    edit(pathway, by=editor, nb=NEW_NB, nn=NEW_NN)
    hostile = "<script>alert('x')</script> Søvn"
    decide(
        item,
        by=editor,
        changed_section_ids=[pathway.sections.get(slug=SECTION).pk],
        change_summary_nb=hostile,
        change_summary_nn=hostile,
    )
    release_round(editorial, by=editor)
    body = client.get(changelog_url()).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Søvn" in body


def test_a_revision_without_round_changes_says_so(client, pathway):
    response = client.get(changelog_url(number="2026"))
    assert response.status_code == 200
    body = response.content.decode()
    assert shows(body, "nb", "No proposals from the yearly round were published in this version.")
    assert 'class="changelog-entry"' not in body


def test_a_correction_says_it_holds_no_round_changes(client, editor, released, pathway):
    edit(pathway, "innledning", by=editor, nb="Rettet skrivefeil.", nn="Retta skrivefeil.")
    pathway_publish(
        pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="Skrivefeil.", summary_nn="Skrivefeil."
    )
    body = client.get(changelog_url(number="2027.1")).content.decode()
    assert shows(
        body, "nb", "This is a correction between yearly revisions; it holds no proposals from the yearly round."
    )
    assert "Skrivefeil." in body


def test_the_version_page_links_to_the_changelog_of_its_year(client, released):
    current = client.get("/nb/forlop/angst/").content.decode()
    assert 'href="/nb/forlop/angst/versjon/2027/endringer/"' in current
    assert shows(current, "nb", "Changes in %(year)s", year="2027")
    older = client.get("/nn/forlop/angst/versjon/2026/").content.decode()
    assert 'href="/nn/forlop/angst/versjon/2026/endringer/"' in older
    assert shows(older, "nn", "Changes in %(year)s", year="2026")


@pytest.mark.parametrize(
    "path",
    [
        changelog_url(slug="finnes-ikke"),
        changelog_url(number="2031"),
        changelog_url(number="2026.7"),
        changelog_url(number="abc"),
        changelog_url(number="2026.1.1"),
        changelog_url(number="9" * 40),
        changelog_url(slug="rus", number="2026"),
    ],
)
def test_unknown_pathways_and_versions_are_the_norwegian_not_found_page(client, editor, pathway, path):
    make_pathway(editor=editor, slug="rus", publish_year=None)
    response = client.get(path)
    assert response.status_code == 404
    assert "Fant ikke siden" in response.content.decode()
    nynorsk = client.get(path.replace("/nb/", "/nn/", 1))
    assert nynorsk.status_code == 404 and "Fann ikkje sida" in nynorsk.content.decode()


def test_the_changelog_is_cached_like_the_other_public_pages(client, released):
    response = client.get(changelog_url())
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["ETag"] and response["Last-Modified"]
    again = client.get(changelog_url(), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    # Each written standard is its own page.
    assert client.get(changelog_url("nn"))["ETag"] != response["ETag"]


def test_the_changelog_only_reads(client, released):
    assert client.head(changelog_url()).status_code == 200
    assert client.post(changelog_url()).status_code == 405


def test_the_changelog_costs_the_same_few_queries_however_many_changes(
    client,
    editor,
    editorial,
    pathway,
    partnership_a,
    django_assert_max_num_queries,
):
    edit(pathway, by=editor, nb=NEW_NB, nn=NEW_NN)
    section = pathway.sections.get(slug=SECTION)
    for index in range(6):
        item = make_item(editorial, pathway, partnership=partnership_a if index % 2 else None)
        decide(
            item,
            by=editor,
            decision=Decision.ACCEPT,
            changed_section_ids=[section.pk],
            change_summary_nb=f"Endring {index}.",
            change_summary_nn=f"Endring {index} nn.",
        )
    release_round(editorial, by=editor)
    with django_assert_max_num_queries(6):
        response = client.get(changelog_url())
    assert response.content.decode().count('class="changelog-entry"') == 6


def test_the_changelog_of_an_open_round_shows_nothing_before_the_release(client, editor, pathway):
    review_round = make_round(year=2027, state=RoundState.EDITORIAL)
    item = make_item(review_round, pathway)
    edit(pathway, by=editor, nb=NEW_NB, nn=NEW_NN)
    decide(
        item,
        by=editor,
        changed_section_ids=[pathway.sections.get(slug=SECTION).pk],
        change_summary_nb=LINE_NB,
        change_summary_nn=LINE_NN,
    )
    assert client.get(changelog_url()).status_code == 404
    assert LINE_NB not in client.get(changelog_url(number="2026")).content.decode()
