"""/<lang>/redaksjon/kontoer/: the responsible editor (or an administrator) approves a waiting
account with a role and a partnership, or refuses it; anyone else gets a 404."""

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Identity, IdentityStatus
from pathways.models import Profile, Role

pytestmark = pytest.mark.django_db

User = get_user_model()
PAGE = "/nb/redaksjon/kontoer/"


@pytest.fixture
def waiting(db):
    user = User.objects.create_user(username="test-abc", first_name="Kari", last_name="Nordmann", is_active=False)
    return Identity.objects.create(user=user, provider="test", issuer="https://idp.example", subject="kari")


def test_the_editor_sees_the_accounts_waiting(client, editor, waiting):
    client.force_login(editor)
    page = client.get(PAGE).content.decode()
    assert "Kari Nordmann" in page
    assert f'action="/nb/redaksjon/kontoer/{waiting.pk}/"' in page


def test_approving_gives_role_and_partnership_and_activates(client, editor, waiting, partnership_a):
    client.force_login(editor)
    response = client.post(
        f"{PAGE}{waiting.pk}/", {"decision": "approve", "role": "local_editor", "partnership": partnership_a.pk}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == IdentityStatus.APPROVED and waiting.decided_by == editor
    assert User.objects.get(pk=waiting.user_id).is_active
    profile = Profile.objects.get(user_id=waiting.user_id)
    assert (profile.role, profile.partnership) == (Role.LOCAL_EDITOR, partnership_a)
    assert "Kari Nordmann" not in client.get(PAGE).content.decode()


def test_a_local_editor_needs_a_partnership(client, editor, waiting):
    client.force_login(editor)
    response = client.post(f"{PAGE}{waiting.pk}/", {"decision": "approve", "role": "local_editor", "partnership": ""})
    assert response.status_code == 400
    assert "må ha et helsefellesskap" in response.content.decode()
    assert not User.objects.get(pk=waiting.user_id).is_active
    assert not Profile.objects.filter(user_id=waiting.user_id).exists()


def test_an_unknown_role_is_refused(client, editor, waiting):
    client.force_login(editor)
    response = client.post(f"{PAGE}{waiting.pk}/", {"decision": "approve", "role": "superuser"})
    assert response.status_code == 400
    assert not User.objects.get(pk=waiting.user_id).is_active


def test_refusing_keeps_the_account_inactive(client, editor, waiting):
    client.force_login(editor)
    assert client.post(f"{PAGE}{waiting.pk}/", {"decision": "refuse"}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == IdentityStatus.REFUSED
    assert not User.objects.get(pk=waiting.user_id).is_active


def test_a_decided_account_cannot_be_decided_again(client, editor, waiting):
    client.force_login(editor)
    client.post(f"{PAGE}{waiting.pk}/", {"decision": "refuse"})
    response = client.post(f"{PAGE}{waiting.pk}/", {"decision": "approve", "role": "responsible_editor"})
    assert response.status_code == 400
    assert "allerede godkjent eller avvist" in response.content.decode()
    assert not User.objects.get(pk=waiting.user_id).is_active


def test_an_unknown_decision_is_a_400(client, editor, waiting):
    client.force_login(editor)
    assert client.post(f"{PAGE}{waiting.pk}/", {"decision": "maybe"}).status_code == 400


def test_an_administrator_may_approve(client, waiting):
    admin = User.objects.create_superuser(username="admin", password="pw")
    client.force_login(admin)
    assert client.get(PAGE).status_code == 200


@pytest.mark.parametrize("who", ["local_a", "trust_seat", "adviser"])
def test_anyone_else_gets_a_404(client, request, waiting, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(PAGE).status_code == 404
    assert client.post(f"{PAGE}{waiting.pk}/", {"decision": "approve", "role": "responsible_editor"}).status_code == 404
    assert not User.objects.get(pk=waiting.user_id).is_active


def test_the_anonymous_reader_is_sent_to_log_in(client, waiting):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/nb/logg-inn/" in response["Location"]


def test_an_unknown_account_is_a_404(client, editor):
    client.force_login(editor)
    assert client.post(f"{PAGE}999999/", {"decision": "refuse"}).status_code == 404


def test_the_staff_menu_links_the_page_for_the_editor_only(client, editor, local_a):
    client.force_login(editor)
    assert 'href="/nb/redaksjon/kontoer/"' in client.get("/nb/redaksjon/").content.decode()
    client.force_login(local_a)
    assert 'href="/nb/redaksjon/kontoer/"' not in client.get("/nb/redaksjon/").content.decode()
