""" "Was this page useful?": storing a reader's yes or no, and counting the answers for the editors.

The form at the foot of every pathway page carries a signed token naming the page and a nonce for
the page view (`pathways.reading`); one answer is stored per nonce. Nothing about the reader is
stored, and no cookie is set."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from pathways import permissions as perms
from pathways.models import LocalVersion, Partnership, Pathway, Version
from pathways.pages import version_by_number
from pathways.reading import UsefulPage
from pathways.signals import StaffTask

from .models import UsefulAnswer


class UsefulRefused(Exception):
    """The token names a page that does not exist (any more)."""


def _resolve(page: UsefulPage, section_slug: str) -> tuple[Pathway, Partnership | None]:
    pathway = Pathway.objects.filter(slug=page.pathway, current_version__isnull=False).first()
    if pathway is None:
        raise UsefulRefused(page.pathway)
    try:
        version = version_by_number(pathway, page.version)
    except Version.DoesNotExist:
        raise UsefulRefused(page.version) from None
    partnership = None
    if page.partnership:
        partnership = Partnership.objects.filter(slug=page.partnership).first()
        local = LocalVersion.objects.filter(
            adaptation__partnership=partnership, adaptation__pathway=pathway, number=page.local_version
        ).first()
        if partnership is None or local is None:
            raise UsefulRefused(page.partnership)
        local_slugs = local.sections.filter(slug=section_slug)
        if section_slug and not local_slugs.exists() and not version.sections.filter(slug=section_slug).exists():
            raise UsefulRefused(section_slug)
    elif section_slug and not version.sections.filter(slug=section_slug).exists():
        raise UsefulRefused(section_slug)
    return pathway, partnership


def useful_answer_record(*, page: UsefulPage, useful: bool, section_slug: str = "") -> bool:
    """Store the answer of one page view. False when that page view has already answered (the
    same token sent again: a double click, the back button, a replay): nothing more is stored.
    Raises UsefulRefused when the page does not exist."""
    pathway, partnership = _resolve(page, section_slug)
    try:
        # Its own savepoint: a unique-constraint failure must not spoil an outer transaction.
        with transaction.atomic():
            UsefulAnswer.objects.create(
                pathway=pathway,
                version_number=page.version,
                language=page.language,
                section_slug=section_slug,
                partnership=partnership,
                local_version_number=page.local_version,
                useful=useful,
                nonce=page.nonce,
            )
    except IntegrityError:
        return False
    return True


# --- The editors' side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UsefulCount:
    pathway_slug: str
    pathway_title: str
    partnership_slug: str  # "" for the common page
    partnership_name: str
    section_slug: str  # "" for the whole page
    yes: int
    no: int

    @property
    def total(self) -> int:
        return self.yes + self.no

    @property
    def share(self) -> float:
        """The share of yes, 0–1."""
        return self.yes / self.total if self.total else 0.0

    @property
    def share_percent(self) -> int:
        return round(self.share * 100)


SORT_KEYS = {
    "forlop": lambda c: (c.pathway_title.lower(), c.partnership_name.lower(), c.section_slug),
    "ja": lambda c: c.yes,
    "nei": lambda c: c.no,
    "antall": lambda c: c.total,
    "andel": lambda c: c.share,
}
DEFAULT_SORT = "-antall"


def may_see_useful_counts(user: User | AnonymousUser) -> bool:
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return perms.is_responsible_editor(user) or (
        profile is not None and perms.is_local_editor_of(user, profile.partnership)
    )


def useful_counts(*, partnership: Partnership | None, everything: bool, language: str, sort: str) -> list[UsefulCount]:
    """The yes and no counts per pathway page (and section, where one was named), sorted by `sort`
    (a key of SORT_KEYS, "-" first for descending). `everything` (the responsible editor): all
    pages, or only `partnership`'s local pages when one is given; otherwise only `partnership`'s."""
    answers = UsefulAnswer.objects.all()
    if not everything or partnership is not None:
        answers = answers.filter(partnership=partnership)
    rows = (
        answers.values(
            "pathway__slug",
            f"pathway__title_{language}",
            "partnership__slug",
            "partnership__name",
            "section_slug",
        )
        .annotate(yes=Count("pk", filter=Q(useful=True)), no=Count("pk", filter=Q(useful=False)))
        .order_by()
    )
    counts = [
        UsefulCount(
            row["pathway__slug"],
            row[f"pathway__title_{language}"],
            row["partnership__slug"] or "",
            row["partnership__name"] or "",
            row["section_slug"],
            row["yes"],
            row["no"],
        )
        for row in rows
    ]
    key = sort.removeprefix("-")
    counts.sort(key=SORT_KEYS["forlop"])
    counts.sort(key=SORT_KEYS.get(key, SORT_KEYS["antall"]), reverse=sort.startswith("-"))
    return counts


def useful_home_tasks(
    sender: object, *, user: User | AnonymousUser, language: str, **kwargs: object
) -> list[StaffTask]:
    """The staff home page's way to the counts (an answer to `pathways.signals.staff_home_tasks`)."""
    if not may_see_useful_counts(user):
        return []
    return [
        StaffTask(
            _("See how readers answered “Was this page useful?”."),
            _("Answers on usefulness"),
            reverse("feedback:useful_counts"),
        )
    ]
