"""The service map (Sammenkart): the intervention pyramid level of service sections, and the
partnership's and municipalities' map pages, SVG and A3 PDF drawn from the published content."""

import importlib
import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from pathways.models import (
    InterventionLevel,
    LocalAdaptation,
    Municipality,
    Pathway,
    Section,
    SectionKind,
    Service,
    ServicePart,
    VersionKind,
    VersionSection,
)
from pathways.servicemap import contact_lines, municipality_slug
from pathways.services import (
    adaptation_create,
    adaptation_import,
    adaptation_publish,
    adaptation_section_save,
    pathway_has_unpublished_changes,
    pathway_publish,
    section_update,
    version_export,
)

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
SERVICE_TITLES = {
    Service.GP: "Fastlege",
    Service.HEALTH_STATION: "Helsestasjon og skolehelsetjenesten",
    Service.EDUCATIONAL_PSYCHOLOGY: "PPT",
    Service.CHILD_WELFARE: "Barnevernet",
    Service.MUNICIPAL_MENTAL_HEALTH: "Kommunepsykolog",
    Service.CAMHS: "BUP",
}


def make_service_pathway(editor, *, slug="angst", title="Angstplager", parts=1, publish=True) -> Pathway:
    """A published pathway with a lead and `parts` sections of each of the six services."""
    pathway = Pathway.objects.create(slug=slug, title_nb=title, title_nn=title + " (nn)")
    Section.objects.create(
        pathway=pathway,
        slug="innledning",
        kind=SectionKind.LEAD,
        position=0,
        title_nb="Innledning",
        title_nn="Innleiing",
        body_nb="Innledning.",
        body_nn="Innleiing.",
    )
    position = 1
    for service, name in SERVICE_TITLES.items():
        for index, part in enumerate(list(ServicePart)[:parts]):
            Section.objects.create(
                pathway=pathway,
                slug=f"{service.replace('_', '-')}-{index}",
                kind=SectionKind.SERVICE,
                service=service,
                part=part,
                position=position,
                title_nb=f"{name}: del {index}",
                title_nn=f"{name}: del {index} nn",
                body_nb=f"{name} gjør sitt.",
                body_nn=f"{name} gjer sitt.",
            )
            position += 1
    if publish:
        _publish(pathway, editor, kind=VersionKind.REVISION, year=2026)
    return pathway


def _publish(pathway, editor, *, kind=VersionKind.CORRECTION, year=None):
    pathway_publish(pathway=pathway, by=editor, kind=kind, year=year, summary_nb="Endret.", summary_nn="Endra.")
    pathway.refresh_from_db()


def _publish_local(adaptation, by):
    """Readers, and the map, see an adaptation's published local version, never its draft."""
    adaptation_publish(adaptation=adaptation, by=by, summary_nb="Lokalt.", summary_nn="Lokalt.")


@pytest.fixture
def angst(editor):
    return make_service_pathway(editor)


@pytest.fixture
def askoy(partnership_a):
    return Municipality.objects.create(partnership=partnership_a, name="Askøy")


class _Rows(HTMLParser):
    """(data-service, data-level, service name) of each row of the map page's table."""

    def __init__(self):
        super().__init__()
        self.rows, self._in_name = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-service" in attrs:
            self.rows.append([attrs["data-service"], attrs["data-level"], ""])
        if tag == "span" and attrs.get("class") == "service-name":
            self._in_name = True

    def handle_endtag(self, tag):
        if tag == "span":
            self._in_name = False

    def handle_data(self, data):
        if self._in_name:
            self.rows[-1][2] += data


def table_rows(html: str) -> list[tuple]:
    parser = _Rows()
    parser.feed(html)
    return [tuple(row) for row in parser.rows]


def svg_services(svg: bytes) -> list[tuple]:
    """(data-service, data-level, name: its lines joined) of each card of the drawing."""
    root = ET.fromstring(svg)
    cards = []
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "service":
            name = " ".join(t.text or "" for t in group.iter(f"{SVG}text") if t.get("class") == "service-name")
            cards.append((group.get("data-service"), group.get("data-level"), name))
    return cards


# --- The level of a service section ------------------------------------------------------------


