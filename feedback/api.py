"""The JSON API for reader feedback (/api/v1/feedback/): other sites send a reader's feedback here
and look up its state with the private token.

The rules are the HTML form's: the same validation (`FeedbackForm` without the hidden-field and
timing checks, which belong to a page), the same rate limit (shared with the form, failing open),
the same duplicate check and the same storing (`feedback_submit`). No authentication and no CSRF:
anyone may send feedback, as through the form. The e-mail address is never returned.
"""

import json
import logging
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.models import ProposalKind, ProposalState
from pathways.models import LANGUAGE_CODES
from pathways.problems import SLUG, WHITESPACE, problem_response, problem_responses

from .context import resolve_context
from .forms import DESCRIPTION_MAX_LENGTH, QUOTE_MAX_LENGTH, SUGGESTION_MAX_LENGTH, FeedbackForm
from .models import Submission, SubmitterRole
from .services import feedback_submit, status_url
from .views import CONTEXT_FIELDS, client_address, feedback_throttled

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
TOKEN_MAX_LENGTH = 64
FIELDS = ("kind", "description", "suggested_text", "quote", "role", "email", "partnership", *CONTEXT_FIELDS)
# JSON may carry lone surrogates ("\ud800"), which cannot be stored: they become U+FFFD, which the
# form refuses with its own message (the HTML form gets U+FFFD from bytes that are not UTF-8).
_SURROGATES = re.compile("[\ud800-\udfff]")
_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{1,{TOKEN_MAX_LENGTH}}}")

# --- Serializers (the documented shapes; the validation is the form's) -------------------------


@extend_schema_field({"type": "string", "enum": ProposalKind.values}, component_name="ProposalKindEnum")
class ProposalKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ProposalKind.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": ProposalState.values}, component_name="ProposalStateEnum")
class ProposalStateField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ProposalState.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": ["", *SubmitterRole.values]}, component_name="SubmitterRoleEnum")
class SubmitterRoleField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=SubmitterRole.choices, allow_blank=True, **kwargs)


# What the form refuses, as patterns the schema can carry: no NUL and no U+FFFD (what unreadable bytes
# become) anywhere, and for the required text at least one character that is not whitespace.
TEXT = RegexValidator(r"^[^\x00\ufffd]*$")
REQUIRED_TEXT = RegexValidator(rf"^[^\x00\ufffd]*[^\x00\ufffd{WHITESPACE}][^\x00\ufffd]*$")


def _optional_text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, allow_null=True, validators=[TEXT], **kwargs
    )


class FeedbackSubmitSerializer(serializers.Serializer):
    # Lengths count every character sent, spaces at either end too.
    kind = ProposalKindField()
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH,
        min_length=1,
        validators=[REQUIRED_TEXT],
        help_text="What is wrong or what should change. Stored as typed.",
    )
    suggested_text = _optional_text(SUGGESTION_MAX_LENGTH)
    quote = _optional_text(QUOTE_MAX_LENGTH, help_text="The text the feedback concerns.")
    role = SubmitterRoleField(
        required=False, allow_null=True, help_text="Who the reader is; empty: would rather not say."
    )
    email = serializers.EmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="For a receipt and follow-up. Never returned by the API.",
    )
    partnership = serializers.RegexField(
        r"^([-a-zA-Z0-9_]{1,100})?$",
        required=False,
        allow_null=True,
        help_text="The slug of the health partnership it concerns; empty: the common text. "
        "A slug no partnership has is a 409.",
    )
    forlop = _optional_text(200, help_text="The pathway's slug.")
    seksjon = _optional_text(200, help_text="The section's slug (its anchor).")
    versjon = _optional_text(50, help_text='The version the reader saw: "2026" or "2026.1".')
    lokal = _optional_text(200, help_text="The slug of the partnership whose local adaptation was read.")
    lokalversjon = _optional_text(100, help_text='The local version the reader saw: "bergen-2026.3".')
    side = _optional_text(1000, help_text="The address (http or https) of the page the reader came from.")


class FeedbackReceiptSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Private: whoever has it can see the state.")
    status_url = serializers.URLField(help_text="The reader's private status page.")
    state = ProposalStateField()


class FeedbackStatusSerializer(serializers.Serializer):
    state = ProposalStateField()
    state_label = serializers.CharField(help_text="The state in words, in the language asked for.")
    kind = ProposalKindField()
    created_at = serializers.DateTimeField()
    pathway = serializers.SlugField(allow_null=True, help_text="Null when the pathway was not known.")
    section = serializers.CharField(allow_blank=True, help_text="The section's slug; empty when not known.")
    withdrawn = serializers.BooleanField(help_text="The reader withdrew it.")


# --- Views -------------------------------------------------------------------------------------

LANG = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    enum=LANGUAGE_CODES,
    description="The written standard of the messages (and of a new submission). "
    "Default: from the Accept-Language header, else nb.",
)
TOKEN = OpenApiParameter(
    "token",
    {"type": "string", "pattern": f"^[A-Za-z0-9_-]{{1,{TOKEN_MAX_LENGTH}}}$"},
    OpenApiParameter.PATH,
    description="The token given when the feedback was sent.",
)


def _errors(errors: dict[str, list[str]]) -> Response:
    return problem_response(400, errors=errors)


def _language(request: Request) -> str | None:
    """`?lang=`, else the Accept-Language header, else bokmål; None for an unknown `lang` (or one
    given twice)."""
    requested = request.query_params.getlist("lang")
    if requested:
        return requested[0] if len(requested) == 1 and requested[0] in LANGUAGE_CODES else None
    language = translation.get_language_from_request(request._request)
    return language if language in LANGUAGE_CODES else "nb"


