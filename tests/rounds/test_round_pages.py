"""The round's staff pages: the list, a new round, the round's page with its phases and progress,
changing its dates, the step to the next phase with its confirmation, and the partnership's page;
who may see each, bad input, and query counts that do not grow with the round."""

import datetime
import re
from datetime import UTC

import pytest
import time_machine
from django.utils import translation
from django.utils.html import escape

from governance.models import ProposalState, ReviewRound, RoundState
from pathways.models import Profile, Role
from tests.factories import make_round, make_seats
from tests.rounds import HOSTILE, enrol, make_partnerships, review_rows, state_of
from tests.support import as_user, make_proposal

pytestmark = pytest.mark.django_db

S = ProposalState
R = RoundState
D = datetime.date
BASE = "/nb/redaksjon/runder/"
# 2027-01-21 in Oslo: ten days before collecting ends on 2027-01-31.
DURING_COLLECTING = datetime.datetime(2027, 1, 21, 12, 0, tzinfo=UTC)
TODAY = datetime.datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
VALID = {
    "year": "2027",
    "collecting_until": "2026-10-31",
    "partnership_review_until": "2026-12-15",
    "voting_until": "2027-02-28",
    "editorial_until": "2027-04-30",
    "meeting_on": "",
    "quorum_numerator": "2",
    "quorum_denominator": "3",
    "both_constituencies_required": "on",
}


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def professional(partnership_a):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="professional", password="pw-for-tests", is_staff=True)
    Profile.objects.create(user=user, role=Role.PROFESSIONAL, partnership=partnership_a)
    return user


def nb(message: str, **values) -> str:
    """What a page in bokmål says for `message`, escaped as the template escapes it."""
    with translation.override("nb"):
        text = translation.gettext(message)
    return escape(text % values if values else text)


def get(client, user, url):
    return as_user(client, user).get(url)


def text(response) -> str:
    return response.content.decode()


def progress_rows(response) -> list[str]:
    return re.findall(r'<tr data-partnership="([\w-]+)">', text(response))


# --- Who may see -----------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client):
    make_round()
    for url in (BASE, BASE + "ny/", BASE + "2027/", BASE + "2027/helsefellesskap/vest/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/logg-inn/" in response["Location"]


def test_a_professional_without_a_role_in_rounds_gets_404(client, professional):
    make_round()
    client.force_login(professional)
    for url in (BASE, BASE + "2027/", BASE + "ny/", BASE + "2027/endre/", BASE + "2027/neste-fase/"):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["local_a", "trust_seat", "adviser"])
def test_only_the_responsible_editor_creates_changes_and_moves_on(client, request, who):
    make_round()
    client.force_login(request.getfixturevalue(who))
    for url in (BASE + "ny/", BASE + "2027/endre/", BASE + "2027/neste-fase/"):
        assert client.get(url).status_code == 404
        assert client.post(url, VALID | {"from_state": "planned"}).status_code == 404
    assert ReviewRound.objects.get().state == R.PLANNED


def test_an_unknown_year_is_404(client, editor):
    assert get(client, editor, BASE + "2031/").status_code == 404
    assert get(client, editor, BASE + "2031/helsefellesskap/felles/").status_code == 404


# --- The list ---------------------------------------------------------------------------------------------


def test_the_list_shows_the_current_rounds_phase_and_days_to_its_deadline(client, local_a):
    make_round(year=2026, state=R.CLOSED, collecting_until=D(2026, 1, 31))
    make_round(year=2027, state=R.COLLECTING)
    with time_machine.travel(DURING_COLLECTING, tick=False):
        response = get(client, local_a, BASE)
    assert response.status_code == 200
    body = text(response)
    assert nb("collecting proposals") in body
    with translation.override("nb"):
        days = translation.ngettext("%(counter)s day to go.", "%(counter)s days to go.", 10) % {"counter": 10}
    assert escape(days) in body
    assert re.findall(r'<tr data-round="(\d+)">', body) == ["2027", "2026"]
    assert nb("New round") not in body  # not the local editor's to make


def test_the_list_says_when_no_round_is_open(client, editor):
    response = get(client, editor, BASE)
    assert nb("No round is open now.") in text(response)
    assert nb("There are no rounds yet.") in text(response)


# --- A new round ---------------------------------------------------------------------------------------------


def test_the_editor_creates_a_round(client, editor, clock):
    assert get(client, editor, BASE + "ny/").status_code == 200
    response = client.post(BASE + "ny/", VALID)
    assert response.status_code == 302
    assert response["Location"] == BASE + "2027/"
    review_round = ReviewRound.objects.get(year=2027)
    assert (review_round.state, review_round.voting_until) == (R.PLANNED, D(2027, 2, 28))


