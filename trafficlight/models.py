"""The traffic-light review (seed 004, "Skape lokalt eierskap"): every municipality of a health
partnership says of each section of a pathway whether the text can be used as it is (green) or
must be adapted (yellow, with a comment saying what).

A `SectionMark` belongs to the section's text in one published version: one row per municipality,
version and section (a unique constraint, written with INSERT … ON CONFLICT DO UPDATE, so twenty
saves at once leave one row). When a later version changes the section's text, the newest mark is
shown as "from an older text" and the section is asked again; a mark made on a version whose text
of the section the current version keeps still counts.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pathways.models import AdaptedSection, Municipality, Pathway, Version

COMMENT_MAX_LENGTH = 2000


class Colour(models.TextChoices):
    GREEN = "green", _("Green: can be used as it is")
    YELLOW = "yellow", _("Yellow: must be adapted")


class SectionMark(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="section_marks", verbose_name=_("municipality")
    )
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="+", verbose_name=_("pathway"))
    # The version whose text of the section was marked.
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="+", verbose_name=_("version"))
    section_slug = models.SlugField(_("section"), max_length=80)
    colour = models.CharField(_("mark"), max_length=10, choices=Colour.choices)
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX_LENGTH, blank=True)
    # The written standard the comment is written in (the page's), for a proposal made from it.
    language = models.CharField(_("written standard"), max_length=2, choices=settings.LANGUAGES, default="nb")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("marked by")
    )
    marked_at = models.DateTimeField(_("marked"))
    # What the partnership's local editor made of a yellow mark: a change proposal to the common
    # text, or an override of the section in the partnership's local adaptation.
    proposal = models.ForeignKey(
        "governance.ChangeProposal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="section_marks",
        verbose_name=_("change proposal"),
    )
    override = models.ForeignKey(
        AdaptedSection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="section_marks",
        verbose_name=_("local override"),
    )

    class Meta:
        ordering = ["municipality", "section_slug", "-version__year", "-version__correction"]
        verbose_name = _("section mark")
        verbose_name_plural = _("section marks")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "version", "section_slug"], name="sectionmark_one_per_version_section"
            ),
            models.CheckConstraint(condition=Q(colour__in=["green", "yellow"]), name="sectionmark_colour_known"),
            models.CheckConstraint(
                condition=~Q(colour="yellow") | ~Q(comment=""), name="sectionmark_yellow_has_comment"
            ),
        ]
        indexes = [models.Index(fields=["pathway", "municipality"], name="sectionmark_pathway_munic")]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.section_slug} ({self.colour})"
