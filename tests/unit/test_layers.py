"""Each function's imports are in its layers: template.yaml gives every function the base layer (Globals) and the
layers only it needs (its own `Layers`); a function that imports a package none of its layers ships would fail on
Lambda with ModuleNotFoundError, at its cold start or at the first call that needs it.

Read statically, so an import inside a function (first use) counts as much as one at the top: from each handler,
every module of the function's folder and of baton it imports (at any depth, `if TYPE_CHECKING:` aside), and the
outside packages those import. Each outside package must be in the lock (requirements.txt) of one of the function's
layers, or be what the Lambda runtime provides (the Makefile's PROVIDED_BY_LAMBDA)."""

from __future__ import annotations

import ast
import re
import sys
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from local.template import FunctionSpec, Template

ROOT = Path(__file__).resolve().parents[2]
BATON = ROOT / "layers" / "baton"
FUNCTIONS = Template(ROOT / "template.yaml").functions()
BASE_LAYER = "BatonLayer"


def _canonical(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _locked(layer_dir: Path) -> set[str]:
    """The distributions a layer's lock pins."""
    text = (layer_dir / "requirements.txt").read_text()
    return {_canonical(name) for name in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", text, re.MULTILINE)}


def _provided_by_lambda() -> set[str]:
    (line,) = re.findall(r"^PROVIDED_BY_LAMBDA := (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    return {_canonical(name) for name in line.split()}


def _module_file(module: str, code_dir: Path) -> Path | None:
    """The source of one of the function's own modules or of baton's; None for anything else."""
    base = BATON if module.split(".", maxsplit=1)[0] == "baton" else code_dir
    path = base.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(path: Path, module: str) -> set[str]:
    """Every module name `path` imports (a `from x import y` may name a module x.y: both are listed)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".") if package else []
            stem = ".".join([*parts[: len(parts) - node.level + 1], node.module or ""] if node.level else [node.module or ""])
            stem = stem.strip(".")
            names.add(stem)
            names.update(f"{stem}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), filename=str(path)))
    return {name for name in names if name and name != "__future__"}


@cache
def _outside_packages(name: str) -> dict[str, str]:
    """The outside (neither standard nor the function's nor baton's) top-level packages a function imports, each with
    the module that imports it first."""
    spec: FunctionSpec = FUNCTIONS[name]
    handler = spec.handler.rsplit(".", 1)[0]
    seen: set[str] = set()
    outside: dict[str, str] = {}
    queue = [handler]
    while queue:
        module = queue.pop()
        if module in seen:
            continue
        seen.add(module)
        path = _module_file(module, spec.code_dir)
        if path is None:
            continue
        for imported in sorted(_imported(path, module)):
            parts = imported.split(".")
            top = parts[0]
            if top in sys.stdlib_module_names:
                continue
            if top == "baton" or _module_file(top, spec.code_dir) is not None:
                # importing baton.a.b runs baton/__init__ and baton/a/__init__ too
                queue += [".".join(parts[:depth]) for depth in range(1, len(parts) + 1)]
            else:
                outside.setdefault(top, module)
    return outside


def _distribution(top_level: str) -> str:
    (distribution, *_) = packages_distributions().get(top_level, [top_level])
    return _canonical(distribution)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_package_a_function_imports_is_in_its_layers(name: str) -> None:
    # Given the function's layers as template.yaml gives them (as the local runtime and the bench read them)
    spec = FUNCTIONS[name]
    shipped = set().union(*(_locked(layer_dir) for layer_dir in spec.layer_dirs)) | _provided_by_lambda()
    # When its imports are followed from its handler
    missing = {top: importer for top, importer in _outside_packages(name).items() if _distribution(top) not in shipped}
    # Then each outside package is in one of its layers (or the Lambda runtime)
    assert not missing, f"{name} imports {missing} (package: importing module), in none of its layers {spec.layers}"


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_a_function_has_only_the_layers_it_imports_from(name: str) -> None:
    # Given the layers the function adds to the base one
    spec = FUNCTIONS[name]
    imported = {_distribution(top) for top in _outside_packages(name)}
    # Then it imports something from each (an unused layer only adds to its size)
    for layer, layer_dir in zip(spec.layers, spec.layer_dirs, strict=True):
        if layer != BASE_LAYER:
            assert _locked(layer_dir) & imported, f"{name} has {layer} but imports none of its packages"


def test_every_function_has_the_base_layer_first_and_the_layers_ship_apart() -> None:
    layer_dirs = {
        layer: layer_dir for spec in FUNCTIONS.values() for layer, layer_dir in zip(spec.layers, spec.layer_dirs, strict=True)
    }
    assert all(spec.layers[:1] == [BASE_LAYER] for spec in FUNCTIONS.values())
    # No package in two layers (it would count twice in a function's size, and one copy would shadow the other),
    # nor one the runtime provides
    for layer, layer_dir in layer_dirs.items():
        assert not _locked(layer_dir) & _provided_by_lambda(), layer
        for other, other_dir in layer_dirs.items():
            assert layer == other or not _locked(layer_dir) & _locked(other_dir), (layer, other)


def test_the_check_sees_a_package_missing_from_a_functions_layers() -> None:
    # Given the hooks function (it answers Slack's clicks through slack_sdk) without its Slack layer
    hooks = FUNCTIONS["HooksFunction"]
    base_only = {*_locked(hooks.layer_dirs[0]), *_provided_by_lambda()}
    # Then slack_sdk is what it would miss
    assert {top for top in _outside_packages("HooksFunction") if _distribution(top) not in base_only} == {"slack_sdk"}


def test_no_function_serves_the_swagger_ui_the_base_layer_leaves_out() -> None:
    # layers/baton/Makefile removes Powertools' Swagger UI assets: only enable_swagger() reads them
    sources = [*(ROOT / "functions").rglob("*.py"), *(BATON / "baton").rglob("*.py")]
    assert not [path for path in sources if "enable_swagger(" in path.read_text()]
