"""The ledger: an embedded SQLite record of a year's quotas and every visitering decision.

Weekly batches through a year draw down the same quotas.  Guarantees:

* **idempotence** — a batch is identified by the hash of its inputs; running the same batch
  again returns the recorded decisions and places nobody twice.  A case already placed in an
  earlier batch is never placed again (``case_id`` is the primary key of ``placering``);
* **atomicity** — a batch is written in one transaction: a crash mid-write leaves no partial
  batch and loses nothing committed before;
* **traceability** — every decision records its batch, the inputs' hash and its legal basis
  (BEK nr. 550/2022 § 11: quota or the exception used; § 14: decisions cannot be appealed, so
  the recorded reason matters);
* **no lost update** — a batch is recorded only if the ledger is still as the batch read it
  (:class:`Snapshot`): two runs on one ledger at once cannot both place against the same
  remaining quota (§ 11 stk. 1).  The loser gets :class:`LedgerChanged` and solves again;
* **re-placement on the record** — a batch may place again a case placed before
  (*genvisitering*: a UN quota refugee on arrival, or a case whose data were corrected).  The
  earlier decision is not deleted: it moves to ``genvisitering`` with the batch that replaced it
  and the ground, in the same transaction as the new decision, and its persons no longer count
  against the quota.

The ledger holds case ids and placements, not personal details of the cases, beyond what an
exception rests on (the ``special_circumstances`` reason code, a job offer's workplace and hours),
which the decision's record must keep.  File access goes
through :func:`visitering.io.open_database`; this module only issues SQL on a connection.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from visitering.errors import InputError, Problem

SCHEMA_VERSION = 2
#: Schema 1 (before re-placements) is read as it is, and brought up to date by the first run
#: that writes to it.
OLDER_SCHEMAS = ("1",)
#: The tables every ledger has; a database with none of them is not one.
LEDGER_TABLES = ("meta", "kvote", "kvote_revision", "batch", "placering")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kvote (
    kommunekode INTEGER PRIMARY KEY,
    kvote       INTEGER NOT NULL CHECK (kvote >= 0)
);
CREATE TABLE IF NOT EXISTS kvote_revision (
    revision_no INTEGER PRIMARY KEY,
    after_batch INTEGER,
    reason      TEXT NOT NULL,
    previous    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batch (
    batch_no    INTEGER PRIMARY KEY,
    inputs_hash TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL,
    cases       INTEGER NOT NULL,
    persons     INTEGER NOT NULL,
    summary     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS placering (
    case_id     TEXT PRIMARY KEY,
    batch_no    INTEGER NOT NULL REFERENCES batch (batch_no),
    kommunekode INTEGER NOT NULL REFERENCES kvote (kommunekode),
    persons     INTEGER NOT NULL CHECK (persons >= 1),
    grundlag    TEXT NOT NULL,
    case_hash   TEXT NOT NULL,
    forklaring  TEXT NOT NULL DEFAULT '{}'
);
"""
#: Schema 2: decisions replaced by a later batch (see :meth:`Ledger.record_batch`): the columns
#: of ``placering``, and the batch that replaced the decision and why.
_SCHEMA_2 = """
CREATE TABLE IF NOT EXISTS genvisitering (
    case_id     TEXT NOT NULL,
    batch_no    INTEGER NOT NULL REFERENCES batch (batch_no),
    kommunekode INTEGER NOT NULL REFERENCES kvote (kommunekode),
    persons     INTEGER NOT NULL CHECK (persons >= 1),
    grundlag    TEXT NOT NULL,
    case_hash   TEXT NOT NULL,
    forklaring  TEXT NOT NULL,
    replaced_in INTEGER NOT NULL REFERENCES batch (batch_no),
    begrundelse TEXT NOT NULL,
    PRIMARY KEY (case_id, replaced_in)
)
"""


#: The columns of a :class:`Decision`, in its fields' order (``placering``, ``genvisitering``).
_DECISION = "case_id, kommunekode, persons, grundlag, case_hash, forklaring"


