"""The reminders sweep (governance.outbox.reminders): digests, escalations, quick fixes, the round's deadline
reminders, exactly-once queueing, constant queries; and the preferences page and the one-click
unsubscribe link (governance/views/preferences.py).

The sweep is given its `now` explicitly here (the database's clock otherwise; tests/notifications/
test_time.py covers the clock). 2026-06-10 05:00 UTC is 07:00 in Oslo (summer time)."""

import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from governance.models import (
    BouncingAddress,
    ChangeProposal,
    Notification,
    NotificationStatus,
    PartnershipReview,
    ProposalState,
    RoundItem,
    Seat,
    Vote,
)
from governance.outbox import notifications, reminders
from governance.outbox.notifications import _render
from pathways.models import HealthTrust, Partnership, Profile, Role
from tests.factories import make_round, make_seats
from tests.support import make_proposal

pytestmark = [pytest.mark.postgres]

NOW = datetime(2026, 6, 10, 5, 0, tzinfo=UTC)  # 07:00 in Oslo
TODAY = date(2026, 6, 10)
SITE = "https://forlop.example.no"


@pytest.fixture(autouse=True)
def _reminder_settings(settings):
    settings.SITE_URL = SITE
    settings.REMINDER_HOUR = 7
    settings.DIGEST_AFTER_DAYS = 2
    settings.ESCALATE_AFTER_DAYS = 14
    settings.FORWARD_REMINDER_DAYS = [14, 7, 1]
    settings.VOTE_REMINDER_DAYS = [7, 2, 1]
    settings.QUICK_FIX_REMINDER_DAYS = 3
    settings.UNDECIDED_REMINDER_DAYS = [7, 1]


@pytest.fixture
def handed_over(monkeypatch):
    """The ids handed to the broker after commit (never the real broker in these tests)."""
    ids: list[int] = []
    monkeypatch.setattr(notifications, "notification_hand_over", lambda pk, **kwargs: ids.append(pk) or True)
    return ids


def with_email(user, address: str | None = None):
    address = address or f"{user.username}@example.no"
    get_user_model().objects.filter(pk=user.pk).update(email=address)
    user.email = address
    return user


def proposal(*, partnership, age: timedelta, state: str = ProposalState.NEW, now: datetime = NOW, **fields):
    """A proposal received `age` before `now`, in `state` (set directly, not through transitions)."""
    return make_proposal(
        partnership=partnership, description="Feil i teksten.", state=state, created_at=now - age, **fields
    )


def queued(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).order_by("recipient"))


def rendered(notification: Notification):
    """The e-mail the worker would send: subject, plain text, HTML."""
    message = _render(notification)
    html, _mimetype = message.alternatives[0]
    return message.subject, message.body, html


# --- Digests ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_digest_counts_only_the_partnerships_own_proposals_waiting_past_the_limit(
    local_a, local_b, partnership_a, partnership_b, handed_over
):
    with_email(local_a)
    with_email(local_b)
    for _ in range(3):
        proposal(partnership=partnership_a, age=timedelta(days=3))
    proposal(partnership=partnership_a, age=timedelta(days=1))  # too fresh
    proposal(partnership=partnership_a, age=timedelta(days=5), state=ProposalState.LOCAL)  # triaged
    proposal(partnership=None, age=timedelta(days=5))  # the common text: the editor's
    for _ in range(2):
        proposal(partnership=partnership_b, age=timedelta(days=4))

    result = reminders.reminders_sweep(now=NOW)

    assert result == {"digest": 2}
    digest_a, digest_b = queued("digest")  # local-a@ sorts before local-b@
    assert (digest_a.recipient, digest_a.context["count"]) == ("local-a@example.no", 3)
    assert (digest_b.recipient, digest_b.context["count"]) == ("local-b@example.no", 2)
    assert digest_a.due_on == TODAY
    subject, text, html = rendered(digest_a)
    assert "Helsefellesskap Vest" in subject and "3" in subject
    for body in (text, html):
        assert "Helsefellesskap Vest" in body
        assert "Helsefellesskap Nord" not in body
        assert f"{SITE}/nb/redaksjon/forslag/" in body
        assert f"{SITE}/nb/redaksjon/varsler/innstillinger/" in body
        assert digest_a.context["unsubscribe_url"] in body
    assert digest_a.context["unsubscribe_url"].startswith(f"{SITE}/nb/redaksjon/varsler/avmeld/")
    assert "Feil i teksten" not in text  # never the submitter's words


