#!/usr/bin/env bash
# The long fuzz runs recorded in docs/reliability.md: every operation of the OpenAPI
# document at FUZZ_RUNS requests (default 10,000) on one engine, the operations split into
# six groups by resource that run JOBS at a time (default 2, one per core), each group with
# its own seed so no two share a request sequence. Every operation's line goes to the log
# and the sums are printed at the end.
#
# Usage:
#   scripts/fuzz-long.sh                      PGlite, 10,000 requests per operation
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test scripts/fuzz-long.sh
#   FUZZ_RUNS=1000 SEED=7100 JOBS=1 scripts/fuzz-long.sh      shorter, another seed, one at a time
# Expect about 13 minutes per engine at 10,000 with JOBS=1 (both engines side by side on two cores).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS=${FUZZ_RUNS:-10000}
SEED=${SEED:-$([[ -n ${DATABASE_URL:-} ]] && echo 7002 || echo 7001)}
JOBS=${JOBS:-2}
engine=$([[ -n ${DATABASE_URL:-} ]] && echo postgres || echo pglite)
log=${LOG:-fuzz-long-${engine}-$(date -u +%Y%m%dT%H%M).log}

# The main resources first, so their figures come in early.
groups=(
  'User'
  'Authentication|Customer|Organisation|Classroom|Placement|Events'
  'Standard|Unit|FrameworkTemplate'
  'LearningAim|UnitSummary'
  'Provider|Visit|Review'
  'Plan|Timesheet'
)

echo "fuzz-long: ${engine}, ${RUNS} requests per operation, seeds from ${SEED}, ${JOBS} group(s) at a time; log: ${log}"
started=$SECONDS
: >"$log"
run_group() { # index pattern
  local only="^[A-Z]+ /api/v2\\.1/(${2})(/|\$)"
  FUZZ_RUNS=$RUNS FUZZ_SEED=$((SEED + $1 * 100)) FUZZ_ONLY=$only \
    node --import tsx test/integration/fuzz.test.ts 2>&1 | grep --line-buffered '^fuzz ' | tee -a "$log" || true
}
for i in "${!groups[@]}"; do
  while (($(jobs -rp | wc -l) >= JOBS)); do wait -n || true; done
  run_group "$i" "${groups[$i]}" &
done
wait

# Each operation's line: "fuzz ENGINE METHOD /path: N requests, F 5xx, M malformed, S s [...]".
awk -v minutes="$(((SECONDS - started + 30) / 60))" '
  / requests, / && !/ total: / { ops++; for (i = 1; i <= NF; i++) { if ($(i+1) == "requests,") req += $i; if ($(i+1) == "5xx,") fx += $i; if ($(i+1) == "malformed,") mal += $i } }
  END { printf "fuzz-long: %d operations, %d requests, %d 5xx, %d malformed, %d min\n", ops, req, fx, mal, minutes; exit (fx + mal > 0) }
' "$log"
