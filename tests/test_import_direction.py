"""Dependencies point one way (README, "What is here"): config → workers → feedback → governance →
pathways, with trafficlight beside feedback (workers → trafficlight → governance), and inside
governance rounds → proposals → outbox → its core (models, permissions, signals).

Every import of every module is read from its source, at the top and inside functions (a lazy import
hides an edge, it does not remove it), relative ones resolved, and `apps.get_model("<app>", …)` counted
as an import of that app. An edge against the direction fails, and so does any cycle between modules.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("config", "workers", "feedback", "trafficlight", "accounts", "governance", "pathways")

# Who may import whom (besides itself). The first matching prefix names a module's area.
AREAS = (
    "config",
    "governance.apps",
    "governance.admin",
    "governance.management",
    "workers",
    "feedback",
    "trafficlight",
    "accounts",
    "governance.rounds",
    "governance.proposals",
    "governance.outbox",
    "governance",
    "pathways",
)
ALLOWED = {
    "config": set(AREAS),
    "workers": {
        "feedback",
        "trafficlight",
        "governance.rounds",
        "governance.proposals",
        "governance.outbox",
        "governance",
        "pathways",
    },
    "feedback": {"governance.rounds", "governance.proposals", "governance.outbox", "governance", "pathways"},
    # Beside feedback, neither knowing the other: it makes proposals, reminds through the outbox,
    # and exports with the rounds' spreadsheet helpers.
    "trafficlight": {"governance.rounds", "governance.proposals", "governance.outbox", "governance", "pathways"},
    "accounts": {"pathways"},
    # The app's wiring (AppConfig.ready connects the rooms' receivers) may name its rooms.
    "governance.apps": {"governance.rounds", "governance.proposals", "governance.outbox", "governance", "pathways"},
    # The admin (Django finds it only as governance.admin) makes subscriptions through the outbox's service.
    "governance.admin": {"governance.outbox", "governance", "pathways"},
    # The management commands (Django finds them only under governance.management): the outbox relay.
    "governance.management": {"governance.outbox", "governance", "pathways"},
    "governance.rounds": {"governance.proposals", "governance.outbox", "governance", "pathways"},
    "governance.proposals": {"governance.outbox", "governance", "pathways"},
    "governance.outbox": {"governance", "pathways"},
    "governance": {"pathways"},
    "pathways": set(),
}


def area(module: str) -> str | None:
    for name in AREAS:
        if module == name or module.startswith(name + "."):
            return name
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")) if (ROOT / app).is_dir() else []:
            if "migrations" not in path.parts:
                modules[module_name(path)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict) -> set[str]:
    """The project modules `name` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def add(target: str) -> None:
        # The longest project module the import names: `from a.b import c` is a.b.c when c is a module.
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                add(f"{module}.{alias.name}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get_model"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            add(node.args[0].value.split(".")[0])
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def against_the_direction(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for source, targets in sorted(graph.items()):
        for target in sorted(targets):
            here, there = area(source), area(target)
            if here is not None and there is not None and here != there and there not in ALLOWED[here]:
                wrong.append(f"{source} → {target}")
    return wrong


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_imports_inside_functions_relative_ones_and_get_model_are_seen(tmp_path):
    source = tmp_path / "phases.py"
    source.write_text(
        "from . import tally\n"
        "from ..proposals.services import proposal_transition\n"
        "def later():\n"
        "    from pathways.models import Pathway\n"
        "    import feedback.services\n"
        "    return apps.get_model('workers', 'Thing')\n",
        encoding="utf-8",
    )
    modules = dict.fromkeys(
        ["governance.rounds.tally", "governance.proposals.services", "pathways.models", "feedback.services", "workers"]
    )
    assert imports_of("governance.rounds.phases", source, modules) == set(modules)


def test_the_project_graph_has_the_edges_it_should():
    graph = import_graph()
    assert {"governance.rounds.phases", "governance.outbox.reminders"} <= graph["workers.reminder_tasks"]
    assert "governance.proposals.services" in graph["governance.rounds.phases"]
    assert "governance.signals" in graph["feedback.apps"]  # the receiver is connected inside ready()


def test_no_import_goes_against_the_direction():
    assert against_the_direction(import_graph()) == []


def test_no_modules_import_each_other_in_a_circle():
    assert cycles(import_graph()) == []


def test_a_back_edge_and_a_cycle_are_found():
    graph = {"pathways.views": {"feedback.services"}, "feedback.services": {"pathways.views"}}
    assert against_the_direction(graph) == ["pathways.views → feedback.services"]
    assert cycles(graph) == [["feedback.services", "pathways.views"]]
    assert against_the_direction({"governance.outbox.reminders": {"governance.rounds.phases"}}) == [
        "governance.outbox.reminders → governance.rounds.phases"
    ]
