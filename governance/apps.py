from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")

    def ready(self) -> None:
        # The staff home page is pathways'; it asks what waits for a person here (votes left, the
        # filing form) without knowing governance.
        from pathways.signals import staff_home_tasks

        from .staff_home import staff_home_tasks_for

        staff_home_tasks.connect(staff_home_tasks_for, dispatch_uid="governance.staff_home_tasks")
