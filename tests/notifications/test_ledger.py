"""The notification ledger /<lang>/redaksjon/varsler/ (governance/views/ledger.py): the responsible
editor's list of every e-mail notice, one notice's delivery record, and "send again" behind a
confirmation page. Everyone else gets a 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.models import AuditEntry, BouncingAddress, Notification, NotificationStatus
from governance.outbox.notifications import notification_dedupe_key
from tests.feedback.test_form import page
from tests.support import make_proposal

pytestmark = pytest.mark.django_db

LIST = "/nb/redaksjon/varsler/"
# Text of a notice's context: an e-mail's content, which the ledger never shows.
CONTENT = "Innholdstekst som aldri vises (reskontrotest 4d2a)"


def detail_url(notification) -> str:
    return f"{LIST}{notification.pk}/"


def resend_url(notification) -> str:
    return f"{LIST}{notification.pk}/send-igjen/"


def notice(n: int = 1, *, status=NotificationStatus.SENT, kind="feedback_receipt", recipient=None, **fields):
    recipient = recipient or f"leser{n}@example.no"
    return Notification.objects.create(
        kind=kind,
        recipient=recipient,
        language="nb",
        dedupe_key=notification_dedupe_key(kind=kind, recipient=recipient, subject=f"test:{n}"),
        context={"status_url": "http://localhost:8000/nb/tilbakemelding/x/", "comment": CONTENT},
        status=status,
        **fields,
    )


def rows(response) -> list[str]:
    return [row.attrs["data-notification"] for row in page(response).find("tr") if "data-notification" in row.attrs]


def count_of(response, status: str) -> int:
    html = page(response)
    [item] = [li for li in html.find("li") if li.attrs.get("data-status") == status]
    return int(next(span for span in html.find("span") if item in span.ancestors()).text)


# --- Who may see it ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["local_a", "trust_seat", "adviser"])
def test_only_the_responsible_editor_sees_the_ledger(client, request, who):
    notification = notice(status=NotificationStatus.FAILED)
    client.force_login(request.getfixturevalue(who))

    for url in (LIST, detail_url(notification), resend_url(notification)):
        assert client.get(url).status_code == 404
    assert client.post(resend_url(notification), {"confirm": "True"}).status_code == 404
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "/logg-inn/" in response["Location"]


def test_an_unknown_notice_is_not_found(editor_client):
    assert editor_client.get(f"{LIST}999999/").status_code == 404
    assert editor_client.post(f"{LIST}999999/send-igjen/", {"confirm": "True"}).status_code == 404


# --- The list ------------------------------------------------------------------------------------------


def test_the_list_shows_notices_newest_first_with_counts_per_status(editor_client):
    sent = notice(1)
    failed = notice(2, status=NotificationStatus.FAILED, last_error="550 5.1.1 mailbox unavailable")
    pending = notice(3, status=NotificationStatus.PENDING)

    response = editor_client.get(LIST)

    assert response.status_code == 200
    assert rows(response) == [str(pending.pk), str(failed.pk), str(sent.pk)]
    assert [count_of(response, s) for s in ("pending", "sending", "sent", "failed", "all")] == [1, 0, 1, 1, 3]
    html = response.content.decode()
    assert "leser2@example.no" in html and "550 5.1.1 mailbox unavailable" in html
    assert "reskontrotest" not in html
    assert len(page(response).find("h1")) == 1
    assert page(response).find("table", **{"aria-labelledby": "ledger-results-title"})
    assert all(th.attrs.get("scope") == "col" for th in page(response).find("th"))


def test_filters_by_status_kind_and_recipient(editor_client):
    notice(1, kind="outcome.rejected", status=NotificationStatus.FAILED)
    wanted = notice(2, kind="outcome.rejected", status=NotificationStatus.FAILED, recipient="finn.meg@example.no")
    notice(3, kind="feedback_receipt", status=NotificationStatus.FAILED, recipient="finn.ikke@example.no")
    notice(4, kind="outcome.rejected", status=NotificationStatus.SENT, recipient="finn.meg2@example.no")

    response = editor_client.get(LIST, {"status": "failed", "kind": "outcome.rejected", "q": "FINN.MEG"})

    assert response.status_code == 200
    assert rows(response) == [str(wanted.pk)]
    # The counts are of the kind and recipient asked for, across statuses.
    assert count_of(response, "failed") == 1 and count_of(response, "sent") == 1


def test_a_filter_that_does_not_validate_is_reported_and_the_typed_text_kept(editor_client):
    notice(1)

    response = editor_client.get(LIST, {"kind": "no-such-kind", "q": "<script>alert(1)</script>"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "error-summary" in html and 'href="#id_kind"' in html
    assert "<script>alert(1)</script>" not in html
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_a_search_over_the_limit_is_refused_with_a_message(editor_client):
    response = editor_client.get(LIST, {"q": "a" * 300})
    assert response.status_code == 400
    assert 'href="#id_q"' in response.content.decode()


def test_a_hostile_address_is_shown_escaped(editor_client):
    notice(1, recipient='"<script>x</script>"@example.no')
    response = editor_client.get(LIST)
    html = response.content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_the_list_pages_through_older_and_newer_notices(editor_client):
    notices = [notice(n) for n in range(120)]
    newest_first = [str(n.pk) for n in reversed(notices)]

    first = editor_client.get(LIST)
    older_link = page(first).find("a", rel="next")[0].attrs["href"]
    second = editor_client.get(LIST + older_link)
    third = editor_client.get(LIST + page(second).find("a", rel="next")[0].attrs["href"])
    back = editor_client.get(LIST + page(second).find("a", rel="prev")[0].attrs["href"])

    assert rows(first) == newest_first[:50]
    assert not page(first).find("a", rel="prev")
    assert rows(second) == newest_first[50:100]
    assert rows(third) == newest_first[100:]
    assert not page(third).find("a", rel="next")
    assert rows(back) == newest_first[:50]


def test_a_malformed_page_cursor_shows_the_first_page(editor_client):
    notice(1)
    response = editor_client.get(LIST, {"foer": "x'; drop", "etter": "-1"})
    assert response.status_code == 200
    assert len(rows(response)) == 1


def test_the_list_takes_as_many_queries_for_many_notices_as_for_few(editor_client):
    notice(0)
    with CaptureQueriesContext(connection) as few:
        editor_client.get(LIST)
    for n in range(1, 80):
        notice(n, status=NotificationStatus.FAILED if n % 2 else NotificationStatus.SENT)
    with CaptureQueriesContext(connection) as many:
        editor_client.get(LIST)
    assert len(many) == len(few)


def test_the_list_shows_what_needs_attention(editor_client):
    old = notice(1, status=NotificationStatus.PENDING)
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=30))
    notice(2, status=NotificationStatus.PENDING)
    BouncingAddress.objects.create(email="borte@example.no", reason="550")

    response = editor_client.get(LIST)

    items = {li.attrs["data-health"]: li.text for li in page(response).find("li") if "data-health" in li.attrs}
    assert items["waiting"].strip().endswith("1")
    assert items["bouncing"].strip().endswith("1")


# --- One notice ----------------------------------------------------------------------------------------


def test_the_detail_shows_the_delivery_record_and_never_the_content(editor_client, editor):
    proposal = make_proposal(description="Noe er feil.")
    entry = AuditEntry.objects.create(proposal=proposal, action="reject", from_state="new", to_state="rejected")
    now = timezone.now()
    notification = notice(
        1,
        kind="outcome.rejected",
        status=NotificationStatus.SENT,
        attempts=2,
        last_error="",
        claimed_at=now,
        sent_at=now,
        subject=f"governance.auditentry:{entry.pk}",
        due_on=timezone.localdate(),
    )

    response = editor_client.get(detail_url(notification))

    assert response.status_code == 200
    fields = {dd.attrs["data-field"]: dd.text for dd in page(response).find("dd") if "data-field" in dd.attrs}
    assert "outcome.rejected" in fields["kind"]
    assert fields["recipient"] == "leser1@example.no"
    assert fields["attempts"] == "2"
    assert fields["dedupe_key"] == notification.dedupe_key
    assert fields["language"] and fields["created_at"] and fields["claimed_at"] != "–" and fields["sent_at"] != "–"
    assert page(response).find("a", href=f"/nb/redaksjon/forslag/{proposal.pk}/")
    html = response.content.decode()
    assert "reskontrotest" not in html and "tilbakemelding/x/" not in html
    assert page(response).find("a", href=resend_url(notification))


def test_a_notice_still_waiting_offers_no_resend(editor_client):
    notification = notice(1, status=NotificationStatus.PENDING)
    response = editor_client.get(detail_url(notification))
    assert not page(response).find("a", href=resend_url(notification))


# --- Send again ------------------------------------------------------------------------------------------


def test_resend_asks_for_confirmation_then_queues_the_notice_again(
    editor_client, editor, django_capture_on_commit_callbacks
):
    notification = notice(1, status=NotificationStatus.FAILED, attempts=8, last_error="gave up after 8 attempts")

    confirm = editor_client.get(resend_url(notification))
    assert confirm.status_code == 200
    assert "leser1@example.no" in confirm.content.decode()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED  # a GET changes nothing

    with django_capture_on_commit_callbacks() as callbacks:
        response = editor_client.post(resend_url(notification), {"confirm": "True"})

    assert response.status_code == 302
    assert response["Location"] == detail_url(notification)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert (notification.attempts, notification.last_error) == (0, "")
    assert notification.resent_by == editor and notification.resent_at is not None
    assert len(callbacks) == 1  # handed to the broker after commit
    shown = page(editor_client.get(response["Location"]))
    assert f"#{notification.pk}" in shown.find("ul", **{"class": "messages"})[0].text


def test_resend_without_the_confirmation_changes_nothing(editor_client):
    notification = notice(1, status=NotificationStatus.SENT)
    response = editor_client.post(resend_url(notification), {})
    assert response.status_code == 400
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT


def test_resend_of_a_notice_waiting_or_being_sent_is_refused(editor_client):
    notification = notice(1, status=NotificationStatus.SENDING, attempts=1, claimed_at=timezone.now())

    assert "error-summary" in editor_client.get(resend_url(notification)).content.decode()
    response = editor_client.post(resend_url(notification), {"confirm": "True"})

    assert response.status_code == 409
    assert "error-summary" in response.content.decode()
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (NotificationStatus.SENDING, 1)


def test_resend_sent_twice_queues_it_once(editor_client, django_capture_on_commit_callbacks):
    notification = notice(1, status=NotificationStatus.FAILED)
    with django_capture_on_commit_callbacks() as callbacks:
        first = editor_client.post(resend_url(notification), {"confirm": "True"})
        second = editor_client.post(resend_url(notification), {"confirm": "True"})
    assert (first.status_code, second.status_code) == (302, 409)
    assert len(callbacks) == 1


def test_resend_to_a_bouncing_address_needs_the_editor_to_confirm_it_was_fixed(editor_client):
    notification = notice(1, status=NotificationStatus.FAILED, last_error="550 5.1.1 mailbox unavailable")
    BouncingAddress.objects.create(email="leser1@example.no", reason="550 5.1.1 mailbox unavailable")

    confirm = editor_client.get(resend_url(notification))
    assert page(confirm).control("address_fixed")
    refused = editor_client.post(resend_url(notification), {"confirm": "True"})

    assert refused.status_code == 400
    assert 'href="#id_address_fixed"' in refused.content.decode()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert BouncingAddress.objects.exists()

    done = editor_client.post(resend_url(notification), {"confirm": "True", "address_fixed": "on"})

    assert done.status_code == 302
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert not BouncingAddress.objects.exists()


def test_a_notice_whose_address_was_deleted_cannot_be_sent_again(editor_client):
    notification = notice(1, status=NotificationStatus.SENT)
    Notification.objects.filter(pk=notification.pk).update(recipient="")

    assert not page(editor_client.get(detail_url(notification))).find("a", href=resend_url(notification))
    response = editor_client.post(resend_url(notification), {"confirm": "True"})

    assert response.status_code == 409
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT


def test_the_proposal_subject_links_to_the_proposal(editor_client):
    proposal = make_proposal(description="x")
    notification = notice(1, subject=f"governance.changeproposal:{proposal.pk}")
    response = editor_client.get(detail_url(notification))
    assert page(response).find("a", href=f"/nb/redaksjon/forslag/{proposal.pk}/")
