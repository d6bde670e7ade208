"""The proposals API (/api/v1/proposals/): who sees what, the moves, the errors, the schema."""

import inspect

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.crypto import get_random_string
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token

from governance import permissions as perms
from governance.models import AuditEntry, ChangeProposal, ProposalState, RejectReason
from governance.proposals.api import TRANSITION_FIELDS
from governance.proposals.selectors import proposals_visible_to
from governance.proposals.services import proposal_redact_personal_data
from pathways.models import LocalAdaptation
from tests.support import as_user, make_proposal

pytestmark = pytest.mark.django_db

S = ProposalState
LIST = "/api/v1/proposals/"


def detail(proposal: ChangeProposal) -> str:
    return f"{LIST}{proposal.pk}/"


def transitions(proposal: ChangeProposal) -> str:
    return f"{LIST}{proposal.pk}/transitions/"


def act(client, proposal: ChangeProposal, **body):
    return client.post(transitions(proposal), body, content_type="application/json")


def state_of(proposal: ChangeProposal) -> str:
    return ChangeProposal.objects.get(pk=proposal.pk).state


@pytest.fixture
def proposals(partnership_a, partnership_b):
    """One proposal of partnership A, one of B and one on the common text (no partnership)."""
    return {
        "a": make_proposal(partnership=partnership_a),
        "b": make_proposal(partnership=partnership_b),
        "common": make_proposal(),
    }


# --- Every endpoint × every role ---------------------------------------------------------------

# Which of the three proposals each role sees. Seeing is acting: a triage move such as `defer` is
# allowed wherever the proposal is visible, and a 404 wherever it is not.
VISIBLE = {
    "editor": {"a", "b", "common"},
    "local_a": {"a"},
    "local_b": {"b"},
    "trust_seat": set(),
    "adviser": set(),
}


@pytest.mark.parametrize("user", sorted(VISIBLE))
def test_list_shows_what_the_role_may_see(client, proposals, user, request):
    response = as_user(client, request.getfixturevalue(user)).get(LIST)
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {proposals[key].pk for key in VISIBLE[user]}


@pytest.mark.parametrize("key", ["a", "b", "common"])
@pytest.mark.parametrize("user", sorted(VISIBLE))
def test_detail_is_404_unless_the_role_may_see_it(client, proposals, user, key, request):
    response = as_user(client, request.getfixturevalue(user)).get(detail(proposals[key]))
    if key in VISIBLE[user]:
        assert response.status_code == 200
        assert response.json()["id"] == proposals[key].pk
    else:
        assert response.status_code == 404
        assert set(response.json()) == {"type", "title", "status", "detail"}


@pytest.mark.parametrize("key", ["a", "b", "common"])
@pytest.mark.parametrize("user", sorted(VISIBLE))
def test_transition_is_404_and_changes_nothing_unless_the_role_may_see_it(client, proposals, user, key, request):
    proposal = proposals[key]
    response = act(
        as_user(client, request.getfixturevalue(user)), proposal, action="defer", comment="Til den årlige runden."
    )
    if key in VISIBLE[user]:
        assert response.status_code == 200
        assert response.json()["state"] == S.DEFERRED
        assert state_of(proposal) == S.DEFERRED
    else:
        assert response.status_code == 404
        assert state_of(proposal) == S.NEW
        assert not AuditEntry.objects.filter(proposal=proposal).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"action": "defer"},
        {"action": "no_such_action"},
        {"action": "reject"},
        {"action": "merge_into", "other": 999_999},
        {"action": "publish", "version": "2026"},
        {},
    ],
)
def test_another_partnerships_proposal_is_404_whatever_is_sent(client, proposals, body, local_b):
    """Nothing, not even a 400 for a bad body, tells local_b that A's proposal exists."""
    proposal = proposals["a"]
    response = as_user(client, local_b).post(transitions(proposal), body, content_type="application/json")
    assert response.status_code == 404
    assert state_of(proposal) == S.NEW
    assert not AuditEntry.objects.exists()


