#!/usr/bin/env bash
# Long mutation runs of the oncostream CLI, one input kind after the other (scripts/fuzz.py does
# the work; docs/validation.md has the kinds, the outcome classes and the table of past runs).
#
#   scripts/fuzz.sh [-m MINUTES] [-o OUTDIR] [-b BINARY] [-s SEED] [-t TIMEOUT] [KIND ...]
#
#   -m  minutes per kind (default 10, the bar of issue 19)
#   -o  output directory (default target/fuzz): OUTDIR/<kind>/corpus/ holds the inputs that gave
#       a new (exit code, message) and seeds the next run; OUTDIR/<kind>/crashes/ every input
#       that gave a panic, an abort, a hang, an internal error or lost reads, each with a .txt
#       of its command line and stderr; OUTDIR/summary.tsv one row per kind and run
#   -b  the binary (default target/release/oncostream; build it first)
#   -s  random seed (default 19; the same seed and corpus repeat a run)
#   -t  seconds before a run counts as a hang (default 60; runs pass --stall-timeout 20)
#   KIND  any of `scripts/fuzz.py --list` (default: all)
#
# FUZZ_WRAP, when set, prefixes every kind's run (e.g. FUZZ_WRAP="flock /tmp/cpu.lock" on a
# shared machine, "nice -n 19", or "taskset -c 1"). Needs python3, samtools, bgzip and tabix
# (the damaged BAM/CRAM/VCF inputs are re-indexed the way a user would).
#
# Exit status: 0 when every run of every kind ended ok or refused, 1 otherwise (see the crash
# directories), 2 on a usage error.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
minutes=10
out="$root/target/fuzz"
bin="$root/target/release/oncostream"
seed=19
timeout=60
while getopts "m:o:b:s:t:h" opt; do
  case $opt in
    m) minutes=$OPTARG ;;
    o) out=$OPTARG ;;
    b) bin=$OPTARG ;;
    s) seed=$OPTARG ;;
    t) timeout=$OPTARG ;;
    h) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
for tool in python3 samtools bgzip tabix; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool is needed" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "fuzz.sh: no binary at $bin (cargo build --release first, or -b)" >&2; exit 2; }
if [ $# -eq 0 ]; then
  mapfile -t kinds < <(python3 "$here/fuzz.py" --list | cut -f1)
else
  kinds=("$@")
fi
mkdir -p "$out"
read -r -a wrap <<<"${FUZZ_WRAP:-}"
status=0
start=$(date -u +%FT%TZ)
for k in "${kinds[@]}"; do
  echo "fuzz.sh: $k for $minutes min" >&2
  "${wrap[@]}" python3 "$here/fuzz.py" --kind "$k" --minutes "$minutes" --bin "$bin" \
    --out "$out" --seed "$seed" --timeout "$timeout" >/dev/null || status=1
done
# the rows of this invocation, as a table
echo "runs since $start (binary $("$bin" --version 2>/dev/null || echo "$bin"), seed $seed):"
python3 - "$out/summary.tsv" "$start" "${#kinds[@]}" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
head, body = rows[0], rows[1:][-int(sys.argv[3]):]
w = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
for r in [head] + body:
    print("  ".join(c.rjust(w[i]) if i >= 2 else c.ljust(w[i]) for i, c in enumerate(r)))
bad = sum(int(x) for r in body for x in r[6:])
print(f"\n{sum(int(r[3]) for r in body)} runs; {bad} with a panic, abort, hang, internal error or lost reads")
EOF
exit $status