def test_each_service_gets_its_default_level_and_other_sections_none(angst):
    levels = dict(angst.sections.filter(kind=SectionKind.SERVICE).values_list("service", "level"))
    assert levels == {
        "gp": "universal",
        "health_station": "universal",
        "educational_psychology": "early_help",
        "child_welfare": "early_help",
        "municipal_mental_health": "early_help",
        "camhs": "specialised",
    }
    assert angst.sections.get(slug="innledning").level == ""
    # …and the published version has the same.
    published = dict(VersionSection.objects.filter(version=angst.current_version).values_list("slug", "level"))
    assert published["camhs-0"] == "specialised" and published["innledning"] == ""


def test_migration_gives_existing_rows_the_default_of_their_service(angst):
    Section.objects.update(level="")
    VersionSection.objects.update(level="")  # a queryset update: the rows are immutable to save()
    migration = importlib.import_module("pathways.migrations.0006_section_level")
    migration.fill_levels(apps, None)
    assert Section.objects.get(pathway=angst, slug="educational-psychology-0").level == "early_help"
    assert set(VersionSection.objects.filter(service="camhs").values_list("level", flat=True)) == {"specialised"}
    assert VersionSection.objects.get(version=angst.current_version, slug="innledning").level == ""


def test_editor_sets_the_level_in_the_section_editor_and_publishing_copies_it(client, angst, editor):
    client.force_login(editor)
    url = "/nb/redaksjon/forlop/angst/seksjon/gp-0/"
    html = client.get(url).content.decode()
    assert "Nivå i tiltakspyramiden" in html
    assert re.search(r'<input type="radio" name="level" value="universal"[^>]*checked', html)
    response = client.post(
        url,
        {
            "title_nb": "Fastlege: del 0",
            "title_nn": "Fastlege: del 0 nn",
            "body_nb": "Fastlege gjør sitt.",
            "body_nn": "Fastlege gjer sitt.",
            "level": "early_help",
            "save": "1",
        },
    )
    assert response.status_code == 302
    section = angst.sections.get(slug="gp-0")
    assert section.level == "early_help"
    assert pathway_has_unpublished_changes(angst)  # a level change alone is something to publish
    assert VersionSection.objects.get(version=angst.current_version, slug="gp-0").level == "universal"
    _publish(angst, editor)
    assert VersionSection.objects.get(version=angst.current_version, slug="gp-0").level == "early_help"


def test_a_level_that_is_not_one_is_refused_and_nothing_changes(client, angst, editor):
    client.force_login(editor)
    response = client.post(
        "/nb/redaksjon/forlop/angst/seksjon/gp-0/",
        {"title_nb": "Ny", "title_nn": "Ny", "body_nb": "", "body_nn": "", "level": "<script>", "save": "1"},
    )
    assert response.status_code == 400
    assert 'href="#id_level_0"' in response.content.decode()  # the error summary links to the radios
    section = angst.sections.get(slug="gp-0")
    assert (section.title_nb, section.level) == ("Fastlege: del 0", "universal")


def test_a_post_without_a_level_keeps_the_sections_level(client, angst, editor):
    client.force_login(editor)
    angst.sections.filter(slug="camhs-0").update(level="early_help")
    client.post(
        "/nb/redaksjon/forlop/angst/seksjon/camhs-0/",
        {"title_nb": "BUP: ny", "title_nn": "BUP: ny", "body_nb": "Tekst.", "body_nn": "Tekst.", "save": "1"},
    )
    section = angst.sections.get(slug="camhs-0")
    assert (section.title_nb, section.level) == ("BUP: ny", "early_help")


def test_sections_that_are_not_of_a_service_have_no_level_to_choose(client, angst, editor):
    client.force_login(editor)
    html = client.get("/nb/redaksjon/forlop/angst/seksjon/innledning/").content.decode()
    assert 'name="level"' not in html


def test_export_carries_the_level_and_import_gives_a_local_section_its_level(angst, partnership_a, local_a):
    data = version_export(angst.current_version)
    assert {s["slug"]: s["level"] for s in data["sections"]}["camhs-0"] == "specialised"
    data["sections"].append(
        {
            "slug": "familiens-hus",
            "title": {"nb": "Familiens hus", "nn": "Familiens hus"},
            "body": {"nb": "Telefon 555 10 000.", "nn": "Telefon 555 10 000."},
            "level": "early_help",
        }
    )
    data["sections"].append(
        {
            "slug": "ukjent-niva",
            "title": {"nb": "Annet", "nn": "Anna"},
            "body": {"nb": "Tekst.", "nn": "Tekst."},
            "level": "<b>",
        }
    )
    adaptation = adaptation_import(partnership=partnership_a, data=data, by=local_a)
    levels = dict(adaptation.sections.values_list("slug", "level"))
    assert levels == {"familiens-hus": "early_help", "ukjent-niva": ""}


