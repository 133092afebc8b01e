"""The one rule for what may leave the workspace under a TLP ceiling."""

from __future__ import annotations

from . import scales


def check_ceiling(value: str | None) -> str:
    """A ceiling as given by a user ('amber', 'TLP:AMBER', None for RED) → 'AMBER'."""
    return scales.check_marking(value or "RED")


def allowed(ceiling: str) -> tuple[str, ...]:
    """The markings at or below CEILING, lowest first."""
    return scales.TLP[: scales.TLP.index(check_ceiling(ceiling)) + 1]


def may_leave(marking: str | None, ceiling: str) -> bool:
    """An unmarked document counts as CLEAR; a marking Assay does not know never leaves."""
    return (marking or "CLEAR") in allowed(ceiling)


def sql_may_leave(column: str, ceiling: str) -> str:
    """The same rule as an SQL condition on COLUMN (the values are our own constants)."""
    marks = ",".join(f"'{m}'" for m in allowed(ceiling))
    return f"coalesce({column}, 'CLEAR') IN ({marks})"
