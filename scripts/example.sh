#!/usr/bin/env bash
# Sets up and runs the pipeline on the bundled example (the nf-core GRCh38 chr22 slice,
# tumor testT + normal testN): builds oncostream, then writes to ${1:-example-out}/
#   pileup.tsv.gz  per-position tumor/normal counts (BGZF; tabix -s1 -b2 -e2 -S1 works)
#   depth.tsv      mean depth and callable bases per target (mosdepth-like)
#   calls.vcf.gz   somatic SNVs/indels, tumor-normal, VCF 4.2 + tabix index
#   run/           the whole pass in one read of each BAM: calls.vcf.gz, results.json (TMB, MSI,
#                  purity, QC, identity, provenance), metrics.json, msi_histograms.tsv,
#                  report.json + report.html (tiered for lung adenocarcinoma)
#   report/        report.json + report.html for a VCF of real EGFR/BRAF variants on the bundled
#                  cancer-gene transcript models (shows annotation, evidence levels, triage)
#   structural/    the whole pass on a simulated pair over real GRCh38 cancer-gene loci with a
#                  MET amplification, a TP53 loss and an ETV6::NTRK1 fusion: copy_number.seg,
#                  copy_number_genes.tsv, sv.vcf.gz, results.json, report.html (copy-number plot,
#                  fusion table, tiered for NSCLC)
#   *.metrics.json throughput metrics for dashboards
#   batch/         a sample sheet of three simulated patients through `batch` (summary, agenda)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "cargo not found: install the Rust toolchain (rustup) first" >&2; exit 1; }
# the CRAM decoder (rust-htslib) needs libclang to build its bindings
if ! ls /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/x86_64-linux-gnu/libclang*.so* >/dev/null 2>&1; then
  if command -v apt-get >/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-dev >/dev/null
  else
    echo "libclang not found: install it (Debian/Ubuntu: libclang-dev; Fedora: clang-devel) first" >&2; exit 1
  fi
fi
out=${1:-example-out}
mkdir -p "$out"
cargo build --release --locked
bin=target/release/oncostream
fx=fixtures/nfcore_chr22
$bin pileup --bam $fx/test2.paired_end.sorted.bam --bam $fx/test.paired_end.sorted.bam \
    --reference $fx/genome.fasta --mate-overlap dedup --min-base-quality 13 \
    -o "$out/pileup.tsv.gz" --metrics "$out/pileup.metrics.json"
$bin depth --bam $fx/test2.paired_end.sorted.bam --bam $fx/test.paired_end.sorted.bam \
    --reference $fx/genome.fasta --by $fx/genome.multi_intervals.bed --thresholds 1,10,20,100 \
    -o "$out/depth.tsv" --metrics "$out/depth.metrics.json"
$bin call --tumor $fx/test2.paired_end.sorted.bam --normal $fx/test.paired_end.sorted.bam \
    --reference $fx/genome.fasta --germline-resource $fx/gnomAD.r2.1.1.vcf.gz \
    -o "$out/calls.vcf.gz" --metrics "$out/call.metrics.json"
$bin run --tumor $fx/test2.paired_end.sorted.bam --normal $fx/test.paired_end.sorted.bam \
    --reference $fx/genome.fasta --germline-resource $fx/gnomAD.r2.1.1.vcf.gz \
    --outdir "$out/run" --callable-bed --cancer-type LUAD --force
