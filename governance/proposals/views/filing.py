"""Filing a change proposal from the staff pages (/<lang>/redaksjon/forslag/nytt/).

A professional of a partnership, or the responsible editor, picks a published pathway (step 1), then
a section of its current version and the written standard (step 2), both with plain GET forms, and
writes the suggested wording from the current text. Preview shows the word-level changes and saves
nothing; Send files the proposal. No JavaScript."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from governance import permissions as perms
from governance.permissions import AuthenticatedHttpRequest
from governance.proposals import services
from governance.proposals.forms import LANGUAGE_NAMES, PathwayPickForm, ProposalFileForm, SectionPickForm
from pathways.diffing import word_diff
from pathways.forms import error_summary
from pathways.models import LANGUAGE_CODES, Pathway, Profile, Version, VersionSection
from pathways.views import current_language, language_context

TEMPLATE = "governance/proposal_file.html"


def _slug(value: str) -> str:
    # A NUL cannot be sent to PostgreSQL in a query; no slug has one, so it names nothing.
    if "\x00" in value:
        raise Http404
    return value


def _pathway_or_404(slug: str) -> Pathway | None:
    """The published pathway named, None when none is named yet, 404 when it is unknown."""
    if not slug:
        return None
    pathway = Pathway.objects.select_related("current_version").filter(slug=_slug(slug)).first()
    if pathway is None or pathway.current_version is None:
        raise Http404
    return pathway


def _section_or_404(version: Version, slug: str) -> VersionSection | None:
    """The section of the (current) version named, None when none is named yet, 404 when unknown."""
    if not slug:
        return None
    section = version.sections.filter(slug=_slug(slug)).first()
    if section is None:
        raise Http404
    return section


def _writing_language(chosen: str, profile: Profile) -> str:
    """The written standard of the suggestion: the one chosen, else the filer's own, else the page's."""
    for language in (chosen, profile.language):
        if language in LANGUAGE_CODES:
            return language
    return current_language()


def _render(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    language = current_language()
    # The language switch keeps the pathway, section and written standard chosen (never the text).
    chosen = {
        "forlop": getattr(context.get("pathway"), "slug", ""),
        "seksjon": getattr(context.get("section"), "slug", ""),
        "maal": context.get("writing_language", ""),
    }
    query = urlencode({name: value for name, value in chosen.items() if value})
    path = request.path + (f"?{query}" if query else "")
    return render(request, TEMPLATE, language_context(language, path) | context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def proposal_file(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = perms.filer_profile_or_404(request.user)
    page_language = current_language()
    params = request.POST if request.method == "POST" else request.GET
    pathway = _pathway_or_404(params.get("forlop", ""))
    if pathway is None:
        if request.method == "POST":
            raise Http404
        published = Pathway.objects.filter(current_version__isnull=False)
        pathway_form = PathwayPickForm(pathways=[(p.slug, p.title(page_language)) for p in published])
        return _render(request, {"pathway_form": pathway_form, "has_pathways": published.exists()})

    version = pathway.current_version
    # _pathway_or_404 gives only published pathways.
    assert version is not None
    section = _section_or_404(version, params.get("seksjon", ""))
    language = _writing_language(params.get("maal", ""), profile)
    sections = [(s.slug, s.title(page_language)) for s in version.sections.all()]
    context = {
        "pathway": pathway,
        "pathway_title": pathway.title(page_language),
        "version": version,
        "section_form": SectionPickForm(
            sections=sections, initial={"seksjon": section.slug if section else "", "maal": language}
        ),
    }
    if section is None:
        if request.method == "POST":
            raise Http404
        return _render(request, context)

    current = section.body(language)
    context |= {
        "section": section,
        "writing_language": language,
        "writing_language_name": LANGUAGE_NAMES[language],
        "section_title": section.title(language),
        "current_html": section.html(language),
    }
    if request.method != "POST":
        form = ProposalFileForm(current_text=current, language=language, initial={"suggested_text": current})
        return _render(request, context | {"form": form})

    form = ProposalFileForm(request.POST, current_text=current, language=language)
    if not form.is_valid():
        return _render(request, context | {"form": form, "errors": error_summary(form)}, status=400)
    cleaned = form.cleaned_data
    if "preview" in request.POST:
        return _render(request, context | {"form": form, "chunks": word_diff(current, cleaned["suggested_text"])})
    proposal = services.proposal_file(
        by=request.user,
        pathway=pathway,
        section_slug=section.slug,
        kind=cleaned["kind"],
        language=language,
        description=cleaned["description"],
        suggested_text=cleaned["suggested_text"],
    )
    messages.success(request, _("Your proposal was filed. The editors will look at it."))
    return redirect(reverse("governance:detail", kwargs={"pk": proposal.pk}))
