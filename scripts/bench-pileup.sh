#!/usr/bin/env bash
# Pileup throughput against peers, in one go, at the same thread count.
#
#   scripts/bench-pileup.sh [BAM REF]        THREADS=2 by default
#
# Without arguments it generates a >= 1 GB coordinate-sorted BAM with the shared simulator
# (../shared/sim/simulate.py over the 2.3 Mb hg38 chr2 slice, tumor only, ~650x) into
# ${BENCH_DIR:-/tmp/oncostream-bench}. Runs, each writing its table to a file:
#   samtools view -c -@T          (decode floor: inflate + record parse, nothing else)
#   oncostream pileup -t T        (ours)
#   perbase base-depth -t T       (perbase 1.4.1, same flag filter)
#   samtools mpileup -B           (no BAQ; mpileup has no thread option)
# and prints wall, CPU, peak RSS and each tool's wall-time ratio to ours.
# Peers: apt-get install samtools; cargo install perbase (needs cmake, libclang-dev).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
T=${THREADS:-2}
dir=${BENCH_DIR:-/tmp/oncostream-bench}
mkdir -p "$dir"
if [ $# -ge 2 ]; then
  bam=$1; ref=$2
else
  ref=$here/../shared/fixtures/reference/hg38_chr2_1-2333275.fa
  bam=$dir/sim/tumor.bam
  if [ ! -s "$bam" ]; then
    echo "generating $bam (takes several minutes)..." >&2
    python3 "$here/../shared/sim/simulate.py" -r "$ref" -o "$dir/sim" --no-normal \
      --tumor-depth "${DEPTH:-650}" --purity 0.7 --snvs 500 --indels 100 --threads "$T" >&2
  fi
fi
for tool in samtools perbase; do command -v $tool >/dev/null || { echo "missing $tool" >&2; exit 1; }; done
(cd "$here" && cargo build --release --locked -q)
ours=$here/target/release/oncostream
size=$(stat -c %s "$bam")
echo "# $(date -u +%F) $(nproc) cores, $(awk '/model name/{$1=$2=$3="";print;exit}' /proc/cpuinfo | xargs), threads=$T"
echo "# input $bam: $((size / 1000000)) MB, $(samtools idxstats "$bam" | awk '{m+=$3} END{print m}') mapped records"
printf '%-22s %9s %9s %9s %12s\n' tool wall_s cpu_s rss_MB wall/ours
measure() {  # name, command...
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$dir/time.$name" "$@" > /dev/null 2> "$dir/err.$name" || {
    echo "$name failed:" >&2; tail -3 "$dir/err.$name" >&2; return 1; }
  read -r wall usr sys rss < "$dir/time.$name"
  echo "$name $wall $(echo "$usr + $sys" | bc) $((rss / 1024))" >> "$dir/results"
}
rm -f "$dir/results"
sync
measure samtools_view_c samtools view -c -@ "$T" "$bam"
measure oncostream "$ours" pileup --bam "$bam" -r "$ref" -t "$T" --quiet -o "$dir/ours.tsv" --metrics "$dir/ours.metrics.json"
measure perbase perbase base-depth -t "$T" -F 1796 -r "$ref" -o "$dir/perbase.tsv" "$bam"
measure samtools_mpileup samtools mpileup -B -f "$ref" -o "$dir/mpileup.txt" "$bam"
ow=$(awk '$1=="oncostream"{print $2}' "$dir/results")
while read -r name wall cpu rss; do
  printf '%-22s %9.2f %9.2f %9d %12.2f\n' "$name" "$wall" "$cpu" "$rss" "$(echo "$wall / $ow" | bc -l)"
done < "$dir/results"
# sanity: our depth column equals perbase's at every position (same filter: -F 1796)
paste <(cut -f2,4 "$dir/ours.tsv" | tail -n +2) <(cut -f2,4 "$dir/perbase.tsv" | tail -n +2) \
  | awk '$1!=$3||$2!=$4{bad++} END{printf "# depth identical to perbase at %d positions, %d differ\n", NR, bad+0}'
