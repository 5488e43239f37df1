#!/usr/bin/env bash
# Runs benchmark scripts and appends one JSON line per run to bench/history.jsonl (date, machine,
# commit, every figure the script printed), then redraws bench/history.html (one chart per
# figure over time). The targets stay in the scripts; this keeps their history.
#
#   scripts/bench.sh [call|pileup|wgs ...]     (default: call)
#
# Each benchmark script prints its figures (`step wall cpu rss` rows and `label   value` ratio
# lines); the full output is kept as bench/logs/<date>-<commit>-<name>.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(call)
mkdir -p bench/logs
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo true || echo false)
for name in "${names[@]}"; do
  script=scripts/bench-$name.sh
  [ -f "$script" ] || { echo "no benchmark '$name' ($script)" >&2; exit 64; }
  log=bench/logs/$(date -u +%Y%m%dT%H%M%SZ)-$commit-$name.txt
  bash "$script" | tee "$log"
  python3 scripts/bench_history.py append bench/history.jsonl "$name" "$log" "$commit" "$dirty" \
    "${THREADS:-2}"
done
python3 scripts/bench_history.py html bench/history.jsonl bench/history.html
echo "history: bench/history.jsonl; plots: bench/history.html"
