"""The provider's return to /logg-inn/oidc/<provider>/callback/: a verified ID token finds or creates
the account by issuer and subject; everything else is refused in Norwegian, with nothing created."""

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Identity, IdentityStatus
from tests.accounts.conftest import sign_in

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_first_sign_in_creates_an_inactive_account_waiting_for_approval(client, oidc):
    response = sign_in(client, subject="alice")
    assert response.status_code == 403
    assert "venter på godkjenning" in response.content.decode()
    identity = Identity.objects.select_related("user").get()
    assert (identity.issuer, identity.subject, identity.status) == (oidc.issuer, "alice", IdentityStatus.WAITING)
    assert identity.user.is_active is False
    assert identity.user.email == "alice@example.no"
    assert "_auth_user_id" not in client.session


def _counts():
    return User.objects.count(), Identity.objects.count()


def _refused(response, status, words):
    assert response.status_code == status, response.content.decode()[:300]
    assert words in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_an_approved_account_signs_in_and_lands_on_the_editor_home(client, oidc, editor):
    sign_in(client, subject="bob")
    identity = Identity.objects.get()
    User.objects.filter(pk=identity.user_id).update(is_active=True)
    response = sign_in(client, subject="bob")
    assert response.status_code == 302
    assert response["Location"] == "/nb/redaksjon/"
    assert client.session["_auth_user_id"] == str(identity.user_id)
    assert client.session["oidc"]["provider"] == "test"
    assert _counts() == (2, 1)  # the editor and bob: the second sign-in found the same account


def test_the_account_is_found_by_subject_and_issuer_never_by_email(client, oidc, editor):
    editor.email = "carol@example.no"
    editor.save()
    response = sign_in(client, subject="carol")
    assert response.status_code == 403
    identity = Identity.objects.get()
    assert identity.user_id != editor.pk
    assert "_auth_user_id" not in client.session


def test_next_is_kept_and_a_foreign_next_is_dropped(client, oidc):
    sign_in(client, subject="dan")
    User.objects.filter(identities__subject="dan").update(is_active=True)
    assert sign_in(client, subject="dan", next_url="/nb/redaksjon/forslag/")["Location"] == "/nb/redaksjon/forslag/"
    client.logout()
    assert sign_in(client, subject="dan", next_url="https://evil.example/")["Location"] == "/nb/redaksjon/"


def test_nynorsk_flow_refuses_in_nynorsk(client, oidc):
    response = sign_in(client, subject="eve", language="nn")
    assert response.status_code == 403
    assert "ventar på godkjenning" in response.content.decode()


def _with_id_token(monkeypatch, change):
    """Let the real provider issue the tokens, then change the ID token before we check it."""
    from accounts import views

    real = views.tokens_fetch

    def fetch(provider, **kwargs):
        tokens = real(provider, **kwargs)
        tokens["id_token"] = change(tokens["id_token"])
        return tokens

    monkeypatch.setattr(views, "tokens_fetch", fetch)


def _claims(id_token):
    import base64
    import json

    payload = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_a_tampered_id_token_is_refused_and_nothing_is_created(client, oidc, monkeypatch):
    import base64
    import json

    def tamper(token):
        header, _payload, signature = token.split(".")
        claims = _claims(token) | {"sub": "mallory"}
        payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"{header}.{payload}.{signature}"

    _with_id_token(monkeypatch, tamper)
    _refused(sign_in(client, subject="frank"), 400, "kunne ikke bekreftes")
    assert _counts() == (0, 0)


def test_a_token_signed_with_another_key_is_refused(client, oidc, monkeypatch):
    from joserfc.jwk import RSAKey

    stranger = RSAKey.generate_key(2048, parameters={"kid": "provider-1"})
    _with_id_token(monkeypatch, lambda token: oidc.forge_id_token(_claims(token), key=stranger))
    _refused(sign_in(client, subject="grace"), 400, "kunne ikke bekreftes")
    assert _counts() == (0, 0)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"nonce": "another-nonce"}, id="wrong-nonce"),
        pytest.param({"exp": 1_000_000_000, "iat": 999_999_000}, id="expired"),
        pytest.param({"iss": "https://evil.example"}, id="unknown-issuer"),
        pytest.param({"aud": "someone-else"}, id="other-audience"),
    ],
)
def test_a_well_signed_token_with_wrong_claims_is_refused(client, oidc, monkeypatch, change):
    _with_id_token(monkeypatch, lambda token: oidc.forge_id_token(_claims(token) | change))
    _refused(sign_in(client, subject="heidi"), 400, "kunne ikke bekreftes")
    assert _counts() == (0, 0)


def test_a_token_without_nonce_is_refused(client, oidc, monkeypatch):
    _with_id_token(
        monkeypatch, lambda token: oidc.forge_id_token({k: v for k, v in _claims(token).items() if k != "nonce"})
    )
    _refused(sign_in(client, subject="ivan"), 400, "kunne ikke bekreftes")
    assert _counts() == (0, 0)


def test_a_replayed_state_is_refused(client, oidc):
    from tests.accounts.conftest import callback_path, start
    from tests.accounts.provider import sign_in_at_provider

    back = callback_path(sign_in_at_provider(start(client), subject="judy"))
    assert client.get(back).status_code == 403  # waiting for approval: the account exists now
    User.objects.update(is_active=True)
    _refused(client.get(back), 400, "utløpt eller allerede brukt")
    assert "_auth_user_id" not in client.session


