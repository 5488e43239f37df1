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
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
(cd "$here" && cargo build --release --locked -q)
exec python3 "$here/scripts/eval_structural.py" \
  --sim "$here/../shared/sim/simulate.py" \
  --ref "$here/../shared/fixtures/reference/hg38_chr2_1-2333275.fa" \
  --bin "$here/target/release/oncostream" \
  --out "${OUT:-/tmp/oncostream-eval-structural}" \
  --purities "${PURITIES:-0.2,0.3,0.5,0.7,0.9}" --cns "${CNS:-3,4,6,8,10}" \
  --threads "${THREADS:-2}"
