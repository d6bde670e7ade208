""" "Was this page useful?" at the foot of every pathway page: a per-view signed token in the cached
page, one stored answer per page view, clear refusals, a rate limit that fails open, and the
editors' counts scoped to what each may see."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from feedback.models import UsefulAnswer
from pathways.reading import UsefulPage, useful_token
from tests.support import as_user

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'<input type="hidden" name="token" value="([^"]+)">')


def token_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    found = TOKEN.search(response.content.decode())
    assert found is not None
    return found.group(1)


def answer(client, token: str, svar: str = "ja", language: str = "nb", **extra):
    return client.post(f"/{language}/nyttig/", {"token": token, "svar": svar, **extra})


# --- The form on the page -------------------------------------------------------------------------


def test_every_page_view_gets_a_token_of_its_own_in_the_cached_page(client, full_pathway):
    first = client.get("/nb/forlop/angst/")
    second = client.get("/nb/forlop/angst/")
    html = first.content.decode()
    assert '<form class="useful" method="post" action="/nb/nyttig/">' in html
    assert "<legend>Var denne sida nyttig?</legend>" in html
    assert '<button type="submit" name="svar" value="ja">Ja</button>' in html
    assert TOKEN.search(html).group(1) != TOKEN.search(second.content.decode()).group(1)
    # Only the token differs; private, so that no shared cache hands one token to many readers.
    assert TOKEN.sub("", html) == TOKEN.sub("", second.content.decode())
    assert first["Cache-Control"] == "private, max-age=300"
    assert first["ETag"].startswith('W/"')
    assert "Set-Cookie" not in first.headers and not first.cookies


def test_the_form_is_on_local_pages_and_earlier_versions_in_both_languages(client, local_page):
    for url in ("/nn/vest/forlop/angst/", "/nb/forlop/angst/versjon/2026/", "/nn/forlop/angst/"):
        html = client.get(url).content.decode()
        assert TOKEN.search(html), url
    assert 'action="/nn/nyttig/"' in client.get("/nn/forlop/angst/").content.decode()


# --- Answering ---------------------------------------------------------------------------------------


def test_yes_is_stored_and_thanked_for(client, full_pathway):
    response = answer(client, token_of(client, "/nb/forlop/angst/"), "ja")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Takk for svaret" in html and "Hva manglet?" not in html
    assert '<a href="/nb/forlop/angst/">Tilbake til siden</a>' in html
    row = UsefulAnswer.objects.get()
    assert (row.pathway, row.version_number, row.language, row.useful) == (full_pathway, "2026", "nb", True)
    assert row.partnership is None and row.section_slug == ""
    assert "Set-Cookie" not in response.headers and not response.cookies


def test_no_offers_the_feedback_form_for_the_page(client, full_pathway):
    response = answer(client, token_of(client, "/nn/forlop/angst/"), "nei", language="nn")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kva mangla?" in html
    assert '<a class="button" href="/nn/tilbakemelding/?forlop=angst&amp;versjon=2026">' in html
    assert UsefulAnswer.objects.get().useful is False
    form = client.get("/nn/tilbakemelding/?forlop=angst&versjon=2026")
    assert form.status_code == 200 and "Angstplager" in form.content.decode()


def test_a_local_page_answer_names_the_partnership_and_its_local_version(client, local_page, partnership_a):
    response = answer(client, token_of(client, "/nb/vest/forlop/angst/"), "nei")
    row = UsefulAnswer.objects.get()
    assert (row.partnership, row.local_version_number, row.version_number) == (partnership_a, "vest-2026.1", "2026")
    assert "forlop=angst&amp;versjon=2026&amp;lokal=vest&amp;lokalversjon=vest-2026.1" in response.content.decode()


def test_an_answer_may_name_a_section_of_the_page(client, full_pathway):
    assert answer(client, token_of(client, "/nb/forlop/angst/"), seksjon="fastlege-tiltak").status_code == 200
    assert UsefulAnswer.objects.get().section_slug == "fastlege-tiltak"
    refused = answer(client, token_of(client, "/nb/forlop/angst/"), seksjon="finnes-ikke")
    assert refused.status_code == 400
    assert "Siden eller delen du svarte om, finnes ikke." in refused.content.decode()
    assert UsefulAnswer.objects.count() == 1


def test_the_same_page_view_counts_once(client, full_pathway):
    token = token_of(client, "/nb/forlop/angst/")
    assert answer(client, token, "ja").status_code == 200
    again = answer(client, token, "nei")
    assert again.status_code == 200
    assert "allerede talt med; det telles én gang" in again.content.decode()
    assert UsefulAnswer.objects.count() == 1 and UsefulAnswer.objects.get().useful is True
    # A new view of the page is a new answer.
    assert answer(client, token_of(client, "/nb/forlop/angst/"), "nei").status_code == 200
    assert UsefulAnswer.objects.count() == 2


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "Svaret kunne ikke leses."),
        ("abc", "Svaret kunne ikke leses."),
        ("x" * 5000, "Svaret kunne ikke leses."),
        ("eyJwIjoiYW5nc3QifQ:1vQ:forged", "Svaret kunne ikke leses."),
    ],
)
def test_a_missing_or_forged_token_is_refused(client, full_pathway, token, message):
    response = answer(client, token)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert UsefulAnswer.objects.count() == 0


def test_a_token_changed_by_hand_is_refused(client, full_pathway):
    token = token_of(client, "/nb/forlop/angst/")
    value, _sep, signature = token.rpartition(":")
    changed = ("B" if value[0] == "A" else "A") + value[1:]
    response = answer(client, changed + ":" + signature)
    assert response.status_code == 400
    assert UsefulAnswer.objects.count() == 0


def test_an_old_token_is_refused_with_a_way_on(client, full_pathway):
    with time_machine.travel(timezone.now() - timedelta(days=8)):
        token = token_of(client, "/nb/forlop/angst/")
    response = answer(client, token)
    assert response.status_code == 400
    assert "Siden ble åpnet for lenge siden. Last inn siden på nytt og svar igjen." in response.content.decode()
    assert UsefulAnswer.objects.count() == 0


@pytest.mark.parametrize(
    "page",
    [
        UsefulPage("finnes-ikke", "2026", "nb"),
        UsefulPage("angst", "1999", "nb"),
        UsefulPage("angst", "2026", "nb", "nord", "nord-2026.1"),
        UsefulPage("angst", "2026", "nb", "vest", "vest-2099.1"),
    ],
)
def test_a_token_for_a_page_that_does_not_exist_is_refused(client, local_page, partnership_b, page):
    response = answer(client, useful_token(page))
    assert response.status_code == 400
    assert "Siden eller delen du svarte om, finnes ikke." in response.content.decode()
    assert UsefulAnswer.objects.count() == 0


@pytest.mark.parametrize("svar", ["", "kanskje", "JA"])
def test_an_answer_that_is_not_yes_or_no_is_refused(client, full_pathway, svar):
    response = answer(client, token_of(client, "/nb/forlop/angst/"), svar)
    assert response.status_code == 400
    assert "Velg ja eller nei." in response.content.decode()
    assert UsefulAnswer.objects.count() == 0


def test_get_is_not_an_answer(client, full_pathway):
    assert client.get("/nb/nyttig/").status_code == 405


@pytest.mark.redis
def test_too_many_answers_from_one_address_are_refused(client, full_pathway, settings):
    settings.USEFUL_PER_MINUTE = 2
    tokens = [token_of(client, "/nb/forlop/angst/") for _n in range(3)]
    assert [answer(client, t).status_code for t in tokens[:2]] == [200, 200]
    refused = answer(client, tokens[2])
    assert refused.status_code == 429
    assert "Du har svart mange ganger på kort tid." in refused.content.decode()
    assert UsefulAnswer.objects.count() == 2


def test_answers_go_through_when_the_cache_is_down(client, full_pathway, settings, caplog):
    settings.USEFUL_PER_MINUTE = 1
    tokens = [token_of(client, "/nb/forlop/angst/") for _n in range(3)]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    assert [answer(client, t).status_code for t in tokens] == [200, 200, 200]
    assert UsefulAnswer.objects.count() == 3
    assert "rate limit useful unavailable, allowing" in caplog.text


# --- The editors' counts -------------------------------------------------------------------------------


@pytest.fixture
def answers(full_pathway, local_page, partnership_a, partnership_b):
    """Common page: 3 yes, 1 no. A's local page: 1 yes, 2 no. B's (made up) local page: 4 no."""

    def add(n, useful, partnership=None, local=""):
        for _i in range(n):
            UsefulAnswer.objects.create(
                pathway=full_pathway,
                version_number="2026",
                language="nb",
                partnership=partnership,
                local_version_number=local,
                useful=useful,
                nonce=f"n{UsefulAnswer.objects.count()}",
            )

    add(3, True)
    add(1, False)
    add(1, True, partnership_a, "vest-2026.1")
    add(2, False, partnership_a, "vest-2026.1")
    add(4, False, partnership_b, "nord-2026.1")


def _rows(response) -> list[list[str]]:
    body = response.content.decode()
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_editor_sees_every_page_with_counts_and_share(client, editor, answers):
    response = as_user(client, editor).get("/nb/redaksjon/nyttig/")
    assert response.status_code == 200
    rows = _rows(response)
    assert ["Angstplager", "Hele siden", "3", "1", "4", "75 %"] in rows
    assert ["Angstplager (Helsefellesskap Vest)", "Hele siden", "1", "2", "3", "33 %"] in rows
    assert ["Angstplager (Helsefellesskap Nord)", "Hele siden", "0", "4", "4", "0 %"] in rows
    # The share is drawn as well (a bar beside the figure, which stays the text).
    assert '<meter min="0" max="100" value="75" aria-hidden="true"></meter>' in response.content.decode()


def test_the_counts_can_be_sorted(client, editor, answers):
    as_user(client, editor)
    by_share = _rows(client.get("/nb/redaksjon/nyttig/?sorter=-andel"))
    assert [row[5] for row in by_share] == ["75 %", "33 %", "0 %"]
    by_no = _rows(client.get("/nb/redaksjon/nyttig/?sorter=nei"))
    assert [row[3] for row in by_no] == ["1", "2", "4"]
    html = client.get("/nb/redaksjon/nyttig/?sorter=nei").content.decode()
    assert 'aria-sort="ascending"><a href="?sorter=-nei">Nei</a>' in html
    assert _rows(client.get("/nb/redaksjon/nyttig/?sorter=tull")) == _rows(client.get("/nb/redaksjon/nyttig/"))


def test_the_editor_can_narrow_to_one_partnership_or_the_common_pages(client, editor, answers):
    as_user(client, editor)
    assert [r[0] for r in _rows(client.get("/nb/redaksjon/nyttig/?lokal=vest"))] == [
        "Angstplager (Helsefellesskap Vest)"
    ]
    assert [r[0] for r in _rows(client.get("/nb/redaksjon/nyttig/?lokal=felles"))] == ["Angstplager"]
    assert client.get("/nb/redaksjon/nyttig/?lokal=finnes-ikke").status_code == 404


def test_a_local_editor_sees_only_their_partnerships_local_pages(client, local_a, answers):
    rows = _rows(as_user(client, local_a).get("/nb/redaksjon/nyttig/"))
    assert rows == [["Angstplager (Helsefellesskap Vest)", "Hele siden", "1", "2", "3", "33 %"]]


def test_a_local_editor_of_b_cannot_see_as_counts(client, local_b, answers):
    as_user(client, local_b)
    rows = _rows(client.get("/nb/redaksjon/nyttig/"))
    assert [r[0] for r in rows] == ["Angstplager (Helsefellesskap Nord)"]
    assert client.get("/nb/redaksjon/nyttig/?lokal=vest").status_code == 404
    assert client.get("/nb/redaksjon/nyttig/?lokal=felles").status_code == 404


def test_others_may_not_see_the_counts(client, trust_seat, adviser, answers):
    assert client.get("/nb/redaksjon/nyttig/").status_code == 302  # to the log-in
    assert as_user(client, trust_seat).get("/nb/redaksjon/nyttig/").status_code == 404
    assert as_user(client, adviser).get("/nb/redaksjon/nyttig/").status_code == 404


def test_no_answers_yet(client, editor):
    html = as_user(client, editor).get("/nn/redaksjon/nyttig/").content.decode()
    assert "Ingen svar enno." in html


def test_the_staff_home_links_to_the_counts(client, editor, local_a, trust_seat):
    link = '<a href="/nb/redaksjon/nyttig/">Svar om nytte</a>'
    assert link in as_user(client, editor).get("/nb/redaksjon/").content.decode()
    assert link in as_user(client, local_a).get("/nb/redaksjon/").content.decode()