def test_a_callback_in_another_browser_is_refused(client, oidc):
    from django.test import Client

    from tests.accounts.conftest import callback_path, start
    from tests.accounts.provider import sign_in_at_provider

    back = callback_path(sign_in_at_provider(start(client), subject="ken"))
    _refused(Client().get(back), 400, "utløpt eller allerede brukt")
    assert _counts() == (0, 0)


def test_the_issuer_parameter_of_another_provider_is_refused(client, oidc):
    from tests.accounts.conftest import callback_path, start
    from tests.accounts.provider import sign_in_at_provider

    back = callback_path(sign_in_at_provider(start(client), subject="leo"))
    back = back.replace("iss=", "iss=https%3A%2F%2Fevil.example&x=")
    _refused(client.get(back), 400, "kunne ikke bekreftes")
    assert _counts() == (0, 0)


def test_a_state_from_one_provider_at_another_providers_callback_is_refused(client, oidc, idp, settings):
    from tests.accounts.conftest import callback_path, start
    from tests.accounts.provider import sign_in_at_provider

    settings.OIDC_PROVIDERS = {"test": idp.setting(), "other": idp.setting(label="Other")}
    back = callback_path(sign_in_at_provider(start(client), subject="mia"))
    _refused(client.get(back.replace("/oidc/test/", "/oidc/other/")), 400, "kunne ikke bekreftes")
    assert _counts() == (0, 0)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("", id="nothing"),
        pytest.param("code=abc", id="no-state"),
        pytest.param("state=nope&code=abc", id="unknown-state"),
        pytest.param("state=" + "x" * 5000 + "&code=abc", id="huge-state"),
        pytest.param("code=" + "x" * 5000, id="huge-code"),
    ],
)
def test_missing_unknown_or_huge_parameters_are_refused(client, oidc, query):
    response = client.get("/logg-inn/oidc/test/callback/?" + query)
    assert response.status_code == 400
    assert "Ikke logget inn" in response.content.decode()
    assert _counts() == (0, 0)


def test_a_code_that_does_not_belong_to_the_flow_is_refused(client, oidc):
    from tests.accounts.conftest import callback_path, query, start
    from tests.accounts.provider import sign_in_at_provider

    back = callback_path(sign_in_at_provider(start(client), subject="nina"))
    state = query(back)["state"]
    _refused(client.get(f"/logg-inn/oidc/test/callback/?state={state}&code=made-up"), 400, "kunne ikke bekreftes")
    assert _counts() == (0, 0)


def test_the_provider_saying_no_is_refused(client, oidc):
    from tests.accounts.conftest import query, start

    state = query(start(client))["state"]
    response = client.get(f"/logg-inn/oidc/test/callback/?state={state}&error=access_denied")
    _refused(response, 400, "logget deg ikke inn")
    assert _counts() == (0, 0)


def test_an_unknown_provider_is_404(client, oidc):
    assert client.get("/logg-inn/oidc/nobody/callback/?state=a&code=b").status_code == 404
    assert client.post("/nb/logg-inn/oidc/nobody/").status_code == 404


def test_a_refused_account_is_told_so(client, oidc, editor):
    from accounts.services import account_refuse

    sign_in(client, subject="olga")
    account_refuse(identity_id=Identity.objects.get().pk, by=editor)
    _refused(sign_in(client, subject="olga"), 403, "ble avvist")


def test_a_deactivated_account_is_told_so(client, oidc, editor, partnership_a):
    from accounts.services import account_approve

    sign_in(client, subject="per")
    identity = account_approve(
        identity_id=Identity.objects.get().pk, by=editor, role="local_editor", partnership=partnership_a
    )
    User.objects.filter(pk=identity.user_id).update(is_active=False)
    _refused(sign_in(client, subject="per"), 403, "deaktivert")


def test_a_role_mapping_suggests_the_role_and_nothing_more(client, oidc, idp, settings):
    settings.OIDC_PROVIDERS = {"test": idp.setting(role_claim="role", role_map={"fsu-leader": "local_editor"})}
    sign_in(client, subject="with-role")
    identity = Identity.objects.select_related("user").get()
    assert identity.suggested_role == "local_editor"
    assert identity.user.is_active is False
    assert not hasattr(identity.user, "profile")


def test_without_a_mapping_no_role_comes_from_the_claims(client, oidc):
    sign_in(client, subject="with-role")
    assert Identity.objects.get().suggested_role == ""


def test_a_flow_left_longer_than_ten_minutes_is_refused(client, oidc):
    import datetime

    import time_machine

    from tests.accounts.conftest import callback_path, start
    from tests.accounts.provider import sign_in_at_provider

    back = callback_path(sign_in_at_provider(start(client), subject="quinn"))
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=11)):
        _refused(client.get(back), 400, "utløpt eller allerede brukt")
    assert _counts() == (0, 0)


def test_the_admin_lists_identities(client, oidc):
    sign_in(client, subject="rita")
    admin = User.objects.create_superuser(username="admin", password="pw")
    client.force_login(admin)
    page = client.get("/admin/accounts/identity/").content.decode()
    assert "rita" in page
