"""``visitering simulate``: pinned text, exports, errors, and the Dask path on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from visitering.cli import app

ROOT = Path(__file__).resolve().parent.parent
SINGLE = ROOT / "scenarios" / "simulering_2026.toml"
runner = CliRunner()


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["simulate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_text_output_header_is_pinned():
    code, out, _ = _invoke(str(SINGLE), "--runs", "20", "--workers", "1")
    assert code == 0
    lines = out.splitlines()
    assert lines[:2] == [
        "Simulation of 2026 (announced landstal 600)",
        "20 runs, seed 2026, quota-only (midpoint rule), 52 weekly batches per year",
    ]
    assert lines[3].startswith("PROXY DATA - not official quotas")
    # Issue 5: every output names the data year and the source of each input column.
    assert lines[4:8] == [
        "Data year: 2025 (P_k on 1 January 2025, each column's source and date below)",
        "P_k befolkning: DST FOLK1AM 2025M01, population on 1 January 2025 (proxy: no)",
        "I_k indvandrere: all immigrants and descendants, all origins, DST FOLK1E share on "
        "1 January 2026, applied to the population of 2025 (proxy: yes)",
        "F_k familiesammenfoerte: 0 (not public) (proxy: yes)",
    ]
    assert lines[8].startswith("Persons arriving: ")
    assert lines[11].startswith("Rule dansk: mean total |placed - quota| ")
    assert lines[12].startswith("  against the quotas scaled to the persons who came: mean total ")
    # The same runs without uncertainty, beside the sweep (simulate audit, stop 26).
    assert lines[13].startswith(
        "  without uncertainty (landstal never revised, arrivals = landstal to within the last "
        "family): "
        "mean total |placed - quota| "
    )
    assert lines[13].endswith(" % of municipalities more than 10 % off")
    assert lines[14].split() == ["kommune", "kvote", "5", "%", "50", "%", "95", "%", "P(>10", "%)"]


def test_the_baseline_is_the_sweep_without_uncertainty_and_can_be_skipped(tmp_path):
    from visitering.simulering.executor import run_simulation
    from visitering.simulering.parse import load_simulation
    from visitering.simulering.run import kommunekoder
    from visitering.simulering.summary import summarise

    code, out, _ = _invoke(str(SINGLE), "--runs", "12", "--workers", "1", "--json")
    assert code == 0
    rule = json.loads(out)["rules"][0]
    # The baseline is exactly a sweep of the spec without uncertainty, same runs and seed.
    spec = load_simulation(SINGLE).spec.without_uncertainty()
    alone = summarise(spec, run_simulation(spec, 12, 2026, workers=1), 2026, kommunekoder(spec))
    n = alone.rules[0].national
    assert rule["uden_usikkerhed"] == {
        "total_abs_afvigelse_middel": n.total_abs_afvigelse_middel,
        "andel_kommuner_over_10pct": n.andel_kommuner_over_10pct,
        "fordelingsafvigelse_middel": n.fordelingsafvigelse_middel,
    }
    assert rule["uden_usikkerhed"] != {k: rule[k] for k in rule["uden_usikkerhed"]}
    code, out, _ = _invoke(str(SINGLE), "--runs", "12", "--workers", "1", "--no-baseline")
    assert code == 0
    assert "without uncertainty" not in out
    # A simulation without uncertainty is its own baseline: the figures agree.
    certain = tmp_path / "certain.toml"
    certain.write_text(
        "[kvoter]\nlandstal = 600\n[simulering]\nrevision_probability = 0\n"
        "arrival_ratios = [1.0]\n",
        encoding="utf-8",
    )
    code, out, _ = _invoke(str(certain), "--runs", "5", "--workers", "1", "--json")
    assert code == 0
    rule = json.loads(out)["rules"][0]
    assert rule["uden_usikkerhed"] == {k: rule[k] for k in rule["uden_usikkerhed"]}


def test_exports_are_the_json_and_byte_identical_on_rerun(tmp_path):
    args = [str(SINGLE), "--runs", "15", "--workers", "1", "--seed", "4"]
    code, out, err = _invoke(*args, "--json", "--out", str(tmp_path / "a"))
    assert code == 0
    assert "Wrote 2 files to" in err
    _invoke(*args, "--out", str(tmp_path / "b"))
    for name in ("simulering.csv", "simulering.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    doc = json.loads((tmp_path / "a" / "simulering.json").read_text(encoding="utf-8"))
    assert doc == json.loads(out)
    assert doc["simulation"]["seed"] == 4
    assert len(doc["rules"][0]["kommuner"]) == 98
    header = (tmp_path / "a" / "simulering.csv").read_text(encoding="utf-8-sig").splitlines()
    assert header[0].startswith("# Simulation of 2026 (announced landstal 600): 15 runs, seed 4")


def test_chain_compares_both_rules():
    chain = ROOT / "scenarios" / "simulering_2015_2019.toml"
    code, out, _ = _invoke(str(chain), "--runs", "4", "--workers", "1")
    assert code == 0
    assert out.splitlines()[0] == (
        "Simulation of 2015-2019 (announced landstal 4,000, 12,000, 15,000, 3,000, 1,000)"
    )
    assert "Quota and placed below are sums over the years." in out
    assert "\nRule dansk: " in out and "\nRule overfoersel: " in out
    assert out.count("\n  against the quotas scaled to the persons who came: mean total ") == 2


def test_bad_key_names_the_key_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[simulering]\nwekes = 4\n", encoding="utf-8")
    code, out, err = _invoke(str(bad), "--runs", "3", "--out", str(tmp_path / "out"))
    assert code == 2
    assert out == ""
    assert err.startswith(
        f"error: 1 problem in the input:\n  {bad}, column simulering.wekes: unknown key 'wekes'; "
        "known: arrival_ratios, carry_over, "
    )
    assert not (tmp_path / "out").exists()


def test_bad_runs_and_missing_section(tmp_path):
    code, _, err = _invoke(str(SINGLE), "--runs", "0")
    assert (code, err) == (
        2,
        "error: 1 problem in the input:\n  --runs: must be at least 1, got 0\n",
    )
    plain = tmp_path / "plain.toml"
    plain.write_text("[kvoter]\nlandstal = 600\n", encoding="utf-8")
    code, _, err = _invoke(str(plain))
    assert (code, err) == (
        2,
        f"error: 1 problem in the input:\n  {plain}, column simulering: "
        "needs a [simulering] table\n",
    )


@pytest.mark.slow
def test_dask_scheduler_on_loopback_gives_the_local_result():
    distributed = pytest.importorskip("distributed")
    local = _invoke(str(SINGLE), "--runs", "24", "--workers", "1", "--json")
    with distributed.LocalCluster(
        host="127.0.0.1",
        protocol="tcp://",
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        remote = _invoke(str(SINGLE), "--runs", "24", "--scheduler", address, "--json")
    assert remote[0] == local[0] == 0
    assert remote[1] == local[1]


@pytest.mark.slow
def test_unreachable_scheduler_is_an_input_error():
    code, _, err = _invoke(str(SINGLE), "--runs", "2", "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2
    assert err.startswith(
        "error: 1 problem in the input:\n  --scheduler: cannot reach the Dask scheduler ("
    )


@pytest.mark.parametrize("address", ["foo", "tcp://host", "tcp://a b:1"])
def test_a_malformed_scheduler_address_is_an_input_error(address):
    """Regression (CLI audit, stop 26): ``--scheduler foo`` ended in a Dask traceback
    (missing port number), exit code 1, and a 20-second hang."""
    code, out, err = _invoke(str(SINGLE), "--runs", "2", "--scheduler", address)
    assert (code, out) == (2, "")
    assert err == (
        f"error: 1 problem in the input:\n  --scheduler: {address!r} is not a scheduler address "
        "(protocol://host:port, e.g. tcp://10.0.0.5:8786)\n"
    )


def test_negative_seed_is_an_input_error():
    """Regression: ``--seed -1`` was a numpy traceback (``expected non-negative integer``)."""
    code, out, err = _invoke(str(SINGLE), "--runs", "2", "--workers", "1", "--seed", "-1")
    assert (code, out, err) == (
        2,
        "",
        "error: 1 problem in the input:\n  --seed: must be a whole number ≥ 0, got -1\n",
    )


def test_data_year_without_data_names_its_key(tmp_path):
    """Regression: the problem named ``--data-year``, an option simulate does not have."""
    scenario = tmp_path / "s.toml"
    scenario.write_text("[data]\nyear = 1999\n[simulering]\n", encoding="utf-8")
    code, _, err = _invoke(str(scenario), "--runs", "2", "--workers", "1")
    assert code == 2
    assert err.startswith(
        f"error: 1 problem in the input:\n  {scenario}, column data.year: expected one of the "
        "embedded years 2008, "
    )


def test_visitering_mode_says_it_weighed_the_illustrative_profiles(tmp_path):
    # Regression (data audit, stop 27): the solver weighs the embedded profiles, and no output
    # of a visitering-mode simulation said so.
    from visitering.inputs.profiles import PROFILE_PROXY_NOTE

    spec = tmp_path / "v.toml"
    spec.write_text(
        '[kvoter]\nlandstal = 40\n[simulering]\nmode = "visitering"\nweeks = 2\n'
        "revision_probability = 0\narrival_ratios = [1.0]\n",
        encoding="utf-8",
    )
    code, out, _ = _invoke(str(spec), "--runs", "1", "--workers", "1", "--out", str(tmp_path / "o"))
    assert code == 0
    assert PROFILE_PROXY_NOTE in out.splitlines()
    written = (tmp_path / "o" / "simulering.csv").read_text(encoding="utf-8-sig").splitlines()
    assert f"# {PROFILE_PROXY_NOTE.replace(';', ',')}" in written  # Danish notes
    doc = json.loads((tmp_path / "o" / "simulering.json").read_text(encoding="utf-8"))
    assert PROFILE_PROXY_NOTE in doc["notes"]
    assert doc["simulation"]["quota_rule"] is None  # the solver placed, not a quota rule
    code, out, _ = _invoke(str(SINGLE), "--runs", "2", "--workers", "1")
    assert PROFILE_PROXY_NOTE not in out  # quota-only: no profile is weighed
