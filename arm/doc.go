// Package arm holds interloop's training techniques, one file each. An arm
// is a train.Arm that implements whichever abilities its technique needs:
//
//	none.go          proxy reward only — the premise check (lying should emerge)
//	probe_reward.go  reward − λ·probe score of the chosen plan; no gradient through the probe
//	probe_loss.go    λ·probe score as a differentiable loss; gradient flows through the probe
//	                 into the belief network (end-to-end only)
//	truth_monitor.go reward − λ for lies a ground-truth monitor of stated recall catches
//	retrain.go       the retraining schedule any probe arm can use: frozen, or refit every N
//	                 steps on fresh instructed episodes or on ground-truth-labelled
//	                 spontaneous episodes
//
// Every penalty ramps in linearly over Warmup steps (λ warm-up). Arms are
// built from a Config by New; the pre-RL probe and data they need come in a
// Setup. An arm instance belongs to one run.
//
// Writing a new technique: add a file with a type that has Name() and the
// abilities it needs (train.RewardShaper, train.LossTerm, train.Intervener,
// train.GradEditor, train.StepObserver), and a case in New.
package arm
