"""Visitering results as terminal text, exports and explanations (BEK nr. 550/2022 §§ 11-14).

Two exports with different audiences:

* ``placeringer.csv`` — one row per case: where it goes, the legal basis, each soft term and the
  best alternative.  Internal to the Immigration Service: it is about individual cases.
* ``kommuner.csv`` — per municipality: quota before the batch, persons placed, remaining.
  Counts only, no case ids, fit to send to a municipality.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from visitering.assignment.result import QUOTA_RULE, LegalBasis, Placement, Result, Tie
from visitering.domain import Kommuner
from visitering.formats import csvtext
from visitering.formats.csvtext import Cell, Dialect
from visitering.ledger import Genvisitering, Replaced

TERMS = (
    "employment",
    "close_family",
    "treatment",
    "latest_stay",
    "wishes",
    "even_distribution",
    "concentration",
)
"""The soft terms in the order of the exports."""

TERM_WORDS = {
    "employment": "employment prospects (§ 12 stk. 1)",
    "close_family": "close family nearby (§ 12 stk. 2)",
    "treatment": "treatment offers nearby (§ 12 stk. 2)",
    "latest_stay": "latest place of stay (§ 12 stk. 3)",
    "wishes": "municipal wishes",
    "even_distribution": "even distribution across municipalities",
    "concentration": "concentration of one nationality/language group",
}

BASIS_WORDS = {
    LegalBasis.QUOTA: "the municipality had quota left",
    LegalBasis.TOLERANCE: "the municipality had quota left, and the family exceeds it by no "
    "more than the capacity tolerance set for this run",
    LegalBasis.INSTITUTION: "earlier placement in an institution or foster care there",
    LegalBasis.CLOSE_FAMILY: "close family members live there",
    LegalBasis.SPECIAL_CIRCUMSTANCES: "special circumstances (ganske særlige forhold)",
    LegalBasis.JOB_OFFER: "a job offer of at least 15 hours a week too far from a quota "
    "municipality: the workplace or a neighbour within commuting reach of it",
    LegalBasis.OVERSHOOT: "placed beyond the remaining quota because overshoot was allowed",
}

TIE_WORDS = {
    LegalBasis.INSTITUTION: "earlier placement in an institution or foster care",
    LegalBasis.CLOSE_FAMILY: "close family",
    LegalBasis.SPECIAL_CIRCUMSTANCES: "special circumstances",
    LegalBasis.JOB_OFFER: "a job offer",
}
"""A § 11 stk. 3-4 tie, named as the start of a sentence about it."""

TIES_HEADING = (
    "Ties under § 11 stk. 3-4 weighed and not used (an exception allows a placement there; "
    "it does not require one):"
)

PLACERING_COLUMNS = (
    "case_id",
    "kommunekode",
    "kommune",
    "persons",
    "grundlag",
    "paragraf",
    "grundlag_detalje",
    "omkostning",
    *(f"term_{t}" for t in TERMS),
    "alternativ_kommunekode",
    "alternativ_kommune",
    "alternativ_meromkostning",
    "kvote_optaget_kommunekode",
    "kvote_optaget_kommune",
    "kvote_optaget_besparelse",
    "ubrugte_undtagelser",
    "genvisitering",
    "erstattet_senere",
)
#: Separates the sentences of ``ubrugte_undtagelser`` in one cell.
TIE_SEPARATOR = " | "
KOMMUNE_COLUMNS = (
    "kommunekode",
    "kommune",
    "regionskode",
    "region",
    "kvote_foer",
    "placeret_personer",
    "placeret_sager",
    "heraf_undtagelser_personer",
    "rest",
)


@dataclass(frozen=True, slots=True)
class Batch:
    """What a visitering run produced, for rendering: the result and its context."""

    result: Result
    remaining_before: Mapping[int, int]
    """The remaining quota per municipality before the batch, as the ledger has it: negative
    where exceptions placed persons beyond a quota (batches recorded before stop 27 stop at
    0).  The solver was given these figures, floored at 0."""
    notes: Sequence[str]
    batch_no: int | None = None
    already_recorded: bool = False
    skipped_case_ids: tuple[str, ...] = ()
    #: Of the skipped cases, those whose data differ from the data recorded with their decision.
    changed_case_ids: tuple[str, ...] = ()
    #: Cases placed before that this batch placed again (*genvisitering*), with the ground of
    #: each; the quota their earlier decisions used was given back first.
    re_placed: Mapping[str, Genvisitering] = field(default_factory=dict)
    #: Of a recorded batch shown again, the cases that later batches placed again.
    replaced_later: tuple[str, ...] = ()
    #: A batch with nothing to place recorded the quotas it was given (the year's first, or
    #: a revision): the ledger changed though no batch was recorded.
    quotas_recorded: bool = False


def _num(value: float | None) -> Cell:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(float(value), 4)


def placement_rows(batch: Batch, kommuner: Kommuner) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for p in sorted(batch.result.placements, key=lambda p: p.case_id):
        alt = p.alternative_kommune
        rows.append(
            [
                p.case_id,
                p.kommunekode,
                kommuner[p.kommunekode].navn,
                p.persons,
                str(p.legal_basis),
                p.legal_basis.paragraph,
                p.basis_detail,
                _num(p.cost),
                *(_num(p.terms.get(t, 0)) for t in TERMS),
                alt,
                kommuner[alt].navn if alt is not None else None,
                _num(p.alternative_extra_cost),
                p.taken_kommune,
                kommuner[p.taken_kommune].navn if p.taken_kommune is not None else None,
                _num(p.taken_saving),
                TIE_SEPARATOR.join(tie_sentence(t, kommuner) for t in p.unused_ties) or None,
                str(batch.re_placed[p.case_id]) if p.case_id in batch.re_placed else None,
                "ja" if p.case_id in batch.replaced_later else None,
            ]
        )
    return rows


def tie_sentence(tie: Tie, kommuner: Kommuner) -> str:
    """One unused § 11 stk. 3-4 tie in words: the price of using it, or why it was closed."""
    paragraph = "on its quota, § 11 stk. 1" if tie.on_quota else tie.basis.paragraph
    where = (
        f"{TIE_WORDS[tie.basis]} in {tie.kommunekode} {_navn(kommuner, tie.kommunekode)} "
        f"({paragraph})"
    )
    if tie.why_not is not None:
        return f"{where}: could not take the case: {tie.why_not}"
    extra = tie.extra_cost or 0.0
    if extra >= 0:
        return f"{where}: moving the case there alone would have cost {_num(extra)} more in all"
    return (
        f"{where}: moving the case there alone would have cost {_num(-extra)} less in all: the "
        "search ended (time limit) before it found that"
    )


def tie_record(tie: Tie) -> dict[str, Any]:
    """A :class:`Tie` as the ledger's explanation record keeps it."""
    return {
        "basis": str(tie.basis),
        "kommune": tie.kommunekode,
        "extra_cost": _num(tie.extra_cost),
        "why_not": tie.why_not,
        **({"on_quota": True} if tie.on_quota else {}),
    }


