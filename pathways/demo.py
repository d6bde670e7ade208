"""Demo data for `manage.py load_demo`: partnerships, the seven pathways with two published versions
each, a local adaptation for Helse Bergen, the demo users, and the planned round 2027 with the
resource group's seats. Idempotent: running it again changes
nothing. No real people: the users are roles, the text is written for the demo."""

import functools
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction

from .models import (
    HealthTrust,
    InterventionLevel,
    LocalAdaptation,
    Municipality,
    Partnership,
    Pathway,
    Profile,
    Role,
    Section,
    SectionKind,
    Service,
    ServicePart,
    Version,
    VersionKind,
)
from .services import adaptation_create, adaptation_publish, adaptation_section_save, pathway_publish, section_update

CONTENT_DIR = Path(__file__).parent / "demo_content"
OSLO = ZoneInfo("Europe/Oslo")
DEMO_PASSWORD = "demo"
DEMO_MAIL_DOMAIN = "forlop.example"

# (partnership name, slug, hospital trust, a few municipalities)
PARTNERSHIPS = [
    (
        "Helsefellesskapet Finnmark",
        "finnmark",
        "Finnmarkssykehuset",
        ["Alta", "Hammerfest", "Vadsø"],
    ),
    (
        "Helsefellesskapet UNN",
        "unn",
        "Universitetssykehuset Nord-Norge",
        ["Tromsø", "Harstad", "Narvik"],
    ),
    ("Helsefellesskapet Nordland", "nordland", "Nordlandssykehuset", ["Bodø", "Vågan", "Fauske"]),
    (
        "Helsefellesskapet Helgeland",
        "helgeland",
        "Helgelandssykehuset",
        ["Rana", "Vefsn", "Alstahaug"],
    ),
    (
        "Helsefellesskapet Nord-Trøndelag",
        "nord-trondelag",
        "Helse Nord-Trøndelag",
        ["Levanger", "Steinkjer", "Namsos"],
    ),
    (
        "Helsefellesskapet St. Olavs",
        "st-olavs",
        "St. Olavs hospital",
        ["Trondheim", "Malvik", "Orkland"],
    ),
    (
        "Helsefellesskapet Møre og Romsdal",
        "more-og-romsdal",
        "Helse Møre og Romsdal",
        ["Ålesund", "Molde", "Kristiansund"],
    ),
    ("Helsefellesskapet Førde", "forde", "Helse Førde", ["Sunnfjord", "Kinn", "Sogndal"]),
    (
        "Helsefellesskapet Bergen",
        "bergen",
        "Helse Bergen",
        ["Bergen", "Askøy", "Bjørnafjorden", "Voss"],
    ),
    (
        "Helsefellesskapet Fonna",
        "fonna",
        "Helse Fonna",
        ["Haugesund", "Karmøy", "Stord", "Kvinnherad"],
    ),
    (
        "Helsefellesskapet Stavanger",
        "stavanger",
        "Helse Stavanger",
        ["Stavanger", "Sandnes", "Sola"],
    ),
    (
        "Helsefellesskapet Sørlandet",
        "sorlandet",
        "Sørlandet sykehus",
        ["Kristiansand", "Arendal", "Grimstad"],
    ),
    (
        "Helsefellesskapet Telemark",
        "telemark",
        "Sykehuset Telemark",
        ["Skien", "Porsgrunn", "Notodden"],
    ),
    (
        "Helsefellesskapet Vestfold",
        "vestfold",
        "Sykehuset i Vestfold",
        ["Tønsberg", "Sandefjord", "Larvik"],
    ),
    (
        "Helsefellesskapet Vestre Viken",
        "vestre-viken",
        "Vestre Viken",
        ["Drammen", "Asker", "Bærum", "Ringerike"],
    ),
    (
        "Helsefellesskapet Innlandet",
        "innlandet",
        "Sykehuset Innlandet",
        ["Hamar", "Lillehammer", "Gjøvik"],
    ),
    (
        "Helsefellesskapet Østfold",
        "ostfold",
        "Sykehuset Østfold",
        ["Fredrikstad", "Sarpsborg", "Moss"],
    ),
    (
        "Helsefellesskapet Ahus",
        "ahus",
        "Akershus universitetssykehus",
        ["Lillestrøm", "Lørenskog", "Ullensaker"],
    ),
    (
        "Helsefellesskapet Oslo",
        "oslo",
        "Oslo universitetssykehus (med Lovisenberg og Diakonhjemmet)",
        ["Oslo"],
    ),
]

