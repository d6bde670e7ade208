"""The admin of webhook subscriptions, for the responsible editor (and superusers). A subscription is
made through `webhook_subscribe`, as through the API, so the same URLs and secrets are refused; an empty secret
is made and shown once, in the message after saving. The secret is never shown again."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance import permissions as perms
from governance.models import WebhookSubscription
from governance.outbox.webhooks import secret_refusals, url_refusals, webhook_subscribe


class WebhookSubscriptionForm(forms.ModelForm):
    secret = forms.CharField(
        label=gettext_lazy("secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Leave empty to have one made: it is shown once, after saving."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["url", "secret", "active", "partnership", "description"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if refusals := url_refusals(url):
            raise ValidationError(refusals)
        return url

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"]
        if refusals := secret_refusals(secret):
            raise ValidationError(refusals)
        return secret


class WebhookSubscriptionChangeForm(forms.ModelForm):
    class Meta:
        model = WebhookSubscription
        fields = ["active", "partnership", "description"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["url", "active", "partnership", "description", "created_at"]
    list_filter = ["active", "partnership"]
    readonly_fields = ["url", "created_at", "created_by"]

    def _allowed(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser or perms.can_manage_webhooks(request.user))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = WebhookSubscriptionChangeForm if obj is not None else WebhookSubscriptionForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["url", "secret", "active", "partnership", "description"]
        return ["url", "active", "partnership", "description", "created_at", "created_by"]

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        given = form.cleaned_data.get("secret", "")
        # The form has checked what the service checks; only a URL registered a moment ago by
        # someone else can still be refused here.
        made = webhook_subscribe(
            url=form.cleaned_data["url"],
            secret=given,
            partnership=form.cleaned_data.get("partnership"),
            description=form.cleaned_data.get("description", ""),
            active=form.cleaned_data.get("active", True),
            by=request.user,
        )
        obj.pk = made.pk
        obj.__dict__.update(made.__dict__)
        if not given:
            messages.warning(
                request,
                _("The webhook's secret is %(secret)s. Copy it now: it is not shown again.") % {"secret": made.secret},
            )