def tie_from_record(record: Mapping[str, Any]) -> Tie:
    """The :class:`Tie` a :func:`tie_record` keeps."""
    return Tie(
        LegalBasis(record["basis"]),
        int(record["kommune"]),
        record.get("extra_cost"),
        record.get("why_not"),
        bool(record.get("on_quota", False)),
    )


def kommune_rows(batch: Batch, kommuner: Kommuner) -> list[list[Cell]]:
    persons: dict[int, int] = {}
    cases: dict[int, int] = {}
    exceptions: dict[int, int] = {}
    for p in batch.result.placements:
        persons[p.kommunekode] = persons.get(p.kommunekode, 0) + p.persons
        cases[p.kommunekode] = cases.get(p.kommunekode, 0) + 1
        if p.legal_basis.is_exception:
            exceptions[p.kommunekode] = exceptions.get(p.kommunekode, 0) + p.persons
    rows: list[list[Cell]] = []
    # The ledger's own remaining, so that ``rest`` agrees with `ledger status` and the KKR
    # files (regression, year audit, stop 27: floored at 0, København showed rest -17 where
    # the ledger said -73).
    for kode, k in kommuner.items():
        before = batch.remaining_before.get(kode, 0)
        placed = persons.get(kode, 0)
        rows.append(
            [
                kode,
                k.navn,
                k.region.kode,
                k.region.navn,
                before,
                placed,
                cases.get(kode, 0),
                exceptions.get(kode, 0),
                before - placed,
            ]
        )
    return rows


