#!/usr/bin/env bash
# Sector linking benchmark: one night of `dedup run --state` over
# DATA/population (as `dedup gen --sectors ...` writes it), then `dedup
# link --register` of each sector table DATA/sectors/NAME.parquet with the
# config `dedup config NAME` prints, each under /usr/bin/time, scored by
# `dedup eval --links` against DATA/truth/sectors/NAME.parquet through the
# state's lookup.
#
# usage: benchmarks/link.sh DATA OUT   (BIN=bin/dedup, STATE=an existing
#        state to link against instead of making one, SECTORS="bhxh vehicles
#        passports" or those DATA holds)
# Prints per sector: rows, wall, peak RSS, candidates, verdicts, linked
# precision, recall and not_found accuracy.
set -euo pipefail
DATA=$1
OUT=$(realpath -m "$2")
BIN=${BIN:-bin/dedup}
mkdir -p "$OUT"
STATE=${STATE:-}
if [ -z "$STATE" ]; then
  STATE=$OUT/state
  rm -rf "$STATE" "$OUT/night"
  /usr/bin/time -f "%e s %M KB" "$BIN" run --quiet --state "$STATE" --out "$OUT/night" "$DATA/population" 2> "$OUT/night.time" > /dev/null
  echo "night: $(tail -1 "$OUT/night.time")"
fi
rm -rf "$OUT/register"
"$BIN" lookup --state "$STATE" --out "$OUT/register" > /dev/null
SECTORS=${SECTORS:-$(cd "$DATA/sectors" && ls *.parquet | sed 's/\.parquet$//')}
for s in $SECTORS; do
  "$BIN" config "$s" > "$OUT/$s.yaml"
  rm -rf "$OUT/$s"
  /usr/bin/time -f "%e s %M KB" "$BIN" link --quiet --verbose --register "$STATE" --config "$OUT/$s.yaml" --out "$OUT/$s" \
    "$s=$DATA/sectors/$s.parquet" > "$OUT/$s.out" 2> "$OUT/$s.log"
  "$BIN" eval --links "$OUT/$s/links.parquet" --truth "$DATA/truth/sectors/$s.parquet" \
    --register-run "$OUT/register" --register-truth "$DATA/truth/population.parquet" > "$OUT/$s.eval"
  echo "$s: $(cat "$OUT/$s.out" | tr -d '\n') | $(tail -1 "$OUT/$s.log")"
  grep -E "linked precision|recall|not_found accuracy" "$OUT/$s.eval" | sed 's/^/    /'
done
