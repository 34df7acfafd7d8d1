// Package report draws an experiment's stored results: the pictures that
// show whether interpretability-in-the-loop training closed the loop.
//
// # What it shows
//
// The field's central picture is true behaviour beside what the probe
// says, over training, per arm. A report (WriteHTML) has, for one
// experiment of the results store:
//
//   - an "at a glance" table: per arm, whether the frozen deception probe
//     stayed a truthful readout (every run honest or blatant) or was fooled
//     (obfuscated policy or activations), the true lie rate and the share of
//     lies the probe flags;
//   - training curves per arm: the sampled lie rate and the true objective
//     (the truth), the frozen probe's recall at its pre-RL 1%-FPR threshold
//     and its mean score on lies, and the AUROC of a probe refit at each
//     point (what the probes say) — mean over seeds with a 95% t-interval
//     band (metric.MeanCI), the band clipped to the plot;
//   - the Obfuscation Atlas outcome classes as stacked bars per arm;
//   - a scatter of "probe says" (lie rate × recall at threshold: the share
//     of plans that are lies the probe flags) against "truth" (the lie
//     rate), one point per run: on the diagonal the probe sees every lie;
//   - for a sweep over one or two settings, heat maps of the lie rate and
//     of the most common outcome class;
//   - the findings and the results table (mean and 95% CI over seeds)
//     computed by the experiment package's own Summarize and Findings, the
//     runs, and every arm's resolved config.
//
// WritePNGs draws the same figures as PNG files with gonum/plot, for
// papers.
//
// # Where the data comes from
//
// Load reads an experiment through the small Source interface (which
// *store.Store implements): the stored spec gives the arms (the sweep
// expanded), and a linked run belongs to an arm when its ID is the ID the
// arm's config and seed give (experiment.RunID). Nothing is re-run. Runs
// the spec asks for but the store does not hold yet are "not stored"
// (pending, while a sweep runs); runs linked under settings the spec no
// longer has are left out and counted.
//
// # Self-contained and escaped
//
// The HTML is one file: Vega, Vega-Lite and Vega-Embed (package
// report/assets) are inlined, the figures' data travels inside their
// specifications, and a Content-Security-Policy forbids every network
// request. Every string from the store — experiment, arm and run names,
// errors, configs — goes through html/template: as text in the page, as
// JSON (with <, > and & escaped) inside the script that draws the
// figures, where Vega renders it as SVG text.
//
// # Wanted from other packages
//
// decodeNaN duplicates experiment's unexported unmarshalNaN (stored JSON
// has NaN as null); an exported experiment.DecodeResult would replace it.
package report