def test_dates_may_be_written_the_norwegian_way(client, editor, clock):
    client.force_login(editor)
    response = client.post(BASE + "ny/", VALID | {"collecting_until": "31.10.2026"})
    assert response.status_code == 302
    assert ReviewRound.objects.get().collecting_until == D(2026, 10, 31)


def test_an_empty_form_is_an_error_for_each_field(client, editor, clock):
    client.force_login(editor)
    response = client.post(BASE + "ny/", {})
    assert response.status_code == 400
    body = text(response)
    assert 'class="error-summary"' in body
    assert body.count(nb("Give the date.")) >= 4
    assert 'href="#id_collecting_until"' in body
    assert not ReviewRound.objects.exists()


def test_a_malformed_date_is_an_error_and_the_text_is_kept(client, editor, clock):
    client.force_login(editor)
    response = client.post(BASE + "ny/", VALID | {"voting_until": "31. februar i fjor"})
    assert response.status_code == 400
    body = text(response)
    assert nb("Write the date as dd.mm.yyyy, for example 31.01.2027.") in body
    assert 'value="31. februar i fjor"' in body
    assert not ReviewRound.objects.exists()


@pytest.mark.parametrize("year", ["99999999999999999999", "1999", "-5", "<script>"])
def test_a_year_out_of_range_is_an_error(client, editor, clock, year):
    client.force_login(editor)
    response = client.post(BASE + "ny/", VALID | {"year": year})
    assert response.status_code == 400
    assert "<script>" not in text(response).split("<main", 1)[1]
    assert not ReviewRound.objects.exists()


def test_dates_out_of_order_are_an_error_on_the_field(client, editor, clock):
    client.force_login(editor)
    response = client.post(BASE + "ny/", VALID | {"voting_until": "2026-12-01"})
    assert response.status_code == 400
    assert nb("This day comes before the last day of the phase before it.") in text(response)


def test_the_same_year_twice_is_refused_with_the_reason(client, editor, clock):
    client.force_login(editor)
    assert client.post(BASE + "ny/", VALID).status_code == 302
    response = client.post(BASE + "ny/", VALID)
    assert response.status_code == 409
    assert nb("There is already a round for %(year)s.", year=2027) in text(response)
    assert ReviewRound.objects.count() == 1


# --- The round's page ---------------------------------------------------------------------------------------


@pytest.fixture
def running(partnership_a, partnership_b):
    review_round = make_round(state=R.PARTNERSHIP_REVIEW)
    review_rows(review_round, [partnership_a, partnership_b])
    enrol(review_round, make_proposal(partnership=partnership_a, state=S.DEFERRED))
    enrol(review_round, make_proposal(partnership=partnership_b, state=S.DEFERRED))
    enrol(review_round, make_proposal(partnership=None, state=S.DEFERRED))
    return review_round


def test_the_editor_sees_the_phases_and_every_partnerships_progress(client, editor, running):
    response = get(client, editor, BASE + "2027/")
    assert response.status_code == 200
    body = text(response)
    assert re.findall(r'data-phase="(\w+)"', body) == list(R.values)
    assert 'aria-current="step" data-phase="partnership_review"' in body
    assert progress_rows(response) == ["nord", "vest", "felles"]
    assert 'href="/nb/redaksjon/runder/2027/neste-fase/"' in body
    assert 'href="/nb/redaksjon/runder/2027/endre/"' in body


def test_a_local_editor_sees_their_own_row_only(client, local_a, running):
    response = get(client, local_a, BASE + "2027/")
    assert progress_rows(response) == ["vest"]
    assert "Helsefellesskap Nord" not in text(response)
    assert "/neste-fase/" not in text(response)


@pytest.mark.parametrize("who", ["trust_seat", "adviser"])
def test_the_resource_group_sees_the_phases_but_no_progress(client, request, who, running):
    response = get(client, request.getfixturevalue(who), BASE + "2027/")
    assert response.status_code == 200
    assert progress_rows(response) == []
    assert 'data-phase="collecting"' in text(response)


def test_the_round_page_in_nynorsk_links_back_to_bokmal(client, editor, running):
    response = get(client, editor, "/nn/redaksjon/runder/2027/")
    assert response.status_code == 200
    assert 'href="/nb/redaksjon/runder/2027/"' in text(response)


