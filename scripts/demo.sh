#!/usr/bin/env bash
# Demo: generate a synthetic Vietnamese register with ground truth, link it
# with the embedded default config, and measure the result against the
# truth. Run by `make demo` after `make build` (binary: bin/dedup).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-bin/dedup}
OUT=${OUT:-demo-out}
PEOPLE=${PEOPLE:-200000}
SEED=${SEED:-1}

rm -rf "$OUT"
echo "== dedup gen: $PEOPLE persons, seed $SEED, into $OUT/"
"$BIN" gen --people "$PEOPLE" --seed "$SEED" --out "$OUT" --profile default

# Short summary from the manifest (python3 if present, else the raw counts).
if command -v python3 >/dev/null; then
  python3 - "$OUT/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
pop = [f for f in m["files"] if f["path"].startswith("population/")]
subs = [f for f in m["files"] if f["path"].startswith("subscribers/")]
print(f"persons {m['people']:,}  records {m['records']:,} in {len(pop)} province files  "
      f"subscriptions {m['subscriptions']:,} in {len(subs)} carrier files")
print("subscriptions per carrier: " + ", ".join(f"{f['path'][12:-8]} {f['rows']:,}" for f in subs))
top = sorted(m["corruptions"].items(), key=lambda kv: -kv[1])[:8]
print("commonest corruptions: " + ", ".join(f"{k} {v:,}" for k, v in top))
print("subscriber cases: " + ", ".join(f"{k} {v:,}" for k, v in sorted(m["subscriber_cases"].items())))
print("hard negatives (persons): " + ", ".join(f"{k} {v:,}" for k, v in sorted(m["hard_negatives"].items())))
PY
else
  grep -E '"(people|records|subscriptions)"' "$OUT/manifest.json"
fi

echo
echo "== dedup run: link the province extracts into one register ($OUT/run/)"
"$BIN" run --out "$OUT/run" --verbose --quiet "$OUT/population"

echo
echo "== dedup eval: precision and recall against the generator's truth"
"$BIN" eval --truth "$OUT/truth/population.parquet" --run "$OUT/run" --samples 5 --json "$OUT/eval.json"
