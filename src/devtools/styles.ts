// The panel's look, scoped under `.jts-devtools` and themed by CSS variables: set any `--jts-*` on
// an ancestor (or on `.jts-devtools`) to restyle it. The defaults keep text at 4.5:1 or better on
// its background, and outcomes differ by label as well as by colour.
export const STYLES = `
.jts-devtools {
  --jts-bg: #ffffff; --jts-fg: #1b1f24; --jts-muted: #57606a; --jts-border: #8c959f; --jts-focus: #0550ae;
  --jts-ok: #1a7f37; --jts-fail: #cf222e; --jts-warn: #9a6700; --jts-end: #8250df; --jts-skip: #57606a;
  --jts-start: #0550ae; --jts-handoff: #0969da; --jts-bar: #0969da; --jts-lead: #bf8700; --jts-now: #cf222e;
  --jts-font: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font: 12px/1.4 var(--jts-font); color: var(--jts-fg);
}
.jts-devtools button, .jts-devtools select, .jts-devtools input {
  font: inherit; color: var(--jts-fg); background: var(--jts-bg); border: 1px solid var(--jts-border);
  border-radius: 4px; padding: 4px 8px; cursor: pointer;
}
.jts-devtools input { width: 5em; cursor: text; }
.jts-devtools .jts-faults p { margin: 4px 0; }
.jts-devtools :focus-visible { outline: 2px solid var(--jts-focus); outline-offset: 2px; }
.jts-devtools .jts-body { background: var(--jts-bg); border: 1px solid var(--jts-border); padding: 8px; margin-top: 4px; }
.jts-devtools h2 { font-size: 13px; margin: 8px 0 4px; }
.jts-devtools .jts-tabs { margin: 0; padding-left: 16px; }
.jts-devtools dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
.jts-devtools dd { margin: 0; overflow-wrap: anywhere; }
.jts-devtools dt { color: var(--jts-muted); }
.jts-devtools .jts-status { display: inline; margin-left: 8px; color: var(--jts-muted); }
.jts-timeline text { font: 10px var(--jts-font); fill: var(--jts-fg); }
.jts-timeline .jts-axis { fill: var(--jts-muted); }
.jts-timeline .jts-lane { stroke: var(--jts-border); stroke-width: 0.5; }
.jts-timeline .jts-bar { fill: var(--jts-bar); opacity: 0.5; }
.jts-timeline .jts-lead { fill: var(--jts-lead); opacity: 0.7; }
.jts-timeline .jts-now { stroke: var(--jts-now); stroke-dasharray: 2 2; }
.jts-timeline .jts-mark circle { stroke: var(--jts-bg); stroke-width: 1.5; }
.jts-timeline .jts-mark:focus { outline: none; }
.jts-timeline .jts-mark:focus circle { stroke: var(--jts-focus); stroke-width: 3; }
.jts-timeline .jts-ok circle { fill: var(--jts-ok); }
.jts-timeline .jts-fail circle { fill: var(--jts-fail); }
.jts-timeline .jts-warn circle { fill: var(--jts-warn); }
.jts-timeline .jts-end circle { fill: var(--jts-end); }
.jts-timeline .jts-skip circle { fill: var(--jts-skip); }
.jts-timeline .jts-start circle { fill: var(--jts-start); }
.jts-timeline .jts-handoff circle { fill: var(--jts-handoff); }
`