def _grow(review_round, count: int, *, prefix: str, items_each: int) -> None:
    partnerships = make_partnerships(count, prefix=prefix)
    review_rows(review_round, partnerships)
    for partnership in partnerships:
        for _ in range(items_each):
            enrol(review_round, make_proposal(partnership=partnership, state=S.DEFERRED))


def _count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_round_page_costs_the_same_for_2_or_8_partnerships(client, editor, django_assert_num_queries):
    client.force_login(editor)
    review_round = make_round(state=R.PARTNERSHIP_REVIEW)
    _grow(review_round, 2, prefix="liten", items_each=1)
    small = _count_queries(client, BASE + "2027/")
    _grow(review_round, 6, prefix="stor", items_each=5)
    with django_assert_num_queries(small):
        response = client.get(BASE + "2027/")
    assert len(progress_rows(response)) == 8 + 1  # and the common text


def test_the_list_costs_the_same_for_1_or_5_rounds(client, editor, django_assert_num_queries):
    client.force_login(editor)
    make_round(year=2027, state=R.COLLECTING)
    small = _count_queries(client, BASE)
    for year in range(2022, 2026):
        make_round(year=year, state=R.CLOSED, collecting_until=D(year, 1, 31))
    with django_assert_num_queries(small):
        client.get(BASE)


# --- Changing a round ----------------------------------------------------------------------------------------


def test_the_edit_form_shows_what_can_no_longer_change_as_disabled(client, editor, running, clock):
    response = get(client, editor, BASE + "2027/endre/")
    assert response.status_code == 200
    body = text(response)
    assert re.search(r'<input[^>]*name="collecting_until"[^>]*disabled', body)
    assert not re.search(r'<input[^>]*name="voting_until"[^>]*disabled', body)
    assert 'name="year"' not in body


def test_a_change_to_a_finished_phases_deadline_is_ignored(client, editor, running, clock):
    client.force_login(editor)
    data = {key: value for key, value in VALID.items() if key != "year"} | {
        "collecting_until": "2026-11-11",
        "partnership_review_until": "2027-01-31",
        "voting_until": "2027-03-07",
        "quorum_numerator": "2",
    }
    response = client.post(BASE + "2027/endre/", data)
    assert response.status_code == 302
    running.refresh_from_db()
    assert running.collecting_until == D(2027, 1, 31)  # as it was: that phase is over
    assert running.voting_until == D(2027, 3, 7)


def test_the_quorum_is_disabled_once_voting_has_started(client, editor, clock):
    make_round(state=R.RESOURCE_GROUP_REVIEW)
    body = text(get(client, editor, BASE + "2027/endre/"))
    assert re.search(r'<input[^>]*name="quorum_numerator"[^>]*disabled', body)


def test_moving_a_deadline_into_the_past_is_refused_with_the_reason(client, editor, clock):
    make_round(state=R.COLLECTING, collecting_until=D(2026, 10, 31))
    client.force_login(editor)
    data = {key: value for key, value in VALID.items() if key != "year"} | {
        "collecting_until": "2026-08-01",
        "partnership_review_until": "2027-02-28",
        "voting_until": "2027-03-31",
        "editorial_until": "2027-04-30",
    }
    response = client.post(BASE + "2027/endre/", data)
    assert response.status_code == 409
    assert ReviewRound.objects.get().collecting_until == D(2026, 10, 31)
    assert 'value="2026-08-01"' in text(response)


# --- The next phase -----------------------------------------------------------------------------------------


def test_the_confirmation_page_lists_what_is_in_the_way(client, editor, running):
    response = get(client, editor, BASE + "2027/neste-fase/")
    assert response.status_code == 200
    body = text(response)
    assert nb("The resource group has no seats in this round yet.") in body
    assert "Helsefellesskap Vest" in body and "Helsefellesskap Nord" in body
    assert 'name="from_state"' not in body  # no button while blocked


def test_the_step_is_confirmed_then_taken(client, editor):
    make_round(state=R.COLLECTING)
    response = get(client, editor, BASE + "2027/neste-fase/")
    body = text(response)
    assert 'name="from_state" value="collecting"' in body
    response = client.post(BASE + "2027/neste-fase/", {"from_state": "collecting"})
    assert response.status_code == 302
    assert ReviewRound.objects.get().state == R.PARTNERSHIP_REVIEW


def test_the_same_step_sent_twice_does_not_skip_a_phase(client, editor, partnership_a):
    review_round = make_round(state=R.COLLECTING)
    make_seats(review_round, [partnership_a])
    client.force_login(editor)
    assert client.post(BASE + "2027/neste-fase/", {"from_state": "collecting"}).status_code == 302
    response = client.post(BASE + "2027/neste-fase/", {"from_state": "collecting"})
    assert response.status_code == 409
    assert nb("review in the partnerships") in text(response)
    assert ReviewRound.objects.get().state == R.PARTNERSHIP_REVIEW