# Section structure of every pathway, in page order: (slug, kind, service, part, title nb, title nn)
SERVICES = [
    (Service.GP, "fastlege", "Fastlege", "Fastlege"),
    (Service.HEALTH_STATION, "helsestasjon-skolehelsetjeneste", "Helsestasjon og skolehelsetjenesten",
     "Helsestasjon og skulehelsetenesta"),
    (Service.EDUCATIONAL_PSYCHOLOGY, "ppt", "PPT", "PPT"),
    (Service.CHILD_WELFARE, "barnevern", "Barnevernet", "Barnevernet"),
    (Service.MUNICIPAL_MENTAL_HEALTH, "kommunepsykolog", "Kommunepsykolog og psykisk helsetjeneste",
     "Kommunepsykolog og psykisk helseteneste"),
    (Service.CAMHS, "bup", "BUP", "BUP"),
]  # fmt: skip
PARTS = [
    (ServicePart.ASSESSMENT, "kartlegging", "Kartlegging", "Kartlegging"),
    (ServicePart.INTERVENTIONS, "tiltak", "Tiltak", "Tiltak"),
    (ServicePart.EVALUATION, "evaluering", "Evaluering av tiltak", "Evaluering av tiltak"),
    (ServicePart.COLLABORATION, "samarbeid", "Samarbeid med andre instanser", "Samarbeid med andre instansar"),
    (ServicePart.REFERRAL, "henvisning", "Henvisning til spesialisthelsetjenesten",
     "Tilvising til spesialisthelsetenesta"),
]  # fmt: skip


def section_structure(
    background_title: dict[str, str],
) -> list[tuple[str, str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str, str]] = [
        ("innledning", SectionKind.LEAD, "", "", "Innledning", "Innleiing"),
        (
            "bakgrunn",
            SectionKind.BACKGROUND,
            "",
            "",
            background_title["nb"],
            background_title["nn"],
        ),
    ]
    for service, service_slug, service_nb, service_nn in SERVICES:
        for part, part_slug, part_nb, part_nn in PARTS:
            rows.append(
                (f"{service_slug}-{part_slug}", SectionKind.SERVICE, service, part,
                 f"{service_nb}: {part_nb.lower()}", f"{service_nn}: {part_nn.lower()}")
            )  # fmt: skip
    rows += [
        ("sjekkliste-henvisning", SectionKind.REFERRAL_CHECKLIST, "", "",
         "Sjekkliste for henvisning", "Sjekkliste for tilvising"),
        ("samhandling", SectionKind.COLLABORATION, "", "", "Samhandling og samarbeid", "Samhandling og samarbeid"),
    ]  # fmt: skip
    return rows


USERS = [
    # (username, role, partnership slug, language, staff)
    ("redaktor", Role.RESPONSIBLE_EDITOR, "fonna", "nb", True),
    ("lokal-fonna", Role.LOCAL_EDITOR, "fonna", "nn", True),
    ("lokal-bergen", Role.LOCAL_EDITOR, "bergen", "nn", True),
    ("ressurs-fonna-hf", Role.RESOURCE_MEMBER, "fonna", "nn", False),
    ("ressurs-fonna-kommune", Role.RESOURCE_MEMBER, "fonna", "nn", False),
    ("ressurs-bergen-hf", Role.RESOURCE_MEMBER, "bergen", "nb", False),
    ("ressurs-bergen-kommune", Role.RESOURCE_MEMBER, "bergen", "nn", False),
    ("radgiver-rkbu", Role.ADVISER, None, "nb", False),
    # Municipality contacts of the traffic-light review; their municipality is in MUNICIPALITY_OF.
    ("kommune-stord", Role.MUNICIPALITY_CONTACT, "fonna", "nn", False),
    ("kommune-karmoy", Role.MUNICIPALITY_CONTACT, "fonna", "nb", False),
    ("kommune-bergen", Role.MUNICIPALITY_CONTACT, "bergen", "nb", False),
    ("kommune-voss", Role.MUNICIPALITY_CONTACT, "bergen", "nn", False),
]
# The municipality each demo municipality contact answers for.
MUNICIPALITY_OF = {
    "kommune-stord": "Stord",
    "kommune-karmoy": "Karmøy",
    "kommune-bergen": "Bergen",
    "kommune-voss": "Voss",
}


def demo_address(username: str) -> str:
    """The demo user's e-mail address: `redaktor@forlop.example`."""
    return f"{username}@{DEMO_MAIL_DOMAIN}"


@functools.cache
def _demo_password_hash() -> str:
    # Hashing is slow on purpose; the demo users share one hash (each with the same salt).
    return make_password(DEMO_PASSWORD)


