// Package linkage compares record pairs and scores them with a
// Fellegi-Sunter model.
//
// # Comparison levels
//
// Every comparison maps a pair of values to an ordered level, the highest
// being the strongest evidence of a match, and to a similarity in [0, 1].
// Level -1 ([Null]) means a value is missing on either side: it carries no
// weight. Kernels work on primitives (byte slices of normalized forms,
// packed int32 dates and admin codes) and do not allocate:
//
//   - person_name ([CompareName]), n = number of Jaro-Winkler bands
//     (default 0.95, 0.88, 0.80): n+5 exact canonical (accented) form; n+4
//     exact folded form; n+3 equal regional-variant keys; n+2 same tokens
//     reordered; n+1 same family and given name with a middle name dropped
//     or abbreviated; n..1 Jaro-Winkler in each band (the weaker of the folded
//     full names' and given names' similarity);
//     0 else.
//   - date ([CompareDate], yyyymmdd with 00 for unknown parts): 5 exact;
//     4 day and month swapped; 3 one digit substituted or two adjacent
//     digits swapped; 2 same year and month; 1 same year; 0 else. Partial
//     dates compare only what both sides have.
//   - national_id ([CompareID]): 4 exact; 3 one digit off or an adjacent
//     transposition; a 9-digit CMND against a 12-digit CCCD (no digits in
//     common: the CCCD is a new number) 2 when the CMND's prefix was issued
//     by the CCCD's province, 1 when not, null when the partial prefix list
//     does not know the province; 0 else.
//   - phone ([ComparePhones]): 1 when any phone of one record is a phone of
//     the other; 0 else.
//   - vn_address ([CompareAddress]): 3 same 2025 ward; 2 same pre-2025
//     district; 1 same 2025 province; 0 else.
//   - text ([CompareString]): len(bands)+1 exact, Jaro-Winkler bands, 0 else;
//     exact ([CompareExact]): 1 equal, 0 else.
//
// A [Comparison] spec names the kind, the input columns and the bands;
// [Compile] validates specs and [Compiled.Bind] attaches them to the
// columnar store, giving a [Comparer] (one per worker) whose
// [Comparer.Compare] writes the comparison vector of a pair of rows.
//
// # Jaro-Winkler
//
// [JaroWinkler] is the standard similarity (prefix scale 0.1, prefix of at
// most 4, boost only above 0.7), greedy from the first string into the
// second as matchr does. For strings up to 64 bytes it keeps, per byte
// value of the second string, a bitmap of its positions; each byte of the
// first takes the lowest unmatched position inside its window in a few
// word operations, and transpositions are counted by walking both matched
// bitmaps. The prefix boost counts digits like letters.
//
// # Model
//
// For comparison k at level l, m = P(l | match) and u = P(l | non-match).
// The match weight of a pair is
//
//	W = log2(λ / (1-λ)) + Σ_k log2(m_k,l / u_k,l)
//
// over the non-null comparisons, and its match probability is
// 2^W / (1 + 2^W). λ is the probability that two random records match:
// the Bayes factors use u from random pairs, so the prior is over all
// record pairs, not over the blocked ones.
//
// [Train] estimates a model from comparison vectors counted in a
// [Histogram] (distinct vectors with their counts: training on millions of
// pairs costs as much as their few thousand patterns) and from value
// counts ([TrainingData]):
//
//   - u from random pairs of records ([EachUPair], [Model.SetU]): nearly
//     all are non-matches, so the level shares are u (with a pseudo-count
//     of 0.5 per level).
//   - m by EM per training rule ([Model.TrainEM]), on the rule's pairs
//     with the comparisons over the rule's own fields set to null
//     ([Histogram.AddMasked]), as Splink does: inside a rule's blocks the
//     non-matches agree on those fields, which would look like evidence of
//     a match. EM starts from a [Model.Clone] of the model with u from the
//     random pairs; inside the blocks it re-estimates u too
//     ([EMOptions].EstimateU, which a run sets unless model.em_fix_u is
//     true: a block's non-matches are namesakes, not random pairs), and
//     only its m is kept. Each level gets one pseudo observation against
//     the rule's expected number of matches (so no level is a veto), and
//     m is the mean over the rules that estimate it. The E step gives each
//     distinct vector the posterior p = λΠm / (λΠm + (1-λ)Πu); the M step
//     sets the rule's λ to the count-weighted mean of p and m_k,l to the
//     p-weighted share of level l among the pairs where comparison k is
//     not null.
//   - λ by fixed point with m and u fixed: the expected number of matches
//     among the blocked pairs (their full vectors, a sampled rule's counts
//     scaled back) over the number of all record pairs.
//   - u of the exact level of identifiers ([Kind.Identifier]: national
//     IDs, phones) from the value counts over all records ([ValueCounts]),
//     less the matches' share, because random pairs cannot see how rarely
//     two people share a number; λ is then found again (two rounds).
//
// Vectors are visited in sorted order so the float sums, and the model
// bytes, do not depend on the order the pairs arrived in.
//
// Term-frequency adjustment: on the exact levels of a comparison with
// TermFrequency set, the level's average u is replaced by
// max(f, TFMin), f being the frequency of the agreed value
// ([FreqTable]): agreeing on a rare name weighs more than agreeing on a
// common one. The weight of that comparison becomes log2(m / max(f, TFMin)).
//
// The model is saved as indented JSON ([Model.MarshalModel],
// [UnmarshalModel], [LoadModel]) with levels, labels, m, u, weights, λ and
// the training record (seed, pair counts, EM iterations, convergence).
package linkage
