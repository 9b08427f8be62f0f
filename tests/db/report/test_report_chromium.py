"""The report opened in headless Chromium (file:// URL, closed network): every chart is laid out
with its size, draws each of its marks with a real box, rasterises to coloured pixels, and the
page fetches nothing."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings
from tests.chromium_cdp import CHROMIUM, Chromium, available
from tests.conftest import ServerHandle
from tests.db.report.world import build, charts

pytestmark = pytest.mark.skipif(
    not available(), reason=f"{CHROMIUM} missing: scripts/test.sh installs it (Debian package "
    "chromium, scripts/debian-packages-test.txt), or run apt-get install chromium")

# Per chart: laid-out size, marks, marks with a non-empty box, and the coloured (non-grey)
# pixels of the chart drawn on its own into a canvas.
MEASURE = """(async () => {
  const out = [];
  for (const s of document.querySelectorAll('svg')) {
    const box = s.getBoundingClientRect();
    const marks = [...s.querySelectorAll('.mark')];
    const drawn = marks.filter(m => { const b = m.getBBox(); return b.width > 0 && b.height > 0; });
    const img = new Image();
    img.src = 'data:image/svg+xml;charset=utf-8,'
      + encodeURIComponent(new XMLSerializer().serializeToString(s));
    await img.decode();
    const c = document.createElement('canvas');
    c.width = Math.ceil(box.width); c.height = Math.ceil(box.height);
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    let coloured = 0;
    for (let i = 0; i < px.length; i += 4)
      if (px[i + 3] > 0 && (px[i] !== px[i + 1] || px[i + 1] !== px[i + 2])) coloured++;
    out.push({label: s.getAttribute('aria-label'), width: box.width, height: box.height,
              marks: marks.length, drawn: drawn.length, coloured});
  }
  return {charts: out, fetched: performance.getEntriesByType('resource').length,
          title: document.title};
})()"""


def test_charts_render_in_chromium(server: ServerHandle, synth_template: str,
                                   synth_db: Settings, synth_conn: psycopg.Connection,
                                   tmp_path: Path) -> None:
    build(synth_conn, server, synth_template)
    out = tmp_path / "report"
    assert main(["--dsn", synth_db.conninfo(), "report", "--days", "7", "--out", str(out)]) == 0
    page = (out / "index.html").read_text()
    expected = {label: len(marks) for label, marks in charts(page).items()}
    for kind in ("coverage by", "cumulative P&L", "running mean CLV", "daily log loss",
                 "reliability", "PSI", "share of limits"):
        assert any(kind in label for label in expected), f"no {kind!r} chart in {expected}"

    with Chromium() as browser:
        session = browser.open((out / "index.html").as_uri())
        seen = browser.evaluate(session, MEASURE)
    assert seen["title"].startswith("hrdpg report") and seen["fetched"] == 0
    rendered = {c["label"]: c for c in seen["charts"]}
    assert set(rendered) == set(expected)
    for label, c in rendered.items():
        assert c["width"] > 100 and c["height"] > 100, label
        assert c["marks"] == c["drawn"] == expected[label] > 0, (label, c)
        assert c["coloured"] >= 4 * c["marks"], (label, c)  # each mark paints a few pixels
    print({label: c["coloured"] for label, c in rendered.items()})
