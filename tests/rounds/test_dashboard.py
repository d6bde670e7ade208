"""The yearly round's overview page: its figures for a small handmade round, the charts and their
text alternatives, who may see it, and a query count that does not grow with the round."""

import datetime
import re
from collections import Counter

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext, override

from governance.models import (
    Constituency,
    Decision,
    PartnershipReview,
    ProposalState,
    RoundItem,
    Vote,
    VoteChoice,
)
from governance.rounds.charts import BAR_MAX, bar_chart
from governance.rounds.dashboard import round_overview
from pathways.models import HealthTrust, Partnership, Profile, Role
from tests.factories import make_pathway, make_round, make_seats
from tests.support import as_user, make_proposal

pytestmark = pytest.mark.django_db

YEAR = 2027
URL = f"/nb/redaksjon/runder/{YEAR}/oversikt/"
NN_URL = f"/nn/redaksjon/runder/{YEAR}/oversikt/"
# 2027-03-26 in Oslo: the resource group votes until 2027-03-31, so five days are left.
DURING_VOTING = datetime.datetime(2027, 3, 26, 12, 0, tzinfo=datetime.UTC)


def _item(review_round, proposal, *, forwarded: bool, decision: str = "", by=None) -> RoundItem:
    return RoundItem.objects.create(
        review_round=review_round,
        proposal=proposal,
        forwarded_at=timezone.now() if forwarded else None,
        decision=decision,
        rationale="Begrunnelse." if decision else "",
        decided_by=by if decision else None,
        decided_at=timezone.now() if decision else None,
    )


def _vote(seat, proposal, choice) -> Vote:
    comment = "Med endringer." if choice == VoteChoice.RECOMMEND_WITH_CHANGES else ""
    return Vote.objects.create(seat=seat, proposal=proposal, choice=choice, comment=comment, cast_by=seat.holder)


@pytest.fixture
def small_round(editor, pathway, partnership_a, partnership_b):
    """The handmade round in resource-group review, two partnerships (four seats), two pathways:

    - p1 (A, angst) forwarded; votes A-trust, A-municipality recommend, B-trust against, B-municipality
      abstains: 4 of 4 voted, 2 for against 1: recommended. Decided: accept.
    - p2 (A, angst) forwarded; A-trust against, A-municipality recommends with changes, B-municipality
      against: 3 of 4, 1 for against 2: not recommended. Decided: reject.
    - p3 (B, autisme) forwarded; B-trust recommends, A-trust abstains: 2 of 4 is below 2/3: no
      recommendation. Not decided.
    - p4 (A, angst) declined by A; p5 (B, autisme) not yet handled by B.
    - A has finished its review; B has not.
    """
    autisme = make_pathway(editor=editor, slug="autisme")
    autisme.title_nb, autisme.title_nn = "Autismespekterforstyrrelse", "Autismespekterforstyrring"
    autisme.position = 1
    autisme.save()
    review_round = make_round(year=YEAR, state="resource_group_review", meeting_on=datetime.date(2027, 3, 20))
    a_trust, a_muni, b_trust, b_muni = make_seats(review_round, [partnership_a, partnership_b])
    p1 = make_proposal(partnership=partnership_a, pathway=pathway, state=ProposalState.IN_REVIEW)
    p2 = make_proposal(partnership=partnership_a, pathway=pathway, state=ProposalState.IN_REVIEW)
    p3 = make_proposal(partnership=partnership_b, pathway=autisme, state=ProposalState.IN_REVIEW)
    p4 = make_proposal(partnership=partnership_a, pathway=pathway, state=ProposalState.DECLINED)
    p5 = make_proposal(partnership=partnership_b, pathway=autisme, state=ProposalState.DEFERRED)
    _item(review_round, p1, forwarded=True, decision=Decision.ACCEPT, by=editor)
    _item(review_round, p2, forwarded=True, decision=Decision.REJECT, by=editor)
    _item(review_round, p3, forwarded=True)
    _item(review_round, p4, forwarded=False)
    _item(review_round, p5, forwarded=False)
    for seat, proposal, choice in [
        (a_trust, p1, VoteChoice.RECOMMEND),
        (a_muni, p1, VoteChoice.RECOMMEND),
        (b_trust, p1, VoteChoice.NOT_RECOMMEND),
        (b_muni, p1, VoteChoice.ABSTAIN),
        (a_trust, p2, VoteChoice.NOT_RECOMMEND),
        (a_muni, p2, VoteChoice.RECOMMEND_WITH_CHANGES),
        (b_muni, p2, VoteChoice.NOT_RECOMMEND),
        (b_trust, p3, VoteChoice.RECOMMEND),
        (a_trust, p3, VoteChoice.ABSTAIN),
    ]:
        _vote(seat, proposal, choice)
    PartnershipReview.objects.create(
        review_round=review_round, partnership=partnership_a, finished_at=timezone.now(), finished_by=editor
    )
    PartnershipReview.objects.create(review_round=review_round, partnership=partnership_b)
    return review_round


