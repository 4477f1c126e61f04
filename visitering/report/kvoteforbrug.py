"""Quota use for the year so far, from the ledger: the terminal table, the JSON document and
the CSV files for the regional councils (KKR).

Every placement draws down its municipality's kommunekvote (BEK nr. 550/2022 § 11 stk. 1), a
placement under a § 11 stk. 3-4 exception included, so ``rest`` can be negative.  The files
hold counts only, never a case: fit to send to a municipality or a KKR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from visitering.domain import Kommuner, Region
from visitering.formats import csvtext
from visitering.formats.csvtext import Cell, Dialect
from visitering.kvoter.aarsgrundlag import Kvotegrundlag
from visitering.kvoter.apportionment import METHOD_LABELS
from visitering.ledger import KvoteStatus

COLUMNS = (
    "kommunekode",
    "kommune",
    "regionskode",
    "region",
    "kvote",
    "placeret_personer",
    "placeret_sager",
    "heraf_undtagelser_personer",
    "rest",
)


@dataclass(frozen=True, slots=True)
class Revision:
    """A recorded quota revision (§ 4 stk. 7, § 7 stk. 8-11)."""

    number: int
    after_batch: int | None
    reason: str

    @property
    def line(self) -> str:
        when = "before any batch" if self.after_batch is None else f"after batch {self.after_batch}"
        return f"Quotas revised {when}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Kvoteforbrug:
    """A ledger's quota use: per municipality, and how the year got there."""

    status: tuple[KvoteStatus, ...]
    batches: int
    revisions: tuple[Revision, ...] = ()
    grundlag: Kvotegrundlag | None = None
    """What the quotas in force were computed on (§ 7 stk. 9), if the ledger records it."""
    grundlag_ulaeseligt: bool = False
    """The ledger records a basis, but it cannot be read (a damaged ledger)."""

    def grundlag_line(self) -> str:
        """What a landstal increase would be re-computed on, in one line."""
        g = self.grundlag
        if self.grundlag_ulaeseligt:
            return (
                "The recorded basis of the quotas cannot be read (damaged ledger): a landstal "
                "increase (§ 7 stk. 9) goes through 'visitering revise'."
            )
        if g is None:
            return (
                "No basis of the quotas recorded (quotas from a file, or a ledger begun before "
                "visitering recorded it): a landstal increase (§ 7 stk. 9) goes through "
                "'visitering revise'."
            )
        offers = sum(g.frivillige.values())
        left = (
            f"volunteers' offers left: {offers} persons ({len(g.frivillige)} "
            f"municipalit{'y' if len(g.frivillige) == 1 else 'ies'})"
            if offers
            else "volunteers' offers left: none"
        )
        agreed = (
            "; a KKR agreement (§§ 5-6) in force, which lapses at the next change"
            if g.paragraf7 is not None
            else ""
        )
        rules = (
            "; the threshold of before 2018 (a change above 50 % is mandatory, § 2 stk. 5)"
            if g.before_2018
            else ""
        )
        return (
            f"Quotas computed on: {g.grundlag.kilde}; {METHOD_LABELS[g.metode]}; {left}{agreed}"
            f"{rules}. A landstal increase is re-computed on these (§ 7 stk. 9)."
        )

    @property
    def proxy_notes(self) -> list[str]:
        """The proxy notice of the data the quotas were computed on, if recorded (none for
        quotas from a file: the ledger does not know what they were computed on)."""
        note = None if self.grundlag is None else self.grundlag.grundlag.proxy_note
        return [] if note is None else [note]

    def totals(self) -> tuple[int, int, int, int]:
        """Quota, persons placed, cases placed and exception persons, all municipalities."""
        s = self.status
        return (
            sum(r.kvote for r in s),
            sum(r.placeret for r in s),
            sum(r.sager for r in s),
            sum(r.undtagelser for r in s),
        )


def rows(
    forbrug: Kvoteforbrug, kommuner: Kommuner, region: Region | None = None
) -> list[list[Cell]]:
    """One row per municipality (of ``region``, if given), in kommunekode order."""
    out: list[list[Cell]] = []
    for s in forbrug.status:
        k = kommuner[s.kommunekode]
        if region is None or k.region == region:
            out.append(
                [
                    s.kommunekode,
                    k.navn,
                    k.region.kode,
                    k.region.navn,
                    s.kvote,
                    s.placeret,
                    s.sager,
                    s.undtagelser,
                    s.rest,
                ]
            )
    return out