def test_a_missing_proposal_is_the_same_404_as_a_hidden_one(client, proposals, local_b):
    client = as_user(client, local_b)
    hidden = client.get(detail(proposals["a"]))
    missing = client.get(f"{LIST}999999/")
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("suffix", ["", "{pk}/", "{pk}/transitions/"])
def test_anonymous_is_401(client, proposals, method, suffix):
    proposal = proposals["a"]
    response = getattr(client, method)(LIST + suffix.format(pk=proposal.pk))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert state_of(proposal) == S.NEW


def test_the_visible_queryset_follows_can_view(request, proposals):
    """The list's queryset and the detail's per-object rule are two spellings of one rule."""
    for name in VISIBLE:
        user = request.getfixturevalue(name)
        listed = set(proposals_visible_to(user).values_list("pk", flat=True))
        assert listed == {p.pk for p in ChangeProposal.objects.all() if perms.can_view(user, p)}, name


# --- Authentication --------------------------------------------------------------------------


def test_a_token_authenticates_without_a_session(client, local_a, proposals):
    token = Token.objects.create(user=local_a)
    response = client.get(LIST, headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [proposals["a"].pk]


def test_a_token_needs_no_csrf_token(local_a, proposals):
    client = Client(enforce_csrf_checks=True)
    token = Token.objects.create(user=local_a)
    response = client.post(
        transitions(proposals["a"]),
        {"action": "defer"},
        content_type="application/json",
        headers={"Authorization": f"Token {token.key}"},
    )
    assert response.status_code == 200
    assert state_of(proposals["a"]) == S.DEFERRED


def test_an_unknown_token_is_401(client, proposals):
    response = client.get(LIST, headers={"Authorization": "Token " + "0" * 40})
    assert response.status_code == 401


def test_an_inactive_users_token_is_refused(client, local_a, proposals):
    token = Token.objects.create(user=local_a)
    local_a.is_active = False
    local_a.save()
    response = client.get(LIST, headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 401


def test_a_session_post_needs_the_csrf_token(local_a, proposals):
    client = as_user(Client(enforce_csrf_checks=True), local_a)
    proposal = proposals["a"]

    refused = client.post(transitions(proposal), {"action": "defer"}, content_type="application/json")
    assert refused.status_code == 403
    assert state_of(proposal) == S.NEW

    secret = get_random_string(32)
    client.cookies["csrftoken"] = secret
    allowed = client.post(
        transitions(proposal), {"action": "defer"}, content_type="application/json", headers={"X-CSRFToken": secret}
    )
    assert allowed.status_code == 200
    assert state_of(proposal) == S.DEFERRED


def test_a_session_get_needs_no_csrf_token(local_a, proposals):
    client = as_user(Client(enforce_csrf_checks=True), local_a)
    assert client.get(detail(proposals["a"])).status_code == 200


# --- What a proposal looks like ----------------------------------------------------------------


def test_detail_shows_the_proposal(client, pathway, partnership_a, local_a):
    proposal = make_proposal(
        partnership=partnership_a,
        pathway=pathway,
        section_slug="fastlege-kartlegging",
        version=pathway.current_version,
        suggested_text="Ring 55 00 00 00.",
        quote="Ring BUP.",
    )
    response = as_user(client, local_a).get(detail(proposal))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") and "private" in response["Cache-Control"]
    data = response.json()
    assert data["id"] == proposal.pk
    assert (data["state"], data["state_label"]) == ("new", "ny")
    assert (data["source"], data["kind"], data["language"]) == ("reader", "error", "nb")
    assert (data["pathway"], data["section"], data["version_seen"]) == ("angst", "fastlege-kartlegging", "2026")
    assert data["partnership"] == "vest"
    assert data["text_withheld"] is False
    assert data["description"] == "Feil telefonnummer til BUP."
    assert (data["suggested_text"], data["quote"]) == ("Ring 55 00 00 00.", "Ring BUP.")
    assert data["actions"] == ["reject", "merge_into", "mark_local", "mark_quick_fix", "defer"]
    assert data["merged_into"] is None and data["published_in"] is None and data["closed_at"] is None


def test_actions_leave_out_what_the_proposal_does_not_allow(client, proposals, editor):
    # A proposal on the common text cannot be a local matter.
    data = as_user(client, editor).get(detail(proposals["common"])).json()
    assert data["actions"] == ["reject", "merge_into", "mark_quick_fix", "defer"]


def test_actions_of_a_deferred_proposal_for_its_local_editor(client, partnership_a, local_a):
    proposal = make_proposal(partnership=partnership_a, state=S.DEFERRED)
    assert as_user(client, local_a).get(detail(proposal)).json()["actions"] == ["forward", "decline"]


def test_flagged_text_is_withheld_until_it_is_redacted(client, editor, partnership_a, local_a):
    proposal = make_proposal(
        partnership=partnership_a,
        description="Ring meg på 912 34 567.",
        suggested_text="Skriv til ola@example.org.",
        quote="Ring BUP.",
        may_contain_personal_data=True,
    )
    client = as_user(client, local_a)
    for data in (client.get(detail(proposal)).json(), client.get(LIST).json()["results"][0]):
        assert data["text_withheld"] is True
        assert (data["description"], data["suggested_text"], data["quote"]) == (None, None, None)
        assert data["may_contain_personal_data"] is True and data["redacted_at"] is None
    # The answer to a move does not give it away either.
    moved = act(client, proposal, action="defer").json()
    assert moved["text_withheld"] is True and moved["description"] is None

    proposal_redact_personal_data(proposal=proposal, by=editor)
    data = client.get(detail(proposal)).json()
    assert data["text_withheld"] is False
    assert data["redacted_at"] is not None
    assert "912 34 567" not in data["description"] and "[fjernet]" in data["description"]
    assert data["quote"] == "Ring BUP."


def test_a_proposal_that_was_never_flagged_shows_its_text(client, partnership_a, local_a):
    proposal = make_proposal(partnership=partnership_a, description="Lenken virker ikke.")
    data = as_user(client, local_a).get(detail(proposal)).json()
    assert data["text_withheld"] is False and data["description"] == "Lenken virker ikke."


# --- The list: filters and pages ---------------------------------------------------------------


def test_list_filters_by_state_pathway_and_partnership(client, editor, pathway, partnership_a, partnership_b):
    new_a = make_proposal(partnership=partnership_a, pathway=pathway)
    deferred_a = make_proposal(partnership=partnership_a, state=S.DEFERRED)
    local_b = make_proposal(partnership=partnership_b, pathway=pathway, state=S.LOCAL)
    common = make_proposal()
    client = as_user(client, editor)

    def ids(query: str) -> list[int]:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [new_a.pk, deferred_a.pk, local_b.pk, common.pk]
    assert ids("state=new") == [new_a.pk, common.pk]
    assert ids("state=new&state=local") == [new_a.pk, local_b.pk, common.pk]
    assert ids("pathway=angst") == [new_a.pk, local_b.pk]
    assert ids("partnership=vest") == [new_a.pk, deferred_a.pk]
    assert ids("partnership=nord&state=local") == [local_b.pk]
    assert ids("partnership=finnes-ikke") == []


def test_filters_do_not_widen_what_a_local_editor_sees(client, partnership_a, partnership_b, local_a):
    make_proposal(partnership=partnership_b)
    response = as_user(client, local_a).get(f"{LIST}?partnership=nord")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_an_unknown_state_is_400(client, proposals, editor):
    response = as_user(client, editor).get(f"{LIST}?state=new&state=lost")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["state"]


def test_pages_follow_the_key_and_skip_nothing_when_rows_leave(client, partnership_a, local_a):
    """Keyset pages: deferring the first page's proposals does not make the second page skip any."""
    created = [make_proposal(partnership=partnership_a) for _ in range(5)]
    client = as_user(client, local_a)
    first = client.get(f"{LIST}?state=new&page_size=2").json()
    assert [row["id"] for row in first["results"]] == [p.pk for p in created[:2]]
    assert first["previous"] is None
    for row in first["results"]:
        moved = client.post(f"{LIST}{row['id']}/transitions/", {"action": "defer"}, content_type="application/json")
        assert moved.status_code == 200

    second = client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == [p.pk for p in created[2:4]]
    third = client.get(second["next"]).json()
    assert [row["id"] for row in third["results"]] == [created[4].pk]
    assert third["next"] is None


def test_list_query_count_does_not_grow_with_the_page(client, editor, pathway, partnership_a):
    client = as_user(client, editor)
    counts = []
    for total in (2, 12):
        while ChangeProposal.objects.count() < total:
            make_proposal(partnership=partnership_a, pathway=pathway, version=pathway.current_version)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert len(response.json()["results"]) == total
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Moves: what each takes --------------------------------------------------------------------


def test_the_api_actions_are_the_models_transitions_but_withdraw_and_reconsider():
    # Withdrawing is the submitter's (the status link); reconsidering is a step inside a changed
    # decision (governance.rounds.decisions.decision_record), never a move of its own.
    field = ChangeProposal._meta.get_field("state")
    assert set(TRANSITION_FIELDS) == {t.name for t in field.get_all_transitions(ChangeProposal)} - {
        "withdraw",
        "reconsider",
    }


def test_reconsider_through_the_api_is_refused_and_changes_nothing(client, editor, pathway):
    proposal = make_proposal(pathway=pathway, state=S.ACCEPTED)
    response = as_user(client, editor).post(
        transitions(proposal), {"action": "reconsider", "back_to": S.RECOMMENDED}, content_type="application/json"
    )
    assert response.status_code == 400
    assert state_of(proposal) == S.ACCEPTED
    assert not AuditEntry.objects.filter(proposal=proposal).exists()


@pytest.mark.parametrize("action", sorted(TRANSITION_FIELDS))
def test_each_actions_fields_are_its_transitions_arguments(action):
    """What the API asks for is what the transition method takes: required exactly when it has no default."""
    method = inspect.unwrap(getattr(ChangeProposal, action))
    parameters = {
        name: parameter.default is inspect.Parameter.empty
        for name, parameter in inspect.signature(method).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert TRANSITION_FIELDS[action] == parameters


def test_reject_needs_a_reason(client, proposals, local_a):
    client = as_user(client, local_a)
    missing = act(client, proposals["a"], action="reject")
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["reason"]
    unknown = act(client, proposals["a"], action="reject", reason="boring")
    assert unknown.status_code == 400 and list(unknown.json()["errors"]) == ["reason"]

    response = act(client, proposals["a"], action="reject", reason=RejectReason.SPAM, comment="Reklame.")
    assert response.status_code == 200
    data = response.json()
    assert (data["state"], data["reject_reason"], data["decision_comment"]) == (S.REJECTED, "spam", "Reklame.")
    entry = AuditEntry.objects.get(proposal=proposals["a"])
    assert (entry.action, entry.comment) == ("reject", "Reklame.")


def test_decline_needs_a_comment(client, partnership_a, local_a):
    proposal = make_proposal(partnership=partnership_a, state=S.DEFERRED)
    client = as_user(client, local_a)
    for body in ({"action": "decline"}, {"action": "decline", "comment": "   "}):
        response = act(client, proposal, **body)
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["comment"]
    assert state_of(proposal) == S.DEFERRED
    assert act(client, proposal, action="decline", comment="Ikke aktuelt hos oss.").status_code == 200
    assert state_of(proposal) == S.DECLINED


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ({"action": "defer", "reason": "spam"}, "reason"),
        ({"action": "mark_quick_fix", "other": 1}, "other"),
        ({"action": "merge_into", "other": 1, "comment": "Samme sak."}, "comment"),
        ({"action": "defer", "version": "2026"}, "version"),
        ({"action": "defer", "adaptation": 1}, "adaptation"),
        ({"action": "recommend", "comment": "Ja."}, "comment"),
    ],
)
def test_a_field_the_action_does_not_take_is_400(client, proposals, body, refused, editor):
    response = act(as_user(client, editor), proposals["a"], **body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [refused]
    assert state_of(proposals["a"]) == S.NEW


@pytest.mark.parametrize("action", ["withdraw", "redact", "assign", "save", ""])
def test_an_unknown_action_is_400(client, proposals, action, editor):
    response = act(as_user(client, editor), proposals["a"], action=action)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["action"]
    assert state_of(proposals["a"]) == S.NEW


def test_a_body_without_an_action_is_400(client, proposals, editor):
    response = act(as_user(client, editor), proposals["a"])
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["action"]


def test_a_body_that_is_not_json_is_refused(client, proposals, editor):
    client = as_user(client, editor)
    assert client.post(transitions(proposals["a"]), {"action": "defer"}).status_code == 415
    broken = client.post(transitions(proposals["a"]), "{", content_type="application/json")
    assert broken.status_code == 400
    assert state_of(proposals["a"]) == S.NEW


# --- Moves: the refusals -----------------------------------------------------------------------


def test_a_move_the_state_does_not_allow_is_409_in_norwegian(client, partnership_a, local_a):
    proposal = make_proposal(partnership=partnership_a, state=S.REJECTED)
    response = act(as_user(client, local_a), proposal, action="defer")
    assert response.status_code == 409
    detail_text = response.json()["detail"]
    assert "«avvist»" in detail_text  # the state's Norwegian label
    with translation.override("nb"):
        expected = ChangeProposal.objects.get(pk=proposal.pk).get_state_display()
    assert expected == "avvist"
    assert not AuditEntry.objects.filter(proposal=proposal).exists()


def test_a_move_that_is_not_the_local_editors_is_404(client, partnership_a, local_a):
    # From quick_fix only the responsible editor may reject; the local editor sees the proposal but
    # may not make the move, and is told no more than that it is not there for them.
    proposal = make_proposal(partnership=partnership_a, state=S.QUICK_FIX)
    response = act(as_user(client, local_a), proposal, action="reject", reason="spam")
    assert response.status_code == 404
    assert state_of(proposal) == S.QUICK_FIX


# --- Moves: merge, publish, fixed locally ------------------------------------------------------


def test_merge_into_another_open_proposal(client, partnership_a, local_a):
    proposal, other = make_proposal(partnership=partnership_a), make_proposal(partnership=partnership_a)
    response = act(as_user(client, local_a), proposal, action="merge_into", other=other.pk)
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["merged_into"]) == (S.DUPLICATE, other.pk)
    assert AuditEntry.objects.get(proposal=proposal).action == "merge_into"


def test_merge_into_itself_or_a_closed_proposal_is_409(client, partnership_a, local_a):
    proposal = make_proposal(partnership=partnership_a)
    closed = make_proposal(partnership=partnership_a, state=S.REJECTED)
    client = as_user(client, local_a)
    assert act(client, proposal, action="merge_into", other=proposal.pk).status_code == 409
    assert act(client, proposal, action="merge_into", other=closed.pk).status_code == 409
    assert state_of(proposal) == S.NEW


def test_merge_into_a_proposal_one_may_not_see_is_404(client, partnership_a, partnership_b, local_a):
    proposal, hidden = make_proposal(partnership=partnership_a), make_proposal(partnership=partnership_b)
    client = as_user(client, local_a)
    assert act(client, proposal, action="merge_into", other=hidden.pk).status_code == 404
    assert act(client, proposal, action="merge_into", other=999_999).status_code == 404
    assert state_of(proposal) == S.NEW


def test_publish_a_quick_fix_in_a_version_of_its_pathway(client, pathway, partnership_a, editor):
    proposal = make_proposal(partnership=partnership_a, pathway=pathway, state=S.QUICK_FIX)
    response = act(as_user(client, editor), proposal, action="publish", version="2026")
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["published_in"]) == (S.PUBLISHED, "2026")


