"""The triage queue: who sees which proposals, its filters, keyset pages and summary, the CSV export
and the bulk rejection of spam."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext, override

from governance.models import AuditEntry, ChangeProposal, ProposalKind, ProposalState, RejectReason
from governance.proposals.selectors import Cursor
from governance.proposals.services import proposal_redact_personal_data, proposal_transition
from pathways.models import VersionKind
from pathways.services import pathway_publish, section_update
from tests.factories import make_pathway
from tests.support import as_user, make_proposal

pytestmark = pytest.mark.django_db

URL = "/nb/redaksjon/forslag/"
EXPORT_URL = "/nb/redaksjon/forslag/eksport.csv"
BULK_URL = "/nb/redaksjon/forslag/massehandling/"
HOSTILE = "<script>alert('x')</script> lenken er død"
PERSONAL = "Sønnen min Ola Nordmann, f. 01.02.2015, tlf 98765432, fikk ikke time"


def _age(proposal: ChangeProposal, days: float) -> None:
    ChangeProposal.objects.filter(pk=proposal.pk).update(created_at=timezone.now() - timedelta(days=days))


def _listed(response) -> list[int]:
    """The proposals on the page, in order, as the HTML shows them."""
    return [int(pk) for pk in re.findall(r'<tr data-proposal="(\d+)"', response.content.decode())]


def _get(client, user, url=URL, **params):
    return as_user(client, user).get(url, params)


def _csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


@pytest.fixture
def three(partnership_a, partnership_b):
    """One new proposal of partnership A, one of B, and one on the common text (no partnership)."""
    return (
        make_proposal(partnership=partnership_a, description="Fra Vest."),
        make_proposal(partnership=partnership_b, description="Fra Nord."),
        make_proposal(description="Felles tekst."),
    )


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, EXPORT_URL])
def test_anonymous_is_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/logg-inn/" in response["Location"]


def test_anonymous_bulk_is_sent_to_the_login_page(client, three):
    response = client.post(BULK_URL, {"ids": [three[0].pk], "confirm": "1"})
    assert response.status_code == 302
    assert ChangeProposal.objects.filter(state=ProposalState.NEW).count() == 3


@pytest.mark.parametrize("who", ["trust_seat", "adviser"])
def test_users_who_do_not_triage_get_404(client, request, three, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(URL).status_code == 404
    assert client.get(EXPORT_URL).status_code == 404
    assert client.post(BULK_URL, {"ids": [three[0].pk], "confirm": "1"}).status_code == 404
    assert ChangeProposal.objects.get(pk=three[0].pk).state == ProposalState.NEW


def test_local_editor_sees_only_their_partnerships_proposals(client, local_a, three):
    response = _get(client, local_a, state="all")
    assert response.status_code == 200
    assert _listed(response) == [three[0].pk]
    html = response.content.decode()
    assert "Fra Nord." not in html and "Felles tekst." not in html
    assert "Helsefellesskap Vest" in html


def test_local_editor_of_b_sees_only_b(client, local_b, three):
    assert _listed(_get(client, local_b)) == [three[1].pk]


def test_editor_sees_every_proposal_including_those_without_a_partnership(client, editor, three):
    assert _listed(_get(client, editor)) == [p.pk for p in three]


def test_staff_nav_links_to_the_queue_for_triagers_only(client, editor, trust_seat):
    client.force_login(editor)
    assert 'href="/nb/redaksjon/forslag/"' in client.get("/nb/redaksjon/").content.decode()
    client.force_login(trust_seat)
    assert 'href="/nb/redaksjon/forslag/"' not in client.get("/nb/redaksjon/").content.decode()


# --- Filters -----------------------------------------------------------------------------------


def test_by_default_only_new_proposals_are_listed(client, editor, three):
    proposal_transition(proposal_id=three[1].pk, action="reject", reason=RejectReason.NOT_RELEVANT, by=editor)
    assert _listed(_get(client, editor)) == [three[0].pk, three[2].pk]
    assert _listed(_get(client, editor, state="rejected")) == [three[1].pk]
    assert _listed(_get(client, editor, state="all")) == [p.pk for p in three]


def test_filter_by_pathway(client, editor, pathway):
    other = make_pathway(editor=editor, slug="autisme")
    on_angst = make_proposal(pathway=pathway)
    make_proposal(pathway=other)
    make_proposal()
    assert _listed(_get(client, editor, pathway="angst")) == [on_angst.pk]


def test_filter_by_section(client, editor, pathway):
    gp = make_proposal(pathway=pathway, section_slug="fastlege-kartlegging")
    make_proposal(pathway=pathway, section_slug="innledning")
    assert _listed(_get(client, editor, section="fastlege-kartlegging")) == [gp.pk]


def test_filter_by_kind(client, editor):
    link = make_proposal(kind=ProposalKind.BROKEN_LINK)
    make_proposal(kind=ProposalKind.SUGGESTION)
    assert _listed(_get(client, editor, kind="broken_link")) == [link.pk]


@pytest.mark.parametrize(("age", "expected"), [("1", ["week", "month"]), ("7", ["week", "month"]), ("30", ["month"])])
def test_filter_by_age(client, editor, age, expected):
    made = {"today": make_proposal(), "week": make_proposal(), "month": make_proposal()}
    _age(made["week"], 8)
    _age(made["month"], 31)
    assert set(_listed(_get(client, editor, age=age))) == {made[name].pk for name in expected}


def test_filter_by_may_contain_personal_data(client, editor):
    flagged = make_proposal(may_contain_personal_data=True)
    plain = make_proposal()
    assert _listed(_get(client, editor, personal="yes")) == [flagged.pk]
    assert _listed(_get(client, editor, personal="no")) == [plain.pk]


def test_filter_by_written_standard(client, editor):
    make_proposal(language="nb")
    nynorsk = make_proposal(language="nn", description="Lenkja fungerer ikkje.")
    assert _listed(_get(client, editor, language="nn")) == [nynorsk.pk]


def test_search_in_the_description(client, editor):
    match = make_proposal(description="Sjekklisten for henvisning mangler punktet om vekt.")
    make_proposal(description="Noe helt annet.")
    assert _listed(_get(client, editor, q="SJEKKLISTEN")) == [match.pk]


def test_search_never_looks_in_flagged_unredacted_text(client, editor):
    flagged = make_proposal(description=PERSONAL, may_contain_personal_data=True)
    assert _listed(_get(client, editor, q="Nordmann")) == []
    proposal_redact_personal_data(proposal=flagged, by=editor)
    # Once redacted its remaining text is searchable like any other.
    assert _listed(_get(client, editor, q="Sønnen")) == [flagged.pk]


def test_filters_combine(client, editor, pathway):
    wanted = make_proposal(pathway=pathway, kind=ProposalKind.OUTDATED, language="nn", description="Utdatert.")
    make_proposal(pathway=pathway, kind=ProposalKind.OUTDATED, language="nb", description="Utdatert.")
    make_proposal(kind=ProposalKind.OUTDATED, language="nn", description="Utdatert.")
    assert _listed(_get(client, editor, pathway="angst", kind="outdated", language="nn", q="utdatert")) == [wanted.pk]


def test_an_invalid_filter_is_reported_and_the_others_still_apply(client, editor):
    link = make_proposal(kind=ProposalKind.BROKEN_LINK)
    make_proposal(kind=ProposalKind.SUGGESTION)
    response = _get(client, editor, kind="broken_link", age="5", state="nonsense")
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()
    assert 'href="#id_age"' in response.content.decode()
    assert _listed(response) == [link.pk]


def test_no_match_shows_the_empty_state(client, editor):
    make_proposal()
    response = _get(client, editor, q="finnes ikke")
    assert response.status_code == 200
    assert _listed(response) == []
    assert 'class="queue-empty"' in response.content.decode()


# --- Order and pages ---------------------------------------------------------------------------


def test_oldest_first_by_default_and_newest_first_on_request(client, editor):
    first, second, third = make_proposal(), make_proposal(), make_proposal()
    _age(first, 3)
    _age(second, 2)
    assert _listed(_get(client, editor)) == [first.pk, second.pk, third.pk]
    assert _listed(_get(client, editor, sort="newest")) == [third.pk, second.pk, first.pk]


def _next_link(response) -> str | None:
    match = re.search(r'<a href="([^"]*)" rel="next">', response.content.decode())
    return match.group(1).replace("&amp;", "&") if match else None


def _previous_link(response) -> str | None:
    match = re.search(r'<a href="([^"]*)" rel="prev">', response.content.decode())
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.mark.parametrize("sort", ["oldest", "newest"])
def test_sixty_proposals_make_two_pages_without_gaps_or_repeats(client, editor, sort):
    # All at the same instant: the order, and the pages, rest on the id as the tie-breaker.
    with time_machine.travel(datetime(2026, 3, 1, 9, tzinfo=UTC), tick=False):
        made = [make_proposal(description=f"Forslag {n}") for n in range(60)]
    expected = [p.pk for p in made] if sort == "oldest" else [p.pk for p in reversed(made)]
    first = _get(client, editor, sort=sort)
    assert _listed(first) == expected[:50]
    assert _previous_link(first) is None
    second = client.get(URL + _next_link(first))
    assert _listed(second) == expected[50:]
    assert _next_link(second) is None
    back = client.get(URL + _previous_link(second))
    assert _listed(back) == expected[:50]
    assert _previous_link(back) is None
    assert _next_link(back) is not None


def test_pages_keep_the_filters(client, editor):
    made = [make_proposal(kind=ProposalKind.MISSING) for _ in range(55)]
    make_proposal(kind=ProposalKind.ERROR)
    first = _get(client, editor, kind="missing")
    link = _next_link(first)
    assert "kind=missing" in link and "etter=" in link
    assert _listed(client.get(URL + link)) == [p.pk for p in made[50:]]


def test_a_triaged_row_between_pages_neither_repeats_nor_hides_a_row(client, editor):
    made = [make_proposal() for _ in range(55)]
    first = _get(client, editor)
    proposal_transition(proposal_id=made[10].pk, action="reject", reason=RejectReason.SPAM, by=editor)
    assert _listed(client.get(URL + _next_link(first))) == [p.pk for p in made[50:]]


def test_a_cursor_that_was_not_made_here_starts_at_the_first_page(client, editor):
    made = make_proposal()
    for bogus in ["nonsense", "Zm9v", "x" * 500, Cursor(created_at=datetime(2026, 1, 1), pk=1).encode()]:
        response = _get(client, editor, etter=bogus)
        assert response.status_code == 200
        assert _listed(response) == [made.pk]


# --- Summary -----------------------------------------------------------------------------------


def test_counts_per_state_over_the_visible_proposals(client, editor, local_a, partnership_a, partnership_b):
    a1, a2, _a3 = (make_proposal(partnership=partnership_a) for _ in range(3))
    make_proposal(partnership=partnership_b)
    proposal_transition(proposal_id=a1.pk, action="reject", reason=RejectReason.SPAM, by=editor)
    proposal_transition(proposal_id=a2.pk, action="defer", by=editor)
    response = _get(client, local_a)
    counts = {row["value"]: row["count"] for row in response.context["state_counts"]}
    assert counts == {"new": 1, "rejected": 1, "deferred": 1}
    assert response.context["total"] == 3
    response = _get(client, editor)
    assert {row["value"]: row["count"] for row in response.context["state_counts"]}["new"] == 2


def test_age_of_the_oldest_untriaged_proposal(client, editor):
    with time_machine.travel(datetime(2026, 2, 1, 9, tzinfo=UTC), tick=False):
        closed = make_proposal()
        proposal_transition(proposal_id=closed.pk, action="reject", reason=RejectReason.SPAM, by=editor)
    with time_machine.travel(datetime(2026, 3, 1, 9, tzinfo=UTC), tick=False):
        make_proposal()
    with time_machine.travel(datetime(2026, 3, 5, 9, tzinfo=UTC), tick=False):
        make_proposal()
    with time_machine.travel(datetime(2026, 3, 13, 10, tzinfo=UTC), tick=False):
        response = _get(client, editor)
    assert response.context["oldest_new_days"] == 12
    assert 'data-days="12"' in response.content.decode()


def test_no_oldest_age_when_nothing_waits(client, editor):
    response = _get(client, editor)
    assert response.context["oldest_new_days"] is None
    assert 'class="queue-empty"' in response.content.decode()


# --- What a row shows --------------------------------------------------------------------------


def test_row_shows_the_section_title_of_the_version_the_reader_saw(client, editor, pathway, partnership_a):
    seen = pathway.current_version
    section = pathway.sections.get(slug="fastlege-kartlegging")
    section_update(section=section, by=editor, title_nb="Ny tittel", title_nn="Ny tittel nn")
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R.", summary_nn="R.")
    make_proposal(pathway=pathway, section_slug="fastlege-kartlegging", version=seen, partnership=partnership_a)
    html = _get(client, editor).content.decode()
    assert "Tittel 1" in html and "Ny tittel" not in html
    assert "Angstplager" in html and "Helsefellesskap Vest" in html
    assert '<a href="/nb/redaksjon/forslag/' in html


def test_flagged_unredacted_text_is_hidden_in_the_list(client, editor):
    flagged = make_proposal(description=PERSONAL, may_contain_personal_data=True, quote="Ola Nordmann")
    redacted = make_proposal(description="Ring meg på 98765432", may_contain_personal_data=True)
    proposal_redact_personal_data(proposal=redacted, by=editor)
    html = _get(client, editor).content.decode()
    assert "Nordmann" not in html and "98765432" not in html
    assert f'class="hidden-text" href="/nb/redaksjon/forslag/{flagged.pk}/"' in html
    # Redacted text is shown again, with the personal data removed.
    assert "Ring meg på" in html


def test_hostile_text_is_escaped(client, editor):
    make_proposal(description=HOSTILE)
    html = _get(client, editor).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_only_new_proposals_can_be_ticked(client, editor):
    new = make_proposal()
    deferred = make_proposal()
    proposal_transition(proposal_id=deferred.pk, action="defer", by=editor)
    html = _get(client, editor, state="all").content.decode()
    assert f'name="ids" value="{new.pk}"' in html
    assert f'name="ids" value="{deferred.pk}"' not in html


def test_nynorsk_page_renders(client, local_a, partnership_a):
    make_proposal(partnership=partnership_a, language="nn", description="Lenkja fungerer ikkje.")
    client.force_login(local_a)
    response = client.get("/nn/redaksjon/forslag/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="nn">' in html
    assert "Lenkja fungerer ikkje." in html
    assert 'href="/nb/redaksjon/forslag/"' in html  # the link to the other written standard


# --- Queries -----------------------------------------------------------------------------------


def _varied(count: int, *, pathways, partnerships) -> None:
    for n in range(count):
        pathway = pathways[n % len(pathways)]
        make_proposal(
            pathway=pathway,
            version=pathway.current_version,
            section_slug=["innledning", "fastlege-kartlegging", "sjekkliste-henvisning"][n % 3],
            partnership=partnerships[n % len(partnerships)],
            may_contain_personal_data=n % 4 == 0,
        )


def _count_queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [URL, EXPORT_URL])
def test_queries_do_not_grow_with_the_rows(client, editor, pathway, partnership_a, partnership_b, url):
    pathways = [pathway, make_pathway(editor=editor, slug="autisme")]
    partnerships = [partnership_a, partnership_b, None]
    _varied(5, pathways=pathways, partnerships=partnerships)
    client.force_login(editor)
    few = _count_queries(client, url)
    _varied(55, pathways=pathways, partnerships=partnerships)
    many = _count_queries(client, url)
    assert many == few


def test_queries_do_not_grow_on_a_later_page(client, editor, pathway, partnership_a, partnership_b):
    _varied(120, pathways=[pathway], partnerships=[partnership_a, partnership_b])
    client.force_login(editor)
    first = client.get(URL)
    second_url = URL + _next_link(first)
    with CaptureQueriesContext(connection) as page_two:
        client.get(second_url)
    third_url = URL + _next_link(client.get(second_url))
    with CaptureQueriesContext(connection) as page_three:
        client.get(third_url)
    assert len(page_two) == len(page_three)


# --- CSV export --------------------------------------------------------------------------------


def test_export_has_the_columns_the_filters_and_a_byte_order_mark(client, editor, pathway, partnership_a):
    wanted = make_proposal(
        pathway=pathway,
        version=pathway.current_version,
        section_slug="fastlege-kartlegging",
        partnership=partnership_a,
        kind=ProposalKind.OUTDATED,
        description="Utdatert råd om søvn.",
        suggested_text="Nytt råd.",
        quote="Gammelt råd.",
    )
    make_proposal(kind=ProposalKind.ERROR)
    client.force_login(editor)
    response = client.get(EXPORT_URL, {"kind": "outdated"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="endringsforslag-')
    rows = _csv(response)
    assert list(rows[0]) == [
        "id",
        "received",
        "state",
        "kind",
        "pathway",
        "section",
        "version",
        "language",
        "partnership",
        "description",
        "suggested_text",
        "quote",
    ]
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == str(wanted.pk)
    assert row["state"] == "new" and row["kind"] == "outdated" and row["language"] == "nb"
    assert (row["pathway"], row["section"], row["version"], row["partnership"]) == (
        "angst",
        "fastlege-kartlegging",
        "2026",
        "vest",
    )
    assert (row["description"], row["suggested_text"], row["quote"]) == (
        "Utdatert råd om søvn.",
        "Nytt råd.",
        "Gammelt råd.",
    )


def test_export_is_limited_to_what_the_user_sees(client, local_a, three):
    client.force_login(local_a)
    rows = _csv(client.get(EXPORT_URL, {"state": "all"}))
    assert [row["id"] for row in rows] == [str(three[0].pk)]


def test_export_replaces_flagged_unredacted_text(client, editor):
    make_proposal(
        description=PERSONAL, suggested_text="Ring 98765432", quote="Ola Nordmann", may_contain_personal_data=True
    )
    client.force_login(editor)
    response = client.get(EXPORT_URL)
    body = b"".join(response.streaming_content).decode("utf-8")
    assert "Nordmann" not in body and "98765432" not in body
    with override("nb"):
        placeholder = gettext("[may contain personal data]")
    row = next(csv.DictReader(io.StringIO(body[1:])))
    assert row["description"] == row["suggested_text"] == row["quote"] == placeholder


@pytest.mark.parametrize(
    "dangerous", ['=HYPERLINK("http://evil.example","klikk")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_export_neutralises_formulas(client, editor, dangerous):
    make_proposal(description=dangerous, quote=dangerous)
    client.force_login(editor)
    row = _csv(client.get(EXPORT_URL))[0]
    assert row["description"] == "'" + dangerous
    assert row["quote"] == "'" + dangerous


def test_export_with_an_invalid_filter_is_refused(client, editor):
    client.force_login(editor)
    assert client.get(EXPORT_URL, {"age": "5"}).status_code == 400


# --- Bulk: reject as spam ----------------------------------------------------------------------


def test_bulk_spam_asks_first_and_lists_ids_and_kinds_only(client, editor):
    spam = make_proposal(
        kind=ProposalKind.SUGGESTION, description="Kjøp billige klokker", may_contain_personal_data=True
    )
    other = make_proposal(description="Billig viagra")
    client.force_login(editor)
    response = client.post(BULK_URL, {"ids": [spam.pk, other.pk], "filters": "kind=suggestion"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'<li data-proposal="(\d+)"', html) == [str(spam.pk), str(other.pk)]
    with override("nb"):
        assert gettext(ProposalKind.SUGGESTION.label) in html
    assert "klokker" not in html and "viagra" not in html
    assert 'name="confirm" value="1"' in html
    assert ChangeProposal.objects.filter(state=ProposalState.NEW).count() == 2
    assert not AuditEntry.objects.exists()


def test_confirmed_bulk_spam_rejects_each_with_an_audit_entry(client, editor):
    spam = [make_proposal(description=f"Reklame {n}") for n in range(3)]
    keep = make_proposal()
    client.force_login(editor)
    response = client.post(BULK_URL, {"ids": [p.pk for p in spam], "confirm": "1", "filters": "kind=error&etter=x"})
    assert response.status_code == 302
    assert response["Location"] == "/nb/redaksjon/forslag/?kind=error&etter=x"
    for proposal in spam:
        proposal.refresh_from_db()
        assert proposal.state == ProposalState.REJECTED
        assert proposal.reject_reason == RejectReason.SPAM
        entry = AuditEntry.objects.get(proposal=proposal)
        assert (entry.action, entry.actor, entry.from_state, entry.to_state) == ("reject", editor, "new", "rejected")
    keep.refresh_from_db()
    assert keep.state == ProposalState.NEW
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert len(messages) == 1 and "3" in messages[0]


def test_local_editors_bulk_skips_another_partnerships_proposal(client, local_a, three):
    mine, theirs, common = three
    client.force_login(local_a)
    confirm_page = client.post(BULK_URL, {"ids": [mine.pk, theirs.pk, common.pk]})
    assert re.findall(r'<li data-proposal="(\d+)"', confirm_page.content.decode()) == [str(mine.pk)]
    assert "Fra Nord." not in confirm_page.content.decode()
    # Posting the other ids anyway (a crafted form) changes nothing of theirs.
    response = client.post(BULK_URL, {"ids": [mine.pk, theirs.pk, common.pk], "confirm": "1"}, follow=True)
    assert response.status_code == 200
    assert ChangeProposal.objects.get(pk=mine.pk).state == ProposalState.REJECTED
    for other in (theirs, common):
        assert ChangeProposal.objects.get(pk=other.pk).state == ProposalState.NEW
        assert not AuditEntry.objects.filter(proposal=other).exists()
    messages = [str(m) for m in response.context["messages"]]
    assert any(f"#{theirs.pk}" in m and f"#{common.pk}" in m for m in messages)


def test_bulk_skips_proposals_that_are_no_longer_new(client, editor):
    new, deferred = make_proposal(), make_proposal()
    proposal_transition(proposal_id=deferred.pk, action="defer", by=editor)
    client.force_login(editor)
    response = client.post(BULK_URL, {"ids": [new.pk, deferred.pk], "confirm": "1"}, follow=True)
    assert ChangeProposal.objects.get(pk=deferred.pk).state == ProposalState.DEFERRED
    assert ChangeProposal.objects.get(pk=new.pk).state == ProposalState.REJECTED
    assert any(f"#{deferred.pk}" in str(m) for m in response.context["messages"])


@pytest.mark.parametrize("ids", [[], ["abc"], [str(n) for n in range(1, 52)]])
def test_bulk_with_a_bad_choice_goes_back_with_a_message(client, editor, ids):
    proposal = make_proposal()
    client.force_login(editor)
    response = client.post(BULK_URL, {"ids": ids, "confirm": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == "/nb/redaksjon/forslag/"
    assert len(list(response.context["messages"])) == 1
    assert ChangeProposal.objects.get(pk=proposal.pk).state == ProposalState.NEW


def test_bulk_needs_post_and_a_csrf_token(editor):
    proposal = make_proposal()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.get(BULK_URL).status_code == 405
    assert client.post(BULK_URL, {"ids": [proposal.pk], "confirm": "1"}).status_code == 403
    assert ChangeProposal.objects.get(pk=proposal.pk).state == ProposalState.NEW


def test_bulk_form_on_the_queue_carries_a_csrf_token_and_the_filters(client, editor):
    make_proposal(kind=ProposalKind.MISSING)
    html = _get(client, editor, kind="missing").content.decode()
    form = html[html.index(f'action="{BULK_URL}"') :]
    assert 'name="csrfmiddlewaretoken"' in form
    assert 'name="filters" value="kind=missing' in form
