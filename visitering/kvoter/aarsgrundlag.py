"""What a year's quotas were computed on, kept with them for a landstal increase.

BEK nr. 550/2022 § 7 stk. 9: an increase of the landstal during the year is a re-computation
on the **same data** as the first announcement, with the municipalities that volunteered in
writing served first.  A ledger that started the year from ``--landstal`` or a scenario's
``[kvoter]`` therefore records, beside the quotas, a :class:`Kvotegrundlag`: the key's figures
as they were (not a data year to look up again: embedded data may be corrected in a later
release), the rounding method and the volunteers' offers not yet used.  A decrease (§ 7 stk. 8)
scales the quotas in force, with the same method.

A KKR agreement or deviation (§ 7 stk. 6) lapses on a change of the landstal unless it says how
to handle one (docs/rules.md, as :func:`visitering.scenario.run.run_quotas` reads it): while the
quotas in force are agreed ones, the record also keeps the § 7 quotas they deviate from, and the
first change starts from those.

The record is text (JSON, one line, keys sorted: the same basis gives the same bytes); reading
it back checks it as any input is checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from visitering.domain import Fordelingsgrundlag, KommuneGrundlag, Kommuner
from visitering.errors import InputError, Problem
from visitering.kvoter.apportionment import Method
from visitering.kvoter.revision import Revisionstrin, revisionstrin

#: Version of the record's layout.
FORMAT = 1


@dataclass(frozen=True)
class Kvotegrundlag:
    """The basis of the quotas in force: figures, method, offers left (§ 7 stk. 9)."""

    grundlag: Fordelingsgrundlag
    metode: Method = Method.LARGEST_REMAINDER
    frivillige: Mapping[int, int] = field(default_factory=dict)
    """Extra persons each volunteer municipality offered and has not yet been given."""
    before_2018: bool = False
    paragraf7: Mapping[int, int] | None = None
    """The § 7 quotas that the quotas in force deviate from by a KKR agreement (§§ 5-6), which
    lapses on the next change; ``None`` when the quotas in force are § 7 quotas."""
    landstal: int | None = None
    """The landstal in force, which a § 4 stk. 6 or § 7 stk. 6 deviation makes the quotas sum
    to another figure than; ``None``: their sum (records made before stop 27)."""

    def revider(
        self, kvoter: Mapping[int, int], landstal: int
    ) -> tuple[Revisionstrin, Kvotegrundlag]:
        """The quotas in force ``kvoter`` changed to ``landstal`` (§ 7 stk. 8-9), and the basis
        after it: the offers served in this step are used up, and an agreement has lapsed (the
        change starts from the § 7 quotas).  An unchanged landstal changes nothing.  The change
        is that of the landstal in force (:attr:`landstal`; see :func:`revisionstrin`).
        """
        old = sum(kvoter.values()) if self.landstal is None else self.landstal
        start = kvoter
        if self.paragraf7 is not None and landstal != old:
            start = self.paragraf7
        trin = revisionstrin(
            self.grundlag,
            start,
            landstal,
            self.metode,
            self.frivillige,
            self.before_2018,
            self.landstal,
        )
        return trin, self.efter(trin, kvoter)

    def efter(self, trin: Revisionstrin, kvoter: Mapping[int, int]) -> Kvotegrundlag:
        """The basis after the step ``trin`` from the quotas in force ``kvoter``: the offers it
        served are used up, the landstal is the step's, and an agreement lapses if the quotas
        changed (§ 7 stk. 8-11)."""
        after = replace(self.used([trin]), landstal=trin.til_landstal)
        return after if trin.kvoter_efter == dict(kvoter) else replace(after, paragraf7=None)

    def used(self, trin: Iterable[Revisionstrin]) -> Kvotegrundlag:
        """The basis after the revision steps ``trin`` (a scenario's landstal path): the
        offers they served are used up."""
        left = dict(self.frivillige)
        for step in trin:
            for code, given in step.frivillige.items():
                left[code] -= given
        return replace(self, frivillige={k: v for k, v in left.items() if v > 0})

    def to_text(self) -> str:
        """The record as the ledger keeps it."""
        record = {
            "format": FORMAT,
            "kilde": self.grundlag.kilde,
            "proxy_note": self.grundlag.proxy_note,
            "data_aar": self.grundlag.data_aar,
            "kommuner": [
                [g.kommune.kode, g.befolkning, g.indvandrere, g.familiesammenfoerte]
                for g in self.grundlag.kommuner
            ],
            "metode": str(self.metode),
            "frivillige": {str(k): v for k, v in sorted(self.frivillige.items())},
            "before_2018": self.before_2018,
            "paragraf7": None
            if self.paragraf7 is None
            else {str(k): v for k, v in sorted(self.paragraf7.items())},
            **({} if self.landstal is None else {"landstal": self.landstal}),
        }
        return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_text(cls, text: str, kommuner: Kommuner, source: str) -> Kvotegrundlag:
        """The record read back; an :class:`InputError` naming ``source`` if it is damaged."""
        try:
            return cls._parse(json.loads(text), kommuner)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise InputError(
                Problem("damaged ledger: the basis of the year's quotas cannot be read", source)
            ) from None

    @classmethod
    def _parse(cls, record: dict[str, Any], kommuner: Kommuner) -> Kvotegrundlag:
        if record["format"] != FORMAT:
            raise ValueError(record["format"])
        rows = [
            KommuneGrundlag(kommuner[int(kode)], _count(p), _count(i), _count(f))
            for kode, p, i, f in record["kommuner"]
        ]
        if sorted(g.kommune.kode for g in rows) != sorted(kommuner):
            raise ValueError("municipalities")
        if not sum(g.befolkning for g in rows) or not sum(g.indvandrere for g in rows):
            raise ValueError("figures")  # the key divides by both totals (§ 4 stk. 2)
        grundlag = Fordelingsgrundlag(
            tuple(sorted(rows, key=lambda g: g.kommune.kode)),
            _text(record["kilde"]),
            None if record["proxy_note"] is None else _text(record["proxy_note"]),
            None if record["data_aar"] is None else _count(record["data_aar"]),
        )
        frivillige = {int(k): _count(v) for k, v in record["frivillige"].items()}
        if not set(frivillige) <= set(kommuner):
            raise ValueError("volunteers")
        before_2018 = record["before_2018"]
        if not isinstance(before_2018, bool):
            raise ValueError(before_2018)
        paragraf7 = record["paragraf7"]
        if paragraf7 is not None:
            paragraf7 = {int(k): _count(v) for k, v in paragraf7.items()}
            if sorted(paragraf7) != sorted(kommuner):
                raise ValueError("paragraf7")
        landstal = record.get("landstal")  # recorded since stop 27
        return cls(
            grundlag,
            Method(record["metode"]),
            frivillige,
            before_2018,
            paragraf7,
            None if landstal is None else _count(landstal),
        )


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(value)
    return value
