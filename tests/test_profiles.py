"""Municipality profiles: the embedded illustrative default, reading a profile file with every
problem located, and the embedded geography."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visitering import io, synth
from visitering.cases import Education, FamilyType, KommuneProfil
from visitering.errors import InputError
from visitering.formats import csvtext
from visitering.inputs import embedded, geography
from visitering.inputs.profiles import (
    TREATMENT_INSTITUTIONS,
    derive_default_profiles,
    embedded_profiles,
    employment_index,
    read_profiles,
)

KOMMUNER = embedded.kommuner()


def read(text: str) -> dict[int, KommuneProfil]:
    return read_profiles(csvtext.parse(text, "profiler.csv"), KOMMUNER)


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as err:
        read(text)
    return [str(p) for p in err.value.problems]


# --- the embedded default -----------------------------------------------------------------------


def test_embedded_profiles_cover_all_98_municipalities():
    profiles = embedded_profiles()
    assert list(profiles) == list(KOMMUNER)
    assert len(profiles) == 98
    assert all(p.kode == code for code, p in profiles.items())


def test_embedded_file_is_exactly_its_documented_derivation():
    assert io.read_embedded("kommuneprofiler.csv") == derive_default_profiles()


def test_embedded_default_has_no_invented_wishes_housing_or_occupations():
    for profile in embedded_profiles().values():
        assert profile.wished_family_types == frozenset()
        assert profile.wished_nationalities == frozenset()
        assert profile.reception_projects == frozenset()
        assert profile.occupations == frozenset()
        assert profile.dwellings is None
        assert set(profile.employment) == set(Education)
        assert all(30 <= v <= 70 for v in profile.employment.values())


def test_embedded_treatment_offers_are_the_named_institutions():
    profiles = embedded_profiles()
    assert {c for c, p in profiles.items() if "specialised_hospital" in p.treatment_offers} == {
        101,
        259,
        461,
        751,
        851,
    }
    assert {c for c, p in profiles.items() if "trauma" in p.treatment_offers} == {
        101,
        151,
        265,
        461,
        630,
        751,
        851,
    }
    assert len([p for p in profiles.values() if "chronic_illness" in p.treatment_offers]) == 21
    # every region has somewhere to treat each need the synthetic cases carry
    for region in KOMMUNER.regioner:
        offered = set().union(
            *(profiles[k.kode].treatment_offers for k in KOMMUNER.i_region(region))
        )
        assert set(synth.NEEDS) <= offered, region
    assert {code for code, _, _ in TREATMENT_INSTITUTIONS} <= set(KOMMUNER)


def test_employment_index_orders_by_density_and_growth():
    index = employment_index(
        {1: 100, 2: 100, 3: 100}, {1: 100, 2: 110, 3: 120}, {1: 10, 2: 1, 3: 100}
    )
    # 2 is densest, 3 grew most; 1 is neither
    assert index[1] == {
        Education.NONE: 34,
        Education.BASIC: 38,
        Education.SECONDARY: 42,
        Education.TERTIARY: 46,
    }
    assert index[1][Education.TERTIARY] < index[2][Education.TERTIARY]
    assert index[2][Education.TERTIARY] > index[3][Education.TERTIARY]
    assert index[3][Education.NONE] > index[2][Education.NONE]


# --- reading a profile file ---------------------------------------------------------------------


def test_profile_file_with_every_column():
    text = (
        "kommunekode;kommune_navn;treatment_offers;wished_family_types;wished_nationalities;"
        "reception_projects;employment_none;employment_tertiary;occupations;dwellings_1;"
        "dwellings_2;dwellings_6;note\n"
        "851;Aalborg;Trauma|chronic illness;Single_man|family;syr|eri;single-men;40;70;"
        "Nurse | bus  driver;3;;1;ring before\n"
        "101;København;;;;;;;;;;;\n"
    )
    profiles = read(text)
    assert list(profiles) == list(KOMMUNER)
    assert profiles[851] == KommuneProfil(
        kode=851,
        treatment_offers=frozenset({"trauma", "chronic_illness"}),
        wished_family_types=frozenset({FamilyType.SINGLE_MAN, FamilyType.FAMILY}),
        wished_nationalities=frozenset({"SYR", "ERI"}),
        reception_projects=frozenset({"single_men"}),
        dwellings={1: 3, 6: 1},
        employment={Education.NONE: 40, Education.TERTIARY: 70},
        occupations=frozenset({"nurse", "bus driver"}),
    )
    assert profiles[101] == KommuneProfil(101)  # a row with no values: no data
    assert profiles[147] == KommuneProfil(147)  # not in the file: no data


def test_every_profile_problem_is_located():
    text = (
        "kommunekode,treatment_offers,wished_family_types,wished_nationalities,employment_basic,"
        "dwellings_3,dwellings_0,dwelling_2,employment_tertiary\n"
        "101,trauma,family,SYR,50,2,,,\n"
        "101,,,,,,,,\n"
        "999,dialysis/home,big_families,Syria,101,x,,,-5\n"
        ",trauma,,,,,,,\n"
        "abc,,,,,,,,\n"
    )
    assert problems(text) == [
        "profiler.csv, row 1, column dwellings_0: unknown column 'dwellings_0'; dwellings "
        "columns are named dwellings_1, dwellings_2, ... after the largest household the "
        "dwelling fits",
        "profiler.csv, row 1, column dwelling_2: unknown column 'dwelling_2'; dwellings columns "
        "are named dwellings_1, dwellings_2, ... after the largest household the dwelling fits",
        "profiler.csv, row 3, column kommunekode: kommunekode 101 appears again (first in row 2)",
        "profiler.csv, row 4, column kommunekode: 999 is not the code of a Danish municipality",
        "profiler.csv, row 4, column treatment_offers: a treatment offer is not a code "
        "(letters, digits and _ only)",
        "profiler.csv, row 4, column wished_family_types: 'big_families' is not a family type; "
        "expected one of single_man, single_woman, couple, family, unaccompanied_minor",
        "profiler.csv, row 4, column wished_nationalities: 'SYRIA' is not an ISO 3166 alpha-3 "
        "country code (three letters, e.g. SYR)",
        "profiler.csv, row 4, column employment_basic: 101 is above 100 (prospects are 0-100)",
        "profiler.csv, row 4, column dwellings_3: 'x' is not a whole number",
        "profiler.csv, row 4, column employment_tertiary: '-5' is negative",
        "profiler.csv, row 5, column kommunekode: a kommunekode is required",
        "profiler.csv, row 6, column kommunekode: 'abc' is not a kommunekode",
    ]


def test_missing_kommunekode_column_and_typos_together():
    assert problems("kode,treatment_offer\n101,trauma\n") == [
        "profiler.csv, row 1: required column 'kommunekode' is missing "
        "(columns found: kode, treatment_offer)",
        "profiler.csv, row 1, column kode: unknown column 'kode'; known columns: kommunekode, "
        "kommune_navn, treatment_offers, wished_family_types, wished_nationalities, "
        "reception_projects, employment_none, employment_basic, employment_secondary, "
        "employment_tertiary, occupations, note",
        "profiler.csv, row 1, column treatment_offer: unknown column 'treatment_offer'; "
        "did you mean 'treatment_offers'?",
    ]


def test_a_stray_quote_cannot_leave_municipalities_with_empty_profiles():
    text = (
        "kommunekode,treatment_offers,note\n"
        '101,trauma,"Rigshospitalet\n'
        "147,trauma,Frederiksberg\n"
        '151,trauma,Ballerup"\n'
        "153,trauma,\n"
    )
    assert problems(text) == [
        'profiler.csv, row 2, column note: a quote (") opened in this row is closed only in '
        "row 4, so those rows are read as one; remove the stray quote (a cell in this file "
        "cannot hold a line break)"
    ]


def test_a_dwellings_column_with_a_huge_size_is_an_unknown_column():
    name = "dwellings_" + "1" * 5000
    [problem] = problems(f"kommunekode,{name}\n101,1\n")
    assert problem.startswith(f"profiler.csv, row 1, column {name}: unknown column")


def test_a_user_profile_file_round_trips_the_default():
    text = derive_default_profiles().decode("utf-8")
    assert read(text) == embedded_profiles()


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.integers(1, 9), st.one_of(st.none(), st.integers(0, 500)), max_size=5))
def test_dwellings_are_none_only_without_any_value(cells):
    columns = [f"dwellings_{n}" for n in sorted(cells)]
    values = ["" if cells[n] is None else str(cells[n]) for n in sorted(cells)]
    text = ",".join(["kommunekode", *columns]) + "\n" + ",".join(["101", *values]) + "\n"
    given_values = {n: v for n, v in cells.items() if v is not None}
    assert read(text)[101].dwellings == (given_values or None)


# --- geography ----------------------------------------------------------------------------------


def test_neighbours_are_symmetric_and_islands_have_none():
    neighbours = geography.neighbours()
    assert list(neighbours) == list(KOMMUNER)
    assert all(a in neighbours[b] for a, near in neighbours.items() for b in near)
    assert sum(len(near) for near in neighbours.values()) == 372
    assert {k for k, near in neighbours.items() if not near} == {400, 482, 492, 563, 741, 773, 825}
    assert neighbours[101] >= {147, 157, 159}


def test_distances_are_a_symmetric_matrix():
    distances = geography.distances_km()
    assert len(distances) == 98 * 98
    assert all(distances[(k, k)] == 0.0 for k in KOMMUNER)
    assert all(d == distances[(b, a)] for (a, b), d in distances.items())
    assert distances[(101, 147)] == 1.9
    assert 400 < max(distances.values()) < 500


def test_geography_results_are_fresh_copies():
    geography.neighbours().clear()
    geography.distances_km().clear()
    assert len(geography.neighbours()) == 98 and len(geography.distances_km()) == 98 * 98
    assert len(geography.areas_km2()) == 98
