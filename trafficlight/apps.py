from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrafficLightConfig(AppConfig):
    name = "trafficlight"
    verbose_name = _("Traffic-light review")

    def ready(self) -> None:
        # The staff home page is pathways' and the proposal page governance's; they ask what waits
        # for a person here (sections to mark) and what a proposal came from without knowing this app.
        from governance.signals import proposal_sources
        from pathways.signals import staff_home_tasks

        from .staff_home import traffic_light_home_tasks, traffic_light_proposal_sources

        staff_home_tasks.connect(traffic_light_home_tasks, dispatch_uid="trafficlight.home_tasks")
        proposal_sources.connect(traffic_light_proposal_sources, dispatch_uid="trafficlight.proposal_sources")
