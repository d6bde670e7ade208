"""Content: partnerships, pathways and their sections, published versions, local adaptations.

The draft of a pathway is its `Section` rows. Publishing copies them into an immutable `Version`
with `VersionSection` rows that also hold the rendered HTML, so serving a page never renders
Markdown. A `LocalAdaptation` is a partnership's variant: it overrides some sections, adds local
ones and may rename the title; its HTML is rendered when it is saved. Those rows are the local
draft: the partnership's local editor publishes them as an immutable `LocalVersion`.
"""

from typing import Any, NoReturn

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES = ("nb", "nn")


class ImmutableError(Exception):
    """Raised when code tries to change or delete something that has been published."""


class HealthTrust(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("health trust")
        verbose_name_plural = _("health trusts")

    def __str__(self) -> str:
        return self.name


class Partnership(models.Model):
    """A health partnership (helsefellesskap): one hospital trust and the municipalities around it."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    health_trust = models.OneToOneField(
        HealthTrust,
        on_delete=models.PROTECT,
        related_name="partnership",
        verbose_name=_("health trust"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("health partnership")
        verbose_name_plural = _("health partnerships")

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=200)
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("health partnership"),
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["partnership", "name"], name="municipality_unique_name")]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    RESPONSIBLE_EDITOR = "responsible_editor", _("responsible editor")
    LOCAL_EDITOR = "local_editor", _("local editor")
    RESOURCE_MEMBER = "resource_member", _("resource group member")
    ADVISER = "adviser", _("adviser")
    PROFESSIONAL = "professional", _("professional")
    # A municipality's contact person in the traffic-light review (trafficlight/): marks each section
    # of a pathway green (usable as it is) or yellow (needs adaptation) for their municipality.
    MUNICIPALITY_CONTACT = "municipality_contact", _("municipality contact")


class Profile(models.Model):
    """What the service knows of a staff user: role, partnership and preferred written standard."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.PROFESSIONAL)
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("health partnership"),
    )
    language = models.CharField(_("written standard"), max_length=2, choices=settings.LANGUAGES, default="nb")
    # The daily digest of untriaged proposals can be switched off (preferences page, or the one-click
    # link in the digest); deadline reminders cannot.
    digests_enabled = models.BooleanField(_("daily digest"), default=True)
    # The municipality a municipality contact answers for (one or more contacts per municipality).
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("municipality"),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="local_editor") | Q(partnership__isnull=False),
                name="profile_local_editor_has_partnership",
            ),
            models.CheckConstraint(
                condition=~Q(role="municipality_contact") | Q(municipality__isnull=False),
                name="profile_municipality_contact_has_municipality",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    def clean(self) -> None:
        """A municipality contact needs their municipality, and belongs to its partnership."""
        if self.role == Role.MUNICIPALITY_CONTACT and self.municipality_id is None:
            raise ValidationError({"municipality": _("A municipality contact needs a municipality.")})
        if self.municipality_id is not None:
            municipality = Municipality.objects.get(pk=self.municipality_id)
            if self.partnership_id is None:
                self.partnership_id = municipality.partnership_id
            elif self.partnership_id != municipality.partnership_id:
                raise ValidationError({"partnership": _("The municipality belongs to another health partnership.")})


@reversion.register()
class Pathway(models.Model):
    """A collaboration pathway (samhandlingsforløp). Its fields and sections are the editable draft."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    title_nb = models.CharField(_("title (bokmål)"), max_length=200)
    title_nn = models.CharField(_("title (nynorsk)"), max_length=200)
    current_version = models.ForeignKey(
        "Version",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current published version"),
    )

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("pathway")
        verbose_name_plural = _("pathways")

    def __str__(self) -> str:
        return self.title_nb

    def clean(self) -> None:
        if self.slug in RESERVED_PATHWAY_SLUGS:
            raise ValidationError({"slug": _("This address is taken by the site itself; choose another.")})

    def title(self, language: str) -> str:
        return getattr(self, f"title_{language}")


# Addresses under /<lang>/forlop/ that are not pathways: the Atom feed of every version.
RESERVED_PATHWAY_SLUGS = frozenset({"feed"})


class SectionKind(models.TextChoices):
    LEAD = "lead", _("lead")
    BACKGROUND = "background", _("background")
    SERVICE = "service", _("service")
    REFERRAL_CHECKLIST = "referral_checklist", _("referral checklist")
    COLLABORATION = "collaboration", _("collaboration")
    LOCAL = "local", _("local information")


class Service(models.TextChoices):
    GP = "gp", _("GP")
    HEALTH_STATION = "health_station", _("Health station and school health service")
    EDUCATIONAL_PSYCHOLOGY = "educational_psychology", _("Educational-psychological service (PPT)")
    CHILD_WELFARE = "child_welfare", _("Child welfare")
    MUNICIPAL_MENTAL_HEALTH = (
        "municipal_mental_health",
        _("Municipal psychologist and mental health service"),
    )
    CAMHS = "camhs", _("Child and adolescent mental health clinic (BUP)")


class ServicePart(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment")
    INTERVENTIONS = "interventions", _("Interventions")
    EVALUATION = "evaluation", _("Evaluation of interventions")
    COLLABORATION = "collaboration", _("Collaboration with other services")
    REFERRAL = "referral", _("Referral to specialist health services")


class InterventionLevel(models.TextChoices):
    """The level of the intervention pyramid (tiltakspyramiden) a service works at, from help for
    every child at the base to specialist care at the top. The service map (Sammenkart) groups and
    colours the services by it."""

    UNIVERSAL = "universal", _("Universal services")
    EARLY_HELP = "early_help", _("Early help")
    SPECIALISED = "specialised", _("Specialised services")


# The level a service section gets when none is chosen: the health station, the school health
# service and the GP are there for every child; PPT, child welfare and the municipal psychologist
# give early help when there is a concern; BUP is specialist care.
SERVICE_LEVELS: dict[str, str] = {
    Service.GP: InterventionLevel.UNIVERSAL,
    Service.HEALTH_STATION: InterventionLevel.UNIVERSAL,
    Service.EDUCATIONAL_PSYCHOLOGY: InterventionLevel.EARLY_HELP,
    Service.CHILD_WELFARE: InterventionLevel.EARLY_HELP,
    Service.MUNICIPAL_MENTAL_HEALTH: InterventionLevel.EARLY_HELP,
    Service.CAMHS: InterventionLevel.SPECIALISED,
}


class SectionFields(models.Model):
    """The fields a section has both as a draft and in a published version."""

    slug = models.SlugField(_("anchor"), max_length=80)
    kind = models.CharField(_("kind"), max_length=30, choices=SectionKind.choices)
    service = models.CharField(_("service"), max_length=30, choices=Service.choices, blank=True)
    part = models.CharField(_("part"), max_length=30, choices=ServicePart.choices, blank=True)
    # Blank for sections that are not of a service; a service section left blank gets its service's
    # level from SERVICE_LEVELS when it is saved.
    level = models.CharField(
        _("level in the intervention pyramid"), max_length=20, choices=InterventionLevel.choices, blank=True, default=""
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title_nb = models.CharField(_("title (bokmål)"), max_length=200)
    title_nn = models.CharField(_("title (nynorsk)"), max_length=200)
    body_nb = models.TextField(_("text (bokmål, Markdown)"), blank=True)
    body_nn = models.TextField(_("text (nynorsk, Markdown)"), blank=True)

    class Meta:
        abstract = True
        ordering = ["position"]

    def __str__(self) -> str:
        return self.title_nb

    def title(self, language: str) -> str:
        return getattr(self, f"title_{language}")

    def body(self, language: str) -> str:
        return getattr(self, f"body_{language}")


@reversion.register()
class Section(SectionFields):
    """A section of the draft. Its slug is the anchor on the public page: sections are retired, never
    deleted, so a slug that has been published is never given to another section."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="sections")
    retired = models.BooleanField(_("retired"), default=False)

    class Meta(SectionFields.Meta):
        constraints = [models.UniqueConstraint(fields=["pathway", "slug"], name="section_unique_slug")]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.level and self.kind == SectionKind.SERVICE and self.service in SERVICE_LEVELS:
            self.level = SERVICE_LEVELS[self.service]
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "level"}
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if VersionSection.objects.filter(version__pathway_id=self.pathway_id, slug=self.slug).exists():
            raise ImmutableError("A published section is retired, never deleted: its anchor must not be reused.")
        return super().delete(*args, **kwargs)


