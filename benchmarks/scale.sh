#!/usr/bin/env bash
# Scale benchmark: for each size in SIZES (persons), generate a register
# (seed SEED) under benchmarks/work/ unless one is already there, run
# `dedup run` on it under /usr/bin/time -v, evaluate it against the truth,
# and append one row to benchmarks/RESULTS.md (section "dedup run at
# scale"). Run by `make bench-scale SIZES="1000000 10000000"`.
#
# The row records the output's sha256 (clusters.parquet) so that a speed
# change that also changes results shows in the table.
#
# Environment: SIZES (default 1000000), SEED (1), WORKERS (all cores),
# BIN (bin/dedup), WORK (benchmarks/work), RESULTS (benchmarks/RESULTS.md),
# KEEP_RUN=1 keeps the run folder (default: removed after the row is
# written, as a 10M run folder is several GiB).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-1000000}
SEED=${SEED:-1}
WORKERS=${WORKERS:-$(nproc)}
BIN=${BIN:-bin/dedup}
WORK=${WORK:-benchmarks/work}
RESULTS=${RESULTS:-benchmarks/RESULTS.md}
KEEP_RUN=${KEEP_RUN:-0}

for tool in jq sha256sum /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "scale.sh: $tool is required" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "scale.sh: $BIN not built (make build)" >&2; exit 1; }
mkdir -p "$WORK"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
machine="$(nproc) cores, ${cpu:-unknown CPU}, $mem"

# The section header goes in once; rows are appended below it.
header='## dedup run at scale (benchmarks/scale.sh)'
if ! grep -qF "$header" "$RESULTS" 2>/dev/null; then
  cat >>"$RESULTS" <<EOF

$header

Rows appended by \`make bench-scale\`: \`dedup gen --people N --seed $SEED\`
(profile default, Parquet), then \`/usr/bin/time -v dedup run --workers W
--quiet --out RUN GEN/population\`, then \`dedup eval --json\` against
GEN/truth/population.parquet. Stage times are the run manifest's "stages"
(seconds); wall and peak RSS come from /usr/bin/time; P/R are pairwise
precision and recall; sha256 is the first 16 hex digits of
clusters.parquet's. The load average is /proc/loadavg's 1-minute figure
when the run started (the machine is shared).

| date | machine | load | command | records | candidate pairs | stages (s) | wall | CPU user+sys | peak RSS | clusters sha256 | P | R |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
EOF
fi

for n in $SIZES; do
  gen="$WORK/g$n"
  run="$WORK/r$n"
  if [ ! -f "$gen/manifest.json" ]; then
    echo "== generating $n persons into $gen"
    rm -rf "$gen"
    "$BIN" gen --people "$n" --seed "$SEED" --out "$gen" --quiet
  else
    echo "== reusing $gen"
  fi
  rm -rf "$run"
  cmd="dedup run --workers $WORKERS --quiet --out RUN GEN/population"
  load=$(cut -d' ' -f1 /proc/loadavg)
  echo "== $cmd (load $load)"
  /usr/bin/time -v -o "$WORK/time-$n.txt" "$BIN" run --workers "$WORKERS" --quiet --out "$run" "$gen/population"
  "$BIN" eval --truth "$gen/truth/population.parquet" --run "$run" --samples -1 --json "$WORK/eval-$n.json" >/dev/null

  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time-$n.txt")
  user=$(sed -n 's/.*User time (seconds): //p' "$WORK/time-$n.txt")
  sys=$(sed -n 's/.*System time (seconds): //p' "$WORK/time-$n.txt")
  rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time-$n.txt")
  m="$run/manifest.json"
  records=$(jq -r '.rows_in' "$m")
  pairs=$(jq -r '.pairs.candidates' "$m")
  stages=$(jq -r '[.stages[] | "\(.name) \(.seconds * 100 | round / 100)"] | join(", ")' "$m")
  sha=$(sha256sum "$run/clusters.parquet" | cut -c1-16)
  p=$(printf '%.4f' "$(jq -r '.pairwise.precision' "$WORK/eval-$n.json")")
  r=$(printf '%.4f' "$(jq -r '.pairwise.recall' "$WORK/eval-$n.json")")
  cpu_s=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.1f s", u + s}')
  rss=$(awk -v k="$rss_kb" 'BEGIN {printf "%.0f MiB", k / 1024}')
  row="| $(date -u +%Y-%m-%d) | $machine | $load | \`$cmd\` (N=$n, seed $SEED) | $(printf "%'d" "$records") | $(printf "%'d" "$pairs") | $stages | $wall | $cpu_s | $rss | \`$sha\` | $p | $r |"
  # After the last row of this section's results table (other tables and
  # sections may follow it in the file).
  benchmarks/insert-row.sh "$RESULTS" "$header" "$row"
  echo "$row"
  [ "$KEEP_RUN" = 1 ] || rm -rf "$run"
done
