"""Deactivating a user ends every session they have: the approval page, the admin and a shell all
save the user, and the sessions go with it."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.models import UserSession

pytestmark = pytest.mark.django_db

User = get_user_model()


def _logged_in(username="editor"):
    client = Client()
    assert client.post("/nb/logg-inn/", {"username": username, "password": "pw-for-tests"}).status_code == 302
    return client


def test_deactivating_a_user_ends_all_their_sessions(editor, local_a, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    laptop, phone, other = _logged_in(), _logged_in(), _logged_in("local-a")
    assert UserSession.objects.filter(user=editor).count() == 2
    editor.is_active = False
    editor.save()
    assert UserSession.objects.filter(user=editor).count() == 0
    assert not Session.objects.filter(session_key__in=[laptop.session.session_key, phone.session.session_key]).exists()
    assert laptop.get("/nb/redaksjon/").status_code == 302  # back to the log-in page
    assert other.get("/nb/redaksjon/").status_code == 200  # someone else's session is untouched


def test_deactivating_in_the_admin_ends_the_sessions(editor, local_a, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    admin = User.objects.create_superuser(username="admin", password="pw")
    victim = _logged_in("local-a")
    staff = Client()
    staff.force_login(admin)
    response = staff.post(
        f"/admin/auth/user/{local_a.pk}/change/",
        {"username": "local-a", "is_staff": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not User.objects.get(pk=local_a.pk).is_active
    assert victim.get("/nb/redaksjon/").status_code == 302


def test_logging_out_forgets_the_session(editor):
    client = _logged_in()
    assert UserSession.objects.count() == 1
    assert client.post("/nb/logg-ut/").status_code == 302
    assert UserSession.objects.count() == 0