def _user(
    username: str,
    role: str,
    partnership: Partnership | None,
    language: str,
    staff: bool,
    municipality: Municipality | None = None,
) -> User:
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"is_staff": staff})
    if created:
        user.password = _demo_password_hash()
        user.is_superuser = role == Role.RESPONSIBLE_EDITOR
    if created or not user.email:
        # An obviously fake address, so that every digest, reminder and release notice of the demo
        # can be read (in VAR_DIR/mail without EMAIL_HOST). `.example` is reserved: never delivered.
        user.email = demo_address(username)
        user.save()
    Profile.objects.update_or_create(
        user=user,
        defaults={"role": role, "partnership": partnership, "language": language, "municipality": municipality},
    )
    return user


def load_partnerships() -> dict[str, Partnership]:
    partnerships = {}
    for name, slug, trust_name, municipalities in PARTNERSHIPS:
        trust, _ = HealthTrust.objects.get_or_create(name=trust_name)
        partnership, _ = Partnership.objects.get_or_create(slug=slug, defaults={"name": name, "health_trust": trust})
        for municipality in municipalities:
            Municipality.objects.get_or_create(partnership=partnership, name=municipality)
        partnerships[slug] = partnership
    return partnerships


def load_users(partnerships: dict[str, Partnership]) -> dict[str, User]:
    users = {
        username: _user(
            username,
            role,
            partnerships.get(slug) if slug else None,
            language,
            staff,
            Municipality.objects.get(partnership=partnerships[slug], name=MUNICIPALITY_OF[username])
            if slug and username in MUNICIPALITY_OF
            else None,
        )
        for username, role, slug, language, staff in USERS
    }
    # Every other partnership gets generated resource group seats (a trust and a municipality member).
    for slug, partnership in partnerships.items():
        if slug in {"fonna", "bergen"}:
            continue
        for suffix in ("hf", "kommune"):
            _user(f"ressurs-{slug}-{suffix}", Role.RESOURCE_MEMBER, partnership, "nb", False)
    return users


def load_pathway(data: dict[str, Any], position: int, editor: User) -> Pathway:
    """Create the pathway, publish the 2025 version, apply the revision and publish 2026."""
    pathway, _ = Pathway.objects.get_or_create(
        slug=data["slug"],
        defaults={
            "position": position,
            "title_nb": data["title"]["nb"],
            "title_nn": data["title"]["nn"],
        },
    )
    if pathway.current_version_id:
        return pathway
    with transaction.atomic():
        for index, (slug, kind, service, part, title_nb, title_nn) in enumerate(
            section_structure(data["background_title"])
        ):
            body = data["sections"][slug]
            Section.objects.update_or_create(
                pathway=pathway,
                slug=slug,
                defaults={
                    "kind": kind,
                    "service": service,
                    "part": part,
                    "position": (index + 1) * 10,
                    "title_nb": title_nb,
                    "title_nn": title_nn,
                    "body_nb": body["nb"],
                    "body_nn": body["nn"],
                },
            )
        pathway_publish(
            pathway=pathway,
            by=editor,
            kind=VersionKind.REVISION,
            year=2025,
            summary_nb="Første felles versjon av samhandlingsforløpet.",
            summary_nn="Første felles versjon av samhandlingsforløpet.",
            at=datetime(2025, 3, 3, 10, 0, tzinfo=OSLO),
        )
        for slug, body in data["revision"]["sections"].items():
            section_update(
                section=pathway.sections.get(slug=slug),
                by=editor,
                body_nb=body["nb"],
                body_nn=body["nn"],
            )
        pathway_publish(
            pathway=pathway,
            by=editor,
            kind=VersionKind.REVISION,
            year=2026,
            summary_nb=data["revision"]["summary"]["nb"],
            summary_nn=data["revision"]["summary"]["nn"],
            at=datetime(2026, 3, 2, 10, 0, tzinfo=OSLO),
        )
    pathway.refresh_from_db()
    return pathway


BERGEN_CONTACTS = {
    "nb": (
        "- **BUPA Bergen sentrum**: telefon 55 00 00 00 (sentralbord, hverdager 08–15)\n"
        "- **Familiens hus** i kommunen: spør etter koordinerende enhet\n"
        "- Drøftingstelefon for fastleger: ring BUPA og be om vakthavende behandler"
    ),
    "nn": (
        "- **BUPA Bergen sentrum**: telefon 55 00 00 00 (sentralbord, kvardagar 08–15)\n"
        "- **Familiens hus** i kommunen: spør etter koordinerande eining\n"
        "- Drøftingstelefon for fastlegar: ring BUPA og be om vakthavande behandlar"
    ),
}


