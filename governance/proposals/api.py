"""The JSON API for change proposals (/api/v1/proposals/), for the editors' own tools.

The rules are the staff pages': a caller sees what `permissions.can_view` lets them see (the
responsible editor everything, a local editor their partnership's), and what they may not see is a
404, never a 403. Transitions go through `services.proposal_transition` (and `proposal_merge`), so
the API locks, audits and refuses exactly as the pages do.

Authentication is per view, not global (the public API has none): a per-user token
("Authorization: Token <key>", made in the admin or with `manage.py drf_create_token`) or the staff
session, which then needs the CSRF token for a POST.

Text that may contain personal data and has not been redacted is not sent: the submitter's fields
are null and `text_withheld` is true until a triager has redacted it.
"""

from contextlib import suppress
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.drainage import set_override
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.models import ChangeProposal, ProposalKind, ProposalSource, ProposalState, RejectReason
from governance.proposals.selectors import proposal_or_404, proposals_visible_to, text_is_hidden
from governance.proposals.services import NotPermitted, TransitionRefused, proposal_merge, proposal_transition
from governance.staff_api import BIGINT_MAX, StaffAPIMixin
from pathways.models import LANGUAGE_CODES, LocalAdaptation, Partnership, Pathway, Version
from pathways.pages import version_by_number
from pathways.problems import (
    SLUG,
    SLUG_PATTERN,
    VERSION_NUMBER_PATTERN,
    WHITESPACE,
    Problem,
    problem_responses,
    query_int,
    query_value,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# What each action takes besides its name: True for required, False for optional. The keys are the
# transition methods of ChangeProposal that staff make; `withdraw` is the submitter's own, through
# the private status link, and is not offered here. `other`, `version` and `adaptation` are sent as
# an id or a number and handed to the transition as the object.
TRANSITION_FIELDS: dict[str, dict[str, bool]] = {
    "reject": {"reason": True, "comment": False},
    "merge_into": {"other": True},
    "mark_local": {"comment": False},
    "mark_quick_fix": {"comment": False},
    "defer": {"comment": False},
    "fixed_locally": {"adaptation": True, "comment": False},
    "publish": {"version": True},
    "forward": {"comment": False},
    "decline": {"comment": True},
    "start_review": {},
    "recommend": {},
    "not_recommend": {},
    "accept": {"comment": False},
    "decide_reject": {"comment": True},
    "postpone": {"comment": False},
    "carry_over": {},
}
ARGUMENT_FIELDS = ("comment", "reason", "other", "version", "adaptation")
COMMENT_MAX_LENGTH = ChangeProposal._meta.get_field("decision_comment").max_length


def staff_actions(proposal: ChangeProposal, user) -> list[str]:
    """The actions `user` may take on `proposal` now, in the order of TRANSITION_FIELDS."""
    # django-fsm adds the method to the model for the `state` field, out of sight of the type checker.
    available = {t.name for t in proposal.get_available_user_state_transitions(user)}  # type: ignore[attr-defined]
    return [action for action in TRANSITION_FIELDS if action in available]


# --- Serializers -------------------------------------------------------------------------------
# The enums are named components, so that no two choice sets end up under one name.


@extend_schema_field({"type": "string", "enum": ProposalState.values}, component_name="ProposalStateEnum")
class ProposalStateField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ProposalState.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": ProposalKind.values}, component_name="ProposalKindEnum")
class ProposalKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ProposalKind.choices, **kwargs)


# feedback.api declares the same two components with its own field classes (same name, same enum),
# and drf-spectacular warns when one name has two classes behind it. They describe the same choices,
# so the warning is silenced here; once feedback.api imports these fields, these lines can go.
set_override(ProposalStateField, "suppress_collision_warning", True)
set_override(ProposalKindField, "suppress_collision_warning", True)


@extend_schema_field({"type": "string", "enum": ProposalSource.values}, component_name="ProposalSourceEnum")
class ProposalSourceField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ProposalSource.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": LANGUAGE_CODES}, component_name="WrittenStandardEnum")
class WrittenStandardField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=LANGUAGE_CODES, **kwargs)


@extend_schema_field({"type": "string", "enum": RejectReason.values}, component_name="RejectReasonEnum")
class RejectReasonField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=RejectReason.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": list(TRANSITION_FIELDS)}, component_name="ProposalActionEnum")
class ProposalActionField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=list(TRANSITION_FIELDS), **kwargs)


