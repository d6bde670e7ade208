"""Forms of the proposal pages: the triage queue, a proposal's actions, and filing by professionals.
They validate and hand `cleaned_data` on; the services in `governance.proposals.services` store and move.

Each form on the proposal page has a prefix (its action's name), so that the fields of the several forms
on one page have ids of their own."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from governance.models import ChangeProposal, ProposalKind, ProposalState, RejectReason
from governance.proposals.selectors import ALL_STATES, PAGE_SIZE, QueueFilters
from pathways.forms import TypedTextField, normalise_newlines
from pathways.models import LANGUAGE_CODES, LocalAdaptation, Partnership, Version

COMMENT_MAX_LENGTH = 5000


def _comment_field(*, label=None, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label or _("Comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        **kwargs,
    )


def _internal_comment_field() -> forms.CharField:
    return _comment_field(
        label=_("Internal comment"),
        help_text=_("Only staff see it, in the proposal's timeline. It is never sent to the reader."),
    )


def _reader_note_field() -> forms.CharField:
    return _comment_field(
        label=_("Note to the reader"),
        help_text=_("Shown on the reader's status page and sent with the e-mail about the outcome."),
    )


def _confirm_field() -> forms.BooleanField:
    # Destructive moves are confirmed in the same form, so they take one POST and no JavaScript.
    return forms.BooleanField(
        label=_("I am sure"),
        required=True,
        error_messages={"required": _("Tick “I am sure” to confirm.")},
    )


class CommentForm(forms.Form):
    """Mark local, mark as a minor correction, hold for the yearly round: what the reader is told,
    and what only staff read, apart."""

    reader_note = _reader_note_field()
    comment = _internal_comment_field()


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=RejectReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the reason for rejecting it.")},
    )
    reader_note = _comment_field(
        label=_("Note to the reader"), help_text=_("The reader is told the reason and this note.")
    )
    comment = _internal_comment_field()
    confirm = _confirm_field()


class AdaptationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: LocalAdaptation) -> str:
        # Only the proposal's partnership's adaptations are offered: the partnership names them.
        return obj.partnership.name


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Version) -> str:
        return obj.number


class FixedLocallyForm(forms.Form):
    adaptation = AdaptationChoiceField(
        label=_("The local adaptation it was fixed in"),
        queryset=LocalAdaptation.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose the partnership's adaptation of this pathway.")},
    )
    reader_note = _reader_note_field()
    comment = _internal_comment_field()

    def __init__(self, *args, proposal: ChangeProposal, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["adaptation"]
        assert isinstance(field, AdaptationChoiceField)
        # Only the proposal's partnership's adaptation of the proposal's pathway (there is at most one).
        field.queryset = LocalAdaptation.objects.filter(
            partnership=proposal.partnership_id, pathway=proposal.pathway_id
        ).select_related("partnership")


class PublishForm(forms.Form):
    version = VersionChoiceField(
        label=_("Published in version"),
        queryset=Version.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose a published version of this pathway.")},
    )

    def __init__(self, *args, proposal: ChangeProposal, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["version"]
        assert isinstance(field, VersionChoiceField)
        field.queryset = Version.objects.filter(pathway=proposal.pathway_id)
        if not self.is_bound and proposal.pathway is not None:
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


AGE_CHOICES = [
    ("", _("Any age")),
    ("1", _("Older than 1 day")),
    ("7", _("Older than 7 days")),
    ("30", _("Older than 30 days")),
]
SORT_OLDEST, SORT_NEWEST = "oldest", "newest"


class QueueFilterForm(forms.Form):
    """The queue's filters, sent with GET. A value that does not validate is reported and left out;
    the other filters still apply. With no state given, the queue shows the new proposals."""

    state = forms.ChoiceField(
        label=capfirst(_("state")),
        required=False,
        choices=[(ALL_STATES, _("All states")), *ProposalState.choices],
    )
    pathway = forms.ChoiceField(label=_("Pathway"), required=False)
    section = forms.SlugField(
        label=_("Section"),
        required=False,
        max_length=80,
        help_text=_("The section's anchor, for example fastlege-kartlegging."),
    )
    kind = forms.ChoiceField(
        label=capfirst(_("kind")), required=False, choices=[("", _("All kinds")), *ProposalKind.choices]
    )
    age = forms.TypedChoiceField(label=_("Age"), required=False, choices=AGE_CHOICES, coerce=int, empty_value=None)
    personal = forms.ChoiceField(
        label=capfirst(_("may contain personal data")),
        required=False,
        choices=[("", _("Yes or no")), ("yes", _("Yes")), ("no", _("No"))],
    )
    language = forms.ChoiceField(
        label=_("Written standard"), required=False, choices=[("", _("Both")), *settings.LANGUAGES]
    )
    q = forms.CharField(label=_("Search in the description"), required=False, max_length=200)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[(SORT_OLDEST, _("Oldest first")), (SORT_NEWEST, _("Newest first"))],
    )

    def __init__(self, data, *, pathways: list[tuple[str, str]]):
        data = data.copy()
        for name, default in (("state", ProposalState.NEW), ("sort", SORT_OLDEST)):
            if not data.get(name):
                data[name] = default
        super().__init__(data)
        field = self.fields["pathway"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All pathways")), *pathways]

    def filters(self) -> QueueFilters:
        """The filters that validated; call after `is_valid()`."""
        cleaned = self.cleaned_data
        personal = cleaned.get("personal", "")
        return QueueFilters(
            pathway=cleaned.get("pathway", ""),
            section=cleaned.get("section", ""),
            state=cleaned.get("state") or ProposalState.NEW,
            kind=cleaned.get("kind", ""),
            older_than_days=cleaned.get("age"),
            personal={"yes": True, "no": False}.get(personal),
            language=cleaned.get("language", ""),
            q=cleaned.get("q", "").strip(),
            newest_first=cleaned.get("sort") == SORT_NEWEST,
        )


class ProposalIdsField(forms.Field):
    """The ids of the proposals ticked in the queue: at most one page of them."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Choose at least one proposal."),
        "invalid": _("The choice of proposals was not understood. Try again from the list."),
        "too_many": _("Choose at most %(limit)s proposals at a time."),
    }

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.isdigit() for v in value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted({int(v) for v in value})

    def validate(self, value) -> None:
        super().validate(value)
        if len(value) > PAGE_SIZE:
            raise ValidationError(self.error_messages["too_many"], code="too_many", params={"limit": PAGE_SIZE})


class BulkSpamForm(forms.Form):
    """Reject the chosen proposals as spam. Without `confirm` it asks first."""

    ids = ProposalIdsField()
    confirm = forms.BooleanField(required=False)
    # The queue's query string, to go back to the same filters afterwards.
    filters = forms.CharField(required=False, max_length=2000)


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
