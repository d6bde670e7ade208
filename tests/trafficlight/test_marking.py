"""The marking page: a municipality contact (or the partnership's local editor on its behalf) marks
each section of the pathway's current version green or yellow, on one page, without JavaScript."""

import re
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pathways.models import VersionKind
from pathways.services import pathway_publish, section_update
from tests.factories import make_pathway
from tests.support import as_user
from trafficlight.models import SectionMark
from trafficlight.services import MarkInput, marks_save

from .conftest import mark_url

pytestmark = pytest.mark.django_db

GP = "fastlege-kartlegging"


def post(client, url, version="2026", **fields):
    return client.post(url, {"version": version, **fields})


def test_the_contact_marks_green_and_yellow_and_sees_the_marks(client, pathway, partnership_a, vestby, contact_vestby):
    url = mark_url(partnership_a, pathway, vestby)
    page = as_user(client, contact_vestby).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('type="radio"') == 2 * 3 and "Ikke merket" in html
    response = post(
        client,
        url,
        **{"innledning-colour": "green", f"{GP}-colour": "yellow", f"{GP}-comment": "Vi har ikke kommunepsykolog."},
    )
    assert response.status_code == 302 and response["Location"] == url
    marks = {m.section_slug: m for m in SectionMark.objects.all()}
    assert set(marks) == {"innledning", GP}  # the third section was left for later
    assert marks[GP].colour == "yellow" and marks[GP].comment == "Vi har ikke kommunepsykolog."
    assert marks[GP].marked_by == contact_vestby and marks[GP].version == pathway.current_version
    again = client.get(url).content.decode()
    assert "2 merknader ble lagret." in again
    assert "Merket: 2 av 3 seksjoner." in again
    # What was marked is shown checked; the section left for later is not.
    assert re.search(rf'name="{GP}-colour" value="yellow"[^>]*checked', again)
    assert re.search(r'name="innledning-colour" value="green"[^>]*checked', again)
    assert not re.search(r'name="sjekkliste-henvisning-colour"[^>]*checked', again)
    assert "Vi har ikke kommunepsykolog." in again


def test_saving_the_same_marks_again_changes_nothing(client, pathway, partnership_a, vestby, contact_vestby, local_a):
    url = mark_url(partnership_a, pathway, vestby)
    post(as_user(client, contact_vestby), url, **{"innledning-colour": "green"})
    # The local editor saves the page as it is: the contact's mark, and who made it, stay.
    post(as_user(client, local_a), url, **{"innledning-colour": "green"})
    assert SectionMark.objects.get().marked_by == contact_vestby


