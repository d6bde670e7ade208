"""The public search, /<lang>/sok/?q=…, on whichever database the run has: PostgreSQL's full-text
search under scripts/test.sh with PostgreSQL up (CI), SQLite's FTS5 without it. The last test runs
this same module in a subprocess against SQLite when the run itself is on PostgreSQL, so that both
implementations are exercised by every `make test`."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pathways.models import Pathway, SearchEntry, Section, SectionKind, VersionKind
from pathways.search import START, STOP, fts5_match
from pathways.services import pathway_publish
from tests.support import subprocess_env

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def publish(editor, slug: str, sections: list[dict], *, title: str = "", year: int = 2026, kind=VersionKind.REVISION):
    """A pathway with `sections` (dicts with slug, title_nb, body_nb and optionally the nn fields; nn
    defaults to the nb text), published once. Returns the pathway."""
    pathway, _created = Pathway.objects.get_or_create(
        slug=slug, defaults={"title_nb": title or f"Forløp {slug}", "title_nn": title or f"Forløp {slug} nn"}
    )
    for position, fields in enumerate(sections):
        Section.objects.update_or_create(
            pathway=pathway,
            slug=fields["slug"],
            defaults={
                "kind": SectionKind.BACKGROUND,
                "position": position,
                "title_nb": fields["title_nb"],
                "title_nn": fields.get("title_nn", fields["title_nb"]),
                "body_nb": fields["body_nb"],
                "body_nn": fields.get("body_nn", fields["body_nb"]),
            },
        )
    pathway_publish(
        pathway=pathway, by=editor, kind=kind, year=year, summary_nb="Ny versjon.", summary_nn="Ny versjon."
    )
    pathway.refresh_from_db()
    return pathway


def hits(client, query: str, language: str = "nb", **params) -> list[str]:
    """The links of the hits on the first page, in order."""
    response = client.get(f"/{language}/sok/", {"q": query, **params})
    assert response.status_code == 200
    return [hit.url for hit in response.context["page"].object_list] if response.context["page"] else []


# --- Stemming: bokmål and nynorsk ------------------------------------------------------------------


def test_an_inflected_bokmal_word_finds_the_section_and_links_to_its_anchor(client, editor):
    publish(
        editor,
        "angst",
        [
            {"slug": "innledning", "title_nb": "Om forløpet", "body_nb": "Barn med angst trenger hjelp tidlig."},
            {"slug": "sjekkliste", "title_nb": "Sjekkliste", "body_nb": "Disse henvisningene må være fullstendige."},
        ],
    )

    assert hits(client, "henvisning") == ["/nb/forlop/angst/#sjekkliste"]
    assert hits(client, "henvisninger") == ["/nb/forlop/angst/#sjekkliste"]
    page = client.get("/nb/sok/", {"q": "henvisninger"}).content.decode()
    assert 'href="/nb/forlop/angst/#sjekkliste"' in page
    assert "Forløp angst" in page  # the pathway's title
    assert "1 seksjon funnet for «henvisninger»." in page


@pytest.mark.parametrize(
    ("written", "searched"),
    [
        ("Send tilvisinga til BUP.", "tilvisingar"),
        ("Alle tilvisingar går til BUP.", "tilvising"),
        ("Samarbeid med barnehagen.", "barnehagar"),
        ("Ved overgangen frå barnehagane.", "barnehagen"),
        ("Tenestene samarbeider.", "teneste"),
    ],
)
def test_nynorsk_inflections_find_each_other_on_the_nynorsk_page(client, editor, written, searched):
    publish(
        editor, "uro", [{"slug": "samarbeid", "title_nb": "Samarbeid", "body_nb": "Bokmålstekst.", "body_nn": written}]
    )

    assert hits(client, searched, "nn") == ["/nn/forlop/uro/#samarbeid"]
    assert hits(client, searched, "nb") == []  # the bokmål page searches the bokmål text only


def test_each_written_standard_searches_its_own_text(client, editor):
    publish(
        editor,
        "angst",
        [
            {
                "slug": "tiltak",
                "title_nb": "Tiltak",
                "title_nn": "Tiltak",
                "body_nb": "Kommunen",
                "body_nn": "Kommunen tilbyr rettleiing.",
            }
        ],
    )

    assert hits(client, "rettleiing", "nn") == ["/nn/forlop/angst/#tiltak"]
    assert hits(client, "rettleiing", "nb") == []


# --- Ranking and snippets --------------------------------------------------------------------------


def test_a_title_hit_ranks_above_a_body_hit(client, editor):
    publish(
        editor,
        "angst",
        [
            {
                "slug": "brodtekst",
                "title_nb": "Om samarbeid",
                "body_nb": "Her nevnes kartlegging én gang blant mye annet.",
            },
            {"slug": "tittel", "title_nb": "Kartlegging", "body_nb": "Fastlegen spør om plagene og varigheten."},
        ],
    )

    assert hits(client, "kartlegging") == ["/nb/forlop/angst/#tittel", "/nb/forlop/angst/#brodtekst"]


def test_the_snippet_marks_the_words_found(client, editor):
    publish(editor, "angst", [{"slug": "a", "title_nb": "Henvisning", "body_nb": "Legg ved **henvisningen** til BUP."}])

    page = client.get("/nb/sok/", {"q": "henvisning"}).content.decode()

    assert "<mark>Henvisning</mark>" in page  # the title
    assert "Legg ved <mark>henvisningen</mark> til BUP" in page  # the text, without the Markdown


def test_hostile_text_in_a_section_is_escaped_in_the_snippet(client, editor):
    hostile = (
        "Skriv `<script>alert('x')</script>` i henvisning, eller &lt;img src=x onerror=alert(1)&gt; "
        f'og {START}ikke markert{STOP} "sitat"'
    )
    publish(editor, "angst", [{"slug": "a", "title_nb": "<b>Fet</b> henvisning", "body_nb": hostile}])

    page = client.get("/nb/sok/", {"q": "henvisning"}).content.decode()
    results = page.split('class="search-results"', 1)[1]

    assert "<script>" not in results and "<img" not in results and "<b>" not in results
    # ts_headline leaves out what PostgreSQL's parser reads as a tag; FTS5 shows it, escaped.
    assert "alert(&#x27;x&#x27;)" in results
    if connection.vendor == "sqlite":
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in results
    assert "&lt;img src=x onerror=alert(1)&gt;" in results
    assert "&lt;b&gt;Fet&lt;/b&gt; <mark>henvisning</mark>" in results
    # A marker character in the text is not ours: it is dropped when indexed, never made a <mark>.
    assert results.count("<mark>") == results.count("</mark>") == 2
    assert START not in results and STOP not in results


# --- Only what is published ------------------------------------------------------------------------


def test_a_draft_edit_is_not_found_until_it_is_published(client, editor):
    pathway = publish(editor, "angst", [{"slug": "a", "title_nb": "Tiltak", "body_nb": "Samtaler med foreldrene."}])
    Section.objects.filter(pathway=pathway, slug="a").update(
        body_nb="Gruppebehandling hjelper.", body_nn="Gruppebehandling hjelper."
    )

    assert hits(client, "gruppebehandling") == []
    assert hits(client, "samtaler") == ["/nb/forlop/angst/#a"]

    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="Ny.", summary_nn="Ny.")

    assert hits(client, "gruppebehandling") == ["/nb/forlop/angst/#a"]
    assert hits(client, "samtaler") == []  # the older version is indexed, but readers search the current one
    assert SearchEntry.objects.filter(slug="a").count() == 4  # two versions × two written standards


def test_an_unpublished_pathway_is_not_found(client, editor):
    pathway = Pathway.objects.create(slug="utkast", title_nb="Utkast", title_nn="Utkast")
    Section.objects.create(
        pathway=pathway,
        slug="a",
        kind=SectionKind.BACKGROUND,
        title_nb="Utkast",
        title_nn="Utkast",
        body_nb="Hemmelig plan.",
        body_nn="Løyndom.",
    )

    assert hits(client, "hemmelig") == []


def test_rebuild_search_index_writes_the_index_anew(client, editor):
    publish(editor, "angst", [{"slug": "a", "title_nb": "Tiltak", "body_nb": "Samtaler med foreldrene."}])
    SearchEntry.objects.all().delete()
    assert hits(client, "samtaler") == []

    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)

    assert hits(client, "samtaler") == ["/nb/forlop/angst/#a"]
    assert SearchEntry.objects.count() == 2
    assert "2" in out.getvalue()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table and its triggers are SQLite's")
def test_rebuild_search_index_makes_lost_fts5_triggers_anew(client, editor):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER pathways_searchentry_ai")
    pathway = publish(editor, "angst", [{"slug": "a", "title_nb": "Tiltak", "body_nb": "Samtaler med foreldrene."}])
    assert hits(client, "samtaler") == []  # the row is there, the FTS table never heard of it

    call_command("rebuild_search_index", stdout=io.StringIO())
    assert hits(client, "samtaler") == ["/nb/forlop/angst/#a"]
    Section.objects.filter(pathway=pathway).update(body_nb="Gruppebehandling.", body_nn="Gruppebehandling.")
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="Ny.", summary_nn="Ny.")
    assert hits(client, "gruppebehandling") == ["/nb/forlop/angst/#a"]  # the triggers work again


# --- Pages, empty states, bad input ----------------------------------------------------------------


@pytest.fixture
def many(editor):
    """25 sections that all mention "barnevern"."""
    sections = [{"slug": f"del-{n}", "title_nb": f"Del {n}", "body_nb": f"Barnevernet og del {n}."} for n in range(25)]
    return publish(editor, "vold", sections)


def test_results_come_in_pages_of_twenty(client, many):
    first = client.get("/nb/sok/", {"q": "barnevern"})
    second = client.get("/nb/sok/", {"q": "barnevern", "side": "2"})

    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 5
    links = {hit.url for hit in first.context["page"]} | {hit.url for hit in second.context["page"]}
    assert len(links) == 25
    page = first.content.decode()
    assert "25 seksjoner funnet for «barnevern»." in page and "Side 1 av 2." in page
    assert 'href="?q=barnevern&amp;side=2" rel="next"' in page
    assert 'href="?q=barnevern&amp;side=1" rel="prev"' in second.content.decode()


@pytest.mark.parametrize(("side", "number"), [("abc", 1), ("-1", 2), ("99999999999999999999", 2), ("0", 2), ("", 1)])
def test_a_page_number_that_is_not_one_gives_a_page_not_an_error(client, many, side, number):
    response = client.get("/nb/sok/", {"q": "barnevern", "side": side})

    assert response.status_code == 200
    assert response.context["page"].number == number


def test_with_no_query_the_page_shows_the_form_and_a_hint(client, editor):
    response = client.get("/nb/sok/")
    page = response.content.decode()

    assert response.status_code == 200
    assert 'role="search"' in page and '<label for="q">Søk i forløpene</label>' in page
    assert "Skriv ett eller flere ord" in page
    assert "X-Robots-Tag" not in response.headers


def test_no_hits_gives_suggestions_and_the_pathways(client, editor):
    publish(editor, "angst", [{"slug": "a", "title_nb": "Tiltak", "body_nb": "Samtaler."}], title="Angstplager")

    page = client.get("/nn/sok/", {"q": "xylofon"}).content.decode()

    assert "Ingen seksjonar passar til «xylofon»." in page
    assert "Sjekk stavemåten." in page
    assert '<a href="/nn/forlop/angst/">Angstplager</a>' in page


def test_a_search_page_is_kept_out_of_search_engines(client, editor):
    response = client.get("/nb/sok/", {"q": "angst"})

    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.content.decode()


@pytest.mark.parametrize(
    ("language", "message"), [("nb", "Søket kan ha høyst 200 tegn."), ("nn", "Søket kan ha høgst 200 teikn.")]
)
def test_a_huge_query_is_refused_with_a_clear_message(client, editor, language, message):
    response = client.get(f"/{language}/sok/", {"q": "angst " * 2000})

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'aria-invalid="true"' in page
    assert response.context["page"] is None


HOSTILE = [
    "'\"&|!():*<>",
    '"',
    '"unclosed phrase',
    "-",
    "--",
    "-angst",
    "* OR *",
    "angst\x00barn",
    "\x00",
    "'; DROP TABLE pathways_searchentry; --",
    "1 OR 1=1",
    "angst NEAR(barn) NOT",
    "AND OR NOT",
    "^angst",
    "angst:*",
    "col:angst",
    "{title}: angst",
    "((((((",
    "\ufffd\u202e\ue000",
    "ø" * 200,
    "og i på",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_input_never_fails(client, editor, query):
    publish(editor, "angst", [{"slug": "a", "title_nb": "Angst hos barn", "body_nb": "Barn med angst."}])

    for language in ("nb", "nn"):
        response = client.get(f"/{language}/sok/", {"q": query})
        assert response.status_code == 200, query


def test_a_nul_byte_is_read_as_a_space(client, editor):
    publish(editor, "angst", [{"slug": "a", "title_nb": "Angst hos barn", "body_nb": "Barn med angst."}])

    assert hits(client, "angst\x00barn") == ["/nb/forlop/angst/#a"]


def test_a_word_with_a_minus_leaves_out_what_has_it(client, editor):
    publish(
        editor,
        "angst",
        [
            {"slug": "a", "title_nb": "Skole", "body_nb": "Angst på skolen."},
            {"slug": "b", "title_nb": "Hjem", "body_nb": "Angst hjemme."},
        ],
    )

    assert hits(client, "angst -skolen") == ["/nb/forlop/angst/#b"]


def test_the_fts5_expression_quotes_every_word():
    assert fts5_match('henvisninger "til bup" -vold') == '"henvisning"* AND "til bup" NOT "vold"*'
    assert fts5_match("angst or uro") == '("angst"* OR "uro"*)'
    assert fts5_match("'\"&|!():*<>") == ""
    assert fts5_match("-angst") == ""
    assert fts5_match('a"b NEAR(c)') == '"a"' + ' AND "b near c"'


def test_the_queries_of_a_search_are_the_same_for_one_hit_and_fifty(client, editor):
    publish(editor, "en", [{"slug": "a", "title_nb": "Ensom", "body_nb": "Bare én treffer ordet sjeldenhet."}])
    publish(
        editor, "mange", [{"slug": f"d{n}", "title_nb": f"Del {n}", "body_nb": f"Vanlighet {n}."} for n in range(50)]
    )

    with CaptureQueriesContext(connection) as one:
        assert len(hits(client, "sjeldenhet")) == 1
    with CaptureQueriesContext(connection) as fifty:
        response = client.get("/nb/sok/", {"q": "vanlighet"})
        assert response.context["page"].paginator.count == 50
    assert len(one) == len(fifty) == 2  # the count and the page


# --- The search boxes elsewhere --------------------------------------------------------------------


def test_the_pathway_index_and_the_pathway_pages_have_a_search_box(client, editor):
    publish(editor, "angst", [{"slug": "a", "title_nb": "Tiltak", "body_nb": "Samtaler."}])

    index = client.get("/nn/forlop/").content.decode()
    detail = client.get("/nb/forlop/angst/").content.decode()

    assert index.count('role="search"') == 1 and 'action="/nn/sok/"' in index
    assert detail.count('role="search"') == 1 and 'action="/nb/sok/"' in detail and 'id="header-q"' in detail


# --- The other implementation ----------------------------------------------------------------------


@pytest.mark.skipif(os.environ.get("SEARCH_TESTS_NESTED") == "1", reason="already the nested run")
def test_the_same_tests_pass_on_the_other_database(tmp_path):
    """On PostgreSQL: this module again, in a subprocess on the embedded SQLite (FTS5). On SQLite
    (no PostgreSQL): nothing more to do, the run itself was the FTS5 run."""
    if connection.vendor != "postgresql":
        pytest.skip("this run is the SQLite FTS5 run")
    (tmp_path / "static").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider", "-x", "-n", "0"],
        cwd=ROOT,
        env=subprocess_env(DATABASE_URL=None, REDIS_URL=None, CI=None, VAR_DIR=str(tmp_path), SEARCH_TESTS_NESTED="1"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


@pytest.mark.postgres
def test_what_the_norwegian_configuration_makes_of_nynorsk():
    """What PostgreSQL's `norwegian` (Snowball, written for bokmål) makes of nynorsk words, as the
    README's "Search" section tells it: most inflections meet, nynorsk stop words are known, and a
    few forms do not meet (agent nouns in -ar, j-infinitives)."""

    def lexemes(words: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_tsvector('norwegian', %s)::text", [words])
            return sorted({part.split(":")[0].strip("'") for part in cursor.fetchone()[0].split()})

    assert lexemes("tilvising tilvisinga tilvisingar tilvisingane") == ["tilvising"]
    assert lexemes("barnehage barnehagen barnehagar barnehagane") == ["barnehag"]
    assert lexemes("teneste tenesta tenester tenestene") == ["tenest"]
    assert lexemes("vurdere vurdera vurderer vurderte") == ["vurder"]
    assert lexemes("eit ein dei korleis ikkje kva") == []  # stop words
    # Not met: the singular of an -ar agent noun loses its ending, the plural keeps it; a j-infinitive.
    assert lexemes("helsesjukepleiar helsesjukepleiarar") == ["helsesjukeplei", "helsesjukepleiar"]
    assert lexemes("kartleggje kartlegg") == ["kartlegg", "kartleggj"]