def load_bergen_adaptation(partnership: Partnership, pathway: Pathway, editor: User) -> LocalAdaptation:
    existing = LocalAdaptation.objects.filter(partnership=partnership, pathway=pathway).first()
    if existing:
        return existing
    with transaction.atomic():
        adaptation = adaptation_create(
            partnership=partnership,
            pathway=pathway,
            by=editor,
            title_nb=f"{pathway.title_nb} – Bergen",
            title_nn=f"{pathway.title_nn} – Bergen",
        )
        # BUP is called BUPA in Bergen. The local checklist was adapted from the 2025 text; the
        # 2026 revision changed the common checklist, so the local editor sees the
        # "common text changed" notice in the demo.
        first = Version.objects.get(pathway=pathway, year=2025, correction=0)
        common = first.sections.get(slug="sjekkliste-henvisning")
        adaptation_section_save(
            adaptation=adaptation,
            slug=common.slug,
            by=editor,
            body_nb=common.body_nb.replace("BUP", "BUPA")
            + "\n\nI Bergen sendes henvisningen elektronisk til BUPA i ditt opptaksområde.",
            body_nn=common.body_nn.replace("BUP", "BUPA")
            + "\n\nI Bergen vert tilvisinga send elektronisk til BUPA i ditt opptaksområde.",
        )
        adaptation.sections.filter(slug=common.slug).update(based_on=first)
        adaptation_section_save(
            adaptation=adaptation,
            slug="lokale-kontakter",
            by=editor,
            is_local=True,
            after_slug="samhandling",
            title_nb="Lokale kontakter i Bergen",
            title_nn="Lokale kontaktar i Bergen",
            body_nb=BERGEN_CONTACTS["nb"],
            body_nn=BERGEN_CONTACTS["nn"],
        )
        load_bergen_service_map(adaptation, editor)
        # Readers see only published local versions: the demo's Bergen page has one.
        adaptation_publish(
            adaptation=adaptation,
            by=editor,
            summary_nb="Første lokale versjon: BUPA i stedet for BUP, og lokale kontakter i Bergen.",
            summary_nn="Fyrste lokale versjon: BUPA i staden for BUP, og lokale kontaktar i Bergen.",
        )
    return adaptation


def load_bergen_service_map(adaptation: LocalAdaptation, editor: User) -> None:
    """What Bergen's service map (Sammenkart) shows of its own: BUP's local name, BUPA, with its
    contacts, and a local service at the level of early help. Fake numbers and addresses only."""
    common = adaptation.based_on.sections.get(slug="bup-henvisning")
    adaptation_section_save(
        adaptation=adaptation,
        slug=common.slug,
        by=editor,
        title_nb="BUPA: henvisning",
        title_nn="BUPA: tilvising",
        body_nb=common.body_nb + "\n\n- Sentralbord BUPA Bergen sentrum: 555 01 000 (hverdager 08–15)"
        "\n- E-post: bupa-sentrum@helse-bergen.example",
        body_nn=common.body_nn + "\n\n- Sentralbord BUPA Bergen sentrum: 555 01 000 (kvardagar 08–15)"
        "\n- E-post: bupa-sentrum@helse-bergen.example",
    )
    adaptation_section_save(
        adaptation=adaptation,
        slug="familiens-hus",
        by=editor,
        is_local=True,
        after_slug="samhandling",
        level=InterventionLevel.EARLY_HELP,
        title_nb="Familiens hus",
        title_nn="Familiens hus",
        body_nb="Lavterskeltilbud i kommunen for familier med barn og unge. Ingen henvisning trengs."
        "\n\n- Telefon 555 02 000 (hverdager 09–15)\n- E-post: familienshus@kommune.example",
        body_nn="Lågterskeltilbod i kommunen for familiar med barn og unge. Inga tilvising trengst."
        "\n\n- Telefon 555 02 000 (kvardagar 09–15)\n- E-post: familienshus@kommune.example",
    )


def load_demo() -> dict[str, int]:
    partnerships = load_partnerships()
    users = load_users(partnerships)
    editor = users["redaktor"]
    files = sorted(CONTENT_DIR.glob("*.json"))
    order = ["angst", "autisme", "bekymring-0-3", "oppmerksomhet-uro", "spisevansker", "tristhet-depresjon",
             "vold-overgrep"]  # fmt: skip
    pathways = {}
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        position = order.index(data["slug"]) if data["slug"] in order else len(order)
        pathways[data["slug"]] = load_pathway(data, position, editor)
    if "angst" in pathways:
        load_bergen_adaptation(partnerships["bergen"], pathways["angst"], users["lokal-bergen"])
    return {
        "partnerships": len(partnerships),
        "pathways": len(pathways),
        "users": get_user_model().objects.count(),
    }