@pytest.mark.django_db
def test_no_digest_on_a_day_with_nothing_waiting(local_a, partnership_a, handed_over):
    with_email(local_a)
    proposal(partnership=partnership_a, age=timedelta(days=1, hours=23))
    proposal(partnership=partnership_a, age=timedelta(days=9), state=ProposalState.DEFERRED)

    assert reminders.reminders_sweep(now=NOW) == {}
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_digest_goes_out_in_the_recipients_written_standard_with_links_in_it(local_a, partnership_a, handed_over):
    with_email(local_a)
    Profile.objects.filter(user=local_a).update(language="nn")
    proposal(partnership=partnership_a, age=timedelta(days=3))

    reminders.reminders_sweep(now=NOW)

    [digest] = queued("digest")
    assert digest.language == "nn"
    assert digest.context["queue_url"] == f"{SITE}/nn/redaksjon/forslag/"
    assert digest.context["unsubscribe_url"].startswith(f"{SITE}/nn/redaksjon/varsler/avmeld/")
    assert digest.context["oldest"] == "7. juni 2026"


@pytest.mark.django_db
def test_nothing_is_sent_before_the_reminder_hour_in_oslo(local_a, partnership_a, handed_over):
    with_email(local_a)
    proposal(partnership=partnership_a, age=timedelta(days=3))

    assert reminders.reminders_sweep(now=NOW - timedelta(minutes=1)) == {}  # 06:59 Oslo
    assert reminders.reminders_sweep(now=NOW) == {"digest": 1}


@pytest.mark.django_db
def test_the_digest_comes_again_the_next_day_while_proposals_wait(local_a, partnership_a, handed_over):
    with_email(local_a)
    proposal(partnership=partnership_a, age=timedelta(days=3))

    reminders.reminders_sweep(now=NOW)
    reminders.reminders_sweep(now=NOW + timedelta(hours=12))  # later the same day: already sent
    reminders.reminders_sweep(now=NOW + timedelta(days=1))

    assert [n.due_on for n in Notification.objects.order_by("due_on")] == [TODAY, TODAY + timedelta(days=1)]


@pytest.mark.django_db
def test_no_digest_to_someone_who_switched_digests_off_or_cannot_be_written_to(
    local_a, local_b, partnership_a, partnership_b, handed_over
):
    with_email(local_a)
    Profile.objects.filter(user=local_a).update(digests_enabled=False)
    get_user_model().objects.filter(pk=local_b.pk).update(email="local-b@example.no", is_active=False)
    proposal(partnership=partnership_a, age=timedelta(days=3))
    proposal(partnership=partnership_b, age=timedelta(days=3))

    assert reminders.reminders_sweep(now=NOW) == {}


# --- Exactly once -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_running_the_sweep_twice_queues_each_notice_once(local_a, editor, partnership_a, handed_over):
    with_email(local_a)
    with_email(editor)
    proposal(partnership=partnership_a, age=timedelta(days=20))

    first = reminders.reminders_sweep(now=NOW)
    second = reminders.reminders_sweep(now=NOW + timedelta(minutes=15))

    assert first == {"digest": 1, "escalation": 1}
    assert second == {}
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_the_new_notices_are_handed_to_the_broker_after_commit(
    local_a, partnership_a, handed_over, django_capture_on_commit_callbacks
):
    with_email(local_a)
    proposal(partnership=partnership_a, age=timedelta(days=3))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reminders.reminders_sweep(now=NOW)

    assert len(callbacks) == 1
    assert handed_over == [Notification.objects.get(kind="digest").pk]


