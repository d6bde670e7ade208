from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import providers, signals  # noqa: F401 - connects the deactivation receiver

        # A provider that is configured wrongly (no key, an http issuer, a role that does not exist)
        # stops start-up here instead of failing at someone's first sign-in.
        providers.configured()
