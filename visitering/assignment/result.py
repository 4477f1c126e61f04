"""What a solve returns: a status, one :class:`Placement` per case, the bound, a diagnosis.

Solver outcomes are results, not exceptions: a batch that cannot be placed under the rules is
``Status.INFEASIBLE`` with a :class:`Diagnosis` naming the cases and the binding rule.  Every
placement records its legal basis (BEK nr. 550/2022 § 11), because a visitering decision cannot
be appealed (§ 14) and so must carry its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


class Status(StrEnum):
    """Outcome of a solve."""

    OPTIMAL = "optimal"
    """Every case placed; no placement has a lower objective (proven)."""
    FEASIBLE = "feasible"
    """Every case placed within the rules; ``gap`` says how far from the bound at most."""
    INFEASIBLE = "infeasible"
    """The rules cannot all hold; see ``diagnosis``.  No placements."""
    UNKNOWN = "unknown"
    """The time limit ran out before any placement was found."""


class LegalBasis(StrEnum):
    """Why a case may go to its municipality (BEK nr. 550/2022 § 11)."""

    QUOTA = "quota"
    """§ 11 stk. 1: the municipality's remaining quota (kommunekvote) holds the case."""
    TOLERANCE = "tolerance"
    """§ 11 stk. 1 with the user's ``capacity_tolerance``: the municipality had quota left, and
    the family takes it beyond its quota by no more than the tolerance (not a § 11 exception)."""
    INSTITUTION = "institution"
    """§ 11 stk. 3: earlier placement in an institution or foster care there."""
    CLOSE_FAMILY = "close_family"
    """§ 11 stk. 3: close family members ("nærtstående familiemedlemmer") live there."""
    SPECIAL_CIRCUMSTANCES = "special_circumstances"
    """§ 11 stk. 3: other "ganske særlige forhold", with the recorded reason."""
    JOB_OFFER = "job_offer"
    """§ 11 stk. 4: a job offer ≥ 15 h/week too far from any quota municipality; the workplace
    municipality or a neighbour within commuting reach of it."""
    OVERSHOOT = "overshoot"
    """Beyond the remaining quota with no legal exception, only under ``allow_overshoot``."""

    @property
    def is_exception(self) -> bool:
        """A § 11 stk. 3-4 exception (neither the quota, the tolerance nor an overshoot)."""
        return self not in (LegalBasis.QUOTA, LegalBasis.TOLERANCE, LegalBasis.OVERSHOOT)

    @property
    def paragraph(self) -> str:
        """The paragraph of BEK nr. 550/2022 the basis rests on."""
        return {
            LegalBasis.QUOTA: "§ 11 stk. 1",
            LegalBasis.TOLERANCE: "§ 11 stk. 1 (tolerance set by the user)",
            LegalBasis.INSTITUTION: "§ 11 stk. 3",
            LegalBasis.CLOSE_FAMILY: "§ 11 stk. 3",
            LegalBasis.SPECIAL_CIRCUMSTANCES: "§ 11 stk. 3",
            LegalBasis.JOB_OFFER: "§ 11 stk. 4",
            LegalBasis.OVERSHOOT: "none (overshoot allowed by the user)",
        }[self]


