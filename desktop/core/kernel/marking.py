"""The one rule for what may leave the workspace under a TLP ceiling.

TLP 2.0 orders the labels CLEAR < GREEN < AMBER < AMBER+STRICT < RED; a record leaves when its
marking is at or below the ceiling. A stored marking is compared exactly as Assay writes it
(one of the five names): an unmarked record (no marking, or a blank one) was never cleared by
anyone, so it ranks as RED and leaves only when there is no ceiling; a marking Assay does not
know (a misspelling, a TLP 1.0 WHITE) cannot be ranked and never leaves.
"""

from __future__ import annotations

from . import scales

UNMARKED = "RED"  # how an unmarked record ranks
_BLANK = " \t\r\n"  # what an unmarked record's marking may hold


def check_ceiling(value: str | None) -> str:
    """A ceiling as given by a user ('amber', 'TLP:AMBER', None for RED) → 'AMBER'."""
    return scales.check_marking(value or "RED")


def allowed(ceiling: str) -> tuple[str, ...]:
    """The markings at or below CEILING, lowest first."""
    return scales.TLP[: scales.TLP.index(check_ceiling(ceiling)) + 1]


def may_leave(marking: str | None, ceiling: str) -> bool:
    """Whether a record marked MARKING (as stored) may leave under CEILING."""
    if marking is None or not marking.strip(_BLANK):
        marking = UNMARKED
    return marking in allowed(ceiling)


def sql_may_leave(column: str, ceiling: str) -> str:
    """The same rule as an SQL condition on COLUMN (the values are our own constants)."""
    marks = ",".join(f"'{m}'" for m in allowed(ceiling))
    blank = "' ' || char(9, 13, 10)"
    stored = f"CASE WHEN trim({column}, {blank}) = '' THEN NULL ELSE {column} END"
    return f"coalesce({stored}, '{UNMARKED}') IN ({marks})"