class Genvisitering(StrEnum):
    """The ground on which a case placed before is placed again (*genvisitering*)."""

    QUOTA_REFUGEE_ARRIVAL = "quota_refugee_arrival"
    """A UN quota refugee (udlændingelovens § 8), placed before arrival, may be placed again on
    arrival (once)."""
    DATA_CORRECTED = "data_corrected"
    """The case's data differ from those its decision was made on (a correction): the decision
    is made again on the data as they are."""

    @property
    def words(self) -> str:
        """The ground in plain words."""
        return {
            Genvisitering.QUOTA_REFUGEE_ARRIVAL: "UN quota refugee on arrival",
            Genvisitering.DATA_CORRECTED: "data corrected since the decision",
        }[self]


@dataclass(frozen=True, slots=True)
class Decision:
    """One recorded placement."""

    case_id: str
    kommunekode: int
    persons: int
    grundlag: str
    """Legal basis: ``"quota"`` (§ 11 stk. 1) or the § 11 stk. 3-4 exception used."""
    case_hash: str
    forklaring: str = "{}"
    """JSON: the soft-term breakdown and best alternative, to explain the decision later."""


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A committed batch."""

    batch_no: int
    inputs_hash: str
    status: str
    cases: int
    persons: int
    summary: str
    decisions: tuple[Decision, ...]
    """The decisions the batch made, including those that later batches replaced."""
    replaced_later: tuple[str, ...] = ()
    """Cases whose decision in this batch a later batch replaced (*genvisitering*)."""
    re_placed: Mapping[str, str] = field(default_factory=dict)
    """Cases this batch placed again, with the ground of each."""


@dataclass(frozen=True, slots=True)
class KvoteStatus:
    """Quota use of one municipality."""

    kommunekode: int
    kvote: int
    placeret: int
    """Persons placed, on every legal basis."""
    sager: int = 0
    """Cases placed (:meth:`Ledger.status` only)."""
    undtagelser: int = 0
    """Of the persons placed, those placed under the legal bases :meth:`Ledger.status` was
    given as exceptions (§ 11 stk. 3-4)."""

    @property
    def rest(self) -> int:
        """Remaining quota (negative when exceptions placed persons beyond it)."""
        return self.kvote - self.placeret


@dataclass(frozen=True, slots=True)
class Replaced:
    """A decision that a later batch replaced (*genvisitering*)."""

    decision: Decision
    batch_no: int
    """The batch that made the replaced decision."""
    replaced_in: int
    """The batch that placed the case again."""
    begrundelse: str
    """The ground of the re-placement."""


@dataclass(frozen=True, slots=True)
class QuotaChange:
    """New quotas for the year, checked against the ledger and recorded with a batch."""

    quotas: tuple[tuple[int, int], ...]
    """(kommunekode, kvote), by kommunekode."""
    revision: str | None
    """The reason of a revision (decisions exist); ``None``: the year's first quotas."""
    previous: tuple[tuple[int, int], ...]
    """The quotas they replace, as the ledger read when the change was checked."""
    basis: str | None = None
    """What the new quotas were computed on (:mod:`visitering.kvoter.aarsgrundlag`, as text),
    kept for a later landstal increase (§ 7 stk. 9); ``None``: not known (quotas from a file)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a batch is placed against, read at one moment (:meth:`Ledger.snapshot`): quota use
    per municipality, the current decision of each of the batch's cases placed already, and
    which of its cases were placed again on arrival before (a UN quota refugee's one
    re-placement on that ground)."""

    status: tuple[KvoteStatus, ...]
    case_ids: tuple[str, ...]
    decisions: Mapping[str, Decision]
    arrived_before: frozenset[str] = frozenset()
    quota_change: QuotaChange | None = None
    """New quotas the batch is placed against, recorded with it; ``status`` shows them."""

    @property
    def placed(self) -> frozenset[str]:
        """The batch's cases placed already."""
        return frozenset(self.decisions)

    @property
    def year(self) -> dict[int, int]:
        """The year's quotas in force."""
        return {s.kommunekode: s.kvote for s in self.status}

    @property
    def remaining(self) -> dict[int, int]:
        """Remaining quota per municipality (never below 0)."""
        return self.remaining_without(())

    def remaining_without(self, case_ids: Sequence[str], signed: bool = False) -> dict[int, int]:
        """Remaining quota per municipality once the decisions of ``case_ids`` (cases placed
        again) no longer count: never below 0 (what a batch may still place under the quota),
        or, ``signed``, negative where exceptions placed persons beyond it (what the ledger and
        its exports show as ``rest``)."""
        back: dict[int, int] = {}
        for case_id in case_ids:
            d = self.decisions[case_id]
            back[d.kommunekode] = back.get(d.kommunekode, 0) + d.persons
        rest = {s.kommunekode: s.rest + back.get(s.kommunekode, 0) for s in self.status}
        return rest if signed else {k: max(r, 0) for k, r in rest.items()}


