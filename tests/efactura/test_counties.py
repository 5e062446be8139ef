"""County codes come from ISO 3166-2:RO (pycountry); free text typed before the list existed maps to them."""

import pytest

from hostico.efactura import counties


def test_the_list_is_the_41_counties_and_bucharest():
    listed = counties.counties()
    assert len(listed) == 42
    assert listed["RO-B"] == "București" and listed["RO-BV"] == "Brașov" and listed["RO-CS"] == "Caraș-Severin"


@pytest.mark.parametrize(("typed", "code"), [
    ("Brașov", "RO-BV"), ("brasov", "RO-BV"), ("BRAŞOV", "RO-BV"), ("jud. Cluj", "RO-CJ"), ("Judetul Iasi", "RO-IS"),
    ("Bucuresti", "RO-B"), ("Municipiul București", "RO-B"), ("Sector 3", "RO-B"), ("RO-TM", "RO-TM"),
    ("tm", "RO-TM"), ("Bistrita Nasaud", "RO-BN"), ("Satu-Mare", "RO-SM"), ("Atlantis", None), ("", None),
])
def test_typed_county_becomes_its_code(typed, code):
    assert counties.to_code(typed) == code


@pytest.mark.parametrize(("texts", "sector"), [
    (("Sector 3",), "SECTOR3"), (("SECTOR6",), "SECTOR6"), (("București", "Str. X, sectorul 2"), "SECTOR2"),
    (("București",), None), (("Sector 7",), None),
])
def test_bucharest_sector_is_recognised(texts, sector):
    assert counties.sector_of(*texts) == sector
