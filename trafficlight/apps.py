from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrafficLightConfig(AppConfig):
    name = "trafficlight"
    verbose_name = _("Traffic-light review")

    def ready(self) -> None:
        # The staff home page is pathways'; it asks what waits for a person here (sections to mark)
        # without knowing this app.
        from pathways.signals import staff_home_tasks

        from .staff_home import traffic_light_home_tasks

        staff_home_tasks.connect(traffic_light_home_tasks, dispatch_uid="trafficlight.home_tasks")
