"""The personal-data detector for reader feedback (governance.proposals.personal_data.py). Pure Python, no Django.

Every identity number here is made by `with_check_digits` below, never copied from anywhere. To keep
clear of real people the ordinary numbers use birth years 2030–2039 (two-digit years 30–39 with an
individual number of 500 or more mean a birth in 2030–2039 under today's rules, so none has been
issued); H-numbers and synthetic numbers (month + 40 / + 80) are never anyone's fødselsnummer.
"""

import dataclasses
import logging

import pytest

from governance.proposals import personal_data
from governance.proposals.personal_data import Finding, find_personal_data, may_contain_personal_data, redact

K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def with_check_digits(first_nine: str, remainder: int = 0) -> str | None:
    """The 11-digit number with the check digits computed forwards, or None when a check digit is 10.

    remainder 0 is today's rule; 1, 2 and 3 are the extra k1 values allowed from 2032 (Skatteetaten:
    k1 = {11, 12, 13, 14} − (S1 mod 11), 11 → 0, ...). Remainders 4–10 make k1 values that no rule
    allows, for the negative tests.
    """
    digits = [int(c) for c in first_nine]
    s1 = sum(w * d for w, d in zip(K1_WEIGHTS, digits, strict=False))
    k1 = (11 + remainder - s1 % 11) % 11
    if k1 == 10:
        return None
    s2 = sum(w * d for w, d in zip(K2_WEIGHTS, [*digits, k1], strict=True))
    k2 = (11 - s2 % 11) % 11
    if k2 == 10:
        return None
    return f"{first_nine}{k1}{k2}"


def make_id(date_part: str, remainder: int = 0, individual: int = 500) -> str:
    """The first number with check digits for `date_part` at or after `individual` (wrapping to 500)."""
    for i in range(500):
        ind = 500 + (individual - 500 + i) % 500
        number = with_check_digits(f"{date_part}{ind:03d}", remainder)
        if number:
            return number
    raise AssertionError("no individual number fits")


def kinds(text: str) -> list[str]:
    return [f.kind for f in find_personal_data(text)]


def spans(text: str) -> list[str]:
    return [text[f.start : f.end] for f in find_personal_data(text)]


# --- The helper itself, against Skatteetaten's worked example ------------------------------------


def test_helper_reproduces_skatteetatens_2032_example():
    """ "Nytt fødselsnummer fra 2032": a person born 02.01.2032, individual number 999, gets
    020132 999 97 (S1 = 156, remainder 0: k1 = 9, k2 = 7); 020132 999 03 is the next one the new rule
    allows (remainder 2: k1 = 0, k2 = 3). A birth in 2032 cannot be anyone yet."""
    assert with_check_digits("020132999") == "02013299997"
    assert with_check_digits("020132999", remainder=2) == "02013299903"
    assert kinds("02013299997") == ["national_id"]
    assert kinds("02013299903") == ["national_id"]


# --- National identity numbers --------------------------------------------------------------------

VALID_DATE_PARTS = [
    # fødselsnummer
    ("010130", "fnr 1 Jan"),
    ("311235", "fnr 31 Dec"),
    ("290232", "fnr 29 Feb in a leap year"),
    ("300436", "fnr 30 Apr"),
    ("150639", "fnr mid-year"),
    # D-number: day + 40
    ("410130", "D 1 Jan"),
    ("711235", "D 31 Dec"),
    ("690232", "D 29 Feb"),
    ("700436", "D 30 Apr"),
    # H-number: month + 40
    ("014130", "H 1 Jan"),
    ("315235", "H 31 Dec"),
    ("294232", "H 29 Feb"),
    # synthetic test numbers: month + 80
    ("018130", "synthetic 1 Jan"),
    ("319235", "synthetic 31 Dec"),
    ("298200", "synthetic 29 Feb 00 (2000 was a leap year)"),
    ("308436", "synthetic 30 Apr"),
    # combinations
    ("418135", "synthetic D-number"),
    ("715235", "D and H"),
]


@pytest.mark.parametrize(("date_part", "label"), VALID_DATE_PARTS, ids=[label for _, label in VALID_DATE_PARTS])
def test_valid_identity_numbers_are_found(date_part, label):
    number = make_id(date_part)
    text = f"Jeg heter Kari og fødselsnummeret mitt er {number}, kan dere ringe meg?"
    assert find_personal_data(text) == [Finding("national_id", text.index(number), text.index(number) + 11)]
    assert may_contain_personal_data(text)


@pytest.mark.parametrize("month", range(1, 13))
@pytest.mark.parametrize(
    ("day_offset", "month_offset"), [(0, 0), (40, 0), (0, 40), (0, 80)], ids=["fnr", "D", "H", "synthetic"]
)
def test_every_month_and_kind(month, day_offset, month_offset):
    for day in (1, 15, 28):
        number = make_id(f"{day + day_offset:02d}{month + month_offset:02d}34")
        assert kinds(number) == ["national_id"], (day, month)


