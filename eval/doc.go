// Package eval measures a `dedup run` against a truth: pairwise precision,
// recall and F1 of the clusters, B-cubed precision and recall, the share of
// entities recovered exactly, blocking recall kept apart from scoring
// recall, a match-weight threshold sweep, an error analysis by the
// generator's corruption and hard-negative labels, and (link mode) the
// accuracy of subscriber verdicts per case.
//
// # Inputs
//
// The truth is a Parquet or CSV table with a record id column (default
// record_id) and an entity column (default person_id), optionally
// `corruptions` (";"-separated labels), `hard_negative` (label) and
// `hard_negative_group`. FEBRL files need no entity column: the entity is
// N in rec-N-org / rec-N-dup-K (column rec_id; [FEBRLAuto] detects it).
// The run folder holds manifest.json and clusters.parquet (record_id,
// cluster_id), both required, and optionally pairs.parquet. A folder
// without a manifest is refused: a run writes it last and a rerun removes
// it first, so the Parquet files beside no manifest may be a failed rerun's
// stale leftovers. Records are joined on record_id alone, which is unique
// in generated and FEBRL data. A truth sharing no record with the run is an
// error; a partial overlap is a warning with the counts.
//
// # How the figures are counted
//
// Nothing enumerates pairs of records. Record ids are hashed to 64 bits
// (two truth rows on one hash is an error, whether a duplicate id or a
// collision) and each truth record gets an [Assignment] (cluster, entity).
// From the contingency table of (cluster, entity), [Contingency] counts
// TP = Σ_cells C(n,2), predicted pairs = Σ_clusters C(n,2) and true pairs =
// Σ_entities C(n,2). A truth record absent from the run (rejected) is its
// own singleton cluster: its true pairs are false negatives, also reported
// as fn_absent_record. Run records unknown to the truth are counted
// (records.run_not_in_truth) and otherwise ignored. A rate whose
// denominator is zero is 1 (nothing claimed, nothing to find).
//
// The pairs file gives the rest, in one streaming pass: a true pair is
// "blocked" when it appears there, so blocking recall is exact only when
// the run wrote every scored pair (no weight floor); the report says so in
// blocking.blocking_recall_basis, and [BlockingRecall] takes exact counts
// when the pipeline has them. The threshold sweep and the pair-level
// figures are pair decisions (weight ≥ threshold) without clustering, and
// see only the pairs in the file; their recall's denominator is every true
// pair. The threshold comes from manifest.json (read by
// runfolder.ReadManifest: "threshold": {"match_weight": W,
// "match_probability": P}) unless Options.Threshold overrides it; it does
// not change the clusters.
//
// # JSON report (schema_version 1)
//
// Keys are stable; new keys may be added without a version change. Rates
// are fractions in [0, 1].
//
//	schema_version        1
//	truth, run            input paths
//	run_manifest_sha256   SHA-256 of the run's manifest.json bytes: the run's identity,
//	                      which `dedup report --eval` checks against the run folder
//	truth_entity          "column:<name>" or "febrl_rec_id"
//	threshold             {match_weight, match_probability?, source: manifest|flag}; absent if unknown
//	records               {truth, in_run, absent_from_run, run_not_in_truth, entities, clusters}
//	pairwise              clusters vs truth: {true_pairs, predicted_pairs, tp, fp, fn,
//	                      fn_absent_record, precision, recall, f1}
//	cluster               {bcubed_precision, bcubed_recall, bcubed_f1, entities_exact,
//	                      entities_exact_share, entities_multi, entities_multi_exact,
//	                      entities_multi_exact_share}
//	blocking              (with pairs.parquet) {blocking_recall_basis, pairs_in_file,
//	                      pairs_unknown_records, pairs_no_weight, true_pairs_blocked,
//	                      true_pairs_not_blocked, blocking_recall, scoring_recall,
//	                      rules: [{rule, pairs, true_pairs}]}
//	pair_level            pairs at/above the threshold, same keys as pairwise
//	sweep                 {basis: "pairs_file", step, points: [{match_weight, tp, fp, fn,
//	                      precision, recall, f1}] ascending, best: point of highest F1}
//	errors                {fn_by_corruption: [{label, true_pairs, fn, recall}],
//	                      fp_by_hard_negative: [{label, fp}] ("(none)": not a planted pair),
//	                      worst_fp, worst_fn: [{left_id, right_id, match_weight,
//	                      match_probability, blocking_rule, levels: {comparison: level},
//	                      sims: {comparison: similarity}, labels}]}
//	verdicts              link mode: {total, correct, scored, accuracy, verdicts_not_in_truth,
//	                      cases: [{case, total, expected, correct, accuracy,
//	                      verdicts: [{verdict, count}]}]}
//	id_stability          with --previous: {previous, id_column (person_id, or cluster_id when
//	                      a run lacks it), changed_basis, events, persons, persons_changed,
//	                      persons_not_in_both_runs, persons_unchanged, persons_kept_id,
//	                      persons_changed_id, share_kept, note}: counts only, never an ID
//	golden                (with golden.parquet and a truth holding true_* columns)
//	                      {records, fields: [{field, truth_column, singletons, multi:
//	                      {records, equal, share, supported, supported_equal,
//	                      supported_share}, mismatch_by_corruption: [{label,
//	                      singletons, multi, examples, examples_multi}]}]}: each golden
//	                      record against the person most of its members belong to;
//	                      supported: the records where a member of that person holds
//	                      the true value (no corruption of the field but ones
//	                      normalization undoes), the rest no survivorship can recover;
//	                      examples are cluster ids, never values
//	warnings              what limits the figures (records of the truth not in the run,
//	                      records of the run not in the truth), with counts; absent if none
//
// Samples carry record ids, levels and similarities only: never a name, an
// ID number or a phone.
package eval
