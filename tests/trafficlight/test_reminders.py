"""The weekly reminder to municipalities that have not answered: one digest per contact through the
outbox, never twice, none for a municipality that has marked every section."""

from datetime import UTC, datetime

import pytest
from django.core import mail

from governance.models import Notification
from governance.outbox.notifications import notification_send
from pathways.models import Role
from trafficlight.reminders import TRAFFIC_LIGHT_REMINDER, traffic_light_reminders_sweep
from trafficlight.services import MarkInput, marks_save

from .conftest import make_contact

pytestmark = pytest.mark.django_db

# Monday 7 December 2026, 08:15 in Oslo (07:15 UTC); the Tuesday after.
MONDAY = datetime(2026, 12, 7, 7, 15, tzinfo=UTC)
TUESDAY = datetime(2026, 12, 8, 7, 15, tzinfo=UTC)


@pytest.fixture
def answered(pathway, nordvik, contact_nordvik):
    """Nordvik has marked every section."""
    version = pathway.current_version
    marks_save(
        municipality=nordvik,
        version=version,
        by=contact_nordvik,
        marks=[MarkInput(s.slug, "green") for s in version.sections.all()],
    )


def test_one_digest_per_contact_of_a_municipality_that_has_not_answered(
    settings, pathway, vestby, contact_vestby, contact_nordvik, answered
):
    settings.SITE_URL = "https://forlop.example.no"
    second = make_contact("kommune-vestby-2", vestby, language="nn")
    assert traffic_light_reminders_sweep(now=MONDAY) == {TRAFFIC_LIGHT_REMINDER: 2}
    notices = {n.recipient: n for n in Notification.objects.filter(kind=TRAFFIC_LIGHT_REMINDER)}
    assert set(notices) == {contact_vestby.email, second.email}  # none for Nordvik, which answered
    notice = notices[contact_vestby.email]
    assert notice.status == "pending" and notice.subject == f"pathways.municipality:{vestby.pk}"
    assert notice.context["count"] == 3
    assert notice.context["items"][0]["url"] == (
        f"https://forlop.example.no/nb/redaksjon/trafikklys/{vestby.partnership.slug}/{pathway.slug}/kommune/{vestby.pk}/"
    )
    assert (
        notices[second.email].language == "nn"
        and "/nn/redaksjon/trafikklys/" in notices[second.email].context["items"][0]["url"]
    )


def test_it_is_not_sent_twice_nor_on_other_days_nor_before_the_hour(settings, pathway, vestby, contact_vestby):
    settings.REMINDER_HOUR = 7
    assert traffic_light_reminders_sweep(now=datetime(2026, 12, 7, 5, 45, tzinfo=UTC)) == {}  # 06:45 in Oslo
    assert traffic_light_reminders_sweep(now=MONDAY) == {TRAFFIC_LIGHT_REMINDER: 1}
    assert traffic_light_reminders_sweep(now=MONDAY.replace(hour=12)) == {}
    assert traffic_light_reminders_sweep(now=TUESDAY) == {}
    assert Notification.objects.filter(kind=TRAFFIC_LIGHT_REMINDER).count() == 1


def test_a_stale_mark_counts_as_not_answered(editor, pathway, nordvik, contact_nordvik, answered):
    from pathways.models import VersionKind
    from pathways.services import pathway_publish, section_update

    assert traffic_light_reminders_sweep(now=MONDAY) == {}
    section_update(section=pathway.sections.get(slug="innledning"), by=editor, body_nb="Ny.", body_nn="Ny nn.")
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R", summary_nn="R")
    assert traffic_light_reminders_sweep(now=MONDAY.replace(day=14)) == {TRAFFIC_LIGHT_REMINDER: 1}
    assert Notification.objects.get().context["count"] == 1


def test_the_reminder_is_sent_in_the_contacts_written_standard(settings, pathway, nordvik, contact_nordvik):
    settings.SITE_URL = "https://forlop.example.no"
    traffic_light_reminders_sweep(now=MONDAY)
    notice = Notification.objects.get()
    assert notification_send(notice.pk) is True
    (message,) = mail.outbox
    assert message.to == [contact_nordvik.email]
    assert message.subject == "Trafikklys: 3 seksjonar ventar på merknad frå Nordvik"
    assert "Angstplager: 3 av 3" in message.body and "éin gong i veka" in message.body
    assert f"/nn/redaksjon/trafikklys/vest/angst/kommune/{nordvik.pk}/" in message.body
    notice.refresh_from_db()
    assert notice.status == "sent"


def test_inactive_contacts_and_other_roles_get_nothing(pathway, vestby, contact_vestby, local_a):
    contact_vestby.is_active = False
    contact_vestby.save()
    assert local_a.profile.role == Role.LOCAL_EDITOR
    assert traffic_light_reminders_sweep(now=MONDAY) == {}


def test_the_ledger_names_the_reminder_in_words(editor_client, pathway, vestby, contact_vestby):
    traffic_light_reminders_sweep(now=MONDAY)
    html = editor_client.get("/nb/redaksjon/varsler/").content.decode()
    assert "Påminnelse til kommunene om å merke avsnittene" in html
    assert "traffic_light_reminder</" not in html  # the code stays in the filter's value only
