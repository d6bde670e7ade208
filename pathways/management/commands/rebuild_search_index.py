"""Write the search index anew from every published version (pathways.search.rebuild_index)."""

from django.core.management.base import BaseCommand

from pathways.search import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the search index from every published version."

    def handle(self, *args, **options) -> None:
        rows = rebuild_index()
        self.stdout.write(f"Search index rebuilt: {rows} entries.")