def _figures(html: str, attribute: str, key: str) -> dict[str, str]:
    """The cells of the table row `<tr data-{attribute}="{key}">`, by their data-figure."""
    row = re.search(rf'<tr data-{attribute}="{re.escape(key)}">(.*?)</tr>', html, re.S)
    assert row, f"no row {attribute}={key}"
    return {name: value.strip() for name, value in re.findall(r'data-figure="([^"]+)">(.*?)</td>', row.group(1), re.S)}


def _get(client, user, url=URL):
    return as_user(client, user).get(url)


# --- The figures -------------------------------------------------------------------------------


@time_machine.travel(DURING_VOTING)
def test_overview_figures_of_a_small_round(small_round, partnership_a, partnership_b):
    overview = round_overview(small_round, language="nb")
    rows = {row.slug: row for row in overview.partnerships}
    assert (rows["vest"].proposals, rows["vest"].forwarded, rows["vest"].declined, rows["vest"].not_handled) == (
        3,
        2,
        1,
        0,
    )
    assert (rows["nord"].proposals, rows["nord"].forwarded, rows["nord"].declined, rows["nord"].not_handled) == (
        2,
        1,
        0,
        1,
    )
    assert rows["vest"].finished and not rows["nord"].finished
    assert (rows["vest"].votes, rows["nord"].votes) == (5, 4)
    assert overview.in_review == 3

    pathways = {row.slug: row for row in overview.pathways}
    assert [row.slug for row in overview.pathways] == ["angst", "autisme"]
    assert (pathways["angst"].proposals, pathways["angst"].in_review) == (3, 2)
    assert pathways["angst"].outcomes == Counter(recommended=1, not_recommended=1, none=0)
    assert pathways["autisme"].outcomes == Counter(recommended=0, not_recommended=0, none=1)
    assert pathways["angst"].decisions[Decision.ACCEPT] == 1
    assert pathways["angst"].decisions[Decision.REJECT] == 1
    assert pathways["autisme"].decisions[""] == 1  # p3, in review without a decision; p5 is not in review
    assert overview.pathways[1].title == "Autismespekterforstyrrelse"

    shares = {(seat.partnership_name, seat.constituency): seat.share for seat in overview.seats}
    assert shares[("Helsefellesskap Vest", Constituency.HOSPITAL_TRUST)] == 1
    assert shares[("Helsefellesskap Nord", Constituency.MUNICIPALITY)] == pytest.approx(2 / 3)
    constituencies = {row.constituency: row for row in overview.constituencies}
    assert (constituencies["hospital_trust"].votes, constituencies["hospital_trust"].possible) == (5, 6)
    assert (constituencies["municipality"].votes, constituencies["municipality"].possible) == (4, 6)
    assert overview.participation == pytest.approx(9 / 12)

    assert overview.phase.state == "resource_group_review"
    assert overview.phase.deadline == datetime.date(2027, 3, 31)
    assert overview.phase.days_left == 5


