"""Pages of the API's lists (REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]). A module of its own: DRF
imports it while it imports its generic views, so it imports nothing that needs them."""

from typing import Any

from rest_framework import pagination
from rest_framework.request import Request

from .problems import query_int

# --- Pages -------------------------------------------------------------------------------------


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """DRF's limit/offset pages with stated bounds: a `limit` or `offset` outside them, not a whole
    number, or given twice is refused with a 400 (DRF would quietly use its default)."""

    default_limit = 50
    max_limit = 100
    max_offset = 1_000_000

    def get_limit(self, request: Request) -> int:
        limit = query_int(request, self.limit_query_param, minimum=1, maximum=self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request: Request) -> int:
        return query_int(request, self.offset_query_param, minimum=0, maximum=self.max_offset) or 0

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": f"How many results per page: 1 to {self.max_limit}, default {self.default_limit}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_limit},
            },
            {
                "name": self.offset_query_param,
                "required": False,
                "in": "query",
                "description": f"How many results to skip: 0 to {self.max_offset}, default 0.",
                "schema": {"type": "integer", "minimum": 0, "maximum": self.max_offset},
            },
        ]
