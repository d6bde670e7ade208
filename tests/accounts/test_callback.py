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
