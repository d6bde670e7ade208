"""After the responsible editor publishes a version of a pathway (pathways' publish page sends
them here): which of the minor corrections (and accepted proposals) waiting on the pathway does it
fix? Those ticked are closed as published in that version and their readers told
(`services.proposals_fixed_by`). With none waiting, straight on to the pathway.
/<lang>/redaksjon/forslag/rettet/<slug>/<number>/"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from governance.models import ChangeProposal, ProposalState
from governance.permissions import AuthenticatedHttpRequest
from governance.proposals import services
from pathways.forms import error_summary
from pathways.models import Pathway, Version
from pathways.pages import version_by_number
from pathways.permissions import is_responsible_editor
from pathways.views import current_language, render_page

WAITING = [ProposalState.QUICK_FIX, ProposalState.ACCEPTED]


class FixesForm(forms.Form):
    fixes = forms.TypedMultipleChoiceField(
        label=gettext_lazy("What this version fixes"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Tick the proposals this version makes: they are closed and their readers told."),
        error_messages={"invalid_choice": gettext_lazy("Tick only proposals waiting on this pathway.")},
    )

    def __init__(self, *args, proposals: list[ChangeProposal], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["fixes"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(p.pk, f"#{p.pk} ({p.get_state_display()}): {p.description[:120]}") for p in proposals]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def version_fixes(request: AuthenticatedHttpRequest, slug: str, number: str) -> HttpResponse:
    if not is_responsible_editor(request.user):
        raise Http404
    pathway = get_object_or_404(Pathway, slug=slug)
    try:
        version = version_by_number(pathway, number)
    except Version.DoesNotExist:
        raise Http404 from None
    pathway_url = f"/{current_language()}/forlop/{slug}/"
    proposals = list(ChangeProposal.objects.filter(pathway=pathway, state__in=WAITING).order_by("created_at", "pk"))
    if not proposals:
        return redirect(pathway_url)
    form = FixesForm(request.POST or None, proposals=proposals)
    if request.method == "POST" and form.is_valid():
        closed = services.proposals_fixed_by(version=version, proposal_ids=form.cleaned_data["fixes"], by=request.user)
        if closed:
            messages.success(
                request,
                ngettext(
                    "%(count)d proposal is closed as published in version %(number)s; its readers are told.",
                    "%(count)d proposals are closed as published in version %(number)s; their readers are told.",
                    len(closed),
                )
                % {"count": len(closed), "number": version.number},
            )
        return redirect(pathway_url)
    return render_page(
        request,
        "governance/version_fixes.html",
        {
            "version": version,
            "title": version.title(current_language()),
            "form": form,
            "pathway_url": pathway_url,
            "errors": error_summary(form) if form.is_bound else [],
        },
        status=400 if form.is_bound else 200,
    )
