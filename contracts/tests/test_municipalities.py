"""The packaged Saxon municipalities and their short codes."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ikdz_contracts.reference import Municipality, MunicipalityRegistry, load_municipalities
from ikdz_contracts.reference.municipalities import (
    ascii_letters,
    assign_short_codes,
    display_name,
    parse_municipalities,
)

WURZEN = "14729410"
AUGUSTUSBURG = "14522020"


def test_all_418_municipalities_load() -> None:
    towns = load_municipalities()

    assert len(towns) == 418
    assert all(town.ags.startswith("14") for town in towns)
    assert sum(town.population for town in towns) == 4_042_422  # see PROVENANCE.md, "Checks"


def test_data_file_and_provenance_are_package_resources() -> None:
    data = resources.files("ikdz_contracts.reference") / "data"

    assert (data / "sachsen-gemeinden.csv").read_text(encoding="utf-8").startswith("ags,name,kreis_ags")
    assert "Destatis" in (data / "sachsen-gemeinden.PROVENANCE.md").read_text(encoding="utf-8")


def test_loading_is_cached() -> None:
    assert load_municipalities() is load_municipalities()


def test_pilot_towns() -> None:
    towns = load_municipalities()
    wurzen = towns.get(WURZEN)
    augustusburg = towns.get(AUGUSTUSBURG)

    assert wurzen is not None
    assert augustusburg is not None
    assert (wurzen.short_code, wurzen.display_name, wurzen.name) == ("WUR", "Wurzen", "Wurzen, Stadt")
    assert (wurzen.kreis_ags, wurzen.kreis_name) == ("14729", "Landkreis Leipzig")
    assert (wurzen.population, wurzen.plz) == (16238, "04808")
    assert (wurzen.lat, wurzen.lng) == (51.369968, 12.735166)
    assert augustusburg.short_code == "AUG"
    assert augustusburg.display_name == "Augustusburg"


def test_short_codes_are_unique_three_letter_codes() -> None:
    codes = [town.short_code for town in load_municipalities()]

    assert len(set(codes)) == len(codes) == 418
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in codes)


def test_short_codes_are_letters_of_the_name_in_order() -> None:
    for town in load_municipalities():
        letters = iter(ascii_letters(town.display_name))
        assert town.short_code[0] == ascii_letters(town.display_name)[0]
        assert all(ch in letters for ch in town.short_code), town  # a subsequence of the name


def test_short_codes_are_stable() -> None:
    # Codes are printed on file numbers: any change breaks issued numbers (see docs/contracts.md).
    towns = load_municipalities()
    expected = {"14511000": "CHE", "14612000": "DRS", "14713000": "LEP", "14521150": "DRE", "14627010": "COS"}
    assert {ags: town.short_code for ags in expected if (town := towns.get(ags))} == expected
    table = "".join(f"{town.ags}:{town.short_code}\n" for town in towns)
    assert hashlib.sha256(table.encode()).hexdigest() == (
        "beeb78d5857a9b8781d7c32381c7353f0585582d755ea77f0b83134048414842"
    ), "the short-code table changed: codes on issued file numbers must never change"


def test_lookup_by_short_code() -> None:
    towns = load_municipalities()

    assert towns.by_short_code("WUR") == towns.get(WURZEN)
    assert towns.by_short_code("XYZ") is None


def test_registry_lookup_and_membership() -> None:
    towns = load_municipalities()

    assert WURZEN in towns
    assert "14729999" not in towns
    assert 14729410 not in towns
    assert towns.get("14729999") is None
    assert [town.ags for town in towns] == sorted(town.ags for town in towns)


def test_by_kreis_matches_the_provenance_counts() -> None:
    towns = load_municipalities()
    per_kreis = Counter(town.kreis_ags for town in towns)

    assert per_kreis == {
        "14511": 1, "14521": 59, "14522": 52, "14523": 37, "14524": 33,
        "14612": 1, "14625": 57, "14626": 53, "14627": 28, "14628": 36,
        "14713": 1, "14729": 30, "14730": 30,
    }  # fmt: skip
    leipzig_land = towns.by_kreis("14729")
    assert len(leipzig_land) == 30
    assert towns.get(WURZEN) in leipzig_land
    assert all(town.kreis_name == "Landkreis Leipzig" for town in leipzig_land)
    assert towns.by_kreis("99999") == []


def test_kreisfreie_staedte() -> None:
    towns = load_municipalities()

    assert [
        (t.display_name, t.population) for t in (towns.get(a) for a in ("14511000", "14612000", "14713000")) if t
    ] == [
        ("Chemnitz", 245_618),
        ("Dresden", 564_904),
        ("Leipzig", 611_850),
    ]


@pytest.mark.parametrize(
    ("official", "expected"),
    [
        ("Chemnitz, Stadt", "Chemnitz"),
        ("Amtsberg", "Amtsberg"),
        ("Bautzen / Budyšin, Stadt, Hochschulstadt / Wysokošulske město", "Bautzen"),
        ("Hoyerswerda / Wojerecy, Stadt", "Hoyerswerda"),
        ("Großpostwitz/O.L. / Budestecy", "Großpostwitz/O.L."),
        ("Kurort Oybin", "Kurort Oybin"),
    ],
)
def test_display_name(official: str, expected: str) -> None:
    assert display_name(official) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Wurzen", "WURZEN"),
        ("Bärenstein", "BARENSTEIN"),
        ("Lößnitz", "LOSNITZ"),
        ("Großrückerswalde", "GROSRUCKERSWALDE"),
        ("Aue-Bad Schlema", "AUEBADSCHLEMA"),
        ("Börnichen/Erzgeb.", "BORNICHENERZGEB"),
        ("Crostwitz", "CROSTWITZ"),
        ("Chrósćicy", "CHROSCICY"),
    ],
)
def test_ascii_letters_fold_umlauts_and_drop_punctuation(name: str, expected: str) -> None:
    assert ascii_letters(name) == expected


@pytest.mark.parametrize(
    ("towns", "expected"),
    [
        pytest.param([("1", "Wurzen")], {"1": "WUR"}, id="first three letters"),
        pytest.param(
            [("1", "Bad Brambach"), ("2", "Bad Elster"), ("3", "Bad Düben")],
            {"1": "BAD", "2": "BAE", "3": "BAU"},
            id="collision: first two letters plus the next free letter",
        ),
        pytest.param(
            [("2", "Bad Elster"), ("1", "Bad Brambach")],
            {"1": "BAD", "2": "BAE"},
            id="earlier AGS wins whatever the input order",
        ),
        pytest.param(
            [("1", "Abcd"), ("2", "Abcd"), ("3", "Abcd"), ("4", "Abcd")],
            {"1": "ABC", "2": "ABD", "3": "ACD", "4": "ABCD"},
            id="then first letter plus later pairs, then four letters",
        ),
        pytest.param([("1", "Öhringen")], {"1": "OHR"}, id="umlaut folded"),
    ],
)
def test_assign_short_codes(towns: list[tuple[str, str]], expected: dict[str, str]) -> None:
    assert assign_short_codes(towns) == expected


def test_assign_short_codes_fails_when_no_code_is_left() -> None:
    with pytest.raises(ValueError, match="no free short code for 5"):
        assign_short_codes([(str(i), "Abcd") for i in range(1, 6)])


@settings(deadline=None)  # the first example pays for model and regex compilation; CI machines are shared
@given(st.lists(st.text(st.sampled_from("abcdeäöüßABC -"), min_size=3, max_size=12), min_size=1, max_size=30))
def test_short_codes_are_unique_and_deterministic(names: list[str]) -> None:
    towns = [(f"{i:08d}", name) for i, name in enumerate(names) if len(ascii_letters(name)) >= 4]
    try:
        codes = assign_short_codes(towns)
    except ValueError:
        return  # too many towns with the same few letters: refused, never a duplicate
    assert len(set(codes.values())) == len(codes) == len(towns)
    assert assign_short_codes(list(reversed(towns))) == codes
    for ags, name in towns:
        assert codes[ags][0] == ascii_letters(name)[0]
        assert 3 <= len(codes[ags]) <= 4


def test_registry_rejects_duplicates() -> None:
    town = load_municipalities().get(WURZEN)
    assert town is not None

    with pytest.raises(ValueError, match="duplicate AGS"):
        MunicipalityRegistry([town, town])
    with pytest.raises(ValueError, match="duplicate short code WUR"):
        MunicipalityRegistry([town, town.model_copy(update={"ags": "14729411"})])


def test_parse_municipalities_from_csv_text() -> None:
    text = (
        "ags,name,kreis_ags,kreis_name,population,population_date,plz,lat,lng\n"
        '14729410,"Wurzen, Stadt",14729,Landkreis Leipzig,16238,2024-12-31,04808,51.369968,12.735166\n'
    )

    towns = parse_municipalities(text)

    assert len(towns) == 1
    assert towns.get(WURZEN) == Municipality(
        ags=WURZEN,
        name="Wurzen, Stadt",
        display_name="Wurzen",
        kreis_ags="14729",
        kreis_name="Landkreis Leipzig",
        population=16238,
        population_date=date(2024, 12, 31),
        plz="04808",
        lat=51.369968,
        lng=12.735166,
        short_code="WUR",
    )
