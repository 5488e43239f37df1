#!/usr/bin/env bash
# Cost of somatic calling on top of the pileup, same pair, same threads, one go.
#
#   scripts/bench-call.sh [TUMOR NORMAL REF]      THREADS=2 by default
#
# Without arguments it simulates a 300x tumor / 150x normal pair over the 2.3 Mb hg38 chr2
# slice (../shared/sim) into ${BENCH_DIR:-/tmp/oncostream-bench}/pair. Runs
#   oncostream pileup --bam T --bam N --mate-overlap dedup -Q 10   (the same counting pass)
#   oncostream call --tumor T --normal N
# and prints wall, CPU, peak RSS and the ratio call/pileup (target: <= 1.3).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
T=${THREADS:-2}
dir=${BENCH_DIR:-/tmp/oncostream-bench}
mkdir -p "$dir"
if [ $# -ge 3 ]; then
  tumor=$1; normal=$2; ref=$3
else
  ref=$here/../shared/fixtures/reference/hg38_chr2_1-2333275.fa
  tumor=$dir/pair/tumor.bam; normal=$dir/pair/normal.bam
  if [ ! -s "$tumor" ]; then
    python3 "$here/../shared/sim/simulate.py" -r "$ref" -o "$dir/pair" --tumor-depth "${TDEPTH:-300}" \
      --normal-depth "${NDEPTH:-150}" --purity 0.7 --snvs 1500 --indels 300 --threads "$T" >&2
  fi
fi
(cd "$here" && cargo build --release --locked -q)
bin=$here/target/release/oncostream
echo "# $(date -u +%F) $(nproc) cores, threads=$T; tumor $(($(stat -c %s "$tumor") / 1000000)) MB, normal $(($(stat -c %s "$normal") / 1000000)) MB"
run() {  # name, command...
  local name=$1; shift
  sync
  /usr/bin/time -f '%e %U %S %M' -o "$dir/time.$name" "$@" > /dev/null 2> "$dir/err.$name"
  read -r wall usr sys rss < "$dir/time.$name"
  echo "$name $wall $(echo "$usr + $sys" | bc) $((rss / 1024))"
}
p=$(run pileup "$bin" pileup --bam "$tumor" --bam "$normal" -r "$ref" --mate-overlap dedup -Q 10 -t "$T" --quiet -o "$dir/pair.pileup.tsv")
c=$(run call "$bin" call --tumor "$tumor" --normal "$normal" -r "$ref" -t "$T" --quiet -o "$dir/pair.calls.vcf.gz")
printf '%-8s %8s %8s %8s\n' step wall_s cpu_s rss_MB
for l in "$p" "$c"; do set -- $l; printf '%-8s %8.2f %8.2f %8d\n' "$1" "$2" "$3" "$4"; done
pw=$(echo "$p" | cut -d' ' -f2); cw=$(echo "$c" | cut -d' ' -f2)
printf 'call/pileup wall ratio: %.2f\n' "$(echo "$cw / $pw" | bc -l)"
