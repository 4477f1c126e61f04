"""The HTML report renders in headless Chromium: all 98 rows, every image decoded, no network.

``make test`` installs Chromium first (``make chromium``); without it these tests fail rather
than skip, so a machine that cannot show the report is noticed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from visitering.inputs.embedded import embedded_grundlag
from visitering.kvoter.beregning import beregn_kvoter
from visitering.report import html

FLAGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--window-size=1000,2200",
]

PROBE = """<script>
window.addEventListener("load", () => {
  const images = [...document.images].map(i => ({complete: i.complete, width: i.naturalWidth}));
  const rows = document.querySelectorAll("#kommuner tbody tr").length;
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({rows, images, proxy: !!document.getElementById("proxy")});
  document.body.appendChild(probe);
});
</script>"""
"""Test-only: writes what the browser decoded into the DOM, which --dump-dom prints."""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is not installed: run `make chromium` (make test does)")
    return found


def _run(tmp_path: Path, page: bytes, *mode: str) -> subprocess.CompletedProcess[str]:
    target = tmp_path / "report.html"
    target.write_bytes(page)
    command = [_chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *mode]
    return subprocess.run(
        [*command, target.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=tmp_path,
    )


@pytest.fixture(scope="module")
def report() -> bytes:
    return html.render_report(beregn_kvoter(embedded_grundlag(), 600))


def test_browser_shows_every_row_and_decodes_every_map(tmp_path, report):
    # the probe is the only change: the CSP must let that one inline script run
    page = report.replace(
        b"default-src 'none';", b"default-src 'none'; script-src 'unsafe-inline';"
    )
    page = page.replace(b"</body>", PROBE.encode() + b"\n</body>")
    assert page.count(b"script-src 'unsafe-inline'") == 1
    dom = _run(tmp_path, page, "--virtual-time-budget=10000", "--dump-dom").stdout
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom)
    assert match, dom[-2000:]
    probe = json.loads(match.group(1))
    assert probe["rows"] == 98
    assert probe["proxy"] is True
    assert len(probe["images"]) == 3
    assert all(i["complete"] and i["width"] == 700 for i in probe["images"])  # 7 in at 100 dpi


def test_screenshot_shows_the_notice_and_the_map_colours(tmp_path, report):
    _run(tmp_path, report, f"--screenshot={tmp_path / 'shot.png'}")
    with Image.open(tmp_path / "shot.png") as shot:
        assert shot.size == (1000, 2200)
        colours = {c for _, c in shot.convert("RGB").getcolors(maxcolors=1 << 20)}
    assert (0xFE, 0xE0, 0xB6) in colours  # the proxy notice's inline CSS background
    assert (0xBD, 0xBD, 0xBD) in colours  # a nul-kvote municipality on the first map
    assert len(colours) > 200  # maps, not a blank page