def test_a_blocked_step_sent_anyway_is_refused_with_the_reasons(client, editor, running):
    client.force_login(editor)
    response = client.post(BASE + "2027/neste-fase/", {"from_state": "partnership_review"})
    assert response.status_code == 409
    assert 'class="error-summary"' in text(response)
    assert nb("The resource group has no seats in this round yet.") in text(response)
    assert ReviewRound.objects.get().state == R.PARTNERSHIP_REVIEW


@pytest.mark.parametrize("data", [{}, {"from_state": "nowhere"}, {"from_state": "<script>"}])
def test_a_malformed_step_is_a_bad_request(client, editor, data):
    make_round(state=R.COLLECTING)
    client.force_login(editor)
    assert client.post(BASE + "2027/neste-fase/", data).status_code == 400
    assert ReviewRound.objects.get().state == R.COLLECTING


def test_a_closed_round_offers_no_next_step(client, editor):
    make_round(state=R.CLOSED)
    body = text(get(client, editor, BASE + "2027/neste-fase/"))
    assert nb("The round is closed: it has no next phase.") in body
    assert 'name="from_state"' not in body


# --- The partnership's page ---------------------------------------------------------------------------------


def test_the_local_editor_sees_their_proposals_with_forms(client, local_a, running, pathway, partnership_a):
    proposal = make_proposal(
        partnership=partnership_a,
        pathway=pathway,
        section_slug="fastlege-kartlegging",
        description=HOSTILE,
        state=S.DEFERRED,
    )
    enrol(running, proposal)
    response = get(client, local_a, BASE + "2027/helsefellesskap/vest/")
    assert response.status_code == 200
    body = text(response)
    assert f'id="forslag-{proposal.pk}"' in body
    assert "Angstplager" in body and "Tittel 1" in body  # pathway and section
    assert "&lt;script&gt;" in body and "<script>alert" not in body
    assert body.count('value="forward"') == 2
    assert 'action="/nb/redaksjon/runder/2027/helsefellesskap/vest/ingenting-aa-videresende/"' in body


def test_flagged_text_is_hidden_until_redacted(client, local_a, running, partnership_a):
    flagged = make_proposal(
        partnership=partnership_a,
        description="Ring meg på 98765432 om sønnen min",
        may_contain_personal_data=True,
        state=S.DEFERRED,
    )
    enrol(running, flagged)
    body = text(get(client, local_a, BASE + "2027/helsefellesskap/vest/"))
    assert "98765432" not in body
    assert nb("May contain personal data: open to see") in body


def test_no_forms_outside_the_partnerships_review(client, local_a, partnership_a):
    review_round = make_round(state=R.RESOURCE_GROUP_REVIEW)
    enrol(review_round, make_proposal(partnership=partnership_a, state=S.IN_REVIEW))
    body = text(get(client, local_a, BASE + "2027/helsefellesskap/vest/"))
    assert 'value="forward"' not in body
    assert (
        nb(
            "Proposals are forwarded or declined only while the partnerships review them. This page shows what "
            "was decided."
        )
        in body
    )


def test_the_common_text_page_is_the_responsible_editors(client, editor, local_a, running):
    assert get(client, local_a, BASE + "2027/helsefellesskap/felles/").status_code == 404
    response = get(client, editor, BASE + "2027/helsefellesskap/felles/")
    assert response.status_code == 200
    assert body_count(response, 'id="forslag-') == 1
    assert "ingenting-aa-videresende" not in text(response)  # the common text forwards item by item


def body_count(response, needle: str) -> int:
    return text(response).count(needle)


def test_an_unknown_partnership_is_404(client, editor, running):
    assert get(client, editor, BASE + "2027/helsefellesskap/finnes-ikke/").status_code == 404


def test_the_editor_forwards_on_the_common_text_page(client, editor, running):
    item = running.items.get(proposal__partnership__isnull=True)
    client.force_login(editor)
    url = BASE + f"2027/helsefellesskap/felles/forslag/{item.proposal_id}/"
    response = client.post(url, {"action": "forward", f"p{item.proposal_id}-forward-comment": "Felles tekst."})
    assert response.status_code == 302
    assert state_of(item.proposal) == S.FORWARDED


