"""Where Assay writes its log (a rotating file in the user's log folder) and how it is set up."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

import platformdirs

LOG_NAME = "assay.log"
_configured: Path | None = None


def log_dir() -> Path:
    env = os.environ.get("ASSAY_LOG_DIR")
    return Path(env) if env else Path(platformdirs.user_log_dir("assay", appauthor=False))


def log_path() -> Path:
    return log_dir() / LOG_NAME


def setup_logging(level: int = logging.INFO) -> Path:
    """Send Assay's log records to a rotating file (1 MB × 5); returns the file's path."""
    global _configured
    path = log_path()
    if _configured == path:
        return path
    root = logging.getLogger()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()  # a read-only home must not stop the app
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s")
    )
    for old in [h for h in root.handlers if getattr(h, "_assay", False)]:
        root.removeHandler(old)
    handler._assay = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # pypdf logs a warning for every quirk of a damaged PDF; the import summary says enough.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    _configured = path
    return path
