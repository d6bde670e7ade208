"""The "Was this page useful?" answer (a plain form POST from the pathway pages, no JavaScript) and
the editors' counts."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from pathways.models import Partnership
from pathways.permissions import AuthenticatedHttpRequest, is_responsible_editor
from pathways.reading import read_useful_token
from pathways.throttle import over_limit
from pathways.views import current_language, feedback_links, render_page

from .useful import DEFAULT_SORT, SORT_KEYS, UsefulRefused, may_see_useful_counts, useful_answer_record, useful_counts

logger = logging.getLogger(__name__)

ANSWERS = {"ja": True, "nei": False}


def _refused(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    return render_page(request, "feedback/useful_refused.html", {"message": message}, status=status)


# The pages the form is on are the same bytes for every reader (a cached snapshot, without a CSRF
# token). The signed per-view token in the form is what a POST must carry instead; there is no
# session or account an attacker could act for, and a page view answers once.
@csrf_exempt
@require_POST
def useful_answer(request: HttpRequest) -> HttpResponse:
    language = current_language()
    if over_limit(request, group="useful", rate=(settings.USEFUL_PER_MINUTE, 60)):
        logger.warning("useful answer throttled")
        message = _("You have answered many times in a short time. Wait a minute and try again.")
        return _refused(request, message, status=429)
    try:
        page = read_useful_token(request.POST.get("token", ""))
    except signing.SignatureExpired:
        return _refused(request, _("The page was opened too long ago. Reload the page and answer again."))
    except signing.BadSignature:
        return _refused(request, _("The answer could not be read. Go back to the page, reload it and answer again."))
    answer = request.POST.get("svar", "")
    if answer not in ANSWERS:
        return _refused(request, _("Choose yes or no."))
    section = request.POST.get("seksjon", "")
    if len(section) > 100:
        return _refused(request, _("The page or section you answered about does not exist."))
    try:
        recorded = useful_answer_record(page=page, useful=ANSWERS[answer], section_slug=section)
    except UsefulRefused:
        return _refused(request, _("The page or section you answered about does not exist."))
    local = f"{page.partnership}/" if page.partnership else ""
    page_path = f"/{language}/{local}forlop/{page.pathway}/"
    feedback_url = feedback_links(language, page.pathway, page.version, page.partnership, page.local_version)(section)
    response = render_page(
        request,
        "feedback/useful_thanks.html",
        {"useful": ANSWERS[answer], "recorded": recorded, "page_path": page_path, "feedback_url": feedback_url},
        path=page_path,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _sort_links(sort: str, base: dict[str, str]) -> dict[str, dict[str, str]]:
    """For each column: the address that sorts by it (descending first for the numbers, the other
    way round when it is already sorted so) and its aria-sort value."""
    links = {}
    for key in SORT_KEYS:
        current = sort.removeprefix("-") == key
        descending = sort.startswith("-")
        # Another column sorts descending first (the page by name ascending); the current one turns.
        target = (key if descending else f"-{key}") if current else (key if key == "forlop" else f"-{key}")
        state = ("descending" if descending else "ascending") if current else ""
        links[key] = {"href": "?" + urlencode(base | {"sorter": target}), "aria_sort": state}
    return links


@login_required
@require_http_methods(["GET", "HEAD"])
def useful_counts_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The responsible editor sees every page's counts (`lokal` narrows to one partnership, "felles"
    to the common pages); a local editor sees their partnership's local pages. Anyone else: 404."""
    user, language = request.user, current_language()
    if not may_see_useful_counts(user):
        raise Http404
    everything = is_responsible_editor(user)
    partnership: Partnership | None = None if everything else user.profile.partnership
    chosen = request.GET.get("lokal", "")
    if chosen:
        found = Partnership.objects.filter(slug=chosen[:100]).first() if chosen != "felles" else None
        if chosen != "felles" and found is None:
            raise Http404
        # A local editor may name only their own partnership.
        if not everything and found != partnership:
            raise Http404
        if everything:
            partnership = found
            everything = chosen != "felles"
            # "felles": the common pages only (partnership None, not everything).
    sort = request.GET.get("sorter", DEFAULT_SORT)
    if sort.removeprefix("-") not in SORT_KEYS:
        sort = DEFAULT_SORT
    counts = useful_counts(partnership=partnership, everything=everything, language=language, sort=sort)
    base = {"lokal": chosen} if chosen else {}
    return render_page(
        request,
        "feedback/useful_counts.html",
        {
            "counts": counts,
            "sort": _sort_links(sort, base),
            "partnership": partnership,
            "common_only": chosen == "felles",
            "is_responsible_editor": is_responsible_editor(user),
            "partnerships": Partnership.objects.order_by("name") if is_responsible_editor(user) else [],
            "chosen": chosen,
        },
    )