def _language_refused(request: Request) -> Response:
    # The messages of a refused `lang` are in the header's language.
    language = translation.get_language_from_request(request._request)
    with translation.override(language if language in LANGUAGE_CODES else "nb"):
        return _errors({"lang": [_("Must be nb or nn.")]})


class _BodyTooLarge(Exception):
    pass


def _read_body(request: Request) -> bytes:
    """At most MAX_BODY_BYTES of the body: a larger declared length is refused before reading."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise _BodyTooLarge
    stream = request.stream
    body = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
    if len(body) > MAX_BODY_BYTES:
        raise _BodyTooLarge
    return body


def _form_data(payload: dict[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The known fields as the strings the form expects, and errors for values that are not text
    (null counts as absent, as the schema says)."""
    data, errors = {}, {}
    for name in FIELDS:
        value = payload.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            errors[name] = [str(RegexValidator.message)]
            continue
        data[name] = _SURROGATES.sub("\ufffd", value)
    return data, errors


def _too_long(form: FeedbackForm, data: dict[str, str]) -> dict[str, list[str]]:
    """The form measures text after stripping spaces at either end; the API counts what was sent, as
    its schema says (maxLength), in the form's words."""
    errors = {}
    for name, value in data.items():
        field = form.fields[name]
        limit = getattr(field, "max_length", None)
        if limit is not None and len(value) > limit:
            try:
                MaxLengthValidator(limit)(value)
            except ValidationError as error:
                message = field.error_messages.get(error.code or "", error.message)
                errors[name] = [str(message % (error.params or {}))]
    return errors


def _no_store(response: Response, language: str) -> Response:
    # Private: keep it out of shared caches, and the token out of referrers.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["Content-Language"] = language
    return response


class FeedbackSubmit(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["feedback"],
        operation_id="feedback_create",
        summary="Send a reader's feedback",
        description=(
            "The fields of the feedback form on the pathway pages. The same text from the same address "
            "within a few minutes is stored once: the answer is then 200 with the first submission. "
            f"Bodies over {MAX_BODY_BYTES} bytes are refused with 413."
        ),
        parameters=[LANG],
        request=FeedbackSubmitSerializer,
        responses={
            201: OpenApiResponse(FeedbackReceiptSerializer, description="Stored."),
            200: OpenApiResponse(FeedbackReceiptSerializer, description="A duplicate: the first submission."),
            **problem_responses(
                s400="Invalid input, or a body that is not a JSON object.",
                s409="No health partnership has the slug given as `partnership`.",
                s413="The body is too large.",
                s429="Too many submissions from this address.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        language = _language(request)
        if language is None:
            return _language_refused(request)
        with translation.override(language):
            response = self._submit(request, language)
        return _no_store(response, language)

    def _submit(self, request: Request, language: str) -> Response:
        try:
            body = _read_body(request)
        except _BodyTooLarge:
            return problem_response(
                413, _("The request body is larger than %(limit)s bytes.") % {"limit": MAX_BODY_BYTES}
            )
        if feedback_throttled(request._request):
            logger.warning("feedback throttled (api)")
            message = _("You have sent many messages in a short time. Wait a minute and try again; your text is kept.")
            return problem_response(429, message, headers={"Retry-After": "60"})
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            payload = None
        if not isinstance(payload, dict):
            return _errors({"non_field_errors": [_("The body must be a JSON object.")]})

        data, type_errors = _form_data(payload)
        form = FeedbackForm(data, check_timing=False)
        valid = form.is_valid()
        too_long = _too_long(form, data)
        if not valid or type_errors or too_long:
            errors = {
                "non_field_errors" if name == "__all__" else name: [error["message"] for error in messages]
                for name, messages in form.errors.get_json_data().items()
            }
            errors = too_long | errors | type_errors
            if set(errors) == {"partnership"} and SLUG.fullmatch(data.get("partnership", "")):
                # Well formed, but no partnership has it: the data, not the request, is at odds (409).
                return problem_response(409, errors["partnership"][0])
            return _errors(errors)

        context = resolve_context(data, language)
        submission, created = feedback_submit(
            cleaned=form.cleaned_data,
            context=context,
            language=language,
            source=client_address(request._request),
            via_api=True,
        )
        receipt = {"token": submission.token, "status_url": status_url(submission), "state": submission.proposal.state}
        location = request.build_absolute_uri(reverse("api-feedback-status", args=[submission.token]))
        return Response(
            FeedbackReceiptSerializer(receipt).data, status=201 if created else 200, headers={"Location": location}
        )


class FeedbackStatus(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["feedback"],
        operation_id="feedback_retrieve",
        summary="The state of a submission",
        parameters=[TOKEN, LANG],
        responses={
            200: FeedbackStatusSerializer,
            **problem_responses(s400="Unknown `lang`.", s404="No submission with that token."),
        },
    )
    def get(self, request: Request, token: str) -> Response:
        language = _language(request)
        if language is None:
            return _language_refused(request)
        with translation.override(language):
            response = self._status(token)
        return _no_store(response, language)

    def _status(self, token: str) -> Response:
        submission = None
        if _TOKEN.fullmatch(token):  # the shape of new_token(): anything else is not looked up
            submission = Submission.objects.select_related("proposal__pathway").filter(token=token).first()
        if submission is None:
            return problem_response(404, _("No feedback was found for this link."))
        proposal = submission.proposal
        status = {
            "state": proposal.state,
            "state_label": proposal.get_state_display(),
            "kind": proposal.kind,
            "created_at": submission.created_at,
            "pathway": proposal.pathway.slug if proposal.pathway else None,
            "section": proposal.section_slug,
            "withdrawn": submission.withdrawn_at is not None,
        }
        return Response(FeedbackStatusSerializer(status).data)
