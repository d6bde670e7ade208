from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from feedback.services import feedback_retention


class Command(BaseCommand):
    help = (
        "For proposals closed more than FEEDBACK_RETENTION_MONTHS months ago: delete the submitters' e-mail "
        "addresses and remove what looks like personal data from flagged proposals and their history. "
        "Only counts unless --apply is given."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--apply", action="store_true", help="make the changes (without it, only count)")
        parser.add_argument(
            "--months",
            type=int,
            default=None,
            help=f"months after closing (default: FEEDBACK_RETENTION_MONTHS, now {settings.FEEDBACK_RETENTION_MONTHS})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        months = options["months"] if options["months"] is not None else settings.FEEDBACK_RETENTION_MONTHS
        if months < 1:
            raise CommandError("--months must be at least 1")
        counts = feedback_retention(months=months, apply=options["apply"])
        # Counts only: the command never prints an address or a submitter's text.
        if options["apply"]:
            message = (
                "Closed more than {months} months ago: deleted the e-mail address of {submissions} submissions "
                "and of {notifications} sent notifications, redacted {proposals} proposals."
            )
            self.stdout.write(self.style.SUCCESS(message.format(months=months, **counts)))
        else:
            message = (
                "Dry run (add --apply to make the changes). Closed more than {months} months ago: "
                "{submissions} submissions and {notifications} sent notifications with an e-mail address to "
                "delete, {proposals} proposals to redact."
            )
            self.stdout.write(message.format(months=months, **counts))