class ProposalSerializer(serializers.ModelSerializer):
    state = ProposalStateField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True, help_text="The state in words.")
    # DRF's metaclass takes declared fields off the class, so this never hides Field.source.
    source = ProposalSourceField(read_only=True)  # type: ignore[assignment]
    kind = ProposalKindField(read_only=True)
    language = WrittenStandardField(read_only=True, help_text="The written standard it was written in.")
    pathway: "serializers.SlugRelatedField[Pathway]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="The pathway's slug; null when not known."
    )
    section = serializers.CharField(
        source="section_slug", read_only=True, help_text="The section's slug; empty when not known."
    )
    version_seen = serializers.CharField(
        source="version.number", read_only=True, allow_null=True, help_text="The version the submitter saw."
    )
    partnership: "serializers.SlugRelatedField[Partnership]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="The health partnership's slug."
    )
    # A URLField in the model, but empty when the reader came from no external page: "" is no URI.
    external_url = serializers.CharField(
        read_only=True, help_text="The external page (http or https) the reader came from; empty when none."
    )
    text_withheld = serializers.SerializerMethodField(
        help_text="The text may contain personal data and has not been redacted yet: "
        "`description`, `suggested_text` and `quote` are null until it has."
    )
    description = serializers.SerializerMethodField()
    suggested_text = serializers.SerializerMethodField()
    quote = serializers.SerializerMethodField()
    reject_reason = serializers.CharField(read_only=True, help_text="A RejectReasonEnum value; empty unless rejected.")
    published_in = serializers.CharField(
        source="published_in.number", read_only=True, allow_null=True, help_text="The version that carried it out."
    )
    actions = serializers.SerializerMethodField(help_text="What the caller may do with it now.")

    class Meta:
        model = ChangeProposal
        fields = [
            "id",
            "state",
            "state_label",
            "source",
            "kind",
            "language",
            "pathway",
            "section",
            "version_seen",
            "partnership",
            "external_url",
            "context_unknown",
            "text_withheld",
            "description",
            "suggested_text",
            "quote",
            "may_contain_personal_data",
            "redacted_at",
            "created_at",
            "updated_at",
            "triaged_at",
            "closed_at",
            "reject_reason",
            "decision_comment",
            "merged_into",
            "fixed_in_adaptation",
            "published_in",
            "actions",
        ]
        read_only_fields = fields

    def get_text_withheld(self, proposal: ChangeProposal) -> bool:
        return text_is_hidden(proposal)

    def _text(self, proposal: ChangeProposal, name: str) -> str | None:
        return None if self.get_text_withheld(proposal) else getattr(proposal, name)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="What is wrong, as the submitter wrote."))
    def get_description(self, proposal: ChangeProposal) -> str | None:
        return self._text(proposal, "description")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_suggested_text(self, proposal: ChangeProposal) -> str | None:
        return self._text(proposal, "suggested_text")

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="The text the proposal concerns."))
    def get_quote(self, proposal: ChangeProposal) -> str | None:
        return self._text(proposal, "quote")

    @extend_schema_field(serializers.ListField(child=ProposalActionField()))
    def get_actions(self, proposal: ChangeProposal) -> list[str]:
        return staff_actions(proposal, self.context["request"].user)


def _taken_by(name: str, *, required: bool) -> str:
    return ", ".join(action for action, takes in TRANSITION_FIELDS.items() if takes.get(name) is required) or "none"


class SentLengthCharField(serializers.CharField):
    """A CharField whose max_length counts what was sent, spaces at either end too (DRF counts after
    trimming), so that it means what the schema's maxLength says."""

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class ProposalTransitionSerializer(serializers.Serializer):
    action = ProposalActionField(help_text="The move to make; each field below says which moves take it.")
    comment = SentLengthCharField(
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=f"Shown with the decision. Required for: {_taken_by('comment', required=True)}. "
        f"Optional for: {_taken_by('comment', required=False)}. Not taken by the others.",
    )
    reason = RejectReasonField(required=False, help_text=f"Required for: {_taken_by('reason', required=True)}.")
    other = serializers.IntegerField(
        min_value=1,
        max_value=BIGINT_MAX,
        required=False,
        help_text=f"The id of the open proposal to merge into. Required for: {_taken_by('other', required=True)}.",
    )
    version = serializers.RegexField(
        VERSION_NUMBER_PATTERN.removeprefix("^").removesuffix("$") + r"\Z",
        required=False,
        help_text="The number of the pathway's version that carries the change, such as 2026.1. "
        f"Required for: {_taken_by('version', required=True)}.",
    )
    adaptation = serializers.IntegerField(
        min_value=1,
        max_value=BIGINT_MAX,
        required=False,
        help_text="The id of the partnership's local adaptation that carries the change. "
        f"Required for: {_taken_by('adaptation', required=True)}.",
    )

    def validate(self, data: dict) -> dict:
        takes = TRANSITION_FIELDS[data["action"]]
        errors: dict[str, list[StrOrPromise]] = {}
        for name in ARGUMENT_FIELDS:
            given = data.get(name) not in (None, "")
            if given and name not in takes:
                errors[name] = [_("This action does not take this field.")]
            elif not given and takes.get(name):
                errors[name] = [self.fields[name].error_messages["required"]]
        # Fields no action takes are refused as well, as the schema says (additionalProperties: false):
        # a misspelt "reasn" is told, not ignored.
        for name in self.initial_data:
            if name != "action" and name not in takes and name not in errors:
                errors[name] = [_("This action does not take this field.")]
        if errors:
            raise ValidationError(errors)
        return data


