#!/usr/bin/env bash
# insert-row.sh RESULTS HEADER ROW: insert ROW after the last row of the
# first table below the line HEADER in RESULTS (a section may hold other
# tables and prose after its results table, and other sections follow).
# With no table there, ROW goes at the end of the section.
set -euo pipefail
results=$1 header=$2
ROW=$3 awk -v header="$header" '
  { lines[NR] = $0 }
  $0 == header { in_section = 1; next }
  in_section && /^## / { in_section = 0; if (!last) last = NR - 1 }
  in_section && !done && /^\|/ { last = NR; seen = 1; next }
  in_section && seen { done = 1 }
  END {
    if (!last) last = NR
    for (i = 1; i <= NR; i++) {
      print lines[i]
      if (i == last) print ENVIRON["ROW"]
    }
  }' "$results" >"$results.tmp"
mv "$results.tmp" "$results"
