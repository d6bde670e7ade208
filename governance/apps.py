from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")

    def ready(self) -> None:
        # The staff home page is pathways'; it asks what waits for a person here (votes left, the
        # filing form) without knowing governance.
        # The app's wiring, so it may name its rooms: the round's tasks first, then filing.
        from pathways.signals import staff_home_tasks, version_published

        from .outbox.webhooks import on_version_published
        from .proposals.staff_home import filing_home_tasks
        from .rounds.staff_home import round_home_tasks

        staff_home_tasks.connect(round_home_tasks, dispatch_uid="governance.round_home_tasks")
        staff_home_tasks.connect(filing_home_tasks, dispatch_uid="governance.filing_home_tasks")
        # Each published version, common or local, is written to the webhook outbox in its transaction.
        version_published.connect(on_version_published, dispatch_uid="governance.webhooks")
