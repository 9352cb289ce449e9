"""An organisation's kind is guessed from its name when it is first invited."""

import pytest

from bot.organisations import DAYCARE, GGD, OTHER, SCHOOL, WELFARE, guess_kind


@pytest.mark.parametrize(("name", "kind"), [
    ("GGD IJsselland", GGD),
    ("Consultatiebureau Nieuwleusen", GGD),
    ("Kinderopvang De Speelhoeve", DAYCARE),
    ("Peuterspeelzaal 't Hummelhuis", DAYCARE),
    ("Basisschool De Regenboog", SCHOOL),
    ("CBS De Wegwijzer", SCHOOL),
    ("Stichting Welzijn Dalfsen", WELFARE),
    ("Vluchtelingenwerk Oost Nederland", WELFARE),
    ("Huisartsenpraktijk Dalfsen", OTHER),
])
def test_kind_from_the_name(name: str, kind: str) -> None:
    assert guess_kind(name) == kind