@pytest.mark.django_db
def test_the_portable_insert_used_on_sqlite_queues_the_same(local_a, editor, partnership_a, handed_over, monkeypatch):
    monkeypatch.setattr(notifications, "_insert_postgresql", notifications._insert_orm)
    with_email(local_a)
    with_email(editor)
    proposal(partnership=partnership_a, age=timedelta(days=20))

    assert reminders.reminders_sweep(now=NOW) == {"digest": 1, "escalation": 1}
    assert reminders.reminders_sweep(now=NOW) == {}
    assert Notification.objects.get(kind="digest").context["count"] == 1


@pytest.mark.django_db
def test_a_bouncing_address_gets_a_failed_row_and_nothing_is_handed_over(
    local_a, partnership_a, handed_over, django_capture_on_commit_callbacks
):
    with_email(local_a, "Local-A@example.no")
    BouncingAddress.objects.create(email="local-a@example.no", reason="550 no such user")
    proposal(partnership=partnership_a, age=timedelta(days=3))

    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminders_sweep(now=NOW)

    [digest] = queued("digest")
    assert digest.status == NotificationStatus.FAILED
    assert handed_over == []


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_queue_each_notice_once(
    local_a, local_b, editor, partnership_a, partnership_b, handed_over, monkeypatch
):
    """Two beats (or a tick delivered twice) on separate database connections. Both have looked for
    the keys and found none before either inserts (a barrier holds them there), so the unique index
    alone decides: the second insert waits for the first transaction and then does nothing."""
    for user in (local_a, local_b, editor):
        with_email(user)
    proposal(partnership=partnership_a, age=timedelta(days=20))
    proposal(partnership=partnership_b, age=timedelta(days=3))
    both_checked = threading.Barrier(2)
    insert = notifications._insert_postgresql

    def insert_after_both_checked(rows):
        both_checked.wait(timeout=30)
        return insert(rows)

    monkeypatch.setattr(notifications, "_insert_postgresql", insert_after_both_checked)
    outcomes: list = [None, None]

    def sweep(index: int) -> None:
        try:
            outcomes[index] = reminders.reminders_sweep(now=NOW)
        except BaseException as error:  # handed to the main thread
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()

    for outcome in outcomes:
        assert isinstance(outcome, dict), outcome
    assert sorted(Notification.objects.values_list("kind", flat=True)) == ["digest", "digest", "escalation"]
    # Each notice is handed over once, by the sweep that wrote it; the other returned nothing for it.
    assert sorted(handed_over) == sorted(Notification.objects.values_list("pk", flat=True))
    assert sorted(sum(outcome.values()) for outcome in outcomes) in ([0, 3], [1, 2])


@pytest.mark.django_db
def test_the_sweep_runs_the_same_number_of_queries_for_few_and_many_recipients(
    editor, partnership_a, handed_over, django_assert_num_queries
):
    """GROUP BY per partnership and one INSERT for all notices: never a query per proposal or per
    recipient. Measured with everything due at once: digests, escalation, quick fixes."""
    with_email(editor)
    partnerships = [partnership_a]
    for index in range(7):
        trust = HealthTrust.objects.create(name=f"Sykehus {index} HF")
        partnerships.append(
            Partnership.objects.create(name=f"Fellesskap {index}", slug=f"f-{index}", health_trust=trust)
        )
    for index, partnership in enumerate(partnerships):
        user = get_user_model().objects.create_user(username=f"lokal-{index}", email=f"lokal-{index}@example.no")
        Profile.objects.create(user=user, role=Role.LOCAL_EDITOR, partnership=partnership)

    def run(partnership_count: int, now: datetime) -> int:
        for partnership in partnerships[:partnership_count]:
            for _ in range(partnership_count):
                proposal(partnership=partnership, age=timedelta(days=15), now=now)
        proposal(partnership=None, age=timedelta(days=4), state=ProposalState.QUICK_FIX, now=now)
        with CaptureQueriesContext(connection) as queries:
            reminders.reminders_sweep(now=now)
        return len(queries)

    few = run(2, NOW)
    many = run(8, NOW + timedelta(days=1))

    assert Notification.objects.filter(kind="digest", due_on=TODAY + timedelta(days=1)).count() == 8
    assert few == many
    with django_assert_num_queries(few):
        reminders.reminders_sweep(now=NOW + timedelta(days=2))