class VersionKind(models.TextChoices):
    REVISION = "revision", _("yearly revision")
    CORRECTION = "correction", _("correction")


class Version(models.Model):
    """A published state of a pathway: `2027` for the yearly revision, `2027.1`, `2027.2` for
    corrections in between. Never changed once saved."""

    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="versions")
    year = models.PositiveIntegerField(_("year"))
    correction = models.PositiveIntegerField(_("correction number"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=VersionKind.choices)
    title_nb = models.CharField(_("title (bokmål)"), max_length=200)
    title_nn = models.CharField(_("title (nynorsk)"), max_length=200)
    summary_nb = models.TextField(_("change summary (bokmål)"))
    summary_nn = models.TextField(_("change summary (nynorsk)"))
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("publisher"),
    )

    class Meta:
        ordering = ["pathway", "-year", "-correction"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "year", "correction"], name="version_unique_number"),
        ]
        verbose_name = _("version")
        verbose_name_plural = _("versions")

    def __str__(self) -> str:
        return f"{self.pathway.slug} {self.number}"

    @property
    def number(self) -> str:
        return str(self.year) if self.correction == 0 else f"{self.year}.{self.correction}"

    def title(self, language: str) -> str:
        return getattr(self, f"title_{language}")

    def summary(self, language: str) -> str:
        return getattr(self, f"summary_{language}")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableError("A published version cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableError("A published version cannot be deleted.")


class VersionSection(SectionFields):
    """A section as published in a version, with its rendered, sanitised HTML."""

    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="sections")
    html_nb = models.TextField()
    html_nn = models.TextField()

    class Meta(SectionFields.Meta):
        constraints = [models.UniqueConstraint(fields=["version", "slug"], name="versionsection_unique_slug")]
        verbose_name = _("published section")
        verbose_name_plural = _("published sections")

    def html(self, language: str) -> str:
        return getattr(self, f"html_{language}")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableError("A published section cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableError("A published section cannot be deleted.")


@reversion.register()
class LocalAdaptation(models.Model):
    """A partnership's variant of a common pathway."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="adaptations")
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="adaptations")
    title_nb = models.CharField(_("local title (bokmål)"), max_length=200, blank=True)
    title_nn = models.CharField(_("local title (nynorsk)"), max_length=200, blank=True)
    based_on = models.ForeignKey(
        Version,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("based on common version"),
    )
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)
    # What readers see: the last published local version. Saving edits only the draft (the
    # adaptation's titles and its `AdaptedSection` rows); null until the first local publish.
    current_local_version = models.ForeignKey(
        "LocalVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current local version"),
    )

    class Meta:
        ordering = ["partnership", "pathway"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "pathway"], name="adaptation_unique_per_partnership")
        ]
        verbose_name = _("local adaptation")
        verbose_name_plural = _("local adaptations")

    def __str__(self) -> str:
        return f"{self.partnership}: {self.pathway}"

    def title(self, language: str) -> str:
        return getattr(self, f"title_{language}")


@reversion.register()
class AdaptedSection(models.Model):
    """Either an override of a common section (`is_local` false, `slug` is the common section's) or a
    local section of its own, placed after the common section named by `after_slug`."""

    adaptation = models.ForeignKey(LocalAdaptation, on_delete=models.CASCADE, related_name="sections")
    slug = models.SlugField(_("anchor"), max_length=80)
    is_local = models.BooleanField(_("local section"), default=False)
    after_slug = models.SlugField(_("placed after"), max_length=80, blank=True)
    # Only for a local section: the level at which it shows on the partnership's service map, blank
    # when it is not a service of its own. An override keeps the common section's level.
    level = models.CharField(
        _("level in the intervention pyramid"), max_length=20, choices=InterventionLevel.choices, blank=True, default=""
    )
    title_nb = models.CharField(_("title (bokmål)"), max_length=200, blank=True)
    title_nn = models.CharField(_("title (nynorsk)"), max_length=200, blank=True)
    body_nb = models.TextField(_("text (bokmål, Markdown)"), blank=True)
    body_nn = models.TextField(_("text (nynorsk, Markdown)"), blank=True)
    html_nb = models.TextField(editable=False, default="")
    html_nn = models.TextField(editable=False, default="")
    # The common version whose text of this section the local editor last saw: when the current
    # common text differs from that version's, the editor is told and may accept or keep.
    based_on = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["adaptation", "slug"], name="adaptedsection_unique_slug")]
        verbose_name = _("adapted section")
        verbose_name_plural = _("adapted sections")

    def __str__(self) -> str:
        return self.slug

    def title(self, language: str) -> str:
        return getattr(self, f"title_{language}")

    def body(self, language: str) -> str:
        return getattr(self, f"body_{language}")

    def html(self, language: str) -> str:
        return getattr(self, f"html_{language}")


class LocalVersion(models.Model):
    """A published state of a partnership's adaptation: `bergen-2026.3` is Bergen's third local
    version published in 2026. It holds a full snapshot of the adaptation's sections (overrides and
    local sections, with their rendered HTML) and the common version it builds on, so the public
    local page is the two put together. Never changed once saved."""

    adaptation = models.ForeignKey(
        LocalAdaptation, on_delete=models.PROTECT, related_name="versions", verbose_name=_("local adaptation")
    )
    number = models.CharField(_("local version number"), max_length=100)
    year = models.PositiveIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("running number"))
    common_version = models.ForeignKey(
        Version, on_delete=models.PROTECT, related_name="+", verbose_name=_("builds on common version")
    )
    # The local titles as published; blank shows the common version's title.
    title_nb = models.CharField(_("local title (bokmål)"), max_length=200, blank=True)
    title_nn = models.CharField(_("local title (nynorsk)"), max_length=200, blank=True)
    summary_nb = models.TextField(_("change summary (bokmål)"))
    summary_nn = models.TextField(_("change summary (nynorsk)"))
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("publisher"),
    )

    class Meta:
        ordering = ["adaptation", "-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["adaptation", "year", "sequence"], name="localversion_unique_sequence"),
            models.UniqueConstraint(fields=["adaptation", "number"], name="localversion_unique_number"),
        ]
        verbose_name = _("local version")
        verbose_name_plural = _("local versions")

    def __str__(self) -> str:
        return self.number

    def title(self, language: str) -> str:
        """The page's title: the local one, or the common version's."""
        return getattr(self, f"title_{language}") or self.common_version.title(language)

    def summary(self, language: str) -> str:
        return getattr(self, f"summary_{language}")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableError("A published local version cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableError("A published local version cannot be deleted.")


class LocalVersionSection(models.Model):
    """An adapted section (override or local section) as published in a local version."""

    local_version = models.ForeignKey(LocalVersion, on_delete=models.PROTECT, related_name="sections")
    slug = models.SlugField(_("anchor"), max_length=80)
    is_local = models.BooleanField(_("local section"), default=False)
    after_slug = models.SlugField(_("placed after"), max_length=80, blank=True)
    # A local section's level on the service map, as AdaptedSection.level was when published.
    level = models.CharField(
        _("level in the intervention pyramid"), max_length=20, choices=InterventionLevel.choices, blank=True, default=""
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title_nb = models.CharField(_("title (bokmål)"), max_length=200, blank=True)
    title_nn = models.CharField(_("title (nynorsk)"), max_length=200, blank=True)
    body_nb = models.TextField(_("text (bokmål, Markdown)"), blank=True)
    body_nn = models.TextField(_("text (nynorsk, Markdown)"), blank=True)
    html_nb = models.TextField()
    html_nn = models.TextField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["local_version", "slug"], name="localversionsection_unique_slug")
        ]
        verbose_name = _("published local section")
        verbose_name_plural = _("published local sections")

    def __str__(self) -> str:
        return self.slug

    def title(self, language: str) -> str:
        return getattr(self, f"title_{language}")

    def body(self, language: str) -> str:
        return getattr(self, f"body_{language}")

    def html(self, language: str) -> str:
        return getattr(self, f"html_{language}")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableError("A published local section cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableError("A published local section cannot be deleted.")


class SearchEntry(models.Model):
    """One published section in one written standard, as the search reads it (`pathways.search`):
    written once, when its version is published, never changed. The ranked index over it is the
    database's own and not part of this model: on PostgreSQL a generated `tsvector` column
    `document` (the `norwegian` configuration, the title weighted above the text) with a GIN index, on
    SQLite the FTS5 table `pathways_searchentry_fts`, kept in step by triggers (migration
    0005_search_index)."""

    section = models.ForeignKey(VersionSection, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=2, choices=settings.LANGUAGES)
    pathway_title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "language"], name="searchentry_unique_section_language")
        ]
        indexes = [models.Index(fields=["version", "language"], name="searchentry_version_language")]

    def __str__(self) -> str:
        return f"{self.slug} ({self.language})"


class DownloadFormat(models.TextChoices):
    JSON = "json", _("JSON")
    MARKDOWN = "md", _("Markdown")
    API = "api", _("the JSON API")


class Download(models.Model):
    """That a version was taken, and how: the download page's file or the API's whole version. No
    personal data (no address, no user, no IP): it counts which versions copies were made of, so
    the responsible editor knows how many copies of an old version may be out there."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="downloads")
    format = models.CharField(_("format"), max_length=10, choices=DownloadFormat.choices)
    created_at = models.DateTimeField(_("downloaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("download")
        verbose_name_plural = _("downloads")
        indexes = [models.Index(fields=["version", "format"], name="download_version_format")]

    def __str__(self) -> str:
        return f"{self.version_id} {self.format}"
