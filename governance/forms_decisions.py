"""Forms of the editor's decisions and the release. They validate and hand `cleaned_data` on; the
services in governance.decisions and governance.rounds record and publish."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.forms import TypedTextField

from .decisions import CHANGE_SUMMARY_MAX_LENGTH, RATIONALE_MAX_LENGTH, departs_from_recommendation
from .models import Decision, Recommendation

TOO_LONG = _("The text is too long: it may have at most %(limit_value)d characters, and has %(show_value)d.")
RATIONALE_REQUIRED = _("Write the rationale for the decision: the submitter and the partnership see it.")


def _text_field(*, label, max_length: int, rows: int, required: bool, language: str = "", **kwargs) -> TypedTextField:
    attrs = {"rows": rows} | ({"lang": language} if language else {})
    return TypedTextField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs=attrs),
        error_messages={"max_length": TOO_LONG} | kwargs.pop("error_messages", {}),
        **kwargs,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a decision.")},
    )
    rationale = _text_field(
        label=_("Rationale"),
        max_length=RATIONALE_MAX_LENGTH,
        rows=5,
        required=True,
        help_text=_("Required. The submitter and the health partnership see it. At most 5,000 characters."),
        error_messages={"required": RATIONALE_REQUIRED},
    )
    against_recommendation_confirmed = forms.BooleanField(
        label=_("I depart from the resource group's advice"),
        required=False,
    )
    changed_sections = forms.ModelMultipleChoiceField(
        label=_("Sections the change touched"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For an accepted proposal: the sections you changed in the draft. Required before the release."),
        error_messages={"invalid_choice": _("Choose sections of the pathway the proposal is about.")},
    )
    change_summary_nb = _text_field(
        label=_("What changed, for the public changelog (bokmål)"),
        max_length=CHANGE_SUMMARY_MAX_LENGTH,
        rows=3,
        required=False,
        language="nb",
        help_text=_("One or two plain sentences. Required for an accepted proposal before the release."),
    )
    change_summary_nn = _text_field(
        label=_("What changed, for the public changelog (nynorsk)"),
        max_length=CHANGE_SUMMARY_MAX_LENGTH,
        rows=3,
        required=False,
        language="nn",
        help_text=_("One or two plain sentences. Required for an accepted proposal before the release."),
    )

    def __init__(self, *args, recommendation: str, sections, language: str, show_pathway: bool = False, **kwargs):
        """`sections` are those the proposal may be linked to; `show_pathway` names each one's pathway
        (for a proposal that named none)."""
        super().__init__(*args, **kwargs)
        self.recommendation = recommendation
        field = self.fields["changed_sections"]
        field.queryset = sections
        field.label_from_instance = lambda section: (
            f"{section.pathway.title(language)}: {section.title(language)}" if show_pathway else section.title(language)
        )
        if recommendation == Recommendation.NONE:
            # There is no advice to depart from.
            del self.fields["against_recommendation_confirmed"]
        else:
            self.fields["against_recommendation_confirmed"].help_text = _(
                "The resource group's advice: “%(recommendation)s”. Tick this when you accept what it did not "
                "recommend, or reject what it recommended, and say why in the rationale."
            ) % {"recommendation": Recommendation(recommendation).label}

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if (
            decision
            and departs_from_recommendation(decision, self.recommendation)
            and not cleaned.get("against_recommendation_confirmed")
        ):
            self.add_error(
                "against_recommendation_confirmed",
                _("This decision departs from the resource group's advice. Tick the box to confirm it."),
            )
        return cleaned


class ReleaseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have checked what will be published"),
        required=True,
        error_messages={"required": _("Tick “I have checked what will be published” to release.")},
    )