def test_local_editor_puts_a_local_section_on_the_map_at_a_level(client, angst, partnership_a, local_a):
    adaptation = adaptation_create(partnership=partnership_a, pathway=angst, by=local_a)
    client.force_login(local_a)
    response = client.post(
        "/nb/redaksjon/vest/forlop/angst/ny-seksjon/",
        {
            "slug": "familiens-hus",
            "title_nb": "Familiens hus",
            "title_nn": "Familiens hus",
            "body_nb": "Ring 555 10 000.",
            "body_nn": "Ring 555 10 000.",
            "after_slug": "",
            "level": "early_help",
            "save": "1",
        },
    )
    assert response.status_code == 302
    adapted = LocalAdaptation.objects.get(partnership=partnership_a).sections.get(slug="familiens-hus")
    assert adapted.level == "early_help"
    rows = table_rows(client.get("/nb/vest/sammenkart/").content.decode())
    assert not any(key == "local-familiens-hus" for key, _level, _name in rows)  # the draft
    _publish_local(adaptation, local_a)
    rows = table_rows(client.get("/nb/vest/sammenkart/").content.decode())
    assert ("local-familiens-hus", "early_help", "Familiens hus") in rows


# --- The map follows the published content ---------------------------------------------------


def test_map_groups_the_services_by_level_in_both_written_standards(client, angst, partnership_a):
    for language, universal, early in (
        ("nb", "Universelle tiltak", "Tidlig hjelp"),
        ("nn", "Universelle tiltak", "Tidleg hjelp"),
    ):
        response = client.get(f"/{language}/vest/sammenkart/")
        assert response.status_code == 200
        html = response.content.decode()
        assert f'<html lang="{language}">' in html
        assert universal in html and early in html and "Spesialiserte tiltak" in html
        assert f'href="/{"nn" if language == "nb" else "nb"}/vest/sammenkart/"' in html
    rows = table_rows(client.get("/nb/vest/sammenkart/").content.decode())
    assert rows == [
        ("camhs", "specialised", "BUP"),
        ("educational_psychology", "early_help", "PPT"),
        ("child_welfare", "early_help", "Barnevernet"),
        ("municipal_mental_health", "early_help", "Kommunepsykolog"),
        ("gp", "universal", "Fastlege"),
        ("health_station", "universal", "Helsestasjon og skolehelsetjenesten"),
    ]


def test_map_shows_a_new_published_name_and_contact_but_never_the_draft(client, angst, editor, partnership_a):
    section = angst.sections.get(slug="camhs-0")
    section_update(section=section, by=editor, title_nb="BUP Sentrum: del 0", title_nn="BUP Sentrum: del 0 nn")
    html = client.get("/nb/vest/sammenkart/").content.decode()
    assert "BUP Sentrum" not in html  # a draft is not on the map
    _publish(angst, editor)
    html = client.get("/nb/vest/sammenkart/").content.decode()
    assert ("camhs", "specialised", "BUP Sentrum") in table_rows(html)


def test_map_shows_the_local_name_and_contacts_of_the_partnerships_adaptation(
    client, angst, editor, partnership_a, partnership_b, local_a
):
    adaptation = adaptation_create(partnership=partnership_a, pathway=angst, by=local_a, title_nb="Angst i Vest")
    adaptation_section_save(
        adaptation=adaptation,
        slug="camhs-0",
        by=local_a,
        title_nb="BUPA Vest: del 0",
        title_nn="BUPA Vest: del 0",
        body_nb="BUPA tar imot tilvisninger.\n\n- Telefon 555 12 345 (hverdager 08–15)\n- E-post: bupa@vest.example\n"
        "- [Nettside](https://bupa.vest.example/time)",
        body_nn="BUPA tek imot tilvisingar.\n\n- Telefon 555 12 345 (kvardagar 08–15)\n- E-post: bupa@vest.example\n"
        "- [Nettside](https://bupa.vest.example/time)",
    )
    _publish_local(adaptation, local_a)
    html = client.get("/nb/vest/sammenkart/").content.decode()
    assert ("camhs", "specialised", "BUPA Vest") in table_rows(html)
    assert "Telefon 555 12 345 (hverdager 08–15)" in html
    assert 'href="mailto:bupa@vest.example"' not in html  # markdown-it does not link bare addresses
    assert "E-post: bupa@vest.example" in html
    assert '<a href="https://bupa.vest.example/time">Nettside (bupa.vest.example/time)</a>' in html
    assert "BUPA tar imot" not in html  # a line without a contact is not one
    assert 'href="/nb/vest/forlop/angst/#camhs-0"' in html  # the local page, at the service
    # Another partnership's map shows the common name and no contacts.
    other = client.get("/nb/nord/sammenkart/").content.decode()
    assert ("camhs", "specialised", "BUP") in table_rows(other)
    assert "555 12 345" not in other and 'href="/nb/forlop/angst/#camhs-0"' in other


