"""Every string a person reads exists in bokmål and nynorsk: the catalogues hold every msgid the code
and templates use, each translated, none fuzzy, and the two standards are not copies of each other."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ["accounts", "config", "pathways", "feedback", "governance", "workers", "templates"]


def _catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    catalogue = _catalogue(language)
    missing = [entry.msgid for entry in catalogue if not entry.obsolete and not entry.translated()]
    fuzzy = [entry.msgid for entry in catalogue if "fuzzy" in entry.flags]
    assert not missing, f"untranslated in {language}: {missing[:20]}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy[:20]}"


def test_catalogues_hold_every_string_the_code_uses(tmp_path):
    """Run makemessages on a copy of the code and compare its msgids with the committed catalogues."""
    for name in SCANNED:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("demo_content", "__pycache__"))
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "nb", "--no-location", "--ignore", "migrations/*"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    used = {e.msgid for e in polib.pofile(str(tmp_path / "locale" / "nb" / "LC_MESSAGES" / "django.po"))}
    for language in ("nb", "nn"):
        have = {e.msgid for e in _catalogue(language) if not e.obsolete}
        assert not used - have, f"missing from {language}: {sorted(used - have)[:20]}"


def test_nynorsk_is_not_a_copy_of_bokmal():
    nb = {e.msgid: e.msgstr for e in _catalogue("nb")}
    nn = {e.msgid: e.msgstr for e in _catalogue("nn")}
    different = sum(1 for msgid in nb if nb[msgid] != nn.get(msgid))
    assert different >= len(nb) * 0.3