def export_files(batch: Batch, kommuner: Kommuner, dialect: Dialect) -> dict[str, bytes]:
    """``placeringer.csv`` (per case, internal) and ``kommuner.csv`` (counts only)."""
    notes = list(batch.notes)
    result = batch.result
    notes.append(
        f"Status {result.status}; objective {_fmt(result.objective)}, bound "
        f"{_fmt(result.bound)} (no placement can beat the bound)"
    )
    counted = _replaced_later_lines(batch, with_ids=False)  # no case ids for a municipality
    if batch.re_placed:
        counted.append(
            f"{len(batch.re_placed)} case(s) placed before were placed again (genvisitering): "
            "the quota their earlier decisions used was given back first (kvote_foer)"
        )
    return {
        "placeringer.csv": csvtext.render(
            PLACERING_COLUMNS,
            placement_rows(batch, kommuner),
            dialect,
            [
                "Visitering: placements per case - INTERNAL, contains case ids",
                *notes,
                *_replaced_later_lines(batch, with_ids=True),
                *_re_placed_lines(batch),
            ],
            decimals=4,
        ),
        "kommuner.csv": csvtext.render(
            KOMMUNE_COLUMNS,
            kommune_rows(batch, kommuner),
            dialect,
            ["Visitering: persons placed per municipality (counts only)", *notes, *counted],
        ),
    }


def _replaced_later_lines(batch: Batch, with_ids: bool) -> list[str]:
    """That later batches placed some of a recorded batch's cases again; the case ids only in
    what is internal (never in a file for municipalities)."""
    n = len(batch.replaced_later)
    if not n:
        return []
    which = f": {', '.join(batch.replaced_later)}" if with_ids else ""
    return [
        f"Since then, later batches placed {n} of these cases again{which}; the decisions shown "
        "for them are replaced."
    ]


def _re_placed_lines(batch: Batch) -> list[str]:
    """The cases placed again, with their grounds (case ids: not for municipalities)."""
    if not batch.re_placed:
        return []
    cases = ", ".join(f"{k} ({g.words})" for k, g in batch.re_placed.items())
    where = "" if batch.batch_no is None else f" in batch {batch.batch_no}"
    return [
        f"Placed again (genvisitering){where}, the quota of their earlier decisions given back "
        "first: "
        f"{cases}. Their earlier decisions stay in the ledger as replaced."
    ]


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def summary(batch: Batch) -> dict[str, Any]:
    """The JSON summary: status, objective, best bound, gap, solve time and counts."""
    r = batch.result
    return {
        "status": str(r.status),
        "objective": r.objective,
        "bound": r.bound,
        "gap": r.gap,
        "solve_time_s": round(r.solve_time_s, 3),
        "counts": dict(r.counts),
        "diagnosis": [
            {
                "rule": d.rule,
                "paragraph": d.paragraph,
                "case_ids": list(d.case_ids),
                "kommuner": list(d.kommuner),
                "message": d.full_message,
            }
            for d in r.diagnosis
        ],
        "next_steps": next_steps(r),
        "overshoot": {str(k): v for k, v in sorted(r.overshoot.items())},
        "notes": [*batch.notes, *r.notes],
        "batch_no": batch.batch_no,
        "already_recorded": batch.already_recorded,
        "skipped_already_placed": len(batch.skipped_case_ids),
        "skipped_with_changed_data": list(batch.changed_case_ids),
        "re_placed": {k: str(g) for k, g in batch.re_placed.items()},
        "quotas_recorded": batch.quotas_recorded,
    }