# --- Escalation and quick fixes ---------------------------------------------------------------------


@pytest.mark.django_db
def test_proposals_untriaged_past_the_limit_are_escalated_in_one_summary(
    editor, local_a, partnership_a, partnership_b, handed_over
):
    with_email(editor)
    with_email(local_a)
    for _ in range(2):
        proposal(partnership=partnership_a, age=timedelta(days=15))
    proposal(partnership=partnership_a, age=timedelta(days=3))
    proposal(partnership=partnership_b, age=timedelta(days=30))
    proposal(partnership=None, age=timedelta(days=14, minutes=1))
    proposal(partnership=partnership_b, age=timedelta(days=13, hours=23))  # not yet

    reminders.reminders_sweep(now=NOW)

    [escalation] = queued("escalation")
    assert escalation.recipient == "editor@example.no"
    assert escalation.context["total"] == 4
    assert [(row["partnership"], row["count"]) for row in escalation.context["rows"]] == [
        ("", 1),  # the common text first
        ("Helsefellesskap Nord", 1),
        ("Helsefellesskap Vest", 2),
    ]
    subject, text, html = rendered(escalation)
    assert "4" in subject
    assert '<th scope="row">Helsefellesskap Nord</th>' in html
    assert f"{SITE}/nb/redaksjon/forslag/" in text
    [digest] = queued("digest")
    assert (digest.context["count"], digest.context["escalated"]) == (3, 2)


@pytest.mark.django_db
def test_no_escalation_while_everything_is_younger_than_the_limit(editor, partnership_a, handed_over):
    with_email(editor)
    proposal(partnership=partnership_a, age=timedelta(days=13))

    assert reminders.reminders_sweep(now=NOW) == {}


@pytest.mark.django_db
def test_quick_fixes_waiting_past_the_limit_remind_the_responsible_editor(editor, partnership_a, handed_over):
    with_email(editor)
    proposal(partnership=partnership_a, age=timedelta(days=10), state=ProposalState.QUICK_FIX)
    ChangeProposal.objects.update(triaged_at=NOW - timedelta(days=4))
    fresh = proposal(partnership=partnership_a, age=timedelta(days=10), state=ProposalState.QUICK_FIX)
    ChangeProposal.objects.filter(pk=fresh.pk).update(triaged_at=NOW - timedelta(days=1))

    reminders.reminders_sweep(now=NOW)

    [reminder] = queued("editor_quick_fixes")
    assert reminder.context["count"] == 1
    assert reminder.context["queue_url"] == f"{SITE}/nb/redaksjon/forslag/?state=quick_fix"
    subject, text, _html = rendered(reminder)
    assert "1" in subject and reminder.context["queue_url"] in text


@pytest.mark.django_db
def test_no_quick_fix_reminder_when_none_has_waited_long(editor, partnership_a, handed_over):
    with_email(editor)
    proposal(partnership=partnership_a, age=timedelta(days=10), state=ProposalState.QUICK_FIX)
    ChangeProposal.objects.update(triaged_at=NOW - timedelta(days=2))

    assert reminders.reminders_sweep(now=NOW) == {}


# --- The round's deadlines ------------------------------------------------------------------------


