"""Time: the sweep's clock is the database's, its day and hour are Oslo's, across the clock changes.

Beat ticks every 15 minutes in UTC. Each test below plays those ticks through whole days around
2026-03-29 (Oslo goes from UTC+1 to UTC+2 at 02:00) and 2026-10-25 (back at 03:00): at every tick
`time_machine` moves Python's clock, and the reference clock (what the database would say; the
sweep's `database_now`) is set to the same instant. Every reminder must be queued exactly once, at
the first tick at or after 07:00 Oslo time: 05:00 UTC in summer, 06:00 UTC in winter.

`time_machine` cannot move the database server's clock, so the tests replace `database_now`; the
last tests show that the real one reads the database, not Python, and that a worker whose Python
clock runs 5 minutes ahead of the reference clock sends nothing early.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model

from governance.models import ChangeProposal, Notification, ProposalState, RoundItem
from governance.outbox import notifications, reminders
from governance.rounds import phases
from tests.factories import make_round, make_seats
from tests.support import make_proposal
from workers import reminder_tasks

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TICK = timedelta(minutes=15)


@pytest.fixture(autouse=True)
def _reminder_settings(settings):
    settings.SITE_URL = "https://forlop.example.no"
    settings.REMINDER_HOUR = 7
    settings.DIGEST_AFTER_DAYS = 2
    settings.ESCALATE_AFTER_DAYS = 14
    settings.FORWARD_REMINDER_DAYS = [14, 7, 1]
    settings.VOTE_REMINDER_DAYS = [7, 2, 1]
    settings.QUICK_FIX_REMINDER_DAYS = 3
    settings.UNDECIDED_REMINDER_DAYS = [7, 1]


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(notifications, "notification_hand_over", lambda pk, **kwargs: True)


class ReferenceClock:
    """Stands in for the database server's clock."""

    def __init__(self, monkeypatch):
        self.now: datetime | None = None
        monkeypatch.setattr(reminders, "database_now", lambda: self.now)


@pytest.fixture
def clock(monkeypatch):
    return ReferenceClock(monkeypatch)


def with_email(user):
    get_user_model().objects.filter(pk=user.pk).update(email=f"{user.username}@example.no")
    user.email = f"{user.username}@example.no"
    return user


def waiting(partnership, *, received: datetime, state: str = ProposalState.NEW) -> ChangeProposal:
    return make_proposal(partnership=partnership, description="Feil.", state=state, created_at=received)


def play_ticks(clock: ReferenceClock, start: datetime, end: datetime) -> dict[tuple[str, str, date | None], datetime]:
    """Tick every 15 minutes from `start` to `end` (UTC), as beat does, with Python's clock and the
    reference clock both at the tick; the tick at which each (kind, recipient, due day) was queued."""
    first_queued: dict[tuple[str, str, date | None], datetime] = {}
    tick = start
    while tick <= end:
        clock.now = tick
        with time_machine.travel(tick, tick=False):
            reminder_tasks.reminders_sweep_task()  # what the beat's task runs, with the database clock
        for kind, recipient, due_on in Notification.objects.values_list("kind", "recipient", "due_on"):
            first_queued.setdefault((kind, recipient, due_on), tick)
        tick += TICK
    return first_queued


def test_across_the_spring_change_each_reminder_is_queued_once_at_seven_oslo_time(clock, local_a, partnership_a):
    with_email(local_a)
    waiting(partnership_a, received=datetime(2026, 3, 20, 12, 0, tzinfo=UTC))
    review_round = make_round(
        year=2026,
        state="partnership_review",
        collecting_until=date(2026, 3, 1),
        partnership_review_until=date(2026, 4, 5),  # 7 days after the 29th
        voting_until=date(2026, 5, 1),
        editorial_until=date(2026, 6, 1),
    )
    held = waiting(partnership_a, received=datetime(2026, 1, 5, tzinfo=UTC), state=ProposalState.DEFERRED)
    RoundItem.objects.create(review_round=review_round, proposal=held)

    first_queued = play_ticks(
        clock, datetime(2026, 3, 27, 23, 0, tzinfo=UTC), datetime(2026, 3, 30, 21, 45, tzinfo=UTC)
    )

    address = "local-a@example.no"
    assert first_queued == {
        # Winter time on the 28th: 07:00 Oslo is 06:00 UTC.
        ("digest", address, date(2026, 3, 28)): datetime(2026, 3, 28, 6, 0, tzinfo=UTC),
        # Summer time from 02:00 on the 29th: 07:00 Oslo is 05:00 UTC.
        ("digest", address, date(2026, 3, 29)): datetime(2026, 3, 29, 5, 0, tzinfo=UTC),
        ("forward_reminder", address, date(2026, 3, 29)): datetime(2026, 3, 29, 5, 0, tzinfo=UTC),
        ("digest", address, date(2026, 3, 30)): datetime(2026, 3, 30, 5, 0, tzinfo=UTC),
    }
    assert Notification.objects.count() == 4  # once each, though 284 ticks ran (from midnight in Oslo)


