"""The reader's form. It validates and hands `cleaned_data` on; `feedback.services` stores."""

import time
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from governance.models import ProposalKind
from pathways.forms import TypedTextField
from pathways.models import Partnership

from .models import SubmitterRole

DESCRIPTION_MAX_LENGTH = 2000
SUGGESTION_MAX_LENGTH = 5000
QUOTE_MAX_LENGTH = 2000
_STARTED_SALT = "feedback.form.started"


def form_started_token() -> str:
    """A signed timestamp put in the form when it is shown: the form can then tell a submission sent
    faster than a person could write one."""
    return signing.dumps(int(time.time()), salt=_STARTED_SALT)


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is it about?"),
        choices=ProposalKind.choices,
        initial=ProposalKind.ERROR,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what it is about."), "invalid_choice": _("Choose what it is about.")},
    )
    description = TypedTextField(
        label=_("What is wrong, or what should change?"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("At most 2,000 characters. Do not write names or other details about patients."),
        error_messages={
            "required": _("Write what is wrong or what should change."),
            "max_length": _("The text is too long: it may have at most 2,000 characters, and has %(show_value)d."),
        },
    )
    suggested_text = TypedTextField(
        label=_("Suggested wording (optional)"),
        max_length=SUGGESTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": _("The suggestion is too long: it may have at most 5,000 characters, and has %(show_value)d.")
        },
    )
    quote = TypedTextField(
        label=_("The text it concerns (optional)"),
        max_length=QUOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "max_length": _(
                "The quoted text is too long: it may have at most 2,000 characters, and has %(show_value)d."
            )
        },
    )
    role = forms.ChoiceField(
        label=_("Who are you? (optional)"),
        choices=[("", _("Would rather not say")), *SubmitterRole.choices],
        required=False,
    )
    partnership = forms.ModelChoiceField(
        label=_("Which health partnership does it concern? (optional)"),
        queryset=Partnership.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("The common text / do not know"),
    )
    email = forms.EmailField(
        label=_("E-mail for follow-up (optional)"),
        max_length=254,
        required=False,
        help_text=_(
            "We use it only to tell you what happened to your feedback. It is deleted when the case has "
            "been closed for the period set by the editorial team, and never shown to others."
        ),
        error_messages={
            "invalid": _("Write a valid e-mail address, such as name@example.no, or leave the field empty."),
            "max_length": _("The e-mail address is too long: it may have at most 254 characters."),
        },
    )
    # Context carried from the page's link (the query parameters of the URL contract).
    forlop = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    seksjon = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    versjon = forms.CharField(required=False, max_length=50, widget=forms.HiddenInput)
    lokal = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    lokalversjon = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    side = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
    # Spam defences: a field people never see (bots fill it), and when the form was shown.
    website = forms.CharField(required=False, max_length=500, label=_("Leave this field empty"))
    started = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args: Any, check_timing: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.check_timing = check_timing

    @property
    def is_spam_trap(self) -> bool:
        return bool(self.data.get("website"))

    def clean(self):
        cleaned = super().clean()
        if self.check_timing:
            try:
                started = signing.loads(cleaned.get("started") or "", salt=_STARTED_SALT, max_age=86400)
            except signing.BadSignature:
                raise ValidationError(
                    _("The form had expired. Your text is kept below: check it and send it again."),
                    code="expired",
                ) from None
            if time.time() - started < settings.FEEDBACK_MIN_SECONDS:
                raise ValidationError(
                    _(
                        "The form was sent very soon after it was opened. Your text is kept below: "
                        "wait a moment and send it again."
                    ),
                    code="too_fast",
                )
        return cleaned
