"""Errors of the JSON API (/api/…) as RFC 9457 problem details, in the request's language.

Every error under /api/ is `application/problem+json`:

    {"type": "about:blank", "title": "Finnes ikke", "status": 404, "detail": "…"}

and a 400 adds `errors`, field name → messages (`non_field_errors` for the body as a whole). The
language is the request's: LocaleMiddleware picks it from Accept-Language (nynorsk when asked for,
bokmål otherwise), since /api/ is outside the language prefix; the feedback API's `?lang=` wins there.

DRF's own exceptions go through `api_exception_handler` (REST_FRAMEWORK["EXCEPTION_HANDLER"]); what
never reaches a DRF view (an unknown URL, an unhandled error) goes through Django's handler404/500,
which call `api_problem_response` for paths under /api/. This module is at the bottom of the
dependency order (pathways), so that every app's API can use it.
"""

import re
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"

# The title of each status: short, the same for every problem with that status (RFC 9457 §3.1.4).
TITLES = {
    400: gettext_lazy("Invalid request"),
    401: gettext_lazy("Authentication required"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    406: gettext_lazy("Not acceptable"),
    409: gettext_lazy("Not possible in the current state"),
    413: gettext_lazy("Request body too large"),
    415: gettext_lazy("Unsupported media type"),
    429: gettext_lazy("Too many requests"),
    500: gettext_lazy("Internal error"),
    503: gettext_lazy("Service unavailable"),
}
# What is said when the code that refused had nothing more particular to say.
DETAILS = {
    400: gettext_lazy("The request is not valid: the errors say what is wrong, field by field."),
    401: gettext_lazy("Send a valid token (Authorization: Token <key>) or sign in."),
    403: gettext_lazy("This is not allowed. A signed-in session must send the CSRF token (X-CSRFToken)."),
    404: gettext_lazy("Nothing was found at this address."),
    405: gettext_lazy("This method is not allowed here: the Allow header lists those that are."),
    406: gettext_lazy("This API answers only with JSON."),
    409: gettext_lazy("This is not possible in the current state."),
    413: gettext_lazy("The request body is too large."),
    415: gettext_lazy("Send the body as JSON (Content-Type: application/json)."),
    429: gettext_lazy("Too many requests: wait a minute and try again."),
    500: gettext_lazy("Something went wrong on our side. Try again later."),
    503: gettext_lazy("The service is unavailable just now. Try again in a few minutes."),
}

# DRF's field messages that the API can show. DRF ships no nynorsk, so the project's catalogues hold
# them (gettext_noop puts them there through makemessages; the catalogues come first in the lookup).
DRF_MESSAGES = (
    gettext_noop("This field is required."),
    gettext_noop("This field may not be null."),
    gettext_noop("This field may not be blank."),
    gettext_noop("Not a valid string."),
    gettext_noop("Ensure this field has no more than {max_length} characters."),
    gettext_noop('"{input}" is not a valid choice.'),
    gettext_noop('Expected a list of items but got type "{input_type}".'),
    gettext_noop("This selection may not be empty."),
    gettext_noop("A valid integer is required."),
    gettext_noop("Ensure this value is greater than or equal to {min_value}."),
    gettext_noop("Ensure this value is less than or equal to {max_value}."),
    gettext_noop("String value too large."),
    gettext_noop("Null characters are not allowed."),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
    gettext_noop("Invalid data. Expected a dictionary, but got {datatype}."),
)


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def problem(status: int, detail: str | None = None, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The body of a problem, in the active language."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": str(TITLES.get(status, TITLES[400 if status < 500 else 500])),
        "status": status,
        "detail": str(detail if detail is not None else DETAILS.get(status, "")),
    }
    if errors is None and status == 400:
        errors = {"non_field_errors": [body["detail"]]}  # a 400 always says what, as the schema has it
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A DRF response carrying a problem (for views that answer an error themselves)."""
    return Response(problem(status, detail, errors), status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def api_problem_response(request: HttpRequest, status: int, detail: str | None = None) -> HttpResponse:
    """A plain Django response carrying a problem, for the error handlers outside DRF."""
    response = JsonResponse(problem(status, detail), status=status, content_type=PROBLEM_CONTENT_TYPE)
    response["Content-Language"] = request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "nb"
    return response


def field_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's ValidationError detail as `{field: [messages]}`: nested fields as `a.b`, a list of
    messages for the whole body as `non_field_errors`."""
    if isinstance(detail, dict):
        errors: dict[str, list[str]] = {}
        for name, value in detail.items():
            key = f"{prefix}.{name}" if prefix else str(name)
            if isinstance(value, dict):
                errors.update(field_errors(value, key))
            else:
                errors[key] = [str(item) for item in (value if isinstance(value, list) else [value])]
        return errors
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(item) for item in messages]}


