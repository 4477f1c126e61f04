"""The pair-level hard rules: which municipality each case may go to, and on which basis.

The result is a ``(n, K)`` matrix of :class:`Basis` codes.  A pair open on the ``QUOTA`` basis
must fit in the municipality's remaining quota in every model (``respect_remaining_quota``); a
pair open on an exception basis (§ 11 stk. 3-4) need not, because the exception is exactly what
allows a zero-quota or full municipality.  Its persons still use the quota's room first: every
person counts in the pace tiers, and those beyond the quota cost the top tier (:mod:`.costs`).
After solving, an exception placement that the quota could have held anyway is reported as
``QUOTA`` (see :func:`visitering.assignment.placements.legal_bases`).

The coupling hard rules (each case placed once, remaining quota) live in the models:
:mod:`.relaxation`, :mod:`.mip` and :mod:`.textbook`.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from visitering.assignment.instance import NONE, BoolArray, Instance, IntArray
from visitering.assignment.result import LegalBasis
from visitering.cases import JobOfferKind


class Basis(IntEnum):
    """Basis code of a (case, municipality) pair; 0 means closed."""

    CLOSED = 0
    QUOTA = 1
    INSTITUTION = 2
    CLOSE_FAMILY = 3
    JOB_OFFER = 4
    SPECIAL_CIRCUMSTANCES = 5

    @property
    def legal_basis(self) -> LegalBasis:
        """The reported :class:`LegalBasis` (``CLOSED`` has none)."""
        return LegalBasis[self.name]


Matrix = np.ndarray[tuple[int, int], np.dtype[np.int8]]


class Eligibility:
    """Builds the basis matrix; :meth:`build` applies the rules in order, one method each."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.params = inst.problem.parameters
        self.basis: Matrix = np.full((inst.n, inst.k), Basis.QUOTA, dtype=np.int8)

    def build(self) -> Matrix:
        """The ``(n, K)`` :class:`Basis` matrix under all pair-level rules."""
        self.under_section_11()
        self._forbidden_by_case_data()
        return self.basis

    def under_section_11(self) -> Matrix:
        """The matrix under § 11 alone (quota room and the exceptions), before the case's
        data close pairs (see :func:`open_under_section_11`)."""
        self._zero_quota_only_with_exception()
        return self.basis

    # -- rules -------------------------------------------------------------------------------

    def _zero_quota_only_with_exception(self) -> None:
        """§ 11 stk. 1 and 3-4: a zero-quota or full municipality only under an exception.

        Under § 11 stk. 1 a case goes to a municipality whose remaining quota (plus the
        configured tolerance) can still hold the whole family; all other pairs are closed unless
        an exception of § 11 stk. 3-4 opens them: institution or foster care there, close family
        living there, a job offer (see :meth:`_job_offer`), or other "ganske særlige forhold".
        With ``allow_overshoot`` every pair stays open under the quota basis and the models
        minimise the persons beyond the quotas instead.
        """
        inst = self.inst
        if not self.params.allow_overshoot:
            room = inst.capacity[None, :] >= inst.persons[:, None]
            self.basis[~room] = Basis.CLOSED
        # From the most general ground to the most specific: the last one opened is recorded.
        self._special_circumstances()
        self._job_offer()
        self._close_family()
        self._institution()

    def _forbidden_by_case_data(self) -> None:
        """Housing: no dwelling, no placement (``docs/rules.md`` § 2, "Housing").

        When housing data is given, a municipality without a free dwelling large enough for the
        family is closed to it, whatever the basis; so are municipalities the problem forbids
        explicitly for a case.  The law states no paragraph for this: dwelling sizes are a
        practical constraint of boligplacering.
        """
        inst = self.inst
        too_small = inst.persons[:, None] > inst.largest_dwelling[None, :]
        self.basis[too_small | inst.forbidden] = Basis.CLOSED

    # -- the exceptions of § 11 stk. 3-4 ------------------------------------------------------

    def _open(self, rows: np.ndarray, cols: np.ndarray, basis: Basis) -> None:
        self.basis[rows, cols] = basis

    def _institution(self) -> None:
        """§ 11 stk. 3: placed in an institution or foster care in the municipality before."""
        rows = np.flatnonzero(self.inst.institution != NONE)
        self._open(rows, self.inst.institution[rows], Basis.INSTITUTION)

    def _close_family(self) -> None:
        """§ 11 stk. 3: close family members ("nærtstående familiemedlemmer") live there."""
        rows = np.flatnonzero(self.inst.close_family != NONE)
        self._open(rows, self.inst.close_family[rows], Basis.CLOSE_FAMILY)

    def _special_circumstances(self) -> None:
        """§ 11 stk. 3: other "ganske særlige forhold", recorded with their reason.

        Where the case names the municipality they point to (``special_circumstances_kommune``)
        the exception opens that one; where it names none, every municipality, and the soft
        terms choose.  The reason is recorded in the case.
        """
        inst = self.inst
        anywhere = np.flatnonzero(inst.special & (inst.special_kommune == NONE))
        self.basis[anywhere, :] = Basis.SPECIAL_CIRCUMSTANCES
        named = np.flatnonzero(inst.special & (inst.special_kommune != NONE))
        self._open(named, inst.special_kommune[named], Basis.SPECIAL_CIRCUMSTANCES)

    def _job_offer(self) -> None:
        """§ 11 stk. 4: a real job offer whose commute from a quota municipality is too long.

        Opens the workplace municipality and those of its neighbours ("en nærliggende kommune")
        from which the commute is within ``commute_threshold_min``, when the offer is real and
        not time-limited (an IGU position counts, :class:`JobOfferKind`), is for at least
        ``min_job_hours`` a week, and the total daily public-transport commute
        (:meth:`Parameters.commute_minutes`) from *every* municipality that could take the
        family under its quota exceeds ``commute_threshold_min``.  The quota municipality is
        not known before the placement, so the test uses the nearest one that could be: if even
        that is beyond reach, every quota placement would be.  With a quota municipality in
        reach the case stays under the quota, and the offer counts for employment (§ 12 stk. 1).
        With no municipality that could take the family under its quota, there is no quota
        municipality to commute from, and the exception is not established: placing the case is
        an overshoot (regression, year audit, stop 27: the test passed on an empty set, and the
        decision was recorded as "commute unknown (no distance data)").
        A neighbour as far from the job as the quota municipalities would defeat the exception's
        purpose, so it stays closed (audit, stop 25: a family was placed under § 11 stk. 4 in
        Jammerbugt, 216 minutes a day from the job in Thisted).
        """
        inst = self.inst
        real = np.array(
            [c.job_offer_kind is not JobOfferKind.TIME_LIMITED for c in inst.problem.cases],
            dtype=bool,
        )
        rows = np.flatnonzero(
            (inst.job != NONE) & (inst.job_hours >= self.params.min_job_hours) & real
        )
        if rows.size == 0:
            return
        quota_open = quota_pairs(inst)
        for i in rows:
            work = inst.job[i]
            commute = inst.commute_min[quota_open[i], work]
            if commute.size and np.all(commute > self.params.commute_threshold_min):
                within = inst.commute_min[:, work] <= self.params.commute_threshold_min
                cols = np.flatnonzero(inst.near[work] & within)
                self._open(np.full(cols.size, i), cols, Basis.JOB_OFFER)


