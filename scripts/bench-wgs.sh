#!/usr/bin/env bash
# Whole-genome-style benchmark in ONE run at THREADS (default 2): a ~28 Mb 60x/30x pair (12
# mutated copies of the real 2.33 Mb hg38 chr2 slice, simulated with ../shared/sim), a resource
# at gnomAD density over it (2.8 M records, bgzip + tabix), and the decode floor of each input.
#
#   scripts/bench-wgs.sh            (BENCH_DIR=/tmp/oncostream-bench, THREADS=2)
#
# Prints wall, CPU, peak RSS per step and the ratios the targets are written against:
#   run T/N            <= 2.5 x  (samtools view -c -@T tumor + normal)
#   run + resource     <= 1.10 x run, <= +150 MB RSS
#   run / run --skip-structural (the cost of copy number + SV evidence)  <= 1.15 (best of 3 each)
#   pileup CRAM        <= 2.5 x  samtools view -c -@T on the CRAM
# Needs samtools, bgzip, tabix (apt-get install samtools tabix) and python3.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
T=${THREADS:-2}
dir=${BENCH_DIR:-/tmp/oncostream-bench}
mkdir -p "$dir"
for tool in samtools bgzip tabix python3; do command -v $tool >/dev/null || { echo "missing $tool" >&2; exit 1; }; done
ref=$dir/genome28.fa
sim=$dir/wgs28
if [ ! -s "$ref" ]; then
  python3 "$here/scripts/make-bench-genome.py" "$here/../shared/fixtures/reference/hg38_chr2_1-2333275.fa" "$ref"
fi
if [ ! -s "$sim/tumor.bam" ]; then
  echo "simulating the 28 Mb pair (about 6 minutes on 2 cores)..." >&2
  python3 "$here/../shared/sim/simulate.py" -r "$ref" -o "$sim" --tumor-depth 60 --normal-depth 30 \
    --purity 0.7 --snvs 2000 --indels 400 --threads "$T" --cram --md5 >&2
fi
res=$dir/gnomad_density.vcf.gz
if [ ! -s "$res.tbi" ]; then
  python3 "$here/scripts/make-bench-resource.py" "$ref.fai" "$sim/germline.vcf" | bgzip -@ "$T" > "$res"
  tabix -p vcf "$res"
fi
(cd "$here" && cargo build --release --locked -q)
bin=$here/target/release/oncostream
echo "# $(date -u +%F) $(nproc) cores, $(awk '/model name/{$1=$2=$3="";print;exit}' /proc/cpuinfo | xargs), threads=$T, commit $(cd "$here" && git rev-parse --short HEAD)"
echo "# tumor $(($(stat -c %s "$sim/tumor.bam") / 1000000)) MB, normal $(($(stat -c %s "$sim/normal.bam") / 1000000)) MB (BAM); CRAM $(($(stat -c %s "$sim/tumor.cram") / 1000000)) MB; resource $(zcat "$res" | grep -vc '^#') records"
rm -f "$dir/wgs.results"
measure() {  # name, command...
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$dir/time.$name" "$@" > /dev/null 2> "$dir/err.$name" || {
    echo "$name failed:" >&2; tail -3 "$dir/err.$name" >&2; return 1; }
  read -r wall usr sys rss < "$dir/time.$name"
  echo "$name $wall $(echo "$usr + $sys" | bc) $((rss / 1024))" >> "$dir/wgs.results"
}
sync
measure view_tumor samtools view -c -@ "$T" "$sim/tumor.bam"
measure view_normal samtools view -c -@ "$T" "$sim/normal.bam"
measure view_tumor_cram samtools view -c -@ "$T" -T "$ref" "$sim/tumor.cram"
rm -rf "$dir/run" "$dir/run_res" "$dir/run_2mb"
measure run_tn_2mb "$bin" run --tumor "$sim/tumor.bam" --normal "$sim/normal.bam" -r "$ref" -t "$T" --quiet --outdir "$dir/run_2mb" --no-input-checksums --region chr1:1-2000000 --shard-size 875000
measure run_tn "$bin" run --tumor "$sim/tumor.bam" --normal "$sim/normal.bam" -r "$ref" -t "$T" --quiet --outdir "$dir/run" --no-input-checksums
for i in 1 2 3; do
  rm -rf "$dir/run_a" "$dir/run_b"
  measure "run_cnvsv.$i" "$bin" run --tumor "$sim/tumor.bam" --normal "$sim/normal.bam" -r "$ref" -t "$T" --quiet --outdir "$dir/run_a" --no-input-checksums
  measure "run_skip.$i" "$bin" run --tumor "$sim/tumor.bam" --normal "$sim/normal.bam" -r "$ref" -t "$T" --quiet --outdir "$dir/run_b" --no-input-checksums --skip-structural
done
for n in run_cnvsv run_skip; do
  grep "^$n\." "$dir/wgs.results" | sort -k2 -n | head -1 | sed "s/^$n\.[0-9]/$n/" >> "$dir/wgs.results"
done
measure run_tn_resource "$bin" run --tumor "$sim/tumor.bam" --normal "$sim/normal.bam" -r "$ref" -t "$T" --quiet --outdir "$dir/run_res" --no-input-checksums --germline-resource "$res"
measure pileup_bam "$bin" pileup --bam "$sim/tumor.bam" -r "$ref" -t "$T" --quiet -o /dev/null
measure pileup_cram "$bin" pileup --bam "$sim/tumor.cram" -r "$ref" -t "$T" --quiet -o /dev/null
get() { awk -v n="$1" -v c="$2" '$1==n{print $c}' "$dir/wgs.results"; }
printf '%-18s %9s %9s %9s\n' step wall_s cpu_s rss_MB
grep -v '\.[0-9] ' "$dir/wgs.results" | while read -r name wall cpu rss; do printf '%-18s %9.2f %9.2f %9d\n' "$name" "$wall" "$cpu" "$rss"; done
floor=$(echo "$(get view_tumor 2) + $(get view_normal 2)" | bc)
printf 'run T/N / decode floor (tumor+normal)   %.2f   (target <= 2.5)\n' "$(echo "$(get run_tn 2) / $floor" | bc -l)"
printf 'run / run --skip-structural (best of 3) %.2f   (target <= 1.15)\n' "$(echo "$(get run_cnvsv 2) / $(get run_skip 2)" | bc -l)"
printf 'run + resource / run                    %.2f   (target <= 1.10)\n' "$(echo "$(get run_tn_resource 2) / $(get run_tn 2)" | bc -l)"
printf 'run + resource RSS - run RSS (MB)       %d     (target <= 150)\n' "$(( $(get run_tn_resource 4) - $(get run_tn 4) ))"
printf 'pileup BAM / samtools view -c BAM       %.2f\n' "$(echo "$(get pileup_bam 2) / $(get view_tumor 2)" | bc -l)"
printf 'pileup CRAM / samtools view -c CRAM     %.2f   (target <= 2.5)\n' "$(echo "$(get pileup_cram 2) / $(get view_tumor_cram 2)" | bc -l)"
printf 'peak RSS of run (MB)                    %d     (target < 1024)\n' "$(get run_tn_resource 4)"
printf 'peak RSS 2 Mb -> 28 Mb, same shard size  %d -> %d MB\n' "$(get run_tn_2mb 4)" "$(get run_tn 4)"
