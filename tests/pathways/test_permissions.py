import logging

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from pathways import permissions as perms
from pathways.services import adaptation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def adaptation_a(pathway, partnership_a, local_a):
    return adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a)


def test_only_the_responsible_editor_may_edit_the_common_pathway(pathway, editor, local_a, trust_seat, adviser):
    assert perms.can_edit_pathway(editor, pathway)
    for user in (local_a, trust_seat, adviser, AnonymousUser()):
        assert not perms.can_edit_pathway(user, pathway)


def test_local_editor_is_local_editor_of_their_own_partnership_only(local_a, partnership_a, partnership_b):
    assert perms.is_local_editor_of(local_a, partnership_a)
    assert not perms.is_local_editor_of(local_a, partnership_b)


def test_a_resource_group_seat_of_the_partnership_is_not_its_local_editor(trust_seat, partnership_a):
    assert not perms.is_local_editor_of(trust_seat, partnership_a)
    assert not perms.can_create_adaptation(trust_seat, partnership_a)


def test_adaptation_belongs_to_its_local_editor_and_the_responsible_editor(adaptation_a, editor, local_a, local_b):
    assert perms.can_edit_adaptation(local_a, adaptation_a)
    assert perms.can_edit_adaptation(editor, adaptation_a)
    assert not perms.can_edit_adaptation(local_b, adaptation_a)


def test_creating_an_adaptation_is_for_the_partnership_local_editor_or_the_editor(
    partnership_a, editor, local_a, local_b, adviser
):
    assert perms.can_create_adaptation(local_a, partnership_a)
    assert perms.can_create_adaptation(editor, partnership_a)
    assert not perms.can_create_adaptation(local_b, partnership_a)
    assert not perms.can_create_adaptation(adviser, partnership_a)


def test_user_without_profile_has_no_rights(pathway, partnership_a, adaptation_a):
    user = get_user_model().objects.create_user(username="no-profile", password="pw-for-tests", is_staff=True)
    assert not perms.is_responsible_editor(user)
    assert not perms.can_edit_pathway(user, pathway)
    assert not perms.can_create_adaptation(user, partnership_a)
    assert not perms.can_edit_adaptation(user, adaptation_a)


def test_inactive_editor_has_no_rights(pathway, editor):
    editor.is_active = False
    assert not perms.can_edit_pathway(editor, pathway)


def test_another_partnership_adaptation_is_a_404_and_the_attempt_is_logged(adaptation_a, local_b, caplog):
    with caplog.at_level(logging.WARNING, logger="pathways.permissions"), pytest.raises(Http404):
        perms.adaptation_for_user_or_404(local_b, "vest", "angst")
    [record] = caplog.records
    assert f"user={local_b.pk}" in record.getMessage()
    assert "local-b" not in record.getMessage()  # ids only, no names


def test_own_adaptation_is_returned(adaptation_a, local_a):
    assert perms.adaptation_for_user_or_404(local_a, "vest", "angst") == adaptation_a


def test_missing_adaptation_is_a_404_even_for_its_local_editor(pathway, local_a):
    with pytest.raises(Http404):
        perms.adaptation_for_user_or_404(local_a, "vest", "angst")


def test_common_pathway_lookup_is_a_404_for_a_local_editor(pathway, editor, local_a):
    assert perms.pathway_for_editor_or_404(editor, "angst") == pathway
    with pytest.raises(Http404):
        perms.pathway_for_editor_or_404(local_a, "angst")
