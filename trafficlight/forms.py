"""The marking page's form: one small form per section (its prefix is the section's anchor), all in
one <form>. They validate and hand `cleaned_data` on; `services.marks_save` saves."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.forms import TypedTextField, normalise_newlines

from .models import COMMENT_MAX_LENGTH, Colour


class SectionMarkForm(forms.Form):
    colour = forms.ChoiceField(
        label=_("Can the text be used?"),
        choices=Colour.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose green or yellow.")},
    )
    comment = TypedTextField(
        label=_("Comment"),
        required=False,
        strip=True,
        max_length=COMMENT_MAX_LENGTH,
        help_text=_("Required for yellow: what must be adapted, and why. At most 2,000 characters."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _("The comment is too long: it may have at most 2,000 characters, and has %(show_value)d.")
        },
    )

    def clean_comment(self) -> str:
        return normalise_newlines(self.cleaned_data.get("comment") or "")

    def clean(self) -> dict:
        cleaned = super().clean() or self.cleaned_data
        if cleaned.get("colour") == Colour.YELLOW and not cleaned.get("comment") and "comment" not in self.errors:
            self.add_error("comment", _("Say in the comment what must be adapted."))
        return cleaned