#: What a caseworker can do when the quotas cannot hold the batch: the lawful route first.
QUOTA_SHORT_NEXT = (
    "What now: if more refugees are expected than the landstal, change it (§ 2 stk. 5-6, § 7 "
    "stk. 8-9): on a ledger with --revise-quotas and --landstal N, or with the quotas that "
    "'visitering revise' computes (--quotas FILE); to place everyone now with the least total "
    "overshoot, run again with --allow-overshoot."
)


def next_steps(result: Result, advice: str = QUOTA_SHORT_NEXT) -> list[str]:
    """What to do next after ``result``: ``advice`` where the quotas cannot hold the batch
    (:data:`QUOTA_SHORT_NEXT` for ``assign``; ``scenario run`` gives its own wording), else
    nothing.  The terminal text, ``--json`` and a scenario's summary all carry it (regression,
    stop 27 audit: only the terminal text said what to do)."""
    return [advice] if any(d.rule == QUOTA_RULE for d in result.diagnosis) else []


def terminal_text(batch: Batch, kommuner: Kommuner) -> str:
    r = batch.result
    out = [*batch.notes]
    if batch.already_recorded:
        out.append(
            f"This batch is already recorded as batch {batch.batch_no}; this run recorded "
            "nothing. The recorded decisions follow."
        )
        out.extend(_replaced_later_lines(batch, with_ids=True))
    if batch.skipped_case_ids:
        out.append(
            f"{len(batch.skipped_case_ids)} case(s) already placed in earlier batches "
            "were left out."
        )
    if batch.changed_case_ids:
        out.append(
            f"Of these, {len(batch.changed_case_ids)} now have other data than when placed: "
            f"{', '.join(batch.changed_case_ids)}. Their recorded decisions stand, with the "
            "persons recorded then; to decide again on the data as they are now, run the "
            "batch with --re-place and the case id."
        )
    out.extend(_re_placed_lines(batch))
    if r.is_ok and not r.counts.get("cases") and not batch.already_recorded:
        out.append(
            "Nothing to place, so no batch was recorded; the new quotas were."
            if batch.quotas_recorded
            else "Nothing to place, so nothing was recorded."
        )
    out.append(f"Status: {r.status}")
    if r.is_ok and batch.batch_no is not None and not batch.already_recorded:
        out.append(f"Recorded in the ledger as batch {batch.batch_no}.")
    if r.objective is not None or r.bound is not None:
        gap = "n/a" if r.gap is None else f"{100 * r.gap:.3f} %"
        out.append(
            f"Objective {_fmt(r.objective)}; bound {_fmt(r.bound)} (no placement can "
            f"beat it); gap {gap}; {r.solve_time_s:.2f} s"
        )
    if r.counts:
        out.append(counts_line(r.counts))
    for d in r.diagnosis:
        out.append(f"Diagnosis: {d}")
    out.extend(next_steps(r))
    if r.overshoot:
        out.append(
            "Overshoot (persons beyond remaining quota): "
            + ", ".join(f"{k} {kommuner[k].navn} +{v}" for k, v in sorted(r.overshoot.items()))
        )
    out.extend(r.notes)
    if r.placements:
        out += [
            "",
            "Persons placed per municipality, with its quota left before and after the batch:",
            f"  {'kode':<5} {'kommune':<18} {'before':>7} {'placed':>7} {'rest':>6}",
        ]
        for row in kommune_rows(batch, kommuner):
            if row[5]:
                out.append(
                    f"  {row[0]!s:<5} {row[1]!s:<18} {row[4]!s:>7} {row[5]!s:>7} {row[8]!s:>6}"
                )
    return "\n".join(out) + "\n"


