"""Compiled copies of hot modules: which one runs.

``setup.py`` copies each module it compiles (its list ``COMPILED``) from ``pipelines/X.py`` to
``pipelines/_X_native.py`` with the SHA-256 of the source appended, and builds that copy with
mypyc as an optional C extension (no C compiler: no extension, pure Python). At the end of
``pipelines/X.py``, :func:`use_compiled_copy` replaces the module's public names (``__all__``)
with the compiled copy's, but only when the copy was built from the current source: an edit
to ``X.py`` takes effect at once, in pure Python, until the next ``pip install``.
``PORTAL_NEWS_PURE_PYTHON=1`` in the environment turns every compiled copy off.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import os

__all__ = ["use_compiled_copy"]

COMPILED_NAME = "compiled (mypyc)"


def _copy_of(module_name: str, path: str) -> tuple[object | None, str]:
    if os.environ.get("PORTAL_NEWS_PURE_PYTHON"):
        return None, "python (PORTAL_NEWS_PURE_PYTHON is set)"
    package, _, name = module_name.rpartition(".")
    try:
        native = importlib.import_module(f"{package}._{name}_native")
    except ImportError:
        return None, "python (no compiled copy built)"
    if not str(getattr(native, "__file__", "")).endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
        return None, "python (no compiled copy built)"
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    if getattr(native, "_SOURCE_SHA256", None) != digest:
        return None, f"python (the compiled copy is of an older {name}.py: rerun pip install)"
    return native, COMPILED_NAME


def use_compiled_copy(module_globals: dict) -> tuple[str, dict]:
    """Call as ``IMPLEMENTATION, PYTHON_FUNCTIONS = use_compiled_copy(globals())`` at the end of
    a compiled module. Returns what runs ("compiled (mypyc)" or "python (why)") and the
    module's own pure-Python public objects (for tests and benchmarks)."""
    python_objects = {name: module_globals[name] for name in module_globals["__all__"]}
    module_name = module_globals["__name__"]
    if module_name.rpartition(".")[2].startswith("_"):
        return COMPILED_NAME, python_objects  # (this is the compiled copy itself)
    native, implementation = _copy_of(module_name, module_globals["__file__"])
    if native is not None:
        module_globals.update({name: getattr(native, name) for name in python_objects})
    return implementation, python_objects
