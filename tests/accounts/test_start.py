"""The provider's button on the log-in page: POST /<lang>/logg-inn/oidc/<provider>/ sends the
browser to the provider with PKCE (S256), state and nonce, and remembers them in the session."""

import pytest

from tests.accounts.conftest import query, start

pytestmark = pytest.mark.django_db


def test_without_providers_the_log_in_page_is_as_before(client, settings):
    settings.OIDC_PROVIDERS = {}
    page = client.get("/nb/logg-inn/").content.decode()
    assert "Logg inn med" not in page
    assert 'name="password"' in page


def test_each_provider_has_a_button_on_the_log_in_page(client, oidc, idp, settings):
    settings.OIDC_PROVIDERS = {"test": idp.setting(), "other": idp.setting(label="Entra ID")}
    page = client.get("/nb/logg-inn/").content.decode()
    assert "Logg inn med Test-ID" in page and "Logg inn med Entra ID" in page
    assert 'action="/nb/logg-inn/oidc/other/"' in page
    assert 'name="password"' in page  # local accounts stay


def test_the_authorization_request_carries_pkce_state_and_nonce(client, oidc):
    url = start(client)
    params = query(url)
    assert url.startswith(oidc.issuer + "/auth?")
    assert params["response_type"] == "code"
    assert params["client_id"] == "forlop-test"
    assert params["redirect_uri"] == "http://testserver/logg-inn/oidc/test/callback/"
    assert params["code_challenge_method"] == "S256"
    assert params["scope"] == "openid profile email"
    flow = client.session["oidc_flows"][params["state"]]
    assert flow["nonce"] == params["nonce"]
    assert flow["code_verifier"] not in url  # only its hash travels


def test_a_get_is_not_a_sign_in(client, oidc):
    assert client.get("/nb/logg-inn/oidc/test/").status_code == 405


def test_only_a_few_flows_are_kept_per_session(client, oidc):
    states = [query(start(client))["state"] for _ in range(8)]
    assert set(client.session["oidc_flows"]) == set(states[-5:])


def test_a_provider_that_is_down_gives_a_norwegian_503(client, settings, idp):
    settings.OIDC_PROVIDERS = {"test": idp.setting(issuer="http://127.0.0.1:9")}
    response = client.post("/nb/logg-inn/oidc/test/")
    assert response.status_code == 503
    assert "Fikk ikke kontakt" in response.content.decode()
