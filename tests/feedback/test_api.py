"""The reader-feedback JSON API (/api/v1/feedback/): sending, duplicates, validation in the form's
words, the shared rate limit, the status lookup and the schema."""

import json

import pytest
import yaml
from django.test import Client
from django.utils import translation
from drf_spectacular.validation import validate_schema

from feedback.api import MAX_BODY_BYTES
from feedback.forms import FeedbackForm
from feedback.models import Submission
from feedback.services import feedback_withdraw
from governance.models import ChangeProposal, Notification, ProposalSource

pytestmark = pytest.mark.django_db

URL = "/api/v1/feedback/"
SCRIPT = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("https://evil.example/","Klikk her")'


def send(client, body, **extra):
    """POST `body` as JSON (a str or bytes is sent as it is)."""
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data, content_type="application/json", **extra)


def feedback(**fields) -> dict:
    return {"kind": "error", "description": "Henvisningen mangler telefonnummer.", **fields}


def form_errors(data: dict, language: str = "nb") -> dict:
    """What the HTML form says about `data`, in `language`."""
    with translation.override(language):
        form = FeedbackForm(data, check_timing=False)
        form.is_valid()
        return {name: [e["message"] for e in errors] for name, errors in form.errors.get_json_data().items()}


def assert_nothing_stored():
    assert ChangeProposal.objects.count() == 0
    assert Submission.objects.count() == 0
    assert Notification.objects.count() == 0


# --- Sending -----------------------------------------------------------------------------------


def test_post_stores_a_proposal_and_a_submission(client, pathway, partnership_a, settings):
    body = feedback(
        kind="outdated",
        suggested_text="Legg til nummeret.",
        quote="Ring legevakten.",
        role="gp",
        forlop="angst",
        seksjon="fastlege-kartlegging",
        versjon="2026",
        lokal="vest",
        side="https://kommune.example/angst",
    )
    response = send(client, body)
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    data = response.json()
    token = data["token"]
    assert data == {
        "token": token,
        "status_url": f"{settings.SITE_URL}/nb/tilbakemelding/{token}/",
        "state": "new",
    }
    assert response["Location"] == f"http://testserver/api/v1/feedback/{token}/"
    assert "no-store" in response["Cache-Control"]

    proposal = ChangeProposal.objects.get()
    assert proposal.source == ProposalSource.READER
    assert (proposal.kind, proposal.state, proposal.language) == ("outdated", "new", "nb")
    assert proposal.description == "Henvisningen mangler telefonnummer."
    assert (proposal.suggested_text, proposal.quote) == ("Legg til nummeret.", "Ring legevakten.")
    assert proposal.pathway == pathway
    assert proposal.section_slug == "fastlege-kartlegging"
    assert proposal.version == pathway.current_version
    assert proposal.partnership == partnership_a
    assert proposal.external_url == "https://kommune.example/angst"
    assert proposal.context_unknown is False

    submission = Submission.objects.get()
    assert submission.token == token
    assert submission.proposal == proposal
    assert (submission.role, submission.email, submission.language) == ("gp", "", "nb")
    assert submission.via_api is True
    assert Notification.objects.count() == 0


def test_an_email_queues_a_receipt_and_is_never_returned(client, pathway):
    response = send(client, feedback(email="leser@example.no", forlop="angst"))
    assert response.status_code == 201
    assert "leser@example.no" not in response.content.decode()
    submission = Submission.objects.get()
    assert submission.email == "leser@example.no"
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient) == ("feedback_receipt", "leser@example.no")
    assert notification.context["status_url"] == response.json()["status_url"]

    status = client.get(f"{URL}{submission.token}/")
    assert "leser@example.no" not in status.content.decode()


def test_lang_sets_the_submissions_language(client, pathway, settings):
    response = send(client, feedback(forlop="angst"), QUERY_STRING="lang=nn")
    assert response.status_code == 201
    submission = Submission.objects.get()
    assert submission.language == "nn" and submission.proposal.language == "nn"
    assert response.json()["status_url"] == f"{settings.SITE_URL}/nn/tilbakemelding/{submission.token}/"
    assert response["Content-Language"] == "nn"


