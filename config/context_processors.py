"""What every page's footer shows: the service's owner and its accessibility statement."""

from django.conf import settings
from django.http import HttpRequest


def site_footer(request: HttpRequest) -> dict[str, str]:
    return {
        "service_owner": settings.SERVICE_OWNER,
        "accessibility_statement_url": settings.ACCESSIBILITY_STATEMENT_URL,
    }
