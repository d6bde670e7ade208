"""Every error under /api/ is an RFC 9457 problem (application/problem+json) in the request's
language, documented in the schema; page bounds are stated and enforced; the schema carries what the
server refuses."""

import json

import pytest
import yaml

from feedback.models import Submission
from governance.models import ChangeProposal

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


def schema(client) -> dict:
    return yaml.safe_load(client.get("/api/schema/").content)


# --- 404 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/pathways/finnes-ikke/",
        "/api/v1/pathways/angst/versions/2099/",
        "/api/v1/proposals/null,null/",
        "/api/v1/proposals/null,null/transitions/",
        "/api/v1/finnes-ikke/",
        "/api/v2/pathways/",
        "/api/",
    ],
)
def test_a_404_under_api_is_a_problem_not_the_html_page(client, pathway, url):
    body = assert_problem(client.get(url), 404)
    assert body["title"] == "Finnes ikke"


def test_problems_are_in_nynorsk_when_asked_for_and_bokmal_otherwise(client, pathway):
    nn = client.get("/api/v1/pathways/finnes-ikke/", headers={"Accept-Language": "nn-NO,nn;q=0.9"})
    assert assert_problem(nn, 404) == {
        "type": "about:blank",
        "title": "Finst ikkje",
        "status": 404,
        "detail": "Ingen publiserte forløp har denne adressa.",
    }
    assert nn["Content-Language"] == "nn"
    for header in ({"Accept-Language": "en"}, {}):
        nb = client.get("/api/v1/pathways/finnes-ikke/", headers=header)
        assert assert_problem(nb, 404)["detail"] == "Ingen publiserte forløp har denne adressen."
    unrouted = client.get("/api/v1/proposals/null,null/", headers={"Accept-Language": "nn"})
    assert assert_problem(unrouted, 404)["detail"] == "Det finst ingenting på denne adressa."


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/pathways/%C2%B2/",  # "²": str.isdigit() says yes, int() says no
        "/api/v1/pathways/angst/versions/%C2%B2/",
        "/api/v1/pathways/angst/versions/%D9%A2%D9%A0%D9%A2%D9%A6/",  # 2026 in Arabic-Indic digits
        "/api/v1/pathways/angst/diff/?to=%C2%B2",
        "/api/v1/pathways/%F0%9F%98%80/versions/",
        "/api/v1/proposals/%F0%9F%98%80/",
        "/api/v1/feedback/%E2%80%AE%00/",
        "/api/v1/pathways/angst/versions/%FF%FE/",  # not UTF-8
    ],
)
def test_unicode_in_a_path_is_a_json_404_or_400_never_a_500(client, editor, pathway, url):
    response = client.get(url, headers={"Authorization": "Token " + "0" * 40})
    assert response.status_code in (400, 401, 404)
    assert response["Content-Type"] == PROBLEM


# --- Other statuses ------------------------------------------------------------------------------


def test_401_is_a_problem_with_www_authenticate(client):
    response = client.get("/api/v1/proposals/")
    body = assert_problem(response, 401)
    assert body["title"] == "Innlogging kreves"
    assert response["WWW-Authenticate"] == "Token"


def test_405_is_a_problem_with_allow(client, pathway):
    response = client.delete("/api/v1/pathways/angst/")
    assert_problem(response, 405)
    assert "GET" in response["Allow"]


def test_415_is_a_problem(editor_client, pathway):
    response = editor_client.post("/api/v1/proposals/1/transitions/", "action=defer", content_type="text/plain")
    assert response.status_code in (404, 415)
    assert response["Content-Type"] == PROBLEM


def test_an_unhandled_error_is_a_500_problem(client, pathway, monkeypatch):
    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr("pathways.api.PathwayList.get_queryset", broken)
    client.raise_request_exception = False
    body = assert_problem(client.get("/api/v1/pathways/"), 500)
    assert "boom" not in json.dumps(body)


def test_the_html_pages_keep_their_html_404(client, pathway):
    response = client.get("/nb/forlop/finnes-ikke/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- Page bounds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("offset=null&offset=null", "offset"),
        ("offset=1&offset=2", "offset"),
        ("limit=154105811014785152", "limit"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=%D9%A5", "limit"),  # 5 in Arabic-Indic digits
        ("limit=+5", "limit"),
        ("offset=-1", "offset"),
        ("offset=1000001", "offset"),
    ],
)
@pytest.mark.parametrize("url", ["/api/v1/pathways/", "/api/v1/pathways/angst/versions/"])
def test_limit_and_offset_out_of_bounds_are_400_problems(client, pathway, url, query, name):
    body = assert_problem(client.get(f"{url}?{query}"), 400)
    assert list(body["errors"]) == [name]


def test_limit_and_offset_within_bounds_are_served(client, pathway):
    assert client.get("/api/v1/pathways/?limit=100&offset=0").status_code == 200
    assert client.get("/api/v1/pathways/?limit=1&offset=1000000").json()["results"] == []


