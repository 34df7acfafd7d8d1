// Package experiment runs the vault across arms and seeds: it resolves each
// run's typed config, shares the pre-RL phases between the arms of a seed
// (a paired design: every arm of seed s starts from the same pre-trained
// network and the same fitted probes, so arm differences are not seed
// noise), runs one RL job per core, audits every run, and aggregates the
// results into a table with 95% confidence intervals over seeds and a
// findings section computed from those numbers.
//
// Seeding: seed s draws the world's mixing matrix from s, pre-training from
// stream (s, 1), RL from (s, 2) — the same stream for every arm (common
// random numbers) — the audit's episodes from (s, 3) and the curves' fixed
// episodes from (s, 4). The same config and seed give bit-identical results
// whatever the number of parallel jobs.
package experiment
