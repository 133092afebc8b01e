"""The demo workspace: the sample corpus written for Assay, with its sources and markings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .kernel.errors import Cancelled
from .kernel.profile import Profile
from .resources import resource_path
from .workspace import Progress, Workspace


def sample_dir() -> Path:
    return resource_path("sample")


def catalog() -> list[dict]:
    return json.loads((sample_dir() / "catalog.json").read_text(encoding="utf-8"))


def create_demo(
    path: Path, *, progress: Progress | None = None, cancel=None, profile: Profile | None = None
) -> Workspace:
    """Create a workspace at PATH holding the sample documents, sources and markings."""
    path = Path(path)
    existed = path.exists()
    ws = Workspace.create(path, name="Assay demo", profile=profile)
    try:
        entries = catalog()
        files = [sample_dir() / e["file"] for e in entries]
        with ws.deferred_indexing():
            report = ws.import_paths(files, progress=progress, cancel=cancel, index=False)
            if report.cancelled:
                raise Cancelled("Creating the demo workspace was cancelled.")
            if report.failed:
                problems = "; ".join(f"{p.path}: {p.reason}" for p in report.failed)
                raise RuntimeError(f"The sample corpus did not import cleanly: {problems}")
            by_file = {d["filename"]: d["id"] for d in ws.list_documents()}
            for e in entries:
                ws.set_source(
                    e["source"], kind=e.get("source_kind"), reliability=e.get("reliability")
                )
                ws.update_document(
                    by_file[Path(e["file"]).name],
                    title=e["title"],
                    author=e.get("author"),
                    published_at=e.get("published_at"),
                    marking=e.get("marking", "CLEAR"),
                    language=e.get("language"),
                    source=e["source"],
                )
        ws.session.undo_stack.clear()  # setting up the demo is not the user's work to undo
    except BaseException:
        ws.close()
        if not existed:  # leave no half-made workspace behind
            shutil.rmtree(path, ignore_errors=True)
        raise
    return ws