INVALID_DATE_PARTS = [
    ("000130", "day 0"),
    ("320130", "day 32"),
    ("400130", "day 40, neither fnr nor D"),
    ("310430", "31 April"),
    ("310630", "31 June"),
    ("300230", "30 February"),
    ("290231", "29 February, year 31 never a leap year"),
    ("010030", "month 0"),
    ("011330", "month 13"),
    ("012030", "month 20"),
    ("014030", "month 40"),
    ("015330", "H month 13"),
    ("016130", "month 61"),
    ("018030", "month 80"),
    ("019330", "synthetic month 13"),
    ("720130", "D day 32"),
    ("800130", "D day 40"),
    ("714430", "D and H, 31 April"),
]


@pytest.mark.parametrize(("date_part", "label"), INVALID_DATE_PARTS, ids=[label for _, label in INVALID_DATE_PARTS])
def test_impossible_dates_are_not_identity_numbers(date_part, label):
    number = make_id(date_part)  # the check digits are right: only the date is wrong
    assert find_personal_data(f"Ordre {number} er sendt") == []


BASES = ["010130500", "311235777", "410130612", "014130901", "319235555", "150639999"]


@pytest.mark.parametrize("base", BASES)
def test_wrong_second_check_digit_is_not_flagged(base):
    number = make_id(base[:6], individual=int(base[6:]))
    for k2 in "0123456789":
        if k2 != number[10]:
            tampered = number[:10] + k2
            assert find_personal_data(f"ordrenummer {tampered}") == [], tampered


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("remainder", [4, 5, 6, 7, 8, 9, 10])
def test_first_check_digit_outside_the_allowed_remainders_is_not_flagged(base, remainder):
    """Remainders 8, 9 and 10 are what the task brief's version of the 2032 rule would have allowed
    ((S1 + k1) mod 11 ∈ {0, 10, 9, 8}); Skatteetaten's rule allows 0–3 only."""
    number = make_id(base[:6], remainder, individual=int(base[6:]))
    assert find_personal_data(number) == []


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("remainder", [1, 2, 3])
def test_2032_style_numbers_are_valid(base, remainder):
    number = make_id(base[:6], remainder, individual=int(base[6:]))
    assert kinds(f"nytt nummer {number}") == ["national_id"]


@pytest.mark.parametrize("base", BASES)
def test_exactly_the_check_digit_pairs_of_either_rule_are_accepted(base):
    expected = {with_check_digits(base, r) for r in range(4)} - {None}
    accepted = {f"{base}{kk:02d}" for kk in range(100) if kinds(f"{base}{kk:02d}") == ["national_id"]}
    assert accepted == expected
    assert 1 <= len(accepted) <= 4


def test_an_eleven_digit_number_that_fails_the_checks_is_not_flagged():
    assert find_personal_data("Ordrenummer 12345678901 og faktura 98765432109") == []
    assert not may_contain_personal_data("Referanse 01013050000")


@pytest.mark.parametrize("separator", [" ", ".", "-", "\u00a0"], ids=["space", "dot", "hyphen", "nbsp"])
@pytest.mark.parametrize("date_part", ["010130", "410130", "014130", "018130"], ids=["fnr", "D", "H", "syn"])
def test_identity_numbers_with_a_separator(separator, date_part):
    number = make_id(date_part)
    written = number[:6] + separator + number[6:]
    text = f"fnr: {written}."
    assert find_personal_data(text) == [Finding("national_id", 5, 17)]
    assert spans(text) == [written]


@pytest.mark.parametrize(
    "template",
    ["1{n}", "{n}0", "12{n}34", "kontonummer 9{n}", "{n}123"],
    ids=["digit-before", "digit-after", "in-a-run", "prefixed", "suffixed"],
)
def test_not_inside_a_longer_digit_run(template):
    number = make_id("010130")
    assert find_personal_data(template.format(n=number)) == []


def test_several_identity_numbers():
    a, b = make_id("010130"), make_id("711235")
    text = f"Mor {a}, barn {b[:6]} {b[6:]}"
    assert kinds(text) == ["national_id", "national_id"]
    assert spans(text) == [a, f"{b[:6]} {b[6:]}"]


# --- Phone numbers --------------------------------------------------------------------------------

