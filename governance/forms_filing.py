"""The forms of the staff page where a professional files a change proposal on a section. They
validate and hand `cleaned_data` on; `governance.services.proposal_file` stores."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pathways.forms import TypedTextField, normalise_newlines
from pathways.models import LANGUAGE_CODES

from .models import ChangeProposal, ProposalKind

DESCRIPTION_MAX_LENGTH = ChangeProposal._meta.get_field("description").max_length
SUGGESTION_MAX_LENGTH = ChangeProposal._meta.get_field("suggested_text").max_length
LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk"}  # names of the written standards, the same in both


class SuggestionText(TypedTextField):
    """The suggested wording in Markdown. Kept as typed (not stripped: the whitespace is part of the
    Markdown), with line endings as the published text has them; only blanks count as empty."""

    def to_python(self, value):
        value = normalise_newlines(super().to_python(value))
        return value if value.strip() else ""


class PathwayPickForm(forms.Form):
    """Step 1, sent with GET: which published pathway."""

    forlop = forms.ChoiceField(label=_("Pathway"))

    def __init__(self, *args, pathways=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forlop"].choices = list(pathways)


class SectionPickForm(forms.Form):
    """Step 2, sent with GET: which section of the current version, and in which written standard
    the suggestion is written."""

    seksjon = forms.ChoiceField(label=_("Section"))
    maal = forms.ChoiceField(
        label=_("Written standard of your suggestion"),
        choices=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGE_CODES],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seksjon"].choices = list(sections)


class ProposalFileForm(forms.Form):
    """The suggested wording of one section, why, and what kind of change it is. The suggestion must
    differ from the section's current text in the same written standard."""

    suggested_text = SuggestionText(
        label=_("Suggested wording"),
        strip=False,
        max_length=SUGGESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Markdown, at most 5,000 characters. It starts as the current text of the section: change what "
            "should change."
        ),
        error_messages={
            "required": _("Write the suggested wording."),
            "max_length": _(
                "The suggestion is too long: it may have at most 5,000 characters, and has %(show_value)d."
            ),
        },
    )
    description = TypedTextField(
        label=_("Why should it change?"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("At most 2,000 characters. Do not write names or other details about patients."),
        error_messages={
            "required": _("Write why the text should change."),
            "max_length": _("The text is too long: it may have at most 2,000 characters, and has %(show_value)d."),
        },
    )
    kind = forms.ChoiceField(
        label=_("What kind of change is it?"),
        choices=ProposalKind.choices,
        initial=ProposalKind.SUGGESTION,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what it is about."), "invalid_choice": _("Choose what it is about.")},
    )

    def __init__(self, *args, current_text: str, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_text = current_text
        self.fields["suggested_text"].widget.attrs["lang"] = language

    def clean_suggested_text(self) -> str:
        suggested = self.cleaned_data["suggested_text"]
        if suggested.strip() == normalise_newlines(self.current_text).strip():
            raise ValidationError(_("The suggestion is the same as the current text."), code="unchanged")
        return suggested
