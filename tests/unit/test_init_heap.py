"""Every function ends its init by freezing the heap its imports built (baton.init_heap), so the first full
collection, which tends to fall in the first request, does not walk every module, class and model."""

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


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_handler_module_freezes_the_heap_as_its_last_statement(name: str) -> None:
    # Given the function's handler module, as the template names it
    spec = FUNCTIONS[name]
    module = spec.code_dir / (spec.handler.rsplit(".", 1)[0] + ".py")
    statements = ast.parse(module.read_text()).body
    # Then its last statement freezes the heap, and nothing before it does
    assert _is_freeze(statements[-1]), f"{module.name} must end with init_heap.freeze()"
    assert not any(_is_freeze(statement) for statement in statements[:-1])


def test_after_a_handler_is_imported_its_objects_are_out_of_the_collectors_reach() -> None:
    # Given a fresh interpreter, When it imports the API handler as Lambda does
    spec = FUNCTIONS["ApiFunction"]
    paths = [str(spec.code_dir), *map(str, spec.layer_dirs)]
    code = f"import gc, sys; sys.path[:0] = {paths!r}; import api_handler; print(gc.get_freeze_count(), sum(gc.get_count()))"
    env = {"PATH": "", "AWS_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true", **spec.environment}
    frozen, young = map(
        int, subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout.split()
    )
    # Then what the import built (well over 100,000 objects) sits in the permanent generation, and no generation
    # the collector walks holds it
    assert frozen > 100_000 and young < 1_000
