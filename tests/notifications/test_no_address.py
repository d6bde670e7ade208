"""A notice due to someone without an e-mail address is not lost in silence: the sweep writes it
`skipped` with whose address is missing, nothing is handed to the broker, and the ledger says so.
Once the person has set an address, the next notice of the day goes to it."""

from datetime import timedelta

import pytest
from django.utils import translation

from governance.models import Notification, NotificationStatus
from governance.outbox import reminders
from tests.factories import make_seats
from tests.notifications.test_reminders import NOW, handed_over, in_review, proposal, voting_round, with_email
from tests.support import as_user

__all__ = ["handed_over"]  # a fixture, used by name

pytestmark = [pytest.mark.django_db]


def test_a_digest_for_a_local_editor_without_an_address_is_recorded_as_skipped(
    local_a, local_b, partnership_a, partnership_b, handed_over, django_capture_on_commit_callbacks
):
    with_email(local_b)
    proposal(partnership=partnership_a, age=timedelta(days=3))
    proposal(partnership=partnership_b, age=timedelta(days=3))

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.reminders_sweep(now=NOW) == {"digest": 1}

    skipped = Notification.objects.get(kind="digest", status=NotificationStatus.SKIPPED)
    assert skipped.recipient == "" and skipped.last_error == "no address: local-a"
    sent = Notification.objects.get(kind="digest", status=NotificationStatus.PENDING)
    assert sent.recipient == local_b.email
    assert handed_over == [sent.pk]
    # A second tick writes nothing more.
    reminders.reminders_sweep(now=NOW + timedelta(minutes=15))
    assert Notification.objects.filter(kind="digest").count() == 2


def test_a_vote_reminder_for_a_seat_without_an_address_is_recorded_as_skipped(
    partnership_a, pathway, handed_over, django_capture_on_commit_callbacks
):
    review_round = voting_round(2)
    in_review(review_round, 1, pathway=pathway)
    trust, municipality = make_seats(review_round, [partnership_a])
    with_email(trust.holder)

    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminders_sweep(now=NOW)

    by_status = {n.status: n for n in Notification.objects.filter(kind="vote_reminder")}
    assert by_status[NotificationStatus.PENDING].recipient == trust.holder.email
    assert by_status[NotificationStatus.SKIPPED].last_error == f"no address: {municipality.holder.username}"
    assert handed_over == [by_status[NotificationStatus.PENDING].pk]


def test_once_an_address_is_set_the_next_sweep_sends_to_it(local_a, partnership_a, handed_over):
    proposal(partnership=partnership_a, age=timedelta(days=3))
    reminders.reminders_sweep(now=NOW)
    with_email(local_a)

    assert reminders.reminders_sweep(now=NOW + timedelta(minutes=15)) == {"digest": 1}
    assert Notification.objects.get(kind="digest", status=NotificationStatus.PENDING).recipient == local_a.email


def test_the_ledger_counts_and_labels_the_skipped_notices(client, editor, local_a, partnership_a, handed_over):
    proposal(partnership=partnership_a, age=timedelta(days=3))
    reminders.reminders_sweep(now=NOW)

    page = as_user(client, editor).get("/nb/redaksjon/varsler/?status=skipped").content.decode()

    with translation.override("nb"):
        label = translation.gettext("skipped: no address")
    assert label.capitalize() in page
    assert 'data-status="skipped"' in page
    assert "no address: local-a" in page


# --- One's own address on the preferences page ----------------------------------------------------

PREFERENCES = "/nb/redaksjon/varsler/innstillinger/"


def test_the_preferences_page_says_there_is_no_address_and_lets_one_set_it(client, local_a):
    client = as_user(client, local_a)
    page = client.get(PREFERENCES).content.decode()
    assert 'name="adresse-email"' in page and "data-no-address" in page

    response = client.post(PREFERENCES, {"adresse-email": " lokal-vest@kommune.example "}, follow=True)

    assert response.redirect_chain == [(PREFERENCES, 302)]
    local_a.refresh_from_db()
    assert local_a.email == "lokal-vest@kommune.example"
    page = response.content.decode()
    assert 'value="lokal-vest@kommune.example"' in page and "data-no-address" not in page
    assert local_a.profile.digests_enabled  # the digest switch is left alone


def test_a_bad_address_is_refused_with_a_message_and_the_old_one_kept(client, local_a):
    with_email(local_a, "gammel@kommune.example")
    response = as_user(client, local_a).post(PREFERENCES, {"adresse-email": "ikke en adresse"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-summary"' in page and 'href="#id_adresse-email"' in page
    local_a.refresh_from_db()
    assert local_a.email == "gammel@kommune.example"


def test_emptying_the_address_removes_it_and_warns(client, trust_seat):
    with_email(trust_seat)
    response = as_user(client, trust_seat).post(PREFERENCES, {"adresse-email": ""}, follow=True)
    trust_seat.refresh_from_db()
    assert trust_seat.email == ""
    assert "data-no-address" in response.content.decode()


def test_the_ledgers_kind_filter_and_rows_name_the_kinds_not_their_codes(client, editor, local_a, partnership_a):
    proposal(partnership=partnership_a, age=timedelta(days=3))
    reminders.reminders_sweep(now=NOW)

    page = as_user(client, editor).get("/nb/redaksjon/varsler/").content.decode()

    with translation.override("nb"):
        label = translation.gettext("daily digest to local editors")
    assert f'<option value="digest">{label.capitalize()}</option>' in page
    assert "<code>digest</code>" not in page
