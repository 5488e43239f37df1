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
# alternate the two commands REPEAT times (default 3) and report medians: one run is noisy on
# a shared 2-core machine
n=${REPEAT:-3}
: > "$dir/call.results"
for i in $(seq "$n"); do
  run pileup "$bin" pileup --bam "$tumor" --bam "$normal" -r "$ref" --mate-overlap dedup -Q 10 -t "$T" --quiet -o "$dir/pair.pileup.tsv" >> "$dir/call.results"
  run call "$bin" call --tumor "$tumor" --normal "$normal" -r "$ref" -t "$T" --quiet -o "$dir/pair.calls.vcf.gz" >> "$dir/call.results"
done
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
printf '%-8s %8s %8s %8s   (median of %d)\n' step wall_s cpu_s rss_MB "$n"
for step in pileup call; do
  w=$(awk -v s=$step '$1==s{print $2}' "$dir/call.results" | median)
  c=$(awk -v s=$step '$1==s{print $3}' "$dir/call.results" | median)
  r=$(awk -v s=$step '$1==s{print $4}' "$dir/call.results" | median)
  printf '%-8s %8.2f %8.2f %8d\n' "$step" "$w" "$c" "$r"
  eval "${step}_w=$w; ${step}_c=$c"
done
printf 'call/pileup ratio: wall %.2f, cpu %.2f\n' "$(echo "$call_w / $pileup_w" | bc -l)" "$(echo "$call_c / $pileup_c" | bc -l)"