@time_machine.travel(DURING_VOTING)
def test_dashboard_page_shows_the_figures(client, editor, small_round):
    response = _get(client, editor)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>" in html and html.count("<h1") == 1
    assert 'data-days-left="5"' in html
    with override("nb"):
        yes, no = gettext("Yes"), gettext("No")
    assert _figures(html, "partnership", "vest") == {
        "proposals": "3",
        "forwarded": "2",
        "declined": "1",
        "not-handled": "0",
        "finished": yes,
        "votes": "5",
    }
    assert _figures(html, "partnership", "nord")["finished"] == no
    nord = _figures(html, "partnership", "nord")
    assert (nord["proposals"], nord["forwarded"], nord["not-handled"], nord["votes"]) == ("2", "1", "1", "4")
    angst = _figures(html, "pathway", "angst")
    assert (angst["outcome-recommended"], angst["outcome-not_recommended"], angst["outcome-none"]) == ("1", "1", "0")
    assert (angst["decision-accept"], angst["decision-reject"], angst["decision-none"]) == ("1", "1", "0")
    autisme = _figures(html, "pathway", "autisme")
    assert (autisme["in-review"], autisme["outcome-none"], autisme["decision-none"]) == ("1", "1", "1")
    assert _figures(html, "constituency", "hospital_trust")["share"] == "83\u00a0%"
    assert _figures(html, "constituency", "municipality")["share"] == "67\u00a0%"
    total = _figures(html, "pathway", "total")
    assert (total["outcome-recommended"], total["outcome-none"], total["decision-none"]) == ("1", "1", "1")


@time_machine.travel(DURING_VOTING)
def test_every_chart_is_an_accessible_svg_with_its_figures_in_a_table(client, editor, small_round):
    html = _get(client, editor).content.decode()
    charts = re.findall(r"<svg [^>]*>.*?</svg>", html, re.S)
    assert len(charts) == 5
    assert "<script" not in html.split("<main", 1)[1]  # no JavaScript
    for svg in charts:
        chart_id = re.search(r'aria-labelledby="([^"]+)-title"', svg).group(1)
        assert 'role="img"' in svg
        assert f'<title id="{chart_id}-title">' in svg
        assert f'<desc id="{chart_id}-desc">' in svg
        assert f'aria-describedby="{chart_id}-desc"' in svg
        # The caption links to a table on the page that holds the same figures.
        figure = re.search(rf'<figure class="chart" id="{chart_id}">.*?</figure>', html, re.S).group(0)
        table_id = re.search(r'<figcaption[^>]*>.*?<a href="#([^"]+)"', figure, re.S).group(1)
        assert f'<table class="table" id="{table_id}">' in html
    partnerships = re.search(r'<desc id="chart-partnerships-desc">(.*?)</desc>', html).group(1)
    assert "Helsefellesskap Vest: 3" in partnerships and "Helsefellesskap Nord: 2" in partnerships
    seats = re.search(r'<desc id="chart-seats-desc">(.*?)</desc>', html).group(1)
    assert "100\u00a0%" in seats and "67\u00a0%" in seats
    outcomes = re.search(r'<desc id="chart-outcomes-desc">(.*?)</desc>', html).group(1)
    assert outcomes.count(": 1") == 3


