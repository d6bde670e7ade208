"""One log-in throttle for passwords and OpenID Connect: failed sign-ins through a provider count
against the address, and a used-up address is refused both ways."""

import pytest

from tests.accounts.conftest import query, start

pytestmark = pytest.mark.django_db


def _bad_callback(client, ip="10.9.0.1"):
    return client.get("/logg-inn/oidc/test/callback/?state=forged&code=x", REMOTE_ADDR=ip)


def test_failed_oidc_sign_ins_throttle_the_address(client, oidc, settings):
    settings.LOGIN_ATTEMPTS_PER_10_MINUTES = 3
    for _ in range(3):
        assert _bad_callback(client).status_code == 400
    assert _bad_callback(client).status_code == 429
    assert client.post("/nb/logg-inn/oidc/test/", REMOTE_ADDR="10.9.0.1").status_code == 429


def test_failed_oidc_sign_ins_also_lock_the_password_form(client, oidc, editor, settings):
    settings.LOGIN_ATTEMPTS_PER_10_MINUTES = 3
    for _ in range(3):
        _bad_callback(client)
    response = client.post("/nb/logg-inn/", {"username": "editor", "password": "pw-for-tests"}, REMOTE_ADDR="10.9.0.1")
    assert response.status_code == 429
    assert "For mange" in response.content.decode()


def test_failed_passwords_lock_the_oidc_button(client, oidc, editor, settings):
    settings.LOGIN_ATTEMPTS_PER_10_MINUTES = 3
    for _ in range(3):
        client.post("/nb/logg-inn/", {"username": "editor", "password": "wrong"}, REMOTE_ADDR="10.9.0.2")
    assert client.post("/nb/logg-inn/oidc/test/", REMOTE_ADDR="10.9.0.2").status_code == 429


def test_a_person_waiting_for_approval_is_not_throttled(client, oidc, settings):
    """Waiting is not a failed log-in: a meeting room of new people behind one address gets through."""
    from tests.accounts.conftest import sign_in

    settings.LOGIN_ATTEMPTS_PER_10_MINUTES = 2
    for n in range(4):
        assert sign_in(client, subject=f"new-{n}").status_code == 403


def test_a_cancelled_sign_in_does_not_count(client, oidc, settings):
    settings.LOGIN_ATTEMPTS_PER_10_MINUTES = 2
    for _ in range(3):
        state = query(start(client))["state"]
        assert client.get(f"/logg-inn/oidc/test/callback/?state={state}&error=access_denied").status_code == 400
    assert client.post("/nb/logg-inn/oidc/test/").status_code == 302
