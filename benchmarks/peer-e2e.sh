# Sourced by peer.sh: the end-to-end comparison, `dedup run --model M`
# against benchmarks/peer/e2e (the same job as Splink-style SQL on DuckDB)
# on the same register. Uses peer.sh's BIN, WORK, RESULTS, THREADS, RUNS,
# LOCK and machine.

e2e_header='## Peer: end to end, dedup run --model vs Splink-style SQL on DuckDB (benchmarks/peer.sh)'

# What the peer computes, printed after each comparison (benchmarks/README.md
# has the long form).
what_peer_does="The peer (benchmarks/peer/e2e, DuckDB SQL written as Splink generates it) computes:
  clean    lower / strip_accents / trim / collapsed spaces of the name; dates by strptime
           (d/m/Y, d.m.Y, d-m-Y, Y-m-d, Ymd; two-digit and bare years); ID and phone digits
           (84 -> 0); gender codes; the permanent address's last comma part looked up in a
           province table (old and 2025 names -> 2025 province), its ward and district by regex
  block    the config's rules (export --rules), each a self-join on its keys WHERE NOT an
           earlier rule, as Splink does; no block cap (Splink has none)
  score    the model's comparison levels as CASE expressions, its weights and prior, and
           the tf adjustment log2(m / max(tf, tf_min)) on the exact name levels
  cluster  connected components at the threshold by iterated SQL (Splink's algorithm)
  write    clusters.parquet, pairs.parquet (weight >= -10), a manifest for dedup eval
It does not: repair legacy encodings (TCVN3, VNI), resolve addresses to ward or district
codes (text equality instead), compare the current address, map old 11-digit phones,
use dedup's regional name-variant key (the phonetic key instead), apply cannot-link
constraints, train a model, or write golden records (dedup writes golden.parquet)."

# e2e_results_header appends the section's header and table head to
# RESULTS once.
e2e_results_header() {
  grep -qF "$e2e_header" "$RESULTS" 2>/dev/null && return
  cat >>"$RESULTS" <<EOF

$e2e_header

Rows appended by \`make bench-peer\`. Both sides read the raw register
(GEN/population) and write clusters and pairs; dedup also writes golden
records and cleans more (benchmarks/README.md says exactly what the peer
does and does not compute). Runs alternate dedup, peer, dedup, peer...;
"wall" lists every run's /usr/bin/time wall time, "RSS" the largest peak
RSS; the ratio is the peer's median wall over dedup's. "load" is the
1-minute load average before each pair of runs (other jobs share the
machine). P / R: pairwise precision and recall of the clusters
(\`dedup eval\` against the register's truth); "accepted" counts the pairs
at or above the threshold of dedup / of the peer / of both.

| date | machine | load | records | threads | dedup wall | dedup RSS | peer wall | peer RSS | ratio | dedup P / R | peer P / R | accepted pairs dedup / peer / both |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
EOF
}

# end_to_end N GEN RULES: the whole-pipeline comparison at one size.
end_to_end() {
  local n=$1 gen=$2 rules=$3
  local model="$WORK/train$n/model.json" ref="$WORK/refdata"
  local ours="$WORK/e2e-ours-$n" peer="$WORK/e2e-peer-$n"
  if [ ! -f "$model" ]; then
    echo "== training a model on $gen (once, into $WORK/train$n)"
    "$BIN" run --quiet --out "$WORK/train$n" "$gen/population"
    find "$WORK/train$n" -name '*.parquet' -delete
  fi
  bin/bench-export --refdata "$ref"
  e2e_results_header
  local loads="" ow="" pw="" orss=0 prss=0 i t m
  for i in $(seq "$RUNS"); do
    if [ -n "$LOCK" ]; then exec 9>>"$LOCK"; flock 9; fi
    loads="$loads${loads:+ }$(cut -d' ' -f1 /proc/loadavg)"
    echo "== end to end $i/$RUNS (load ${loads##* }): dedup run --model, then the peer"
    /usr/bin/time -f "%e %M" -o "$WORK/time-e2e-ours-$n.txt" \
      "$BIN" run --model "$model" --workers "$THREADS" --quiet --out "$ours" "$gen/population"
    /usr/bin/time -f "%e %M" -o "$WORK/time-e2e-peer-$n.txt" \
      bin/bench-e2e --in "$gen/population/*.parquet" --model "$model" --refdata "$ref" \
      --rules "$rules" --threads "$THREADS" --out "$peer" >"$WORK/e2e-peer-$n.json"
    if [ -n "$LOCK" ]; then exec 9>&-; fi
    read -r t m < <(tail -1 "$WORK/time-e2e-ours-$n.txt")
    ow="$ow $t"; [ "$m" -gt "$orss" ] && orss=$m
    echo "   dedup $t s $m KB"
    read -r t m < <(tail -1 "$WORK/time-e2e-peer-$n.txt")
    pw="$pw $t"; [ "$m" -gt "$prss" ] && prss=$m
    echo "   peer  $t s $m KB"
  done
  local truth="$gen/truth/population.parquet" opr="-" ppr="-" pr
  pr='.pairwise | "\(.precision * 10000 | round / 10000) / \(.recall * 10000 | round / 10000)"'
  if [ -f "$truth" ]; then
    opr=$("$BIN" eval --truth "$truth" --run "$ours" --json - | jq -r "$pr")
    ppr=$("$BIN" eval --truth "$truth" --run "$peer" --json - | jq -r "$pr")
  fi
  local agree row
  agree=$(bin/bench-e2e --agree "$ours,$peer" | jq -r '"\(.accepted_pairs_ours) / \(.accepted_pairs_peer) / \(.accepted_pairs_both)"')
  row=$(awk -v d="$(date -u +%Y-%m-%d)" -v mach="$machine" -v l="$loads" -v n="$(jq -r .records "$WORK/e2e-peer-$n.json")" \
    -v t="$THREADS" -v ow="$ow" -v pw="$pw" -v orss="$orss" -v prss="$prss" -v opr="$opr" -v ppr="$ppr" -v ag="$agree" '
    function median(s,   a, k, i, j, x) {
      k = split(s, a, " ")
      for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) a[j + 1] = a[j]; a[j + 1] = x }
      return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    function list(s,   a, k, i, o) {
      k = split(s, a, " "); o = ""
      for (i = 1; i <= k; i++) o = o (i > 1 ? ", " : "") sprintf("%.2f", a[i])
      return o " s"
    }
    BEGIN {
      printf "| %s | %s | %s | %d | %d | %s | %.0f MiB | %s | %.0f MiB | %.2fx | %s | %s | %s |",
        d, mach, l, n, t, list(ow), orss / 1024, list(pw), prss / 1024, median(pw) / median(ow), opr, ppr, ag
    }')
  benchmarks/insert-row.sh "$RESULTS" "$e2e_header" "$row"
  echo "$row"
  echo "$what_peer_does"
}
