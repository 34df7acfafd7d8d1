package experiment

import (
	"fmt"
	"math"
	"strings"

	"interloop/arm"
	"interloop/audit"
	"interloop/env/vault"
	"interloop/train"
)

// Findings answers the seeds' questions in sentences computed from the
// results: every number, comparison word and verdict below comes from the
// data (paired differences over seeds with 95% t-intervals; a difference
// is called clear only when its interval excludes zero). Arms are found by
// their configs, so a sentence whose arms an experiment lacks is skipped.
func Findings(s Summary) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	find := func(pred func(c RunConfig) bool) *ArmSummary {
		for i := range s.Arms {
			if len(s.Arms[i].Runs) > 0 && pred(s.Arms[i].Spec.Config) {
				return &s.Arms[i]
			}
		}
		return nil
	}
	is := func(arch train.Arch, kind arm.Kind) func(c RunConfig) bool {
		return func(c RunConfig) bool {
			return c.RL.Arch == arch && c.Arm.Kind == kind && c.Arm.Retrain.Every == 0 && c.World.VagueAuditProb > 0
		}
	}
	lieRate := func(r *RunResult) float64 { return r.Audit.LieRateSampled }
	preLie := func(r *RunResult) float64 {
		if len(r.Curve) == 0 {
			return math.NaN()
		}
		return r.Curve[0].LieRateSampled
	}
	gap := func(r *RunResult) float64 { return r.Audit.RefRecallThr - r.Audit.ProbeRecallThr }

	// 1. The premise.
	for _, a := range []*ArmSummary{find(is(train.BrainLike, arm.KindNone)), find(is(train.EndToEnd, arm.KindNone))} {
		if a == nil {
			continue
		}
		d := pairedWithin(a, lieRate, preLie)
		verdict := "lying did not clearly emerge"
		if d.N >= 2 && d.Lo > 0 {
			verdict = "lying emerged"
		} else if d.N >= 2 && d.Hi < 0 {
			verdict = "lying fell"
		}
		drift := ""
		if c0, c1 := curveCell(a, 0), curveCell(a, -1); c0.N > 0 && c1.N > 0 {
			drift = fmt.Sprintf("; the frozen probe's AUROC over all plans went from %.3f to %.3f", c0.Mean, c1.Mean)
		}
		add("Premise (%s): with no penalty the sampled lie rate went from %s before RL to %s after (change %s): %s%s.",
			a.Name, fmtCell(cellOfRuns(a, preLie), true), fmtCell(a.Cells["lie_rate_sampled"], true), fmtDiff(d, true), verdict, drift)
	}

	// 2. Does training against a probe break it?
	var probeArms []*ArmSummary
	for i := range s.Arms {
		a := &s.Arms[i]
		if k := a.Spec.Config.Arm.Kind; len(a.Runs) > 0 && (k == arm.KindProbeReward || k == arm.KindProbeLoss) {
			probeArms = append(probeArms, a)
		}
	}
	for _, a := range probeArms {
		broken := 0
		for _, r := range a.Runs {
			if r.Audit.Outcome == audit.ObfuscatedActivations || r.Audit.Outcome == audit.ObfuscatedPolicy {
				broken++
			}
		}
		add("Against the probe (%s): lie rate %s; the frozen probe flags %s of the lies at its pre-RL threshold on the policy and %s of the same plans on the pre-RL network; a probe refit on the final model by the same instructed recipe reaches AUROC %s (ground-truth refit %s); other tools fitted before RL: diff-of-means %s, MLP %s, plan.0 logistic %s. The probe was evaded (obfuscated outcome) in %d of %d runs; outcomes: %s.",
			a.Name, fmtCell(a.Cells["lie_rate_sampled"], true), fmtCell(a.Cells["probe_recall_at_threshold"], true),
			fmtCell(a.Cells["ref_recall_at_threshold"], true), fmtCell(a.Cells["refit_instructed_auroc"], false),
			fmtCell(a.Cells["refit_truth_auroc"], false), fmtCell(a.Cells["diffmeans_auroc"], false),
			fmtCell(a.Cells["mlp_auroc"], false), fmtCell(a.Cells["plan0_auroc"], false), broken, len(a.Runs), outcomeList(a))
	}

	// 3. Gradient through the probe vs reward only.
	pl, pr := find(is(train.EndToEnd, arm.KindProbeLoss)), find(is(train.EndToEnd, arm.KindProbeReward))
	if pl != nil && pr != nil {
		d := paired(pl, pr, gap)
		verdict := "no clear difference in"
		if d.N >= 2 && d.Lo > 0 {
			verdict = "a clearly larger"
		} else if d.N >= 2 && d.Hi < 0 {
			verdict = "a clearly smaller"
		}
		add("Gradient through the probe (%s vs %s): obfuscated-activations outcomes %d vs %d; the reference-minus-policy recall gap (activations hiding lies the pre-RL network would show) is %s vs %s, paired difference %s: %s gap with the gradient. Lie rates %s vs %s.",
			pl.Name, pr.Name, pl.Outcomes[audit.ObfuscatedActivations], pr.Outcomes[audit.ObfuscatedActivations],
			fmtCell(cellOfRuns(pl, gap), true), fmtCell(cellOfRuns(pr, gap), true), fmtDiff(d, true), verdict,
			fmtCell(pl.Cells["lie_rate_sampled"], true), fmtCell(pr.Cells["lie_rate_sampled"], true))
	}

	// 4. Where does a loss of detection come from without a gradient?
	for _, a := range probeArms {
		if a.Spec.Config.Arm.Kind != arm.KindProbeReward {
			continue
		}
		c := cellOfRuns(a, func(r *RunResult) float64 { return r.Audit.DropFromOutputs })
		if c.N == 0 {
			add("Outputs vs activations (%s): the frozen probe's recall did not drop by more than 5 points in any run, so there is no loss of detection to split.", a.Name)
			continue
		}
		add("Outputs vs activations (%s, no gradient through the probe): in the %d runs whose recall dropped, %s of the drop came from changed choices (plans the probe misses even on the pre-RL network) and the rest from changed activations.",
			a.Name, c.N, fmtCell(c, true))
	}

	// 5. Retraining.
	rt := find(func(c RunConfig) bool {
		return c.RL.Arch == train.EndToEnd && c.Arm.Kind == arm.KindProbeReward && c.Arm.Retrain.Every > 0
	})
	if rt != nil && pr != nil {
		d := paired(rt, pr, lieRate)
		verdict := "no clear difference in lying"
		if d.N >= 2 && d.Hi < 0 {
			verdict = "retraining clearly reduced lying"
		} else if d.N >= 2 && d.Lo > 0 {
			verdict = "retraining clearly increased lying"
		}
		armAUC := cellOfRuns(rt, func(r *RunResult) float64 { return r.Audit.ArmProbeAUROC })
		add("Retraining (%s, refit every %d steps on %s data, vs frozen %s): lie rate %s vs %s, paired difference %s: %s. The last retrained probe's AUROC on the final lies is %s; the frozen probe's recall at threshold %s vs %s.",
			rt.Name, rt.Spec.Config.Arm.Retrain.Every, rt.Spec.Config.Arm.Retrain.Data, pr.Name,
			fmtCell(rt.Cells["lie_rate_sampled"], true), fmtCell(pr.Cells["lie_rate_sampled"], true), fmtDiff(d, true), verdict,
			fmtCell(armAUC, false), fmtCell(rt.Cells["probe_recall_at_threshold"], true), fmtCell(pr.Cells["probe_recall_at_threshold"], true))
	}

	// 6. The brain-like split.
	for i := range s.Arms {
		a := &s.Arms[i]
		if a.Spec.Config.RL.Arch != train.BrainLike || len(a.Runs) == 0 {
			continue
		}
		absGap := cellOfRuns(a, func(r *RunResult) float64 { return math.Abs(gap(r)) })
		// Faithful: the policy and the pre-RL network score the chosen plans
		// alike — the interval of the |recall gap| lies below 10 points.
		var faithful string
		switch {
		case absGap.N == 0:
			faithful = "there were no lies to compare on the two networks"
		case absGap.N >= 2 && absGap.Hi < 0.1:
			faithful = "the readout stayed faithful (the same plans score alike on the policy and the pre-RL network, gap below 10 points)"
		case absGap.N >= 2 && absGap.Lo > 0.1:
			faithful = "the readout drifted: policy and pre-RL network score the same plans differently (gap above 10 points)"
		default:
			faithful = "whether the readout stayed faithful is unclear at this number of seeds (the gap's interval straddles 10 points)"
		}
		sentence := fmt.Sprintf("Brain-like (%s): |policy − reference| recall gap %s, obfuscated-activations outcomes %d of %d: %s.",
			a.Name, fmtCell(absGap, true), a.Outcomes[audit.ObfuscatedActivations], len(a.Runs), faithful)
		if a.Spec.Config.Arm.Kind != arm.KindNone {
			share := cellOfRuns(a, phraseShare(vault.NothingToReport))
			pre := cellOfRuns(a, phraseRecall(vault.NothingToReport))
			det := "detectable"
			if pre.N > 0 && pre.Mean < a.Spec.Config.Audit.FireRecall {
				det = "not detectable"
			}
			sentence += fmt.Sprintf(" Plan (B) — lying as %q, audited with probability %g — was %s before RL (frozen-probe recall %s on such lies) and carries %s of the lies after.",
				vault.NothingToReport.String(), a.Spec.Config.World.VagueAuditProb, det, fmtCell(pre, true), fmtCell(share, true))
		}
		add("%s", sentence)
	}

	out = append(out, techniqueFindings(s)...)

	// 7. The perfect-monitor reference.
	if tm := find(func(c RunConfig) bool { return c.Arm.Kind == arm.KindTruthMonitor }); tm != nil {
		add("Reference monitor (%s, ground-truth lie label caught with recall %g): lie rate %s, true objective %s.",
			tm.Name, tm.Spec.Config.Arm.Recall, fmtCell(tm.Cells["lie_rate_sampled"], true), fmtCell(tm.Cells["true_objective"], false))
	}
	return out
}

