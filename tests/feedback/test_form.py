"""The reader's feedback form at /<lang>/tilbakemelding/ (feedback/views.py `feedback_form`): what it
shows for the page it was opened from, what a POST stores, and how it meets hostile or careless input.

The reader is the plain `client`; each test names its own address (REMOTE_ADDR) where the source
matters. Timing is not the point of most tests, so the minimum time on the form is 0 unless a test
says otherwise.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
import time_machine
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from reversion.models import Version as HistoryVersion

from feedback.forms import form_started_token
from feedback.models import Submission
from governance.models import BouncingAddress, ChangeProposal, Notification, NotificationStatus, ProposalState
from governance.outbox.notifications import BOUNCING
from tests.governance.test_personal_data import make_id

pytestmark = pytest.mark.django_db

FORM = "/{language}/tilbakemelding/"
SECTION_LINK = "forlop=angst&seksjon=fastlege-kartlegging&versjon=2026"
TEXT = "Henvisningsadressen i sjekklista er feil."
# A moment well inside a ten-minute de-duplication bucket, so that tests moving the clock by a few
# minutes do not land on a bucket boundary by chance.
NOON = datetime(2026, 3, 2, 12, 1, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_minimum_time(settings):
    settings.FEEDBACK_MIN_SECONDS = 0


# --- Reading the page -------------------------------------------------------------------------


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict
    parent: "Element | None"
    parts: list = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class Page(HTMLParser):
    """The elements of a rendered page, each with its attributes, its text (entities decoded, as a
    browser would show it) and its parent."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self._open[-1] if self._open else None)
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, dict(attrs), self._open[-1] if self._open else None))

    def handle_endtag(self, tag):
        if any(element.tag == tag for element in self._open):
            while self._open.pop().tag != tag:
                pass

    def handle_data(self, data):
        for element in self._open:
            element.parts.append(data)

    def find(self, tag: str | None = None, **attrs) -> list[Element]:
        return [
            element
            for element in self.elements
            if (tag is None or element.tag == tag) and all(element.attrs.get(k) == v for k, v in attrs.items())
        ]

    def by_id(self, element_id: str) -> Element:
        [element] = self.find(id=element_id)
        return element

    def control(self, name: str) -> Element:
        return next(
            e for e in self.elements if e.attrs.get("name") == name and e.tag in {"input", "textarea", "select"}
        )

    def live_markup(self) -> list[Element]:
        """Elements in the page's content that would run or load something: scripts, images, frames,
        anything with an event handler attribute."""
        main = self.find("main")[0]
        return [
            e
            for e in self.elements
            if main in e.ancestors()
            and (e.tag in {"script", "img", "iframe"} or any(name.startswith("on") for name in e.attrs))
        ]

    def kept(self, name: str) -> str:
        """What the reader sees in a textarea (the browser drops the newline after the opening tag)."""
        text = self.control(name).text
        return text[1:] if text.startswith("\n") else text

    @property
    def main(self) -> str:
        return self.find("main")[0].text

    def in_main(self, tag: str) -> list[Element]:
        """The `tag` elements inside `<main>` (not the header's search box, say)."""
        return [e for e in self.find(tag) if any(a.tag == "main" for a in e.ancestors())]


def page(response) -> Page:
    return Page(response.content.decode())


def assert_error_next_to(page_: Page, name: str, message: str) -> None:
    """The message is in the field's own group and is what the control's aria-describedby points at."""
    control = page_.control(name)
    group = next(a for a in control.ancestors() if "field" in a.classes)
    assert message in group.text
    described_by = control.attrs.get("aria-describedby", "").split()
    assert f"id_{name}_error" in described_by
    assert message in page_.by_id(f"id_{name}_error").text
    assert control.attrs.get("aria-invalid") == "true"


# --- Sending ----------------------------------------------------------------------------------


def send(client, language: str = "nb", address: str = "198.51.100.7", **fields):
    data = {"kind": "error", "description": TEXT, "started": form_started_token(), **fields}
    return client.post(FORM.format(language=language), data, REMOTE_ADDR=address)


def nothing_stored() -> bool:
    return not ChangeProposal.objects.exists() and not Submission.objects.exists()


def test_form_opened_from_a_section_link_names_the_pathway_section_and_version(client, pathway):
    response = client.get(f"/nb/tilbakemelding/?{SECTION_LINK}")
    html = page(response)
    assert response.status_code == 200
    assert "Meld feil eller foreslå endring" in html.main
    context = html.find("section", **{"aria-labelledby": "concerns-title"})[0].text
    assert "Angstplager" in context
    assert "Tittel 1" in context
    assert "Versjon" in context and "2026" in context
    assert "fastlege-kartlegging" not in context and "angst\n" not in context
    assert "Vi fant ikke hele siden" not in context


