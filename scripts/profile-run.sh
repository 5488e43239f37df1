#!/usr/bin/env bash
# Where the CPU of `run` T/N goes: samples one run with perf (software clock: works in VMs
# without hardware counters), folds the stacks into the functions of docs/performance.md
# ("profile") and draws a flame graph.
#
#   scripts/profile-run.sh TUMOR.bam NORMAL.bam REF.fa OUT_PREFIX [extra run flags...]
#
# Writes OUT_PREFIX.folded (collapsed stacks), OUT_PREFIX.svg (flame graph, frames under 0.3%
# pruned so it stays small) and OUT_PREFIX.txt (the share of samples per part of the pass, from
# scripts/profile_parts.py). Needs perf (apt-get install linux-perf) and inferno
# (cargo install inferno). THREADS (default 2) and BIN (default target/release/oncostream).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 4 ] || { sed -n '2,12p' "$0" >&2; exit 64; }
tumor=$1 normal=$2 ref=$3 out=$4
shift 4
bin=${BIN:-$here/target/release/oncostream}
for tool in perf inferno-collapse-perf inferno-flamegraph python3; do
  command -v $tool >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
perf record -q -F 199 -e cpu-clock --call-graph dwarf,8192 -o "$tmp/perf.data" \
  "$bin" run --tumor "$tumor" --normal "$normal" -r "$ref" -t "${THREADS:-2}" --quiet \
  --outdir "$tmp/run" "$@" 2> "$tmp/perf.log"
perf script -i "$tmp/perf.data" 2> /dev/null | inferno-collapse-perf > "$out.folded"
inferno-flamegraph --minwidth 0.3 --title "oncostream run $(basename "$tumor") / $(basename "$normal")" \
  < "$out.folded" > "$out.svg"
python3 "$here/scripts/profile_parts.py" "$out.folded" "$tmp/run/metrics.json" | tee "$out.txt"