def test_a_chart_scales_its_bars_and_can_draw_its_own_table():
    chart = bar_chart(
        chart_id="chart-test",
        title="Andel <b>",
        rows=[("Vest", 1.0), ("Nord", 0.5), ("Sør", None)],
        label_heading="Sete",
        value_heading="Andel",
        as_percent=True,
    )
    assert [bar.width for bar in chart.bars] == [BAR_MAX, BAR_MAX // 2, 0]
    assert chart.description == "Vest: 100\u00a0%; Nord: 50\u00a0%; Sør: –."
    html = render_to_string("governance/_chart_bar.html", {"chart": chart})
    assert '<table class="table" id="chart-test-table">' in html
    assert '<th scope="row">Nord</th><td>50\u00a0%</td>' in html
    assert 'href="#chart-test-table"' in html
    assert "Andel &lt;b&gt;" in html and "<b>" not in html


def test_a_chart_without_rows_says_so():
    chart = bar_chart(chart_id="chart-empty", title="Tom", rows=[], label_heading="A", value_heading="B")
    html = render_to_string("governance/_chart_bar.html", {"chart": chart})
    assert "<svg" not in html and "<table" not in html


@time_machine.travel(DURING_VOTING)
def test_nynorsk_page_names_the_pathway_in_nynorsk(client, editor, small_round):
    html = _get(client, editor, NN_URL).content.decode()
    assert "Autismespekterforstyrring" in html


def test_a_round_with_nothing_in_it_yet_says_so(client, editor, partnership_a):
    make_round(year=YEAR, state="collecting")
    response = _get(client, editor)
    assert response.status_code == 200
    html = response.content.decode()
    assert _figures(html, "partnership", "vest")["proposals"] == "0"
    assert 'data-figure="participation">–<' in html
    assert 'id="table-seats"' in html


@pytest.mark.parametrize(
    ("today", "days_left"),
    [
        (datetime.datetime(2027, 3, 31, 21, 30, tzinfo=datetime.UTC), 0),  # 23:30 in Oslo: still the last day
        (datetime.datetime(2027, 3, 31, 22, 30, tzinfo=datetime.UTC), -1),  # 00:30 on 1 April in Oslo
    ],
)
def test_days_left_are_counted_in_oslo(client, editor, small_round, today, days_left):
    with time_machine.travel(today):
        html = _get(client, editor).content.decode()
    assert f'data-days-left="{days_left}"' in html


def test_hostile_names_are_shown_escaped_in_tables_and_charts(client, editor, small_round, partnership_a):
    Partnership.objects.filter(pk=partnership_a.pk).update(name="<script>alert(1)</script> Vest")
    html = _get(client, editor).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Vest: 3" in html  # in the chart's description


def test_the_personal_calendar_address_is_shown(client, trust_seat, small_round):
    html = _get(client, trust_seat).content.decode()
    found = re.search(r'id="calendar-feed" value="([^"]+)"', html)
    assert found and re.search(rf"/nb/redaksjon/runder/{YEAR}/frister/[^/]+\.ics$", found.group(1))
    # The decisions are the responsible editor's: a seat holder gets no export links.
    assert "vedtak.csv" not in html and "vedtak.xlsx" not in html


def test_the_editor_gets_the_export_links(client, editor, small_round):
    html = _get(client, editor).content.decode()
    assert f"/nb/redaksjon/runder/{YEAR}/vedtak.csv" in html and f"/nb/redaksjon/runder/{YEAR}/vedtak.xlsx" in html


# --- Who may see it ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["editor", "trust_seat", "adviser", "local_a"])
def test_round_participants_see_the_dashboard(client, request, small_round, who):
    assert _get(client, request.getfixturevalue(who)).status_code == 200


def test_a_deputy_sees_the_dashboard(client, small_round):
    seat = small_round.seats.first()
    deputy = get_user_model().objects.create_user(username="deputy", password="pw-for-tests")
    Profile.objects.create(user=deputy, role=Role.RESOURCE_MEMBER, partnership_id=seat.partnership_id)
    seat.deputy = deputy
    seat.save()
    assert _get(client, deputy).status_code == 200


def test_a_professional_gets_404(client, small_round, partnership_a):
    user = get_user_model().objects.create_user(username="fagperson", password="pw-for-tests")
    Profile.objects.create(user=user, role=Role.PROFESSIONAL, partnership=partnership_a)
    assert _get(client, user).status_code == 404


def test_a_user_without_a_profile_gets_404(client, small_round):
    user = get_user_model().objects.create_user(username="noprofile", password="pw-for-tests", is_staff=True)
    assert _get(client, user).status_code == 404


def test_anonymous_is_sent_to_the_login_page(client, small_round):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/logg-inn/" in response["Location"]


def test_a_round_that_does_not_exist_is_404(client, editor, small_round):
    assert _get(client, editor, "/nb/redaksjon/runder/1999/oversikt/").status_code == 404
    assert _get(client, editor, "/nb/redaksjon/runder/abc/oversikt/").status_code == 404
    assert _get(client, editor, "/nb/redaksjon/runder/" + "9" * 400 + "/oversikt/").status_code == 404


def test_the_dashboard_only_answers_get(client, editor, small_round):
    client.force_login(editor)
    assert client.post(URL).status_code == 405


# --- Queries -----------------------------------------------------------------------------------


def _round_of_size(editor, *, year: int, proposals: int, partnerships: int):
    """A round in resource-group review with `proposals` proposals spread over `partnerships` new
    partnerships (two seats each), half of them forwarded, every seat voting on every forwarded one,
    every other forwarded one decided."""
    pathway = make_pathway(editor=editor, slug=f"forlop-{year}", publish_year=None)
    members = []
    for index in range(partnerships):
        trust = HealthTrust.objects.create(name=f"Sykehus {year}-{index} HF")
        members.append(
            Partnership.objects.create(slug=f"hf-{year}-{index}", name=f"HF {year}-{index}", health_trust=trust)
        )
    review_round = make_round(year=year, state="resource_group_review")
    seats = make_seats(review_round, members, prefix=f"seat{year}")
    choices = [VoteChoice.RECOMMEND, VoteChoice.NOT_RECOMMEND, VoteChoice.ABSTAIN, VoteChoice.RECUSED]
    for index in range(proposals):
        forwarded = index % 2 == 0
        proposal = make_proposal(
            partnership=members[index % partnerships],
            pathway=pathway,
            state=ProposalState.IN_REVIEW if forwarded else ProposalState.DECLINED,
        )
        _item(
            review_round, proposal, forwarded=forwarded, decision=Decision.ACCEPT if index % 4 == 0 else "", by=editor
        )
        if forwarded:
            for number, seat in enumerate(seats):
                _vote(seat, proposal, choices[(index + number) % len(choices)])
    for member in members:
        PartnershipReview.objects.create(review_round=review_round, partnership=member, finished_at=timezone.now())
    return review_round


DASHBOARD_QUERIES = 14  # session, user, profile; round; ten for the figures


def test_the_dashboard_costs_the_same_queries_small_and_large(client, editor, django_assert_num_queries):
    small = _round_of_size(editor, year=2030, proposals=3, partnerships=2)
    large = _round_of_size(editor, year=2031, proposals=30, partnerships=6)
    client.force_login(editor)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        small_response = client.get(f"/nb/redaksjon/runder/{small.year}/oversikt/")
    with django_assert_num_queries(DASHBOARD_QUERIES):
        large_response = client.get(f"/nb/redaksjon/runder/{large.year}/oversikt/")
    assert small_response.status_code == large_response.status_code == 200
    # And the figures are those of each round, not of the other.
    assert _figures(small_response.content.decode(), "partnership", "total")["proposals"] == "3"
    assert _figures(large_response.content.decode(), "partnership", "total")["proposals"] == "30"
    assert _figures(large_response.content.decode(), "partnership", "total")["votes"] == str(15 * 12)


def test_the_overview_queries_do_not_grow_with_seats(editor):
    small = _round_of_size(editor, year=2032, proposals=4, partnerships=1)
    large = _round_of_size(editor, year=2033, proposals=4, partnerships=7)
    counts = []
    for review_round in (small, large):
        with CaptureQueriesContext(connection) as queries:
            round_overview(review_round, language="nb")
        counts.append(len(queries))
    assert counts[0] == counts[1] == 10
