#!/usr/bin/env bash
# HPC integration test (run by .ci/run after the test command; root, Debian):
#   1. `batch` locally on the bundled simulated pairs, then MultiQC (from PyPI) over the batch:
#      its General Statistics and throughput table must hold each run's own results/metrics;
#   2. the Snakemake workflow, locally;
#   3. a REAL single-node Slurm (Debian slurm-wlm + munge, scripts/lib/slurm-up.sh): the sbatch
#      array of `batch --emit-slurm` submitted with its submit.sh, every task complete, the
#      summary job after it; a task re-submitted skips its complete sample;
#   4. the Snakemake workflow on that Slurm (snakemake-executor-plugin-slurm).
# The daemons are stopped by their PIDs at the end (also on failure).
#
#   bash scripts/test-hpc.sh          (HPC_WORK=/tmp/oncostream-hpc, HPC_VENV=target/hpc-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
exec </dev/null
[ "$(id -u)" = 0 ] || { echo "test-hpc.sh needs root (it installs slurm-wlm and munge and starts them)" >&2; exit 1; }
here=$PWD
cargo build --release --locked -q
bin=$here/target/release/oncostream
work=${HPC_WORK:-/tmp/oncostream-hpc}
rm -rf "$work"
mkdir -p "$work"
venv=${HPC_VENV:-$here/target/hpc-venv}
t0=$SECONDS
step() { echo "== test-hpc: $* ($((SECONDS - t0)) s)"; }

step "python tools (MultiQC, Snakemake + Slurm executor plugin, pinned)"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check \
  multiqc==1.35 snakemake==9.27.1 snakemake-executor-plugin-slurm==2.8.0

fx=$here/fixtures
ref=$fx/reference/hg38_chr2_1-2333275.fa
bash scripts/lib/demo-samples.sh "$fx" > "$work/samples.csv"
flags=(-r "$ref" --region chr2:200001-1300000 --cancer-type NSCLC --skip-structural)

step "batch (local, 2 jobs) + MultiQC"
"$bin" batch --samplesheet "$work/samples.csv" --outdir "$work/local" --jobs 2 --threads 2 "${flags[@]}"
MULTIQC_NO_VERSION_CHECK=1 "$venv/bin/multiqc" "$work/local" --outdir "$work/mqc" --force --no-ansi \
  --quiet --no-version-check --module custom_content
"$venv/bin/python" - "$work/local" "$work/mqc/multiqc_data" <<'PY'
import csv, json, sys, os
out, data = sys.argv[1], sys.argv[2]
def table(name):
    with open(os.path.join(data, name)) as f:
        return {r["Sample"]: r for r in csv.DictReader(f, delimiter="\t")}
gs = table("multiqc_general_stats.txt")
tp = table("multiqc_oncostream_throughput_table.txt")
assert sorted(gs) == ["P1_T", "P2_T", "P3_T"], sorted(gs)
col = lambda k: f"custom_content_oncostream-{k}"
for s in gs:
    res = json.load(open(os.path.join(out, s, "results.json")))
    met = json.load(open(os.path.join(out, s, "metrics.json")))
    g = gs[s]
    assert float(g[col("tmb")]) == res["tmb"]["per_mb"], (s, g)
    assert g[col("qc_verdict")] == res["qc"]["verdict"], (s, g)
    assert float(g[col("purity")]) == res["purity"]["estimate"], (s, g)
    assert float(g[col("mean_depth")]) == res["qc"]["samples"][0]["mean_depth"], (s, g)
    ratio = res["qc"]["samples"][0]["orientation_bias"]["deamination"]["orientation_ratio"]
    assert abs(float(g[col("ffpe_deamination")]) - round(ratio * 1000) / 10) < 1e-6, (s, g)
    msi = res.get("msi")
    # the report's rules: MSI from >= 20 tested sites, TMB from >= 1 callable Mb
    want = "" if not msi else (msi["status"] if msi["sites_tested"] >= 20 else "not evaluable")
    assert g[col("msi_status")] == want, (s, g)
    assert g[col("tmb_evaluable")] == ("yes" if res["tmb"]["callable_mb"] >= 1 else "no"), (s, g)
    ident = (res["qc"].get("identity") or {}).get("concordance")
    assert (g[col("identity_concordance")] == "") == (ident is None), (s, g)
    assert float(tp[s]["total_wall_s"]) == met["wall_seconds"], (s, tp[s])
    assert float(tp[s]["pileup_s"]) == met["stages"]["pileup"], (s, tp[s])