@dataclass(frozen=True, slots=True)
class Tie:
    """A case's tie to a municipality under § 11 stk. 3-4 that its placement did not use.

    The exceptions of § 11 stk. 3-4 allow a placement in a full or zero-quota municipality; they
    do not require one, and an institution, foster care or special circumstances carry no soft
    pull of their own.  So a case may go elsewhere under the quota, and because a visitering
    decision cannot be appealed (§ 14) its record says that the tie was weighed and how.

    Parameters
    ----------
    basis:
        The exception the tie would rest on: ``INSTITUTION``, ``CLOSE_FAMILY``,
        ``SPECIAL_CIRCUMSTANCES`` (when it names a municipality) or ``JOB_OFFER`` (the
        workplace).
    kommunekode:
        The municipality the tie points to.
    extra_cost:
        How much the whole objective would have risen had this case alone moved there, the
        rest of the batch as placed (negative only when a time limit cut the search short);
        None when the municipality could not take the case.
    why_not:
        Why it could not take the case (no dwelling, excluded, the job offer does not meet
        § 11 stk. 4, or the batch's other cases used its quota); None when it could.
    on_quota:
        The municipality was open to the case on its quota (§ 11 stk. 1), not by the
        exception: a workplace with quota room, where § 11 stk. 4 is not needed.
    """

    basis: LegalBasis
    kommunekode: int
    extra_cost: float | None
    why_not: str | None = None
    on_quota: bool = False


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one case goes, on what legal basis, and why there.

    Parameters
    ----------
    case_id, kommunekode, persons:
        The case, its municipality and its size.
    legal_basis:
        :class:`LegalBasis`.
    terms:
        Each soft term's weighted value for this case (0 = best).  Pair terms (employment,
        close_family, treatment, latest_stay, wishes) are exact; the coupling terms
        (even_distribution, concentration) are the municipality's (group's) cost shared per
        person.
    cost:
        Sum of ``terms``.
    alternative_kommune, alternative_extra_cost:
        The best other municipality that could have taken this case (an exception there, or
        quota room left by the batch's other cases), and how much the whole objective would
        have risen had this case alone moved there (its own terms, the even distribution of
        both municipalities and the concentration).  Never negative on a placement proven
        optimal.  None if no other municipality could take the case.
    taken_kommune, taken_saving:
        A municipality where this case alone would have cost less in all, but whose quota the
        batch's other cases filled, and the saving; None if there is none.
    basis_detail:
        What an exception rests on beyond its municipality: the ``special_circumstances``
        reason code, or a job offer's workplace, hours and commute; None otherwise.
    unused_ties:
        The case's § 11 stk. 3-4 ties to other municipalities, weighed and not used
        (:class:`Tie`).  A job offer counts as used when the family lives within commuting
        reach of the workplace.
    """

    case_id: str
    kommunekode: int
    persons: int
    legal_basis: LegalBasis
    terms: Mapping[str, float]
    cost: float
    alternative_kommune: int | None
    alternative_extra_cost: float | None
    basis_detail: str | None = None
    taken_kommune: int | None = None
    taken_saving: float | None = None
    unused_ties: tuple[Tie, ...] = ()


#: The rule a quota shortfall binds (§ 11 stk. 1): :class:`Diagnosis` ``rule``.
QUOTA_RULE = "respect_remaining_quota"


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Why a batch cannot be placed: the binding rule and the cases it binds.

    ``rule`` is the name of the rule's method (e.g. ``"respect_remaining_quota"``) and
    ``paragraph`` its legal source.  ``case_ids`` are ids only (never personal data).
    ``message`` says what binds in counts; ``listing`` names the cases with their persons, for
    the caseworker's screen only: :attr:`aggregate` leaves it out, for files that go beyond
    the Immigration Service (a scenario's KKR report, its summary).
    """

    rule: str
    paragraph: str
    case_ids: tuple[str, ...]
    kommuner: tuple[int, ...]
    message: str
    listing: str = ""

    @property
    def aggregate(self) -> str:
        """The rule, its paragraph and the message: counts, no case named."""
        return f"{self.rule} ({self.paragraph}): {self.message}"

    @property
    def full_message(self) -> str:
        """The message with the cases named."""
        return f"{self.message}: {self.listing}" if self.listing else self.message

    def __str__(self) -> str:
        return f"{self.rule} ({self.paragraph}): {self.full_message}"


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`visitering.assignment.solve`.

    ``objective`` is the total cost of the placement and ``bound`` the limit no placement can
    beat (the flow relaxation, or better when proven); ``gap`` is ``(objective - bound) /
    max(|bound|, 1)``.  ``counts`` has ``cases``, ``persons``, ``placed`` and one entry per
    legal basis used.  ``overshoot`` is persons beyond the remaining quota (+ tolerance) under
    ``allow_overshoot``, by kommunekode.
    """

    status: Status
    placements: tuple[Placement, ...] = ()
    objective: float | None = None
    bound: float | None = None
    solve_time_s: float = 0.0
    counts: Mapping[str, int] = field(default_factory=dict)
    diagnosis: tuple[Diagnosis, ...] = ()
    overshoot: Mapping[int, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @classmethod
    def nothing_to_place(cls, solve_time_s: float = 0.0) -> Result:
        """The result of a batch without cases: optimal at cost 0, every count 0."""
        counts = {"cases": 0, "persons": 0, "placed": 0}
        return cls(Status.OPTIMAL, (), 0.0, 0.0, solve_time_s, counts)

    @property
    def is_ok(self) -> bool:
        """True when every case is placed (``OPTIMAL`` or ``FEASIBLE``)."""
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)

    @property
    def gap(self) -> float | None:
        """Relative distance of the objective from the bound (0 when proven optimal)."""
        if self.objective is None or self.bound is None:
            return None
        return max(0.0, self.objective - self.bound) / max(abs(self.bound), 1.0)

    def placement_of(self, case_id: str) -> Placement:
        """The placement of one case (KeyError if it has none)."""
        for p in self.placements:
            if p.case_id == case_id:
                return p
        raise KeyError(case_id)

    def persons_by_kommune(self) -> dict[int, int]:
        """Persons placed per kommunekode (all legal bases)."""
        out: dict[int, int] = {}
        for p in self.placements:
            out[p.kommunekode] = out.get(p.kommunekode, 0) + p.persons
        return out

    def summary(self) -> str:
        """One line: status, objective, bound, gap, time and counts."""
        gap = "n/a" if self.gap is None else f"{100 * self.gap:.3f} %"
        obj = "n/a" if self.objective is None else f"{self.objective:,.0f}"
        bound = "n/a" if self.bound is None else f"{self.bound:,.1f}"
        counts = ", ".join(f"{k} {v}" for k, v in self.counts.items())
        return (
            f"{self.status}: objective {obj}, bound {bound}, gap {gap}, "
            f"{self.solve_time_s:.2f} s; {counts}"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per placement, one column per soft term."""
        import pandas as pd

        rows = []
        for p in self.placements:
            row: dict[str, object] = {
                "case_id": p.case_id,
                "kommunekode": p.kommunekode,
                "persons": p.persons,
                "legal_basis": str(p.legal_basis),
                "paragraph": p.legal_basis.paragraph,
                "cost": p.cost,
                "alternative_kommune": p.alternative_kommune,
                "alternative_extra_cost": p.alternative_extra_cost,
            }
            row.update({f"term_{k}": v for k, v in p.terms.items()})
            rows.append(row)
        return pd.DataFrame(rows)
