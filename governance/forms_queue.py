"""Forms of the triage queue. They validate and hand their values on; the services change things."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import ProposalKind, ProposalState
from .selectors import ALL_STATES, PAGE_SIZE, QueueFilters

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
        self.fields["pathway"].choices = [("", _("All pathways")), *pathways]

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
