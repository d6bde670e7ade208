"""Forms of the yearly round's pages: the round's dates and quorum, the step to the next phase, and
the partnerships' forwarding. They validate and hand `cleaned_data` on; `governance.rounds` acts."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReviewRound, RoundState
from .rounds import COMMENT_MAX_LENGTH, DEADLINE_FIELDS, locked_fields

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


def _date_field(label, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Give the date."),
            "invalid": _("Write the date as dd.mm.yyyy, for example 31.01.2027."),
        },
    )


def _comment_field(label, *, required: bool = False, help_text: str = "", error_messages=None) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=COMMENT_MAX_LENGTH,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=error_messages or {},
    )


def _confirm_field() -> forms.BooleanField:
    # An irreversible move is confirmed in the same form: one POST, no JavaScript.
    return forms.BooleanField(
        label=_("I am sure"),
        required=True,
        error_messages={"required": _("Tick “I am sure” to confirm.")},
    )


class RoundForm(forms.Form):
    """A new round: the revision year, each phase's last day, the meeting and the quorum."""

    year = forms.IntegerField(
        label=_("Revision year"),
        min_value=2000,
        max_value=2100,
        error_messages={
            "required": _("Give the year of the revision."),
            "invalid": _("Write the year with four digits, for example 2027."),
            "min_value": _("Write a year between 2000 and 2100."),
            "max_value": _("Write a year between 2000 and 2100."),
        },
    )
    collecting_until = _date_field(_("Proposals are collected until"), help_text=_("The last day, inclusive."))
    partnership_review_until = _date_field(_("The partnerships forward until"), help_text=_("The last day, inclusive."))
    voting_until = _date_field(_("The resource group votes until"), help_text=_("The last day, inclusive."))
    editorial_until = _date_field(_("Decisions and release by"), help_text=_("The last day, inclusive."))
    meeting_on = _date_field(_("The resource group's meeting"), required=False)
    quorum_numerator = forms.IntegerField(
        label=_("Quorum: at least this many …"),
        min_value=1,
        max_value=99,
        error_messages={"required": _("Give the quorum's numerator.")},
    )
    quorum_denominator = forms.IntegerField(
        label=_("… of this many seats must vote"),
        min_value=1,
        max_value=99,
        help_text=_("Seats that recused themselves are not counted."),
        error_messages={"required": _("Give the quorum's denominator.")},
    )
    both_constituencies_required = forms.BooleanField(
        label=_("Both the hospital trusts and the municipalities must be among those who vote"), required=False
    )

    def clean(self):
        cleaned = super().clean()
        deadlines = [cleaned.get(name) for name in DEADLINE_FIELDS]
        if all(deadlines):
            for name, earlier, later in zip(DEADLINE_FIELDS[1:], deadlines, deadlines[1:], strict=False):
                if later < earlier:
                    self.add_error(name, _("This day comes before the last day of the phase before it."))
        numerator, denominator = cleaned.get("quorum_numerator"), cleaned.get("quorum_denominator")
        if numerator and denominator and numerator > denominator:
            self.add_error("quorum_numerator", _("The numerator cannot be larger than the denominator."))
        return cleaned


class RoundEditForm(RoundForm):
    """The same without the year, which names the round; fields that may no longer change are shown
    but disabled (Django then keeps their stored value, whatever is sent)."""

    def __init__(self, *args, review_round: ReviewRound, **kwargs):
        kwargs.setdefault("initial", {name: getattr(review_round, name) for name in self.base_fields if name != "year"})
        super().__init__(*args, **kwargs)
        del self.fields["year"]
        for name in locked_fields(review_round):
            self.fields[name].disabled = True


class AdvanceForm(forms.Form):
    """The step to the next phase, with the phase the editor saw: if the round has moved on since,
    the step is refused rather than taken twice."""

    from_state = forms.ChoiceField(choices=RoundState.choices, widget=forms.HiddenInput)


class ForwardForm(forms.Form):
    comment = _comment_field(
        _("Comment for the resource group"),
        help_text=_("Optional. Why the partnership forwards it, and anything the resource group should know."),
    )


class DeclineForm(forms.Form):
    comment = _comment_field(
        _("Reason"),
        required=True,
        help_text=_("Required. The submitter is told this reason."),
        error_messages={"required": _("Give the reason for declining it.")},
    )
    confirm = _confirm_field()


class NothingToForwardForm(forms.Form):
    comment = _comment_field(_("Comment"), help_text=_("Optional."))
    confirm = _confirm_field()


class FinishForm(forms.Form):
    confirm = _confirm_field()
