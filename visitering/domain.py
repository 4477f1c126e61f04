"""Validated domain objects shared by every layer: regions, municipalities and quota inputs.

Vocabulary (BEK nr. 550 af 3. maj 2022):

* *kommune* — one of the 98 municipalities, identified by its 3-digit *kommunekode*;
* *region* — one of the five regions (DAGI codes 1081-1085);
* *befolkning* (P_k) — population on 1 January of the year the landstal is announced (§ 4 stk. 2);
* *indvandrere* (I_k) — immigrants of non-Western origin on the same date (§ 4 stk. 2);
* *familiesammenførte* (F_k) — family members reunified with refugees in the previous year
  (§ 4 stk. 3).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, order=True)
class Region:
    """One of the five regions; ``kode`` is the DAGI code (1081 Nordjylland ... 1085 Sjælland)."""

    kode: int
    navn: str

    @property
    def kort_navn(self) -> str:
        """The name without the word 'Region' (``"Nordjylland"``)."""
        return self.navn.removeprefix("Region ").strip()

    @property
    def kkr_navn(self) -> str:
        """The regional council of municipalities (KKR) that agrees the region's split."""
        return f"KKR {self.kort_navn}"

    @property
    def slug(self) -> str:
        """ASCII file-name fragment: ``"Sjaelland"`` for Region Sjælland."""
        return ascii_slug(self.kort_navn)


@dataclass(frozen=True, slots=True, order=True)
class Kommune:
    """A municipality: official kommunekode, DST name, and its region."""

    kode: int
    navn: str
    region: Region = field(compare=False)


class Kommuner(Mapping[int, Kommune]):
    """The municipalities of Denmark, ordered by kommunekode, looked up by code."""

    def __init__(self, kommuner: list[Kommune]) -> None:
        ordered = sorted(kommuner, key=lambda k: k.kode)
        self._by_code = {k.kode: k for k in ordered}
        if len(self._by_code) != len(ordered):
            raise ValueError("duplicate kommunekode in the municipality list")
        self.regioner: tuple[Region, ...] = tuple(sorted({k.region for k in ordered}))

    def __getitem__(self, kode: int) -> Kommune:
        return self._by_code[kode]

    def __iter__(self) -> Iterator[int]:
        return iter(self._by_code)

    def __len__(self) -> int:
        return len(self._by_code)

    def i_region(self, region: Region) -> list[Kommune]:
        """The municipalities of ``region``, by kommunekode."""
        return [k for k in self._by_code.values() if k.region == region]

    def region(self, kode: int) -> Region:
        """The region with DAGI code ``kode``."""
        for r in self.regioner:
            if r.kode == kode:
                return r
        raise KeyError(kode)


@dataclass(frozen=True, slots=True)
class KommuneGrundlag:
    """The three figures the distribution key needs for one municipality (§ 4 stk. 2-3)."""

    kommune: Kommune
    befolkning: int
    indvandrere: int
    familiesammenfoerte: int


@dataclass(frozen=True, slots=True)
class Kolonnekilde:
    """Where one input column of the key comes from, and whether it is a proxy.

    ``symbol`` is the law's name (``P_k``, ``I_k``, ``F_k``), ``kolonne`` the column in files.
    """

    symbol: str
    kolonne: str
    kilde: str
    proxy: bool
    proxy_grund: str = ""
    """Why it is a proxy, as a predicate of the symbol: ``"is empty and taken as 0"``."""

    @property
    def proxy_text(self) -> str:
        """The column's part of a proxy notice (``F_k is empty ...``)."""
        return (
            f"{self.symbol} {self.proxy_grund}"
            if self.proxy_grund
            else f"{self.symbol} is {self.kilde}"
        )

    def __str__(self) -> str:
        proxy = "yes" if self.proxy else "no"
        return f"{self.symbol} {self.kolonne}: {self.kilde} (proxy: {proxy})"


#: How every proxy notice begins (:attr:`Fordelingsgrundlag.proxy_note`); outputs and a
#: comparison of two outputs find the notice by it.
PROXY_PREFIX = "PROXY DATA - not official quotas: "


@dataclass(frozen=True, slots=True)
class Fordelingsgrundlag:
    """All inputs of the distribution key: one :class:`KommuneGrundlag` per municipality.

    Parameters
    ----------
    kommuner:
        One entry per municipality, ordered by kommunekode.
    kilde:
        Where the figures come from, in one line (shown in terminal output and exports).
    proxy_note:
        ``None`` when the figures are the law's own inputs; otherwise one line saying which
        inputs are proxies.  Every output computed on proxy inputs repeats this line.
    data_aar:
        The data year: P_k is counted on 1 January of it, and I_k too unless its column says
        otherwise (``None`` if not recorded).
    kolonner:
        The source of each input column (P_k, I_k, F_k), repeated in every output.
    advarsler:
        Warnings about the inputs that do not stop the computation (e.g. F_k not filled in).
    """

    kommuner: tuple[KommuneGrundlag, ...]
    kilde: str
    proxy_note: str | None = None
    data_aar: int | None = None
    kolonner: tuple[Kolonnekilde, ...] = ()
    advarsler: tuple[str, ...] = ()

    @property
    def is_proxy(self) -> bool:
        return self.proxy_note is not None


def ascii_slug(text: str) -> str:
    """A file-name-safe ASCII form of a Danish name (æ → ae, ø → oe, å → aa)."""
    table = str.maketrans({"æ": "ae", "Æ": "Ae", "ø": "oe", "Ø": "Oe", "å": "aa", "Å": "Aa"})
    plain = unicodedata.normalize("NFKD", text.translate(table))
    kept = "".join(c if c.isalnum() else "-" for c in plain if not unicodedata.combining(c))
    return "-".join(part for part in kept.split("-") if part)
