"""Deactivating a user ends every session they have, however they were deactivated: the approval
page, the admin (Django's own code, which we do not call), or a shell. That the admin saves users
without calling our services is why this is a receiver and not a service call."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from .services import user_sessions_end


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts.end_sessions_of_inactive_user")
def _end_sessions_of_inactive_user(sender: type, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created and not instance.is_active:
        user_sessions_end(user=instance)
