#!/usr/bin/env bash
# Somatic calling accuracy against simulator truth, per VAF bin, SNV and indel separately.
#
#   scripts/eval-somatic.sh            (THREADS=2, OUT=/tmp/oncostream-eval)
#
# Simulates a 60x tumor / 30x normal pair at purity 0.7 over 1 Mb of real hg38 chr2 with the
# shared simulator (different seed from the committed test fixture), then scores
#   tumor-normal                 oncostream call --tumor T --normal N
#   tumor-only + germline resource (germline truth minus every 10th site, AF=0.25)
# with scripts/score_somatic.py (PASS calls; MSI shifts excluded from the truth).
# Also scores a purity-0.5 pair (tumor-normal and tumor-only), a purity-0.3 pair (TMB/sensitivity
# collapse at low purity), held-out tumor-only pairs at purity 0.7 and 0.5 made by another simulator
# and aligner (scripts/heldout_pair.py: wgsim reads, bwa mem; 60x, 1000 SNVs + 200 indels,
# resource of 90% of the germline variants; needs wgsim and bwa), and the purity-0.7
# tumor with FFPE deamination added by scripts/make-ffpe.py (--rate 0.01 and 0.002 of the
# cytosines of the strand read 1 reads) or 8-oxoG (--oxog-rate 0.01), called against the clean
# normal, with and without the
# `orientation` filter (records failing only it scored as PASS).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=$here/../shared
T=${THREADS:-2}
out=${OUT:-/tmp/oncostream-eval}
ref=$shared/fixtures/reference/hg38_chr2_1-2333275.fa
mkdir -p "$out"
(cd "$here" && cargo build --release --locked -q)
bin=$here/target/release/oncostream
sim() {  # name purity
  local d=$out/$1
  if [ ! -s "$d/tumor.bam" ]; then
    python3 "$shared/sim/simulate.py" -r "$ref" --region chr2:1000001-2000000 -o "$d" \
      --tumor-depth 60 --normal-depth 30 --purity "$2" --snvs 1000 --indels 200 --seed 11 \
      --threads "$T" >&2
  fi
  if [ ! -s "$d/germline_resource.vcf.gz" ]; then
    awk -F'\t' 'BEGIN{OFS="\t"; print "##fileformat=VCFv4.2"; print "##INFO=<ID=AF,Number=A,Type=Float,Description=\"synthetic population AF\">"; print "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"}
      !/^#/ {n++; if (n % 10) print $1,$2,".",$4,$5,".","PASS","AF=0.25"}' "$d/germline.vcf" | bgzip > "$d/germline_resource.vcf.gz"
    tabix -f -p vcf "$d/germline_resource.vcf.gz"
  fi
}
sim p70 0.7
sim p50 0.5
sim p30 0.3
for p in p70 p50 p30; do
  d=$out/$p
  "$bin" call --tumor "$d/tumor.bam" --normal "$d/normal.bam" -r "$ref" --region chr2:1000001-2000000 \
    -t "$T" --quiet -o "$d/tn.vcf.gz" --metrics "$d/tn.metrics.json"
  "$bin" call --tumor "$d/tumor.bam" -r "$ref" --region chr2:1000001-2000000 \
    --germline-resource "$d/germline_resource.vcf.gz" -t "$T" --quiet -o "$d/to.vcf.gz" 2>/dev/null
  echo "## $p: tumor-normal (60x/30x, purity ${p#p}%)"
  python3 "$here/scripts/score_somatic.py" "$d/truth.vcf" "$d/tn.vcf.gz"
  echo "## $p: tumor-only with germline resource"
  python3 "$here/scripts/score_somatic.py" "$d/truth.vcf" "$d/to.vcf.gz"
done
for pp in 70:0.7 50:0.5; do
  d=$out/heldout_p${pp%%:*}
  [ -s "$d/tumor.bam" ] || python3 "$here/scripts/heldout_pair.py" --ref "$ref" \
    --region chr2:1000001-2000000 --out "$d" --purity "${pp#*:}" --seed 21 --tumor-depth 60 \
    --snvs 1000 --indels 200 --no-normal --threads "$T" >&2
  "$bin" call --tumor "$d/tumor.bam" -r "$ref" --region chr2:1000001-2000000 \
    --germline-resource "$d/germline_resource.vcf.gz" -t "$T" --quiet -o "$d/to.vcf.gz" 2>/dev/null
  echo "## held-out (wgsim + bwa mem) purity ${pp#*:}: tumor-only with germline resource"
  python3 "$here/scripts/score_somatic.py" "$d/truth.vcf" "$d/to.vcf.gz"
done
d=$out/p70
for kind in deam:0.01 deam:0.002 oxog:0.01; do
  rate=${kind#*:}
  if [ "${kind%%:*}" = deam ]; then flags=(--rate "$rate"); name="deamination"; else flags=(--rate 0 --oxog-rate "$rate"); name="8-oxoG"; fi
  bam=$d/tumor_${kind/:/_}.bam
  [ -s "$bam" ] || python3 "$here/scripts/make-ffpe.py" "$d/tumor.bam" "$bam" "${flags[@]}" >&2
  "$bin" call --tumor "$bam" --normal "$d/normal.bam" -r "$ref" --region chr2:1000001-2000000 \
    -t "$T" -o "$d/${kind/:/_}.vcf.gz" 2>&1 | grep "orientation model" >&2
  echo "## p70 FFPE $name rate $rate: tumor-normal with the orientation filter"
  python3 "$here/scripts/score_somatic.py" "$d/truth.vcf" "$d/${kind/:/_}.vcf.gz"
  echo "## p70 FFPE $name rate $rate: the same calls without the orientation filter"
  python3 "$here/scripts/score_somatic.py" "$d/truth.vcf" "$d/${kind/:/_}.vcf.gz" --ignore-filter orientation
done
