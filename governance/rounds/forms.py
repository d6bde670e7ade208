"""Forms of the yearly round's pages: the round's dates and quorum, the step to the next phase, the
partnerships' forwarding; the resource group's seats, votes, comments and the meeting's record; the
editor's decisions and the release. They validate and hand `cleaned_data` on; the services in
`governance.rounds` act.

Several forms of one kind share a page (a vote form per proposal, a seat form per seat), so each is made
with a prefix of its own and its fields get ids of their own."""

from typing import TYPE_CHECKING

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from governance.models import Decision, Recommendation, ReviewRound, RoundState, VoteChoice
from governance.rounds.decisions import CHANGE_SUMMARY_MAX_LENGTH, RATIONALE_MAX_LENGTH, departs_from_recommendation
from governance.rounds.phases import COMMENT_MAX_LENGTH, DEADLINE_FIELDS, locked_fields
from governance.rounds.voting import TEXT_MAX_LENGTH
from pathways.forms import TypedTextField
from pathways.models import Section

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


def _date_field(label: "StrOrPromise", *, required: bool = True, help_text: "StrOrPromise" = "") -> forms.DateField:
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


def _comment_field(
    label: "StrOrPromise", *, required: bool = False, help_text: "StrOrPromise" = "", error_messages=None
) -> forms.CharField:
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


def _voting_text_field(label, *, required: bool, help_text="", **kwargs) -> TypedTextField:
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
    comment = _voting_text_field(
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
    text = _voting_text_field(_("Your comment"), required=True, error_messages={"required": _("Write a comment.")})


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
        holder, deputy = self.fields["holder"], self.fields["deputy"]
        assert isinstance(holder, forms.ChoiceField) and isinstance(deputy, forms.ChoiceField)
        holder.choices = [("", _("Choose a member")), *people]
        deputy.choices = [("", _("No deputy")), *people]

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
    note = _voting_text_field(_("Note for the minutes"), required=False)


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


class SectionsChoiceField(forms.ModelMultipleChoiceField):
    """Sections named in `language`, each with its pathway's title when `show_pathway`."""

    language = "nb"
    show_pathway = False

    def label_from_instance(self, obj: Section) -> str:
        title = obj.title(self.language)
        return f"{obj.pathway.title(self.language)}: {title}" if self.show_pathway else title


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
    changed_sections = SectionsChoiceField(
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
        assert isinstance(field, SectionsChoiceField)
        field.queryset = sections
        field.language, field.show_pathway = language, show_pathway
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
