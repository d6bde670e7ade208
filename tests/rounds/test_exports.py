"""The round's decisions as CSV and XLSX (the responsible editor's), and its deadlines as an
iCalendar feed, logged in or at a personal signed address."""

import csv
import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext, override
from icalendar import Calendar
from openpyxl import load_workbook

from governance.models import (
    ChangeProposal,
    Decision,
    ProposalKind,
    ProposalState,
    Recommendation,
    ReviewRound,
    RoundItem,
    Vote,
    VoteChoice,
)
from governance.rounds.exports import DECISION_COLUMNS, calendar_token
from pathways.models import Profile, Role
from tests.factories import make_round, make_seats
from tests.support import make_proposal

pytestmark = pytest.mark.django_db

YEAR = 2027
CSV_URL = f"/nb/redaksjon/runder/{YEAR}/vedtak.csv"
XLSX_URL = f"/nb/redaksjon/runder/{YEAR}/vedtak.xlsx"
ICS_URL = f"/nb/redaksjon/runder/{YEAR}/frister.ics"
PERSONAL = "Barnet mitt, f. 01.02.2015, tlf 98765432, fikk ikke time"
FORMULA = '=HYPERLINK("https://example.invalid","klikk")'


@pytest.fixture
def decided_round(editor, pathway, partnership_a, partnership_b):
    """p1 forwarded, voted on (recommended), decided with a formula-like comment and change lines;
    p2 forwarded, flagged as holding personal data, not redacted; p3 the same but redacted; p4
    declined by its partnership."""
    review_round = make_round(year=YEAR, state="editorial", meeting_on=datetime.date(2027, 3, 20))
    a_trust, a_muni, b_trust, b_muni = make_seats(review_round, [partnership_a, partnership_b])
    p1 = make_proposal(
        partnership=partnership_a,
        pathway=pathway,
        section_slug="fastlege-kartlegging",
        kind=ProposalKind.OUTDATED,
        description="@SUM(1+1) står feil",
        suggested_text="\tInnrykket tekst",
        state=ProposalState.IN_REVIEW,
    )
    p2 = make_proposal(
        partnership=partnership_b,
        pathway=pathway,
        description=PERSONAL,
        may_contain_personal_data=True,
        state=ProposalState.IN_REVIEW,
    )
    p3 = make_proposal(
        partnership=partnership_b,
        pathway=pathway,
        description="Barnet mitt, [fjernet]",
        may_contain_personal_data=True,
        redacted_at=timezone.now(),
        state=ProposalState.IN_REVIEW,
    )
    p4 = make_proposal(partnership=partnership_a, state=ProposalState.DECLINED, description="-1 på dette")
    now = timezone.now()
    item = RoundItem.objects.create(
        review_round=review_round,
        proposal=p1,
        forwarded_at=now,
        partnership_comment=FORMULA,
        meeting_recommendation=Recommendation.RECOMMENDED,
        meeting_note="+ enighet i møtet",
        decision=Decision.ACCEPT_WITH_CHANGES,
        rationale="-Godt forslag, med små endringer.",
        decided_by=editor,
        decided_at=now,
        change_summary_nb="Oppdatert kartlegging hos fastlegen.",
        change_summary_nn="Oppdatert kartlegging hjå fastlegen.",
    )
    item.changed_sections.add(pathway.sections.get(slug="fastlege-kartlegging"))
    RoundItem.objects.create(review_round=review_round, proposal=p2, forwarded_at=now)
    RoundItem.objects.create(review_round=review_round, proposal=p3, forwarded_at=now)
    RoundItem.objects.create(review_round=review_round, proposal=p4)
    for seat, choice, comment in [
        (a_trust, VoteChoice.RECOMMEND, ""),
        (a_muni, VoteChoice.RECOMMEND_WITH_CHANGES, "=1+1"),
        (b_trust, VoteChoice.NOT_RECOMMEND, ""),
        (b_muni, VoteChoice.RECUSED, ""),
    ]:
        Vote.objects.create(seat=seat, proposal=p1, choice=choice, comment=comment, cast_by=seat.holder)
    Vote.objects.create(seat=b_trust, proposal=p2, choice=VoteChoice.ABSTAIN, cast_by=b_trust.holder)
    return review_round, (p1, p2, p3, p4)


