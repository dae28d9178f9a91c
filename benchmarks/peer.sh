#!/usr/bin/env bash
# Peer benchmark, two comparisons (see benchmarks/README.md).
#
# 1. Blocking + Jaro-Winkler: dedup's kernels against the same work in
# DuckDB, on the same normalized file. For each
# size in SIZES: generate a register under benchmarks/work/ unless one is
# there, export its normalized fields once (benchmarks/export), run
# benchmarks/ours and benchmarks/peer on that file under /usr/bin/time -v,
# check that both found the same candidate pairs per rule and the same sum
# of similarities, and append a row to benchmarks/RESULTS.md with the
# ratio.
#
# 2. End to end (peer-e2e.sh): `dedup run --model M` against
# benchmarks/peer/e2e, the same job as Splink-style SQL on DuckDB, on the
# same register, RUNS times each, alternating, with a row in RESULTS.md.
#
# Run by `make bench-peer SIZES="1000000 10000000"`.
#
# Environment: SIZES (default 1000000), SEED (1), THREADS (all cores; both
# sides get the same number), BIN (bin/dedup), WORK (benchmarks/work),
# RESULTS (benchmarks/RESULTS.md), RUNS (3 runs a side end to end; 0 skips
# the end-to-end comparison), BLOCKING (1; 0 skips the blocking + JW
# comparison), LOCK (a file: each dedup + peer pair of end-to-end runs
# then holds `flock LOCK`, for a machine shared with other heavy jobs).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-1000000}
SEED=${SEED:-1}
THREADS=${THREADS:-$(nproc)}
BIN=${BIN:-bin/dedup}
WORK=${WORK:-benchmarks/work}
RESULTS=${RESULTS:-benchmarks/RESULTS.md}
GO=${GO:-go}

for tool in jq /usr/bin/time gcc; do
  command -v "$tool" >/dev/null || { echo "peer.sh: $tool is required" >&2; exit 1; }
done
mkdir -p "$WORK" bin
echo "== building export, ours (pure Go) and peer (cgo, DuckDB)"
$GO build -o bin/bench-export ./benchmarks/export
$GO build -o bin/bench-ours ./benchmarks/ours
(cd benchmarks/peer && CGO_ENABLED=1 $GO build -o ../../bin/bench-peer . && CGO_ENABLED=1 $GO build -o ../../bin/bench-e2e ./e2e)
RUNS=${RUNS:-3}
BLOCKING=${BLOCKING:-1}
LOCK=${LOCK:-}
# shellcheck source=peer-e2e.sh
. benchmarks/peer-e2e.sh

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
machine="$(nproc) cores, ${cpu:-unknown CPU}, $mem"

header='## Peer: blocking + Jaro-Winkler, dedup vs DuckDB (benchmarks/peer.sh)'
if ! grep -qF "$header" "$RESULTS" 2>/dev/null; then
  cat >>"$RESULTS" <<EOF

$header

Rows appended by \`make bench-peer\`. Both sides read the same Parquet file
of normalized fields (benchmarks/export over GEN/population) and compute
the default config's blocking rules (full blocks up to 1000 records,
larger ones capped with a 20-record sorted-neighbourhood window), each pair
once under its first rule, and the Jaro-Winkler similarity of the folded
names of every pair (benchmarks/README.md says exactly what). "work" is
the wall time of keys + blocking + pairs + similarity, excluding reading
the file (timed inside each program); "process" is /usr/bin/time's wall
time of the whole program, file reading and start-up included. The check
column says whether pair counts per rule and the sum of similarities
(to 1e-9 relative) agree.

| date | machine | load | records | candidate pairs | threads | dedup work | DuckDB work | ratio (work) | dedup process / peak RSS | DuckDB process / peak RSS | ratio (process) | check |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
EOF
fi

secs() { # h:mm:ss or m:ss.cc from /usr/bin/time into seconds
  awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }' <<<"$1"
}

for n in $SIZES; do
  gen="$WORK/g$n"
  norm="$WORK/norm$n.parquet"
  if [ ! -f "$gen/manifest.json" ]; then
    echo "== generating $n persons into $gen"
    rm -rf "$gen"
    "$BIN" gen --people "$n" --seed "$SEED" --out "$gen" --quiet
  fi
  # The export's columns follow the config's rules: redo it when they change.
  rules=$(bin/bench-export --rules)
  if [ "$BLOCKING" != 0 ]; then
  if [ ! -f "$norm" ] || [ "$(cat "$norm.rules" 2>/dev/null)" != "$rules" ]; then
    echo "== exporting normalized fields to $norm"
    bin/bench-export --out "$norm" "$gen/population"
    echo "$rules" >"$norm.rules"
  fi
  load=$(cut -d' ' -f1 /proc/loadavg)
  echo "== dedup (load $load)"
  /usr/bin/time -v -o "$WORK/time-ours-$n.txt" bin/bench-ours --in "$norm" --rules "$rules" --workers "$THREADS" >"$WORK/ours-$n.json"
  echo "== DuckDB"
  /usr/bin/time -v -o "$WORK/time-peer-$n.txt" bin/bench-peer --in "$norm" --rules "$rules" --threads "$THREADS" >"$WORK/peer-$n.json"

  o="$WORK/ours-$n.json"
  p="$WORK/peer-$n.json"
  check=$(jq -n --slurpfile o "$o" --slurpfile p "$p" -r '
    ($o[0]) as $a | ($p[0]) as $b |
    if $a.pairs_per_rule != $b.pairs_per_rule then "DIFFERENT pairs per rule"
    elif ((($a.sum_jw - $b.sum_jw) | fabs) > 1e-9 * ([$a.sum_jw, 1] | max)) then "DIFFERENT sum of JW"
    elif $a.pairs_jw_ge_0_88 != $b.pairs_jw_ge_0_88 then "DIFFERENT JW >= 0.88 count"
    else "same pairs (per rule) and JW sum" end')
  ow=$(jq -r '.seconds.keys + .seconds.block + .seconds.score' "$o")
  pw=$(jq -r '.seconds.block + .seconds.score' "$p")
  ot=$(secs "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time-ours-$n.txt")")
  pt=$(secs "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time-peer-$n.txt")")
  orss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time-ours-$n.txt")
  prss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time-peer-$n.txt")
  row=$(awk -v d="$(date -u +%Y-%m-%d)" -v m="$machine" -v l="$load" -v n="$(jq -r .records "$o")" \
    -v pairs="$(jq -r .pairs "$o")" -v t="$THREADS" -v ow="$ow" -v pw="$pw" -v ot="$ot" -v pt="$pt" \
    -v orss="$orss" -v prss="$prss" -v c="$check" 'BEGIN {
      printf "| %s | %s | %s | %d | %d | %d | %.2f s | %.2f s | %.1fx | %.2f s / %.0f MiB | %.2f s / %.0f MiB | %.1fx | %s |",
        d, m, l, n, pairs, t, ow, pw, pw / ow, ot, orss / 1024, pt, prss / 1024, pt / ot, c }')
  benchmarks/insert-row.sh "$RESULTS" "$header" "$row"
  echo "$row"
  jq -c '{engine, seconds, pairs_per_rule}' "$o" "$p"
  fi
  if [ "$RUNS" -gt 0 ]; then end_to_end "$n" "$gen" "$rules"; fi
done