def test_nynorsk_form_names_the_section_in_nynorsk(client, pathway):
    response = client.get(f"/nn/tilbakemelding/?{SECTION_LINK}")
    html = page(response)
    assert response.status_code == 200
    assert "Meld feil eller føreslå endring" in html.main
    context = html.find("section", **{"aria-labelledby": "concerns-title"})[0].text
    assert "Angstplager" in context
    assert "Tittel 1 nn" in context
    assert "2026" in context
    assert html.find("html")[0].attrs["lang"] == "nn"


def test_link_from_a_local_page_preselects_the_partnership(client, pathway, partnership_a):
    response = client.get(f"/nb/tilbakemelding/?{SECTION_LINK}&lokal=vest")
    html = page(response)
    assert "Lokal tilpasning" in html.main and "Helsefellesskap Vest" in html.main
    assert html.control("lokal").attrs["value"] == "vest"

    # And the partnership goes with what is sent from that form.
    assert send(client, forlop="angst", seksjon="fastlege-kartlegging", versjon="2026", lokal="vest").status_code == 302
    assert ChangeProposal.objects.get().partnership == partnership_a


def test_local_link_without_a_pathway_still_names_the_partnership(client, partnership_a):
    html = page(client.get("/nb/tilbakemelding/?lokal=vest"))
    assert "Helsefellesskap Vest" in html.main


def test_external_page_is_accepted_and_shown(client, db):
    response = client.get(f"/nb/tilbakemelding/?side={quote('https://example.org/angst', safe='')}")
    html = page(response)
    assert response.status_code == 200
    assert "Siden https://example.org/angst" in html.main
    assert html.control("side").attrs["value"] == "https://example.org/angst"
    assert "Vi fant ikke hele siden" not in html.main


@pytest.mark.parametrize("side", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "//evil.example"])
def test_page_address_that_is_not_a_web_address_is_refused(client, db, side):
    response = client.get(f"/nb/tilbakemelding/?side={quote(side, safe='')}")
    html = page(response)
    assert response.status_code == 200
    assert "Vi fant ikke hele siden du kom fra" in html.main
    assert "alert(1)" not in response.content.decode()
    assert not [a for a in html.find("a") if a.attrs.get("href", "").lower().startswith(("javascript", "data"))]
    assert html.control("side").attrs.get("value", "") == ""

    # Sent as it is by hand, it is not stored either; the context is marked unknown.
    assert send(client, side=side).status_code == 302
    proposal = ChangeProposal.objects.get()
    assert proposal.external_url == "" and proposal.context_unknown


@pytest.mark.parametrize(
    "query",
    [
        "forlop=finnes-ikke",
        "forlop=angst&seksjon=finnes-ikke&versjon=2026",
        "forlop=angst&seksjon=fastlege-kartlegging&versjon=1999",
        "forlop=angst&versjon=tjue",
        "forlop=angst&versjon=999999999999",
        "lokal=finnes-ikke",
        "seksjon=fastlege-kartlegging",
    ],
)
def test_unknown_page_still_gives_a_working_form_that_says_so(client, pathway, query):
    response = client.get(f"/nb/tilbakemelding/?{query}")
    assert response.status_code == 200
    html = page(response)
    assert "Vi fant ikke hele siden du kom fra" in html.main
    assert html.control("description")


@pytest.mark.parametrize("query", ["forlop=%00", "forlop=angst&seksjon=a%00b", "lokal=vest%00", "forlop=ang%0Ast"])
def test_link_with_control_characters_gives_a_working_form(client, pathway, partnership_a, query):
    response = client.get(f"/nb/tilbakemelding/?{query}")
    assert response.status_code == 200
    assert "Vi fant ikke hele siden du kom fra" in page(response).main

    # The hidden fields carry nothing the form would refuse: sending it works, and stays unknown.
    hidden = {name: page(response).control(name).attrs.get("value", "") for name in ("forlop", "seksjon", "lokal")}
    assert send(client, **hidden).status_code == 302
    assert ChangeProposal.objects.get().context_unknown


def test_posted_context_with_a_nul_character_is_no_server_error(client, pathway, partnership_a):
    for name in ("forlop", "seksjon", "lokal", "side"):
        response = send(client, **{"forlop": "angst", name: "x\x00y"})
        assert response.status_code == 400
    assert nothing_stored()


