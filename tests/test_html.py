"""The self-contained HTML report: every municipality, the proxy notice, nothing to fetch."""

from __future__ import annotations

import base64
import dataclasses
import re

import pytest

from visitering.inputs.embedded import PROXY_NOTE, embedded_grundlag
from visitering.kvoter.beregning import Afvigelse, Kilde, beregn_kvoter
from visitering.report import html

TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def result():
    return beregn_kvoter(embedded_grundlag(), 600)


def _attributes(page: str) -> list[str]:
    return re.findall(r'\b(?:src|href|action|data)\s*=\s*"([^"]*)"', page)


def test_same_input_same_bytes(result):
    assert html.render_report(result) == html.render_report(result)


def test_every_municipality_has_a_row_and_nul_kvote_is_marked(result):
    page = html.render_report(result, figures=()).decode("utf-8")
    rows = re.findall(r'<tr id="k(\d+)"( class="nul")?>', page)
    assert [int(code) for code, _ in rows] == [q.kommune.kode for q in result.kommuner]
    assert len(rows) == 98
    nul = {q.kommune.kode for q in result.kommuner if q.noegle.foreloebigt_fordelingstal <= 0}
    assert {int(code) for code, mark in rows if mark} == nul
    assert '<tr id="k101"><td class="n">101</td><td>København</td>' in page
    assert re.findall(r'<tr id="r(\d+)">', page) == ["1081", "1082", "1083", "1084", "1085"]
    assert (
        "98 municipalities, 8 with quota 0 (5 nul-kvote-kommuner (v_k ≤ 0), 3 with t_k rounded "
        "down to 0); quotas sum to 600." in page
    )


def test_proxy_notice_only_on_proxy_inputs(result):
    page = html.render_report(result, figures=()).decode("utf-8")
    assert f'<p class="notice" id="proxy">{PROXY_NOTE}</p>' in page
    real = dataclasses.replace(result.grundlag, proxy_note=None, kilde="the real figures")
    official = html.render_report(beregn_kvoter(real, 600), figures=()).decode("utf-8")
    assert 'id="proxy"' not in official and "PROXY" not in official
    assert "Data: the real figures" in official


def test_images_are_embedded_and_nothing_is_fetched(result):
    page = html.render_report(
        result, figures=[html.Figur("one", TINY_PNG), html.Figur("two", b"\x89PNG2")]
    ).decode("utf-8")
    sources = _attributes(page)
    assert sources == [html.data_uri(TINY_PNG), html.data_uri(b"\x89PNG2")]
    assert base64.b64decode(sources[0].split(",", 1)[1]) == TINY_PNG
    assert "url(" not in page and "@import" not in page and "<script" not in page
    assert f'content="{html.CSP}"' in page and "default-src 'none'" in html.CSP


def test_default_figures_are_the_three_maps(result):
    page = html.render_report(result).decode("utf-8")
    assert len(re.findall(r'<img src="data:image/png;base64,', page)) == 3
    assert all(a.startswith("data:image/png;base64,") for a in _attributes(page))
    assert re.findall(r"<figcaption>([^<]*)</figcaption>", page) == list(html.MAP_CAPTIONS.values())


def test_user_text_is_escaped():
    """A begrundelse comes from the user's overrides file; it must not become markup."""
    afv = Afvigelse(101, 20, '<script>alert("x")</script> & co', Kilde("afv.csv", 2))
    computed = beregn_kvoter(embedded_grundlag(), 600, afvigelser=[afv])
    page = html.render_report(computed, figures=(), notes=["<b>scenario</b>"]).decode("utf-8")
    assert "<script" not in page and "<b>scenario" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page
    assert "&lt;b&gt;scenario&lt;/b&gt;" in page


def test_billedfiler_compares_with_a_baseline(result):
    """The scenario hook: maps, a difference map against the baseline, and the report."""
    from visitering.report import billeder, kort

    other = beregn_kvoter(embedded_grundlag(), 1000)
    files = billeder.billedfiler(other, foer=result, titel="Scenario 1000", noter=["n"])
    assert list(files) == [*html.MAP_CAPTIONS, billeder.FORSKEL, billeder.RAPPORT]
    page = files[billeder.RAPPORT].decode("utf-8")
    assert all(
        html.data_uri(files[name]) in page for name in [*html.MAP_CAPTIONS, "kort_forskel.png"]
    )
    assert "<h1>Scenario 1000</h1>" in page
    caption = "Change in kommunekvote, landstal 600 (largest-remainder) → 1000 (largest-remainder)"
    assert f"<figcaption>{caption}</figcaption>" in page
    assert files[billeder.FORSKEL] == kort.forskel_kort(result, other, caption)
    assert billeder.billedfiler(other, foer=result, titel="Scenario 1000", noter=["n"]) == files


def test_tables_and_pictures_are_announced_to_screen_readers(result):
    """Audit (stop 25): no table had a caption, no header cell a scope, every picture's alt
    text repeated its caption, and the English page declared itself Danish."""
    page = html.render_report(result).decode("utf-8")
    assert '<html lang="en">' in page
    captions = re.findall(r'<table id="(\w+)"><caption>([^<]+)</caption>', page)
    assert [name for name, _ in captions] == ["regioner", "kommuner"]
    headers = re.findall(r"<th[ >]", page)
    assert headers and len(headers) == page.count('<th scope="col"')
    alts = re.findall(r'alt="([^"]*)"', page)
    captions_of_figures = re.findall(r"<figcaption>([^<]*)</figcaption>", page)
    assert len(alts) == len(captions_of_figures) == 3
    assert all(
        a.startswith(f"Picture: {c},") for a, c in zip(alts, captions_of_figures, strict=True)
    )
