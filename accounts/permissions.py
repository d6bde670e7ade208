"""Who may approve accounts: the responsible editor and the administrators (superusers)."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from pathways.permissions import is_responsible_editor


def may_approve_accounts(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(getattr(user, "is_superuser", False)) or bool(is_responsible_editor(user))
