"""The staff editor: the responsible editor edits and publishes the common pathways; local editors
adapt them for their partnership. Plain forms, no JavaScript. Every view fetches its objects through
`permissions` (404 for what the user may not touch), validates a form and calls a service."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import permissions as perms
from .forms import (
    AdaptationTitleForm,
    ImportForm,
    LocalPublishForm,
    LocalSectionForm,
    PublishForm,
    SectionForm,
    ServiceSectionForm,
    error_summary,
)
from .models import LANGUAGE_CODES, LocalAdaptation, Partnership, Pathway, SectionKind, VersionKind
from .pages import current_version_of
from .permissions import AuthenticatedHttpRequest
from .rendering import render_markdown
from .reuse import download_counts
from .services import (
    ImportRefused,
    PublishRefused,
    adaptation_accept_common,
    adaptation_changed_sections,
    adaptation_common_changes,
    adaptation_create,
    adaptation_has_unpublished_changes,
    adaptation_import,
    adaptation_keep_local,
    adaptation_publish,
    adaptation_section_save,
    adaptation_update_titles,
    local_parity_problems,
    local_version_next_number,
    parity_problems,
    pathway_changed_sections,
    pathway_has_unpublished_changes,
    pathway_next_version_number,
    pathway_publish,
    section_update,
)
from .signals import staff_home_tasks
from .views import current_language, render_page

TEXT_FIELDS = ("title_nb", "title_nn", "body_nb", "body_nn")
LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk"}  # names of the written standards, the same in both


def _previews(cleaned: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "language": lang,
            "name": LANGUAGE_NAMES[lang],
            "title": cleaned.get(f"title_{lang}", ""),
            "html": render_markdown(cleaned.get(f"body_{lang}", "")),
        }
        for lang in LANGUAGE_CODES
    ]


def _section_form_response(
    request: HttpRequest, form: Form, context: dict[str, Any], *, save: Callable[[dict[str, Any]], str]
) -> HttpResponse:
    """The shared POST handling of the section editors: Preview re-renders with the rendered texts
    and saves nothing; Save calls `save(cleaned_data)`, which returns where to go next."""
    template = "staff/section_edit.html"
    if not form.is_valid():
        return render_page(request, template, context | {"form": form, "errors": error_summary(form)}, status=400)
    if "preview" in request.POST:
        return render_page(request, template, context | {"form": form, "previews": _previews(form.cleaned_data)})
    return redirect(save(form.cleaned_data))


# --- Home ---------------------------------------------------------------------------------------


def _on_old_common_version(adaptation: LocalAdaptation) -> bool:
    """The last local version builds on a common version that is no longer the current one."""
    local_version = adaptation.current_local_version
    return local_version is not None and local_version.common_version_id != adaptation.pathway.current_version_id


@login_required
@require_http_methods(["GET", "HEAD"])
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user, language = request.user, current_language()
    context: dict[str, Any] = {"is_responsible_editor": perms.is_responsible_editor(user)}
    if context["is_responsible_editor"]:
        context["pathways"] = [
            {"pathway": p, "title": p.title(language), "unpublished": pathway_has_unpublished_changes(p)}
            for p in Pathway.objects.select_related("current_version")
        ]
        context["adaptations"] = list(
            LocalAdaptation.objects.select_related(
                "partnership", "pathway__current_version", "current_local_version__common_version"
            ).order_by("partnership__name", "pathway__position")
        )
        # A new common version is out and the partnership's readers still see a local version built
        # on an older one: its local editor should look at the changes and publish again.
        context["outdated_adaptations"] = [a for a in context["adaptations"] if _on_old_common_version(a)]
    profile = getattr(user, "profile", None)
    partnership = profile.partnership if profile is not None else None
    if partnership is not None and perms.is_local_editor_of(user, partnership):
        adaptations = list(
            LocalAdaptation.objects.filter(partnership=partnership).select_related(
                "pathway__current_version", "current_local_version__common_version"
            )
        )
        adapted = {a.pathway_id for a in adaptations}
        context["partnership"] = partnership
        context["local_adaptations"] = [
            {
                "adaptation": a,
                "title": a.title(language) or a.pathway.title(language),
                "changes": len(adaptation_common_changes(a)),
                "unpublished": a.current_local_version_id is None,
                "outdated": _on_old_common_version(a),
            }
            for a in adaptations
        ]
        context["adaptable"] = [
            (p, p.title(language))
            for p in Pathway.objects.filter(current_version__isnull=False).exclude(pk__in=adapted)
        ]
    # What waits for this person in the apps built on this one (votes left, the filing form).
    context["tasks"] = [
        task
        for _receiver, tasks in staff_home_tasks.send(sender=None, user=user, language=language)
        for task in tasks or []
    ]
    return render_page(request, "staff/home.html", context)


# --- The common pathways (responsible editor) ---------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def pathway(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    pathway = perms.pathway_for_editor_or_404(request.user, slug)
    language = current_language()
    return render_page(
        request,
        "staff/pathway.html",
        {
            "pathway": pathway,
            "title": pathway.title(language),
            "sections": [(s, s.title(language)) for s in pathway.sections.filter(retired=False)],
            "unpublished": pathway_has_unpublished_changes(pathway),
            "downloads": download_counts(pathway),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def section_edit(request: AuthenticatedHttpRequest, slug: str, section_slug: str) -> HttpResponse:
    pathway = perms.pathway_for_editor_or_404(request.user, slug)
    section = get_object_or_404(pathway.sections, slug=section_slug, retired=False)
    context = {
        "heading": section.title(current_language()),
        "pathway_title": pathway.title(current_language()),
        "cancel_url": reverse("staff:pathway", kwargs={"slug": pathway.slug}),
    }
    # A service section also has its level in the intervention pyramid (the service map's grouping).
    fields = (*TEXT_FIELDS, "level") if section.kind == SectionKind.SERVICE else TEXT_FIELDS
    form_class = ServiceSectionForm if section.kind == SectionKind.SERVICE else SectionForm
    if request.method != "POST":
        form = form_class(initial={name: getattr(section, name) for name in fields})
        return render_page(request, "staff/section_edit.html", context | {"form": form})

    def save(cleaned: dict[str, Any]) -> str:
        section_update(
            section=section,
            by=request.user,
            **{name: cleaned[name] for name in fields if cleaned[name] or name != "level"},
        )
        messages.success(
            request,
            _("The section “%(title)s” was saved. It will be published with the next version.")
            % {"title": section.title(current_language())},
        )
        return context["cancel_url"]

    return _section_form_response(request, form_class(request.POST), context, save=save)


def _parity_choices(pathway: Pathway) -> list[tuple[str, str]]:
    labels = {
        "nb": _("“%(title)s” changed in bokmål only: mark the change as language-neutral"),
        "nn": _("“%(title)s” changed in nynorsk only: mark the change as language-neutral"),
    }
    return [
        (p.section.slug, labels[p.changed_language] % {"title": p.section.title(current_language())})
        for p in parity_problems(pathway)
    ]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def publish(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    pathway = perms.pathway_for_editor_or_404(request.user, slug)
    language = current_language()
    this_year = timezone.localdate().year
    choices = _parity_choices(pathway)
    reasons: list[str] = []
    if request.method != "POST":
        default_kind = VersionKind.CORRECTION if pathway.current_version_id else VersionKind.REVISION
        form = PublishForm(parity_choices=choices, initial={"kind": default_kind, "year": this_year})
        status = 200
    else:
        form = PublishForm(request.POST, parity_choices=choices)
        if form.is_valid():
            cleaned = form.cleaned_data
            try:
                version = pathway_publish(
                    pathway=pathway,
                    by=request.user,
                    kind=cleaned["kind"],
                    year=cleaned["year"] if cleaned["kind"] == VersionKind.REVISION else None,
                    summary_nb=cleaned["summary_nb"],
                    summary_nn=cleaned["summary_nn"],
                    neutral_slugs=cleaned.get("neutral", []),
                )
            except PublishRefused as refused:
                reasons = refused.reasons
            else:
                messages.success(
                    request,
                    _("Version %(number)s of “%(title)s” was published.")
                    % {"number": version.number, "title": version.title(language)},
                )
                # Governance asks which waiting proposals the version fixes (and goes on to the
                # pathway when none waits): by the URL's name, since this app knows nothing of it.
                return redirect(
                    reverse("governance:version_fixes", kwargs={"slug": pathway.slug, "number": version.number})
                )
        status = 400
    year = form.cleaned_data.get("year") if form.is_bound else None
    return render_page(
        request,
        "staff/publish.html",
        {
            "pathway": pathway,
            "title": pathway.title(language),
            "form": form,
            "errors": error_summary(form, reasons),
            "correction_number": pathway_next_version_number(pathway, kind=VersionKind.CORRECTION),
            "revision_number": pathway_next_version_number(pathway, kind=VersionKind.REVISION, year=year or this_year),
            "changed": [s.title(language) for s in pathway_changed_sections(pathway)],
        },
        status=status,
    )


# --- Local adaptations (local editor of the partnership, or the responsible editor) --------------


def _adaptation_url(adaptation: LocalAdaptation) -> str:
    return reverse(
        "staff:adaptation", kwargs={"partnership_slug": adaptation.partnership.slug, "slug": adaptation.pathway.slug}
    )


def _titles(adaptation: LocalAdaptation) -> dict[str, str]:
    return {"title_nb": adaptation.title_nb, "title_nn": adaptation.title_nn}


LOCAL_VERSIONS_LISTED = 20  # the newest; the public local history lists them all


def _adaptation_page(
    request: HttpRequest,
    partnership: Partnership,
    pathway: Pathway,
    adaptation: LocalAdaptation | None,
    *,
    title_form: AdaptationTitleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    language = current_language()
    context: dict[str, Any] = {
        "partnership": partnership,
        "pathway": pathway,
        "adaptation": adaptation,
        "title": pathway.title(language),
        "public_url": reverse(
            "pathways:adaptation", kwargs={"partnership_slug": partnership.slug, "slug": pathway.slug}
        ),
    }
    if adaptation is not None:
        common = list(current_version_of(pathway).sections.all())
        common_titles = {s.slug: s.title(language) for s in common}
        adapted = list(adaptation.sections.all())
        overridden = {a.slug for a in adapted if not a.is_local}
        context |= {
            "title_form": title_form or AdaptationTitleForm(initial=_titles(adaptation)),
            "errors": error_summary(title_form),
            "overrides": [
                (a, a.title(language) or common_titles.get(a.slug, a.slug)) for a in adapted if not a.is_local
            ],
            "local_sections": [
                (a, a.title(language), common_titles.get(a.after_slug, "")) for a in adapted if a.is_local
            ],
            "common_sections": [(s, common_titles[s.slug]) for s in common if s.slug not in overridden],
            "unpublished": adaptation_has_unpublished_changes(adaptation),
            "local_versions": list(
                adaptation.versions.select_related("common_version", "published_by").order_by("-published_at", "-pk")[
                    :LOCAL_VERSIONS_LISTED
                ]
            ),
            "current_local_version": adaptation.current_local_version,
            "on_old_common_version": _on_old_common_version(adaptation),
            "changes": [
                {
                    "adapted": change.adapted,
                    "title": common_titles.get(change.adapted.slug, change.adapted.slug),
                    "diffs": [(lang, LANGUAGE_NAMES[lang], change.diff(lang)) for lang in LANGUAGE_CODES],
                }
                for change in adaptation_common_changes(adaptation)
            ],
        }
    return render_page(request, "staff/adaptation.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def adaptation(request: AuthenticatedHttpRequest, partnership_slug: str, slug: str) -> HttpResponse:
    partnership, pathway, adaptation = perms.adaptation_target_or_404(request.user, partnership_slug, slug)
    if request.method != "POST":
        return _adaptation_page(request, partnership, pathway, adaptation)
    action = request.POST.get("action", "")
    here = reverse("staff:adaptation", kwargs={"partnership_slug": partnership.slug, "slug": pathway.slug})
    if adaptation is None:
        if action != "create":
            return HttpResponseBadRequest()
        try:
            adaptation_create(partnership=partnership, pathway=pathway, by=request.user)
        except IntegrityError:
            pass  # A double submit: the first request created it, which is what was asked for.
        else:
            messages.success(request, _("The local adaptation was created."))
        return redirect(here)
    if action == "titles":
        form = AdaptationTitleForm(request.POST)
        if not form.is_valid():
            return _adaptation_page(request, partnership, pathway, adaptation, title_form=form, status=400)
        adaptation_update_titles(adaptation=adaptation, by=request.user, **form.cleaned_data)
        messages.success(request, _("The local titles were saved."))
        return redirect(here)
    if action in ("accept", "keep"):
        adapted = get_object_or_404(adaptation.sections, slug=request.POST.get("section", ""), is_local=False)
        if action == "accept":
            adaptation_accept_common(adapted=adapted, by=request.user)
            messages.success(request, _("The section now shows the common text."))
        else:
            adaptation_keep_local(adapted=adapted, by=request.user)
            messages.success(request, _("Your text was kept."))
        return redirect(here)
    return HttpResponseBadRequest()


def _local_parity_choices(adaptation: LocalAdaptation) -> list[tuple[str, str]]:
    language = current_language()
    labels = {
        "nb": _("“%(title)s” changed in bokmål only: mark the change as language-neutral"),
        "nn": _("“%(title)s” changed in nynorsk only: mark the change as language-neutral"),
    }
    return [
        (p.section.slug, labels[p.changed_language] % {"title": p.section.title(language)})
        for p in local_parity_problems(adaptation)
    ]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def adaptation_publish_view(request: AuthenticatedHttpRequest, partnership_slug: str, slug: str) -> HttpResponse:
    """Publish the local draft as a new local version: the partnership's local editor, or the
    responsible editor. The page lists what changes for readers and asks for a confirmation."""
    adaptation = perms.adaptation_for_user_or_404(request.user, partnership_slug, slug)
    language = current_language()
    choices = _local_parity_choices(adaptation)
    reasons: list[str] = []
    if request.method != "POST":
        form = LocalPublishForm(parity_choices=choices)
        status = 200
    else:
        form = LocalPublishForm(request.POST, parity_choices=choices)
        if form.is_valid():
            cleaned = form.cleaned_data
            try:
                local_version = adaptation_publish(
                    adaptation=adaptation,
                    by=request.user,
                    summary_nb=cleaned["summary_nb"],
                    summary_nn=cleaned["summary_nn"],
                    neutral_slugs=cleaned.get("neutral", []),
                )
            except PublishRefused as refused:
                reasons = refused.reasons
            else:
                messages.success(
                    request,
                    _("Local version %(number)s was published. Readers see it now.") % {"number": local_version.number},
                )
                return redirect(_adaptation_url(adaptation))
        status = 400
    status_labels = {"added": _("new"), "changed": _("changed"), "removed": _("removed")}
    return render_page(
        request,
        "staff/adaptation_publish.html",
        {
            "partnership": adaptation.partnership,
            "pathway": adaptation.pathway,
            "adaptation": adaptation,
            "title": adaptation.title(language) or adaptation.pathway.title(language),
            "form": form,
            "errors": error_summary(form, reasons),
            "next_number": local_version_next_number(adaptation),
            "common_version": adaptation.pathway.current_version,
            "changed": [
                (change.section.title(language), status_labels[change.status])
                for change in adaptation_changed_sections(adaptation)
            ],
            "common_changes": len(adaptation_common_changes(adaptation)),
        },
        status=status,
    )


def _taken_slugs(adaptation: LocalAdaptation) -> set[str]:
    """Anchors a new local section may not take: every common section's, retired ones too (a slug
    once published is never given to another section), and the adaptation's own."""
    pathway = adaptation.pathway
    return (
        set(pathway.sections.values_list("slug", flat=True))
        | set(current_version_of(pathway).sections.values_list("slug", flat=True))
        | set(adaptation.sections.values_list("slug", flat=True))
    )


