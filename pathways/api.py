"""The read-only JSON API for published pathways (/api/v1/). Only published versions are shown: a
pathway without a published version does not exist here, and titles come from the version, never
from the draft."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import LANGUAGE_CODES, DownloadFormat, Pathway, Version, VersionKind, VersionSection
from .pages import current_version_of, version_by_number
from .problems import (
    SLUG_PATTERN,
    VERSION_NUMBER,
    VERSION_NUMBER_PATTERN,
    Problem,
    problem_responses,
    query_value,
)
from .reuse import download_record, previous_version, versions_newer_than
from .views import _not_modified_or_none, _section_diffs

# --- Serializers -------------------------------------------------------------------------------


class LocalizedTextSerializer(serializers.Serializer):
    """A text in both written standards."""

    nb = serializers.CharField(help_text="Bokmål")
    nn = serializers.CharField(help_text="Nynorsk")


@extend_schema_field(LocalizedTextSerializer)
class LocalizedField(serializers.Field):
    """Reads `<attribute>_nb` and `<attribute>_nn` of the object into `{"nb": ..., "nn": ...}`."""

    def __init__(self, attribute: str, source: str = "*", **kwargs: Any) -> None:
        self.attribute = attribute
        super().__init__(source=source, read_only=True, **kwargs)

    def to_representation(self, obj: object) -> dict[str, str]:
        return {language: getattr(obj, f"{self.attribute}_{language}") for language in LANGUAGE_CODES}


# The kind of a version is a choice set of its own, but the property is named "kind" like the kind of a
# section and appears in two components: named explicitly, drf-spectacular needs no ENUM_NAME_OVERRIDES.
@extend_schema_field({"type": "string", "enum": VersionKind.values}, component_name="VersionKindEnum")
class VersionKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=VersionKind.choices, **kwargs)


class HtmlLinksSerializer(serializers.Serializer):
    nb = serializers.URLField(help_text="The public page in bokmål.")
    nn = serializers.URLField(help_text="The public page in nynorsk.")


class PathwayLinksSerializer(serializers.Serializer):
    html = HtmlLinksSerializer()
    api = serializers.URLField(help_text="This pathway in the API.")


class SectionSerializer(serializers.ModelSerializer):
    title = LocalizedField("title")
    body = LocalizedField("body", help_text="Markdown.")
    html = LocalizedField("html", help_text="Rendered, sanitised HTML.")

    class Meta:
        model = VersionSection
        fields = ["slug", "kind", "service", "part", "title", "body", "html"]


class PathwaySerializer(serializers.ModelSerializer):
    title = LocalizedField("title", source="current_version")
    current_version = serializers.CharField(source="current_version.number", help_text='For example "2026.1".')
    published_at = serializers.DateTimeField(source="current_version.published_at")
    links = serializers.SerializerMethodField()

    class Meta:
        model = Pathway
        fields = ["slug", "title", "current_version", "published_at", "links"]

    @extend_schema_field(PathwayLinksSerializer)
    def get_links(self, pathway: Pathway) -> dict:
        request = self.context["request"]
        html = {}
        for language in LANGUAGE_CODES:
            with translation.override(language):
                html[language] = request.build_absolute_uri(reverse("pathways:detail", args=[pathway.slug]))
        api = request.build_absolute_uri(reverse("api-pathway-detail", args=[pathway.slug]))
        return {"html": html, "api": api}


class PathwayDetailSerializer(PathwaySerializer):
    sections = SectionSerializer(source="current_version.sections", many=True)

    class Meta(PathwaySerializer.Meta):
        fields = [*PathwaySerializer.Meta.fields, "sections"]


class VersionSerializer(serializers.ModelSerializer):
    number = serializers.CharField(help_text='"2026" for a yearly revision, "2026.1" for a correction.')
    kind = VersionKindField()
    summary = LocalizedField("summary", help_text="What changed in this version.")

    class Meta:
        model = Version
        fields = ["number", "kind", "published_at", "summary"]


class VersionDetailSerializer(VersionSerializer):
    title = LocalizedField("title")
    sections = SectionSerializer(many=True)

    class Meta(VersionSerializer.Meta):
        fields = ["number", "kind", "published_at", "title", "summary", "sections"]


class ChunkSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["equal", "insert", "delete"])
    text = serializers.CharField(trim_whitespace=False)


class SectionDiffSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    old_title = serializers.CharField(help_text="The title before, when it changed; otherwise empty.")
    status = serializers.ChoiceField(choices=["added", "changed", "removed"])
    chunks = ChunkSerializer(many=True)


class DiffSerializer(serializers.Serializer):
    from_ = serializers.CharField(allow_null=True, help_text="The older version; null when `to` is the first.")
    to = serializers.CharField(help_text="The newer version.")
    lang = serializers.ChoiceField(choices=LANGUAGE_CODES)
    sections = SectionDiffSerializer(many=True, help_text="Only the sections that differ.")

    def get_fields(self) -> dict[str, serializers.Field]:
        # `from` is a Python keyword, so the field is declared as `from_` and renamed here.
        fields = super().get_fields()
        return {"from" if name == "from_" else name: field for name, field in fields.items()}


# --- Views -------------------------------------------------------------------------------------

NOT_FOUND = "No published pathway with that slug, or no such version of it."
# The answer's headers of a version (drf-spectacular declares response headers as parameters).
VERSION_HEADERS = [
    OpenApiParameter(
        "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 304], description="Names this version."
    ),
    OpenApiParameter(
        "Last-Modified", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200], description="When it was published."
    ),
]
PAGE_REFUSED = "`limit` or `offset` out of bounds, not a whole number, or given twice."
SLUG = OpenApiParameter(
    "slug",
    {"type": "string", "pattern": SLUG_PATTERN},
    OpenApiParameter.PATH,
    description="The pathway's slug.",
    examples=[OpenApiExample("angst", value="angst")],
)
NUMBER = OpenApiParameter(
    "number",
    {"type": "string", "pattern": VERSION_NUMBER_PATTERN},
    OpenApiParameter.PATH,
    description='A version number: "2026" or "2026.1".',
    examples=[OpenApiExample("2026", value="2026")],
)


def _pathway_or_404(slug: str) -> Pathway:
    pathway = _published_pathways().filter(slug=slug).first()
    if pathway is None:
        raise Problem(404, _("No published pathway has this slug."))
    return pathway


def _version_or_404(pathway: Pathway, number: str) -> Version:
    try:
        return version_by_number(pathway, number)
    except Version.DoesNotExist:
        raise Problem(404, _("This pathway has no published version with this number.")) from None


def _published_pathways() -> QuerySet[Pathway]:
    return Pathway.objects.filter(current_version__isnull=False).select_related("current_version")


@extend_schema_view(
    get=extend_schema(
        tags=["pathways"],
        operation_id="pathways_list",
        summary="Published pathways",
        responses={200: PathwaySerializer(many=True), **problem_responses(s400=PAGE_REFUSED)},
    )
)
class PathwayList(generics.ListAPIView):
    serializer_class = PathwaySerializer
    queryset = _published_pathways()


@extend_schema_view(
    get=extend_schema(
        tags=["pathways"],
        operation_id="pathway_retrieve",
        summary="A pathway with the sections of its current version",
        parameters=[SLUG],
        responses={200: PathwayDetailSerializer, **problem_responses(s404=NOT_FOUND)},
    )
)
class PathwayDetail(generics.RetrieveAPIView):
    serializer_class = PathwayDetailSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Pathway]:
        return _published_pathways().prefetch_related("current_version__sections")

    def get_object(self) -> Pathway:
        pathway = self.get_queryset().filter(slug=self.kwargs["slug"]).first()
        if pathway is None:
            raise Problem(404, _("No published pathway has this slug."))
        return pathway


@extend_schema_view(
    get=extend_schema(
        tags=["pathways"],
        operation_id="pathway_versions_list",
        summary="The published versions of a pathway, newest first",
        parameters=[SLUG],
        responses={200: VersionSerializer(many=True), **problem_responses(s400=PAGE_REFUSED, s404=NOT_FOUND)},
    )
)
class VersionList(generics.ListAPIView):
    serializer_class = VersionSerializer

    def get_queryset(self) -> QuerySet[Version]:
        pathway = _pathway_or_404(self.kwargs["slug"])
        return pathway.versions.order_by("-year", "-correction")


def version_etag(version: Version) -> str:
    """A published version never changes: its id names its content."""
    return quote_etag(f"api-v{version.pk}")


class VersionDetail(APIView):
    @extend_schema(
        tags=["pathways"],
        operation_id="pathway_version_retrieve",
        summary="One published version of a pathway with its sections",
        description=(
            "A version never changes, so the answer carries an `ETag`: send it back as `If-None-Match` "
            "and the answer is 304 with no body. Each 200 is counted as a download of this version "
            "(no personal data is kept)."
        ),
        parameters=[
            SLUG,
            NUMBER,
            OpenApiParameter(
                "If-None-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="The ETag of an earlier answer.",
            ),
            *VERSION_HEADERS,
        ],
        responses={
            200: OpenApiResponse(VersionDetailSerializer, description="The version."),
            304: OpenApiResponse(description="Not modified: the copy the caller has is this version."),
            **problem_responses(s404=NOT_FOUND),
        },
    )
    def get(self, request: Request, slug: str, number: str) -> Response | HttpResponse:
        version = _version_or_404(_pathway_or_404(slug), number)
        etag = version_etag(version)
        not_modified = _not_modified_or_none(request, etag)
        if not_modified:
            return not_modified
        if request.method == "GET":  # a HEAD takes nothing away
            download_record(version=version, format=DownloadFormat.API)
        response = Response(VersionDetailSerializer(version).data)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(version.published_at.timestamp())
        return response


class BehindSerializer(serializers.Serializer):
    version = serializers.CharField(help_text="The version the caller has.")
    current = serializers.CharField(help_text="The pathway's current version.")
    behind = serializers.IntegerField(help_text="How many published versions are newer than the caller's.")
    newer = VersionSerializer(many=True, help_text="Those versions, oldest first.")


class VersionsBehind(APIView):
    @extend_schema(
        tags=["pathways"],
        operation_id="pathway_versions_behind",
        summary="How many versions a copy of a version is behind",
        description="For a site that copied a version: the published versions that have come since.",
        parameters=[
            SLUG,
            OpenApiParameter(
                "version",
                {"type": "string", "pattern": VERSION_NUMBER_PATTERN},
                required=True,
                description='The version the caller has: "2026" or "2026.1".',
            ),
        ],
        responses={
            200: BehindSerializer,
            **problem_responses(
                s400="`version` missing, malformed, or given twice.",
                s404=NOT_FOUND,
            ),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        number = query_value(request, "version", pattern=VERSION_NUMBER)
        if number is None:
            raise ValidationError({"version": [_("This field is required.")]})
        pathway = _pathway_or_404(slug)
        version = _version_or_404(pathway, number)
        newer = list(versions_newer_than(pathway, version))
        data = {
            "version": version.number,
            "current": current_version_of(pathway).number,
            "behind": len(newer),
            "newer": newer,
        }
        return Response(BehindSerializer(data).data)


class VersionDiff(APIView):
    @extend_schema(
        tags=["pathways"],
        operation_id="pathway_diff",
        summary="Word-by-word changes between two versions, section by section",
        parameters=[
            SLUG,
            OpenApiParameter(
                "to",
                {"type": "string", "pattern": VERSION_NUMBER_PATTERN},
                description="The newer version. Default: the current one.",
            ),
            OpenApiParameter(
                "from",
                {"type": "string", "pattern": VERSION_NUMBER_PATTERN},
                description="The older version. Default: the one before `to`.",
            ),
            OpenApiParameter("lang", OpenApiTypes.STR, enum=LANGUAGE_CODES, default="nb"),
        ],
        responses={
            200: DiffSerializer,
            **problem_responses(
                s400="Unknown `lang`, a malformed `to` or `from`, or a parameter given twice.", s404=NOT_FOUND
            ),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        language = query_value(request, "lang") or "nb"
        if language not in LANGUAGE_CODES:
            raise ValidationError({"lang": [_("Must be nb or nn.")]})
        to = query_value(request, "to", pattern=VERSION_NUMBER)
        from_ = query_value(request, "from", pattern=VERSION_NUMBER)
        pathway = _pathway_or_404(slug)
        new = _version_or_404(pathway, to) if to else current_version_of(pathway)
        old = _version_or_404(pathway, from_) if from_ else previous_version(new)
        sections = [
            {
                "slug": row["section"].slug,
                "title": row["title"],
                "old_title": row.get("old_title", ""),
                "status": row["status"],
                "chunks": row["chunks"],
            }
            for row in _section_diffs(old, new, language)
        ]
        data = {"from": old.number if old else None, "to": new.number, "lang": language, "sections": sections}
        return Response(DiffSerializer(data).data)
