"""Writing an export file: all or nothing, and a summary of what left the workspace."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from desktop.core.kernel.errors import ExportError

from .selection import ExportSet


@dataclass
class ExportResult:
    path: Path
    format: str
    documents: int
    annotations: int
    claims: int
    highest_marking: str
    withheld: int = 0

    @classmethod
    def of(cls, path: Path, fmt: str, data: ExportSet) -> ExportResult:
        return cls(
            Path(path),
            fmt,
            len(data.documents),
            len(data.annotations),
            len(data.claims),
            data.highest_marking,
            data.withheld,
        )

    def summary(self) -> str:
        text = (
            f"Exported {self.claims} claim(s) and {self.annotations - self.claims} note(s) "
            f"from {self.documents} document(s) to {self.path} ({self.format}); "
            f"highest marking TLP:{self.highest_marking}"
        )
        if self.withheld:
            text += f"; {self.withheld} document(s) above the ceiling left out"
        return text


def write_atomic(dest: Path | str, data: bytes) -> Path:
    """Write DEST in one step: a failed export never leaves half a file behind."""
    dest = Path(dest)
    if dest.is_dir():
        raise ExportError(f"{dest} is a folder; give a file name to export to.")
    parent = dest.parent if str(dest.parent) else Path(".")
    if not parent.is_dir():
        raise ExportError(f"The folder {parent} does not exist; create it or choose another.")
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, dest)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ExportError(f"Could not write {dest}: {exc.strerror or exc}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return dest
