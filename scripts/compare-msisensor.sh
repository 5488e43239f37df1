#!/usr/bin/env bash
# Our per-site repeat-length histograms vs msisensor-pro v1.3.0 on the same BAM and site list.
# The data (msisensor2's example tumor BAM) is GPL-3.0 and msisensor-pro's output is
# non-commercial, so they stay in ../shared and this comparison lives here, not in the tests.
#   scripts/compare-msisensor.sh      -> prints each site's histograms and exits 1 on a difference
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
m=$here/../shared/fixtures/msisensor2_tumor_only
e=$here/../shared/fixtures/expected/msisensor2_tumor_only/msisensor_pro_msi_selfpair_hg38_c1_dis
(cd "$here" && cargo build --release --locked -q)
tmp=$(mktemp -d)
"$here/target/release/oncostream" msi --tumor "$m/example.tumor.only.hg38.bam" --normal "$m/example.tumor.only.hg38.bam" \
  --sites "$m/site_list_hg38.chr22.msisensor_pro.list" --msi-min-reads 1 --histograms "$tmp/h.tsv" -o "$tmp/msi.json" --quiet
python3 - "$tmp/h.tsv" "$e" <<'PY'
import sys
ours = {}
for l in open(sys.argv[1]).readlines()[1:]:
    f = l.rstrip('\n').split('\t')
    h = {} if f[5] == '.' else {int(k): int(v) for k, v in (x.split(':') for x in f[5].split(','))}
    ours[(f[0], int(f[1]))] = h
lines = open(sys.argv[2]).read().split('\n')
bad = 0
for i, l in enumerate(lines):
    if l and not l.startswith(('N:', 'T:')):
        chrom, loc = l.split()[0], int(l.split()[1])
        t = lines[i + 2].split()[1:]
        theirs = {k + 1: int(v) for k, v in enumerate(t) if int(v) > 0}   # index i = i+1 units
        mine = ours.get((chrom, loc), {})
        ok = mine == theirs
        bad += not ok
        print(f"{chrom}:{loc} {' '.join(l.split()[2:])}  msisensor-pro {theirs}  oncostream {mine}  {'OK' if ok else 'DIFFERENT'}")
print(f"{bad} site(s) differ")
sys.exit(1 if bad else 0)
PY
rm -rf "$tmp"
