"""Compiled copies of hot modules: which one runs.

``setup.py`` copies each module it compiles (its list ``COMPILED``) from ``pipelines/X.py`` to
``pipelines/_X_native_<digest>.py`` and builds that copy with mypyc as an optional C extension
(no C compiler: no extension, pure Python). ``<digest>`` is :func:`source_digest` of the
package's sources at build time: mypyc compiles a module against the types of the modules it
imports too, so a copy is only valid for the sources it was built from, all of them.

At the end of ``pipelines/X.py``, :func:`use_compiled_copy` imports the copy named after the
digest of the current sources, so a copy built from other sources is never even imported:
after an edit to any module of the package, the compiled modules run in pure Python until
the next ``pip install``. ``PORTAL_NEWS_PURE_PYTHON=1`` in the environment turns every
compiled copy off. This module uses the standard library only (``setup.py`` loads it by path).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import os
from pathlib import Path

__all__ = ["COMPILED", "use_compiled_copy", "implementations", "source_digest", "copy_module_name",
           "pure_python_requested"]

# the modules setup.py compiles (README "Compiled modules"): the officials scanner, the body
# walk, the class index
COMPILED = ("officials", "blocks", "dom")
COMPILED_NAME = "compiled (mypyc)"
PACKAGE_DIR = Path(__file__).resolve().parent


def pure_python_requested() -> bool:
    return os.environ.get("PORTAL_NEWS_PURE_PYTHON", "").strip().lower() in ("1", "true", "yes")


def is_generated_copy(name: str) -> bool:
    """File or module name of a generated copy (``_X_native_<digest>…``)."""
    return name.startswith("_") and "_native_" in name


def source_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 (first 16 hex digits) over the package's own ``*.py`` files, generated copies left out."""
    h = hashlib.sha256()
    for path in sorted(package_dir.glob("*.py")):
        if not is_generated_copy(path.name):
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def copy_module_name(name: str, digest: str) -> str:
    """``officials``, digest -> ``_officials_native_<digest>`` (the module in this package)."""
    return f"_{name}_native_{digest}"


_DIGEST: list[str] = []  # the current sources' digest, computed once per process


def _copy_of(module_name: str) -> tuple[object | None, str]:
    if pure_python_requested():
        return None, "python (PORTAL_NEWS_PURE_PYTHON is set)"
    package, _, name = module_name.rpartition(".")
    if not _DIGEST:
        _DIGEST.append(source_digest())
    copy = copy_module_name(name, _DIGEST[0])
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    if not any((PACKAGE_DIR / (copy + s)).exists() for s in suffixes):
        if any(p.name.endswith(suffixes) for p in PACKAGE_DIR.glob(f"_{name}_native_*")):
            return None, f"python (the compiled copy of {name} is of other sources: rerun pip install)"
        return None, "python (no compiled copy built)"
    try:
        native = importlib.import_module(f"{package}.{copy}")
    except Exception as exc:  # (a broken build must not break the package: it runs in Python)
        return None, f"python (the compiled copy of {name} did not load: {type(exc).__name__}: {exc})"
    if not str(getattr(native, "__file__", "")).endswith(suffixes):
        return None, "python (no compiled copy built)"
    return native, COMPILED_NAME


def implementations() -> dict[str, str]:
    """What runs of each module of COMPILED: "compiled (mypyc)" or "python (why)"."""
    return {name: importlib.import_module(f"pipelines.{name}").IMPLEMENTATION for name in COMPILED}


def use_compiled_copy(module_globals: dict) -> tuple[str, dict]:
    """Call as ``IMPLEMENTATION, PYTHON_FUNCTIONS = use_compiled_copy(globals())`` at the end of
    a compiled module: swaps the module's public names (``__all__``) for the compiled copy's
    when there is one for the current sources. Returns what runs ("compiled (mypyc)" or
    "python (why)") and the module's own pure-Python public objects. (Those look up the
    module's other names when called, so after a swap they make compiled classes such as
    ``Block``: a pure-Python run end to end is ``PORTAL_NEWS_PURE_PYTHON=1``.)"""
    python_objects = {name: module_globals[name] for name in module_globals["__all__"]}
    module_name = module_globals["__name__"]
    if is_generated_copy(module_name.rpartition(".")[2]):
        return COMPILED_NAME, python_objects  # (this is the compiled copy itself)
    native, implementation = _copy_of(module_name)
    if native is not None:
        module_globals.update({name: getattr(native, name) for name in python_objects})
    return implementation, python_objects
