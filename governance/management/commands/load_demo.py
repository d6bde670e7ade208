from django.core.management.base import BaseCommand

from governance.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo partnerships, pathways, adaptation, users and the planned round with its seats (idempotent)."

    def handle(self, *args, **options):
        counts = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready: {partnerships} partnerships, {pathways} pathways, {users} users.".format(**counts)
            )
        )