def _csv_rows(response) -> list[dict]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))


def _xlsx_rows(response) -> list[dict]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None, "the workbook has no active sheet"
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# --- Decisions: CSV ----------------------------------------------------------------------------


def test_csv_has_one_row_per_proposal_with_tally_and_decision(client, editor, decided_round):
    _round, (p1, p2, p3, p4) = decided_round
    client.force_login(editor)
    response = client.get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="vedtak-{YEAR}.csv"' in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert list(rows[0]) == list(DECISION_COLUMNS)
    assert [int(row["id"]) for row in rows] == [p1.pk, p2.pk, p3.pk, p4.pk]
    first = rows[0]
    assert (first["pathway"], first["section"], first["kind"], first["partnership"], first["state"]) == (
        "angst",
        "fastlege-kartlegging",
        "outdated",
        "vest",
        "in_review",
    )
    # A-trust for, A-municipality for (with changes), B-trust against, B-municipality recused.
    assert (first["hospital_trust_for"], first["hospital_trust_against"]) == ("1", "1")
    assert (first["municipality_for"], first["municipality_recused"], first["municipality_abstain"]) == ("1", "1", "0")
    assert first["outcome"] == Recommendation.RECOMMENDED
    assert first["meeting_recommendation"] == "recommended"
    assert first["decision"] == "accept_with_changes"
    assert first["sections_changed"] == "fastlege-kartlegging"
    assert first["change_nb"] == "Oppdatert kartlegging hos fastlegen."
    assert first["change_nn"] == "Oppdatert kartlegging hjå fastlegen."
    assert first["decided"] == timezone.localdate().isoformat()
    # p2: one abstention of four seats is no quorum; p4 was never forwarded, so it has no outcome.
    assert rows[1]["outcome"] == Recommendation.NONE
    assert rows[3]["outcome"] == "" and rows[3]["state"] == "declined" and rows[3]["forwarded"] == ""


def test_csv_neutralises_formulas(client, editor, decided_round):
    client.force_login(editor)
    first, *_rest, declined = _csv_rows(client.get(CSV_URL))
    assert first["partnership_comment"] == "'" + FORMULA
    assert first["description"] == "'@SUM(1+1) står feil"
    assert first["suggested_text"] == "'\tInnrykket tekst"
    assert first["meeting_note"] == "'+ enighet i møtet"
    assert first["rationale"] == "'-Godt forslag, med små endringer."
    assert declined["description"] == "'-1 på dette"


def test_csv_hides_text_that_may_hold_personal_data_until_redacted(client, editor, decided_round):
    client.force_login(editor)
    response = client.get(CSV_URL)
    rows = _csv_rows(response)
    assert PERSONAL.encode() not in response.content
    with override("nb"):
        assert rows[1]["description"] == gettext("[may contain personal data]")
    assert rows[2]["description"] == "Barnet mitt, [fjernet]"


def test_csv_of_a_round_without_proposals_is_just_the_header(client, editor):
    make_round(year=YEAR)
    client.force_login(editor)
    assert _csv_rows(client.get(CSV_URL)) == []


def test_csv_costs_the_same_queries_for_more_proposals(client, editor, decided_round, django_assert_num_queries):
    review_round, (p1, *_rest) = decided_round
    client.force_login(editor)
    client.get(CSV_URL)
    # session, user, profile, round; items, sections, tally ×2, the votes' comments
    with django_assert_num_queries(9):
        client.get(CSV_URL)
    for number in range(20):
        extra = make_proposal(
            partnership=p1.partnership, description=f"Forslag {number}", state=ProposalState.IN_REVIEW
        )
        item = RoundItem.objects.create(review_round=review_round, proposal=extra, forwarded_at=timezone.now())
        item.changed_sections.add(*p1.pathway.sections.all())
    with django_assert_num_queries(9):
        assert len(_csv_rows(client.get(CSV_URL))) == 24


