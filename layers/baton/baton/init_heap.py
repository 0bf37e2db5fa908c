"""A function's init and the garbage collector: off while the handler module is imported, then the heap it built is
set aside and the collector is turned back on.

Importing a handler builds hundreds of thousands of objects (modules, classes, pydantic models, botocore's
tables) that live as long as the execution environment. Python's collector walks all of them at each full
collection, and the first full one tends to fall in the first request: `make bench` saw it add 50-60 ms to a
first request, or not, depending only on how many objects the import happened to allocate (the same handler
was fast traced and slow untraced, the baseline the other way round). `gc.freeze()` moves everything alive at
the end of init to the permanent generation, which no collection walks; what requests allocate is collected
as before. With SnapStart the frozen heap is part of the snapshot, as it would be without.

Collecting during the import itself is wasted work too (hardly anything an import builds is garbage), and it was
a sixth of the API function's init (about 60 ms of 370 here): every handler module starts with `gc.disable()`,
before its own imports, and ends with `freeze()`.
"""

from __future__ import annotations

import gc


def freeze() -> None:
    """The last statement of every handler module (a test checks each function in the template does it)."""
    gc.freeze()
    gc.enable()
