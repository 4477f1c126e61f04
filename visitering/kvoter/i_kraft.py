"""A change of the landstal applied to the quotas in force on a ledger (BEK nr. 550/2022
§ 4 stk. 7, § 7 stk. 8-9, judged by § 2 stk. 5), for ``visitering assign --revise-quotas
--landstal N``.

The ledger holds the quotas in force and, when its year began from ``--landstal`` or a
scenario, the basis they were computed on (:class:`~visitering.kvoter.aarsgrundlag.Kvotegrundlag`).
:func:`revider_i_kraft` gives the revised quotas, the reason the ledger records, the lines that
tell the user, and the basis to record with them.
"""

from __future__ import annotations

from collections.abc import Sequence

from visitering.domain import Kommuner
from visitering.errors import InputError, Problem
from visitering.kvoter.aarsgrundlag import Kvotegrundlag
from visitering.kvoter.revision import Retning, aendring_og_taerskel, nedsaettelse


def revider_i_kraft(
    in_force: dict[int, int],
    landstal: int,
    basis: str | None,
    kommuner: Kommuner,
    source: str,
    path: Sequence[int] = (),
) -> tuple[dict[int, int], str, list[str], str | None]:
    """The quotas in force revised to ``landstal`` (BEK nr. 550/2022 § 4 stk. 7, § 7 stk.
    8-9): the new quotas, the revision's reason, the lines that tell the user and the basis to
    record with them.

    A decrease scales the quotas in force (§ 7 stk. 8).  An increase re-computes on the data,
    method and volunteers of the first announcement (§ 7 stk. 9), which the ledger records when
    its quotas came from ``--landstal`` or a scenario (``basis``, :meth:`Kvotegrundlag.revider`
    also lets an agreement lapse); without it (quotas from a file) an increase is refused, and
    ``visitering revise`` does it, from the first announcement through the landstal ``path``
    of the year so far (:meth:`Ledger.landstal_forloeb`).
    """
    old = sum(in_force.values())
    if landstal > old and basis is None:
        first, *changes = path or [old]
        chain = " ".join(f"--new-landstal {n}" for n in (*changes, landstal))
        raise InputError(
            Problem(
                f"{old} → {landstal} is an increase, which § 7 stk. 9 re-computes on the data, "
                "method and volunteers of the first announcement; the ledger does not record "
                "them (quotas from a file, or a ledger begun before visitering recorded them). "
                f"Compute the quotas with 'visitering revise --landstal {first} {chain}' (the "
                "first announcement, then every change of the year; with the same --inputs or "
                "--data-year, --method and --volunteers) and give its export with "
                "--revise-quotas --quotas FILE",
                "--landstal",
            )
        )
    lapsed = False  # a KKR agreement in force lapsed with this change
    before_2018 = False  # the thresholds in force before 2018, when the basis says so
    if basis is None:
        regions = {k: kommuner[k].region.kode for k in in_force}
        after = nedsaettelse(in_force, landstal, region_of=regions) if landstal < old else in_force
        retning = Retning.NEDSAETTELSE if landstal < old else Retning.UAENDRET
        given: dict[int, int] = {}
    else:
        try:
            grundlag = Kvotegrundlag.from_text(basis, kommuner, source)
        except InputError as exc:
            raise InputError(
                Problem(
                    f"{exc.problems[0].message}; give the revised quotas with --revise-quotas "
                    "--quotas FILE (from 'visitering revise')",
                    source,
                )
            ) from None
        trin, revised = grundlag.revider(in_force, landstal)
        old = trin.fra_landstal  # the landstal recorded with the basis, not the quotas' sum
        before_2018 = grundlag.before_2018
        lapsed = grundlag.paragraf7 is not None and revised.paragraf7 is None
        after, retning, given = trin.kvoter_efter, trin.retning, dict(trin.frivillige)
        basis = revised.to_text()  # offers served are used up, an agreement has lapsed
    scaled = "the § 7 quotas" if lapsed else "the quotas in force"
    how = {
        Retning.NEDSAETTELSE: f"a decrease: {scaled} scaled proportionally",
        Retning.UAENDRET: "unchanged",
        Retning.FORHOEJELSE: (
            "an increase: re-computed on the first announcement's data and method"
            + (
                f", {sum(given.values())} persons to {len(given)} volunteer "
                f"municipalit{'y' if len(given) == 1 else 'ies'} first"
                if given
                else ""
            )
        ),
    }[retning] + ("; the KKR agreement (§§ 5-6) lapsed" if lapsed else "")
    verdict = _verdict(old, landstal, before_2018)
    reason = f"landstal revision (§ 4 stk. 7, § 7 stk. 8-11): {old} → {landstal}{verdict}, {how}"
    return after, reason, [f"Quotas: {reason}"], basis


def _verdict(old: int, landstal: int, before_2018: bool) -> str:
    """Whether § 2 stk. 5 required the change (a change of the landstal in force ``old``):
    the record of a revision says so, as ``revise`` and ``scenario run`` do (stop 27 audit)."""
    if landstal == old:
        return ""
    change, limit = aendring_og_taerskel(old, landstal, before_2018)
    need = "mandatory" if change > limit else "optional"
    return (
        f" ({need}: a change of {float(change) * 100:.1f} % against the "
        f"{float(limit) * 100:.0f} % threshold, § 2 stk. 5)"
    )