def test_across_the_autumn_change_each_reminder_is_queued_once_at_seven_oslo_time(clock, partnership_a):
    review_round = make_round(
        year=2027,
        state="resource_group_review",
        collecting_until=date(2026, 8, 1),
        partnership_review_until=date(2026, 9, 1),
        voting_until=date(2026, 10, 27),  # 2 days after the 25th, 1 day after the 26th
        editorial_until=date(2026, 12, 1),
    )
    proposal = waiting(None, received=datetime(2026, 6, 1, tzinfo=UTC), state=ProposalState.IN_REVIEW)
    RoundItem.objects.create(review_round=review_round, proposal=proposal)
    trust, municipality = make_seats(review_round, [partnership_a])
    with_email(trust.holder)
    with_email(municipality.holder)

    first_queued = play_ticks(
        clock, datetime(2026, 10, 23, 21, 0, tzinfo=UTC), datetime(2026, 10, 26, 22, 45, tzinfo=UTC)
    )

    expected = {}
    for seat in (trust, municipality):
        # Still summer time on the 24th (no reminder due: 3 days left), winter time from 03:00 on the 25th.
        expected[("vote_reminder", seat.holder.email, date(2026, 10, 25))] = datetime(2026, 10, 25, 6, 0, tzinfo=UTC)
        expected[("vote_reminder", seat.holder.email, date(2026, 10, 26))] = datetime(2026, 10, 26, 6, 0, tzinfo=UTC)
    assert first_queued == expected
    assert Notification.objects.count() == 4


def test_at_the_clock_change_itself_the_oslo_day_is_what_counts(clock, local_a, partnership_a, settings):
    """An hour that does not exist (02:00–03:00 on 29 March) or happens twice (02:00–03:00 on 25
    October) in Oslo: REMINDER_HOUR=2 sends at the first tick from 02:00 local, once a day."""
    settings.REMINDER_HOUR = 2
    with_email(local_a)
    waiting(partnership_a, received=datetime(2026, 3, 1, tzinfo=UTC))

    spring = play_ticks(clock, datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 3, 0, tzinfo=UTC))
    Notification.objects.all().delete()
    autumn = play_ticks(clock, datetime(2026, 10, 24, 22, 0, tzinfo=UTC), datetime(2026, 10, 25, 3, 0, tzinfo=UTC))

    # 01:00 UTC on 29 March is 03:00 summer time (there is no 02:00); on 25 October 00:00 UTC is
    # the first 02:00, summer time, and the second 02:00 (01:00 UTC) sends nothing more.
    assert list(spring.values()) == [datetime(2026, 3, 29, 1, 0, tzinfo=UTC)]
    assert list(autumn.values()) == [datetime(2026, 10, 25, 0, 0, tzinfo=UTC)]


def test_a_worker_clock_five_minutes_fast_sends_nothing_early(clock, local_a, partnership_a):
    with_email(local_a)
    waiting(partnership_a, received=datetime(2026, 3, 20, tzinfo=UTC))
    seven_oslo = datetime(2026, 3, 29, 5, 0, tzinfo=UTC)

    clock.now = seven_oslo - timedelta(minutes=3)  # the database says 06:57 in Oslo
    with time_machine.travel(seven_oslo + timedelta(minutes=2), tick=False):  # the worker thinks 07:02
        assert reminders.reminders_sweep() == {}
        assert reminder_tasks.reminders_sweep_task() == {}
    assert not Notification.objects.exists()

    clock.now = seven_oslo  # the database reaches 07:00
    with time_machine.travel(seven_oslo + timedelta(minutes=5), tick=False):
        assert reminder_tasks.reminders_sweep_task() == {"digest": 1}


def test_a_worker_clock_five_minutes_slow_does_not_hold_back_or_repeat_anything(clock, local_a, partnership_a):
    with_email(local_a)
    waiting(partnership_a, received=datetime(2026, 3, 20, tzinfo=UTC))
    clock.now = datetime(2026, 10, 25, 6, 0, tzinfo=UTC)  # 07:00 Oslo, winter time

    with time_machine.travel(clock.now - timedelta(minutes=5), tick=False):  # the worker thinks 06:55
        assert reminders.reminders_sweep() == {"digest": 1}
        assert reminders.reminders_sweep() == {}


def test_the_sweeps_clock_is_the_database_and_not_python():
    before = reminders.database_now()

    with time_machine.travel(datetime(2001, 1, 1, tzinfo=UTC), tick=False):
        during = reminders.database_now()

    assert during.tzinfo is not None
    assert abs(during - before) < timedelta(minutes=1)
    assert during.year != 2001


def test_the_beat_schedule_ticks_every_quarter_hour_and_no_task_waits_past_the_visibility_timeout(settings):
    from celery.schedules import crontab

    from workers.celery import app

    schedule = app.conf.beat_schedule
    for name, task in (("reminders-sweep", "workers.reminders_sweep"), ("advance-rounds", "workers.advance_rounds")):
        entry = schedule[name]
        assert entry["task"] == task
        assert entry["schedule"] == crontab(minute="*/15")
        assert entry["options"]["expires"] < 15 * 60
        assert "countdown" not in entry["options"] and "eta" not in entry["options"]
    assert app.conf.timezone == "UTC"
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > 15 * 60


def test_the_advance_task_hands_the_database_clock_to_the_rounds(clock, monkeypatch):
    seen = []
    monkeypatch.setattr(phases, "rounds_advance_due", lambda *, now: seen.append(now) or [])
    clock.now = datetime(2026, 4, 5, 22, 0, tzinfo=UTC)  # midnight in Oslo

    with time_machine.travel(datetime(2026, 4, 5, 21, 55, tzinfo=UTC), tick=False):
        assert reminder_tasks.advance_rounds() == 0

    assert seen == [clock.now]
