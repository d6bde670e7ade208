"""`manage.py outbox_relay`: run the outbox relay (governance.outbox.relay) until SIGTERM or Ctrl-C."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from governance.outbox.delivery import relayed
from governance.outbox.relay import relay


class Command(BaseCommand):
    help = "Hand new outbox rows to the broker as PostgreSQL announces them (OUTBOX_RELAY=true)."

    def handle(self, *args, **options):
        if not relayed():
            raise CommandError("The outbox relay needs OUTBOX_RELAY=true and PostgreSQL (DATABASE_URL).")
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write("outbox relay: started")
        relay(stop)
        self.stdout.write("outbox relay: stopped")
