"""The package rule (docs/architecture.md): imports point down, nothing imports in a circle, and no two
modules share a name. Checked on the code as it is, so a new import that breaks the rule fails here."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "baton" / "baton"


def test_imports_point_down() -> None:
    # Given the contracts in pyproject.toml ([tool.importlinter]): the layers and the pure domain
    # When import-linter checks the package
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    # Then every contract is kept (its output names the import that breaks one)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_module_of_baton_imports_in_a_circle() -> None:
    # Given the import graph of the package, type-checking imports included
    graph = grimp.build_graph("baton")
    modules = sorted(graph.modules)
    # When each module's imports are followed
    cycles = []
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported == "baton" or (module.startswith(imported + ".") and graph.find_children(imported)):
                continue  # a package's __init__ is not an import of its contents
            if state.get(imported) == "open":
                cycles.append([*path[path.index(imported) :], imported] if imported in path else [module, imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = "done"

    for module in modules:
        if module not in state:
            visit(module, [module])
    # Then none comes back to where it started
    assert cycles == [], "import circles: " + "; ".join(" -> ".join(cycle) for cycle in cycles)


def test_no_two_modules_share_a_name() -> None:
    # Given every module that code imports as a module: the domain, the ports, the use cases and the functions'
    # (adapters are imported by class and named after what they store or send: repositories/handoffs.py)
    imported_as_modules = [*(PACKAGE / "domain").glob("*.py"), PACKAGE / "ports.py", *(PACKAGE / "logic").glob("*.py")]
    names = [path.name for path in imported_as_modules if path.name != "__init__.py"]
    names += [path.name for path in (ROOT / "functions").rglob("*.py")]
    # When they are counted by file name, Then each name is used once (no `sla.py` beside `logic/sla.py`)
    assert [name for name, count in Counter(names).items() if count > 1] == []
