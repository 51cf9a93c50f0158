"""The layer contracts of pyproject.toml ([tool.importlinter]) hold, and they would catch a
back-pointing import: the same contracts run on a copy of the packages with one import
pointing up (extraction → the crawl) must fail."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())"]


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(LINT, cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def test_layer_contracts_hold():
    run = _lint(ROOT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "broken" in run.stdout and "0 broken" in run.stdout


def test_a_back_pointing_import_breaks_the_contracts(tmp_path):
    for name in ("crawler", "pipelines", "replica"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    text = tmp_path / "pipelines" / "extraction" / "text.py"
    text.write_text(text.read_text(encoding="utf-8") + "\nimport crawler.run  # noqa\n", encoding="utf-8")
    run = _lint(tmp_path)
    assert run.returncode != 0
    assert "BROKEN" in run.stdout and "pipelines.extraction.text -> crawler.run" in run.stdout