def test_local_services_of_the_adaptation_appear_at_their_level_and_others_do_not(
    client, angst, partnership_a, local_a
):
    adaptation = adaptation_create(partnership=partnership_a, pathway=angst, by=local_a)
    adaptation_section_save(
        adaptation=adaptation,
        slug="familiens-hus",
        by=local_a,
        is_local=True,
        after_slug="innledning",
        title_nb="Familiens hus",
        title_nn="Familiens hus",
        level=InterventionLevel.EARLY_HELP,
        body_nb="Åpen dør for foreldre. Ring 555 20 000.",
        body_nn="Open dør for foreldre. Ring 555 20 000.",
    )
    adaptation_section_save(
        adaptation=adaptation,
        slug="lokalt-om-oss",
        by=local_a,
        is_local=True,
        title_nb="Om samarbeidet",
        title_nn="Om samarbeidet",
        body_nb="Tekst.",
        body_nn="Tekst.",
    )
    _publish_local(adaptation, local_a)
    html = client.get("/nb/vest/sammenkart/").content.decode()
    rows = table_rows(html)
    assert ("local-familiens-hus", "early_help", "Familiens hus") in rows
    assert not any(name == "Om samarbeidet" for _key, _level, name in rows)
    assert "Åpen dør for foreldre. Ring 555 20 000." in html and "Lokal tjeneste" in html


def test_the_same_local_service_in_several_pathways_is_one_entry_listing_them(client, editor, partnership_a, local_a):
    for slug, title in (("angst", "Angstplager"), ("autisme", "Autisme")):
        pathway = make_service_pathway(editor, slug=slug, title=title)
        adaptation = adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a)
        adaptation_section_save(
            adaptation=adaptation,
            slug="familiens-hus",
            by=local_a,
            is_local=True,
            level="early_help",
            title_nb="Familiens hus",
            title_nn="Familiens hus",
            body_nb="Ring 555 20 000.",
            body_nn="Ring 555 20 000.",
        )
        _publish_local(adaptation, local_a)
    html = client.get("/nb/vest/sammenkart/").content.decode()
    assert [r for r in table_rows(html) if r[0] == "local-familiens-hus"] == [
        ("local-familiens-hus", "early_help", "Familiens hus")
    ]
    assert (
        'href="/nb/vest/forlop/angst/#familiens-hus"' in html
        and 'href="/nb/vest/forlop/autisme/#familiens-hus"' in html
    )
    assert html.count("Ring 555 20 000.") == 1


def test_a_level_changed_by_a_new_version_moves_the_service(client, angst, editor, partnership_a):
    section_update(section=angst.sections.get(slug="gp-0"), by=editor, level="early_help")
    assert ("gp", "universal", "Fastlege") in table_rows(client.get("/nb/vest/sammenkart/").content.decode())
    _publish(angst, editor)
    assert ("gp", "early_help", "Fastlege") in table_rows(client.get("/nb/vest/sammenkart/").content.decode())


def test_map_without_published_pathways_says_so(client, partnership_a):
    html = client.get("/nb/vest/sammenkart/").content.decode()
    assert "Det er ikke publisert noen forløp ennå." in html
    assert "Ingen tjenester på dette nivået ennå." in client.get("/nb/vest/sammenkart/sammenkart.svg").content.decode()


# --- Addresses -------------------------------------------------------------------------------


