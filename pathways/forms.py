"""Forms of the staff editor. They validate and hand `cleaned_data` on; the services save."""

import json
import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import LANGUAGE_CODES, InterventionLevel, VersionKind
from .services import EXPORT_FORMAT

BODY_MAX_LENGTH = 20_000
TITLE_MAX_LENGTH = 200
SLUG_MAX_LENGTH = 80
IMPORT_MAX_BYTES = 2 * 1024 * 1024

_VERSION_NUMBER = re.compile(r"\d{4}(\.\d{1,4})?")


def normalise_newlines(text: str) -> str:
    # Browsers send CRLF from a textarea; stored as is, an untouched section would differ from its
    # published text and show up as a change.
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Django decodes a body that is not valid UTF-8 with U+FFFD in place of the bad bytes.
UNREADABLE = "\ufffd"


class TypedTextField(forms.CharField):
    """Text a person typed: refused when it has bytes that could not be read, and never cut short in
    the page: a browser would silently cut a long paste at maxlength, where the server's error
    message keeps the whole text and says what is wrong."""

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs

    def validate(self, value: str | None) -> None:
        super().validate(value)
        if UNREADABLE in (value or ""):
            raise ValidationError(
                _("The text has characters that could not be read. Remove them, or write the text again."),
                code="unreadable",
            )


class MarkdownField(TypedTextField):
    """A Markdown body in one written standard, at most BODY_MAX_LENGTH characters."""

    def __init__(self, *, language: str, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(
            strip=False,
            max_length=BODY_MAX_LENGTH,
            widget=forms.Textarea(attrs={"lang": language, "rows": 14}),
            help_text=_("Markdown. At most 20,000 characters."),
            error_messages={
                "max_length": _("The text is too long: it may have at most 20,000 characters, and has %(show_value)d.")
            },
            **kwargs,
        )

    def to_python(self, value):
        return normalise_newlines(super().to_python(value))


def _title_field(label, language: str, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TITLE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"lang": language}),
        **kwargs,
    )


