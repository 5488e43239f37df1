#!/usr/bin/env bash
# Evaluations of `oncostream monitor` on generated cell-free DNA (scripts/make-cfdna.py), not run
# by CI (they take ~40 min on 2 cores); results are recorded in docs/methods/monitoring.md.
#
#   bash scripts/eval-monitor.sh null   [N=100]   tumor-free samples, N seeds: how many are `detected`
#   bash scripts/eval-monitor.sh accuracy [N=10]  1% and 0.1% tumor fraction, N seeds each
#   bash scripts/eval-monitor.sh speed            200 variants at ~2,000x: wall and peak RSS (also 50, 100)
#
# Design (the CI test's): 100 clonal heterozygous SNVs on the chr2 slice, 1,050 molecules per site,
# PCR families of mean 2 (single-strand UMIs, 1% UMI base errors... see make-cfdna.py for the model).
# Each sample is generated and analysed under `flock /work/cpu.lock` when that lock exists (a shared
# machine), one piece at a time. Output: one TSV line per sample on stdout; work in $WORK (default a
# temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-null}
n=${2:-}
REF=fixtures/reference/hg38_chr2_1-2333275.fa
BIN=${ONCOSTREAM:-target/release/oncostream}
WORK=${WORK:-$(mktemp -d)}
# each piece is one sample (~20 s of one core); LOW_PRIORITY=1 runs the pieces at nice 19 instead of
# queueing for the lock (they then only use idle CPU)
lock() {
  if [ "${LOW_PRIORITY:-0}" = 1 ]; then nice -n 19 "$@"
  elif [ -e /work/cpu.lock ]; then flock /work/cpu.lock "$@"
  else "$@"; fi
}
gen() { lock python3 scripts/make-cfdna.py -r "$REF" "$@" >/dev/null; }
sites() {  # the 100 tracked SNVs (fixed: seed 1)
  [ -s "$WORK/base/baseline.vcf" ] || gen -o "$WORK/base" --tumor-fraction 0 --random-snvs "${1:-100}" \
    --region chr2:300001-2300000 --molecules 1 --seed 1
}
one() {  # tf seed -> "tf seed status estimate lo hi p lod"
  local tf=$1 seed=$2 d="$WORK/s_$1_$2"
  gen -o "$d" --tumor-fraction "$tf" --truth "$WORK/base/baseline.vcf" --molecules 1050 \
    --family-mean 2 --seed "$seed"
  lock "$BIN" monitor --variants "$WORK/base/baseline.vcf" --sample "$d/plasma.bam" -r "$REF" \
    -o "$d/m" --quiet
  python3 - "$d/m/monitor.json" "$tf" "$seed" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["samples"][0]
tf, m = s["tumor_fraction"], s["mrd"]
ci = tf["ci95"] or [None, None]
print("\t".join(str(x) for x in (sys.argv[2], sys.argv[3], m["status"], tf["estimate"], ci[0], ci[1],
                                 m["p_value"], m["limit_of_detection"], m["alt_families"],
                                 round(m["expected_background"], 2))))
PY
  rm -rf "$d"
}
echo -e "tumor_fraction\tseed\tstatus\testimate\tci_lo\tci_hi\tp_value\tlod\talt_molecules\texpected_background"
case $mode in
  null)
    sites
    for seed in $(seq 1001 $((1000 + ${n:-100}))); do one 0 "$seed"; done ;;
  accuracy)
    sites
    for tf in 0.01 0.001; do
      for seed in $(seq 2001 $((2000 + ${n:-10}))); do one "$tf" "$seed"; done
    done ;;
  speed)
    d="$WORK/speed"
    gen -o "$d" --tumor-fraction 0.005 --random-snvs 200 --region chr2:300001-2300000 \
      --molecules 1000 --family-mean 2 --seed 3
    depth=$(samtools depth -a -r "$(awk '!/^#/{print $1":"$2"-"$2; exit}' "$d/baseline.vcf")" "$d/plasma.bam" | cut -f3)
    echo "# raw depth at the first site: ${depth}x; BAM $(du -m "$d/plasma.bam" | cut -f1) MB"
    for k in 50 100 200; do
      grep '^#' "$d/baseline.vcf" > "$d/v$k.vcf"
      grep -v '^#' "$d/baseline.vcf" | head -n "$k" >> "$d/v$k.vcf"
      for t in 1 2; do
        lock /usr/bin/time -f "sites=$k threads=$t wall_s=%e rss_mb=%M" "$BIN" monitor --variants "$d/v$k.vcf" \
          --sample "$d/plasma.bam" -r "$REF" -o "$d/m$k$t" --quiet --threads "$t" 2>&1 | tail -1 \
          | awk '{ split($4, r, "="); printf "# %s %s %s rss_mb=%.0f\n", $1, $2, $3, r[2] / 1024 }'
      done
    done ;;
esac