echo "wrote $out/pileup.tsv.gz, $out/depth.tsv, $out/calls.vcf.gz and metrics; depth per target:"
cat "$out/depth.tsv"
echo "somatic calls (this real slice holds only germline variants: each is filtered, and why):"
gzip -dc "$out/calls.vcf.gz" | grep -v '^##' | cut -f 1-7
echo "run/results.json (biomarkers; this 40-kb real slice is far too small for TMB, MSI or purity, and says so):"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(json.dumps({k: r[k] for k in ('tmb','msi','purity','warnings')}, indent=1))" "$out/run/results.json" 2>/dev/null || head -c 2000 "$out/run/results.json"
a=fixtures/annotation
printf '##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR\nEGFR__LRG_304__chr7_55014032_55258620\t177791\t.\tT\tG\t.\tPASS\t.\tAF:DP\t0:40\t0.31:120\nEGFR__LRG_304__chr7_55014032_55258620\t167347\t.\tC\tT\t.\tPASS\t.\tAF:DP\t0:40\t0.12:110\nBRAF__LRG_299__chr7_140717327_140929764\t36010\t.\tA\tT\t.\tPASS\t.\tAF:DP\t0:30\t0.28:90\n' > "$out/demo_variants.vcf"
$bin report --vcf "$out/demo_variants.vcf" -r $a/cancer_genes.GRCh38.slices.fa --gff $a/cancer_genes.GRCh38.slices.refseq_lrg.gff3 \
    --transcripts $a/mane_select.tsv --cancer-type LUAD --tmb 14.2 --msi-status MSS --outdir "$out/report" --force
# a simulated pair over BRCA2 with a planted germline BRCA2 c.7480C>T: germline (secondary)
# findings from the matched normal, basic items of the test, Japanese labels
$bin run --tumor fixtures/sim_germline/tumor.bam --normal fixtures/sim_germline/normal.bam \
    -r $a/cancer_genes.GRCh38.slices.fa --region BRCA2__LRG_293__chr13_32310480_32401672:38001-54000 \
    --gff $a/cancer_genes.GRCh38.slices.refseq_lrg.gff3 --transcripts $a/mane_select.tsv \
    --cancer-type BRCA --patient-id DEMO-001 --specimen-type "FFPE tissue" --tumor-content 60 \
    --lang ja --outdir "$out/germline" --force
# the same tumor without its normal: tumor-only (germline findings not examined, and said so)
$bin run --tumor fixtures/sim_germline/tumor.bam \
    -r $a/cancer_genes.GRCh38.slices.fa --region BRCA2__LRG_293__chr13_32310480_32401672:38001-54000 \
    --gff $a/cancer_genes.GRCh38.slices.refseq_lrg.gff3 --transcripts $a/mane_select.tsv \
    --cancer-type BRCA --outdir "$out/tumor-only" --force
$bin run --tumor fixtures/sim_structural/tumor.cram --normal fixtures/sim_structural/normal.cram \
    -r $a/cancer_genes.GRCh38.slices.fa --gff $a/cancer_genes.GRCh38.slices.refseq_lrg.gff3 \
    --transcripts $a/mane_select.tsv --cancer-type NSCLC --outdir "$out/structural" --force
echo "structural/copy_number_genes.tsv (simulated truth: MET 10 copies, TP53 1 copy):"
cut -f 4,6,7,10,11 "$out/structural/copy_number_genes.tsv"
echo "structural/sv.vcf.gz (simulated truth: ETV6 intron 5 :: NTRK1 intron 9, EGFR intron 1 - intron 7):"
gzip -dc "$out/structural/sv.vcf.gz" | grep -v '^##' | cut -f 1-5
# a batch from a sample sheet: three simulated patients (an MSS pair, an MSI-H colorectal pair,
# a tumor-only sample), two at a time, resumable; per-sample directories, logs, MultiQC files and
# batch_summary.{json,tsv,html} with the expert-panel agenda
s=fixtures
bash scripts/lib/demo-samples.sh "$PWD/$s" > "$out/samples.csv"
$bin batch --samplesheet "$out/samples.csv" --outdir "$out/batch" --jobs 2 --force \
    -r $s/reference/hg38_chr2_1-2333275.fa --region chr2:200001-1300000 --cancer-type NSCLC
cut -f 2,4-6,8-12,17,19,21 "$out/batch/batch_summary.tsv"
echo "open $out/{run,report,structural,germline,tumor-only}/report.html and $out/batch/batch_summary.html in a browser"