def test_quote_from_the_link_fills_in_the_quoted_text(client, pathway):
    quoted = "Fastlegen kartlegg plagene & vurderer <alvorsgrad>."
    html = page(client.get(f"/nb/tilbakemelding/?{SECTION_LINK}&sitat={quote(quoted)}"))
    assert html.kept("quote") == quoted


# --- A valid submission -----------------------------------------------------------------------


def test_submission_through_the_form_becomes_a_new_proposal(client, pathway):
    with time_machine.travel(NOON, tick=False) as clock:
        form = page(client.get(f"/nb/tilbakemelding/?{SECTION_LINK}"))
        hidden = {e.attrs["name"]: e.attrs.get("value", "") for e in form.find("input", type="hidden")}
        clock.shift(timedelta(seconds=30))
        response = client.post(
            "/nb/tilbakemelding/",
            {**hidden, "kind": "outdated", "description": TEXT, "role": "gp", "email": "leser@example.no"},
            REMOTE_ADDR="198.51.100.7",
        )

    submission = Submission.objects.get()
    proposal = submission.proposal
    assert response.status_code == 302
    assert response["Location"] == f"/nb/tilbakemelding/{submission.token}/?sendt=1"
    assert proposal.state == ProposalState.NEW
    assert proposal.source == "reader" and proposal.kind == "outdated"
    assert proposal.pathway == pathway
    assert proposal.section_slug == "fastlege-kartlegging"
    assert proposal.version == pathway.current_version and proposal.version.number == "2026"
    assert proposal.language == "nb"
    assert proposal.partnership is None
    assert proposal.description == TEXT
    assert not proposal.context_unknown
    assert submission.email == "leser@example.no" and submission.role == "gp" and submission.language == "nb"


def test_receipt_page_shows_the_status_link(client, pathway, settings):
    response = send(client, forlop="angst", seksjon="fastlege-kartlegging", versjon="2026")
    receipt = client.get(response["Location"])
    token = Submission.objects.get().token
    status_url = f"{settings.SITE_URL}/nb/tilbakemelding/{token}/"
    html = page(receipt)
    assert receipt.status_code == 200
    assert "Takk for tilbakemeldingen" in html.main
    assert [a for a in html.find("a") if a.attrs.get("href") == status_url]


def test_receipt_page_leads_back_to_the_section_of_the_pathway(client, pathway):
    receipt = client.get(send(client, forlop="angst", seksjon="fastlege-kartlegging", versjon="2026")["Location"])
    links = [a for a in page(receipt).find("a") if "back-to-pathway" in a.classes]
    assert [a.attrs["href"] for a in links] == ["/nb/forlop/angst/#fastlege-kartlegging"]
    assert "Angstplager" in links[0].text


def test_receipt_email_leads_back_to_the_local_page_it_came_from(client, pathway, partnership_a, settings):
    send(client, forlop="angst", seksjon="fastlege-kartlegging", lokal="vest", email="leser@example.no")
    notification = Notification.objects.get()
    assert notification.context["pathway_url"] == f"{settings.SITE_URL}/nb/vest/forlop/angst/#fastlege-kartlegging"
    _subject, text, html = _render_receipt(notification)
    assert notification.context["pathway_url"] in text and notification.context["pathway_url"] in html


def _render_receipt(notification):
    from governance.outbox.notifications import _render

    message = _render(notification)
    return message.subject, message.body, message.alternatives[0][0]


def test_nynorsk_submission_is_stored_as_nynorsk(client, pathway):
    response = send(client, language="nn", forlop="angst", seksjon="fastlege-kartlegging", versjon="2026")
    submission = Submission.objects.get()
    assert response["Location"] == f"/nn/tilbakemelding/{submission.token}/?sendt=1"
    assert submission.language == "nn" and submission.proposal.language == "nn"


def test_reader_may_pick_the_partnership(client, pathway, partnership_a):
    assert send(client, forlop="angst", partnership="vest").status_code == 302
    assert ChangeProposal.objects.get().partnership == partnership_a


def test_receipt_email_is_queued_with_the_status_link_and_without_the_text(client, pathway, settings):
    send(client, forlop="angst", seksjon="fastlege-kartlegging", versjon="2026", email="leser@example.no")
    submission = Submission.objects.get()
    notification = Notification.objects.get()
    assert notification.kind == "feedback_receipt"
    assert notification.recipient == "leser@example.no"
    assert notification.language == "nb"
    assert notification.context["status_url"] == f"{settings.SITE_URL}/nb/tilbakemelding/{submission.token}/"
    assert TEXT not in str(notification.context)
    assert "Henvisningsadressen" not in str(notification.context)


