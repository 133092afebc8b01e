"""Ids and names: random ids for what one analyst makes, name-derived ids for what must match."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from .errors import AnnotationError

NAMESPACE = uuid.UUID("5b0c3f0e-8a52-4d6e-9a57-3c1f2f4a9e11")  # for name-derived ids
_TAG_PART = re.compile(r"[^\w\-+.& ]", re.UNICODE)


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def name_id(kind: str, name: str) -> str:
    """Ids made from a normalised name, so two workstations that make the same thing match."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{' '.join(name.casefold().split())}"))


def document_id(sha256: str) -> str:
    """Documents are named by their bytes, so two workstations importing one file share it."""
    return str(uuid.uuid5(NAMESPACE, f"document:{sha256}"))


def normalise_tag(name: str) -> str:
    """'Capability / Vuln Discovery ' → 'capability/vuln discovery'; refuses empty parts."""
    parts = [" ".join(p.split()).casefold() for p in str(name).split("/")]
    if not name or any(not p for p in parts):
        raise AnnotationError(f"Tag name {name!r} has an empty part; write e.g. 'actor/state'.")
    for p in parts:
        if _TAG_PART.search(p):
            raise AnnotationError(
                f"Tag name {name!r} may hold letters, digits, spaces and - + . & only."
            )
    return "/".join(parts)


def tag_id(name: str) -> str:
    return name_id("tag", normalise_tag(name))


def free_id(db, table: str, wanted: object) -> str:
    """WANTED if it is a UUID not used in TABLE yet, else a new one."""
    try:
        wanted = str(uuid.UUID(str(wanted)))
    except ValueError:
        return str(uuid.uuid4())
    taken = db.execute(f"SELECT 1 FROM {table} WHERE id = ?", [wanted]).fetchone()
    return str(uuid.uuid4()) if taken else wanted


def chunks(items: list, size: int = 500):
    """Slices of ITEMS, so an IN (…) list stays under SQLite's variable limit."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
