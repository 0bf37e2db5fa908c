"""Every function imports its handler with the collector off and ends its init by freezing the heap the imports
built (baton.init_heap): no collection runs during init, and the first full one, which tends to fall in the first
request, does not walk every module, class and model."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from local.template import Template
from tests.conftest import ROOT

FUNCTIONS = Template(ROOT / "template.yaml").functions()


def _is_freeze(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(call := statement.value, ast.Call)
        and ast.unparse(call.func) == "init_heap.freeze"
    )


def _code(statements: list[ast.stmt]) -> list[ast.stmt]:
    """The module's statements after its docstring and `from __future__` imports."""
    skipped = (ast.Expr, ast.ImportFrom)
    while statements and isinstance(statements[0], skipped):
        first = statements[0]
        if isinstance(first, ast.ImportFrom) and first.module != "__future__":
            break
        if isinstance(first, ast.Expr) and not isinstance(first.value, ast.Constant):
            break
        statements = statements[1:]
    return statements


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_handler_module_turns_the_collector_off_first_and_freezes_the_heap_last(name: str) -> None:
    # Given the function's handler module, as the template names it
    spec = FUNCTIONS[name]
    module = spec.code_dir / (spec.handler.rsplit(".", 1)[0] + ".py")
    statements = _code(ast.parse(module.read_text()).body)
    # Then before any other import it turns the collector off
    assert [ast.unparse(statement) for statement in statements[:2]] == ["import gc", "gc.disable()"], module.name
    # And its last statement freezes the heap (and turns the collector back on), and nothing before it does
    assert _is_freeze(statements[-1]), f"{module.name} must end with init_heap.freeze()"
    assert not any(_is_freeze(statement) for statement in statements[:-1])


def test_after_a_handler_is_imported_its_objects_are_out_of_the_collectors_reach() -> None:
    # Given a fresh interpreter, When it imports the API handler as Lambda does
    spec = FUNCTIONS["ApiFunction"]
    paths = [str(spec.code_dir), *map(str, spec.layer_dirs)]
    code = (
        f"import gc, sys; sys.path[:0] = {paths!r}; import api_handler; "
        "print(gc.get_freeze_count(), sum(gc.get_count()), gc.isenabled())"
    )
    env = {"PATH": "", "AWS_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true", **spec.environment}
    frozen, young, enabled = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    # Then what the import built (well over 100,000 objects) sits in the permanent generation, no generation the
    # collector walks holds it, and the collector is on again for what requests allocate
    assert int(frozen) > 100_000 and int(young) < 1_000 and enabled == "True"
