"""Simulation core: reproducibility, properties of the summary, the carry-over rule, parsing."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visitering.assignment.problem import Parameters
from visitering.errors import InputError
from visitering.formats.csvtext import Dialect
from visitering.inputs import embedded
from visitering.simulering.draws import draw_run
from visitering.simulering.executor import chunks, run_simulation
from visitering.simulering.parse import parse_simulation
from visitering.simulering.placement import place_quota_only
from visitering.simulering.run import kommunekoder, simulate_run
from visitering.simulering.spec import (
    Mode,
    Rule,
    SimulationSpec,
    Uncertainty,
    historical_uncertainty,
)
from visitering.simulering.summary import csv_bytes, summarise

HISTORY = embedded.landstal_history()
PLACED = embedded.placed_history()
DEFAULT = historical_uncertainty(HISTORY, PLACED)


def _spec(**kw: object) -> SimulationSpec:
    base: dict[str, object] = {
        "years": (2026,),
        "landstal": (600,),
        "uncertainty": DEFAULT,
        "data_year": 2025,
    }
    base.update(kw)
    return SimulationSpec(**base)  # type: ignore[arg-type]


def _csv(spec: SimulationSpec, runs: int, seed: int, workers: int) -> bytes:
    results = run_simulation(spec, runs, seed, workers=workers)
    summary = summarise(spec, results, seed, kommunekoder(spec))
    return csv_bytes(summary, embedded.kommuner(), Dialect.STANDARD)


def test_historical_defaults_come_from_the_landstal_file():
    # data/landstal_historik.csv: 10 years with a landstal, 5 of them revised (2014-2018);
    # 2016 went 12,000 -> 17,000 -> 7,500; 2015 housed 10,600 of a final 12,000.
    assert DEFAULT.revision_probability == 0.5
    assert DEFAULT.revision_multipliers[2:4] == (1.4167, 0.4412)
    assert DEFAULT.arrival_ratios[0] == round(10_600 / 12_000, 4)
    # Regression (data audit, stop 27): 2017 ended at 8,500 in the file, not at docs/rules.md's
    # ≈2,200, so 2,100 housed gave an arrival ratio of 0.25 that no year had.
    assert HISTORY[2017] == (15_000, 8_500, 4_000, 2_200)
    assert DEFAULT.arrival_ratios[2] == round(2_100 / 2_200, 4)
    assert min(DEFAULT.arrival_ratios) > 0.7


def test_same_seed_same_bytes_and_other_seed_other_bytes():
    spec = _spec()
    assert _csv(spec, 30, 5, 1) == _csv(spec, 30, 5, 1)
    assert _csv(spec, 30, 5, 1) != _csv(spec, 30, 6, 1)


def test_one_worker_and_two_workers_give_identical_results():
    spec = _spec(carry_over=True, years=(2025, 2026), landstal=(1000, 600))
    assert _csv(spec, 24, 3, 1) == _csv(spec, 24, 3, 2)


def test_a_run_depends_only_on_seed_and_index_not_on_its_chunk():
    spec = _spec()
    alone = simulate_run(spec, 7, 11)
    among = run_simulation(spec, 10, 11, workers=1)[7]
    assert alone.run == among.run == 7
    assert np.array_equal(alone.placed[Rule.DANISH], among.placed[Rule.DANISH])
    assert [list(c) for c in chunks(10, 3)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    landstal=st.integers(1, 3000),
    weeks=st.integers(1, 53),
    close_family=st.floats(0, 1),
)
def test_every_arrival_is_placed_and_quotas_sum_to_the_landstal(
    seed, landstal, weeks, close_family
):
    u = Uncertainty(
        DEFAULT.revision_probability,
        DEFAULT.revision_multipliers,
        DEFAULT.arrival_ratios,
        close_family_share=close_family,
    )
    spec = _spec(landstal=(landstal,), weeks=weeks, uncertainty=u)
    r = simulate_run(spec, 0, seed)
    (draw,) = draw_run(spec, 0, seed, np.full(98, 1 / 98))
    assert int(r.placed[Rule.DANISH].sum()) == r.arrivals[0] >= draw.arrivals
    assert int(r.kvote[Rule.DANISH].sum()) == r.landstal[0]
    assert (r.placed[Rule.DANISH] >= 0).all()


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), runs=st.integers(1, 40))
def test_summary_quantiles_are_ordered_and_shares_are_probabilities(seed, runs):
    spec = _spec(carry_over=True)
    summary = summarise(spec, run_simulation(spec, runs, seed, workers=1), seed, kommunekoder(spec))
    assert summary.arrivals[0] <= summary.arrivals[1] <= summary.arrivals[2]
    for rule in summary.rules:
        assert 0 <= rule.national.andel_kommuner_over_10pct <= 1
        for k in rule.kommuner:
            assert k.placeret_p05 <= k.placeret_p50 <= k.placeret_p95
            assert k.placeret_p05 >= 0 and k.placeret_middel >= 0
            assert 0 <= k.andel_over_10pct <= 1


def test_quota_only_rule_by_hand():
    # Targets 5, 3, 0, 10; six families of 2 and a single.  Least fill at the midpoint,
    # (placed + persons/2) / target, among those with room (ties: lower index):
    # 1/10 -> d; 1/5 -> a; 3/10 -> d (a 3/5, b 1/3); 1/3 -> b (d 5/10); 5/10 -> d (b has no
    # room for 2); 3/5 -> a (d 7/10); the single: 6.5/10 -> d (a 4.5/5, b 2.5/3).
    targets = [(0, np.array([5, 3, 0, 10]))]
    sizes = np.array([2, 2, 2, 2, 2, 2, 1])
    none = np.full(7, -1)
    assert place_quota_only(targets, sizes, np.zeros(7, dtype=np.int64), none).tolist() == [
        4,
        2,
        0,
        7,
    ]
    # Close family opens the zero-quota municipality (§ 11 stk. 3); a revision from week 1
    # replaces the targets; a family that fits nowhere goes where the midpoint fill is least
    # (an overshoot).
    revised = [(0, np.array([5, 3, 0, 10])), (1, np.array([1, 1, 0, 1]))]
    placed = place_quota_only(
        revised, np.array([3, 2, 4]), np.array([0, 0, 1]), np.array([-1, 2, -1])
    )
    # 3 -> d (1.5/10); 2 -> c (family); 4 fits nowhere: 2/1, 2/1, -, 5/1 -> a (tie, lower).
    assert placed.tolist() == [4, 0, 2, 3]


def test_a_family_goes_where_the_quota_fills_at_its_midpoint_not_after_it():
    # Regression (simulate audit, stop 26): the rule was "least full after taking it", which
    # sends a family to the large quota even where the small one is emptier: here 3 persons of
    # close family already count in b.  A family of 4 at a (4 quota, 0 placed) fills it from 0
    # to 1, at b (10, 3 placed) from 0.3 to 0.7: midpoints 0.5 and 0.5, the tie to a.  "After"
    # (1 against 0.7) gave b, and a's quota waited for whoever came last.
    targets = [(0, np.array([4, 10]))]
    placed = place_quota_only(
        targets, np.array([3, 4]), np.zeros(2, dtype=np.int64), np.array([1, -1])
    )
    assert placed.tolist() == [4, 3]


def _sainte_lague(targets: list[int], seats: int) -> list[int]:
    """Plain sequential Sainte-Laguë: each seat to the greatest target / (2 · seats + 1),
    exact ties to the lower index."""
    seats_of = [0] * len(targets)
    for _ in range(seats):
        best = max(
            range(len(targets)),
            key=lambda k: (Fraction(targets[k], 2 * seats_of[k] + 1), -k),
        )
        seats_of[best] += 1
    return seats_of


@settings(max_examples=60, deadline=None)
@given(
    targets=st.lists(st.integers(1, 40), min_size=1, max_size=12),
    share=st.floats(0, 1),
)
def test_single_persons_follow_sainte_lague_at_every_point(targets, share):
    # The midpoint rule is Sainte-Laguë's divisor rule for persons (placement.QUOTA_ONLY_RULE):
    # after any number of single persons up to the targets' sum, each municipality has exactly
    # its Sainte-Laguë apportionment of them, so the quotas fill at an even pace; room never
    # binds, since a full municipality's priority is below every other's.
    n = round(share * sum(targets))
    placed = place_quota_only(
        [(0, np.asarray(targets))],
        np.ones(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.full(n, -1),
    )
    assert placed.tolist() == _sainte_lague(targets, n)


def test_carry_over_reduces_cumulative_deviation():
    # Constructed case: arrivals equal the landstal every year and a third of cases go to their
    # close family whatever the quota, so the Danish rule over-fills the cities every year;
    # carrying the gap into the next target pays it back.
    u = Uncertainty(0.0, (), (1.0,), close_family_share=0.3)
    spec = _spec(
        years=(2024, 2025, 2026, 2027), landstal=(1000,) * 4, uncertainty=u, carry_over=True
    )
    summary = summarise(spec, run_simulation(spec, 20, 9, workers=1), 9, kommunekoder(spec))
    danish, carry = summary.rules
    assert (danish.rule, carry.rule) == (Rule.DANISH, Rule.CARRY_OVER)
    danish, carry = danish.national, carry.national
    assert carry.total_abs_afvigelse_middel < 0.6 * danish.total_abs_afvigelse_middel
    assert carry.andel_kommuner_over_10pct < danish.andel_kommuner_over_10pct
    assert carry.fordelingsafvigelse_middel < danish.fordelingsafvigelse_middel


def test_scaled_deviation_removes_the_national_gap():
    # Half the arrivals, spread exactly in proportion to the quotas: far from the quotas, but
    # no distributional deviation at all.
    from visitering.simulering.summary import _scaled_deviation

    kvote = np.array([[10, 20, 30]])
    assert _scaled_deviation(kvote // 2, kvote).tolist() == [0.0]
    # 15 of 60 came: scaled quotas 2.5, 5, 7.5.
    assert _scaled_deviation(np.array([[5, 10, 0]]), kvote).tolist() == [2.5 + 5 + 7.5]


def test_placements_reach_the_quota_inputs_two_years_later():
    # Many arrivals, nearly all to close family (placed by population, not by the key), so
    # the placements shift the key's shares visibly.
    u = Uncertainty(0.0, (), (1.0,), close_family_share=0.95)
    two = simulate_run(_spec(years=(2025, 2026), landstal=(20000,) * 2, uncertainty=u), 0, 4)
    three = simulate_run(
        _spec(years=(2025, 2026, 2027), landstal=(20000,) * 3, uncertainty=u), 0, 4
    )
    k2, k3 = two.kvote[Rule.DANISH], three.kvote[Rule.DANISH]
    assert np.array_equal(k2[0], k2[1])  # year 1 still uses the base data
    assert not np.array_equal(k3[0], k3[2])  # year 3 sees year 1's placements


def test_spec_problems_name_their_keys():
    with pytest.raises(InputError) as err:
        _spec(weeks=0, landstal=(600, 700))
    assert [str(p) for p in err.value.problems] == [
        "simulering, column simulering.landstal: one landstal per year is needed",
        "simulering, column simulering.weeks: must be between 1 and 53",
    ]


def test_parse_reads_kvoter_and_simulering():
    text = "[kvoter]\nlandstal = 550\ndata_year = 2024\n[simulering]\nweeks = 4\nseed = 3\n"
    parsed = parse_simulation(text, "s.toml", HISTORY, PLACED)
    assert parsed.seed == 3
    assert (parsed.spec.landstal, parsed.spec.data_year, parsed.spec.weeks) == ((550,), 2024, 4)
    chain = parse_simulation("[simulering]\nyears = [2015, 2017]\n", "c.toml", HISTORY, PLACED)
    assert chain.spec.landstal == (4000, 12000, 15000)  # first announced, from the history


def test_parse_reports_every_bad_key_by_name():
    text = '[simulering]\nruns = 5\nmode = "guess"\nweeks = "many"\nyears = [2020, 2023]\n'
    with pytest.raises(InputError) as err:
        parse_simulation(text, "bad.toml", HISTORY, PLACED)
    messages = [str(p) for p in err.value.problems]
    assert messages[0].startswith("bad.toml, column simulering.runs: unknown key 'runs'; known:")
    assert messages[1:] == [
        "bad.toml, column simulering.mode: unknown mode 'guess'; one of kvoter, visitering",
        "bad.toml, column simulering.years: no landstal in the history for 2022; "
        "give landstal = [...] with one per year",
        "bad.toml, column simulering.weeks: must be a whole number, got 'many'",
    ]


def test_parse_rejects_a_misspelt_top_level_table():
    """Regression: a misspelt ``[kvotr]`` was ignored and its method silently defaulted."""
    text = '[simulering]\nyears = [2016, 2017]\n[kvotr]\nmethod = "sainte-lague"\n'
    with pytest.raises(InputError) as err:
        parse_simulation(text, "bad.toml", HISTORY, PLACED)
    assert [str(p) for p in err.value.problems] == [
        "bad.toml, column kvotr: unknown key; expected one of cases, data, description, kvoter, "
        "name, simulering, visitering"
    ]


def test_visitering_mode_places_every_synthetic_case_through_the_solver():
    u = Uncertainty(0.0, (), (1.0,))
    spec = _spec(mode=Mode.VISITERING, landstal=(60,), weeks=2, uncertainty=u, time_limit_s=5.0)
    r = simulate_run(spec, 0, 2)
    assert r.unplaced[Rule.DANISH] == (0,)
    assert int(r.placed[Rule.DANISH].sum()) == r.arrivals[0] > 0
    assert r.kvote[Rule.DANISH].sum() == 60


def test_one_solver_thread_gives_the_same_placement():
    from dataclasses import replace

    from visitering.batch import BatchInputs, run_batch
    from visitering.inputs import geography
    from visitering.inputs.profiles import embedded_profiles
    from visitering.synth import generate_cases, matching_quotas

    kommuner = embedded.kommuner()
    cases = generate_cases(40, 3, kommuner)
    inputs = BatchInputs(
        cases, embedded_profiles(), geography.neighbours(), geography.distances_km()
    )
    quotas = matching_quotas(cases, kommuner)
    default = run_batch(inputs, quotas).result
    single = run_batch(replace(inputs, parameters=Parameters(threads=1)), quotas).result
    assert default.status == single.status
    assert default.placements == single.placements
    with pytest.raises(InputError, match="threads"):
        Parameters(threads=0)


def test_visitering_mode_chains_years_under_both_rules():
    u = Uncertainty(0.0, (), (1.0,), close_family_share=0.0)
    spec = _spec(
        mode=Mode.VISITERING,
        years=(2025, 2026),
        landstal=(40, 40),
        weeks=1,
        uncertainty=u,
        carry_over=True,
        time_limit_s=5.0,
    )
    r = simulate_run(spec, 0, 3)
    for rule in (Rule.DANISH, Rule.CARRY_OVER):
        assert r.placed[rule].sum(axis=1).tolist() == list(r.arrivals)
        assert r.kvote[rule].sum(axis=1).tolist() == [40, 40]


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_counts_every_run_once(workers):
    seen: list[int] = []
    run_simulation(_spec(), 13, 0, workers=workers, progress=seen.append)
    assert sum(seen) == 13


def test_without_a_data_year_a_year_is_simulated_on_the_data_of_the_year_before():
    """§ 4: year Y's quotas are computed on the data of 1 January Y-1.  Regression (simulate
    audit, stop 26): without a data year the newest vintage was used (2026 on 2026 data)."""
    latest = max(HISTORY)
    spec = parse_simulation("[simulering]\nseed = 1\n", "s.toml", HISTORY, PLACED).spec
    assert spec.data_year == max(y for y in embedded.data_years() if y < latest)
    chain = "[simulering]\nyears = [2015, 2016]\n"
    assert parse_simulation(chain, "c.toml", HISTORY, PLACED).spec.data_year == 2011


def test_what_a_simulation_would_not_apply_is_refused_not_ignored():
    """Regression (simulate audit, stop 26): a KKR agreement and revisions in [kvoter], and
    weights in [visitering], changed what scenario run computed but not the simulation, with
    no word of it."""
    text = (
        "[kvoter]\nlandstal = 600\nrevisions = [{ landstal = 300 }]\n"
        "agreements = [{ kommunekode = 851, kommunekvote = 23 }]\n"
        '[visitering.weights]\nemployment = 4\n[simulering]\nmode = "visitering"\n'
    )
    unused = (
        "simulate does not apply the agreements, deviations, volunteers or revisions of "
        "[kvoter] (it draws the year's revisions itself); remove it, or use a file without it "
        "for the simulation"
    )
    assert _parse_problems(text) == [
        's.toml, column simulering.mode: mode = "visitering" places with the default weights '
        "and parameters; the file's [visitering] section would not be used: remove it for the "
        "simulation",
        f"s.toml, column kvoter.agreements: {unused}",
        f"s.toml, column kvoter.revisions: {unused}",
    ]
    quota_only = text.replace('mode = "visitering"', 'mode = "kvoter"')
    assert len(_parse_problems(quota_only)) == 2  # the weights do not matter to the fast rule


def test_parse_reads_the_data_section_of_the_scenario_format():
    text = "[data]\nyear = 2019\n[kvoter]\nlandstal = 1000\n[simulering]\n"
    assert parse_simulation(text, "s.toml", HISTORY, PLACED).spec.data_year == 2019
    with pytest.raises(InputError) as err:
        parse_simulation('[data]\ninputs = "x.csv"\n[simulering]\n', "s.toml", HISTORY, PLACED)
    assert [str(p) for p in err.value.problems] == [
        "s.toml, column data.inputs: simulations use the embedded data; give [data] year instead"
    ]


def _parse_problems(text: str) -> list[str]:
    with pytest.raises(InputError) as err:
        parse_simulation(text, "s.toml", HISTORY, PLACED)
    return [str(p) for p in err.value.problems]


def test_parse_refuses_zero_weeks_and_a_negative_seed():
    """Regression: ``weeks = 0`` silently became 52, and ``seed = -1`` a numpy traceback."""
    assert _parse_problems("[simulering]\nweeks = 0\n") == [
        "s.toml, column simulering.weeks: must be between 1 and 53"
    ]
    assert _parse_problems("[simulering]\nseed = -1\n") == [
        "s.toml, column simulering.seed: must be a whole number ≥ 0, got -1"
    ]


def test_a_one_week_year_has_no_week_for_a_revision():
    """Regression (simulate audit, stop 26): with ``weeks = 1`` the revision was drawn for
    week 1, which does not exist: it changed the reported quota, never the placement."""
    assert _parse_problems("[simulering]\nweeks = 1\nrevision_probability = 0.5\n") == [
        "s.toml, column simulering.weeks: 1 week leaves no week for a revision to take effect "
        "in (a revision takes effect from a week after the first); set revision_probability "
        "= 0 or weeks ≥ 2"
    ]
    text = "[simulering]\nweeks = 1\nrevision_probability = 0\n"
    assert parse_simulation(text, "s.toml", HISTORY, PLACED).spec.weeks == 1


def test_parse_bounds_the_years_and_lists_few_missing_ones():
    """Regression: ``years = [1, 100000]`` wrote every missing year into a 689 KB message."""
    assert _parse_problems("[simulering]\nyears = [1, 100000]\n") == [
        "s.toml, column simulering.years: must span at most 100 years, got 100000"
    ]
    assert _parse_problems("[simulering]\nyears = [1, 30]\n") == [
        "s.toml, column simulering.years: no landstal in the history for 1, 2, 3, 4, 5 and 25 "
        "more; give landstal = [...] with one per year"
    ]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[simulering]\ndata_year = 1999\n", "simulering.data_year"),
        ("[data]\nyear = 1999\n[simulering]\n", "data.year"),
        ("[kvoter]\ndata_year = 1999\n[simulering]\n", "kvoter.data_year"),
    ],
)
def test_parse_names_the_key_of_a_data_year_without_data(text, key):
    """Regression: the problem named ``--data-year``, an option simulate does not have."""
    years = ", ".join(map(str, embedded.data_years()))
    assert _parse_problems(text) == [
        f"s.toml, column {key}: expected one of the embedded years {years}, got 1999"
    ]


@pytest.mark.parametrize(
    ("line", "most"),
    [
        ("landstal = 1000000000000\nmax_revisions = 0", "1,000,000,000,000"),
        ("landstal = 1000\nmax_revisions = 0\narrival_ratios = [1e12]", "1,000,000,000,000,000"),
        ("landstal = 1000\nrevision_multipliers = [101.0]\nmax_revisions = 2", "10,201,000"),
        ("revision_probability = 1.0\nrevision_multipliers = [1e300]\nmax_revisions = 3", "inf"),
    ],
)
def test_parse_bounds_the_persons_of_a_year(line, most):
    """Regression: these ran out of memory (921 GiB, 2 PiB) or overflowed in the draws."""
    assert _parse_problems(f"[simulering]\n{line}\n") == [
        f"s.toml, column simulering: a year could have up to {most} persons as landstal or "
        "arrivals (landstal × the largest revision_multipliers ^ max_revisions × the largest "
        "arrival_ratios); at most 1,000,000 are supported"
    ]
    assert parse_simulation("[simulering]\nlandstal = 17000\n", "s.toml", HISTORY, PLACED)


def test_parse_bounds_the_time_limit():
    """Regression: ``time_limit_s = 1e300`` overflowed when the solver's limit was built."""
    assert _parse_problems('[simulering]\nmode = "visitering"\ntime_limit_s = 1e300\n') == [
        "s.toml, column simulering.time_limit_s: must be at most 604800 seconds (7 days), "
        "got 1e+300"
    ]


