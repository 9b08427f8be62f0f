"""The report opened in headless Chromium (file:// URL, closed network) at 1280 and 390 CSS px
wide: a full-page screenshot of each width is saved in the test's tmp dir (its path printed);
nothing scrolls sideways, every chart has tick labels and axis titles, dated charts show dates
of the window, models and horses are named, nothing is fetched, and the cumulative P&L the
browser shows is the ledger's running sum."""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path
from typing import Any

import psycopg
import pytest

from hrdpg.cli import main
from tests.chromium_cdp import CHROMIUM, Chromium, available
from tests.conftest import ServerHandle
from tests.db.report.world import LAST, build, model_label, values

pytestmark = pytest.mark.skipif(
    not available(), reason=f"{CHROMIUM} missing: scripts/test.sh installs it (Debian package "
    "chromium, scripts/debian-packages-test.txt), or run apt-get install chromium")

WINDOW = 7
WIDTHS = (1280, 390)
DATED = ("coverage", "daily log loss", "cumulative P&L", "running mean CLV")
# After a layout pass at the new width: what a reader of the page sees.
MEASURE = """(async () => {
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const texts = (root, sel) => [...root.querySelectorAll(sel)]
    .map(t => t.textContent.trim()).filter(Boolean);
  const charts = [...document.querySelectorAll('figure.chart')].map(f => {
    const svg = f.querySelector('svg');
    const box = svg.getBoundingClientRect();
    return {label: svg.getAttribute('aria-label'), caption: texts(f, 'figcaption')[0],
            xticks: texts(svg, 'g[id*="xtick_"] text'),
            yticks: texts(svg, 'g[id*="ytick_"] text'),
            xtitle: texts(svg, 'g[id$="x-title"] text'),
            ytitle: texts(svg, 'g[id$="y-title"] text'),
            marks: [...svg.querySelectorAll('.mark')]
              .map(m => m.querySelector('title').textContent),
            left: box.left, right: box.right, width: box.width};
  });
  const d = document.documentElement;
  return {scrollWidth: d.scrollWidth, innerWidth: window.innerWidth, height: d.scrollHeight,
          charts, text: document.body.innerText,
          fetched: performance.getEntriesByType('resource').length};
})()"""


def look(browser: Chromium, session: str, width: int, shot: Path) -> dict[str, Any]:
    """The page at width CSS px: measured, then captured whole into shot."""
    browser.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": 900,
                                                        "deviceScaleFactor": 1,
                                                        "mobile": False}, session=session)
    seen: dict[str, Any] = browser.evaluate(session, MEASURE)
    png = browser.send("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": seen["height"], "scale": 1}},
        session=session)
    shot.write_bytes(base64.b64decode(png["data"]))
    print(f"screenshot {width}px: {shot}")
    return seen


def test_report_reads_at_desktop_and_phone_widths(server: ServerHandle, synth_template: str,
                                                  synth_db: Any, synth_conn: psycopg.Connection,
                                                  tmp_path: Path) -> None:
    mid = build(synth_conn, server, synth_template)
    out = tmp_path / "report"
    assert main(["--dsn", synth_db.conninfo(), "report", "--days", str(WINDOW),
                 "--out", str(out)]) == 0
    first = LAST - dt.timedelta(days=WINDOW - 1)
    pnl = [float(p) for (p,) in synth_conn.execute(
        "SELECT sum(sum(pnl)) OVER (ORDER BY race_date) FROM modeling.bets "
        "WHERE status IN ('settled', 'void') AND race_date BETWEEN %s AND %s "
        "GROUP BY race_date ORDER BY race_date", (first, LAST))]
    horses = [h for (h,) in synth_conn.execute(
        "SELECT n.horse_name FROM modeling.latest_signals s JOIN racing.runners n "
        "USING (race_id, horse_id) WHERE s.race_date = %s "
        "ORDER BY s.edge_win DESC NULLS LAST, s.race_id, s.horse_id LIMIT 3", (LAST,))]
    model = model_label(synth_conn, mid)

    with Chromium() as browser:
        session = browser.open((out / "index.html").as_uri())
        seen = {w: look(browser, session, w, tmp_path / f"report-{w}px.png") for w in WIDTHS}

    for width, page in seen.items():
        assert page["fetched"] == 0, width
        assert page["scrollWidth"] <= page["innerWidth"] == width, width
        assert len(page["charts"]) >= 7, width
        for c in page["charts"]:
            where = (width, c["label"])
            assert c["caption"] == c["label"] and c["left"] >= 0 and c["right"] <= width, where
            assert len(c["xticks"]) >= 2 and len(c["yticks"]) >= 2, where
            assert c["xtitle"] and c["ytitle"], where
            if any(kind in c["label"] for kind in DATED):
                days = [dt.date.fromisoformat(t) for t in c["xticks"]]
                assert all(first - dt.timedelta(days=2) <= d <= LAST + dt.timedelta(days=2)
                           for d in days), where
        labels = [c["label"] for c in page["charts"]]
        assert any(label.startswith(f"{model}: daily log loss") for label in labels), labels
        assert all(h in page["text"] for h in horses) and f"model {mid}:" not in page["text"]
        drawn = [c for c in page["charts"] if c["label"].startswith("cumulative P&L")]
        assert len(drawn) == 1 and values(drawn[0]["marks"]) == pytest.approx(pnl, abs=1e-6)
    assert seen[390]["charts"][0]["width"] < seen[1280]["charts"][0]["width"]
    assert all(re.fullmatch(r"report-\d+px\.png", p.name) and p.stat().st_size > 10_000
               for p in tmp_path.glob("report-*px.png"))