def test_what_the_form_writes_is_one_statement(client, pathway):
    """The proposal, its history entry, the submission and the receipt's outbox row: one round trip
    to PostgreSQL (pathways.chain), where each used to be a statement of its own (14 in all)."""
    with CaptureQueriesContext(connection) as queries:
        response = send(
            client, forlop="angst", seksjon="fastlege-kartlegging", versjon="2026", email="leser@example.no"
        )
    assert response.status_code == 302
    writes = [q["sql"] for q in queries if "INSERT" in q["sql"]]
    assert len(writes) == (1 if connection.vendor == "postgresql" else 5)
    submission = Submission.objects.get()
    assert HistoryVersion.objects.get_for_object(submission.proposal).get().revision.comment == "Forslag mottatt"
    assert Notification.objects.get().dedupe_key == f"feedback_receipt:{submission.pk}"


def test_the_receipt_is_handed_to_the_broker_once_after_commit(client, pathway, monkeypatch):
    handed = []
    monkeypatch.setattr("governance.outbox.notifications.notification_hand_over", handed.append)
    with TestCase.captureOnCommitCallbacks(execute=True):
        send(client, email="leser@example.no")
    assert handed == [Notification.objects.get().pk]
    assert Notification.objects.get().status == NotificationStatus.PENDING


def test_a_receipt_to_a_bouncing_address_is_written_failed_and_not_handed_over(client, pathway, monkeypatch):
    BouncingAddress.objects.create(email="leser@example.no", reason="550 no such user")
    handed = []
    monkeypatch.setattr("governance.outbox.notifications.notification_hand_over", handed.append)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = send(client, email="  Leser@Example.no ")
    assert response.status_code == 302  # the feedback itself is stored as always
    notification = Notification.objects.get()
    assert (notification.status, notification.last_error) == (NotificationStatus.FAILED, BOUNCING)
    assert handed == []
    assert Submission.objects.get().proposal.description == TEXT


def test_no_email_no_receipt(client, pathway):
    assert send(client, forlop="angst").status_code == 302
    assert ChangeProposal.objects.count() == 1
    assert not Notification.objects.exists()


# --- Hostile and careless input ----------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong-token-" * 6])
def test_post_without_a_valid_csrf_token_is_refused_in_norwegian(db, token):
    client = Client(enforce_csrf_checks=True)
    client.get("/nb/tilbakemelding/")  # sets the CSRF cookie
    data = {"kind": "error", "description": TEXT, "started": form_started_token()}
    if token:
        data["csrfmiddlewaretoken"] = token
    response = client.post("/nb/tilbakemelding/", data)
    assert response.status_code == 403
    assert "Skjemaet er utløpt" in response.content.decode()
    assert nothing_stored()


def test_post_with_the_forms_csrf_token_goes_through(db):
    client = Client(enforce_csrf_checks=True)
    form = page(client.get("/nb/tilbakemelding/"))
    token = form.control("csrfmiddlewaretoken").attrs["value"]
    data = {"kind": "error", "description": TEXT, "started": form_started_token(), "csrfmiddlewaretoken": token}
    assert client.post("/nb/tilbakemelding/", data).status_code == 302


def test_filled_hidden_field_is_refused_without_logging_the_text(client, pathway, caplog):
    caplog.set_level(logging.DEBUG)
    response = send(client, website="https://spam.example", description="Kjøp billige klokker nå")
    assert response.status_code == 400
    assert "Tilbakemeldingen ble ikke sendt" in response.content.decode()
    assert nothing_stored()
    assert any("hidden field" in record.getMessage() for record in caplog.records)
    assert "klokker" not in caplog.text and "spam.example" not in caplog.text


def test_form_sent_too_fast_is_refused_and_keeps_the_text(client, pathway, settings):
    settings.FEEDBACK_MIN_SECONDS = 3
    with time_machine.travel(NOON, tick=False) as clock:
        form = page(client.get(f"/nb/tilbakemelding/?{SECTION_LINK}"))
        started = form.control("started").attrs["value"]
        clock.shift(timedelta(seconds=1))
        response = send(client, started=started, description=TEXT)
        html = page(response)
        assert response.status_code == 400
        # Plainly what to do, without suggesting the reader is a robot.
        assert "Teksten din står nedenfor: vent litt og send det på nytt." in html.main
        assert "menneske" not in html.main
        assert html.kept("description") == TEXT
        assert nothing_stored()

        # The page came back with a fresh start time: a little later the same form goes through.
        clock.shift(timedelta(seconds=5))
        again = send(client, started=html.control("started").attrs["value"], description=html.kept("description"))
        assert again.status_code == 302
    assert ChangeProposal.objects.get().description == TEXT


