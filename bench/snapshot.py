"""Run a benchmark against a frozen copy of the code.

The tree changes while a long run goes on (new migrations, new modules); a child process that
imports the newer code then disagrees with the parent (e.g. "this workspace needs an upgrade").
`use_snapshot(folder)` copies db/ and desktop/ into folder/code and puts that copy first on
sys.path (and on PYTHONPATH for child processes), so one run measures one version of the code.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("db", "desktop")


def describe() -> str:
    """Short commit id, and whether db/ or desktop/ differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            text=True,
            capture_output=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", *PACKAGES],
            cwd=ROOT,
            text=True,
            capture_output=True,
        ).stdout.strip()
        return head + (" + uncommitted changes in db/ or desktop/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def use_snapshot(folder: Path) -> str:
    """Copy the packages into folder/code, import from there from now on; return describe()."""
    if any(name == p or name.startswith(p + ".") for name in sys.modules for p in PACKAGES):
        raise RuntimeError("use_snapshot() must run before db or desktop is imported")
    state = describe()
    code = Path(folder) / "code"
    if code.exists():
        shutil.rmtree(code)
    code.mkdir(parents=True)
    for pkg in PACKAGES:
        shutil.copytree(
            ROOT / pkg, code / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "ui")
        )
    sys.path.insert(0, str(code))
    os.environ["PYTHONPATH"] = str(code) + os.pathsep + os.environ.get("PYTHONPATH", "")
    return state