def header_lines(forbrug: Kvoteforbrug, title: str) -> list[str]:
    """What the numbers are: the title, the proxy notice of the quotas' data, the batches
    behind them and every revision."""
    return [
        title,
        *forbrug.proxy_notes,
        f"Batches recorded: {forbrug.batches}. Persons placed under a § 11 stk. 3-4 exception "
        "count against the quota like any other (heraf_undtagelser_personer); counts only.",
        *(r.line for r in forbrug.revisions),
    ]


def export_files(forbrug: Kvoteforbrug, kommuner: Kommuner, dialect: Dialect) -> dict[str, bytes]:
    """``kvoteforbrug.csv`` (every municipality) and one ``kvoteforbrug_KKR_<region>.csv`` per
    region."""
    files = {
        "kvoteforbrug.csv": csvtext.render(
            COLUMNS,
            rows(forbrug, kommuner),
            dialect,
            header_lines(forbrug, "Visitering: quota use for the year so far, per municipality"),
        )
    }
    regions = sorted({k.region for k in kommuner.values()}, key=lambda r: r.kode)
    for region in regions:
        files[f"kvoteforbrug_KKR_{region.slug}.csv"] = csvtext.render(
            COLUMNS,
            rows(forbrug, kommuner, region),
            dialect,
            header_lines(forbrug, f"Visitering: quota use for the year so far, {region.kkr_navn}"),
        )
    return files


def json_document(forbrug: Kvoteforbrug, kommuner: Kommuner) -> dict[str, Any]:
    """The JSON form: batches, revisions, one object per municipality and the totals."""
    kvote, placeret, sager, undtagelser = forbrug.totals()
    g = forbrug.grundlag
    return {
        "batches": forbrug.batches,
        "kvotegrundlag": None
        if g is None
        else {
            "kilde": g.grundlag.kilde,
            "data_aar": g.grundlag.data_aar,
            "metode": str(g.metode),
            "frivillige_tilbage": {str(k): v for k, v in sorted(g.frivillige.items())},
            "aftale_i_kraft": g.paragraf7 is not None,
            "foer_2018": g.before_2018,
        },
        "kvotegrundlag_ulaeseligt": forbrug.grundlag_ulaeseligt,
        "proxy_note": next(iter(forbrug.proxy_notes), None),
        "revisions": [
            {"revision": r.number, "after_batch": r.after_batch, "reason": r.reason}
            for r in forbrug.revisions
        ],
        "kommuner": [dict(zip(COLUMNS, row, strict=True)) for row in rows(forbrug, kommuner)],
        "i_alt": {
            "kvote": kvote,
            "placeret_personer": placeret,
            "placeret_sager": sager,
            "heraf_undtagelser_personer": undtagelser,
            "rest": kvote - placeret,
        },
    }


def terminal_text(forbrug: Kvoteforbrug, kommuner: Kommuner) -> str:
    """What the quotas were computed on, a table per municipality with a total row, then the
    revisions."""
    lines = [
        forbrug.grundlag_line(),
        *forbrug.proxy_notes,
        f"Batches recorded: {forbrug.batches}. Persons placed, of them under a § 11 stk. 3-4 "
        "exception, and cases:",
        _line("kode", "kommune", "kvote", "placeret", "undtag.", "sager", "rest"),
    ]
    for s in forbrug.status:
        name = kommuner[s.kommunekode].navn
        lines.append(
            _line(s.kommunekode, name, s.kvote, s.placeret, s.undtagelser, s.sager, s.rest)
        )
    kvote, placeret, sager, undtagelser = forbrug.totals()
    lines.append(_line("", "i alt", kvote, placeret, undtagelser, sager, kvote - placeret))
    lines += [r.line for r in forbrug.revisions]
    return "\n".join(lines) + "\n"


def _line(*cells: object) -> str:
    widths: Sequence[int] = (-5, -18, 7, 9, 8, 6, 6)
    return "  " + " ".join(
        f"{c!s:<{-w}}" if w < 0 else f"{c!s:>{w}}" for c, w in zip(cells, widths, strict=True)
    )