def test_form_without_a_signed_start_time_is_refused(client, db):
    response = send(client, started="forged")
    assert response.status_code == 400
    assert "Skjemaet var utløpt" in page(response).main
    assert page(response).kept("description") == TEXT
    assert nothing_stored()


def test_too_long_description_is_refused_next_to_the_field(client, pathway):
    long_text = "Forløpet mangler et avsnitt. " * 70  # 2,030 characters
    response = send(client, description=long_text)
    html = page(response)
    assert response.status_code == 400
    assert_error_next_to(html, "description", "Teksten er for lang: den kan ha høyst 2\xa0000 tegn")
    assert html.kept("description") == long_text
    assert nothing_stored()


def test_empty_description_is_refused_next_to_the_field(client, pathway):
    response = send(client, description="   ", suggested_text="Bytt ut avsnittet.")
    html = page(response)
    assert response.status_code == 400
    assert_error_next_to(html, "description", "Skriv hva som er feil, eller hva som bør endres.")
    assert html.kept("suggested_text") == "Bytt ut avsnittet."
    assert nothing_stored()


def test_malformed_email_is_refused_next_to_the_field(client, pathway):
    response = send(client, email="leser@@example")
    html = page(response)
    assert response.status_code == 400
    assert_error_next_to(html, "email", "Skriv en gyldig e-postadresse")
    assert html.control("email").attrs["value"] == "leser@@example"
    assert html.kept("description") == TEXT
    assert nothing_stored()


def test_too_long_email_is_refused_next_to_the_field(client, pathway):
    email = "a" * 289 + "@example.no"  # 300 characters
    response = send(client, email=email)
    html = page(response)
    assert response.status_code == 400
    assert_error_next_to(html, "email", "E-postadressen er for lang: den kan ha høyst 254 tegn.")
    assert html.kept("description") == TEXT
    assert nothing_stored()


def test_nul_character_in_the_description_is_refused_next_to_the_field(client, pathway):
    response = send(client, description="Feil dose\x00 i avsnittet.")
    html = page(response)
    assert response.status_code == 400
    assert_error_next_to(html, "description", "Null-tegn er ikke tillatt.")
    assert "Feil dose" in html.kept("description") and "i avsnittet." in html.kept("description")
    assert nothing_stored()


def test_text_that_is_not_utf8_is_refused_next_to_the_field(client, pathway):
    body = (
        f"kind=error&description=Feil%20dose%FF%FE%20i%20avsnittet&started={form_started_token()}".encode()
        + b"&suggested_text=Bytt%20ut%20dosen"
    )
    response = client.generic(
        "POST", "/nb/tilbakemelding/", body, content_type="application/x-www-form-urlencoded", REMOTE_ADDR="192.0.2.1"
    )
    html = page(response)
    assert response.status_code == 400
    assert_error_next_to(html, "description", "Teksten har tegn som ikke kunne leses.")
    assert html.kept("description") == "Feil dose\ufffd\ufffd i avsnittet"
    assert html.kept("suggested_text") == "Bytt ut dosen"
    assert nothing_stored()


@pytest.mark.parametrize(
    "hostile",
    ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '=HYPERLINK("http://x","y")'],
)
def test_markup_and_formulas_are_stored_as_typed_and_shown_escaped(client, pathway, hostile):
    response = send(client, forlop="angst", description=hostile, suggested_text=hostile, quote=hostile)
    proposal = ChangeProposal.objects.get()
    assert proposal.description == hostile
    assert proposal.suggested_text == hostile
    assert proposal.quote == hostile

    status = client.get(response["Location"])
    html = page(status)
    assert status.status_code == 200
    assert not html.live_markup()
    assert not [e for e in html.find("script") if "alert" in e.text]
    shown = [e.text for e in html.find("dd") if "reader-text" in e.classes]
    assert shown == [hostile, hostile]
    assert hostile not in status.content.decode()


