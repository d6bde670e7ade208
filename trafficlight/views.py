"""The traffic-light review's pages (/<lang>/redaksjon/trafikklys/…). Plain forms, no JavaScript.

Every view fetches its objects through `permissions` (404 for what the user may not see), validates
its form and calls a service. The marking page is one form with every section of the pathway's
current version; sections left without a colour are left as they are, so a municipality can save
part of the pathway and come back.
"""

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from pathways.models import Municipality, Partnership, Pathway
from pathways.permissions import AuthenticatedHttpRequest, is_responsible_editor
from pathways.views import current_language, render_page

from . import permissions as perms
from .exports import matrix_csv_bytes, matrix_xlsx_bytes
from .forms import SectionMarkForm
from .models import SectionMark
from .selectors import Cell, Status, published_pathways, review_cells, waiting_by_pathway
from .services import MarkInput, MarkRefused, mark_to_override, mark_to_proposal, marks_save

# The names of one section's fields in the marking form: "<anchor>-colour", "<anchor>-comment".
_FIELD = re.compile(r"^(?P<slug>.+)-(?:colour|comment)$")


def _matrix_url(partnership: Partnership, pathway: Pathway) -> str:
    return reverse("trafficlight:matrix", kwargs={"partnership_slug": partnership.slug, "slug": pathway.slug})


def _mark_url(municipality: Municipality, pathway: Pathway) -> str:
    return reverse(
        "trafficlight:mark",
        kwargs={
            "partnership_slug": municipality.partnership.slug,
            "slug": pathway.slug,
            "municipality_id": municipality.pk,
        },
    )


def _progress(cells: list[Cell]) -> dict[str, int]:
    counts = {status: 0 for status in (Status.GREEN, Status.YELLOW, Status.OLDER_TEXT, Status.UNMARKED)}
    for cell in cells:
        counts[cell.status] += 1
    return counts | {"answered": counts[Status.GREEN] + counts[Status.YELLOW], "total": len(cells)}


# --- Where to start ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A municipality contact's pathways; the local editor's partnership; the partnerships for the
    responsible editor. Anyone else: 404."""
    language = current_language()
    municipality = perms.own_municipality(request.user)
    if municipality is not None:
        rows = [
            {"pathway": pathway, "title": pathway.title(language), "waiting": waiting, "total": total,
             "url": _mark_url(municipality, pathway)}
            for pathway, waiting, total in waiting_by_pathway(municipality)
        ]  # fmt: skip
        return render_page(request, "trafficlight/index.html", {"municipality": municipality, "rows": rows})
    if is_responsible_editor(request.user):
        return render_page(request, "trafficlight/index.html", {"partnerships": Partnership.objects.all()})
    profile = getattr(request.user, "profile", None)
    if profile is not None and profile.partnership_id and perms.can_manage_review(request.user, profile.partnership):
        return redirect("trafficlight:partnership", partnership_slug=profile.partnership.slug)
    raise Http404


@login_required
@require_http_methods(["GET", "HEAD"])
def partnership(request: AuthenticatedHttpRequest, partnership_slug: str) -> HttpResponse:
    """Every published pathway with how far the partnership's municipalities have come."""
    partnership = perms.managed_partnership_or_404(request.user, partnership_slug)
    language = current_language()
    pathways = published_pathways()
    municipalities = list(partnership.municipalities.all())
    cells = review_cells([p.current_version for p in pathways if p.current_version], [m.pk for m in municipalities])
    rows = []
    for pathway in pathways:
        assert pathway.current_version_id is not None
        by_municipality = cells[pathway.current_version_id]
        progress = [_progress(by_municipality[m.pk]) for m in municipalities]
        rows.append(
            {
                "pathway": pathway,
                "title": pathway.title(language),
                "url": _matrix_url(partnership, pathway),
                "done": sum(1 for p in progress if p["total"] and p["answered"] == p["total"]),
                "yellow": sum(p[Status.YELLOW] for p in progress),
            }
        )
    return render_page(
        request,
        "trafficlight/partnership.html",
        {"partnership": partnership, "municipalities": municipalities, "rows": rows},
    )


# --- The matrix --------------------------------------------------------------------------------------