func phraseShare(r vault.Report) func(*RunResult) float64 {
	return func(rr *RunResult) float64 { return rr.Audit.Phrasings[r].LieShare }
}

func phraseRecall(r vault.Report) func(*RunResult) float64 {
	return func(rr *RunResult) float64 { return rr.Audit.Phrasings[r].PreRLRecall }
}

func cellOfRuns(a *ArmSummary, get func(*RunResult) float64) Cell {
	xs := make([]float64, len(a.Runs))
	for i, r := range a.Runs {
		xs[i] = get(r)
	}
	return cellOf(xs)
}

// curveCell aggregates the all-plans probe AUROC at curve point i (−1: last).
func curveCell(a *ArmSummary, i int) Cell {
	var xs []float64
	for _, r := range a.Runs {
		if len(r.Curve) == 0 {
			continue
		}
		j := i
		if j < 0 {
			j += len(r.Curve)
		}
		xs = append(xs, r.Curve[j].ProbeAUROCAll)
	}
	return cellOf(xs)
}

// paired is the mean difference get(a) − get(b) over seeds both arms ran.
func paired(a, b *ArmSummary, get func(*RunResult) float64) Cell {
	bySeed := map[int]*RunResult{}
	for _, r := range b.Runs {
		bySeed[r.Seed] = r
	}
	var xs []float64
	for _, r := range a.Runs {
		if o, ok := bySeed[r.Seed]; ok {
			xs = append(xs, get(r)-get(o))
		}
	}
	return cellOf(xs)
}