print("multiqc: general stats and throughput of", len(gs), "samples equal results.json / metrics.json")
PY

step "Snakemake, local"
smk=("$venv/bin/snakemake" -s "$here/workflow/Snakefile" --config "samplesheet=$work/samples.csv"
  "oncostream=$bin" threads=1 "run_flags=${flags[*]}")
(cd "$work" && timeout -k 10 600 "${smk[@]}" "outdir=$work/smk_local" -c 2 --quiet)
"$venv/bin/python" - "$work/smk_local" <<'PY'
import json, sys
s = json.load(open(sys.argv[1] + "/batch_summary.json"))
assert s["totals"]["complete"] == 3 and s["totals"]["samples"] == 3, s["totals"]
print("snakemake (local): 3 of 3 samples complete")
PY

step "Slurm: install and start a single-node cluster"
state=$work/slurm
trap 'bash "$here/scripts/lib/slurm-down.sh" "$state" || true' EXIT
bash scripts/lib/slurm-up.sh "$state"
# shellcheck disable=SC1091
. "$state/env.sh"
sinfo

wait_jobs() {  # job ids...: wait until none is queued or running (no accounting here: squeue)
  local deadline=$((SECONDS + 600))
  while [ -n "$(squeue -h -j "$(IFS=,; echo "$*")" 2>/dev/null)" ]; do
    [ $SECONDS -lt $deadline ] || { echo "slurm jobs $* still running after 600 s" >&2; squeue >&2; return 1; }
    sleep 1
  done
}

step "Slurm: batch --emit-slurm, submit.sh, wait"
"$bin" batch --samplesheet "$work/samples.csv" --outdir "$work/slurm_out" "${flags[@]}" \
  --emit-slurm --slurm-cpus 1 --slurm-mem 1024 --slurm-time 00:30:00 --slurm-partition debug
sub=$(bash "$work/slurm_out/slurm/submit.sh")
echo "$sub"
array=$(echo "$sub" | awk '{print $4}')
summary=$(echo "$sub" | awk '{print $8}')
wait_jobs "$array" "$summary"
ls "$work/slurm_out/logs"
"$venv/bin/python" - "$work/slurm_out" <<'PY'
import json, sys
s = json.load(open(sys.argv[1] + "/batch_summary.json"))
assert s["totals"]["complete"] == 3 and s["totals"]["failed"] == 0, s["totals"]
for r in s["samples"]:
    m = json.load(open(f"{sys.argv[1]}/{r['sample']}/metrics.json"))
    assert m["threads"] == 1, m["threads"]  # --cpus-per-task 1 -> --threads 1
print("slurm array: 3 of 3 samples complete, summary job ran after the array")
PY
# a re-submitted task skips its complete sample
before=$(md5sum "$work/slurm_out/P2_T/run_manifest.json")
job=$(sbatch --parsable --array=2 "$work/slurm_out/slurm/oncostream.sbatch")
wait_jobs "${job%%;*}"
grep -q "complete (run id" "$work/slurm_out/logs/slurm-${job%%;*}_2.out"
[ "$before" = "$(md5sum "$work/slurm_out/P2_T/run_manifest.json")" ]
echo "slurm: a re-submitted task skipped its complete sample"

step "Snakemake on Slurm (executor plugin)"
# (the plugin ignores SIGTERM while it polls: a hard time limit)
(cd "$work" && timeout -k 10 600 "${smk[@]}" "outdir=$work/smk_slurm" --executor slurm --jobs 3 --quiet \
  --slurm-status-command squeue --slurm-no-account --slurm-init-seconds-before-status-checks 1 \
  --seconds-between-status-checks 1 --default-resources slurm_partition=debug)
"$venv/bin/python" - "$work/smk_slurm" <<'PY'
import json, sys
s = json.load(open(sys.argv[1] + "/batch_summary.json"))
assert s["totals"]["complete"] == 3, s["totals"]
print("snakemake (slurm): 3 of 3 samples complete")
PY
step "all HPC checks passed"