def test_unknown_context_is_marked_and_still_stored(client, pathway):
    response = send(client, feedback(forlop="finnes-ikke", seksjon="tull", side="javascript:alert(1)"))
    assert response.status_code == 201
    proposal = ChangeProposal.objects.get()
    assert proposal.pathway is None and proposal.section_slug == "" and proposal.external_url == ""
    assert proposal.context_unknown is True


def test_a_duplicate_gives_back_the_first_submission(client, pathway):
    first = send(client, feedback(forlop="angst", seksjon="innledning"))
    again = send(
        client, feedback(forlop="angst", seksjon="innledning", description="  HENVISNINGEN mangler telefonnummer. ")
    )
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert ChangeProposal.objects.count() == 1
    assert Submission.objects.count() == 1


def test_the_same_text_from_another_address_is_not_a_duplicate(client, pathway):
    assert send(client, feedback()).status_code == 201
    assert send(client, feedback(), REMOTE_ADDR="192.0.2.7").status_code == 201
    assert ChangeProposal.objects.count() == 2


def test_no_csrf_token_or_session_is_needed(pathway):
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "x" * 32
    response = send(client, feedback())
    assert response.status_code == 201


def test_hostile_text_is_stored_as_typed_and_returned_as_json_strings(client, pathway):
    response = send(client, feedback(description=SCRIPT, suggested_text=FORMULA, quote="'; DROP TABLE x; --"))
    assert response.status_code == 201
    proposal = ChangeProposal.objects.get()
    assert (proposal.description, proposal.suggested_text) == (SCRIPT, FORMULA)
    assert proposal.quote == "'; DROP TABLE x; --"

    # A refused value may be echoed in a message: as a JSON string, never as markup.
    refused = send(client, feedback(description="Noe annet.", role=SCRIPT))
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert refused["X-Content-Type-Options"] == "nosniff"
    (message,) = refused.json()["errors"]["role"]
    assert SCRIPT in message
    assert message == form_errors(feedback(role=SCRIPT))["role"][0]

    status = client.get(f"{URL}{Submission.objects.get().token}/")
    assert status["Content-Type"] == "application/json"
    assert isinstance(status.json()["section"], str)


# --- Validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"email": "ikke-en-adresse"}, "email"),
        ({"description": "Feil\x00her"}, "description"),
        ({"suggested_text": "y" * 5001}, "suggested_text"),
        ({"kind": "tull"}, "kind"),
        ({"forlop": "angst\x00"}, "forlop"),
    ],
)
def test_invalid_input_is_400_with_the_forms_messages(client, pathway, fields, field):
    body = feedback(**fields)
    response = send(client, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert errors == form_errors(body)
    assert field in errors
    assert_nothing_stored()


def test_messages_are_norwegian_in_the_language_asked_for(client, pathway):
    body = feedback(description="", email="feil")
    nb = send(client, body).json()["errors"]
    assert nb["description"] == ["Skriv hva som er feil, eller hva som bør endres."]
    assert nb["email"][0].startswith("Skriv en gyldig e-postadresse")
    assert send(client, body, QUERY_STRING="lang=nn").json()["errors"]["description"] == [
        "Skriv kva som er feil, eller kva som bør endrast."
    ]
    by_header = send(client, body, HTTP_ACCEPT_LANGUAGE="nn-NO,nn;q=0.9,en;q=0.5")
    assert by_header.json()["errors"]["description"] == ["Skriv kva som er feil, eller kva som bør endrast."]
    assert by_header["Content-Language"] == "nn"
    english = send(client, body, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["errors"]["description"] == nb["description"]


def test_the_length_message_gives_the_count(client, pathway):
    errors = send(client, feedback(description="x" * 2001)).json()["errors"]
    assert errors["description"] == ["Teksten er for lang: den kan ha høyst 2\xa0000 tegn, men har 2001."]


def test_null_byte_message(client, pathway):
    errors = send(client, feedback(description="Feil\x00her")).json()["errors"]
    assert errors["description"] == ["Null-tegn er ikke tillatt."]


def test_an_unknown_lang_is_refused(client, pathway):
    response = send(client, feedback(), QUERY_STRING="lang=en")
    assert response.status_code == 400
    assert "lang" in response.json()["errors"]
    assert_nothing_stored()


@pytest.mark.parametrize(
    "body",
    ["", "ikke json", '{"kind": "error",', "[]", json.dumps([feedback()]), '"tekst"', "42", "null", b"\xff\xfe\x00"],
)
def test_a_body_that_is_not_a_json_object_is_400(client, pathway, body):
    response = send(client, body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["non_field_errors"]
    assert_nothing_stored()


def test_deeply_nested_json_is_400(client, pathway):
    response = send(client, "[" * 30000 + "]" * 30000)
    assert response.status_code == 400
    assert_nothing_stored()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"description": ["Feil"]}, "description"),
        ({"description": {"tekst": "Feil"}}, "description"),
        ({"kind": True}, "kind"),
        ({"partnership": ["vest"]}, "partnership"),
        ({"versjon": 2026}, "versjon"),
        ({"description": 42}, "description"),
    ],
)
def test_values_that_are_not_text_are_refused(client, pathway, fields, field):
    response = send(client, feedback(**fields))
    assert response.status_code == 400
    assert response.json()["errors"][field] == ["Oppgi en gyldig verdi."]
    assert_nothing_stored()