def deferred_in(review_round, partnership, count: int) -> list[ChangeProposal]:
    items = []
    for _ in range(count):
        held = proposal(partnership=partnership, age=timedelta(days=60), state=ProposalState.DEFERRED)
        RoundItem.objects.create(review_round=review_round, proposal=held)
        items.append(held)
    return items


def forwarding_round(days_left: int):
    until = TODAY + timedelta(days=days_left)
    return make_round(
        year=2027,
        state="partnership_review",
        collecting_until=TODAY - timedelta(days=1),
        partnership_review_until=until,
        voting_until=until + timedelta(days=30),
        editorial_until=until + timedelta(days=60),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("days_left", [14, 7, 1])
def test_local_editors_are_reminded_to_forward_before_the_deadline(
    days_left, local_a, local_b, partnership_a, partnership_b, handed_over
):
    with_email(local_a)
    with_email(local_b)
    review_round = forwarding_round(days_left)
    deferred_in(review_round, partnership_a, 2)
    forwarded = deferred_in(review_round, partnership_a, 1)[0]
    ChangeProposal.objects.filter(pk=forwarded.pk).update(state=ProposalState.FORWARDED)
    deferred_in(review_round, partnership_b, 1)
    PartnershipReview.objects.create(review_round=review_round, partnership=partnership_b, finished_at=NOW)

    reminders.reminders_sweep(now=NOW)

    [reminder] = queued("forward_reminder")  # B has finished
    assert reminder.recipient == "local-a@example.no"
    assert (reminder.context["count"], reminder.context["days_left"]) == (2, days_left)
    assert reminder.context["round_url"] == f"{SITE}/nb/redaksjon/runder/2027/helsefellesskap/vest/"
    subject, text, html = rendered(reminder)
    assert "2027" in subject and "2" in subject
    assert reminder.context["round_url"] in text and reminder.context["round_url"] in html


@pytest.mark.django_db
@pytest.mark.parametrize("days_left", [13, 8, 2, 0])
def test_no_forwarding_reminder_on_other_days(days_left, local_a, partnership_a, handed_over):
    with_email(local_a)
    deferred_in(forwarding_round(days_left), partnership_a, 2)

    reminders.reminders_sweep(now=NOW)

    assert queued("forward_reminder") == []


@pytest.mark.django_db
@pytest.mark.parametrize("done", ["finished", "nothing_to_forward", "none_undecided"])
def test_no_forwarding_reminder_to_a_partnership_that_is_done(done, local_a, partnership_a, handed_over):
    with_email(local_a)
    review_round = forwarding_round(7)
    held = deferred_in(review_round, partnership_a, 1)[0]
    if done == "finished":
        PartnershipReview.objects.create(review_round=review_round, partnership=partnership_a, finished_at=NOW)
    elif done == "nothing_to_forward":
        PartnershipReview.objects.create(review_round=review_round, partnership=partnership_a, nothing_to_forward=True)
    else:
        ChangeProposal.objects.filter(pk=held.pk).update(state=ProposalState.DECLINED)

    reminders.reminders_sweep(now=NOW)

    assert queued("forward_reminder") == []


@pytest.mark.django_db
def test_forwarding_reminders_cannot_be_switched_off(local_a, partnership_a, handed_over):
    with_email(local_a)
    Profile.objects.filter(user=local_a).update(digests_enabled=False)
    proposal(partnership=partnership_a, age=timedelta(days=3))
    deferred_in(forwarding_round(7), partnership_a, 1)

    assert reminders.reminders_sweep(now=NOW) == {"forward_reminder": 1}


def voting_round(days_left: int):
    until = TODAY + timedelta(days=days_left)
    return make_round(
        year=2027,
        state="resource_group_review",
        collecting_until=TODAY - timedelta(days=60),
        partnership_review_until=TODAY - timedelta(days=30),
        voting_until=until,
        editorial_until=until + timedelta(days=30),
    )


def in_review(review_round, count: int, pathway=None) -> list[ChangeProposal]:
    made = []
    for _ in range(count):
        item = proposal(partnership=None, age=timedelta(days=90), state=ProposalState.IN_REVIEW, pathway=pathway)
        RoundItem.objects.create(review_round=review_round, proposal=item)
        made.append(item)
    return made


@pytest.mark.django_db
def test_seats_with_votes_left_are_reminded_and_seats_that_are_done_are_not(
    partnership_a, partnership_b, pathway, handed_over
):
    review_round = voting_round(2)
    first, second = in_review(review_round, 2, pathway=pathway)
    seats = make_seats(review_round, [partnership_a, partnership_b])
    a_trust, a_municipality, b_trust, b_municipality = seats
    deputy = get_user_model().objects.create_user(username="deputy-b", email="deputy-b@example.no")
    Profile.objects.create(user=deputy, role=Role.RESOURCE_MEMBER, partnership=partnership_b, language="nn")
    Seat.objects.filter(pk=b_trust.pk).update(deputy=deputy, holder_absent=True)
    for seat in seats:
        with_email(seat.holder)
    for proposal_voted in (first, second):
        Vote.objects.create(seat=a_trust, proposal=proposal_voted, choice="recommend", cast_by=a_trust.holder)
    Vote.objects.create(seat=a_municipality, proposal=first, choice="recused", cast_by=a_municipality.holder)

    reminders.reminders_sweep(now=NOW)

    sent = {n.recipient: n for n in queued("vote_reminder")}
    assert set(sent) == {a_municipality.holder.email, "deputy-b@example.no", b_municipality.holder.email}
    left = sent[a_municipality.holder.email].context["items"]
    assert [(item["id"], item["url"]) for item in left] == [
        (second.pk, f"{SITE}/nb/redaksjon/runder/2027/stemmer/{second.pk}/")
    ]
    assert sent[a_municipality.holder.email].context["vote_url"] == f"{SITE}/nb/redaksjon/runder/2027/stemmer/"
    by_deputy = sent["deputy-b@example.no"]
    assert (by_deputy.language, by_deputy.context["as_deputy"], by_deputy.context["count"]) == ("nn", True, 2)
    assert by_deputy.context["items"][0]["pathway"] == "Angstplager"
    subject, text, html = rendered(sent[b_municipality.holder.email])
    assert "2027" in subject
    for body in (text, html):
        assert f"#{first.pk}" in body and f"#{second.pk}" in body
        assert "Helsefellesskap Nord" in body
        assert f"{SITE}/nb/redaksjon/runder/2027/stemmer/{first.pk}/" in body


@pytest.mark.django_db
def test_the_holder_is_reminded_when_not_absent_even_with_a_deputy(partnership_a, handed_over):
    review_round = voting_round(7)
    in_review(review_round, 1)
    trust, municipality = make_seats(review_round, [partnership_a])
    deputy = get_user_model().objects.create_user(username="deputy-a", email="deputy-a@example.no")
    Seat.objects.filter(pk=trust.pk).update(deputy=deputy)
    with_email(trust.holder)
    with_email(municipality.holder)

    reminders.reminders_sweep(now=NOW)

    assert {n.recipient for n in queued("vote_reminder")} == {trust.holder.email, municipality.holder.email}


@pytest.mark.django_db
@pytest.mark.parametrize("days_left", [6, 3, 0])
def test_no_vote_reminder_on_other_days(days_left, partnership_a, handed_over):
    review_round = voting_round(days_left)
    in_review(review_round, 1)
    for seat in make_seats(review_round, [partnership_a]):
        with_email(seat.holder)

    reminders.reminders_sweep(now=NOW)

    assert queued("vote_reminder") == []


def editorial_round(days_left: int):
    until = TODAY + timedelta(days=days_left)
    return make_round(
        year=2027,
        state="editorial",
        collecting_until=TODAY - timedelta(days=90),
        partnership_review_until=TODAY - timedelta(days=60),
        voting_until=TODAY - timedelta(days=30),
        editorial_until=until,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("days_left", [7, 1])
def test_the_editor_is_reminded_of_proposals_without_a_decision_before_the_release(days_left, editor, handed_over):
    with_email(editor)
    review_round = editorial_round(days_left)
    undecided, decided = in_review(review_round, 2)
    ChangeProposal.objects.filter(pk=undecided.pk).update(state=ProposalState.RECOMMENDED)
    RoundItem.objects.filter(proposal=decided).update(decision="accept", rationale="Godt forslag.")
    forwarded_only = in_review(review_round, 1)[0]
    ChangeProposal.objects.filter(pk=forwarded_only.pk).update(state=ProposalState.FORWARDED)  # not in review

    reminders.reminders_sweep(now=NOW)

    [reminder] = queued("editor_undecided")
    assert (reminder.context["count"], reminder.context["days_left"]) == (1, days_left)
    assert reminder.context["decisions_url"] == f"{SITE}/nb/redaksjon/runder/2027/beslutninger/"
    subject, text, _html = rendered(reminder)
    assert "2027" in subject and reminder.context["decisions_url"] in text


@pytest.mark.django_db
def test_no_undecided_reminder_when_everything_is_decided(editor, handed_over):
    with_email(editor)
    review_round = editorial_round(7)
    [decided] = in_review(review_round, 1)
    RoundItem.objects.filter(proposal=decided).update(decision="reject", rationale="Utenfor forløpet.")

    assert reminders.reminders_sweep(now=NOW) == {}


# --- Preferences ----------------------------------------------------------------------------------

PREFERENCES = "/nb/redaksjon/varsler/innstillinger/"


def digests_enabled(user) -> bool:
    return Profile.objects.get(user=user).digests_enabled


@pytest.mark.django_db
def test_preferences_show_the_digest_switch_and_the_notices_that_always_come(client, local_a):
    client.force_login(local_a)

    response = client.get(PREFERENCES)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1") == 1
    assert re.search(r'<input[^>]*name="digests"[^>]*value="on"[^>]*checked', page)
    required = page.split('id="required-title"')[1].split("</ul>")[0]  # not the footer's list
    assert required.count("<li>") == 4


@pytest.mark.django_db
def test_switching_the_digest_off_and_on_again(client, local_a):
    client.force_login(local_a)

    response = client.post(PREFERENCES, {"digests": "off"}, follow=True)

    assert response.redirect_chain == [(PREFERENCES, 302)]
    assert not digests_enabled(local_a)
    assert 'class="messages"' in response.content.decode()
    assert re.search(r'<input[^>]*value="off"[^>]*checked', response.content.decode())
    again = client.post(PREFERENCES, {"digests": "off"})  # the same form sent twice
    assert again.status_code == 302 and not digests_enabled(local_a)
    client.post(PREFERENCES, {"digests": "on"})
    assert digests_enabled(local_a)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", "maybe", "<script>alert(1)</script>", "on" * 5000])
def test_a_bad_choice_is_refused_with_an_error_and_nothing_changes(client, local_a, value):
    client.force_login(local_a)

    response = client.post(PREFERENCES, {"digests": value} if value else {})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert 'href="#id_digests_0"' in page
    assert "<script>alert" not in page
    assert "onon" not in page  # the value sent is not repeated back
    assert digests_enabled(local_a)


@pytest.mark.django_db
def test_preferences_need_a_login_and_a_staff_profile(client):
    assert client.get(PREFERENCES).status_code == 302
    nobody = get_user_model().objects.create_user(username="no-profile", password="pw")
    client.force_login(nobody)
    assert client.get(PREFERENCES).status_code == 404
    assert client.post(PREFERENCES, {"digests": "off"}).status_code == 404


@pytest.mark.django_db
def test_a_resource_group_member_may_see_preferences(client, trust_seat):
    client.force_login(trust_seat)

    assert client.get(PREFERENCES).status_code == 200


# --- One-click unsubscribe ---------------------------------------------------------------------------


def unsubscribe_path(user, language: str = "nb") -> str:
    return f"/{language}/redaksjon/varsler/avmeld/{reminders.unsubscribe_token(user.pk)}/"


@pytest.mark.django_db
def test_the_link_in_the_digest_asks_first_and_switches_the_digest_off_without_a_login(
    local_a, partnership_a, handed_over
):
    with_email(local_a)
    proposal(partnership=partnership_a, age=timedelta(days=3))
    reminders.reminders_sweep(now=NOW)
    path = Notification.objects.get(kind="digest").context["unsubscribe_url"].removeprefix(SITE)
    client = Client(enforce_csrf_checks=True)

    asked = client.get(path)
    assert asked.status_code == 200 and digests_enabled(local_a)
    assert 'method="post"' in asked.content.decode()

    done = client.post(path, follow=True)
    assert done.redirect_chain == [(path, 302)]
    assert not digests_enabled(local_a)
    assert PREFERENCES in done.content.decode()  # the way back: the settings, after logging in


@pytest.mark.django_db
def test_one_click_post_from_a_mail_program_switches_the_digest_off(local_a):
    client = Client(enforce_csrf_checks=True)  # RFC 8058: no cookies, no CSRF token

    response = client.post(
        unsubscribe_path(local_a), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 302
    assert not digests_enabled(local_a)
    assert client.post(unsubscribe_path(local_a)).status_code == 302  # twice is fine
    assert not digests_enabled(local_a)


@pytest.mark.django_db
def test_unsubscribing_stops_the_digest_but_not_the_deadline_reminders(local_a, partnership_a, handed_over):
    with_email(local_a)
    Client().post(unsubscribe_path(local_a))
    proposal(partnership=partnership_a, age=timedelta(days=3))
    deferred_in(forwarding_round(1), partnership_a, 1)

    assert reminders.reminders_sweep(now=NOW) == {"forward_reminder": 1}


def bad_tokens(user) -> list[str]:
    good = reminders.unsubscribe_token(user.pk)
    return [
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # tampered signature
        signing.dumps(user.pk),  # signed, but not for this purpose
        signing.dumps(user.pk, salt="some.other.salt"),
        reminders.unsubscribe_token(987654),  # nobody
        signing.dumps("1", salt=reminders.UNSUBSCRIBE_SALT),  # not an id
        "<script>alert(1)</script>",
        "<script>alert(1)<\\script>",
        "x" * 5000,
        "",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("index", range(9))
def test_an_invalid_link_is_a_404_that_says_what_to_do_and_changes_nothing(client, local_a, index):
    token = bad_tokens(local_a)[index]
    path = f"/nb/redaksjon/varsler/avmeld/{token}/"

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 404
        page = response.content.decode()
        if token and "/" not in token:  # else it matches no URL: the site's own 404 page
            assert f'href="{PREFERENCES}"' in page  # what to do instead
        assert "<script>alert" not in page
    assert digests_enabled(local_a)


@pytest.mark.django_db
def test_the_link_of_a_deactivated_user_does_nothing(client, local_a):
    get_user_model().objects.filter(pk=local_a.pk).update(is_active=False)

    assert client.post(unsubscribe_path(local_a)).status_code == 404
    assert digests_enabled(local_a)


@pytest.mark.django_db
def test_the_unsubscribe_service_only_touches_the_digest(local_a):
    with transaction.atomic():
        profile = reminders.profile_digests_set(user=local_a, enabled=False)

    assert profile.digests_enabled is False
    assert set(reminders.SWITCHABLE_KINDS) == {"digest"}
    assert {"forward_reminder", "vote_reminder", "editor_undecided"} <= set(reminders.REQUIRED_KINDS)
