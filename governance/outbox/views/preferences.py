"""Each person's notice preferences, and the one-click "no more digests" link.

- `/<lang>/redaksjon/varsler/innstillinger/`: a logged-in member of staff switches the daily digest
  on or off; the deadline reminders are listed as always on (they cannot be switched off).
- `/<lang>/redaksjon/varsler/avmeld/<token>/`: the link in every digest (and its `List-Unsubscribe`
  header). It works without logging in: the signed token names the person. GET shows a confirmation
  button; POST switches the digest off, whether it comes from that button or straight from a mail
  program (RFC 8058 one-click: `List-Unsubscribe=One-Click`, no cookies, so no CSRF token). A token
  that was not made here is a 404 with a page that says what to do instead.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from governance.outbox import reminders
from governance.outbox.forms import AddressForm
from governance.permissions import AuthenticatedHttpRequest
from pathways.forms import error_summary
from pathways.models import Profile
from pathways.views import current_language, language_context, render_page

TEMPLATE = "governance/preferences.html"
ON, OFF = "on", "off"


class DigestPreferenceForm(forms.Form):
    digests = forms.ChoiceField(
        label=gettext_lazy("Daily digest of proposals waiting for triage"),
        choices=[
            (ON, gettext_lazy("Yes, send me the daily digest")),
            (OFF, gettext_lazy("No, do not send me the daily digest")),
        ],
        widget=forms.RadioSelect,
        # Never the value sent back in the message: it may be anything, of any length.
        error_messages={
            "required": gettext_lazy("Choose whether you want the daily digest."),
            "invalid_choice": gettext_lazy("Choose yes or no."),
        },
        help_text=gettext_lazy(
            "Sent to local editors on days when proposals of their partnership have waited for triage."
        ),
    )


def _required_notices() -> list[str]:
    return [
        _("Reminders to forward or decline the partnership's proposals before the deadline (local editors)."),
        _("Reminders to vote before the resource group's deadline (seat holders, and deputies in their place)."),
        _("Proposals left untriaged for a long time, and quick fixes waiting (the responsible editor)."),
        _("Proposals without a decision before the release deadline (the responsible editor)."),
    ]


def _profile_or_404(user) -> Profile:
    """Anyone with a staff profile has preferences; others get a 404, like every staff page."""
    profile = Profile.objects.filter(user=user).first() if user.is_authenticated else None
    if profile is None:
        raise Http404
    return profile


def _page(request: AuthenticatedHttpRequest, profile: Profile, *, form=None, address_form=None, status: int = 200):
    form = form or DigestPreferenceForm(initial={"digests": ON if profile.digests_enabled else OFF})
    address_form = address_form or AddressForm(initial={"email": request.user.email}, prefix="adresse")
    bound = [f for f in (form, address_form) if f.is_bound and not f.is_valid()]
    context = {
        "form": form,
        "address_form": address_form,
        "has_address": bool(request.user.email),
        "errors": error_summary(bound[0]) if bound else [],
        "required_notices": _required_notices(),
    }
    return render_page(request, TEMPLATE, context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The digest switch, and one's own address (a form of its own: `adresse-email`)."""
    profile = _profile_or_404(request.user)
    if request.method != "POST":
        return _page(request, profile)
    if "adresse-email" in request.POST:
        address_form = AddressForm(request.POST, prefix="adresse")
        if not address_form.is_valid():
            return _page(request, profile, address_form=address_form, status=400)
        reminders.user_address_set(user=request.user, email=address_form.cleaned_data["email"])
        if request.user.email:
            messages.success(request, _("Your e-mail address is saved."))
        else:
            messages.warning(request, _("Your e-mail address is removed: no notices can reach you."))
        return redirect("governance:notification_preferences")
    form = DigestPreferenceForm(request.POST)
    if not form.is_valid():
        return _page(request, profile, form=form, status=400)
    enabled = form.cleaned_data["digests"] == ON
    reminders.profile_digests_set(user=request.user, enabled=enabled)
    if enabled:
        messages.success(request, _("The daily digest is switched on."))
    else:
        messages.success(request, _("The daily digest is switched off. Deadline reminders still come."))
    return redirect("governance:notification_preferences")


@csrf_exempt  # RFC 8058: the mail program POSTs without cookies; the signed token is the credential
@require_http_methods(["GET", "HEAD", "POST"])
def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user_id = reminders.unsubscribe_user_id(token)
    profile = (
        Profile.objects.select_related("user").filter(user_id=user_id, user__is_active=True).first()
        if user_id is not None
        else None
    )
    if profile is None:
        # Not the site's 404 page: this one says what to do instead. The token is never shown.
        language = current_language()
        context = language_context(language, f"/{language}/") | {"required_notices": _required_notices()}
        return render(request, "governance/preferences_unsubscribe_invalid.html", context, status=404)
    if request.method == "POST":
        reminders.profile_digests_set(user=profile.user, enabled=False)
        return redirect(request.path)
    return render_page(
        request,
        "governance/preferences_unsubscribe.html",
        {"digests_enabled": profile.digests_enabled, "required_notices": _required_notices()},
    )