def test_markup_is_escaped_when_the_form_comes_back_with_an_error(client, pathway):
    hostile = "<script>alert(1)</script>"
    response = send(client, description=hostile, quote=hostile, email="ikke en adresse")
    html = page(response)
    assert response.status_code == 400
    assert not html.live_markup()
    assert html.kept("description") == hostile and html.kept("quote") == hostile


# --- The same text twice ----------------------------------------------------------------------


def test_same_text_from_the_same_source_twice_is_one_proposal(client, pathway):
    with time_machine.travel(NOON, tick=False) as clock:
        first = send(client, forlop="angst", address="203.0.113.5")
        clock.shift(timedelta(minutes=3))
        second = send(client, forlop="angst", address="203.0.113.5", description=f"  {TEXT.upper()} ")
    assert ChangeProposal.objects.count() == 1
    assert second.status_code == 302
    assert second["Location"] == first["Location"] == f"/nb/tilbakemelding/{Submission.objects.get().token}/?sendt=1"


def test_same_text_from_another_source_is_another_proposal(client, pathway):
    with time_machine.travel(NOON, tick=False):
        first = send(client, forlop="angst", address="203.0.113.5")
        second = send(client, forlop="angst", address="203.0.113.6")
    assert ChangeProposal.objects.count() == 2
    assert first["Location"] != second["Location"]


@pytest.mark.parametrize("start", [NOON, NOON.replace(minute=9, second=59)])
def test_same_text_after_the_window_is_another_proposal(client, pathway, settings, start):
    with time_machine.travel(start, tick=False) as clock:
        send(client, forlop="angst", address="203.0.113.5")
        clock.shift(timedelta(minutes=settings.FEEDBACK_DUPLICATE_MINUTES, seconds=1))
        send(client, forlop="angst", address="203.0.113.5")
    assert ChangeProposal.objects.count() == 2


# --- Rate limit -------------------------------------------------------------------------------


@pytest.mark.redis
def test_too_many_submissions_from_one_address_are_refused_and_keep_the_text(client, pathway, settings):
    with time_machine.travel(NOON, tick=False):
        for n in range(settings.FEEDBACK_PER_MINUTE):
            assert send(client, description=f"Melding nummer {n}", address="203.0.113.9").status_code == 302
        refused = send(client, description="Den sjette meldingen", address="203.0.113.9")
        other = send(client, description="Fra en annen adresse", address="203.0.113.10")
    html = page(refused)
    assert refused.status_code == 429
    assert "Du har sendt mange meldinger på kort tid" in html.main
    assert html.kept("description") == "Den sjette meldingen"
    assert other.status_code == 302
    assert ChangeProposal.objects.count() == settings.FEEDBACK_PER_MINUTE + 1
    assert not ChangeProposal.objects.filter(description="Den sjette meldingen").exists()


def test_submissions_go_through_when_the_cache_is_down(client, pathway, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    for n in range(settings.FEEDBACK_PER_MINUTE + 1):
        assert send(client, description=f"Melding nummer {n}").status_code == 302
    assert ChangeProposal.objects.count() == settings.FEEDBACK_PER_MINUTE + 1
    assert "rate limit feedback unavailable, allowing" in caplog.text  # the cache really was down


# --- Personal data ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        f"Gjelder pasient med fødselsnummer {make_id('018135')}.",
        "Ring mor på 912 34 567 om dette.",
        "Skriv til kari.nordmann@example.no for detaljer.",
    ],
)
def test_text_with_personal_data_is_flagged_and_never_logged(client, pathway, caplog, description):
    caplog.set_level(logging.DEBUG)
    assert send(client, forlop="angst", description=description, email="leser@example.no").status_code == 302
    assert ChangeProposal.objects.get().may_contain_personal_data is True
    assert "feedback received" in caplog.text  # the request's own log lines were captured
    assert description not in caplog.text
    for secret in (make_id("018135"), "912 34 567", "kari.nordmann", "leser@example.no"):
        assert secret not in caplog.text


def test_ordinary_text_is_not_flagged(client, pathway):
    send(client, forlop="angst", description="Barn 0–3 år: se ICD-10 F41.1 og versjon 2026.1.")
    assert ChangeProposal.objects.get().may_contain_personal_data is False


def test_refused_submission_does_not_log_the_text(client, pathway, caplog):
    caplog.set_level(logging.DEBUG)
    number = make_id("020236")
    response = send(client, description=f"Pasient {number} " * 100, email="ikke gyldig")
    assert response.status_code == 400
    assert number not in caplog.text and "ikke gyldig" not in caplog.text