def test_the_quota_rule_can_be_chosen_to_see_how_much_it_matters():
    # The same family of 4 and the same close family as in the regression above: "after"
    # sends it to the large quota, "before" and the midpoint to the empty small one.
    from visitering.simulering.spec import QuotaRule

    targets = [(0, np.array([4, 10]))]
    args = (np.array([3, 4]), np.zeros(2, dtype=np.int64), np.array([1, -1]))
    chosen = {rule: place_quota_only(targets, *args, rule).tolist() for rule in QuotaRule}
    assert chosen == {
        QuotaRule.MIDPOINT: [4, 3],
        QuotaRule.BEFORE: [4, 3],
        QuotaRule.AFTER: [0, 7],
    }
    parsed = parse_simulation(
        '[kvoter]\nlandstal = 600\n[simulering]\nquota_rule = "before"\n', "s.toml", HISTORY, PLACED
    )
    assert parsed.spec.quota_rule is QuotaRule.BEFORE
    runs = run_simulation(parsed.spec, 3, 1, workers=1)
    summary = summarise(parsed.spec, runs, 1, kommunekoder(parsed.spec))
    notes = csv_bytes(summary, embedded.kommuner(), Dialect.DANISH).decode("utf-8-sig")
    assert "quota-only (before rule)" in notes.splitlines()[0]
    default = parse_simulation(
        "[kvoter]\nlandstal = 600\n[simulering]\n", "s.toml", HISTORY, PLACED
    ).spec
    placed = [r.placed[Rule.DANISH] for r in run_simulation(default, 3, 1, workers=1)]
    assert any(  # the rule changes where the persons go
        not np.array_equal(a, r.placed[Rule.DANISH]) for a, r in zip(placed, runs, strict=True)
    )
    for text, problem in [
        ('quota_rule = "best"', "unknown quota_rule 'best'; one of midpoint, before, after"),
        (
            'mode = "visitering"\nquota_rule = "before"',
            'applies to mode = "kvoter"; the solver places in visitering mode',
        ),
    ]:
        shown = _parse_problems(f"[kvoter]\nlandstal = 600\n[simulering]\n{text}\n")
        assert shown == [f"s.toml, column simulering.quota_rule: {problem}"]
