package web

// pagesTmpl holds the dashboard's own pages; an experiment's page is the
// report itself (report.WriteHTML).
const pagesTmpl = `
{{define "head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{{.}}</title>
{{end}}

{{define "index"}}{{template "head" "interloop dashboard"}}<style>{{.Style}}</style>
</head>
<body>
<header>
<h1>interloop dashboard</h1>
<p class="meta">Read-only view of {{if .Store}}<code>{{.Store}}</code>{{else}}the results store{{end}}{{if .Version}} (interloop {{.Version}}){{end}}.
<span id="live" class="live">live: the list reloads when runs are stored</span>
— JSON for scripts: <a href="/api/experiments">/api/experiments</a>.</p>
</header>
<h2>Experiments</h2>
{{- if .Experiments}}
<table class="experiments">
<thead><tr><th>experiment</th><th>runs done</th><th>failed</th><th>updated</th><th>description</th></tr></thead>
<tbody>
{{- range .Experiments}}
<tr><td class="arm"><a class="experiment-link" href="{{.URL}}">{{.Name}}</a></td><td class="n">{{.Done}}</td><td class="n">{{.Failed}}</td><td>{{.UpdatedText}}</td><td>{{.Description}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p>The store holds no experiment yet: <code>interloop run</code> stores one.</p>
{{- end}}
<script>
"use strict";
(function () {
  const etag = {{.ETag}};
  async function poll() {
    try {
      const r = await fetch("/api/experiments", {cache: "no-store"});
      if (r.ok) {
        const j = await r.json();
        const sig = j.experiments.map((e) => [e.name, e.done, e.failed, e.updated].join(" ")).join("\n");
        if (window.interloopSig === undefined) { window.interloopSig = sig; }
        else if (sig !== window.interloopSig) { location.reload(); return; }
      }
    } catch (e) {
      document.getElementById("live").textContent = "live: the server is not answering";
    }
    setTimeout(poll, 5000);
  }
  poll();
})();
</script>
</body>
</html>
{{end}}

{{define "run"}}{{template "head" (printf "interloop run %s" .Run.ID)}}<style>{{.Style}}</style>
{{- range .Scripts}}
<script src="{{.}}"></script>
{{- end}}
</head>
<body>
<header>
<nav><a href="/">← experiments</a> · <a id="experiment-link" href="{{.ExperimentURL}}">{{.Run.Experiment}}</a></nav>
<h1>run <span class="name">{{.Run.ID}}</span></h1>
<dl class="kv">
<dt>experiment</dt><dd>{{.Run.Experiment}}</dd>
<dt>arm</dt><dd class="arm">{{.Run.Arm}}</dd>
<dt>seed</dt><dd>{{.Run.Seed}}</dd>
<dt>status</dt><dd>{{.Run.Status}}</dd>
{{- if .Outcome}}<dt>outcome</dt><dd><span class="{{chip .Outcome}}">{{.Outcome}}</span> {{.Truthful}}</dd>{{end}}
{{- if .Run.Error}}<dt>error</dt><dd class="err">{{.Run.Error}}</dd>{{end}}
<dt>finished</dt><dd>{{.Finished}} ({{.Seconds}} s)</dd>
<dt>versions</dt><dd>interloop {{.Run.Version}}, {{.Run.GoVersion}}</dd>
<dt>config</dt><dd>{{.Differences}}</dd>
</dl>
</header>

<section class="figure-section">
<h2>{{.Figure.Title}}</h2>
<p class="caption">{{.Figure.Caption}}</p>
<div class="figure" id="{{.Figure.ID}}" data-mark="{{.Figure.Mark}}" data-marks="{{.Figure.Marks}}"><p class="loading">drawing…</p></div>
</section>

<section id="audit">
<h2>Audit</h2>
{{- if .Run.Audit}}
<table class="audit">
<thead><tr><th>metric</th><th>value</th></tr></thead>
<tbody>
{{- range .Run.Audit}}
<tr><td class="arm">{{.Name}}</td><td class="n">{{num .Value}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}<p>No audit metrics (the run failed).</p>{{end}}
</section>

<section id="detectors">
<h2>Detectors</h2>
{{- if .Run.Detectors}}
<table>
<thead><tr><th>name</th><th>kind</th><th>site</th><th>fit on</th><th>threshold</th></tr></thead>
<tbody>
{{- range .Run.Detectors}}
<tr><td>{{.Name}}</td><td>{{.Kind}}</td><td><code>{{.Site}}</code></td><td>{{.Data}}</td><td class="n">{{num .Threshold}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}<p>None stored.</p>{{end}}
</section>

<section id="config">
<h2>Resolved config</h2>
<pre>{{.YAML}}</pre>
</section>
<footer>interloop {{.Version}} dashboard · <a href="/api/runs/{{.Run.ID}}">this run as JSON</a></footer>
<script>
"use strict";
const figures = {{.Specs}};
window.interloopFigures = {};
for (const f of figures) {
  const el = document.getElementById(f.id);
  vegaEmbed(el, f.spec, {mode: "vega-lite", renderer: "svg", actions: false})
    .then((res) => { window.interloopFigures[f.id] = res.view; el.dataset.rendered = "true"; })
    .catch((err) => { el.dataset.rendered = "error"; el.textContent = "figure failed: " + err; console.error("figure " + f.id + ": " + err); });
}
</script>
</body>
</html>
{{end}}

{{define "error"}}{{template "head" (printf "%d %s" .Code .Status)}}<style>{{.Style}}</style>
</head>
<body>
<nav><a href="/">← experiments</a></nav>
<h1>{{.Code}} {{.Status}}</h1>
<p>{{.Msg}}</p>
</body>
</html>
{{end}}
`