def test_the_schema_states_the_page_bounds(client):
    parameters = {p["name"]: p["schema"] for p in schema(client)["paths"]["/api/v1/pathways/"]["get"]["parameters"]}
    assert parameters["limit"] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert parameters["offset"] == {"type": "integer", "minimum": 0, "maximum": 1_000_000}


def test_a_page_size_out_of_bounds_is_400(editor_client):
    body = assert_problem(editor_client.get("/api/v1/proposals/?page_size=201"), 400)
    assert list(body["errors"]) == ["page_size"]


# --- The schema carries what the server refuses --------------------------------------------------


def test_an_empty_description_is_refused_and_the_schema_says_so(client, pathway):
    description = schema(client)["components"]["schemas"]["FeedbackSubmit"]["properties"]["description"]
    assert description["minLength"] == 1 and description["maxLength"] == 2000
    assert "pattern" in description  # at least one character that is not whitespace
    body = assert_problem(
        client.post("/api/v1/feedback/", {"kind": "error", "description": ""}, "application/json"), 400
    )
    assert list(body["errors"]) == ["description"]
    assert not ChangeProposal.objects.exists() and not Submission.objects.exists()


def test_a_description_over_the_limit_counts_spaces_at_the_ends_as_the_schema_does(client, pathway):
    body = {"kind": "error", "description": "x" * 1999 + "  "}
    response = client.post("/api/v1/feedback/", body, "application/json")
    assert list(assert_problem(response, 400)["errors"]) == ["description"]
    assert not ChangeProposal.objects.exists()


def test_every_operation_documents_its_errors_as_problems(client):
    paths = schema(client)["paths"]
    expected = {
        ("/api/v1/pathways/", "get"): {"400"},
        ("/api/v1/pathways/{slug}/", "get"): {"404"},
        ("/api/v1/pathways/{slug}/versions/", "get"): {"400", "404"},
        ("/api/v1/pathways/{slug}/versions/{number}/", "get"): {"404"},
        ("/api/v1/pathways/{slug}/diff/", "get"): {"400", "404"},
        ("/api/v1/pathways/{slug}/behind/", "get"): {"400", "404"},
        ("/api/v1/feedback/", "post"): {"400", "409", "413", "429"},
        ("/api/v1/feedback/{token}/", "get"): {"400", "404"},
        ("/api/v1/proposals/", "get"): {"400", "401", "404"},
        ("/api/v1/proposals/{id}/", "get"): {"401", "404"},
        ("/api/v1/proposals/{id}/transitions/", "post"): {"400", "401", "403", "404", "409", "415"},
        ("/api/v1/webhooks/", "get"): {"401", "403"},
        ("/api/v1/webhooks/", "post"): {"400", "401", "403", "409", "415"},
        ("/api/v1/webhooks/{id}/", "delete"): {"401", "403", "404"},
    }
    operations = {(path, method) for path, item in paths.items() for method in item if path.startswith("/api/v1/")}
    assert operations == set(expected)
    for (path, method), statuses in expected.items():
        responses = paths[path][method]["responses"]
        errors = {status for status in responses if status >= "400"}
        assert errors == statuses, (path, method)
        for status in errors:
            (content,) = responses[status]["content"].items()
            assert content[0] == PROBLEM
            ref = content[1]["schema"]["$ref"]
            assert ref.endswith("ValidationProblem" if status == "400" else "/Problem")


def test_a_transition_states_each_actions_fields(client):
    body = schema(client)["paths"]["/api/v1/proposals/{id}/transitions/"]["post"]["requestBody"]
    variants = {v["title"]: v for v in body["content"]["application/json"]["schema"]["oneOf"]}
    assert variants["reject"]["required"] == ["action", "reason"]
    assert variants["decline"]["required"] == ["action", "comment"]
    assert set(variants["start_review"]["properties"]) == {"action"}
    assert all(v["additionalProperties"] is False for v in variants.values())


def test_a_field_no_action_takes_is_refused(editor_client, pathway, partnership_a):
    from tests.support import make_proposal

    proposal = make_proposal(partnership=partnership_a)
    response = editor_client.post(
        f"/api/v1/proposals/{proposal.pk}/transitions/", {"action": "defer", "reasn": "spam"}, "application/json"
    )
    assert list(assert_problem(response, 400)["errors"]) == ["reasn"]
    assert ChangeProposal.objects.get(pk=proposal.pk).state == "new"


def test_field_messages_are_in_nynorsk_too(editor_client, pathway, partnership_a):
    from tests.support import make_proposal

    proposal = make_proposal(partnership=partnership_a)
    url = f"/api/v1/proposals/{proposal.pk}/transitions/"
    nn = editor_client.post(url, {"action": "reject"}, "application/json", headers={"Accept-Language": "nn"})
    assert assert_problem(nn, 400)["errors"] == {"reason": ["Feltet må fyllast ut."]}
    assert nn.json()["title"] == "Ugyldig førespurnad"
    nb = editor_client.post(url, {"action": "reject"}, "application/json")
    assert nb.json()["errors"] == {"reason": ["Feltet må fylles ut."]}