# --- Decisions: XLSX ---------------------------------------------------------------------------


def test_xlsx_opens_with_the_same_rows(client, editor, decided_round):
    _round, (p1, p2, p3, p4) = decided_round
    client.force_login(editor)
    response = client.get(XLSX_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f'filename="vedtak-{YEAR}.xlsx"' in response["Content-Disposition"]
    rows = _xlsx_rows(response)
    assert [row["id"] for row in rows] == [p1.pk, p2.pk, p3.pk, p4.pk]
    assert rows[0]["hospital_trust_for"] == 1  # counts are numbers in the workbook
    assert rows[0]["decision"] == "accept_with_changes"
    assert rows[0]["change_nn"] == "Oppdatert kartlegging hjå fastlegen."
    assert PERSONAL not in [value for row in rows for value in row.values()]
    assert rows[2]["description"] == "Barnet mitt, [fjernet]"


def test_xlsx_neutralises_formulas(client, editor, decided_round):
    client.force_login(editor)
    sheet = load_workbook(io.BytesIO(client.get(XLSX_URL).content)).active
    header = [cell.value for cell in sheet[1]]
    comment = sheet.cell(row=2, column=header.index("partnership_comment") + 1)
    assert comment.value == "'" + FORMULA
    assert comment.data_type == "s"  # text, not a formula
    formulas = [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert formulas == []


def test_xlsx_drops_control_characters_a_workbook_cannot_hold(client, editor, decided_round):
    _round, (p1, *_rest) = decided_round
    ChangeProposal.objects.filter(pk=p1.pk).update(description="Tekst med \x0b vertikal tab")
    client.force_login(editor)
    rows = _xlsx_rows(client.get(XLSX_URL))
    assert rows[0]["description"] == "Tekst med  vertikal tab"


# --- Decisions: who may fetch them -------------------------------------------------------------


@pytest.mark.parametrize("who", ["trust_seat", "adviser", "local_a"])
@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_only_the_responsible_editor_gets_the_decisions(client, request, decided_round, who, url):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL, ICS_URL])
def test_anonymous_is_sent_to_the_login_page(client, decided_round, url):
    response = client.get(url)
    assert response.status_code == 302 and "/logg-inn/" in response["Location"]


@pytest.mark.parametrize("suffix", ["vedtak.csv", "vedtak.xlsx", "frister.ics"])
def test_a_round_that_does_not_exist_is_404(client, editor, decided_round, suffix):
    client.force_login(editor)
    assert client.get(f"/nb/redaksjon/runder/1999/{suffix}").status_code == 404


def test_exports_only_answer_get(client, editor, decided_round):
    client.force_login(editor)
    assert client.post(CSV_URL).status_code == 405
    assert client.post(XLSX_URL).status_code == 405


# --- Deadlines as iCalendar --------------------------------------------------------------------


def _events(response) -> dict[str, dict]:
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Oslo"
    return {
        str(event["UID"]): {
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
            "summary": str(event["SUMMARY"]),
        }
        for event in calendar.walk("VEVENT")
    }


def test_calendar_has_an_all_day_event_per_deadline_and_the_meeting(client, trust_seat, decided_round):
    client.force_login(trust_seat)
    response = client.get(ICS_URL)
    assert response.status_code == 200
    events = _events(response)
    starts = sorted((event["start"], event["end"]) for event in events.values())
    day = datetime.timedelta(days=1)
    assert starts == [
        (datetime.date(2027, 1, 31), datetime.date(2027, 1, 31) + day),
        (datetime.date(2027, 2, 28), datetime.date(2027, 3, 1)),
        (datetime.date(2027, 3, 20), datetime.date(2027, 3, 21)),  # the meeting
        (datetime.date(2027, 3, 31), datetime.date(2027, 4, 1)),
        (datetime.date(2027, 4, 30), datetime.date(2027, 5, 1)),
    ]
    assert all(isinstance(event["start"], datetime.date) and not isinstance(event["start"], datetime.datetime)
               for event in events.values())  # fmt: skip
    assert all("2027" in event["summary"] for event in events.values())
    assert len(set(events)) == 5


