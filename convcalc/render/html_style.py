"""The stylesheet of ``--format html``: one inline ``<style>``, no fonts or files fetched.

Kept apart from the page builder so each stays short.  The table is a CSS grid
(rows of ``<div>``/``<summary>``, so block rows can fold inside ``<details>``
without JavaScript); every row shares one track list that does not depend on
its content, so the columns line up.  Under 700 px each row becomes a small
card whose cells are labelled with their column.  The classes start with
``cc-`` so the inline SVG drawing's own stylesheet cannot reach them.
"""

MONO = 'ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace'

CSS = """
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1d1f21; --muted: #5f6670; --line: #d8dce1; --zebra: #f5f7f9;
  --accent: #2166ac; --block: #eef3f8; --ok: #1a7f37; --bad: #c62828; --warn: #8a5a00;
  --code: #f3f4f6; --panel: #ffffff;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #16181b; --fg: #e6e8eb; --muted: #9aa3ad; --line: #30353b; --zebra: #1c1f23;
    --accent: #79b0ea; --block: #1f2a36; --ok: #56d27a; --bad: #ff7b72; --warn: #e3b341;
    --code: #22262b; --panel: #ffffff;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0 auto; max-width: 1240px; padding: 24px 20px 48px;
  background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
h1 { font-size: 1.6rem; margin: 0 0 4px; line-height: 1.25; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 32px 0 6px; line-height: 1.3; overflow-wrap: anywhere; }
h3 { font-size: 1rem; margin: 22px 0 8px; }
code, pre { font-family: MONO; font-size: 0.86em; }
a { color: var(--accent); }
.cc-sub { color: var(--muted); margin: 0 0 16px; overflow-wrap: anywhere; }
.cc-index ol { padding-left: 1.4em; columns: 2 22em; column-gap: 40px; }
.cc-index li { break-inside: avoid; }
.cc-count { color: var(--muted); font-size: 0.85em; font-variant-numeric: tabular-nums; margin-left: 4px; }
.cc-index li { margin: 2px 0; overflow-wrap: anywhere; }
.cc-badge { display: inline-block; font-size: 0.78em; font-weight: 600; padding: 0 7px; border-radius: 9px;
  border: 1px solid currentColor; margin-left: 6px; white-space: nowrap; }
.cc-ok { color: var(--ok); } .cc-bad { color: var(--bad); } .cc-warn { color: var(--warn); }
.cc-totals { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 12px 0 4px; padding: 0; }
.cc-totals div { min-width: 9em; }
.cc-totals dt { color: var(--muted); font-size: 0.8em; text-transform: uppercase; letter-spacing: 0.04em; }
.cc-totals dd { margin: 0; font-size: 1.15em; font-weight: 600; font-variant-numeric: tabular-nums; }
.cc-notes { margin: 8px 0; padding-left: 1.2em; }
.cc-notes li { overflow-wrap: anywhere; }
.cc-spec { border-top: 2px solid var(--line); margin-top: 36px; }
.cc-spec:first-of-type { border-top: 0; margin-top: 0; }
.cc-error pre { white-space: pre-wrap; overflow-wrap: anywhere; color: var(--bad);
  background: var(--code); padding: 10px 12px; border-radius: 6px; }

/* the table */
.cc-table { border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); font-size: 0.92em; }
.cc-row {
  display: grid; gap: 0 14px; padding: 5px 8px; align-items: baseline;
  grid-template-columns: 2.6em minmax(0, 1.3fr) minmax(0, 1.7fr) repeat(var(--cc-n), minmax(0, 1fr));
  border-bottom: 1px solid var(--line);
}
.cc-row > span { overflow-wrap: anywhere; min-width: 0; }
.cc-head { font-weight: 600; color: var(--muted); font-size: 0.85em; text-transform: uppercase;
  letter-spacing: 0.04em; border-bottom: 1px solid var(--fg); }
.cc-num { text-align: right; font-variant-numeric: tabular-nums; }
.cc-idx { color: var(--muted); text-align: right; font-variant-numeric: tabular-nums; }
.cc-table .cc-label { font-family: MONO; font-size: 0.88em; }
.cc-table .cc-row:hover { background: var(--zebra); }
.cc-block > summary { background: var(--block); font-weight: 600; }
.cc-total { font-weight: 700; border-top: 1px solid var(--fg); border-bottom: 0; }
summary.cc-row { cursor: pointer; list-style: none; }
summary.cc-row::-webkit-details-marker { display: none; }
summary.cc-row .cc-idx::before { content: "\\25B8"; float: left; color: var(--accent);
  transition: transform .1s; }
details[open] > summary.cc-row .cc-idx::before { transform: rotate(90deg); }
summary.cc-row:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
.cc-explain { margin: 0; padding: 6px 8px 8px calc(2.6em + 22px); border-bottom: 1px solid var(--line);
  background: var(--code); }
.cc-explain pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }

/* the drawing: the SVG at its own size, scrolled inside its panel (never the page) */
.cc-drawing { overflow-x: auto; width: fit-content; max-width: 100%; background: var(--panel);
  border: 1px solid var(--line); border-radius: 6px;
  padding: 4px; }
.cc-drawing svg { display: block; max-width: none; height: auto; }
details.cc-fold > summary { cursor: pointer; font-weight: 600; margin: 22px 0 8px; }
.cc-checks { border-collapse: collapse; width: 100%; font-size: 0.92em; }
.cc-checks th, .cc-checks td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line);
  overflow-wrap: anywhere; vertical-align: baseline; }
.cc-checks th, .cc-checks td:first-child { white-space: nowrap; overflow-wrap: normal; }
.cc-checks th { color: var(--muted); font-weight: 600; font-size: 0.85em; text-transform: uppercase; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.85em; }

@media (max-width: 700px) {
  body { padding: 16px 12px 32px; font-size: 14px; }
  h1 { font-size: 1.3rem; }
  .cc-head { display: none; }
  .cc-row { grid-template-columns: 2.2em minmax(0, 1fr) minmax(0, 1fr); gap: 1px 10px; }
  .cc-row > .cc-name { grid-column: 2 / span 2; font-weight: 600; }
  .cc-row > .cc-label { grid-column: 2 / span 2; }
  .cc-row > .cc-cell { grid-column: auto; text-align: left; }
  .cc-row > .cc-cell:nth-child(odd) { grid-column: 3; }
  .cc-row > .cc-cell:nth-child(even) { grid-column: 2; }
  .cc-checks { table-layout: fixed; }
  .cc-checks th, .cc-checks td { padding: 4px 5px; overflow-wrap: anywhere; white-space: normal; }
  .cc-checks th:first-child { width: 3.4em; }
  .cc-row > .cc-cell::before { content: attr(data-h); display: block; color: var(--muted); font-size: 0.8em;
    text-transform: uppercase; letter-spacing: 0.03em; }
  .cc-row > .cc-cell:empty { display: none; }
  .cc-explain { padding-left: 12px; }
  .cc-totals div { min-width: 7.5em; }
}
""".replace("MONO", MONO)
