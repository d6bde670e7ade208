"""Forms of the resource group's pages: seats, votes, comments and the meeting's record. They
validate and hand `cleaned_data` on; governance.voting changes things.

Several forms of one kind share a page (a vote form per proposal, a seat form per seat), so each is
made with a prefix of its own and its fields get ids of their own."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from pathways.forms import TypedTextField

from .models import Recommendation, VoteChoice
from .voting import TEXT_MAX_LENGTH


def _text_field(label, *, required: bool, help_text="", **kwargs) -> TypedTextField:
    return TypedTextField(
        label=label,
        required=required,
        max_length=TEXT_MAX_LENGTH,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        **kwargs,
    )


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Your vote"),
        choices=[(value, capfirst(label)) for value, label in VoteChoice.choices],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose your vote."), "invalid_choice": _("Choose one of the votes offered.")},
    )
    comment = _text_field(
        _("Comment"),
        required=False,
        help_text=_("Required when you recommend with changes: say which changes."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("choice") == VoteChoice.RECOMMEND_WITH_CHANGES and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Say in the comment which changes you recommend."))
        return cleaned


class CommentForm(forms.Form):
    text = _text_field(_("Your comment"), required=True, error_messages={"required": _("Write a comment.")})


class SeatForm(forms.Form):
    """Who holds a seat and who is the deputy, chosen among the partnership's resource-group
    members (`members`: user id → user, loaded once for the whole page)."""

    holder = forms.TypedChoiceField(
        label=_("Seat holder"),
        coerce=int,
        error_messages={
            "required": _("Choose who holds the seat."),
            "invalid_choice": _("Choose one of the partnership's resource-group members."),
        },
    )
    deputy = forms.TypedChoiceField(
        label=_("Deputy"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose one of the partnership's resource-group members.")},
    )

    def __init__(self, *args, members: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        people = [(pk, user.get_full_name() or user.get_username()) for pk, user in members.items()]
        self.fields["holder"].choices = [("", _("Choose a member")), *people]
        self.fields["deputy"].choices = [("", _("No deputy")), *people]

    def clean(self):
        cleaned = super().clean()
        holder, deputy = cleaned.get("holder"), cleaned.get("deputy")
        if holder is not None and holder == deputy:
            self.add_error("deputy", _("The deputy cannot be the seat holder."))
        cleaned["holder"] = self.members.get(holder) if holder is not None else None
        cleaned["deputy"] = self.members.get(deputy) if deputy is not None else None
        return cleaned


class AbsentForm(forms.Form):
    absent = forms.TypedChoiceField(
        choices=[("1", _("absent")), ("0", _("present"))], coerce=lambda value: value == "1", widget=forms.HiddenInput
    )


class MeetingRecordForm(forms.Form):
    recommendation = forms.ChoiceField(
        label=_("The meeting's recommendation"),
        choices=[(value, capfirst(label)) for value, label in Recommendation.choices],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the meeting's recommendation."),
            "invalid_choice": _("Choose the meeting's recommendation."),
        },
    )
    note = _text_field(_("Note for the minutes"), required=False)