PHONES = [
    ("91234567", "91234567"),
    ("ring meg på 912 34 567!", "912 34 567"),
    ("mobil 91 23 45 67", "91 23 45 67"),
    ("tlf. 41234567.", "41234567"),
    ("fasttelefon 22 33 44 55", "22 33 44 55"),
    ("telefon sentralbord 55 00 00 00", "55 00 00 00"),
    ("9123 4567 etter kl 16", "9123 4567"),
    ("912.34.567", "912.34.567"),
    ("22-33-44-55", "22-33-44-55"),
    ("nå: +47 912 34 567", "+47 912 34 567"),
    ("+4791234567", "+4791234567"),
    ("0047 91234567", "0047 91234567"),
    ("+47 22 33 44 55", "+47 22 33 44 55"),
    ("(+47) 912 34 567", "(+47) 912 34 567"),
    ("+47 20260322", "+47 20260322"),
    ("800 12 345 (grønt nummer)", "800 12 345"),
    ("Send SMS til 98765432 eller ring 22 33 44 55", "98765432"),
]


@pytest.mark.parametrize(("text", "phone"), PHONES, ids=[p for _, p in PHONES])
def test_phone_numbers(text, phone):
    found = find_personal_data(text)
    assert found[0] == Finding("phone", text.index(phone), text.index(phone) + len(phone))
    assert {f.kind for f in found} == {"phone"}


def test_two_phone_numbers():
    assert spans("Send SMS til 98765432 eller ring 22 33 44 55") == ["98765432", "22 33 44 55"]


NOT_PHONES = [
    "8 år",
    "barnet er 8 år gammelt",
    "2026",
    "0–3 år",
    "barn 0–3 år",
    "i 2019–2020",
    "skoleåret 2019-2020",
    "2019 2020",
    "2019 - 2020",
    "fra 2019 til 2020",
    "22.03.2026",
    "2026-03-22",
    "20260322",
    "22032026",
    "kl. 08.00–15.30",
    "kl. 22.30-23.45",
    "versjon 2026.1",
    "ICD-10 F41.1",
    "henvisning innen 10 dager",
    "1234 5678",
    "01234567",
    "912345678",
    "9123456",
    "12 34 56 78 90",
    "kr 12 500 000",
    "BMI 22,5, 3.5 mg to ganger daglig",
]


@pytest.mark.parametrize("text", NOT_PHONES)
def test_not_phone_numbers(text):
    assert find_personal_data(text) == []


# --- E-mail addresses -----------------------------------------------------------------------------

EMAILS = [
    ("ola.nordmann@example.com", "ola.nordmann@example.com"),
    ("skriv til kari+tilbakemelding@sykehus.example.", "kari+tilbakemelding@sykehus.example"),
    ("per_olsen@helse-vest.example.no", "per_olsen@helse-vest.example.no"),
    ("Ola.Nordmann@Example.COM", "Ola.Nordmann@Example.COM"),
    ("<bjørn.ødegård@kommune.example>", "bjørn.ødegård@kommune.example"),
    ("(e-post: a@b.no)", "a@b.no"),
    ("epost:test123@mail.example.org, takk", "test123@mail.example.org"),
]


@pytest.mark.parametrize(("text", "email"), EMAILS, ids=[e for _, e in EMAILS])
def test_email_addresses(text, email):
    assert find_personal_data(text) == [Finding("email", text.index(email), text.index(email) + len(email))]


@pytest.mark.parametrize(
    "text",
    ["@helsenorge på Twitter", "ola@", "ola@localhost", "a @ b.no", "e-post: ikke oppgitt", "send@ meg"],
)
def test_not_email_addresses(text):
    assert find_personal_data(text) == []


# --- Ordinary clinical text -----------------------------------------------------------------------

CLINICAL = [
    ("Forløpet gjelder barn 0–3 år.", False),
    ("Oppdatert i versjon 2026.1 av forløpet.", False),
    ("Diagnose etter ICD-10 F41.1 (generalisert angstlidelse).", False),
    ("Henvisning skal vurderes innen 10 dager.", False),
    ("Gjelder barn 8 år og eldre, revidert 2026.", False),
    ("Tiltaket ble evaluert skoleåret 2019–2020 og 2020-2021.", False),
    ("Kontakt telefon sentralbord 55 00 00 00.", True),
    ("Dosering 0,5 mg/kg, maks 3 doser per døgn, kontroll etter 6–8 uker.", False),
    ("Side 12 i veilederen (IS-2918) mangler lenke til kap. 4.3.", False),
    ("Møtet 22.03.2026 kl. 09.00–11.30 ble avlyst.", False),
    ("Min sønn (f. 2019) fikk time 14 dager etter henvisning.", False),
    ("Ta kontakt på post@kommune.example om dette.", True),
]


@pytest.mark.parametrize(("text", "expected"), CLINICAL, ids=[t for t, _ in CLINICAL])
def test_ordinary_clinical_text(text, expected):
    assert may_contain_personal_data(text) is expected