def test_the_partnership_page_costs_the_same_for_2_or_12_proposals(
    client, local_a, partnership_a, pathway, django_assert_num_queries
):
    review_round = make_round(state=R.PARTNERSHIP_REVIEW)
    review_rows(review_round, [partnership_a])
    client.force_login(local_a)
    for _ in range(2):
        enrol(
            review_round,
            make_proposal(partnership=partnership_a, pathway=pathway, section_slug="innledning", state=S.DEFERRED),
        )
    small = _count_queries(client, BASE + "2027/helsefellesskap/vest/")
    for _ in range(10):
        enrol(
            review_round,
            make_proposal(partnership=partnership_a, pathway=pathway, section_slug="innledning", state=S.DEFERRED),
        )
    with django_assert_num_queries(small):
        response = client.get(BASE + "2027/helsefellesskap/vest/")
    assert body_count(response, 'id="forslag-') == 12


# --- In a browser -------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_the_round_pages_have_no_serious_accessibility_problems(
    live_server, transactional_db, editor, local_a, partnership_a, partnership_b
):
    """axe-core (WCAG 2.0/2.1 A and AA) on every round page, with an error summary where a form has
    one, as the editor and as a local editor; then the local editor forwards without JavaScript.
    Skipped without Chromium and axe-core, failed then with CI=true (as tests/browser/ does)."""
    from tests.browser.conftest import FAILING_IMPACTS, _missing, axe_violations, chromium, format_violations
    from tests.support import require

    require(_missing(), what="browser test")

    review_round = make_round(state=R.PARTNERSHIP_REVIEW, meeting_on=D(2027, 3, 10))
    review_rows(review_round, [partnership_a, partnership_b])
    item = enrol(review_round, make_proposal(partnership=partnership_a, description=HOSTILE, state=S.DEFERRED))
    flagged = enrol(
        review_round, make_proposal(partnership=partnership_a, may_contain_personal_data=True, state=S.DEFERRED)
    )
    enrol(review_round, make_proposal(partnership=None, state=S.DEFERRED))
    failures: list[str] = []

    def check(page, name: str) -> None:
        assert page.title().strip(), name
        failing = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
        if failing:
            failures.append(f"{name} ({page.url}):\n{format_violations(failing)}")

    def log_in(page, username: str) -> None:
        page.goto(f"{live_server.url}/nb/logg-inn/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill("pw-for-tests")
        with page.expect_navigation():
            page.locator("main form[method=post] button[type=submit]").click()

    base = f"{live_server.url}{BASE}"
    with chromium() as browser:
        page = browser.new_context(bypass_csp=True).new_page()
        log_in(page, "editor")
        for name, url in [
            ("list", base),
            ("new round", base + "ny/"),
            ("round", base + "2027/"),
            ("round in nynorsk", base.replace("/nb/", "/nn/") + "2027/"),
            ("change", base + "2027/endre/"),
            ("next phase, blocked", base + "2027/neste-fase/"),
            ("common text", base + "2027/helsefellesskap/felles/"),
        ]:
            assert page.goto(url).status == 200, name
            check(page, name)
        page.goto(base + "ny/")
        page.locator("#id_collecting_until").fill("")
        with page.expect_navigation():
            page.locator("main form[novalidate] button[type=submit]").click()
        check(page, "new round with errors")

        page = browser.new_context(java_script_enabled=False).new_page()
        log_in(page, "local-a")
        page.goto(base + "2027/helsefellesskap/vest/")
        page.locator(f"#forslag-{item.proposal_id} summary").click()  # the forms fold away until asked for
        page.locator(f"#id_p{item.proposal_id}-forward-comment").fill("Viktig for fastlegene.")
        with page.expect_navigation():
            page.locator(f"#forslag-{item.proposal_id} button[value=forward]").click()
        decline = page.locator(f"#forslag-{item.proposal_id} button[value=decline]")
        assert decline.count() == 0  # forwarded: no more forms for it

        page = browser.new_context(bypass_csp=True).new_page()
        log_in(page, "local-a")
        page.goto(base + "2027/helsefellesskap/vest/")
        check(page, "partnership page")
        page.locator(f"#forslag-{flagged.proposal_id} summary").click()
        with page.expect_navigation():  # declined without a reason: the page again, with the error summary
            page.locator(f"#forslag-{flagged.proposal_id} button[value=decline]").click()
        assert page.locator(f"#forslag-{flagged.proposal_id} details[open]").count() == 1
        check(page, "partnership page with an error")
    assert not failures, "serious or critical axe violations:\n" + "\n".join(failures)
    assert state_of(item.proposal) == S.FORWARDED
