// Package report renders `dedup report`: one self-contained HTML page that
// a data team reads every morning to check a run at a glance.
//
// The page has no scripts and fetches nothing: styles are inline and every
// chart is inline SVG whose data marks (bars, points) carry a data-value
// attribute, so tests and scrapers can read the figures back. Sections:
//
//   - summary: rows in, rejected (by reason), clusters, golden records,
//     pairs, threshold and the time of each stage (manifest.json);
//   - quality: the golden records' four criteria (correct, complete, clean,
//     live) as counts and shares, overall and per 2025 province
//     (golden.parquet);
//   - blocking: candidate pairs per rule and the largest blocks;
//   - model: m, u and the match weight of every comparison level
//     (model.json), drawn like Splink's match-weights chart;
//   - match weights: the distribution of the scored pairs' weights with
//     the threshold marked (pairs.parquet, weight column only);
//   - clusters: the distribution of cluster sizes;
//   - evaluation (with an eval JSON): precision, recall and F1 against the
//     threshold;
//   - verification (when the folder holds a `dedup verify` output):
//     verdicts per carrier and ID numbers over the SIM limit.
//
// Cost: the page is built from the manifest, the model and aggregates.
// pairs.parquet is streamed one column (match_weight) into a histogram and
// golden.parquet five columns into per-province counters, so memory does
// not grow with the run.
//
// Privacy: the page never shows a full ID number or phone number unless
// Options.ShowPII is set; otherwise only the last three digits survive
// (see runfolder.Mask).
package report