def quota_pairs(inst: Instance, rows: IntArray | None = None) -> BoolArray:
    """Pairs a quota placement could use (BEK nr. 550/2022 § 11 stk. 1): room for the family,
    a dwelling, not forbidden.

    For the cases ``rows`` only, if given (one row of the ``(n, K)`` matrix per case).
    """
    persons = inst.persons if rows is None else inst.persons[rows]
    forbidden = inst.forbidden if rows is None else inst.forbidden[rows]
    room = inst.capacity[None, :] >= persons[:, None]
    housed = persons[:, None] <= inst.largest_dwelling[None, :]
    result: BoolArray = room & housed & ~forbidden
    return result


def basis_detail(inst: Instance, i: int, basis: LegalBasis) -> str | None:
    """What the exception of case ``i`` rests on, for the record (§ 14: no appeal, so the
    recorded reason matters): the reason code of ``special_circumstances``; for a
    ``job_offer`` the workplace, the hours and the shortest daily commute from a municipality
    that could have taken the family under its quota.  ``None`` for the other bases, whose
    municipality is the detail (institution, close family) or which are no exception."""
    if basis is LegalBasis.SPECIAL_CIRCUMSTANCES:
        return inst.problem.cases[i].special_circumstances
    if basis is LegalBasis.JOB_OFFER:
        work = int(inst.job[i])
        nearest = _nearest_quota_commute(inst, i, work)
        shortest = "unknown (no distance data)" if nearest is None else f"{nearest:.0f} min"
        return (
            f"workplace {int(inst.codes[work])}, {inst.job_hours[i]:g} hours a week; shortest "
            f"daily commute from a municipality with quota room: {shortest} (limit "
            f"{inst.problem.parameters.commute_threshold_min:g} min)"
        )
    return None


