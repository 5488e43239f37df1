#!/usr/bin/env bash
# Copy-number and fusion accuracy over purities 0.2-0.9 and copy numbers 3-10 (issue 10):
# simulates pairs with ../shared/sim (2.2 Mb of real hg38 chr2, tumor 40x / normal 25x, a
# 150 kb gain/amplification, a 30 kb one-copy loss, a designed and a random fusion) and scores
# oncostream against the truth. Prints the table of docs/methods/copy-number-and-fusions.md; every case is in $OUT/cases.tsv.
#
#   scripts/eval-structural.sh                 (OUT=/tmp/oncostream-eval-structural, THREADS=2)
#   PURITIES=0.5,0.7 CNS=8 scripts/eval-structural.sh
#
# Needs ../shared (simulate.py + reference), python3 and samtools. About 25 cases x 20 s.
#
# Then junctions in repeats and copy number with junctions on held-out pairs
# (scripts/eval_junctions.py: scripts/heldout_pair.py makes them with wgsim and bwa mem; one
# genome per purity 0.3/0.5/0.7/0.9 with deletions, a tandem duplication, inversions, a
# homozygous deletion and copy-neutral LOH at repeats; ~2 min each). Needs wgsim and bwa
# (`apt-get install -y bwa`; wgsim comes with samtools' Debian package).
#   JUNCTIONS_ONLY=1 scripts/eval-structural.sh      (OUT/junctions)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
(cd "$here" && cargo build --release --locked -q)
out=${OUT:-/tmp/oncostream-eval-structural}
if [ -z "${JUNCTIONS_ONLY:-}" ]; then
python3 "$here/scripts/eval_structural.py" \
  --sim "$here/../shared/sim/simulate.py" \
  --ref "$here/../shared/fixtures/reference/hg38_chr2_1-2333275.fa" \
  --bin "$here/target/release/oncostream" \
  --out "$out" \
  --purities "${PURITIES:-0.2,0.3,0.5,0.7,0.9}" --cns "${CNS:-3,4,6,8,10}" \
  --threads "${THREADS:-2}"
fi
exec python3 "$here/scripts/eval_junctions.py" \
  --ref "$here/../shared/fixtures/reference/hg38_chr2_1-2333275.fa" \
  --bin "$here/target/release/oncostream" --out "$out/junctions" \
  --purities "${JUNCTION_PURITIES:-0.3,0.5,0.7,0.9}" --threads "${THREADS:-2}"
