"""The Alabama scan on real data (visitering.kvoter.monotoni)."""

from __future__ import annotations

from visitering.inputs.embedded import embedded_grundlag
from visitering.kvoter.apportionment import Method
from visitering.kvoter.beregning import beregn_kvoter
from visitering.kvoter.monotoni import alabama


def test_largest_remainder_loses_persons_and_every_loss_is_real():
    grundlag = embedded_grundlag(2025)
    losses = alabama(grundlag, range(560, 571), Method.LARGEST_REMAINDER)
    assert losses, "largest remainder shows the paradox on this range of the 2025 data"
    for tab in losses:
        before = beregn_kvoter(grundlag, tab.landstal - 1).kvoter[tab.kommunekode]
        after = beregn_kvoter(grundlag, tab.landstal).kvoter[tab.kommunekode]
        assert (tab.foer, tab.efter) == (before, after) and after < before
    # One step may take a person from two municipalities: the steps are fewer than the losses.
    steps = {t.landstal for t in losses}
    assert len(steps) <= len(losses)


def test_a_divisor_method_never_loses_and_gaps_are_not_steps():
    grundlag = embedded_grundlag(2025)
    assert alabama(grundlag, range(300, 360), Method.SAINTE_LAGUE) == []
    # Only consecutive landstal are compared: 561 and 566 follow 560 and 565; 565 and 570 do
    # not follow 564 and 569.
    full = alabama(grundlag, range(560, 571), Method.LARGEST_REMAINDER)
    gapped = alabama(grundlag, [560, 561, 565, 566, 570], Method.LARGEST_REMAINDER)
    assert gapped == [t for t in full if t.landstal in (561, 566)]
    assert any(t.landstal == 566 for t in gapped)
