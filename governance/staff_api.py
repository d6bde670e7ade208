"""What the staff APIs share (the proposals API, the webhooks API): who may call them and how, and
the largest id a path takes."""

from collections.abc import Sequence

from django.utils.cache import add_never_cache_headers
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, TokenAuthentication
from rest_framework.permissions import BasePermission, IsAuthenticated, OperandHolder, SingleOperandHolder

# The largest id a path or a field takes (PostgreSQL's bigint).
BIGINT_MAX = 2**63 - 1


class StaffAPIMixin:
    # A per-user token or the staff session; the token first, so that a caller with neither gets
    # 401 with `WWW-Authenticate: Token` (DRF answers as the first authentication class would).
    # Nothing is cached on the way: the answers hold submitters' text, or webhook URLs.
    authentication_classes: Sequence[type[BaseAuthentication]] = [TokenAuthentication, SessionAuthentication]
    # Typed as APIView types it: the views that mix this in inherit both.
    permission_classes: Sequence[type[BasePermission] | OperandHolder | SingleOperandHolder] = [IsAuthenticated]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response
