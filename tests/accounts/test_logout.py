"""POST /<lang>/logg-ut/: logs out here, and sends a user who signed in through a provider on to
the provider's end-session endpoint; the provider sends them back to /logg-ut/oidc/ferdig/."""

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core import signing

from accounts.views import LOGOUT_STATE_SALT
from tests.accounts.conftest import query, sign_in

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_logout_ends_the_session_at_the_provider_too(client, oidc):
    sign_in(client, subject="ola")
    User.objects.update(is_active=True)
    sign_in(client, subject="ola")
    id_token = client.session["oidc"]["id_token"]
    response = client.post("/nn/logg-ut/")
    assert response.status_code == 302
    url = response["Location"]
    assert url.startswith(oidc.issuer + "/session/end?")
    params = query(url)
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == "http://testserver/logg-ut/oidc/ferdig/"
    assert "_auth_user_id" not in client.session
    # The provider accepts the request (it asks the person to confirm) ...
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200 and "invalid_request" not in answer.text and "<form" in answer.text
    # ... and its redirect back lands on the pathways in the written standard the user had.
    back = client.get(f"/logg-ut/oidc/ferdig/?state={params['state']}")
    assert back["Location"] == "/nn/forlop/"


def test_a_local_account_logs_out_here_only(client, editor):
    client.force_login(editor)
    response = client.post("/nb/logg-ut/")
    assert response["Location"] == "/nb/forlop/"


def test_a_forged_logout_state_goes_to_bokmal(client):
    assert client.get("/logg-ut/oidc/ferdig/?state=forged")["Location"] == "/nb/forlop/"
    state = signing.dumps("xx", salt=LOGOUT_STATE_SALT)
    assert client.get(f"/logg-ut/oidc/ferdig/?state={state}")["Location"] == "/nb/forlop/"


def test_logout_by_get_is_refused(client, editor):
    client.force_login(editor)
    assert client.get("/nb/logg-ut/").status_code == 405
    assert "_auth_user_id" in client.session