BASIS_COUNTED = {
    LegalBasis.QUOTA: "on the quota (§ 11 stk. 1)",
    LegalBasis.TOLERANCE: "within the capacity tolerance",
    LegalBasis.INSTITUTION: "by institution or foster care (§ 11 stk. 3)",
    LegalBasis.CLOSE_FAMILY: "by close family (§ 11 stk. 3)",
    LegalBasis.SPECIAL_CIRCUMSTANCES: "by special circumstances (§ 11 stk. 3)",
    LegalBasis.JOB_OFFER: "by a job offer (§ 11 stk. 4)",
    LegalBasis.OVERSHOOT: "beyond the quota, overshoot allowed",
}


def counts_line(counts: Mapping[str, int]) -> str:
    """A result's counts in words: cases placed of the batch's, and on which legal basis."""
    persons = counts.get("persons", 0)
    line = (
        f"Cases placed: {counts.get('placed', 0)} of {counts.get('cases', 0)} "
        f"({persons} person{'s' if persons != 1 else ''} in the batch)"
    )
    bases = [
        f"{counts[str(b)]} {words}" for b, words in BASIS_COUNTED.items() if counts.get(str(b))
    ]
    if bases:
        line += ": " + ", ".join(bases)
    if beyond := counts.get("overshoot_persons"):
        line += f"; {beyond} person{'s' if beyond != 1 else ''} beyond the remaining quota"
    return line + "."


def explanation_record(p: Placement) -> str:
    """What the ledger keeps to explain a decision later (JSON, no personal details)."""
    return json.dumps(
        {
            "legal_basis": str(p.legal_basis),
            **({"basis_detail": p.basis_detail} if p.basis_detail else {}),
            "terms": {t: _num(p.terms.get(t, 0)) for t in TERMS if t in p.terms},
            "cost": _num(p.cost),
            "alternative_kommune": p.alternative_kommune,
            "alternative_extra_cost": _num(p.alternative_extra_cost),
            # Records before it priced the alternative by the case's own terms only.
            "alternative_priced": MOVE_PRICED,
            **(
                {"taken_kommune": p.taken_kommune, "taken_saving": _num(p.taken_saving)}
                if p.taken_kommune is not None
                else {}
            ),
            **({"unused_ties": [tie_record(t) for t in p.unused_ties]} if p.unused_ties else {}),
        },
        sort_keys=True,
        ensure_ascii=False,
    )


def explain_case(
    case_id: str,
    kommunekode: int,
    persons: int,
    record: Mapping[str, Any],
    kommuner: Kommuner,
    batch_no: int | None = None,
) -> str:
    """Why a case went where it did, in plain words."""
    basis = LegalBasis(record["legal_basis"])
    k = kommuner[kommunekode]
    lines = [
        f"Case {case_id} ({persons} person{'s' if persons != 1 else ''}) was placed in "
        f"{k.kode} {k.navn} ({k.region.navn})"
        + (f", batch {batch_no}." if batch_no is not None else "."),
        *_genvisitering_lines(record),
        f"Legal basis: {basis.paragraph}: {BASIS_WORDS[basis]}"
        + (f" ({record['basis_detail']})." if record.get("basis_detail") else "."),
        "",
        "What was weighed (points x weight; 0 means met or not relevant; the model minimises "
        "the total over the whole batch):",
    ]
    terms: Mapping[str, float] = record.get("terms", {})
    for t in TERMS:  # a term a record lacks was not weighed (a weight of 0): it is 0
        lines.append(f"  {TERM_WORDS[t]:<52} {terms.get(t, 0):>8}")
    lines.append(f"  {'total':<52} {record.get('cost')!s:>8}")
    worst = max(terms.items(), key=lambda kv: kv[1], default=None)
    lines.append("")
    if record.get("alternative_priced") == MOVE_PRICED:
        lines += _alternative_lines(record, kommuner)
    else:
        lines += _pair_priced_alternative_lines(record, kommuner)
    if worst is not None and worst[1] > 0:
        lines.append(f"The largest remaining cost is {TERM_WORDS[worst[0]]}.")
    sentences = [
        *(tie_sentence(tie_from_record(t), kommuner) for t in record.get("unused_ties", ())),
        *record.get("unused_ties_words", ()),
    ]
    if sentences:
        lines += ["", TIES_HEADING, *(f"  - {s}." for s in sentences), ""]
    lines.append("Visitering decisions cannot be appealed (§ 14); this record is the reason.")
    return "\n".join(lines) + "\n"


