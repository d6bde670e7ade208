"""Filing a change proposal from the staff pages at /<lang>/redaksjon/forslag/nytt/ (governance/views/
filing.py `proposal_file`, governance.proposals.services.proposal_file): who may file, the two steps, what
Preview shows, what Send stores, and how the form meets careless or hostile input.

The cast is the shared one from tests/conftest.py; `pathway` is "angst" 2026 with the sections
innledning, fastlege-kartlegging and sjekkliste-henvisning. New English messages have no translation
yet, so the tests assert the structure, the error codes and the database, not the words.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from reversion.models import Version as HistoryEntry

from governance.models import ChangeProposal, ProposalKind, ProposalSource, ProposalState
from governance.proposals.forms import DESCRIPTION_MAX_LENGTH, SUGGESTION_MAX_LENGTH
from pathways.models import Profile, Role, VersionKind
from pathways.services import pathway_publish, section_update
from tests.factories import make_pathway
from tests.feedback.test_form import Page, assert_error_next_to, page

pytestmark = pytest.mark.django_db

# The form's limits are the model fields' max_length, which the type checker only knows as int | None.
assert SUGGESTION_MAX_LENGTH is not None and DESCRIPTION_MAX_LENGTH is not None

URL = "/nb/redaksjon/forslag/nytt/"
SECTION = "fastlege-kartlegging"
SECTION_QUERY = f"forlop=angst&seksjon={SECTION}"
CURRENT_NB = "Fastlegen kartlegg plagene og vurderer alvorsgrad. Del 1."
SUGGESTION = "Fastlegen kartlegg plagene grundig og vurderer alvorsgrad. Del 1."
WHY = "Kartleggingen bør være grundig; dagens tekst sier ikke det."
HOSTILE = "<script>alert('x')</script> <img src=x onerror=alert(1)> [lenke](javascript:alert(1))"


def file(client, language: str = "nb", **fields):
    data = {"forlop": "angst", "seksjon": SECTION, "suggested_text": SUGGESTION, "description": WHY}
    data |= {"kind": ProposalKind.OUTDATED, "send": "1"} | fields
    return client.post(f"/{language}/redaksjon/forslag/nytt/", {k: v for k, v in data.items() if v is not None})


def has_error(response, field: str, code: str) -> bool:
    return response.context["form"].has_error(field, code=code)


def assert_error_tied_to(html: Page, name: str) -> None:
    """The field's error is linked from the summary, sits in the field's own group and is what the
    control's aria-describedby points at."""
    summary = html.find("div", **{"class": "error-summary"})[0]
    assert any(a.attrs.get("href") == f"#id_{name}" for a in html.find("a") if summary in a.ancestors())
    error = html.by_id(f"id_{name}_error").text.strip()
    assert error
    assert_error_next_to(html, name, error)


def assert_headings_in_order(html: str) -> None:
    levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(after - before <= 1 for before, after in zip(levels, levels[1:], strict=False)), levels


@pytest.fixture
def no_profile(db):
    return get_user_model().objects.create_user(username="no-profile", password="pw-for-tests", is_staff=True)


# --- Who may file ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page_and_nothing_is_stored(client, pathway):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/nb/logg-inn/?next=")
    assert file(client).status_code == 302
    assert not ChangeProposal.objects.exists()