def test_municipality_map_names_the_municipality_and_shows_the_partnerships_services(client, angst, askoy):
    assert municipality_slug("Askøy") == "askoy" and municipality_slug("Bærum") == "baerum"
    response = client.get("/nb/vest/sammenkart/askoy/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Sammenkart: Askøy (Helsefellesskap Vest)</h1>" in html
    assert table_rows(html) == table_rows(client.get("/nb/vest/sammenkart/").content.decode())
    assert 'href="/nb/vest/sammenkart/askoy/" aria-current="page"' in html
    assert client.get("/nb/vest/sammenkart/askoy/sammenkart.svg").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/nb/finnes-ikke/sammenkart/",
        "/nb/finnes-ikke/sammenkart/sammenkart.svg",
        "/nb/finnes-ikke/sammenkart/sammenkart.pdf",
        "/nb/vest/sammenkart/finnes-ikke/",
        "/nb/vest/sammenkart/finnes-ikke/sammenkart.pdf",
        "/nb/vest/sammenkart/bodo/",  # a municipality of partnership B
        "/nb/vest/sammenkart/bodo/sammenkart.svg",
        "/nb/vest/sammenkart/%3Cscript%3E/",
        "/en/vest/sammenkart/",
    ],
)
def test_unknown_partnership_or_municipality_is_404(client, angst, partnership_a, partnership_b, url):
    Municipality.objects.create(partnership=partnership_b, name="Bodø")
    assert client.get(url).status_code == 404
    assert client.get("/nb/nord/sammenkart/bodo/").status_code == 200


def test_only_get_and_head(client, partnership_a):
    assert client.post("/nb/vest/sammenkart/").status_code == 405
    assert client.head("/nb/vest/sammenkart/sammenkart.svg").status_code == 200


def test_the_local_page_and_the_index_link_to_the_map(client, angst, partnership_a, local_a):
    adaptation = adaptation_create(partnership=partnership_a, pathway=angst, by=local_a)
    _publish_local(adaptation, local_a)
    assert 'href="/nb/vest/sammenkart/"' in client.get("/nb/vest/forlop/angst/").content.decode()
    assert 'href="/nn/vest/sammenkart/"' in client.get("/nn/forlop/").content.decode()


# --- The SVG, the PDF and the table ----------------------------------------------------------


