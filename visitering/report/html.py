"""A self-contained HTML report of one quota computation, for a KKR secretariat's browser.

One file, nothing to fetch: the CSS is inline, every image is a ``data:`` URI, there is no
script, and a Content-Security-Policy forbids the browser to load anything else.  It shows what
the CSV exports show (BEK nr. 550/2022 §§ 4 and 7): the header lines with the proxy notice when
the inputs are proxies, the region quotas, the maps and every municipality's quota with its
fordelingstal and legal basis.

:func:`render_report` returns UTF-8 bytes, identical for identical input.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from visitering.kvoter.beregning import Grundlag, Kvoteberegning
from visitering.report import kvoter
from visitering.report.numbers import dec, thousands

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
"""Only inline styles and embedded images: opening the report makes no request."""

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem;
       color: #1a1a1a; max-width: 72rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.notice { border: 2px solid #b35806; background: #fee0b6; padding: .75rem 1rem; font-weight: 600; }
.meta { color: #444; font-size: .9rem; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border-bottom: 1px solid #ddd; padding: .2rem .5rem; text-align: left; }
th { background: #f0f0f0; position: sticky; top: 0; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.nul td { background: #efefef; color: #555; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: .9rem; color: #444; }
""".strip()


MAP_CAPTIONS = {
    "kort_kommunekvote.png": "Kommunekvote per municipality",
    "kort_kvote_pr_1000.png": "Kommunekvote per 1,000 inhabitants",
    "kort_nulkvote.png": "Municipalities without quota",
}
"""Captions of the maps of :func:`visitering.report.kort.kort_filer`, by file name."""


@dataclass(frozen=True, slots=True)
class Figur:
    """An image for the report: a caption and the PNG's bytes."""

    titel: str
    png: bytes


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI, so the report needs no other file."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _cells(values: Iterable[str], numeric: Sequence[bool], tag: str = "td") -> str:
    scope = ' scope="col"' if tag == "th" else ""  # a header cell names its column
    return "".join(
        f'<{tag}{scope} class="n">{v}</{tag}>' if n else f"<{tag}{scope}>{v}</{tag}>"
        for v, n in zip(values, numeric, strict=True)
    )


Row = tuple[str, str, list[str]]
"""A table row: CSS class, element id (either may be empty) and the escaped cells."""


def _table(table_id: str, caption: str, head: Sequence[str], rows: Iterable[Row]) -> str:
    """A table with its caption (what a screen reader announces); a column is numeric
    (right-aligned) when its header starts with ``#``."""
    numeric = [h.startswith("#") for h in head]
    names = [escape(h.removeprefix("#")) for h in head]
    body = "\n".join(
        "<tr"
        + (f' id="{row_id}"' if row_id else "")
        + (f' class="{cls}"' if cls else "")
        + f">{_cells(cells, numeric)}</tr>"
        for cls, row_id, cells in rows
    )
    return (
        f'<table id="{table_id}"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{_cells(names, numeric, 'th')}</tr></thead>"
        f"<tbody>\n{body}\n</tbody></table>"
    )


def _regions(result: Kvoteberegning, in_force: Mapping[int, int] | None) -> str:
    head = ["#regionskode", "region", "#fordelingstal", "#regionskvote", "grundlag"]
    region_in_force: dict[int, int] = {}
    if in_force is not None:
        head.append("#kvote i kraft")
        for q in result.kommuner:
            code = q.kommune.region.kode
            region_in_force[code] = region_in_force.get(code, 0) + in_force.get(q.kommune.kode, 0)
    rows: list[Row] = [
        (
            "",
            f"r{r.region.kode}",
            [
                str(r.region.kode),
                escape(r.region.navn),
                dec(r.fordelingstal, 4),
                str(r.regionskvote),
                escape(str(r.grundlag) + (f": {r.begrundelse}" if r.begrundelse else "")),
            ]
            + ([] if in_force is None else [str(region_in_force.get(r.region.kode, 0))]),
        )
        for r in result.regioner
    ]
    total = sum(r.regionskvote for r in result.regioner)
    last = [] if in_force is None else [f"<strong>{sum(region_in_force.values())}</strong>"]
    rows.append(
        ("", "", ["", "<strong>i alt</strong>", "", f"<strong>{total}</strong>", "", *last])
    )
    return _table(
        "regioner", "Region quotas: the sum of each region's municipal quotas", head, rows
    )