class SectionForm(forms.Form):
    """The titles and texts of a section in both written standards. For an override of a common
    section the titles may be left empty: the common title is then shown."""

    title_nb = _title_field(_("Title (bokmål)"), "nb")
    title_nn = _title_field(_("Title (nynorsk)"), "nn")
    body_nb = MarkdownField(label=_("Text (bokmål)"), language="nb")
    body_nn = MarkdownField(label=_("Text (nynorsk)"), language="nn")

    def __init__(self, *args: Any, titles_required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("title_nb", "title_nn"):
            self.fields[name].required = titles_required
            if not titles_required:
                self.fields[name].help_text = _("Leave empty to show the common title.")


LEVEL_HELP = _(
    "Where the service stands in the intervention pyramid: universal services for every child, early help "
    "when there is a concern, or specialised services. The service map groups and colours the services by it."
)


class ServiceSectionForm(SectionForm):
    """A common section of a service: its texts, and the level of the intervention pyramid the
    service map shows it at."""

    level = forms.ChoiceField(
        label=_("Level in the intervention pyramid"),
        choices=InterventionLevel.choices,
        widget=forms.RadioSelect,
        help_text=LEVEL_HELP,
        # Left out of a POST (a script, an old form), the section keeps its level.
        required=False,
    )


class LocalSectionForm(SectionForm):
    """A section of the partnership's own. The anchor is chosen once, when the section is added. With
    a level it is a local service on the partnership's service map."""

    slug = forms.SlugField(
        label=_("Anchor"),
        max_length=SLUG_MAX_LENGTH,
        help_text=_("The last part of the section's web address: lowercase letters, digits and hyphens."),
    )
    after_slug = forms.ChoiceField(label=_("Place after"), required=False)
    level = forms.ChoiceField(
        label=_("On the service map"),
        required=False,
        choices=[("", _("Not on the service map")), *InterventionLevel.choices],
        widget=forms.RadioSelect,
        help_text=_(
            "Choose a level when the section describes a local service: the service map of your partnership "
            "then shows it, with its title as its name and the phone numbers, e-mail addresses and links in "
            "its text as its contacts."
        ),
    )

    field_order = ["slug", "title_nb", "title_nn", "body_nb", "body_nn", "after_slug", "level"]

    def __init__(
        self,
        *args: Any,
        after_choices: Iterable[tuple[str, str]] = (),
        taken_slugs: Iterable[str] = (),
        new: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, titles_required=True, **kwargs)
        self.taken_slugs = set(taken_slugs)
        after_slug = self.fields["after_slug"]
        assert isinstance(after_slug, forms.ChoiceField)
        after_slug.choices = [("", _("At the end of the page")), *after_choices]
        if not new:
            del self.fields["slug"]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in self.taken_slugs:
            raise ValidationError(
                _("Another section of this pathway already has this anchor. Choose another."), code="taken"
            )
        return slug


class AdaptationTitleForm(forms.Form):
    title_nb = _title_field(
        _("Local title (bokmål)"), "nb", required=False, help_text=_("Leave empty to show the common title.")
    )
    title_nn = _title_field(
        _("Local title (nynorsk)"), "nn", required=False, help_text=_("Leave empty to show the common title.")
    )


class SummaryForm(forms.Form):
    """What every publish form asks: the change summary in both written standards, and which
    sections changed in one written standard only are language-neutral changes (the parity gate)."""

    summary_nb = forms.CharField(
        label=_("Change summary (bokmål)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"lang": "nb", "rows": 4}),
    )
    summary_nn = forms.CharField(
        label=_("Change summary (nynorsk)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"lang": "nn", "rows": 4}),
    )
    neutral = forms.MultipleChoiceField(
        label=_("Changed in one written standard only"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Tick a section to mark its change as language-neutral, for example a corrected link. "
            "Otherwise change the text in the other written standard too."
        ),
    )

    def __init__(self, *args: Any, parity_choices: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if parity_choices:
            neutral = self.fields["neutral"]
            assert isinstance(neutral, forms.MultipleChoiceField)
            neutral.choices = list(parity_choices)
        else:
            del self.fields["neutral"]


class PublishForm(SummaryForm):
    kind = forms.ChoiceField(label=_("Kind of version"), choices=VersionKind.choices, widget=forms.RadioSelect)
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("Only for a yearly revision."),
    )

    field_order = ["kind", "year", "summary_nb", "summary_nn", "neutral"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == VersionKind.REVISION and not cleaned.get("year") and "year" not in self.errors:
            self.add_error("year", _("Give the year of the yearly revision."))
        return cleaned


class LocalPublishForm(SummaryForm):
    """Publishing a local version: the summary, the parity choices and the publisher's confirmation
    of what is published."""

    confirm = forms.BooleanField(
        label=_("I have checked the changes listed above and want to publish them to readers"),
        error_messages={"required": _("Confirm that you want to publish the changes listed above.")},
    )


def _valid_import_section(item: object) -> bool:
    if not isinstance(item, dict):
        return False
    slug = item.get("slug")
    if not isinstance(slug, str) or len(slug) > SLUG_MAX_LENGTH:
        return False
    try:
        validate_slug(slug)
    except ValidationError:
        return False
    for key, limit in (("title", TITLE_MAX_LENGTH), ("body", BODY_MAX_LENGTH)):
        texts = item.get(key)
        if not isinstance(texts, dict):
            return False
        if any(not isinstance(texts.get(lang), str) or len(texts[lang]) > limit for lang in LANGUAGE_CODES):
            return False
    return True


class ImportForm(forms.Form):
    """An edited JSON download. Its cleaned value is the parsed data, checked for the shape the
    import service relies on; the service checks the pathway and version it names."""

    file = forms.FileField(
        label=_("JSON file"),
        help_text=_("A file downloaded as JSON from a pathway's download page, at most 2 MB."),
    )

    def clean_file(self) -> dict:
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(_("The file is larger than 2 MB."), code="too_large")
        try:
            data = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ValidationError(_("The file is not valid JSON."), code="invalid_json") from None
        if (
            not isinstance(data, dict)
            or data.get("format") != EXPORT_FORMAT
            or not isinstance(data.get("pathway"), str)
        ):
            raise ValidationError(_("The file is not a pathway download from this service."), code="wrong_format")
        if not isinstance(data.get("version"), str) or not _VERSION_NUMBER.fullmatch(data["version"]):
            raise ValidationError(_("The file names a version that does not exist."), code="wrong_version")
        sections = data.get("sections", [])
        if not isinstance(sections, list) or not all(_valid_import_section(item) for item in sections):
            raise ValidationError(
                _(
                    "Every section needs an anchor of at most 80 letters, digits and hyphens, titles of at "
                    "most 200 characters and texts of at most 20,000 characters, in both bokmål and nynorsk."
                ),
                code="wrong_sections",
            )
        return data


def error_summary(form: forms.Form | None, reasons: Iterable[str | Promise] = ()) -> list[dict[str, Any]]:
    """What the error summary at the top of a form page lists, each field error linked to its field."""
    items: list[dict[str, Any]] = [{"href": "", "text": reason} for reason in reasons]
    if form is None:
        return items
    items += [{"href": "", "text": error} for error in form.non_field_errors()]
    for field in form:
        for error in field.errors:
            # A group of radio buttons or checkboxes links to its first input.
            anchor = f"{field.auto_id}_0" if field.use_fieldset else field.auto_id
            items.append({"href": f"#{anchor}", "label": field.label, "text": error})
    return items