# --- may_contain_personal_data --------------------------------------------------------------------


def test_may_contain_personal_data_over_several_texts():
    assert may_contain_personal_data("Fin side", "ring 912 34 567")
    assert may_contain_personal_data(f"fnr {make_id('010130')}", "")
    assert not may_contain_personal_data("Fin side", "barn 0–3 år", "")
    assert not may_contain_personal_data()
    assert not may_contain_personal_data("")


# --- redact -----------------------------------------------------------------------------------------


def test_redact_replaces_every_span_and_leaves_the_rest():
    number = make_id("410130")
    text = f"Hei! Jeg ({number}) har mobil +47 912 34 567 og e-post kari@example.com. Siden om 0–3 år er bra."
    assert redact(text) == "Hei! Jeg ([fjernet]) har mobil [fjernet] og e-post [fjernet]. Siden om 0–3 år er bra."


def test_redact_with_another_replacement():
    assert redact("ring 22 33 44 55 i dag", replacement="█") == "ring █ i dag"
    assert redact("a@b.no", replacement="") == ""


@pytest.mark.parametrize("text", ["", "Ingenting å fjerne her, barn 0–3 år, ICD-10 F41.1."])
def test_redact_leaves_text_without_findings_alone(text):
    assert redact(text) == text


def test_redact_at_the_edges_and_side_by_side():
    number = make_id("018130")
    assert redact(f"{number} 91234567") == "[fjernet] [fjernet]"
    assert redact(f"{number}\n22 33 44 55\nola@example.com") == "[fjernet]\n[fjernet]\n[fjernet]"


def test_redact_output_contains_none_of_the_found_data():
    number = make_id("311235")
    text = f"fnr {number[:6]}-{number[6:]}, tlf 0047 41234567, e-post ola@example.com"
    redacted = redact(text)
    assert not may_contain_personal_data(redacted)
    for secret in (number[:6], number[6:], "41234567", "ola@example.com"):
        assert secret not in redacted


# --- Overlapping findings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("mail 91234567@example.com", "91234567@example.com"),
        ("mail +4791234567@example.com", "+4791234567@example.com"),
        ("mail ola.22334455@example.com", "ola.22334455@example.com"),
        ("mail {n}@example.com", "{n}@example.com"),
        ("mail ola@91234567.example", "ola@91234567.example"),
    ],
    ids=["phone-in-local-part", "plus47-in-local-part", "phone-after-dot", "id-in-local-part", "phone-in-domain"],
)
def test_a_finding_inside_another_is_reported_once(text, email):
    number = make_id("010130")
    text, email = text.format(n=number), email.format(n=number)
    start = text.index(email)
    assert find_personal_data(text) == [Finding("email", start, start + len(email))]
    assert redact(text) == "mail [fjernet]"


def test_redact_merges_overlapping_and_touching_spans(monkeypatch):
    overlapping = [
        Finding("phone", 2, 8),
        Finding("email", 6, 12),  # overlaps the phone
        Finding("national_id", 12, 14),  # touches the e-mail
        Finding("phone", 16, 18),
        Finding("phone", 16, 17),  # inside the one before, same start
    ]
    monkeypatch.setattr(personal_data, "find_personal_data", lambda text: overlapping)
    assert redact("0123456789abcdefghij") == "01[fjernet]ef[fjernet]ij"


def test_findings_are_sorted_by_position():
    number = make_id("150639")
    text = f"ola@example.com, {number}, 91234567, kari@example.com"
    found = find_personal_data(text)
    assert [f.kind for f in found] == ["email", "national_id", "phone", "email"]
    assert [f.start for f in found] == sorted(f.start for f in found)


# --- Hygiene ------------------------------------------------------------------------------------------


def test_finding_is_frozen_and_holds_no_text():
    finding = Finding("phone", 0, 8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.start = 1
    assert {f.name for f in dataclasses.fields(Finding)} == {"kind", "start", "end"}


def test_nothing_is_logged_or_printed(capsys, caplog):
    caplog.set_level(logging.DEBUG)
    number = make_id("010130")
    text = f"fnr {number}, tlf 912 34 567, ola@example.com"
    find_personal_data(text)
    may_contain_personal_data(text)
    redact(text)
    assert capsys.readouterr() == ("", "")
    assert caplog.records == []


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "marker"), [("nb", "[fjernet]"), ("nn", "[fjerna]")])
def test_redaction_marks_the_text_in_the_readers_written_standard(language, marker):
    from governance.proposals.services import proposal_redact_personal_data
    from tests.support import make_proposal

    proposal = make_proposal(description="Ring meg på 912 34 567.", language=language, may_contain_personal_data=True)
    proposal_redact_personal_data(proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.description == f"Ring meg på {marker}."
