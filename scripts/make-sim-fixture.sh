#!/usr/bin/env bash
# Regenerates fixtures/sim_tn60 (committed): a simulated tumor/normal pair with known truth,
# 150 kb of real hg38 chr2, tumor 60x / normal 30x, purity 0.7, 150 SNVs + 40 indels, seed 7,
# plus a germline "population resource" made from the germline truth with every 10th site
# dropped (a person's private variants are absent from gnomAD-like resources).
# Needs ../shared (simulate.py + reference), python3, samtools, bgzip, tabix.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=$here/../shared
out=$here/fixtures/sim_tn60
ref=$shared/fixtures/reference/hg38_chr2_1-2333275.fa
tmp=$(mktemp -d)
python3 "$shared/sim/simulate.py" -r "$ref" --region chr2:1000001-1150000 -o "$tmp/sim" \
  --tumor-depth 60 --normal-depth 30 --purity 0.7 --snvs 150 --indels 40 --seed 7 \
  --tumor-name TUMOR --normal-name NORMAL --md5
mkdir -p "$out" "$here/fixtures/reference"
cp "$tmp"/sim/{tumor.bam,tumor.bam.bai,normal.bam,normal.bam.bai,truth.vcf,germline.vcf,regions.bed,params.json} "$out/"
cp "$ref" "$ref.fai" "$here/fixtures/reference/"
python3 - "$out/germline.vcf" > "$out/germline_resource.vcf" <<'PY'
import sys
print('##fileformat=VCFv4.2')
print('##INFO=<ID=AF,Number=A,Type=Float,Description="Population allele frequency (synthetic: 0.25 for every listed site)">')
print('#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO')
n = 0
for l in open(sys.argv[1]):
    if l.startswith('#'): continue
    n += 1
    if n % 10 == 0: continue
    f = l.split('\t')
    print('\t'.join([f[0], f[1], '.', f[3], f[4], '.', 'PASS', 'AF=0.25']))
PY
bgzip -f "$out/germline_resource.vcf" && tabix -f -p vcf "$out/germline_resource.vcf.gz"
rm -rf "$tmp"

# fixtures/sim_p20: purity 0.2 (low-purity warning, purity estimate), 100 kb, seed 21
# fixtures/sim_msih: MSI-H (40% of microsatellites shifted), purity 0.7, 100 kb, seed 31
# fixtures/sim_other_normal: a normal of ANOTHER simulated person (seed 99) over the sim_tn60
#   region, for the tumor/normal identity check
sim() {  # dir region purity snvs indels seed extra...
  local d=$1 region=$2 purity=$3 snvs=$4 indels=$5 seed=$6; shift 6
  local t; t=$(mktemp -d)
  python3 "$shared/sim/simulate.py" -r "$ref" --region "$region" -o "$t/sim" --tumor-depth 60 \
    --normal-depth 30 --purity "$purity" --snvs "$snvs" --indels "$indels" --seed "$seed" --md5 "$@"
  mkdir -p "$here/fixtures/$d"
  for f in tumor.bam tumor.bam.bai normal.bam normal.bam.bai truth.vcf msi_truth.tsv params.json; do
    case "$d:$f" in sim_other_normal:tumor*|sim_other_normal:truth.vcf|sim_other_normal:msi_truth.tsv|sim_p20:msi_truth.tsv) continue ;; esac
    cp "$t/sim/$f" "$here/fixtures/$d/"
  done
  rm -rf "$t"
}
sim sim_p20 chr2:1200001-1300000 0.2 120 30 21
sim sim_msih chr2:200001-300000 0.7 80 20 31 --msi msi-h
sim sim_other_normal chr2:1000001-1150000 0.7 10 2 99

# fixtures/sim_structural (issue 10): copy number and fusions over real GRCh38 gene loci (the
# annotation fixture's slices: EGFR, ETV6, NTRK1, MET, TP53, BRAF, ALK), tumor 25x / normal 16x,
# purity 0.7, MET amplified to 10 copies, TP53 reduced to one copy (LOH), ETV6 intron 5 joined to
# NTRK1 intron 9 (ETV6::NTRK1) and an EGFR intron 1 - intron 7 junction (EGFRvIII), seed 7;
# binned qualities and CRAM keep it at ~7 MB.
structural() {
  local t; t=$(mktemp -d)
  local slices=$here/fixtures/annotation/cancer_genes.GRCh38.slices.fa
  local E=EGFR__LRG_304__chr7_55014032_55258620 T=ETV6__LRG_609__chr12_11644854_11897402
  local N=NTRK1__LRG_261__chr1_156810750_156883850 M=MET__LRG_662__chr7_116667405_116800386
  local P=TP53__LRG_321__chr17_7659779_7692550 B=BRAF__LRG_299__chr7_140717327_140929764
  local A=ALK__LRG_488__chr2_29190774_29926566
  python3 "$shared/sim/simulate.py" -r "$slices" --region $E --region $T --region $N --region $M \
    --region $P --region $B --region $A -o "$t/sim" --tumor-depth 25 --normal-depth 16 \
    --purity 0.7 --snvs 80 --indels 12 --amp $M:1-132982:10 --amp $P:1-32772:1 \
    --fusion $T:232000,$N:63740,tra --fusion $E:60000,$E:141000,tra --cram --seed 7 \
    --qual-model binned
  mkdir -p "$here/fixtures/sim_structural"
  for f in tumor.cram tumor.cram.crai normal.cram normal.cram.crai cnv_truth.bed \
    fusions_truth.tsv truth.vcf params.json regions.bed; do
    cp "$t/sim/$f" "$here/fixtures/sim_structural/"
  done
  rm -rf "$t"
}
structural

# fixtures/sim_placed (issue 21): the ETV6 and NTRK1 loci of the slices placed at their GRCh38
# coordinates on chr1 and chr12 of true length (every other base N; scripts/place-slices.py), so
# that a run has real chromosome names and positions (shipped models, cBioPortal, IGV): tumor
# 25x / normal 16x over 60 kb of ETV6 and 39 kb of NTRK1, purity 0.7, 20 SNVs + 4 indels, ETV6
# intron 5 joined to NTRK1 intron 9 (the sim_structural junction, at GRCh38 positions), seed 7.
placed() {
  local t; t=$(mktemp -d)
  local d=$here/fixtures/sim_placed ref=grch38_chr1_chr12_placed.fa
  python3 "$here/scripts/place-slices.py" \
    "$here/fixtures/annotation/cancer_genes.GRCh38.slices.fa" "$t/$ref" chr1 chr12
  samtools faidx "$t/$ref"
  python3 "$shared/sim/simulate.py" -r "$t/$ref" --region chr12:11846854-11906853 \
    --region chr1:156844489-156883850 -o "$t/sim" --tumor-depth 25 --normal-depth 16 \
    --purity 0.7 --snvs 20 --indels 4 --fusion chr12:11876853,chr1:156874489,tra --cram \
    --seed 7 --qual-model binned
  mkdir -p "$d"
  for f in tumor.cram tumor.cram.crai normal.cram normal.cram.crai fusions_truth.tsv truth.vcf \
    params.json regions.bed; do
    cp "$t/sim/$f" "$d/"
  done
  bgzip -l 9 -c "$t/$ref" > "$d/$ref.gz"
  samtools faidx "$d/$ref.gz"
  samtools dict "$d/$ref.gz" > "$d/$ref.gz.dict"
  rm -rf "$t"
}
placed