class Problem(exceptions.APIException):
    """An error raised on purpose, with a message of our own (already in the request's language)."""

    def __init__(self, status: int, detail: str | None = None) -> None:
        self.status_code = status
        super().__init__(detail if detail is not None else DETAILS.get(status))


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: DRF's handling (headers such as WWW-Authenticate,
    Retry-After and Allow, Http404 and PermissionDenied turned into their API exceptions) with a
    problem for a body. DRF's own messages are English outside the field messages above, so
    anything but a ValidationError or a Problem is told in our words for its status."""
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API exception: Django's handler500 answers (also as a problem)
    status = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        body = problem(status, errors=field_errors(exc.detail))
    elif isinstance(exc, exceptions.ParseError):
        body = problem(status, errors={"non_field_errors": [_("The body is not valid JSON.")]})
    elif isinstance(exc, Problem):
        body = problem(status, str(exc.detail))
    else:
        body = problem(status)
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


# --- The schema ---------------------------------------------------------------------------------


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField(help_text='Always "about:blank": the status says what kind of problem it is.')
    title = serializers.CharField(help_text="A short summary of the status, in the request's language.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong this time, in the request's language.")


class ValidationProblemSerializer(ProblemSerializer):
    # DRF's metaclass takes declared fields off the class, so this field does not replace
    # Serializer.errors; the stubs cannot tell.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name (or `non_field_errors` for the body as a whole) → messages in the request's language.",
    )


def problem_responses(**descriptions: str) -> dict[tuple[int, str], OpenApiResponse]:
    """The documented error answers of an operation, as `application/problem+json`:
    `problem_responses(s400="Unknown lang.", s404="No such pathway.")`."""
    responses = {}
    for key, description in descriptions.items():
        status = int(key.removeprefix("s"))
        serializer = ValidationProblemSerializer if status == 400 else ProblemSerializer
        responses[(status, PROBLEM_CONTENT_TYPE)] = OpenApiResponse(serializer, description=description)
    return responses


# --- Query parameters, read as strictly as the schema states them -------------------------------


def query_value(request: Any, name: str, *, pattern: "re.Pattern[str] | None" = None) -> str | None:
    """The value of a single-valued query parameter, or None when it is absent. Given more than once,
    or not in the shape of `pattern` (matched whole), it is refused with a 400 naming it."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise exceptions.ValidationError({name: [_("Give this parameter once.")]})
    value = values[0]
    if pattern is not None and not pattern.fullmatch(value):
        raise exceptions.ValidationError({name: [_("This value does not have the form the schema gives.")]})
    return value


def query_int(request: Any, name: str, *, minimum: int, maximum: int) -> int | None:
    """A whole number from `minimum` to `maximum` (ASCII digits only), or None when absent."""
    value = query_value(request, name)
    if value is None:
        return None
    if not _DIGITS.fullmatch(value) or not minimum <= int(value) <= maximum:
        raise exceptions.ValidationError(
            {
                name: [
                    _("Must be a whole number from %(minimum)s to %(maximum)s.")
                    % {"minimum": minimum, "maximum": maximum}
                ]
            }
        )
    return int(value)


_DIGITS = re.compile(r"[0-9]{1,20}")
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")
VERSION_NUMBER = re.compile(r"[0-9]{1,6}(\.[0-9]{1,5})?")
SLUG_PATTERN = "^[-a-zA-Z0-9_]{1,100}$"
# What str.isspace() calls whitespace (what forms and serializers strip), as a regex class body for
# a schema's pattern: JSON Schema's \s is not the same set.
WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
VERSION_NUMBER_PATTERN = r"^[0-9]{1,6}(\.[0-9]{1,5})?$"
