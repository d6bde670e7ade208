from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwaysConfig(AppConfig):
    name = "pathways"
    verbose_name = _("Pathways")

    def ready(self) -> None:
        from . import search, signals

        # The search index is written in the publishing transaction (see signals.version_published).
        signals.version_published.connect(search.on_version_published, dispatch_uid="pathways.search.index")
