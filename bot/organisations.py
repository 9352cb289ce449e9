"""What kind of organisation a partner works for, and whether it hands out BoekStart bags.

The kind is guessed from the name when the organisation is first invited (the consultant
can correct it); news goes out by kind and the figures are grouped by it."""

from __future__ import annotations

import re

from bot.i18n import NS_

GGD = "ggd"
DAYCARE = "daycare"
SCHOOL = "school"
WELFARE = "welfare"
OTHER = "other"
KINDS = (GGD, DAYCARE, SCHOOL, WELFARE, OTHER)
KIND_NAMES: dict[str, str] = {
    GGD: NS_("youth health (GGD)"),
    DAYCARE: NS_("daycare"),
    SCHOOL: NS_("school"),
    WELFARE: NS_("welfare"),
    OTHER: NS_("other organisation"),
}

# Words in an organisation's name that give its kind away, the most specific first.
_HINTS: tuple[tuple[str, str], ...] = (
    (GGD, r"ggd|consultatiebureau|jeugdgezondheid|jgz|jeugdverpleeg|cjg"),
    (DAYCARE, r"kinderopvang|kinderdagverblijf|kdv|peuter|opvang|daycare|gastouder"),
    (SCHOOL, r"school|\bobs\b|\bcbs\b|\bkbs\b|onderwijs|\bikc\b|kindcentrum"),
    (WELFARE, r"welzijn|vitis|maatschappelijk|sociaal|wijkteam|welfare|vluchtelingenwerk"),
)


def guess_kind(name: str) -> str:
    """'GGD IJsselland' -> ggd, 'Kinderopvang De Speelhoeve' -> daycare; else other."""
    lowered = name.lower()
    for kind, pattern in _HINTS:
        if re.search(pattern, lowered):
            return kind
    return OTHER


def hands_out_bags_by_default(kind: str) -> bool:
    """Youth nurses of the GGD hand out the BoekStart bag on their home visits."""
    return kind == GGD