def test_calendar_uids_are_stable_when_a_deadline_moves(client, editor, decided_round):
    review_round, _proposals = decided_round
    client.force_login(editor)
    before = _events(client.get(ICS_URL))
    ReviewRound.objects.filter(pk=review_round.pk).update(editorial_until=datetime.date(2027, 5, 15))
    after = _events(client.get(ICS_URL))
    assert set(before) == set(after)
    moved = [uid for uid in after if after[uid]["start"] != before[uid]["start"]]
    assert len(moved) == 1 and after[moved[0]]["start"] == datetime.date(2027, 5, 15)
    # The same events in the other written standard: the UIDs do not depend on the language.
    assert set(_events(client.get(f"/nn/redaksjon/runder/{YEAR}/frister.ics"))) == set(before)


def test_calendar_without_a_meeting_date_has_four_events(client, editor):
    make_round(year=YEAR)
    client.force_login(editor)
    assert len(_events(client.get(ICS_URL))) == 4


def test_calendar_is_refused_to_a_professional(client, decided_round, partnership_a):
    user = get_user_model().objects.create_user(username="fagperson", password="pw-for-tests")
    Profile.objects.create(user=user, role=Role.PROFESSIONAL, partnership=partnership_a)
    client.force_login(user)
    assert client.get(ICS_URL).status_code == 404


# --- The personal feed address -----------------------------------------------------------------


def _token_url(token: str, year: int = YEAR, language: str = "nb") -> str:
    return f"/{language}/redaksjon/runder/{year}/frister/{token}.ics"


def test_the_token_address_works_without_logging_in(client, trust_seat, decided_round):
    response = client.get(_token_url(calendar_token(trust_seat)))
    assert response.status_code == 200
    assert len(_events(response)) == 5


def test_the_token_address_on_the_dashboard_works(client, trust_seat, decided_round):
    client.force_login(trust_seat)
    html = client.get(f"/nb/redaksjon/runder/{YEAR}/oversikt/").content.decode()
    path = html.split('id="calendar-feed" value="', 1)[1].split('"', 1)[0].split("localhost:8000", 1)[1]
    client.logout()
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "x",
        "eyJ1IjoxfQ:forged",
        "a" * 500,  # huge
        "%3Cscript%3E",  # hostile
        signing.Signer(salt="something.else").sign_object({"u": 1}),  # signed for another purpose
    ],
)
def test_a_wrong_token_is_404(client, decided_round, token):
    assert client.get(_token_url(token)).status_code == 404


def test_a_tampered_token_is_404(client, trust_seat, editor, decided_round):
    token = calendar_token(trust_seat)
    payload, signature = token.split(":", 1)
    other = calendar_token(editor).split(":", 1)[0]
    assert client.get(_token_url(f"{other}:{signature}")).status_code == 404
    assert client.get(_token_url(f"{payload}:{signature[:-2]}xx")).status_code == 404


def test_the_token_stops_working_for_a_deactivated_user_or_a_lost_role(client, trust_seat, decided_round):
    url = _token_url(calendar_token(trust_seat))
    Profile.objects.filter(user=trust_seat).update(role=Role.PROFESSIONAL)
    assert client.get(url).status_code == 404
    Profile.objects.filter(user=trust_seat).update(role=Role.RESOURCE_MEMBER)
    assert client.get(url).status_code == 200
    get_user_model().objects.filter(pk=trust_seat.pk).update(is_active=False)
    assert client.get(url).status_code == 404


def test_the_token_of_a_round_that_does_not_exist_is_404(client, trust_seat, decided_round):
    assert client.get(_token_url(calendar_token(trust_seat), year=1999)).status_code == 404