def test_the_local_editor_marks_on_behalf_and_it_is_recorded(client, pathway, partnership_a, vestby, local_a):
    url = mark_url(partnership_a, pathway, vestby)
    page = as_user(client, local_a).get(url).content.decode()
    assert "på vegne av Vestby" in page or "på vegner av Vestby" in page
    post(client, url, **{"innledning-colour": "yellow", "innledning-comment": "Lokalt tilbud mangler."})
    mark = SectionMark.objects.get()
    assert mark.marked_by == local_a and mark.municipality == vestby


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({f"{GP}-colour": "yellow", f"{GP}-comment": "   "}, "Si i kommentaren hva som må tilpasses."),
        ({f"{GP}-colour": "red"}, "Velg grønt eller gult."),
        ({f"{GP}-colour": "green", f"{GP}-comment": "x" * 2001}, "Kommentaren er for lang"),
        ({"finnes-ikke-colour": "green"}, "«finnes-ikke»"),
    ],
    ids=["yellow-without-comment", "unknown-colour", "huge-comment", "unknown-section"],
)
def test_bad_input_is_refused_in_norwegian_and_nothing_typed_is_lost(
    client, pathway, partnership_a, vestby, contact_vestby, fields, message
):
    url = mark_url(partnership_a, pathway, vestby)
    typed = {"innledning-colour": "green", "innledning-comment": "Dette er en god tekst, som den er."}
    response = post(as_user(client, contact_vestby), url, **typed, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Det er et problem" in html and message in html
    assert "Dette er en god tekst, som den er." in html  # the rest of the form is kept
    assert not SectionMark.objects.exists()  # all or nothing


def test_a_form_from_an_older_version_is_refused_and_shown_on_the_new_one(
    client, editor, pathway, partnership_a, vestby, contact_vestby
):
    section_update(section=pathway.sections.get(slug=GP), by=editor, body_nb="Ny tekst.", body_nn="Ny tekst nn.")
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R", summary_nn="R")
    url = mark_url(partnership_a, pathway, vestby)
    response = post(as_user(client, contact_vestby), url, version="2026", **{"innledning-comment": "Beholdt tekst"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "ny versjon" in html and "2026.1" in html and "Beholdt tekst" in html
    assert not SectionMark.objects.exists()
    assert post(client, url, version="2026.1", **{"innledning-colour": "green"}).status_code == 302


def test_the_service_refuses_a_version_that_is_not_current(editor, pathway, vestby, contact_vestby):
    old = pathway.current_version
    section_update(section=pathway.sections.get(slug=GP), by=editor, body_nb="Ny.", body_nn="Ny nn.")
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R", summary_nn="R")
    from trafficlight.services import MarkRefused

    with pytest.raises(MarkRefused):
        marks_save(municipality=vestby, version=old, by=contact_vestby, marks=[MarkInput("innledning", "green")])
    assert not SectionMark.objects.exists()


def test_a_changed_section_asks_again_and_an_unchanged_one_keeps_its_mark(
    client, editor, pathway, partnership_a, vestby, contact_vestby
):
    marks_save(
        municipality=vestby,
        version=pathway.current_version,
        by=contact_vestby,
        marks=[MarkInput("innledning", "green"), MarkInput(GP, "yellow", "Mangler lokal kontakt.")],
    )
    section_update(section=pathway.sections.get(slug=GP), by=editor, body_nb="Endret.", body_nn="Endra.")
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R", summary_nn="R")
    html = as_user(client, contact_vestby).get(mark_url(partnership_a, pathway, vestby)).content.decode()
    assert "Fra en eldre tekst" in html and "Mangler lokal kontakt." in html
    assert "Merket: 1 av 3 seksjoner." in html  # the lead's text did not change, so its mark counts


@pytest.mark.parametrize("who", ["contact_nordvik", "contact_sorby", "local_b", "trust_seat", "adviser"])
def test_only_the_municipality_and_its_partnership_may_mark(client, request, pathway, partnership_a, vestby, who):
    user = request.getfixturevalue(who)
    url = mark_url(partnership_a, pathway, vestby)
    assert as_user(client, user).get(url).status_code == 404
    assert post(client, url, **{"innledning-colour": "green"}).status_code == 404
    assert not SectionMark.objects.exists()


def test_another_partnerships_municipality_is_not_found_under_this_one(
    client, pathway, partnership_a, sorby, local_a, contact_sorby
):
    # Sørby is of partnership B: under A's address it does not exist, whoever asks.
    url = mark_url(partnership_a, pathway, sorby)
    assert as_user(client, local_a).get(url).status_code == 404
    assert as_user(client, contact_sorby).get(url).status_code == 404


def test_anonymous_readers_are_sent_to_log_in(client, pathway, partnership_a, vestby):
    response = client.get(mark_url(partnership_a, pathway, vestby))
    assert response.status_code == 302 and "/logg-inn/" in response["Location"]


def _page_queries(client, editor, partnership, municipality, user, sections: int, slug: str) -> int:
    pathway = make_pathway(editor=editor, slug=slug, sections=sections)
    version = pathway.current_version
    assert version is not None
    marks_save(
        municipality=municipality,
        version=version,
        by=user,
        marks=[MarkInput(s.slug, "yellow", "Tilpasses.") for s in version.sections.all()],
    )
    as_user(client, user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(mark_url(partnership, pathway, municipality)).status_code == 200
    return len(queries)


def test_the_marking_page_costs_the_same_queries_for_few_and_many_sections(
    client, editor, partnership_a, vestby, contact_vestby
):
    few = _page_queries(client, editor, partnership_a, vestby, contact_vestby, 2, "angst")
    many = _page_queries(client, editor, partnership_a, vestby, contact_vestby, 30, "autisme")
    assert few == many


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_saves_at_once_leave_one_row(pathway, vestby, contact_vestby):
    version = pathway.current_version
    start = threading.Barrier(20)
    errors = []

    def save(number: int) -> None:
        try:
            start.wait()
            marks_save(
                municipality=vestby,
                version=version,
                by=contact_vestby,
                marks=[MarkInput(GP, "yellow", f"Kommentar {number}")],
            )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    mark = SectionMark.objects.get()
    assert mark.section_slug == GP and mark.comment.startswith("Kommentar ")
