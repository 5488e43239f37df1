#!/usr/bin/env bash
# Biomarkers against simulator truth: TMB, purity (0.2, 0.5, 0.8), MSI (MSI-H vs MSS).
#   scripts/eval-biomarkers.sh        (THREADS=2, OUT=/tmp/oncostream-biomarkers)
# Each case: 1 Mb of hg38 chr2, tumor 60x / normal 30x, 300 SNVs + 60 indels (a TMB near
# 360/Mb, dense so that the purity peak is well sampled), simulated with ../shared/sim.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=$here/../shared
T=${THREADS:-2}
out=${OUT:-/tmp/oncostream-biomarkers}
ref=$shared/fixtures/reference/hg38_chr2_1-2333275.fa
region=chr2:1000001-2000000
mkdir -p "$out"
(cd "$here" && cargo build --release --locked -q)
bin=$here/target/release/oncostream
printf '%-8s %7s %9s %9s %8s %7s %7s %9s %9s\n' case purity estimate tmb/Mb truth/Mb err% msi score warned
for c in p20:0.2:mss p50:0.5:mss p70:0.7:mss p80:0.8:mss msih:0.7:msi-h; do
  IFS=: read -r name purity msi <<< "$c"
  d=$out/$name
  [ -s "$d/tumor.bam" ] || python3 "$shared/sim/simulate.py" -r "$ref" --region "$region" -o "$d" \
      --tumor-depth 60 --normal-depth 30 --purity "$purity" --snvs 300 --indels 60 --msi "$msi" \
      --seed 41 --threads "$T" >&2
  "$bin" run --tumor "$d/tumor.bam" --normal "$d/normal.bam" -r "$ref" --region "$region" -t "$T" \
      --outdir "$d/out" --force --quiet 2> /dev/null
  python3 - "$d" "$name" "$purity" <<'PY'
import json, sys
d, name, purity = sys.argv[1], sys.argv[2], float(sys.argv[3])
r = json.load(open(f"{d}/out/results.json"))
truth = sum(1 for l in open(f"{d}/truth.vcf") if not l.startswith('#') and 'MSI' not in l)
per_truth = truth / r['tmb']['callable_mb']
est = r['purity']['estimate']
warned = any('LOW TUMOR PURITY' in w for w in r['warnings'])
print(f"{name:8} {purity:7.2f} {est:9.2f} {r['tmb']['per_mb']:9.1f} {per_truth:9.1f} {100*(r['tmb']['per_mb']-per_truth)/per_truth:7.1f} {r['msi']['status']:>7} {r['msi']['score']:9.2f} {str(warned):>9}")
PY
done