def _municipalities(result: Kvoteberegning, in_force: Mapping[int, int] | None) -> str:
    head = [
        "#kommunekode",
        "kommune",
        "region",
        "#befolkning",
        "#indvandrere",
        "#familiesammenførte",
        "#fordelingstal t_k",
        "#beregnet kvote",
        "#kommunekvote",
        "grundlag",
    ]
    if in_force is not None:
        head.append("#kvote i kraft")
    rows: list[Row] = []
    for q in result.kommuner:
        g = q.noegle.grundlag
        zero = q.noegle.foreloebigt_fordelingstal <= 0
        basis = "nul-kvote (v_k ≤ 0)" if zero and q.grundlag is Grundlag.BEREGNET else q.grundlag
        reason = f": {q.begrundelse}" if q.begrundelse else ""
        rows.append(
            (
                "nul" if zero else "",
                f"k{q.kommune.kode}",
                [
                    str(q.kommune.kode),
                    escape(q.kommune.navn),
                    escape(q.kommune.region.kort_navn),
                    thousands(g.befolkning),
                    thousands(g.indvandrere),
                    thousands(g.familiesammenfoerte),
                    dec(q.noegle.fordelingstal, 4),
                    str(q.beregnet_kvote),
                    str(q.kommunekvote),
                    escape(f"{basis}{reason}"),
                ]
                + ([] if in_force is None else [str(in_force.get(q.kommune.kode, 0))]),
            )
        )
    return _table(
        "kommuner", "Municipal quotas with their inputs, fordelingstal and legal basis", head, rows
    )


def _alt(titel: str) -> str:
    """An image's text alternative: what the picture is and where its figures are, not its
    caption again (a screen reader reads both)."""
    return (
        f"Picture: {titel}, a map or chart of figures that the CSV exports list per municipality."
    )


def render_report(
    result: Kvoteberegning,
    *,
    title: str | None = None,
    figures: Sequence[Figur] | None = None,
    notes: Sequence[str] = (),
    in_force: Mapping[int, int] | None = None,
) -> bytes:
    """The report as UTF-8 HTML bytes.

    Parameters
    ----------
    result:
        The quota computation.
    title:
        The page's heading (default: ``"Kommunekvoter, landstal L"``).
    figures:
        Images to show; default the three maps of :func:`visitering.report.kort.kort_filer`
        (importing matplotlib).  Pass ``()`` for a report without images.
    notes:
        Extra lines shown under the heading (e.g. a scenario's description).
    in_force:
        The quotas in force after revisions of the landstal (kommunekode → persons), shown in
        a last column of both tables beside the quotas of ``result``; None: no such column.
    """
    if figures is None:
        from visitering.report import kort

        figures = [Figur(MAP_CAPTIONS[n], b) for n, b in kort.kort_filer(result).items()]
    heading = title or f"Kommunekvoter, landstal {result.landstal}"
    header = kvoter.header_lines(result, "Kommunekvoter")
    proxy = result.grundlag.proxy_note
    meta = [line for line in header if line != proxy]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',  # the page's prose is English; Danish terms name the law's figures
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(heading)}</title>",
        f"<style>\n{STYLE}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(heading)}</h1>",
    ]
    if proxy:
        parts.append(f'<p class="notice" id="proxy">{escape(proxy)}</p>')
    parts += [f'<p class="meta">{escape(line)}</p>' for line in [*notes, *meta]]
    parts.append(
        f'<p class="meta">{len(result.kommuner)} municipalities, '
        f"{escape(kvoter.zero_quota_words(result))}.</p>"
    )
    parts += ["<h2>Regions (§ 4 stk. 1)</h2>", _regions(result, in_force)]
    if figures:
        parts.append("<h2>Maps and charts</h2>")
    for figure in figures:
        parts.append(
            f'<figure><img src="{data_uri(figure.png)}" alt="{escape(_alt(figure.titel))}">'
            f"<figcaption>{escape(figure.titel)}</figcaption></figure>"
        )
    parts += [
        "<h2>Municipalities (§ 7)</h2>",
        _municipalities(result, in_force),
        "</body>",
        "</html>",
    ]
    return ("\n".join(parts) + "\n").encode("utf-8")
