"""The daily report: one self-contained HTML file (inline CSS and SVG, no scripts, no network)
built from what the database already holds. data.py reads, html.py renders."""