def test_svg_is_well_formed_with_title_desc_and_hostile_text_escaped(client, angst, editor, partnership_a):
    hostile = "<script>alert(1)</script> & «BUP»"
    section_update(
        section=angst.sections.get(slug="camhs-0"), by=editor, title_nb=f"{hostile}: del", title_nn=f"{hostile}: del"
    )
    _publish(angst, editor)
    response = client.get("/nb/vest/sammenkart/sammenkart.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg" and (root.get("width"), root.get("height")) == ("420mm", "297mm")
    assert root.find(f"{SVG}title").text == "Sammenkart: Helsefellesskap Vest"
    assert hostile in root.find(f"{SVG}desc").text
    assert not list(root.iter(f"{SVG}script")) and b"<script>" not in response.content
    assert ("camhs", "specialised", hostile) in svg_services(response.content)
    # The level is written in text on every card, not only shown by its colour.
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Nivå: Spesialiserte tiltak" in texts and "Nivå: Universelle tiltak" in texts
    page = client.get("/nb/vest/sammenkart/").content.decode()
    assert "&lt;script&gt;" in page and "<script>alert" not in page


def test_table_has_the_same_services_as_the_drawing(client, angst, partnership_a, local_a):
    adaptation = adaptation_create(partnership=partnership_a, pathway=angst, by=local_a)
    adaptation_section_save(
        adaptation=adaptation,
        slug="helsesykepleier",
        by=local_a,
        is_local=True,
        level="universal",
        title_nb="Helsesykepleier på skolen",
        title_nn="Helsesjukepleiar på skulen",
        body_nb="Tekst.",
        body_nn="Tekst.",
    )
    _publish_local(adaptation, local_a)
    for language in ("nb", "nn"):
        svg = client.get(f"/{language}/vest/sammenkart/sammenkart.svg").content
        rows = table_rows(client.get(f"/{language}/vest/sammenkart/").content.decode())
        assert rows == svg_services(svg)
        assert len(rows) == 7


def test_pdf_is_an_a3_document_with_the_map(client, angst, partnership_a):
    response = client.get("/nb/vest/sammenkart/sammenkart.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    # A3 landscape: 420 × 297 mm = 1190.55 × 841.89 pt.
    assert (round(float(box.width)), round(float(box.height))) == (1191, 842)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Helsefellesskap Vest" in text and "Spesialiserte tiltak" in text


def test_map_has_an_etag_and_answers_304_until_the_content_changes(client, angst, editor, partnership_a):
    for url in ("/nb/vest/sammenkart/", "/nb/vest/sammenkart/sammenkart.svg", "/nb/vest/sammenkart/sammenkart.pdf"):
        first = client.get(url)
        etag = first["ETag"]
        assert first["Last-Modified"] and first["Cache-Control"] == "public, max-age=300"
        assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    page_etag = client.get("/nb/vest/sammenkart/")["ETag"]
    assert client.get("/nn/vest/sammenkart/")["ETag"] != page_etag
    section_update(section=angst.sections.get(slug="gp-0"), by=editor, title_nb="Lege: a", title_nn="Lege: a")
    assert client.get("/nb/vest/sammenkart/", headers={"if-none-match": page_etag}).status_code == 304  # a draft
    _publish(angst, editor)
    assert client.get("/nb/vest/sammenkart/", headers={"if-none-match": page_etag}).status_code == 200


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url", ["/nb/vest/sammenkart/", "/nb/vest/sammenkart/sammenkart.svg", "/nb/vest/sammenkart/askoy/"]
)
def test_query_count_is_the_same_for_one_service_and_twenty(client, editor, partnership_a, local_a, askoy, url):
    small = Pathway.objects.create(slug="liten", title_nb="Liten", title_nn="Liten")
    Section.objects.create(
        pathway=small,
        slug="gp",
        kind=SectionKind.SERVICE,
        service=Service.GP,
        part=ServicePart.ASSESSMENT,
        title_nb="Fastlege: a",
        title_nn="Fastlege: a",
    )
    _publish(small, editor, kind=VersionKind.REVISION, year=2026)
    adaptation = adaptation_create(partnership=partnership_a, pathway=small, by=local_a)
    adaptation_section_save(
        adaptation=adaptation,
        slug="gp",
        by=local_a,
        title_nb="Legen: a",
        title_nn="Legen: a",
        body_nb="Ring 555 00 001.",
        body_nn="Ring 555 00 001.",
    )
    _publish_local(adaptation, local_a)
    one = _queries(client, url)
    assert len(table_rows(client.get("/nb/vest/sammenkart/").content.decode())) == 1
    # Twenty and more: three pathways of five parts a service, adapted, with twenty local services.
    for slug in ("angst", "autisme", "spisevansker"):
        pathway = make_service_pathway(editor, slug=slug, title=slug.title(), parts=5)
        adaptation = adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a)
        adaptation_section_save(
            adaptation=adaptation,
            slug="gp-0",
            by=local_a,
            title_nb="Legen: a",
            title_nn="Legen: a",
            body_nb="Ring 555 00 001.",
            body_nn="Ring 555 00 001.",
        )
        for index in range(20):
            adaptation_section_save(
                adaptation=adaptation,
                slug=f"lokal-{index}",
                by=local_a,
                is_local=True,
                level="universal",
                title_nb=f"Tjeneste {index}",
                title_nn=f"Teneste {index}",
                body_nb=f"Ring 555 00 {index:03d}.",
                body_nn=f"Ring 555 00 {index:03d}.",
            )
        _publish_local(adaptation, local_a)
    twenty = _queries(client, url)
    assert len(table_rows(client.get("/nb/vest/sammenkart/").content.decode())) > 20
    assert one == twenty


# --- Contacts in the text --------------------------------------------------------------------


def test_contact_lines_are_those_with_a_phone_number_an_address_or_a_link():
    html = (
        "<p>Vi hjelper familier.</p>"
        "<ul><li><strong>Sentralbord</strong>: 555 12 345</li><li>Åpent 08–15, fra 2026–2027</li>"
        '<li>Skriv til post@kommune.example</li><li><a href="tel:+4755512345">Ring oss</a></li>'
        '<li><a href="https://kommune.example/">https://kommune.example/</a></li></ul>'
    )
    lines = contact_lines(html)
    assert [c.text for c in lines] == [
        "Sentralbord: 555 12 345",
        "Skriv til post@kommune.example",
        "Ring oss",
        "https://kommune.example/",
    ]
    assert lines[2].href == "tel:+4755512345"
    assert contact_lines("<p>" + "Ring 555 12 345 " * 30 + "</p>")[0].text.endswith("…")