def _matrix_context(request: AuthenticatedHttpRequest, partnership: Partnership, pathway: Pathway) -> dict[str, Any]:
    language = current_language()
    version = pathway.current_version
    assert version is not None
    municipalities = list(partnership.municipalities.all())
    for municipality in municipalities:
        municipality.partnership = partnership
    cells = review_cells([version], [m.pk for m in municipalities])[version.pk]
    columns = [
        {"municipality": m, "progress": _progress(cells[m.pk]), "mark_url": _mark_url(m, pathway)}
        for m in municipalities
    ]
    sections = cells[municipalities[0].pk] if municipalities else []
    rows = [
        {
            "section": cell.section,
            "title": cell.section.title(language),
            "cells": [(cells[m.pk][index], m) for m in municipalities],
        }
        for index, cell in enumerate(sections)
    ]
    return {
        "partnership": partnership,
        "pathway": pathway,
        "version": version,
        "title": pathway.title(language),
        "columns": columns,
        "rows": rows,
        "csv_url": reverse(
            "trafficlight:matrix_csv", kwargs={"partnership_slug": partnership.slug, "slug": pathway.slug}
        ),
        "xlsx_url": reverse(
            "trafficlight:matrix_xlsx", kwargs={"partnership_slug": partnership.slug, "slug": pathway.slug}
        ),
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def matrix(request: AuthenticatedHttpRequest, partnership_slug: str, slug: str) -> HttpResponse:
    partnership = perms.managed_partnership_or_404(request.user, partnership_slug)
    pathway = perms.published_pathway_or_404(slug)
    return render_page(request, "trafficlight/matrix.html", _matrix_context(request, partnership, pathway))


def _export_name(partnership: Partnership, pathway: Pathway, extension: str) -> str:
    return f"trafikklys-{partnership.slug}-{pathway.slug}-{timezone.localdate().isoformat()}.{extension}"


@login_required
@require_http_methods(["GET", "HEAD"])
def matrix_csv(request: AuthenticatedHttpRequest, partnership_slug: str, slug: str) -> HttpResponse:
    partnership = perms.managed_partnership_or_404(request.user, partnership_slug)
    pathway = perms.published_pathway_or_404(slug)
    response = HttpResponse(matrix_csv_bytes(partnership, pathway), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(partnership, pathway, "csv")}"'
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
def matrix_xlsx(request: AuthenticatedHttpRequest, partnership_slug: str, slug: str) -> HttpResponse:
    partnership = perms.managed_partnership_or_404(request.user, partnership_slug)
    pathway = perms.published_pathway_or_404(slug)
    response = HttpResponse(
        matrix_xlsx_bytes(partnership, pathway),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(partnership, pathway, "xlsx")}"'
    return response


def _managed_mark_or_404(
    request: AuthenticatedHttpRequest, partnership_slug: str, slug: str, mark_id: int
) -> tuple[Partnership, Pathway, SectionMark]:
    partnership = perms.managed_partnership_or_404(request.user, partnership_slug)
    pathway = perms.published_pathway_or_404(slug)
    mark = get_object_or_404(SectionMark, pk=mark_id, pathway=pathway, municipality__partnership=partnership)
    return partnership, pathway, mark


def _refused(
    request: AuthenticatedHttpRequest, partnership: Partnership, pathway: Pathway, refused: MarkRefused
) -> HttpResponse:
    context = _matrix_context(request, partnership, pathway)
    errors = [{"href": "", "text": reason} for reason in refused.reasons]
    return render_page(
        request,
        "trafficlight/matrix.html",
        context | {"errors": errors},
        status=409,
        path=_matrix_url(partnership, pathway),
    )


@login_required
@require_POST
def mark_override(request: AuthenticatedHttpRequest, partnership_slug: str, slug: str, mark_id: int) -> HttpResponse:
    """A yellow mark becomes (or opens) the partnership's override of the section."""
    partnership, pathway, mark = _managed_mark_or_404(request, partnership_slug, slug, mark_id)
    try:
        override = mark_to_override(mark_id=mark.pk, by=request.user)
    except MarkRefused as refused:
        return _refused(request, partnership, pathway, refused)
    messages.success(
        request,
        _("The local override of the section is open for editing. It starts from the common text; the comment "
          "from %(municipality)s: “%(comment)s”") % {"municipality": mark.municipality.name, "comment": mark.comment},
    )  # fmt: skip
    return redirect(
        "staff:adapted_section_edit",
        partnership_slug=partnership.slug,
        slug=pathway.slug,
        section_slug=override.slug,
    )


@login_required
@require_POST
def mark_proposal(request: AuthenticatedHttpRequest, partnership_slug: str, slug: str, mark_id: int) -> HttpResponse:
    """A yellow mark becomes a change proposal to the common text (once; again gives the first)."""
    partnership, pathway, mark = _managed_mark_or_404(request, partnership_slug, slug, mark_id)
    try:
        proposal = mark_to_proposal(mark_id=mark.pk, by=request.user)
    except MarkRefused as refused:
        return _refused(request, partnership, pathway, refused)
    messages.success(
        request,
        _("Change proposal #%(number)s was made from the mark of %(municipality)s.")
        % {"number": proposal.pk, "municipality": mark.municipality.name},
    )
    return redirect("governance:detail", pk=proposal.pk)


# --- Marking -----------------------------------------------------------------------------------------


def _section_forms(cells: list[Cell], data=None) -> list[SectionMarkForm]:
    forms = []
    for cell in cells:
        initial = {}
        if cell.mark is not None and not cell.stale:
            initial = {"colour": cell.mark.colour, "comment": cell.mark.comment}
        forms.append(SectionMarkForm(data, prefix=cell.section.slug, initial=initial))
    return forms


def _errors(forms: list[SectionMarkForm], titles: list[str]) -> list[dict[str, Any]]:
    """The error summary: each field error linked to its field, named by the section's title."""
    items = []
    for form, title in zip(forms, titles, strict=True):
        for field in form:
            for error in field.errors:
                anchor = f"{field.auto_id}_0" if field.name == "colour" else field.auto_id
                items.append({"href": f"#{anchor}", "label": f"{title} ({field.label})", "text": error})
    return items


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mark(request: AuthenticatedHttpRequest, partnership_slug: str, slug: str, municipality_id: int) -> HttpResponse:
    municipality = perms.markable_municipality_or_404(request.user, partnership_slug, municipality_id)
    pathway = perms.published_pathway_or_404(slug)
    language = current_language()
    version = pathway.current_version
    assert version is not None
    cells = review_cells([version], [municipality.pk])[version.pk][municipality.pk]
    titles = [cell.section.title(language) for cell in cells]
    on_behalf = not perms.is_municipality_contact_of(request.user, municipality)
    here = _mark_url(municipality, pathway)

    def page(forms: list[SectionMarkForm], errors: list[dict[str, Any]], status: int = 200) -> HttpResponse:
        progress = _progress(cells)
        return render_page(
            request,
            "trafficlight/mark.html",
            {
                "municipality": municipality,
                "pathway": pathway,
                "version": version,
                "title": pathway.title(language),
                "rows": [
                    {"cell": cell, "title": title, "form": form, "html": cell.section.html(language)}
                    for cell, title, form in zip(cells, titles, forms, strict=True)
                ],
                "progress": progress,
                "on_behalf": on_behalf,
                "may_manage": perms.can_manage_review(request.user, municipality.partnership),
                "matrix_url": _matrix_url(municipality.partnership, pathway),
                "errors": errors,
            },
            status=status,
        )

    if request.method != "POST":
        return page(_section_forms(cells), [])

    forms = _section_forms(cells, request.POST)
    known = {cell.section.slug for cell in cells}
    reasons: list[str] = []
    posted_version = request.POST.get("version", "")
    if posted_version != version.number:
        reasons.append(
            _(
                "The pathway has a new version since the page was opened (now %(number)s). The sections are "
                "shown from the new version with what you wrote: check them and save again."
            )
            % {"number": version.number}
        )
    unknown = sorted({m["slug"][:80] for key in request.POST if (m := _FIELD.match(key)) and m["slug"] not in known})
    if unknown:
        reasons.append(
            _("The form names sections that are not in version %(number)s: %(slugs)s.")
            % {"number": version.number, "slugs": ", ".join(f"«{s}»" for s in unknown[:10])}
        )
    valid = all([form.is_valid() for form in forms])  # every form, so that each shows its errors
    if reasons or not valid:
        errors = [{"href": "", "text": reason} for reason in reasons] + _errors(forms, titles)
        return page(forms, errors, status=409 if posted_version != version.number else 400)
    changed = []
    for cell, form in zip(cells, forms, strict=True):
        colour, comment = form.cleaned_data["colour"], form.cleaned_data["comment"]
        if not colour:
            continue
        if cell.answered and cell.mark is not None and (cell.mark.colour, cell.mark.comment) == (colour, comment):
            continue  # unchanged: its mark, and who made it, stay as they are
        changed.append(MarkInput(cell.section.slug, colour, comment))
    try:
        saved = marks_save(
            municipality=municipality, version=version, by=request.user, marks=changed, language=language
        )
    except MarkRefused as refused:
        return page(forms, [{"href": "", "text": reason} for reason in refused.reasons], status=409)
    if saved:
        messages.success(
            request,
            ngettext("%(count)d mark was saved.", "%(count)d marks were saved.", len(saved)) % {"count": len(saved)},
        )
    else:
        messages.info(request, _("Nothing was changed: choose green or yellow for the sections you want to mark."))
    return redirect(here)
