"""Forms of the proposal page: one per action. They validate and hand `cleaned_data` on; the services
in governance.services change the proposal.

Each form on the page has a prefix (its action's name), so that the fields of the several forms on
one page have ids of their own."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.models import LocalAdaptation, Partnership, Version

from .models import ChangeProposal, RejectReason

COMMENT_MAX_LENGTH = 5000


def _comment_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        **kwargs,
    )


def _confirm_field() -> forms.BooleanField:
    # Destructive moves are confirmed in the same form, so they take one POST and no JavaScript.
    return forms.BooleanField(
        label=_("I am sure"),
        required=True,
        error_messages={"required": _("Tick “I am sure” to confirm.")},
    )


class CommentForm(forms.Form):
    """Mark local, mark as a minor correction, hold for the yearly round."""

    comment = _comment_field()


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=RejectReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the reason for rejecting it.")},
    )
    comment = _comment_field(help_text=_("The submitter is told the reason and this comment."))
    confirm = _confirm_field()


class FixedLocallyForm(forms.Form):
    adaptation = forms.ModelChoiceField(
        label=_("The local adaptation it was fixed in"),
        queryset=LocalAdaptation.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose the partnership's adaptation of this pathway.")},
    )
    comment = _comment_field()

    def __init__(self, *args, proposal: ChangeProposal, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["adaptation"]
        # Only the proposal's partnership's adaptation of the proposal's pathway (there is at most one).
        field.queryset = LocalAdaptation.objects.filter(
            partnership_id=proposal.partnership_id, pathway_id=proposal.pathway_id
        ).select_related("partnership")
        field.label_from_instance = lambda adaptation: adaptation.partnership.name


class PublishForm(forms.Form):
    version = forms.ModelChoiceField(
        label=_("Published in version"),
        queryset=Version.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose a published version of this pathway.")},
    )

    def __init__(self, *args, proposal: ChangeProposal, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["version"]
        field.queryset = Version.objects.filter(pathway_id=proposal.pathway_id)
        field.label_from_instance = lambda version: version.number
        if proposal.pathway_id and not self.is_bound:
            self.initial.setdefault("version", proposal.pathway.current_version_id)


class MergeForm(forms.Form):
    into = forms.IntegerField(
        label=_("Number of the proposal to keep"),
        min_value=1,
        error_messages={"required": _("Give the number of the proposal to merge this one into.")},
    )
    confirm = _confirm_field()


class RedactForm(forms.Form):
    confirm = _confirm_field()


class AssignForm(forms.Form):
    partnership = forms.ModelChoiceField(
        label=_("Health partnership"),
        queryset=Partnership.objects.all(),
        error_messages={"required": _("Choose a health partnership.")},
    )