class LedgerChanged(Exception):
    """Another run recorded a batch or revised the quotas after a batch's :class:`Snapshot`;
    nothing of the batch was recorded."""


class LedgerBusy(Exception):
    """The ledger changed under every attempt at a batch
    (:data:`visitering.batch.LEDGER_ATTEMPTS`); nothing of it was recorded."""


class Ledger:
    """A year's ledger on an open SQLite connection (see :func:`visitering.io.open_database`)."""

    def __init__(
        self, connection: sqlite3.Connection, source: str = "ledger", create: bool = True
    ) -> None:
        """Use the ledger on ``connection``; an empty database becomes one only if ``create``.

        A database holding other tables, or only some of the ledger's, is refused untouched:
        adopting it would mix a year's decisions into somebody else's data, and re-creating a
        lost table would hide that decisions were lost.
        """
        self._db = connection
        self._source = source
        with self._transaction("IMMEDIATE" if create else "DEFERRED"):
            tables = self._tables()
            if tables or not create:
                self._check_tables(tables)
                row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
                schema = None if row is None else str(row[0])
                if schema in OLDER_SCHEMAS and create:
                    self._upgrade()
                elif schema != str(SCHEMA_VERSION) and schema not in OLDER_SCHEMAS:
                    found = "no schema version" if row is None else f"ledger schema {row[0]}"
                    raise InputError(
                        Problem(f"{found} is not supported (expected {SCHEMA_VERSION})", source)
                    )
                elif schema == str(SCHEMA_VERSION) and "genvisitering" not in tables:
                    raise InputError(Problem("damaged ledger: missing table genvisitering", source))
            else:
                for statement in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                    self._db.execute(statement)
                self._db.execute(_SCHEMA_2)
                self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            #: Schema 1, read without writing, has no re-placements.
            self._has_replacements = "genvisitering" in self._tables()
        if create:
            # For a ledger that batches are written to: a crash loses no committed batch.
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")

    def _tables(self) -> set[str]:
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        return {name for (name,) in self._db.execute(query)}

    def _upgrade(self) -> None:
        """Schema 1 → 2: the table of replaced decisions (nothing else changes)."""
        self._db.execute(_SCHEMA_2)
        self._db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA_VERSION),))

    def _check_tables(self, tables: set[str]) -> None:
        if not tables:
            raise InputError(Problem("not a visitering ledger (an empty database)", self._source))
        missing = sorted(set(LEDGER_TABLES) - tables)
        if len(missing) == len(LEDGER_TABLES):
            raise InputError(
                Problem(
                    f"not a visitering ledger (it holds other tables: {', '.join(sorted(tables))})",
                    self._source,
                )
            )
        if missing:
            raise InputError(
                Problem(
                    f"damaged ledger: missing table{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(missing)}",
                    self._source,
                )
            )

    @contextmanager
    def _transaction(self, kind: Literal["IMMEDIATE", "DEFERRED"] = "IMMEDIATE") -> Iterator[None]:
        """One transaction: ``IMMEDIATE`` to write, ``DEFERRED`` to read at one moment."""
        self._db.execute(f"BEGIN {kind}")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Read the ledger at one moment: every read inside sees the same committed batches,
        whatever another run records meanwhile (regression, ledger audit, stop 26: ``ledger
        status`` counted a batch recorded between two of its reads, without its persons)."""
        with self._transaction("DEFERRED"):
            yield

    # quotas -------------------------------------------------------------------------------
    def has_quotas(self) -> bool:
        count: int = self._db.execute("SELECT COUNT(*) FROM kvote").fetchone()[0]
        return count > 0

    def set_quotas(
        self, quotas: Mapping[int, int], revision: str | None = None, basis: str | None = None
    ) -> None:
        """Record the year's quotas at once (see :meth:`_quota_change` for the rules).

        A batch records new quotas with its decisions instead (:meth:`snapshot`), so that a
        batch that places nobody records no revision either.
        """
        with self._transaction():
            change = self._quota_change(quotas, revision, basis)
            if change is not None:
                self._apply(change)

    def kvotegrundlag(self) -> str | None:
        """What the quotas in force were computed on, as recorded with them (the text of a
        :class:`visitering.kvoter.aarsgrundlag.Kvotegrundlag`), or ``None`` if not known:
        quotas from a file, or a ledger from before this was recorded."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'kvotegrundlag'").fetchone()
        return None if row is None else str(row[0])

    def _quota_change(
        self, quotas: Mapping[int, int], revision: str | None, basis: str | None = None
    ) -> QuotaChange | None:
        """``quotas`` in place of the ledger's, checked; ``None`` if they are the same.

        Once decisions exist, the quotas change only as a recorded revision (a landstal change
        during the year, BEK nr. 550/2022 § 4 stk. 7 and § 7 stk. 8-11): ``revision`` is the
        reason.  The previous quotas are kept in ``kvote_revision``; decisions already made
        stand, and a municipality that already received more than its new quota has none left.
        """
        current = self.year_quotas()
        if current == dict(quotas):
            return None
        decided = self._db.execute("SELECT COUNT(*) FROM placering").fetchone()[0]
        previous = tuple(sorted(current.items()))
        if not (current and decided):
            return QuotaChange(tuple(sorted(quotas.items())), None, previous, basis)
        if revision is None:
            raise InputError(
                Problem(
                    "the ledger already holds decisions against other quotas; record a "
                    "landstal revision with --revise-quotas, or start a new ledger for a "
                    "new year",
                    self._source,
                )
            )
        if set(current) != set(quotas):
            raise InputError(
                Problem("revised quotas must cover the same municipalities", self._source)
            )
        return QuotaChange(tuple(sorted(quotas.items())), revision, previous, basis)

    def _apply(self, change: QuotaChange) -> None:
        """Record ``change``, and with it what the new quotas were computed on (or that it is
        not known)."""
        self._db.execute("DELETE FROM meta WHERE key = 'kvotegrundlag'")
        if change.basis is not None:
            self._db.execute("INSERT INTO meta VALUES ('kvotegrundlag', ?)", (change.basis,))
        if change.revision is None:
            self._db.execute("DELETE FROM kvote")
            self._db.executemany("INSERT INTO kvote VALUES (?, ?)", change.quotas)
            return
        last = self._db.execute("SELECT MAX(batch_no) FROM batch").fetchone()[0]
        self._db.execute(
            "INSERT INTO kvote_revision (after_batch, reason, previous) VALUES (?, ?, ?)",
            (last, change.revision, json.dumps(change.previous)),
        )
        self._db.executemany(
            "UPDATE kvote SET kvote = ? WHERE kommunekode = ?",
            [(q, k) for k, q in change.quotas],
        )

    def quotas_at(self, batch_no: int) -> dict[int, int]:
        """The year's quotas that were in force when batch ``batch_no`` was placed: those a
        later revision replaced first, else those in force now."""
        row = self._db.execute(
            "SELECT previous FROM kvote_revision WHERE after_batch >= ? ORDER BY revision_no "
            "LIMIT 1",
            (batch_no,),
        ).fetchone()
        if row is None:
            return self.year_quotas()
        return {int(k): int(q) for k, q in json.loads(row[0])}

    def revisions(self) -> list[tuple[int, int | None, str]]:
        """Recorded quota revisions: (revision number, last batch before it, reason)."""
        return [
            (n, b, r)
            for n, b, r in self._db.execute(
                "SELECT revision_no, after_batch, reason FROM kvote_revision ORDER BY revision_no"
            )
        ]

    def _revised_totals(self) -> tuple[list[tuple[int | None, int]], int]:
        """Per recorded revision, in order: (last batch before it, total of the quotas it
        replaced); and the total of the quotas in force."""
        revised = [
            (after, sum(q for _, q in json.loads(previous)))
            for after, previous in self._db.execute(
                "SELECT after_batch, previous FROM kvote_revision ORDER BY revision_no"
            )
        ]
        current = self._db.execute("SELECT COALESCE(SUM(kvote), 0) FROM kvote").fetchone()[0]
        return revised, int(current)

    def landstal_forloeb(self) -> list[int]:
        """The landstal path of the year so far: the total of the first quotas, then the total
        after each revision (the last is the total in force)."""
        revised, current = self._revised_totals()
        return [*(total for _, total in revised), current]

    def forloeb(self) -> list[tuple[int, int, int]]:
        """The year so far, batch by batch: (batch number, persons it added to the quotas'
        use, total quota in force for it).  A batch that places cases again adds their persons
        less those of the decisions it replaced.

        A revision recorded after batch *b* replaced quotas that were in force up to *b*, so
        each batch is paired with the quotas of the first revision recorded at or after it, or
        with the current quotas.
        """
        revised, current = self._revised_totals()
        given_back: dict[int, int] = {}
        if self._has_replacements:
            given_back = dict(
                self._db.execute(
                    "SELECT replaced_in, SUM(persons) FROM genvisitering GROUP BY replaced_in"
                ).fetchall()
            )
        out = []
        for batch_no, persons in self._db.execute(
            "SELECT batch_no, persons FROM batch ORDER BY batch_no"
        ):
            total = next(
                (t for after, t in revised if after is not None and after >= batch_no), current
            )
            out.append((batch_no, persons - given_back.get(batch_no, 0), total))
        return out

    def status(self, exceptions: Collection[str] = ()) -> list[KvoteStatus]:
        """Quota, persons and cases placed, and remaining per municipality, by kommunekode,
        for the decisions in force (replaced ones not counted); ``exceptions``: the legal
        bases (``grundlag``) whose persons :attr:`KvoteStatus.undtagelser` counts."""
        marks = ", ".join("?" * len(exceptions)) or "NULL"
        rows = self._db.execute(
            "SELECT k.kommunekode, k.kvote, COALESCE(SUM(p.persons), 0), COUNT(p.case_id), "
            f"COALESCE(SUM(CASE WHEN p.grundlag IN ({marks}) THEN p.persons END), 0) "
            "FROM kvote k LEFT JOIN placering p ON p.kommunekode = k.kommunekode "
            "GROUP BY k.kommunekode ORDER BY k.kommunekode",
            tuple(sorted(exceptions)),
        ).fetchall()
        return [KvoteStatus(*row) for row in rows]

    def batch_count(self) -> int:
        """Batches recorded so far."""
        return int(self._db.execute("SELECT COUNT(*) FROM batch").fetchone()[0])

    def remaining(self) -> dict[int, int]:
        """Remaining quota per municipality (never below 0)."""
        return Snapshot(tuple(self.status()), (), {}).remaining

    def snapshot(
        self,
        case_ids: Sequence[str],
        quotas: Mapping[int, int] | None = None,
        revision: str | None = None,
        revised_from: Mapping[int, int] | None = None,
        basis: str | None = None,
    ) -> Snapshot:
        """Quota use, and the current decision of each of ``case_ids`` placed, read in one
        transaction.

        With ``quotas`` (and, once decisions exist, the ``revision`` that changes them; see
        :meth:`_quota_change`), quota use as it will be under them: the change is checked now
        and recorded only with the batch (:meth:`record_batch`, :meth:`record_quotas`).
        ``revised_from``: the quotas in force that ``quotas`` were worked out from (a landstal
        revision scales them); :class:`LedgerChanged` if another run has changed them since.
        ``basis``: what ``quotas`` were computed on, recorded with them (:meth:`kvotegrundlag`).
        """
        with self._transaction("DEFERRED"):
            change = None if quotas is None else self._quota_change(quotas, revision, basis)
            if revised_from is not None and self.year_quotas() != dict(revised_from):
                raise LedgerChanged
            return self._snapshot(case_ids, change)

    def year_quotas(self) -> dict[int, int]:
        """The year's quotas in force, per kommunekode."""
        return dict(
            self._db.execute("SELECT kommunekode, kvote FROM kvote ORDER BY kommunekode").fetchall()
        )

    def _snapshot(self, case_ids: Sequence[str], change: QuotaChange | None = None) -> Snapshot:
        ids = tuple(case_ids)
        status = tuple(self.status())
        if change is not None:
            placed = {s.kommunekode: s.placeret for s in status}
            status = tuple(KvoteStatus(k, q, placed.get(k, 0)) for k, q in change.quotas)
        query = f"SELECT {_DECISION} FROM placering WHERE case_id IN ({{}})"
        decisions = {row[0]: Decision(*row) for row in self._select_in(query, ids)}
        replaced: frozenset[str] = frozenset()
        if self._has_replacements:
            query = (
                "SELECT DISTINCT case_id FROM genvisitering WHERE begrundelse = "
                f"'{Genvisitering.QUOTA_REFUGEE_ARRIVAL}' AND case_id IN ({{}})"
            )
            replaced = frozenset(row[0] for row in self._select_in(query, ids))
        return Snapshot(status, ids, decisions, replaced, change)

    def _select_in(self, query: str, ids: Sequence[str]) -> list[tuple[Any, ...]]:
        """``query`` with its ``IN ({})`` list filled with ``ids``, 500 at a time (SQLite
        limits the number of parameters)."""
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            rows += self._db.execute(query.format(",".join("?" * len(chunk))), chunk).fetchall()
        return rows

    # batches ------------------------------------------------------------------------------
    def placed_case_ids(self, case_ids: Sequence[str]) -> set[str]:
        """Which of ``case_ids`` are already placed."""
        query = "SELECT case_id FROM placering WHERE case_id IN ({})"
        return {row[0] for row in self._select_in(query, case_ids)}

    def find_batch(self, inputs_hash: str) -> BatchRecord | None:
        """The committed batch with these inputs, if any."""
        row = self._db.execute(
            "SELECT batch_no, inputs_hash, status, cases, persons, summary FROM batch "
            "WHERE inputs_hash = ?",
            (inputs_hash,),
        ).fetchone()
        return None if row is None else self._batch_record(row)

    def batch_of_cases(self, case_ids: Collection[str]) -> BatchRecord | None:
        """The committed batch that an earlier week's file ``case_ids`` recorded, if any: that
        file run again after its inputs' hash changed (the quotas were revised since, say),
        found by its cases: those it placed and those it left out as placed before (recorded
        with it; a batch recorded before they were is found by the cases it placed alone).
        Decisions replaced since count for the batch that made them.  Regression (fuzz audit
        and review, stop 28): a week whose file also held an earlier week's case was not
        found, and its re-run wrote an empty export over the week's own."""
        wanted = set(case_ids)
        members: dict[int, set[str]] = {}
        tables = ("placering", "genvisitering") if self._has_replacements else ("placering",)
        for table in tables:
            for case_id, batch_no in self._db.execute(f"SELECT case_id, batch_no FROM {table}"):
                members.setdefault(batch_no, set()).add(case_id)
        for batch_no, summary in self._db.execute("SELECT batch_no, summary FROM batch"):
            skipped = json.loads(summary).get("skipped_case_ids", ())
            members.setdefault(batch_no, set()).update(skipped)
        found = next((b for b, ids in sorted(members.items()) if ids == wanted), None)
        if found is None:
            return None
        row = self._db.execute(
            "SELECT batch_no, inputs_hash, status, cases, persons, summary FROM batch "
            "WHERE batch_no = ?",
            (found,),
        ).fetchone()
        return self._batch_record(row)

    def _batch_record(self, row: tuple[Any, ...]) -> BatchRecord:
        decisions = [
            Decision(*d)
            for d in self._db.execute(
                f"SELECT {_DECISION} FROM placering WHERE batch_no = ?", (row[0],)
            )
        ]
        replaced_later: list[str] = []
        re_placed: dict[str, str] = {}
        if self._has_replacements:
            for d in self._db.execute(
                f"SELECT {_DECISION} FROM genvisitering WHERE batch_no = ?", (row[0],)
            ):
                decisions.append(Decision(*d))
                replaced_later.append(d[0])
            re_placed = dict(
                self._db.execute(
                    "SELECT case_id, begrundelse FROM genvisitering WHERE replaced_in = ? "
                    "ORDER BY case_id",
                    (row[0],),
                ).fetchall()
            )
        batch_no, hash_, status, cases, persons, summary = row
        return BatchRecord(
            batch_no,
            hash_,
            status,
            cases,
            persons,
            summary,
            tuple(sorted(decisions, key=lambda d: d.case_id)),
            tuple(sorted(replaced_later)),
            re_placed,
        )

    def record_batch(
        self,
        inputs_hash: str,
        status: str,
        summary: str,
        decisions: Sequence[Decision],
        solved_against: Snapshot | None = None,
        replacing: Mapping[str, str] | None = None,
    ) -> BatchRecord:
        """Commit a batch and its decisions in one transaction (all or nothing).

        With ``solved_against``, the snapshot the batch was placed against, only if the ledger
        still reads the same in that transaction; otherwise :class:`LedgerChanged`.
        ``replacing``: cases placed before that this batch places again, with the ground of each
        (*genvisitering*); their earlier decisions move to ``genvisitering``.
        """
        replacing = dict(replacing or {})
        if not set(replacing) <= {d.case_id for d in decisions}:
            raise ValueError("a case placed again needs a new decision in the batch")
        with self._transaction():
            if solved_against is not None:
                self._still(solved_against)
            batch_no = self._db.execute(
                "INSERT INTO batch (inputs_hash, status, cases, persons, summary) "
                "VALUES (?, ?, ?, ?, ?)",
                (inputs_hash, status, len(decisions), sum(d.persons for d in decisions), summary),
            ).lastrowid
            for case_id, ground in sorted(replacing.items()):
                moved = self._db.execute(
                    f"INSERT INTO genvisitering ({_DECISION}, batch_no, replaced_in, "
                    f"begrundelse) SELECT {_DECISION}, batch_no, ?, ? FROM placering "
                    "WHERE case_id = ?",
                    (batch_no, str(ground), case_id),
                ).rowcount
                if moved != 1:
                    raise ValueError(f"case {case_id} has no decision to replace")
                self._db.execute("DELETE FROM placering WHERE case_id = ?", (case_id,))
            self._db.executemany(
                "INSERT INTO placering VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        d.case_id,
                        batch_no,
                        d.kommunekode,
                        d.persons,
                        d.grundlag,
                        d.case_hash,
                        d.forklaring,
                    )
                    for d in decisions
                ],
            )
        record = self.find_batch(inputs_hash)
        assert record is not None
        return record

    def record_quotas(self, solved_against: Snapshot) -> None:
        """Record the quota change a batch was placed against when it records no decision
        (every case placed already); :class:`LedgerChanged` as :meth:`record_batch`."""
        with self._transaction():
            self._still(solved_against)

    def _still(self, seen: Snapshot) -> None:
        """In a write transaction: :class:`LedgerChanged` unless the ledger reads as ``seen``
        (its quotas included), then record ``seen``'s quota change."""
        change = seen.quota_change
        if change is not None:
            try:
                change = self._quota_change(dict(change.quotas), change.revision, change.basis)
            except InputError:  # decisions recorded meanwhile: the next attempt says why
                raise LedgerChanged from None
        if self._snapshot(seen.case_ids, change) != seen:
            raise LedgerChanged
        if change is not None:
            self._apply(change)

    def replaced(self, case_id: str) -> list[Replaced]:
        """The decisions on ``case_id`` that later batches replaced, oldest first."""
        if not self._has_replacements:
            return []
        return [
            Replaced(Decision(*row[:6]), *row[6:])
            for row in self._db.execute(
                f"SELECT {_DECISION}, batch_no, replaced_in, begrundelse FROM genvisitering "
                "WHERE case_id = ? ORDER BY replaced_in",
                (case_id,),
            )
        ]

    def decision(self, case_id: str) -> tuple[Decision, int] | None:
        """The recorded decision for ``case_id`` and its batch number."""
        row = self._db.execute(
            f"SELECT {_DECISION}, batch_no FROM placering WHERE case_id = ?",
            (case_id,),
        ).fetchone()
        return None if row is None else (Decision(*row[:6]), row[6])