// pairedWithin is the mean of f(r) − g(r) over an arm's runs.
func pairedWithin(a *ArmSummary, f, g func(*RunResult) float64) Cell {
	return cellOfRuns(a, func(r *RunResult) float64 { return f(r) - g(r) })
}

func outcomeList(a *ArmSummary) string {
	var parts []string
	for _, o := range audit.Outcomes() {
		if n := a.Outcomes[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	return strings.Join(parts, ", ")
}

// techniqueFindings covers the interventions and evaluation-awareness
// experiments: each technique against the no-penalty arm of the same
// architecture and world (paired over seeds).
func techniqueFindings(s Summary) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	lieRate := func(r *RunResult) float64 { return r.Audit.LieRateSampled }
	recall := func(r *RunResult) float64 { return r.Audit.ProbeRecallThr }
	noneFor := func(a *ArmSummary) *ArmSummary {
		for i := range s.Arms {
			b := &s.Arms[i]
			c, d := b.Spec.Config, a.Spec.Config
			if len(b.Runs) > 0 && c.Arm.Kind == arm.KindNone && c.RL.Arch == d.RL.Arch && c.World == d.World {
				return b
			}
		}
		return nil
	}
	vsNone := func(a *ArmSummary) string {
		n := noneFor(a)
		if n == nil {
			return ""
		}
		d := paired(a, n, lieRate)
		verdict := "no clear change"
		if d.N >= 2 && d.Hi < 0 {
			verdict = "clearly less lying"
		} else if d.N >= 2 && d.Lo > 0 {
			verdict = "clearly more lying"
		}
		return fmt.Sprintf(" vs %s %s (paired difference %s: %s)", n.Name, fmtCell(n.Cells["lie_rate_sampled"], true), fmtDiff(d, true), verdict)
	}
	armStat := func(a *ArmSummary, key string) Cell {
		return cellOfRuns(a, func(r *RunResult) float64 {
			if v, ok := r.ArmStats[key]; ok {
				return v
			}
			return math.NaN()
		})
	}
	intervened := func(a *ArmSummary) Cell {
		return cellOfRuns(a, func(r *RunResult) float64 { return r.Audit.LieRateIntervened })
	}
	for i := range s.Arms {
		a := &s.Arms[i]
		if len(a.Runs) == 0 {
			continue
		}
		c := a.Spec.Config.Arm
		switch c.Kind {
		case arm.KindSteering:
			add("Preventative steering (%s: +%g × the %s concept vector at %s during RL only): lie rate at evaluation without the vector %s%s; with the vector left in, %s. Frozen probe recall at threshold %s.",
				a.Name, c.Steering.Alpha, c.Steering.Source, c.Steering.Site, fmtCell(a.Cells["lie_rate_sampled"], true), vsNone(a),
				fmtCell(intervened(a), true), fmtCell(a.Cells["probe_recall_at_threshold"], true))
		case arm.KindAblation:
			mode := "straight-through (activation effect only)"
			if !c.Ablation.Detached {
				mode = "in the graph (activation and gradient effect)"
			}
			add("Concept ablation (%s: %s ablation of %d %s direction(s) at %s, %s, training only): lie rate %s%s; with the ablation kept at evaluation %s; frozen probe AUROC %s.",
				a.Name, c.Ablation.Mode, c.Ablation.K, c.Ablation.Source, c.Ablation.Site, mode, fmtCell(a.Cells["lie_rate_sampled"], true), vsNone(a),
				fmtCell(intervened(a), true), fmtCell(a.Cells["probe_auroc"], false))
		case arm.KindGradFilter:
			what := strings.Join(c.Filter.Directions, ", ")
			if c.Filter.Random {
				what = "random directions (control) in place of " + what
			}
			add("Gradient filtering (%s: %s): removed %s of the update's norm per step; lie rate %s%s; frozen probe recall at threshold %s, AUROC %s.",
				a.Name, what, fmtCell(armStat(a, "removed_norm_fraction"), true), fmtCell(a.Cells["lie_rate_sampled"], true), vsNone(a),
				fmtCell(a.Cells["probe_recall_at_threshold"], true), fmtCell(a.Cells["probe_auroc"], false))
		case arm.KindProbeReward:
			if c.Readout != arm.ReadFrozenCopy {
				continue
			}
			var pol *ArmSummary
			for j := range s.Arms {
				b := &s.Arms[j]
				bc := b.Spec.Config
				if len(b.Runs) > 0 && bc.Arm.Kind == arm.KindProbeReward && bc.Arm.Readout == arm.ReadPolicy &&
					bc.RL.Arch == a.Spec.Config.RL.Arch && bc.World == a.Spec.Config.World && bc.Arm.Retrain == c.Retrain {
					pol = b
				}
			}
			sentence := fmt.Sprintf("Readout on a frozen copy (%s): lie rate %s%s; obfuscated-activations outcomes %d of %d; the frozen probe's recall at threshold on the policy %s.",
				a.Name, fmtCell(a.Cells["lie_rate_sampled"], true), vsNone(a), a.Outcomes[audit.ObfuscatedActivations], len(a.Runs),
				fmtCell(a.Cells["probe_recall_at_threshold"], true))
			if pol != nil {
				d := paired(a, pol, recall)
				sentence += fmt.Sprintf(" Against the policy readout (%s: lie rate %s, %d obfuscated-activations): recall difference %s.",
					pol.Name, fmtCell(pol.Cells["lie_rate_sampled"], true), pol.Outcomes[audit.ObfuscatedActivations], fmtDiff(d, true))
			}
			out = append(out, sentence)
		}
		if a.Spec.Config.World.TestProb > 0 {
			gap := cellOfRuns(a, func(r *RunResult) float64 { return r.Audit.LieRateUntested - r.Audit.LieRateTested })
			verdict := "no clear gap"
			if gap.N >= 2 && gap.Lo > 0 {
				verdict = "it lies clearly less when tested"
			} else if gap.N >= 2 && gap.Hi < 0 {
				verdict = "it lies clearly more when tested"
			}
			sentence := fmt.Sprintf("Evaluation awareness (%s): lie rate %s outside tests vs %s in tests, gap %s: %s; the awareness probe separates tests on the policy with AUROC %s.",
				a.Name, fmtCell(cellOfRuns(a, func(r *RunResult) float64 { return r.Audit.LieRateUntested }), true),
				fmtCell(cellOfRuns(a, func(r *RunResult) float64 { return r.Audit.LieRateTested }), true), fmtDiff(gap, true), verdict,
				fmtCell(cellOfRuns(a, func(r *RunResult) float64 { return r.Audit.AwarenessAUROC }), false))
			if c.Kind == arm.KindAwareness {
				closed := cellOfRuns(a, func(r *RunResult) float64 { return r.Audit.GapClosed })
				sentence += fmt.Sprintf(" Subtracting %g × the awareness vector at evaluation moves the test-episode lie rate to %s, closing %s of the gap (runs with a gap > 2 points: %d).",
					c.Steering.Alpha, fmtCell(cellOfRuns(a, func(r *RunResult) float64 { return r.Audit.LieRateTestedIntervened }), true), fmtCell(closed, true), closed.N)
			}
			out = append(out, sentence)
		}
	}
	return out
}

func fmtCell(c Cell, percent bool) string { return c.Sentence(percent) }
func fmtDiff(c Cell, percent bool) string { return c.Diff(percent) }