@pytest.mark.parametrize("version", ["2025", "2026.9"])
def test_publish_in_a_version_the_pathway_does_not_have_is_409(client, pathway, partnership_a, version, editor):
    proposal = make_proposal(partnership=partnership_a, pathway=pathway, state=S.QUICK_FIX)
    response = act(as_user(client, editor), proposal, action="publish", version=version)
    assert response.status_code == 409
    assert response.json()["detail"] == "Velg en publisert versjon av dette forløpet."
    assert state_of(proposal) == S.QUICK_FIX


@pytest.mark.parametrize("version", ["tull", "", "2026.", "²⁰²⁶"])
def test_publish_in_a_malformed_version_is_400(client, pathway, partnership_a, version, editor):
    proposal = make_proposal(partnership=partnership_a, pathway=pathway, state=S.QUICK_FIX)
    response = act(as_user(client, editor), proposal, action="publish", version=version)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["version"]
    assert state_of(proposal) == S.QUICK_FIX


def test_publish_a_proposal_without_a_pathway_is_409(client, pathway, partnership_a, editor):
    proposal = make_proposal(partnership=partnership_a, state=S.QUICK_FIX)
    response = act(as_user(client, editor), proposal, action="publish", version="2026")
    assert response.status_code == 409


def test_fixed_locally_in_the_partnerships_own_adaptation(client, pathway, partnership_a, partnership_b, local_a):
    proposal = make_proposal(partnership=partnership_a, pathway=pathway, state=S.LOCAL)
    own = LocalAdaptation.objects.create(partnership=partnership_a, pathway=pathway, based_on=pathway.current_version)
    others = LocalAdaptation.objects.create(
        partnership=partnership_b, pathway=pathway, based_on=pathway.current_version
    )
    client = as_user(client, local_a)
    for adaptation_id in (others.pk, 999_999):
        refused = act(client, proposal, action="fixed_locally", adaptation=adaptation_id)
        assert refused.status_code == 409
        assert refused.json()["detail"] == "Velg tilpasningen helsefellesskapet har gjort av dette forløpet."
    assert state_of(proposal) == S.LOCAL

    response = act(client, proposal, action="fixed_locally", adaptation=own.pk, comment="Rettet lokalt.")
    assert response.status_code == 200
    data = response.json()
    assert (data["state"], data["fixed_in_adaptation"], data["decision_comment"]) == (
        S.DONE_LOCALLY,
        own.pk,
        "Rettet lokalt.",
    )


# --- Methods and schema ------------------------------------------------------------------------


def test_methods_that_are_not_offered_are_405(client, proposals, editor):
    client = as_user(client, editor)
    assert client.post(LIST, {}, content_type="application/json").status_code == 405
    assert client.delete(detail(proposals["a"])).status_code == 405
    assert client.get(transitions(proposals["a"])).status_code == 405


def test_schema_documents_the_proposals_api_and_its_security(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    validate_schema(schema)
    paths = schema["paths"]
    assert {"/api/v1/proposals/", "/api/v1/proposals/{id}/", "/api/v1/proposals/{id}/transitions/"} <= set(paths)
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}
    for path in ("/api/v1/proposals/", "/api/v1/proposals/{id}/"):
        assert paths[path]["get"]["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]
    post = paths["/api/v1/proposals/{id}/transitions/"]["post"]
    assert post["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]
    assert {"200", "400", "401", "403", "404", "409"} <= set(post["responses"])
    actions = schema["components"]["schemas"]["ProposalActionEnum"]["enum"]
    assert set(actions) == set(TRANSITION_FIELDS) and "withdraw" not in actions
    # The public API stays open.
    assert not paths["/api/v1/pathways/"]["get"].get("security", [{}])[0]


def test_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
