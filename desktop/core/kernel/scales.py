"""The rating scales in one place: ICD 203, Admiralty, TLP 2.0 — values, labels, bands, colours, STIX."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import RatingError


@dataclass(frozen=True)
class Likelihood:
    key: str
    label: str
    alternative: str
    low: int  # percent
    high: int
    colour: str


# ICD 203 expressions of likelihood, with their percentage bands and alternative terms.
LIKELIHOOD = (
    Likelihood("almost_no_chance", "almost no chance", "remote", 1, 5, "#2b6cb0"),
    Likelihood("very_unlikely", "very unlikely", "highly improbable", 5, 20, "#3182ce"),
    Likelihood("unlikely", "unlikely", "improbable", 20, 45, "#63b3ed"),
    Likelihood("roughly_even", "roughly even chance", "roughly even odds", 45, 55, "#a0aec0"),
    Likelihood("likely", "likely", "probable", 55, 80, "#f6ad55"),
    Likelihood("very_likely", "very likely", "highly probable", 80, 95, "#dd6b20"),
    Likelihood("almost_certain", "almost certain", "nearly certain", 95, 99, "#c53030"),
)
LIKELIHOOD_BY_KEY = {x.key: x for x in LIKELIHOOD}

# ICD 203 analytic confidence: never written in the same sentence as the likelihood.
CONFIDENCE = ("low", "moderate", "high")
CONFIDENCE_LABEL = {
    "low": "low confidence",
    "moderate": "moderate confidence",
    "high": "high confidence",
}

# Admiralty (NATO AJP-2.1) source reliability and information credibility.
RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}

# TLP 2.0 markings, from least to most restricted, with the FIRST colours (text, background).
TLP = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
# What each TLP 2.0 marking allows, in the words shown on banners and reports.
TLP_DESCRIPTIONS = {
    "CLEAR": "Disclosure is not limited.",
    "GREEN": "Limited disclosure: within the community, not public.",
    "AMBER": "Limited disclosure: recipients' organisation and its clients, need to know.",
    "AMBER+STRICT": "Limited disclosure: recipients' organisation only, need to know.",
    "RED": "For the eyes and ears of individual recipients only, no further disclosure.",
}
TLP_COLOURS = {
    "CLEAR": ("#FFFFFF", "#000000"),
    "GREEN": ("#33FF00", "#000000"),
    "AMBER": ("#FFC000", "#000000"),
    "AMBER+STRICT": ("#FFC000", "#000000"),
    "RED": ("#FF2B2B", "#000000"),
}

# STIX 2.1 Appendix A: Admiralty credibility and ICD 203 confidence onto the 0–100 scale.
STIX_FROM_CREDIBILITY = {1: 90, 2: 70, 3: 50, 4: 30, 5: 10}  # 6 → property left out
STIX_FROM_CONFIDENCE = {"low": 15, "moderate": 50, "high": 85}

# Palette for tags without a chosen colour: readable as a highlight on white and on dark.
TAG_PALETTE = (
    "#f6e05e",
    "#90cdf4",
    "#9ae6b4",
    "#fbb6ce",
    "#fbd38d",
    "#b794f4",
    "#81e6d9",
    "#feb2b2",
    "#c6f6d5",
    "#e9d8fd",
)


def check_likelihood(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    key = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    if key in LIKELIHOOD_BY_KEY:
        return key
    for x in LIKELIHOOD:  # accept the words analysts write, and the alternative terms
        if key in (x.label.replace(" ", "_"), x.alternative.replace(" ", "_")):
            return x.key
    if key == "roughly_even_chance":
        return "roughly_even"
    raise RatingError(
        f"Unknown likelihood {value!r}; use one of: {', '.join(x.key for x in LIKELIHOOD)}."
    )


def check_confidence(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    v = str(value).strip().lower()
    if v in CONFIDENCE:
        return v
    raise RatingError(f"Unknown confidence {value!r}; use low, moderate or high.")


def check_credibility(value: int | str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        v = int(value)
    except (TypeError, ValueError):
        v = 0
    if v in CREDIBILITY:
        return v
    raise RatingError(f"Credibility must be 1–6 (Admiralty), not {value!r}.")


def check_marking(value: str | None) -> str:
    v = (value or "CLEAR").strip().upper().removeprefix("TLP:")
    if v in TLP:
        return v
    raise RatingError(f"Marking must be one of {', '.join('TLP:' + t for t in TLP)}.")


def marking_rank(value: str) -> int:
    return TLP.index(check_marking(value))


def admiralty_code(reliability: str | None, credibility: int | None) -> str:
    """The compact code analysts use, e.g. 'B2'; unknown parts become F and 6."""
    return f"{reliability or 'F'}{credibility or 6}"


def likelihood_label(key: str | None) -> str:
    return LIKELIHOOD_BY_KEY[key].label if key in LIKELIHOOD_BY_KEY else ""


def likelihood_band(key: str | None) -> str:
    x = LIKELIHOOD_BY_KEY.get(key or "")
    return f"{x.low}–{x.high} %" if x else ""


def stix_confidence(credibility: int | None, confidence: str | None) -> int | None:
    """STIX `confidence` from Admiralty credibility (preferred) or ICD 203 confidence."""
    if credibility in STIX_FROM_CREDIBILITY:
        return STIX_FROM_CREDIBILITY[credibility]
    if confidence in STIX_FROM_CONFIDENCE:
        return STIX_FROM_CONFIDENCE[confidence]
    return None


def rating_summary(
    reliability: str | None, credibility: int | None, likelihood: str | None, confidence: str | None
) -> str:
    """'B2 · likely (55–80 %) · moderate confidence' — likelihood and confidence kept apart."""
    parts = [admiralty_code(reliability, credibility)]
    if likelihood:
        parts.append(f"{likelihood_label(likelihood)} ({likelihood_band(likelihood)})")
    if confidence:
        parts.append(CONFIDENCE_LABEL[confidence])
    return " · ".join(parts)