def _argument_schema(name: str, *, required: bool) -> dict[str, Any]:
    if name == "comment":
        text = rf"^[^\x00]*[^\x00{WHITESPACE}][^\x00]*$" if required else r"^[^\x00]*$"
        return {"type": "string", "maxLength": COMMENT_MAX_LENGTH, "pattern": text}
    if name == "reason":
        return {"type": "string", "enum": RejectReason.values}
    if name == "version":
        return {"type": "string", "pattern": VERSION_NUMBER_PATTERN, "example": "2026.1"}
    return {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX}


def transition_request_schema() -> dict[str, Any]:
    """One variant per action, with exactly the fields it takes (required where it needs them):
    what the serializer above enforces, in the terms of the schema."""
    variants = []
    for action, takes in TRANSITION_FIELDS.items():
        properties = {"action": {"type": "string", "enum": [action]}}
        properties |= {name: _argument_schema(name, required=needed) for name, needed in takes.items()}
        variants.append(
            {
                "type": "object",
                "title": action,
                "properties": properties,
                "required": ["action", *(name for name, needed in takes.items() if needed)],
                "additionalProperties": False,
            }
        )
    return {"oneOf": variants}


# --- Views -------------------------------------------------------------------------------------


class ProposalPagination(CursorPagination):
    # Keyset pagination: a triager who acts on the first page does not make the second skip ahead,
    # as an offset would when proposals leave the filtered state.
    ordering = ("created_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        size = query_int(request, self.page_size_query_param, minimum=1, maximum=self.max_page_size)
        return self.page_size if size is None else size

    def decode_cursor(self, request: Request) -> Any:
        # Opaque: any string is well formed, and one that is not ours names no page (404, as DRF has it).
        if not query_value(request, self.cursor_query_param):
            return None  # an empty cursor is the first page, as no cursor is
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise Problem(404, _("No page starts here: use the next or previous link of a page.")) from None

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where a page starts: take it from the `next` or `previous` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Proposals per page: 1 to {self.max_page_size}, default {self.page_size}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


ID = OpenApiParameter(
    "id",
    {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX},
    OpenApiParameter.PATH,
    description="The proposal's id.",
)
NOT_FOUND = "No such proposal, or not one the caller may see."
UNAUTHENTICATED = "No valid token or session."
CSRF_MISSING = "A session without the CSRF token (send X-CSRFToken)."


class ProposalList(StaffAPIMixin, generics.ListAPIView):
    serializer_class = ProposalSerializer
    pagination_class = ProposalPagination

    @extend_schema(
        tags=["proposals"],
        operation_id="proposals_list",
        summary="The change proposals the caller may see, oldest first",
        parameters=[
            OpenApiParameter(
                "state", OpenApiTypes.STR, enum=ProposalState.values, many=True, description="Repeat for several."
            ),
            OpenApiParameter("pathway", {"type": "string", "pattern": SLUG_PATTERN}, description="The pathway's slug."),
            OpenApiParameter(
                "partnership", {"type": "string", "pattern": SLUG_PATTERN}, description="The health partnership's slug."
            ),
        ],
        responses={
            200: ProposalSerializer(many=True),
            **problem_responses(
                s400="Unknown state, a malformed slug or page size, or a parameter given twice.",
                s401=UNAUTHENTICATED,
                s404="A cursor that is not from a `next` or `previous` link.",
            ),
        },
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[ChangeProposal]:
        params = self.request.query_params
        proposals = proposals_visible_to(self.request.user).select_related(
            "pathway", "partnership", "version", "published_in"
        )
        if states := params.getlist("state"):
            try:
                states = serializers.MultipleChoiceField(choices=ProposalState.values).run_validation(states)
            except ValidationError as error:
                raise ValidationError({"state": error.detail}) from None
            proposals = proposals.filter(state__in=states)
        if pathway := query_value(self.request, "pathway", pattern=SLUG):
            proposals = proposals.filter(pathway__slug=pathway)
        if partnership := query_value(self.request, "partnership", pattern=SLUG):
            proposals = proposals.filter(partnership__slug=partnership)
        return proposals


class ProposalDetail(StaffAPIMixin, APIView):
    @extend_schema(
        tags=["proposals"],
        operation_id="proposal_retrieve",
        summary="One change proposal",
        parameters=[ID],
        responses={200: ProposalSerializer, **problem_responses(s401=UNAUTHENTICATED, s404=NOT_FOUND)},
    )
    def get(self, request: Request, id: int) -> Response:
        proposal = proposal_or_404(request.user, id)
        return Response(ProposalSerializer(proposal, context={"request": request}).data)


class BodyRequiredSchema(AutoSchema):
    """drf-spectacular leaves a request body given as a plain schema (the transitions' oneOf) optional;
    the view refuses a POST without one (400), so the schema says it is required."""

    def _get_request_body(self, direction: str = "request") -> dict | None:
        body = super()._get_request_body(direction)
        if body is not None:
            body["required"] = True
        return body


class ProposalTransition(StaffAPIMixin, APIView):
    parser_classes = [JSONParser]
    schema = BodyRequiredSchema()

    @extend_schema(
        tags=["proposals"],
        operation_id="proposal_transition",
        summary="Move a proposal on: triage it, decide it, publish it",
        description=(
            "The proposal is locked while this runs, so when two people act at once the second is told "
            "what the first did (409). An action the caller may not take is a 404, as is a proposal "
            "the caller may not see."
        ),
        parameters=[ID],
        request={"application/json": transition_request_schema()},
        responses={
            200: OpenApiResponse(ProposalSerializer, description="Done: the proposal as it is now."),
            **problem_responses(
                s400="Unknown action, or a field missing or out of place.",
                s401=UNAUTHENTICATED,
                s403=CSRF_MISSING,
                s404=NOT_FOUND,
                s409="Not possible in the proposal's state, or the version or adaptation named is not one "
                "of the proposal's pathway.",
                s415="A body that is not JSON.",
            ),
        },
    )
    def post(self, request: Request, id: int) -> Response:
        # IsAuthenticated (StaffAPIMixin) lets only a signed-in user this far.
        user = request.user
        assert user.is_authenticated
        # Visibility first, so that nothing below (not even a 400) tells of a proposal one may not see.
        proposal = proposal_or_404(user, id)
        serializer = ProposalTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        action = data["action"]
        try:
            if action == "merge_into":
                proposal = proposal_merge(proposal_id=proposal.pk, into_id=data["other"], by=user)
            else:
                arguments = {}
                if action == "reject":
                    arguments["reason"] = data["reason"]
                if action == "publish":
                    arguments["version"] = _version(proposal, data["version"])
                if action == "fixed_locally":
                    arguments["adaptation"] = _adaptation(proposal, data["adaptation"])
                proposal = proposal_transition(
                    proposal_id=proposal.pk,
                    action=action,
                    by=user,
                    comment=data.get("comment", ""),
                    **arguments,
                )
        except NotPermitted:
            raise NotFound from None
        except TransitionRefused as refused:
            raise Problem(409, str(refused)) from None
        return Response(ProposalSerializer(proposal, context={"request": request}).data)


# The messages are the proposal page's (governance.proposals.forms), so they are translated once.


def _version(proposal: ChangeProposal, number: str) -> Version:
    if proposal.pathway is not None:
        with suppress(Version.DoesNotExist):
            return version_by_number(proposal.pathway, number)
    # Well formed but not there: the state of the pathway, not the shape of the request (409).
    raise Problem(409, _("Choose a published version of this pathway."))


def _adaptation(proposal: ChangeProposal, adaptation_id: int) -> LocalAdaptation:
    """Only the adaptation of the proposal's pathway by the proposal's partnership will do, as on the
    proposal page."""
    adaptation = LocalAdaptation.objects.filter(
        pk=adaptation_id, partnership=proposal.partnership_id, pathway=proposal.pathway_id
    ).first()
    if adaptation is None:
        raise Problem(409, _("Choose the partnership's adaptation of this pathway."))
    return adaptation