@pytest.mark.parametrize("who", ["local_a", "trust_seat", "editor"])
def test_professionals_of_a_partnership_and_the_editor_may_file(client, request, pathway, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(URL)
    assert response.status_code == 200
    assert page(response).control("forlop").tag == "select"
    assert file(client).status_code == 302
    assert ChangeProposal.objects.count() == 1


def test_a_professional_with_a_partnership_may_file(client, pathway, partnership_a):
    user = get_user_model().objects.create_user(username="gp", password="pw-for-tests")
    Profile.objects.create(user=user, role=Role.PROFESSIONAL, partnership=partnership_a)
    client.force_login(user)
    assert client.get(f"{URL}?{SECTION_QUERY}").status_code == 200
    assert file(client).status_code == 302
    assert ChangeProposal.objects.get().partnership == partnership_a


@pytest.mark.parametrize("who", ["adviser", "no_profile"])
def test_those_without_a_partnership_get_404_and_nothing_is_stored(client, request, pathway, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 404
    assert client.get(f"{URL}?{SECTION_QUERY}").status_code == 404
    assert file(client).status_code == 404
    assert not ChangeProposal.objects.exists()


# --- The steps ---------------------------------------------------------------------------------


def test_step_one_offers_the_published_pathways_only(client, pathway, editor, local_a):
    make_pathway(editor=editor, slug="utkast", publish_year=None)
    client.force_login(local_a)
    html = page(client.get(URL))
    form = html.control("forlop")
    assert [o.attrs["value"] for o in html.find("option") if form in o.ancestors()] == ["angst"]
    assert next(a for a in form.ancestors() if a.tag == "form").attrs["method"] == "get"
    assert html.find("label", **{"for": "id_forlop"})
    assert not html.find("textarea")


def test_step_two_lists_the_sections_of_the_current_version(client, pathway, local_a):
    client.force_login(local_a)
    response = client.get(f"{URL}?forlop=angst")
    html = page(response)
    assert response.status_code == 200
    select = html.control("seksjon")
    options = [o.attrs["value"] for o in html.find("option") if select in o.ancestors()]
    assert options == ["innledning", "fastlege-kartlegging", "sjekkliste-henvisning"]
    assert html.control("forlop").attrs == {"type": "hidden", "name": "forlop", "value": "angst"}
    assert not html.find("textarea")  # the proposal form comes with a section


def test_chosen_section_shows_the_rendered_text_and_a_prefilled_labelled_form(client, pathway, local_a):
    client.force_login(local_a)
    response = client.get(f"{URL}?{SECTION_QUERY}")
    html = page(response)
    assert response.status_code == 200
    current = html.find("section", **{"aria-labelledby": "current-title"})[0]
    assert "<p>" + CURRENT_NB + "</p>" in response.content.decode()
    assert CURRENT_NB in current.text and "Tittel 1" in current.text
    assert html.kept("suggested_text") == CURRENT_NB
    assert html.control("suggested_text").attrs["lang"] == "nb"
    for name in ("suggested_text", "description"):
        assert html.find("label", **{"for": f"id_{name}"})
    assert html.find("legend")  # the kinds are a labelled group of radio buttons
    assert html.control("kind").attrs["type"] == "radio"
    assert next(a for a in html.control("description").ancestors() if a.tag == "form").attrs["method"] == "post"
    assert_headings_in_order(response.content.decode())


def test_the_suggestion_starts_in_the_filers_written_standard(client, pathway, local_a):
    Profile.objects.filter(user=local_a).update(language="nn")
    client.force_login(local_a)
    html = page(client.get(f"{URL}?{SECTION_QUERY}"))
    assert html.kept("suggested_text") == "Fastlegen kartlegg plagene og vurderer alvorsgrad. Del 1 nn."
    assert html.control("suggested_text").attrs["lang"] == "nn"

    # The filer may choose the other one.
    html = page(client.get(f"{URL}?{SECTION_QUERY}&maal=nb"))
    assert html.kept("suggested_text") == CURRENT_NB


@pytest.mark.parametrize(
    "query",
    [
        "forlop=finnes-ikke",
        "forlop=utkast",
        "forlop=angst&seksjon=finnes-ikke",
        "forlop=ang%00st",
        f"forlop=angst&seksjon={SECTION}%00",
    ],
)
def test_unknown_pathway_or_section_is_404(client, pathway, editor, local_a, query):
    make_pathway(editor=editor, slug="utkast", publish_year=None)
    client.force_login(local_a)
    assert client.get(f"{URL}?{query}").status_code == 404


@pytest.mark.parametrize(
    "fields",
    [{"forlop": "finnes-ikke"}, {"seksjon": "finnes-ikke"}, {"seksjon": None}, {"forlop": None}, {"seksjon": "a\x00"}],
)
def test_sending_for_an_unknown_pathway_or_section_is_404(client, pathway, local_a, fields):
    client.force_login(local_a)
    assert file(client, **fields).status_code == 404
    assert not ChangeProposal.objects.exists()


# --- Sending -----------------------------------------------------------------------------------


def test_send_files_a_new_professional_proposal_on_the_current_version(client, pathway, local_a, partnership_a):
    client.force_login(local_a)
    response = file(client, suggested_text=SUGGESTION.replace(" Del", "\r\nDel"))
    proposal = ChangeProposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/nb/redaksjon/forslag/{proposal.pk}/"
    assert len(list(get_messages(response.wsgi_request))) == 1
    assert proposal.state == ProposalState.NEW
    assert proposal.source == ProposalSource.PROFESSIONAL
    assert proposal.kind == ProposalKind.OUTDATED
    assert proposal.partnership == partnership_a
    assert proposal.language == "nb"
    assert proposal.pathway == pathway
    assert proposal.version == pathway.current_version
    assert proposal.section_slug == SECTION
    assert proposal.description == WHY
    assert proposal.suggested_text == SUGGESTION.replace(" Del", "\nDel")
    assert not proposal.may_contain_personal_data
    assert HistoryEntry.objects.get_for_object(proposal).get().revision.user == local_a


def test_a_resource_group_member_files_for_their_partnership(client, pathway, trust_seat, partnership_a):
    client.force_login(trust_seat)
    file(client)
    assert ChangeProposal.objects.get().partnership == partnership_a


def test_the_responsible_editor_files_on_the_common_text(client, pathway, editor):
    client.force_login(editor)
    file(client)
    assert ChangeProposal.objects.get().partnership is None


def test_a_nynorsk_suggestion_is_filed_in_nynorsk(client, pathway, local_a):
    client.force_login(local_a)
    assert file(client, maal="nn", suggested_text="Fastlegen kartlegg grundig. Del 1 nn.").status_code == 302
    assert ChangeProposal.objects.get().language == "nn"


def test_the_version_is_the_one_current_when_sent(client, pathway, editor, local_a):
    section_update(section=pathway.sections.get(slug=SECTION), by=editor, body_nb="Ny tekst.", body_nn="Ny tekst nn.")
    newer = pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R.", summary_nn="R.")
    client.force_login(local_a)
    file(client, suggested_text="Ny og bedre tekst.")
    assert ChangeProposal.objects.get().version == newer


def test_personal_data_in_the_description_flags_the_proposal(client, pathway, local_a):
    client.force_login(local_a)
    file(client, description="Pasienten ola.nordmann@example.no fikk feil råd.")
    assert ChangeProposal.objects.get().may_contain_personal_data


def test_contact_details_already_in_the_published_text_do_not_flag_the_proposal(client, pathway, editor, local_a):
    body = "Send henvisningen til post@example.no."
    section_update(section=pathway.sections.get(slug=SECTION), by=editor, body_nb=body, body_nn=body)
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R.", summary_nn="R.")
    client.force_login(local_a)
    file(client, suggested_text="Send henvisningen elektronisk til post@example.no.")
    assert not ChangeProposal.objects.get().may_contain_personal_data


# --- Preview -----------------------------------------------------------------------------------


def test_preview_shows_the_word_changes_and_saves_nothing(client, pathway, local_a):
    client.force_login(local_a)
    response = file(client, send=None, preview="1", suggested_text=SUGGESTION.replace("alvorsgrad", "risiko"))
    assert response.status_code == 200
    html = page(response)
    content = response.content.decode()
    assert '<ins><span class="visually-hidden">[' in content and "</span>grundig " in content
    assert '<del><span class="visually-hidden">[' in content and "</span>alvorsgrad" in content
    assert [e.text for e in html.find("ins")] == ["[lagt til: grundig ]", "[lagt til: risiko.]"]
    assert [e.text for e in html.find("del")] == ["[fjernet: alvorsgrad.]"]
    assert html.kept("suggested_text") == SUGGESTION.replace("alvorsgrad", "risiko")
    assert html.kept("description") == WHY
    assert_headings_in_order(content)
    assert not ChangeProposal.objects.exists()


def test_hostile_text_is_shown_escaped_in_the_preview_and_stored_as_typed(client, pathway, local_a):
    client.force_login(local_a)
    response = file(client, send=None, preview="1", suggested_text=HOSTILE, description=HOSTILE)
    html = page(response)
    assert response.status_code == 200
    assert not html.live_markup()
    assert "<script" not in response.content.decode()
    assert not [a for a in html.find("a") if a.attrs.get("href", "").startswith("javascript")]
    assert "alert('x')" in "".join(e.text for e in html.find("ins"))  # shown, as text
    assert html.kept("suggested_text") == HOSTILE and html.kept("description") == HOSTILE
    assert not ChangeProposal.objects.exists()

    assert file(client, suggested_text=HOSTILE, description=HOSTILE).status_code == 302
    proposal = ChangeProposal.objects.get()
    assert (proposal.suggested_text, proposal.description) == (HOSTILE, HOSTILE)


# --- Refused input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("suggested_text", "", "required"),
        ("suggested_text", " \r\n ", "required"),
        ("suggested_text", "ord " * (SUGGESTION_MAX_LENGTH // 4) + "for mye", "max_length"),
        ("suggested_text", "Ny tekst\x00 her.", "null_characters_not_allowed"),
        ("description", "", "required"),
        ("description", "x" * (DESCRIPTION_MAX_LENGTH + 1), "max_length"),
        ("description", "Feil\x00 her.", "null_characters_not_allowed"),
    ],
)
@pytest.mark.parametrize("button", ["send", "preview"])
def test_bad_text_is_refused_next_to_the_field_and_kept(client, pathway, local_a, field, value, code, button):
    client.force_login(local_a)
    response = file(client, **{field: value, "send": None, button: "1"})
    html = page(response)
    assert response.status_code == 400
    assert has_error(response, field, code)
    assert_error_tied_to(html, field)
    assert html.find("title")[0].text.startswith("Feil: ")
    if "\x00" not in value:
        assert html.kept(field) == value
    other = "description" if field == "suggested_text" else "suggested_text"
    assert html.kept(other) == {"description": WHY, "suggested_text": SUGGESTION}[other]
    assert not html.find("ins") and not html.find("del")
    assert not ChangeProposal.objects.exists()


def test_text_that_is_not_utf8_is_refused_next_to_the_field(client, pathway, local_a):
    client.force_login(local_a)
    body = (
        f"forlop=angst&seksjon={SECTION}&kind=error&send=1&description=Feil%20her".encode()
        + b"&suggested_text=Ny%20tekst%FF%FE%20her"
    )
    response = client.generic("POST", URL, body, content_type="application/x-www-form-urlencoded")
    html = page(response)
    assert response.status_code == 400
    assert has_error(response, "suggested_text", "unreadable")
    assert_error_tied_to(html, "suggested_text")
    assert html.kept("suggested_text") == "Ny tekst\ufffd\ufffd her"
    assert not ChangeProposal.objects.exists()


@pytest.mark.parametrize("same", [CURRENT_NB, CURRENT_NB + "\r\n", "  " + CURRENT_NB])
def test_a_suggestion_that_is_the_current_text_is_refused(client, pathway, local_a, same):
    client.force_login(local_a)
    response = file(client, suggested_text=same)
    assert response.status_code == 400
    assert has_error(response, "suggested_text", "unchanged")
    assert_error_tied_to(page(response), "suggested_text")
    assert not ChangeProposal.objects.exists()


def test_unknown_kind_is_refused(client, pathway, local_a):
    client.force_login(local_a)
    response = file(client, kind="spam")
    assert response.status_code == 400
    assert has_error(response, "kind", "invalid_choice")
    assert not ChangeProposal.objects.exists()


def test_the_language_switch_keeps_the_chosen_section(client, pathway, local_a):
    client.force_login(local_a)
    html = page(client.get(f"{URL}?{SECTION_QUERY}"))
    [switch] = html.find("a", hreflang="nn")
    assert switch.attrs["href"] == f"/nn/redaksjon/forslag/nytt/?{SECTION_QUERY}&maal=nb"
