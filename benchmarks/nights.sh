#!/usr/bin/env bash
# Nightly register benchmark: a first night (full run that writes the
# state) over DATA/population, then one incremental night per
# DATA/nights/N/population (as `dedup gen --nights K` writes them), each
# under /usr/bin/time; then a full run with the state's model over the last
# snapshot, whose cluster membership must equal the state's register
# (`dedup lookup`), IDs aside. Each night's register is evaluated against
# its truth, with the share of unchanged persons that kept their ID.
#
# usage: benchmarks/nights.sh DATA OUT   (BIN=bin/dedup, WORKERS=all cores,
#        EXTRA="--spill always --memory 2GiB" for a spilled register,
#        CHANGES=1: nights 1.. as change files, upserts and deletes made by
#        benchmarks/nightdiff from consecutive snapshots, run with --changes)
# Prints one line per night: wall, peak RSS, records new/changed/deleted,
# re-scored, events; P/R; ID stability; and the membership check.
set -euo pipefail
DATA=$1
OUT=$(realpath -m "$2")
BIN=${BIN:-bin/dedup}
WORKERS=${WORKERS:-$(nproc)}
EXTRA=${EXTRA:-}
CHANGES=${CHANGES:-0}
if [ "$CHANGES" = 1 ]; then
  (cd "$(dirname "$0")/.." && go build -o "$OUT.nightdiff" ./benchmarks/nightdiff)
fi
for tool in jq sha256sum /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "nights.sh: $tool is required" >&2; exit 1; }
done
rm -rf "$OUT"
mkdir -p "$OUT"
STATE=$OUT/state

nights=$(ls -d "$DATA"/nights/*/ 2>/dev/null | wc -l)
for n in $(seq 0 "$nights"); do
  if [ "$n" = 0 ]; then in=$DATA/population; truth=$DATA/truth/population.parquet
  else in=$DATA/nights/$n/population; truth=$DATA/nights/$n/truth/population.parquet; fi
  if [ "$CHANGES" = 1 ] && [ "$n" -gt 0 ]; then
    before=$DATA/population
    [ "$n" -gt 1 ] && before=$DATA/nights/$((n-1))/population
    "$OUT.nightdiff" --old "$before" --new "$in" --upserts "$OUT/changes$n/up/population.parquet" --deletes "$OUT/changes$n/deletes.parquet" >/dev/null
    /usr/bin/time -f "%e %M" -o "$OUT/time$n" "$BIN" run --quiet --workers "$WORKERS" $EXTRA --state "$STATE" --changes --deletes "$OUT/changes$n/deletes.parquet" --out "$OUT/night$n" "$OUT/changes$n/up"
  else
    /usr/bin/time -f "%e %M" -o "$OUT/time$n" "$BIN" run --quiet --workers "$WORKERS" $EXTRA --state "$STATE" --out "$OUT/night$n" "$in"
  fi
  "$BIN" lookup --state "$STATE" --out "$OUT/register$n" >/dev/null
  prev=""
  [ "$n" -gt 0 ] && prev="--previous $OUT/register$((n-1))"
  "$BIN" eval --truth "$truth" --run "$OUT/register$n" $prev --json - > "$OUT/eval$n.json"
  read -r wall rss < "$OUT/time$n"
  jq -r --arg n "$n" --arg wall "$wall" --arg rss "$((rss/1024))" \
    '"night \($n): \($wall) s, \($rss) MiB; records \(.night.records_new) new \(.night.records_changed) changed \(.night.records_deleted) deleted, region \(.night.records_region), re-scored \(.night.records_rescored), full \(.night.full); events \(.night.events)"' \
    "$OUT/night$n/manifest.json"
  jq -r '"  register: P \(.pairwise.precision) R \(.pairwise.recall)" + (if .id_stability then ", unchanged persons kept their ID: \(.id_stability.persons_kept_id)/\(.id_stability.persons_unchanged)" else "" end)' "$OUT/eval$n.json"
done

# The last night's register against a full run with the state's model.
last=$( [ "$nights" -gt 0 ] && echo "$DATA/nights/$nights/population" || echo "$DATA/population")
model=$(ls -d "$STATE"/gen-*/ | tail -1)model.json
/usr/bin/time -f "%e %M" -o "$OUT/timefull" "$BIN" run --quiet --workers "$WORKERS" $EXTRA --model "$model" --out "$OUT/full" "$last"
read -r wall rss < "$OUT/timefull"
# The full run's clusters as the truth: precision and recall 1 over the
# same records is the same partition.
"$BIN" eval --truth "$OUT/full/clusters.parquet" --truth-entity cluster_id --run "$OUT/register$nights" --json - > "$OUT/evalfull.json"
jq -r --arg wall "$wall" --arg rss "$((rss/1024))" --arg n "$nights" \
  '"full run with the state model over night \($n): \($wall) s, \($rss) MiB; register vs full run: P \(.pairwise.precision) R \(.pairwise.recall), records \(.records.truth) / \(.records.in_run) (" + (if .pairwise.precision == 1 and .pairwise.recall == 1 and .records.absent_from_run == 0 and .records.run_not_in_truth == 0 then "SAME clusters" else "DIFFERENT" end) + ")"' "$OUT/evalfull.json"
