"""The webhook subscriptions API (/api/v1/webhooks/), the responsible editor's alone: list, register,
remove. Authentication as for the proposals API (a per-user token or the staff session, which then
sends the CSRF token); anyone else signed in is refused with 403.

What the schema forbids (a URL that is not http(s), too long, a secret of the wrong length) is a
400; what is well formed but cannot be done here (an internal host, a URL already registered, an
unknown partnership) is a 409. The secret is in the answer to the POST only, never again.
"""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance import permissions as perms
from governance.models import WebhookSubscription
from governance.outbox.webhooks import (
    SECRET_MAX_LENGTH,
    SECRET_MIN_LENGTH,
    URL_MAX_LENGTH,
    SubscriptionRefused,
    webhook_subscribe,
    webhook_unsubscribe,
)
from governance.staff_api import BIGINT_MAX, StaffAPIMixin
from pathways.models import Partnership
from pathways.problems import SLUG_PATTERN, Problem, problem_responses

URL_PATTERN = r"^https?://[^\x00-\x20\x7f]+$"
SECRET_PATTERN = rf"^([\x21-\x7e]{{{SECRET_MIN_LENGTH},{SECRET_MAX_LENGTH}}})?$"
DESCRIPTION_MAX_LENGTH = WebhookSubscription._meta.get_field("description").max_length or 200


def _python(pattern: str) -> str:
    # `$` in Python also matches before a final newline; the schema's does not.
    return pattern.removesuffix("$") + r"\Z"


class StrictRegexField(serializers.RegexField):
    """A string matching `regex`, and only a string: DRF's CharField would take 12 as "12", which
    the schema (type: string) forbids. With `empty_ok` the empty string is taken as well, as the
    pattern says (DRF's allow_blank would put a oneOf into the schema that "" matches twice)."""

    empty_ok = False

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if self.empty_ok and data == "":
            return ""
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise ValidationError(_("Not a valid string."))
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false, not "true", 1 or "yes" (which DRF takes and the schema forbids)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            raise ValidationError(_("Must be true or false."))
        return data


@extend_schema_field({"type": "string", "maxLength": URL_MAX_LENGTH, "pattern": URL_PATTERN})
class UrlField(StrictRegexField):
    pass


@extend_schema_field({"type": "string", "pattern": SECRET_PATTERN})
class SecretField(StrictRegexField):
    empty_ok = True


@extend_schema_field({"type": "string", "nullable": True, "pattern": SLUG_PATTERN})
class PartnershipSlugField(StrictRegexField):
    pass


@extend_schema_field({"type": "string", "maxLength": DESCRIPTION_MAX_LENGTH, "pattern": r"^[^\x00]*$"})
class DescriptionField(StrictRegexField):
    empty_ok = True


class WebhookSerializer(serializers.ModelSerializer):
    partnership: "serializers.SlugRelatedField[Partnership]" = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="Only this health partnership's local versions; null for every published version.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "active", "partnership", "description", "created_at"]
        read_only_fields = fields


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Signs every delivery (X-Forlop-Signature). Shown this once: keep it."
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookCreateSerializer(serializers.Serializer):
    url = UrlField(
        _python(URL_PATTERN),
        max_length=URL_MAX_LENGTH,
        trim_whitespace=False,
        help_text="Where each event is POSTed: http or https, a public host.",
    )
    secret = SecretField(
        _python(SECRET_PATTERN),
        required=False,
        trim_whitespace=False,
        help_text=f"{SECRET_MIN_LENGTH} to {SECRET_MAX_LENGTH} printable characters; leave out to have one made.",
    )
    partnership = PartnershipSlugField(
        _python(SLUG_PATTERN),
        required=False,
        allow_null=True,
        trim_whitespace=False,
        help_text="A health partnership's slug: only its local versions are sent.",
    )
    description = DescriptionField(
        r"^[^\x00]*\Z",
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        trim_whitespace=False,
        help_text="Whose receiver this is, for the editor.",
    )
    active = StrictBooleanField(required=False, default=True, help_text="Sent to only while true.")


UNAUTHENTICATED = "No valid token or session."
FORBIDDEN = "Not the responsible editor, or a session without the CSRF token (send X-CSRFToken)."
ID = OpenApiParameter(
    "id",
    {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX},
    OpenApiParameter.PATH,
    description="The subscription's id.",
)


def _editor_only(request: Request) -> None:
    if not perms.can_manage_webhooks(request.user):
        raise Problem(403, _("Only the responsible editor manages webhooks."))


class WebhookList(StaffAPIMixin, APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["webhooks"],
        operation_id="webhooks_list",
        summary="The webhook subscriptions",
        responses={200: WebhookSerializer(many=True), **problem_responses(s401=UNAUTHENTICATED, s403=FORBIDDEN)},
    )
    def get(self, request: Request) -> Response:
        _editor_only(request)
        subscriptions = WebhookSubscription.objects.select_related("partnership").order_by("pk")
        return Response(WebhookSerializer(subscriptions, many=True).data)

    @extend_schema(
        tags=["webhooks"],
        operation_id="webhooks_create",
        summary="Register a receiving URL",
        description="Each published version (common and local) is POSTed to it, signed with the secret.",
        request=WebhookCreateSerializer,
        responses={
            201: OpenApiResponse(WebhookCreatedSerializer, description="Registered; the secret is shown this once."),
            **problem_responses(
                s400="A URL that is not http(s) or too long, a secret of the wrong length, a field of the wrong type.",
                s401=UNAUTHENTICATED,
                s403=FORBIDDEN,
                s409="The URL points to an internal host or is already registered, or no such partnership.",
                s415="A body that is not JSON.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        _editor_only(request)
        serializer = WebhookCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        partnership = None
        if data.get("partnership"):
            partnership = Partnership.objects.filter(slug=data["partnership"]).first()
            if partnership is None:
                raise Problem(409, _("No health partnership has this slug."))
        try:
            subscription = webhook_subscribe(
                url=data["url"],
                secret=data.get("secret", ""),
                partnership=partnership,
                description=data.get("description", ""),
                active=data["active"],
                by=request.user,  # type: ignore[arg-type]
            )
        except SubscriptionRefused as refused:
            raise Problem(409, " ".join(refused.reasons)) from None
        return Response(WebhookCreatedSerializer(subscription).data, status=201)


class WebhookDetail(StaffAPIMixin, APIView):
    @extend_schema(
        tags=["webhooks"],
        operation_id="webhook_destroy",
        summary="Remove a subscription",
        parameters=[ID],
        responses={
            204: OpenApiResponse(description="Removed, with its delivery record."),
            **problem_responses(s401=UNAUTHENTICATED, s403=FORBIDDEN, s404="No such subscription."),
        },
    )
    def delete(self, request: Request, id: int) -> Response:
        _editor_only(request)
        if not webhook_unsubscribe(subscription_id=id):
            raise Problem(404, _("No webhook subscription has this id."))
        return Response(status=204)