#: The exceptions whose tie points to one municipality, in the order of :func:`ties`.
TIE_BASES = (Basis.INSTITUTION, Basis.CLOSE_FAMILY, Basis.SPECIAL_CIRCUMSTANCES, Basis.JOB_OFFER)


def ties(inst: Instance) -> IntArray:
    """``(n, 4)``: per case, the municipality each exception of :data:`TIE_BASES` points to
    (:data:`NONE` if none): the institution, the close family, the municipality special
    circumstances name (none when they name no municipality: they open every one) and the
    job offer's workplace."""
    special = np.where(inst.special, inst.special_kommune, NONE)
    result: IntArray = np.stack([inst.institution, inst.close_family, special, inst.job], axis=1)
    return result


def within_reach(inst: Instance, i: int, col: int) -> bool:
    """A family of case ``i`` living in municipality ``col`` commutes to its job offer within
    ``commute_threshold_min`` (so § 11 stk. 4's purpose is met wherever the basis)."""
    work = inst.job[i]
    commute = inst.commute_min[col, work]
    return bool(work != NONE and commute <= inst.problem.parameters.commute_threshold_min)


def why_closed(inst: Instance, i: int, col: int, basis: Basis) -> str:
    """Why the tie of case ``i`` under ``basis`` does not open municipality ``col``: the case's
    data close it (housing, an exclusion) or, for a job offer, § 11 stk. 4 does not apply."""
    params = inst.problem.parameters
    if inst.persons[i] > inst.largest_dwelling[col]:
        return f"no free dwelling for {inst.persons[i]} persons there"
    if inst.forbidden[i, col]:
        return "the input excludes it for this case"
    if basis is not Basis.JOB_OFFER:  # the other exceptions always open their municipality
        return "closed"
    case = inst.problem.cases[i]
    if case.job_offer_kind is JobOfferKind.TIME_LIMITED:
        return "§ 11 stk. 4 does not apply: the offer is time-limited"
    if inst.job_hours[i] < params.min_job_hours:
        return (
            f"§ 11 stk. 4 does not apply: {inst.job_hours[i]:g} hours a week, fewer than "
            f"{params.min_job_hours:g}"
        )
    if not quota_pairs(inst, np.array([i]))[0].any():
        return (
            "§ 11 stk. 4 does not apply: no municipality has quota room for the family, so "
            "there is no quota municipality to commute from"
        )
    nearest = _nearest_quota_commute(inst, i, col)
    minutes = "" if nearest is None else f" ({nearest:.0f} min a day)"
    return (
        "§ 11 stk. 4 does not apply: a municipality with quota room is within commuting reach "
        f"of the workplace{minutes}, so the offer counted for employment (§ 12 stk. 1)"
    )


def _nearest_quota_commute(inst: Instance, i: int, work: int) -> float | None:
    """The shortest daily commute to ``work`` from a municipality that could take case ``i``
    under its quota (the test of § 11 stk. 4); ``None`` without distance data."""
    commute = inst.commute_min[quota_pairs(inst, np.array([i]))[0], work]
    known = commute[~np.isnan(commute)]
    return float(known.min()) if known.size else None


def eligibility(inst: Instance) -> Matrix:
    """The ``(n, K)`` :class:`Basis` matrix of ``inst`` (see :class:`Eligibility`)."""
    return Eligibility(inst).build()


def open_under_section_11(inst: Instance) -> Matrix:
    """The basis matrix under § 11 alone (quota room and the exceptions), before the case's
    data (housing, exclusions) close pairs: what tells a diagnosis which rule closed the last
    municipality of a case."""
    return Eligibility(inst).under_section_11()