def _after_choices(adaptation: LocalAdaptation) -> list[tuple[str, str]]:
    language = current_language()
    return [(s.slug, s.title(language)) for s in current_version_of(adaptation.pathway).sections.all()]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def adapted_section_edit(
    request: AuthenticatedHttpRequest, partnership_slug: str, slug: str, section_slug: str
) -> HttpResponse:
    adaptation = perms.adaptation_for_user_or_404(request.user, partnership_slug, slug)
    language = current_language()
    adapted = adaptation.sections.filter(slug=section_slug).first()
    common = current_version_of(adaptation.pathway).sections.filter(slug=section_slug).first()
    source = adapted or common
    if source is None:
        raise Http404
    is_local = adapted is not None and adapted.is_local
    cancel_url = _adaptation_url(adaptation)
    context = {
        "heading": source.title(language) or (common.title(language) if common else section_slug),
        "pathway_title": adaptation.title(language) or adaptation.pathway.title(language),
        "partnership": adaptation.partnership,
        "is_local": is_local,
        "is_override": not is_local,
        "cancel_url": cancel_url,
    }

    def make_form(data: QueryDict | None = None) -> SectionForm:
        # An override starts from the common text (or the saved override); a local section from itself.
        initial = {name: getattr(source, name) for name in TEXT_FIELDS}
        if is_local:
            assert adapted is not None  # only a saved section is local
            initial["after_slug"] = adapted.after_slug
            initial["level"] = adapted.level
            return LocalSectionForm(data, initial=initial, after_choices=_after_choices(adaptation), new=False)
        return SectionForm(data, initial=initial, titles_required=False)

    if request.method != "POST":
        return render_page(request, "staff/section_edit.html", context | {"form": make_form()})

    def save(cleaned: dict[str, Any]) -> str:
        adaptation_section_save(
            adaptation=adaptation,
            slug=section_slug,
            by=request.user,
            is_local=is_local,
            after_slug=cleaned.get("after_slug", ""),
            level=cleaned.get("level", ""),
            **{name: cleaned[name] for name in TEXT_FIELDS},
        )
        messages.success(request, _("The section was saved. Readers see it when you publish a local version."))
        return cancel_url

    return _section_form_response(request, make_form(request.POST), context, save=save)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def local_section_new(request: AuthenticatedHttpRequest, partnership_slug: str, slug: str) -> HttpResponse:
    adaptation = perms.adaptation_for_user_or_404(request.user, partnership_slug, slug)
    language = current_language()
    cancel_url = _adaptation_url(adaptation)
    context = {
        "heading": _("New local section"),
        "pathway_title": adaptation.title(language) or adaptation.pathway.title(language),
        "partnership": adaptation.partnership,
        "is_local": True,
        "cancel_url": cancel_url,
    }
    after_choices, taken_slugs = _after_choices(adaptation), _taken_slugs(adaptation)
    if request.method != "POST":
        form = LocalSectionForm(after_choices=after_choices, taken_slugs=taken_slugs)
        return render_page(request, "staff/section_edit.html", context | {"form": form})

    def save(cleaned: dict[str, Any]) -> str:
        adaptation_section_save(
            adaptation=adaptation,
            slug=cleaned["slug"],
            by=request.user,
            is_local=True,
            after_slug=cleaned["after_slug"],
            level=cleaned["level"],
            **{name: cleaned[name] for name in TEXT_FIELDS},
        )
        messages.success(request, _("The local section was added. Readers see it when you publish a local version."))
        return cancel_url

    form = LocalSectionForm(request.POST, after_choices=after_choices, taken_slugs=taken_slugs)
    return _section_form_response(request, form, context, save=save)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def adaptation_upload(request: AuthenticatedHttpRequest, partnership_slug: str) -> HttpResponse:
    partnership = perms.partnership_for_user_or_404(request.user, partnership_slug)
    reasons: list[str] = []
    if request.method != "POST":
        form = ImportForm()
    else:
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                adaptation = adaptation_import(partnership=partnership, data=form.cleaned_data["file"], by=request.user)
            except ImportRefused as refused:
                reasons = refused.reasons
            else:
                messages.success(request, _("The file was imported into the local adaptation."))
                return redirect(_adaptation_url(adaptation))
    return render_page(
        request,
        "staff/adaptation_import.html",
        {"partnership": partnership, "form": form, "errors": error_summary(form, reasons)},
        status=400 if request.method == "POST" else 200,
    )