def test_null_values_count_as_empty(client, pathway):
    response = send(client, feedback(email=None, role=None, partnership=None, forlop="angst", versjon="2026"))
    assert response.status_code == 201
    assert ChangeProposal.objects.get().version == pathway.current_version


def test_a_lone_surrogate_is_refused_as_unreadable(client, pathway):
    body = '{"kind": "error", "description": "Feil \\ud800 her"}'
    response = send(client, body)
    assert response.status_code == 400
    assert (
        response.json()["errors"]["description"] == form_errors(feedback(description="Feil \ufffd her"))["description"]
    )
    assert_nothing_stored()


def test_an_unknown_partnership_is_409_and_a_malformed_one_400(client, pathway):
    # A well-formed slug that no partnership has: the schema allows it, the data does not have it.
    unknown = send(client, feedback(partnership="finnes-ikke"))
    assert unknown.status_code == 409
    assert unknown["Content-Type"] == "application/problem+json"
    assert unknown.json()["detail"] == form_errors(feedback(partnership="finnes-ikke"))["partnership"][0]
    malformed = send(client, feedback(partnership="vest\x00"))
    assert malformed.status_code == 400
    assert "partnership" in malformed.json()["errors"]
    # With other errors besides, it is one 400 naming them all.
    both = send(client, feedback(partnership="finnes-ikke", description=""))
    assert both.status_code == 400
    assert set(both.json()["errors"]) == {"partnership", "description"}
    assert_nothing_stored()


def test_unknown_fields_and_the_forms_spam_fields_are_ignored(client, pathway):
    response = send(client, feedback(website="http://spam.example", started="", admin=True))
    assert response.status_code == 201


# --- Body size ---------------------------------------------------------------------------------


def test_a_body_over_64_kb_is_413(client, pathway):
    body = json.dumps(feedback(quote="x" * MAX_BODY_BYTES))
    response = send(client, body)
    assert response.status_code == 413
    assert response.json()["detail"]
    assert_nothing_stored()


def test_a_declared_length_over_64_kb_is_refused_without_reading(client, pathway):
    # The test client's payload fails loudly if more is read than was sent: the view must not try.
    response = send(client, json.dumps(feedback()), CONTENT_LENGTH=str(10 * 1024 * 1024))
    assert response.status_code == 413
    assert_nothing_stored()


def test_a_body_just_under_the_limit_is_read(client, pathway):
    body = json.dumps(feedback(padding="x" * (MAX_BODY_BYTES - 200)))
    assert len(body) <= MAX_BODY_BYTES
    assert send(client, body).status_code == 201


# --- Rate limit --------------------------------------------------------------------------------


def test_over_the_limit_is_429_and_other_addresses_are_unaffected(client, pathway, settings):
    settings.FEEDBACK_PER_MINUTE = 2
    assert send(client, feedback(description="Første.")).status_code == 201
    assert send(client, feedback(description="Andre.")).status_code == 201
    response = send(client, feedback(description="Tredje."))
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "For mange forespørsler",
        "status": 429,
        "detail": "Du har sendt mange meldinger på kort tid. Vent et minutt og prøv igjen; "
        "teksten din er tatt vare på.",
    }
    assert response["Retry-After"] == "60"
    assert ChangeProposal.objects.count() == 2

    other = send(client, feedback(description="Tredje."), REMOTE_ADDR="198.51.100.4")
    assert other.status_code == 201
    assert ChangeProposal.objects.count() == 3


