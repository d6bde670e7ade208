import pytest

pytestmark = pytest.mark.django_db


def _attempt(client, username="editor", password="feil", ip="10.0.0.1"):
    return client.post("/nb/logg-inn/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_good_credentials_log_in(client, editor):
    response = _attempt(client, password="pw-for-tests")
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(editor.pk)


def test_wrong_password_shows_the_form_again(client, editor):
    response = _attempt(client)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_failed_attempts_from_one_address_lock_it_even_for_the_right_password(client, editor, settings):
    settings.LOGIN_ATTEMPTS_PER_10_MINUTES = 3
    for _ in range(3):
        assert _attempt(client).status_code == 200
    response = _attempt(client, password="pw-for-tests")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_meeting_room_behind_one_address_is_not_throttled(client, editor, local_a, settings):
    """Only failures count: a resource group logging in from one office address gets in."""
    settings.LOGIN_ATTEMPTS_PER_10_MINUTES = 3
    for _ in range(10):
        assert _attempt(client, password="pw-for-tests").status_code == 302
        client.logout()
    assert _attempt(client).status_code == 200  # a typo still counts, and is shown the form again
    assert _attempt(client, username="local-a", password="pw-for-tests").status_code == 302


def test_guessing_one_account_from_many_addresses_is_throttled(client, editor, settings):
    settings.LOGIN_ATTEMPTS_PER_10_MINUTES = 3
    for n in range(3):
        _attempt(client, ip=f"10.0.1.{n}")
    assert _attempt(client, password="pw-for-tests", ip="10.0.1.99").status_code == 429


def test_other_addresses_and_accounts_are_unaffected(client, editor, local_a, settings):
    settings.LOGIN_ATTEMPTS_PER_10_MINUTES = 3
    for _ in range(4):
        _attempt(client, ip="10.0.2.1")
    assert _attempt(client, username="local-a", password="pw-for-tests", ip="10.0.2.2").status_code == 302


def test_throttle_fails_open_when_the_cache_is_down(client, editor, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    assert _attempt(client, password="pw-for-tests").status_code == 302


def test_login_without_csrf_token_is_refused_in_norwegian(editor):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/nb/logg-inn/", {"username": "editor", "password": "pw-for-tests"}
    )
    assert response.status_code == 403
    assert "Skjemaet er utløpt" in response.content.decode()