def _genvisitering_lines(record: Mapping[str, Any]) -> list[str]:
    """What an export says of a decision and re-placements (*genvisitering*): the ledger shows
    the earlier decisions themselves (:func:`replaced_lines`).  Regression (ledger audit, stop
    26): an earlier week's export explained a since-replaced decision as the one in force."""
    lines = []
    if ground := record.get("re_placed_ground"):
        lines.append(
            f"This decision placed the case again (genvisitering: {Genvisitering(ground).words}); "
            "the earlier decision stays in the ledger as replaced."
        )
    if record.get("replaced_later"):
        lines.append(
            "A later batch placed the case again (genvisitering): this decision is replaced, "
            "and the ledger holds the one in force."
        )
    return lines


#: How a decision record prices its alternative: the whole batch's cost of moving the case
#: alone (see :class:`~visitering.assignment.result.Placement`).
MOVE_PRICED = "move"


def _alternative_lines(record: Mapping[str, Any], kommuner: Kommuner) -> list[str]:
    alt, extra = record.get("alternative_kommune"), record.get("alternative_extra_cost")
    taken, saving = record.get("taken_kommune"), record.get("taken_saving")
    lines = []
    if alt is None:
        lines.append("No other municipality could take this case under the rules.")
    elif extra is not None and extra >= 0:
        lines.append(
            f"The best alternative was {alt} {_navn(kommuner, alt)}: moving this case there, "
            f"the rest of the batch as placed, would have cost {extra} more in all (its own "
            "terms, and the even distribution and concentration of both municipalities)."
        )
    else:
        lines.append(
            f"Moving this case alone to {alt} {_navn(kommuner, alt)} would have cost "
            f"{-(extra or 0)} less in all: the search ended (time limit) before it found that."
        )
    if taken is not None:
        lines.append(
            f"{taken} {_navn(kommuner, taken)} would have cost {saving} less in all, but the "
            "batch's other cases had used its quota (the batch is placed as a whole)."
        )
    return lines


def _pair_priced_alternative_lines(record: Mapping[str, Any], kommuner: Kommuner) -> list[str]:
    """A decision recorded before the alternative was priced in full: its wording then."""
    alt, extra = record.get("alternative_kommune"), record.get("alternative_extra_cost")
    if alt is None:
        return ["No other municipality was open to this case under the rules."]
    if extra is not None and extra >= 0:
        return [
            f"The best alternative was {alt} {_navn(kommuner, alt)}, which "
            f"would have cost {extra} more for this case."
        ]
    return [
        f"For this case alone {alt} {_navn(kommuner, alt)} would have "
        f"cost {-(extra or 0)} less in its own terms (recorded before the alternatives "
        "were priced with the even distribution)."
    ]


def replaced_lines(replaced: Sequence[Replaced], kommuner: Kommuner) -> str:
    """The earlier decisions on a case that later batches replaced (*genvisitering*)."""
    lines = []
    for r in replaced:
        d = r.decision
        basis = LegalBasis(d.grundlag)
        lines.append(
            f"Earlier decision, replaced in batch {r.replaced_in} "
            f"({Genvisitering(r.begrundelse).words}): batch {r.batch_no}, {d.kommunekode} "
            f"{_navn(kommuner, d.kommunekode)}, {d.persons} person{'s' if d.persons != 1 else ''}, "
            f"{basis.paragraph}."
        )
    return "".join(f"{line}\n" for line in lines)


def _navn(kommuner: Kommuner, kode: int) -> str:
    return kommuner[kode].navn if kode in kommuner else "?"