def test_invalid_posts_count_towards_the_limit(client, pathway, settings):
    settings.FEEDBACK_PER_MINUTE = 2
    send(client, "ikke json")
    send(client, feedback(description=""))
    assert send(client, feedback()).status_code == 429
    assert_nothing_stored()


def test_the_rate_limit_fails_open_when_the_cache_is_down(client, pathway, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.FEEDBACK_PER_MINUTE = 1
    assert send(client, feedback(description="Første.")).status_code == 201
    assert send(client, feedback(description="Andre.")).status_code == 201
    assert ChangeProposal.objects.count() == 2
    assert "rate limit feedback unavailable" in caplog.text


# --- Status ------------------------------------------------------------------------------------


def test_status_of_a_submission(client, pathway):
    token = send(client, feedback(kind="missing", forlop="angst", seksjon="sjekkliste-henvisning")).json()["token"]
    submission = Submission.objects.get()
    response = client.get(f"{URL}{token}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    data = response.json()
    assert data.pop("created_at")
    assert data == {
        "state": "new",
        "state_label": "ny",
        "kind": "missing",
        "pathway": "angst",
        "section": "sjekkliste-henvisning",
        "withdrawn": False,
    }
    assert "email" not in response.json()

    feedback_withdraw(submission=submission)
    withdrawn = client.get(f"{URL}{token}/?lang=nn").json()
    assert (withdrawn["state"], withdrawn["state_label"], withdrawn["withdrawn"]) == (
        "withdrawn",
        "trekt tilbake",
        True,
    )
    assert client.get(f"{URL}{token}/?lang=nb").json()["state_label"] == "trukket tilbake"


def test_status_without_a_known_pathway(client, pathway):
    token = send(client, feedback()).json()["token"]
    data = client.get(f"{URL}{token}/").json()
    assert data["pathway"] is None and data["section"] == ""


@pytest.mark.parametrize("token", ["finnes-ikke", "a" * 65, "a" * 500, "a%00b", "%3Cscript%3E"])
def test_an_unknown_or_malformed_token_is_404(client, pathway, token):
    response = client.get(f"{URL}{token}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"]


def test_the_status_lookup_refuses_an_unknown_lang(client, pathway):
    token = send(client, feedback()).json()["token"]
    assert client.get(f"{URL}{token}/?lang=de").status_code == 400


def test_methods_that_are_not_allowed(client, pathway):
    token = send(client, feedback()).json()["token"]
    assert client.get(URL).status_code == 405
    assert client.put(URL, {}, content_type="application/json").status_code == 405
    assert client.delete(URL).status_code == 405
    assert client.post(f"{URL}{token}/", {}, content_type="application/json").status_code == 405
    assert client.delete(f"{URL}{token}/").status_code == 405
    assert Submission.objects.get().withdrawn_at is None


# --- Schema ------------------------------------------------------------------------------------


def test_schema_documents_the_feedback_endpoints(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert {"/api/v1/feedback/", "/api/v1/feedback/{token}/"} <= set(schema["paths"])
    validate_schema(schema)

    create = schema["paths"]["/api/v1/feedback/"]["post"]
    assert create["operationId"] == "feedback_create"
    assert set(create["requestBody"]["content"]) == {"application/json"}
    assert {"200", "201", "400", "413", "429"} <= set(create["responses"])
    assert "security" not in create or {} in create["security"]

    retrieve = schema["paths"]["/api/v1/feedback/{token}/"]["get"]
    assert {"200", "404"} <= set(retrieve["responses"])
    components = schema["components"]["schemas"]
    submit = components["FeedbackSubmit"]
    assert {"kind", "description", "email", "forlop", "seksjon", "versjon", "lokal", "side"} <= set(
        submit["properties"]
    )
    assert set(submit["required"]) == {"kind", "description"}
    status = components["FeedbackStatus"]["properties"]
    assert set(status) == {"state", "state_label", "kind", "created_at", "pathway", "section", "withdrawn"}
