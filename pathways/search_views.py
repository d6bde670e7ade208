"""The public search page, `/<lang>/sok/?q=…` (the search itself is `pathways.search`)."""

from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from .forms import error_summary
from .models import Pathway
from .search import QUERY_MAX_LENGTH, Results, normalise_query
from .views import current_language, render_page

PAGE_SIZE = 20


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the pathways"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        error_messages={"max_length": _("The search can be at most %(limit_value)d characters long. Use fewer words.")},
    )


def _page_url(query: str, number: int) -> str:
    return "?" + urlencode({"q": query, "side": number})


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    # NUL and control characters become spaces before anything reads the query: PostgreSQL refuses a
    # NUL in a string, and nobody means one.
    query = normalise_query(request.GET.get("q", ""))
    # The box is written out in templates/pathways/_search_form.html (no maxlength: a browser would cut
    # a long paste without a word, where the server says what is wrong); its id is the field's name.
    form = SearchForm({"q": query}, auto_id="%s")
    context: dict = {"form": form, "query": query, "errors": [], "page": None, "suggestions": []}
    status = 200
    if not form.is_valid():
        context["errors"] = error_summary(form)
        status = 400
    elif query:
        language = current_language()
        # `side` that is not a number gives the first page, one past the end the last.
        page = Paginator(Results(query, language), PAGE_SIZE).get_page(request.GET.get("side"))
        context["page"] = page
        context["previous_url"] = _page_url(query, page.previous_page_number()) if page.has_previous() else ""
        context["next_url"] = _page_url(query, page.next_page_number()) if page.has_next() else ""
        if not page.paginator.count:
            pathways = Pathway.objects.filter(current_version__isnull=False).order_by("position", "slug")
            context["suggestions"] = [(p.slug, p.title(language)) for p in pathways]
    response = render_page(request, "pathways/search.html", context, status=status)
    if request.GET:
        # Result pages are endless and say nothing a pathway page does not: kept out of search engines.
        response["X-Robots-Tag"] = "noindex"
    return response
