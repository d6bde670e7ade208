"""accounts depends on pathways only: config → accounts → pathways. It never imports feedback,
governance or workers (the triage queue is reached by its URL name)."""

import ast
from pathlib import Path

ACCOUNTS = Path(__file__).resolve().parents[2] / "accounts"
FORBIDDEN = {"feedback", "governance", "workers", "config"}


def test_accounts_imports_none_of_the_apps_above_it():
    found = []
    for path in ACCOUNTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            found += [f"{path.name}: {name}" for name in names if name.split(".")[0] in FORBIDDEN]
    assert not found
