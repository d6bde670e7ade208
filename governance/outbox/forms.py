"""Forms of the notification ledger. They validate and hand their values on; the services change things."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from governance.models import NOTICE_KIND_LABELS, NotificationStatus

RECIPIENT_SEARCH_MAX = 254


class LedgerFilterForm(forms.Form):
    """The ledger's filters, sent with GET. A value that does not validate is reported and left out;
    the other filters still apply."""

    status = forms.ChoiceField(
        label=capfirst(_("status")), required=False, choices=[("", _("All statuses")), *NotificationStatus.choices]
    )
    kind = forms.ChoiceField(label=capfirst(_("kind")), required=False)
    q = forms.CharField(
        label=_("Search for a recipient"),
        required=False,
        max_length=RECIPIENT_SEARCH_MAX,
        help_text=_("All or part of an e-mail address."),
    )

    def __init__(self, data, *, kinds: list[str]):
        super().__init__(data)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        # Each kind as the editor reads it; the code is what goes in the URL.
        field.choices = [
            ("", _("All kinds")),
            *(
                (kind, capfirst(str(NOTICE_KIND_LABELS[kind])) if kind in NOTICE_KIND_LABELS else kind)
                for kind in kinds
            ),
        ]

    def filters(self) -> dict[str, str]:
        """The filters that validated; call after `is_valid()`."""
        cleaned = self.cleaned_data
        return {
            "status": cleaned.get("status", ""),
            "kind": cleaned.get("kind", ""),
            "q": cleaned.get("q", "").strip(),
        }


class ResendForm(forms.Form):
    """The confirmation of "send again". `address_fixed` is asked only when the address bounces."""

    confirm = forms.BooleanField(widget=forms.HiddenInput, initial=True)
    address_fixed = forms.BooleanField(
        label=_("The address works again"),
        help_text=_(
            "For example: the recipient has fixed their mailbox. "
            "Ticking this removes the address from the bouncing addresses."
        ),
        required=False,
    )

    def __init__(self, *args, bouncing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not bouncing:
            del self.fields["address_fixed"]
        else:
            self.fields["address_fixed"].required = True
            self.fields["address_fixed"].error_messages["required"] = _(
                "The address bounces: confirm that it works again, or the notice will fail again."
            )


class AddressForm(forms.Form):
    """One's own e-mail address, on the notification settings page. Empty: no notices at all."""

    email = forms.EmailField(
        label=_("Your e-mail address"),
        required=False,
        max_length=254,
        help_text=_("Digests, reminders and release notices go here. Leave it empty and none can reach you."),
        error_messages={"invalid": _("Enter an e-mail address, such as name@kommune.no.")},
    )
