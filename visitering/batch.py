"""One visitering batch end to end: remaining quotas, the ledger, the solve, the record.

The ledger makes weekly batches through a year draw down the same quotas (BEK nr. 550/2022
§ 11 stk. 1):

* the batch is identified by a hash of everything that decides it (the cases, the year's quotas,
  profiles, weights and parameters), so re-running the same batch returns the recorded decisions
  and places nobody twice;
* cases already placed in an earlier batch are left out (and counted); those whose data differ
  from the data they were placed with are named, as their recorded decision stands;
* only a batch in which every case is placed is recorded, in one transaction;
* a batch is recorded only against the ledger it was placed against: if another run recorded a
  batch meanwhile, it is placed again against what that run left (§ 11 stk. 1 holds for both);
* a case placed before is placed again only when the batch names it (*genvisitering*,
  :attr:`BatchInputs.re_place`) and the law or the data give a ground (:class:`Genvisitering`):
  the quota its earlier decision used is given back first, and that decision stays on record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from typing import Any

from visitering.assignment import Problem, solve
from visitering.assignment.problem import Parameters, Weights
from visitering.assignment.result import LegalBasis, Placement, Result, Status
from visitering.cases import Case, KommuneProfil
from visitering.errors import InputError
from visitering.errors import Problem as InputProblem
from visitering.formats.csvtext import printable
from visitering.ledger import (
    BatchRecord,
    Decision,
    Genvisitering,
    Ledger,
    LedgerBusy,
    LedgerChanged,
    Snapshot,
)
from visitering.report.placering import Batch, explanation_record, tie_from_record

#: Times a batch is placed against the ledger before :class:`LedgerBusy`: each time another run
#: recorded a batch on the same ledger while this one was being solved.
LEDGER_ATTEMPTS = 3
#: Where an error about ``BatchInputs.re_place`` points (the CLI option).
RE_PLACE = "--re-place"
#: The note of a batch placed again because the ledger changed while it was solved.
SOLVED_AGAIN = (
    "solved again: another run recorded a batch on this ledger while this one was being solved"
)


@dataclass(frozen=True)
class BatchInputs:
    """Everything a batch needs besides the quotas.

    ``re_place``: ids of cases of the batch, placed before, to place again (needs a ledger).
    """

    cases: Sequence[Case]
    profiles: Mapping[int, KommuneProfil]
    neighbours: Mapping[int, frozenset[int]]
    distance_km: Mapping[tuple[int, int], float]
    weights: Weights = field(default_factory=Weights)
    parameters: Parameters = field(default_factory=Parameters)
    notes: tuple[str, ...] = ()
    re_place: frozenset[str] = frozenset()


def _plain(value: Any) -> Any:
    """A JSON-ready, order-independent form of inputs, for hashing."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return sorted((str(_plain(k)), _plain(v)) for k, v in value.items())
    if isinstance(value, frozenset | set):
        return sorted(str(_plain(v)) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def case_hash(case: Case) -> str:
    """Hash of one case's data (recorded with its decision).

    ``job_offer_kind`` and ``special_circumstances_kommune`` are left out when not stated, so
    that cases (and batches) recorded before those columns existed keep their hashes.
    """
    data = asdict(case)
    for later in ("job_offer_kind", "special_circumstances_kommune"):
        if data[later] is None:
            del data[later]
    return hashlib.sha256(json.dumps(_plain(data), sort_keys=True).encode()).hexdigest()


def inputs_hash(inputs: BatchInputs, year_quota: Mapping[int, int]) -> str:
    """Hash of everything that decides a batch (not the time limit, which only bounds it, nor
    the thread count, which only says how the solve runs; leaving ``threads`` out keeps the
    hashes of batches recorded before it existed)."""
    params = asdict(replace(inputs.parameters, time_limit_s=1.0))
    params.pop("threads")
    document = {
        "cases": [case_hash(c) for c in inputs.cases],
        "year_quota": _plain(year_quota),
        "profiles": _plain({k: asdict(p) for k, p in inputs.profiles.items()}),
        "weights": _plain(asdict(inputs.weights)),
        "parameters": _plain(params),
    }
    if inputs.re_place:  # only then: batches recorded before re-placements keep their hashes
        document["re_place"] = sorted(inputs.re_place)
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


#: The note of a batch placed against the quotas the ledger holds.
IN_FORCE_NOTE = "Quotas: those in force in the ledger"

#: A landstal revision worked out from the quotas in force and what they were computed on
#: (:meth:`Ledger.kvotegrundlag`): the new quotas, the reason, the lines that tell the user and
#: the basis to record with them.
Revise = Callable[
    [dict[int, int], str | None], tuple[dict[int, int], str, Sequence[str], str | None]
]


def run_batch(
    inputs: BatchInputs,
    year_quota: Mapping[int, int] | None,
    ledger: Ledger | None = None,
    revision: str | None = None,
    basis: str | None = None,
    revise: Revise | None = None,
    solved_before: bool = False,
) -> Batch:
    """Place a batch; with a ledger, against its remaining quotas, and record the decisions.

    Parameters
    ----------
    year_quota:
        The year's kommunekvoter (or, without a ledger, the remaining quotas).  With a ledger it
        may be ``None`` when the ledger already holds the year's quotas.  New quotas are
        recorded with the batch, and only with a batch that places its cases (all or nothing).
    revision:
        The reason, when ``year_quota`` changes the quotas of a ledger holding decisions.
    basis:
        What ``year_quota`` was computed on (:mod:`visitering.kvoter.aarsgrundlag`, as text),
        recorded with it for a later landstal increase; ``None``: not known.
    revise:
        Instead of ``year_quota``: a landstal revision of the ledger's quotas in force, worked
        out again at each attempt, so that a revision another run recorded meanwhile is
        revised from, not overdrawn; the batch is placed only against a ledger whose quotas
        are still those it was worked out from.
    solved_before:
        The batch was solved once already, against a ledger another run changed meanwhile
        (:func:`start_ledger`): its notes say it was solved again.

    Raises
    ------
    InputError
        When no quotas are known, or the ledger holds decisions against other quotas.
    LedgerBusy
        When other runs recorded a batch on the ledger during every attempt.
    """
    if ledger is None:
        if year_quota is None:
            raise InputError(InputProblem("no quotas: give --quotas or --landstal"))
        if inputs.re_place:
            raise InputError(
                InputProblem("placing a case again needs the ledger of its decision", RE_PLACE)
            )
        return _solve(inputs, dict(year_quota), dict(year_quota), None)
    if year_quota is None and not ledger.has_quotas():
        raise InputError(
            InputProblem(
                "the ledger holds no quotas yet: give --quotas or "
                "--landstal for the year's first batch"
            )
        )
    if year_quota is None and (note := _proxy_note(ledger)) and note not in inputs.notes:
        inputs = replace(inputs, notes=(*inputs.notes, note))
    if year_quota is not None and revision is None and revise is None:
        rerun = _rerun_on_other_quotas(inputs, ledger, year_quota)
        if rerun is not None:
            return rerun
    ids = [c.case_id for c in inputs.cases]
    for attempt in range(LEDGER_ATTEMPTS):
        try:
            todo, since, rerun_notes = inputs, None, inputs.notes
            if revise is not None:
                since = ledger.year_quotas()
                year_quota, revision, lines, basis = revise(since, ledger.kvotegrundlag())
                todo = replace(inputs, notes=(*lines, *inputs.notes))
                # A re-run found recorded revised nothing: it tells of the quotas it ran on.
                rerun_notes = (IN_FORCE_NOTE, *inputs.notes)
            seen = ledger.snapshot(ids, year_quota, revision, since, basis)
            again = attempt > 0 or solved_before
            return _place_and_record(todo, ledger, seen, again, rerun_notes)
        except LedgerChanged:
            continue
    raise LedgerBusy(
        f"the ledger changed while this batch was being placed, {LEDGER_ATTEMPTS} times in a "
        "row (other runs are recording batches on it): nothing was recorded; run the batch "
        "again"
    )


def _place_and_record(
    inputs: BatchInputs,
    ledger: Ledger,
    seen: Snapshot,
    again: bool,
    rerun_notes: tuple[str, ...],
) -> Batch:
    """Place the batch against the ledger as ``seen`` (with any new quotas) and record it, or
    return the batch recorded with the same inputs (with ``rerun_notes``);
    :class:`LedgerChanged` if another run recorded meanwhile.  New quotas are recorded only
    with a batch that places its cases."""
    placed = _place(inputs, ledger, seen, again, rerun_notes)
    return placed if isinstance(placed, Batch) else _record(ledger, placed)


@dataclass(frozen=True)
class _Placed:
    """A batch placed against ``seen``, not yet recorded: what recording it needs."""

    seen: Snapshot
    key: str
    todo: BatchInputs
    grounds: Mapping[str, Genvisitering]
    batch: Batch


def _place(
    inputs: BatchInputs,
    ledger: Ledger,
    seen: Snapshot,
    again: bool,
    rerun_notes: tuple[str, ...] | None = None,
) -> _Placed | Batch:
    """The batch placed against ``seen``, to record; or, if there is nothing to record, the
    batch recorded with the same inputs (with ``rerun_notes``) or a batch that failed."""
    key = inputs_hash(inputs, seen.year)
    recorded = ledger.find_batch(key)
    if recorded is not None:
        return _from_record(recorded, inputs.notes if rerun_notes is None else rerun_notes)
    earlier = _same_cases_recorded(inputs, ledger, seen)
    if earlier is not None:
        notes = inputs.notes if rerun_notes is None else rerun_notes
        return _from_record(earlier, (*notes, RERUN_SINCE_CHANGED))
    grounds = re_placement_grounds(inputs, seen)
    skipped = seen.placed - set(grounds)
    _refuse_a_revision_by_a_rerun(inputs, seen, skipped)
    todo = replace(inputs, cases=[c for c in inputs.cases if c.case_id not in skipped])
    if again:
        todo = replace(todo, notes=(*todo.notes, SOLVED_AGAIN))
    changed = [
        c.case_id
        for c in inputs.cases
        if c.case_id in skipped and seen.decisions[c.case_id].case_hash != case_hash(c)
    ]
    batch = _solve(
        todo,
        seen.remaining_without(sorted(grounds), signed=True),
        seen.year,
        sorted(skipped),
        sorted(changed),
        grounds,
    )
    if not batch.result.is_ok:
        return batch
    if not batch.result.placements and seen.quota_change is None:
        return batch
    return _Placed(seen, key, todo, grounds, batch)


#: The note of an earlier batch shown again although its inputs' hash has changed since.
RERUN_SINCE_CHANGED = (
    "A re-run of an earlier batch: its decisions are shown as recorded, nothing was placed "
    "(the quotas, weights or parameters have changed since)"
)


def _same_cases_recorded(inputs: BatchInputs, ledger: Ledger, seen: Snapshot) -> BatchRecord | None:
    """The recorded batch of exactly these cases, unchanged, when the batch would place none of
    them (no quota change to record, nothing to place again).  Regression (year audit, stop
    27): after a revision the inputs' hash of an earlier week changed with the quotas, so its
    re-run placed nobody and wrote an empty export over the week's own."""
    ids = {c.case_id for c in inputs.cases}
    if not ids or inputs.re_place or seen.quota_change is not None or seen.placed != ids:
        return None
    if any(seen.decisions[c.case_id].case_hash != case_hash(c) for c in inputs.cases):
        return None  # changed data: the batch says so, and how to place them again
    return ledger.batch_of_cases(ids)


def _rerun_on_other_quotas(
    inputs: BatchInputs, ledger: Ledger, year_quota: Mapping[int, int]
) -> Batch | None:
    """An earlier week's command run again as it was (its ``--landstal`` or ``--quotas``)
    after the quotas were revised: the batch as recorded, not the error that other quotas
    cannot replace the ledger's.  Regression (fuzz audit, stop 28): that error sent the user
    to ``--revise-quotas``, which refuses a re-run, so the recorded batch could be seen only
    by leaving the quotas out.  Only the quotas that batch was placed against will do: any
    others are refused as before (review, stop 28: a mistyped landstal showed the batch)."""
    if ledger.year_quotas() == dict(year_quota):
        return None
    seen = ledger.snapshot([c.case_id for c in inputs.cases])
    earlier = _same_cases_recorded(inputs, ledger, seen)
    if earlier is None or ledger.quotas_at(earlier.batch_no) != dict(year_quota):
        return None
    return _from_record(earlier, (*inputs.notes, RERUN_SINCE_CHANGED))


def _refuse_a_revision_by_a_rerun(
    inputs: BatchInputs, seen: Snapshot, skipped: frozenset[str]
) -> None:
    """Refuse a quota revision brought by a batch every case of which was placed before.

    Such a batch is a re-run of an earlier week's command; after later changes of the
    landstal its revision (worked out again on the quotas in force) would quietly set the
    year back (audit, stop 23: re-running week 3's "--landstal 7500" after a change to 9000).
    A revision with no cases to place is given with a cases file that has none.
    """
    change = seen.quota_change
    if change is None or change.revision is None or not inputs.cases:
        return
    if len(skipped) == len(inputs.cases):
        raise InputError(
            InputProblem(
                "every case of this batch was placed before, so this is a re-run of an earlier "
                "batch: its quota revision was not recorded. To see the recorded batch, run it "
                "without --revise-quotas and new quotas; to revise the quotas with no case to "
                "place, give a cases file with no cases",
                "--revise-quotas",
            )
        )


def _record(ledger: Ledger, placed: _Placed) -> Batch:
    """Record ``placed`` (:class:`LedgerChanged` if the ledger no longer reads as it saw)."""
    batch, seen = placed.batch, placed.seen
    if not batch.result.placements:
        ledger.record_quotas(seen)
        return replace(batch, quotas_recorded=True)
    by_id = {c.case_id: c for c in placed.todo.cases}
    decisions = [
        Decision(
            p.case_id,
            p.kommunekode,
            p.persons,
            str(p.legal_basis),
            case_hash(by_id[p.case_id]),
            explanation_record(p),
        )
        for p in batch.result.placements
    ]
    summary = json.dumps(_totals(batch))
    record = ledger.record_batch(
        placed.key, str(batch.result.status), summary, decisions, seen, placed.grounds
    )
    return replace(batch, batch_no=record.batch_no)


def start_ledger(
    inputs: BatchInputs,
    year_quota: Mapping[int, int],
    scratch: Ledger,
    create: Callable[[], Ledger],
    basis: str | None = None,
) -> Batch:
    """The first batch of a ledger not started yet, which exists only once it records.

    The batch is placed against ``scratch``, a private empty ledger; only if there is
    something to record does ``create`` make the ledger (its file), and the batch is recorded
    there if it is still as empty as ``scratch`` was.  So a batch that fails leaves no ledger
    behind, and nothing is ever taken away that another run may have started meanwhile: if
    one did, the batch is placed again against that ledger, as :func:`run_batch` places it.
    """
    ids = [c.case_id for c in inputs.cases]
    seen = scratch.snapshot(ids, year_quota, None, None, basis)
    placed = _place(inputs, scratch, seen, again=False)
    if isinstance(placed, Batch):
        return placed
    ledger = create()
    try:
        return _record(ledger, placed)  # checks, as it writes, that the ledger reads as seen
    except LedgerChanged:  # another run started the ledger meanwhile (audit, stop 26: no note)
        return run_batch(inputs, year_quota, ledger, basis=basis, solved_before=True)


def re_placement_grounds(inputs: BatchInputs, seen: Snapshot) -> dict[str, Genvisitering]:
    """The ground of each case that ``inputs`` names to place again, read against the ledger.

    A case may be placed again only if it was placed before and either its data differ from
    those its decision was made on (a correction), or it is a UN quota refugee not yet placed
    again on arrival.
    Any other decision stands (visitering decisions cannot be appealed, § 14).

    Raises
    ------
    InputError
        Naming every case that cannot be placed again, and why.
    """
    by_id = {c.case_id: c for c in inputs.cases}
    grounds: dict[str, Genvisitering] = {}
    problems: list[InputProblem] = []
    for case_id in sorted(inputs.re_place):
        case, decision = by_id.get(case_id), seen.decisions.get(case_id)
        shown = printable(case_id)
        if case is None:
            problems.append(InputProblem(f"case {shown} is not among the batch's cases", RE_PLACE))
        elif decision is None:
            problems.append(
                InputProblem(f"case {shown} has no recorded decision to place again", RE_PLACE)
            )
        elif decision.case_hash != case_hash(case):
            # A correction first: it is a ground as often as data are corrected, so a UN quota
            # refugee's correction does not use up the one re-placement on arrival (ledger
            # audit, stop 26: a corrected quota refugee could no longer be placed on arrival).
            grounds[case_id] = Genvisitering.DATA_CORRECTED
        elif case.quota_refugee and case_id not in seen.arrived_before:
            grounds[case_id] = Genvisitering.QUOTA_REFUGEE_ARRIVAL
        else:
            why = (
                "its re-placement on arrival is recorded already"
                if case.quota_refugee
                else "it is not a UN quota refugee"
            )
            problems.append(
                InputProblem(
                    f"case {shown} cannot be placed again: its data are those it was placed on "
                    f"and {why}; its decision stands (§ 14)",
                    RE_PLACE,
                )
            )
    if problems:
        raise InputError(problems)
    return grounds


def _solve(
    inputs: BatchInputs,
    remaining: Mapping[int, int],
    year: Mapping[int, int],
    skipped: Sequence[str] | None,
    changed: Sequence[str] = (),
    re_placed: Mapping[str, Genvisitering] | None = None,
) -> Batch:
    """Solve ``inputs`` against ``remaining`` (the ledger's, negative where exceptions placed
    persons beyond a quota: the solver is given them floored at 0)."""
    problem = Problem(
        cases=tuple(inputs.cases),
        remaining_quota={k: max(r, 0) for k, r in remaining.items()},
        profiles=inputs.profiles,
        neighbours=inputs.neighbours,
        distance_km=inputs.distance_km,
        annual_quota=dict(year),
        beyond_quota={k: -r for k, r in remaining.items() if r < 0 and k in year},
        weights=inputs.weights,
        parameters=inputs.parameters,
    )
    result = solve(problem) if inputs.cases else Result.nothing_to_place()
    return Batch(
        result,
        dict(remaining),
        inputs.notes,
        skipped_case_ids=tuple(skipped or ()),
        changed_case_ids=tuple(changed),
        re_placed=dict(sorted((re_placed or {}).items())),
    )


def _proxy_note(ledger: Ledger) -> str | None:
    """The proxy notice of the data the ledger's quotas were computed on, if it records them
    (regression, CLI audit, stop 26: batches placed against the quotas in force, and their
    kommuner.csv for the municipalities, lost the notice that the quotas are not official)."""
    text = ledger.kvotegrundlag()
    try:
        note = None if text is None else json.loads(text).get("proxy_note")
    except (ValueError, AttributeError):
        return None  # a damaged basis is reported where it is used (a landstal increase)
    return note if isinstance(note, str) else None


def _totals(batch: Batch) -> dict[str, Any]:
    r = batch.result
    return {
        "objective": r.objective,
        "bound": r.bound,
        "counts": dict(r.counts),
        "remaining_before": {str(k): v for k, v in sorted(batch.remaining_before.items())},
        # The file's cases it left out as placed before: a re-run shows them as the first run
        # did, and is found by them after a revision (Ledger.batch_of_cases).  Ids only.
        "skipped_case_ids": sorted(batch.skipped_case_ids),
    }


def _from_record(record: BatchRecord, notes: tuple[str, ...]) -> Batch:
    """The recorded batch, rebuilt for rendering (nothing is solved or written again)."""
    totals = json.loads(record.summary)
    placements = []
    for d in record.decisions:
        why = json.loads(d.forklaring)
        placements.append(
            Placement(
                d.case_id,
                d.kommunekode,
                d.persons,
                LegalBasis(d.grundlag),
                why.get("terms", {}),
                why.get("cost", 0.0),
                why.get("alternative_kommune"),
                why.get("alternative_extra_cost"),
                why.get("basis_detail"),
                why.get("taken_kommune"),
                why.get("taken_saving"),
                tuple(tie_from_record(t) for t in why.get("unused_ties", ())),
            )
        )
    result = Result(
        Status(record.status),
        tuple(placements),
        totals.get("objective"),
        totals.get("bound"),
        counts=totals.get("counts", {}),
    )
    before = {int(k): v for k, v in totals.get("remaining_before", {}).items()}
    return Batch(
        result,
        before,
        notes,
        skipped_case_ids=tuple(totals.get("skipped_case_ids", ())),
        batch_no=record.batch_no,
        already_recorded=True,
        re_placed={k: Genvisitering(g) for k, g in record.re_placed.items()},
        replaced_later=tuple(record.replaced_later),
    )
