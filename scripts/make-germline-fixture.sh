#!/usr/bin/env bash
# Regenerates fixtures/sim_germline (committed): a simulated tumor/normal pair over 16 kb of the
# BRCA2 slice of fixtures/annotation (real GRCh38 sequence), tumor 60x / normal 30x, purity 0.6,
# 12 SNVs + 3 indels, seed 41, with a planted heterozygous germline BRCA2 c.7480C>T
# (p.Arg2494Ter, a null variant of a hereditary breast and ovarian cancer gene) in both samples
# (scripts/inject_germline.py: ~50% of fragments carry it). Needs ../shared/sim, python3, samtools.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=$here/../shared
out=$here/fixtures/sim_germline
contig=BRCA2__LRG_293__chr13_32310480_32401672
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$shared/sim/simulate.py" -r "$here/fixtures/annotation/cancer_genes.GRCh38.slices.fa" \
  --region "$contig:38001-54000" -o "$tmp/sim" --tumor-depth 60 --normal-depth 30 --purity 0.6 \
  --snvs 12 --indels 3 --seed 41 --tumor-name TUMOR --normal-name NORMAL
mkdir -p "$out"
for s in tumor normal; do
  python3 "$here/scripts/inject_germline.py" "$tmp/sim/$s.bam" "$out/$s.bam" "$contig" 45993 C T
done
cp "$tmp"/sim/{truth.vcf,germline.vcf,params.json} "$out/"
