#!/usr/bin/env python3
"""Copy-number and fusion accuracy of `oncostream run` against the shared simulator's truth.

For every (purity, copy number) of the grid, simulates a tumor/normal pair over 2.2 Mb of the
real hg38 chr2 slice with one amplified (or gained) 150 kb segment, one 30 kb single-copy loss,
one designed translocation-type fusion and one random fusion, runs oncostream on it, and
measures:
  - CN error: |called copy number - truth| of the segment over the truth segment's centre;
  - amplification call: whether a truth CN >= 6 segment is called `amplification`;
  - fusion recall: truth fusions (der1 junction) found with both breakpoints within 5 bp and
    the right orientation;
  - false positives: junctions matching no truth junction (der1 or der2), per Gb simulated.
Writes a TSV of every case and prints a Markdown summary (the table in docs/methods/copy-number-and-fusions.md).

usage: eval_structural.py --sim ../shared/sim/simulate.py --ref REF.fa --bin target/release/oncostream
       [--out DIR] [--purities 0.2,0.3,0.5,0.7,0.9] [--cns 3,4,6,8,10] [--threads 2]
"""

import argparse
import json
import os
import subprocess
import sys

REGION = ("chr2", 100_001, 2_300_000)
AMP = (1_000_001, 1_150_000)
LOSS = (1_600_001, 1_630_000)
FUSION = ("chr2", 600_000, "chr2", 1_800_000)


def sh(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        sys.stderr.write(" ".join(cmd) + "\n" + r.stderr[-2000:])
        raise SystemExit(1)
    return r.stdout


def truth_junctions(path):
    """(der1, der2) junctions per truth fusion, each ((chrom, pos, ori), (chrom, pos, ori))."""
    out = []
    for line in open(path):
        if line.startswith("#") or line.startswith("fusion_id"):
            continue
        f = line.rstrip("\n").split("\t")
        kind, c1, p1, c2, p2 = f[1], f[2], int(f[3]), f[5], int(f[6])
        if kind == "inv":
            der1 = ((c1, p1, "+"), (c2, p2, "+"))
            der2 = ((c1, p1 + 1, "-"), (c2, p2 + 1, "-"))
        else:
            der1 = ((c1, p1, "+"), (c2, p2, "-"))
            der2 = ((c2, p2 - 1, "+"), (c1, p1 + 1, "-"))
        out.append((der1, der2))
    return out


def matches(sv, junction, tol):
    a = (sv["chrom1"], sv["pos1"], sv["orientation1"])
    b = (sv["chrom2"], sv["pos2"], sv["orientation2"])

    def near(x, y):
        return x[0] == y[0] and abs(x[1] - y[1]) <= tol and x[2] == y[2]

    j1, j2 = junction
    return (near(a, j1) and near(b, j2)) or (near(a, j2) and near(b, j1))


def case(args, purity, cn, seed):
    name = f"p{purity}_cn{cn}"
    d = os.path.join(args.out, name)
    sim = os.path.join(d, "sim")
    chrom, start, end = REGION
    if not os.path.exists(os.path.join(sim, "normal.bam")):
        sh([sys.executable, args.sim, "-r", args.ref, "--region", f"{chrom}:{start}-{end}",
            "-o", sim, "--tumor-depth", str(args.tumor_depth), "--normal-depth",
            str(args.normal_depth), "--purity", str(purity), "--snvs", "150", "--indels", "20",
            "--amp", f"{chrom}:{AMP[0]}-{AMP[1]}:{cn}",
            "--amp", f"{chrom}:{LOSS[0]}-{LOSS[1]}:1",
            "--fusion", f"{FUSION[0]}:{FUSION[1]},{FUSION[2]}:{FUSION[3]},tra",
            "--random-fusions", "1", "--seed", str(seed), "--threads", str(args.threads)])
    out = os.path.join(d, "run")
    sh([args.bin, "run", "--tumor", os.path.join(sim, "tumor.bam"), "--normal",
        os.path.join(sim, "normal.bam"), "-r", args.ref, "--region", f"{chrom}:{start}-{end}",
        "--outdir", out, "--force", "--quiet", "-t", str(args.threads)])
    r = json.load(open(os.path.join(out, "results.json")))
    cnr = r.get("copy_number") or {}
    rows = []
    truth_rows = [l.split("\t") for l in open(os.path.join(sim, "cnv_truth.bed")) if not l.startswith("#")]
    length = end - start + 1
    altered = sum(int(f[2]) - int(f[1]) for f in truth_rows)
    ploidy = (2 * (length - altered) + sum((int(f[2]) - int(f[1])) * float(f[3]) for f in truth_rows)) / length
    for line in open(os.path.join(sim, "cnv_truth.bed")):
        if line.startswith("#"):
            continue
        f = line.split("\t")
        s0, e0, tcn = int(f[1]), int(f[2]), float(f[3])
        mid = (s0 + e0) // 2
        seg = next((s for s in cnr.get("segments", []) if s["chrom"] == f[0] and s["start"] <= mid < s["end"]), None)
        got = seg["copy_number"] if seg else None
        rows.append((tcn, got, seg["call"] if seg else "none", tcn >= 3 * ploidy))
    truths = truth_junctions(os.path.join(sim, "fusions_truth.tsv"))
    svs = (r.get("structural_variants") or {}).get("variants", [])
    found = sum(1 for t in truths if any(matches(v, (t[0][0], t[0][1]), 5) and v["precise"] for v in svs))
    fp = sum(1 for v in svs if not any(matches(v, (t[i][0], t[i][1]), 5 if v["precise"] else v["ci"] + 5) for t in truths for i in (0, 1)))
    return {
        "case": name, "purity": purity, "cn": cn,
        "purity_est": r["purity"]["estimate"], "purity_source": r["purity"]["source"],
        "cn_rows": rows, "fusions": len(truths), "found": found, "fp": fp,
        "gb": (end - start + 1) / 1e9,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", default="/tmp/oncostream-eval-structural")
    ap.add_argument("--purities", default="0.2,0.3,0.5,0.7,0.9")
    ap.add_argument("--cns", default="3,4,6,8,10")
    ap.add_argument("--tumor-depth", type=float, default=40)
    ap.add_argument("--normal-depth", type=float, default=25)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    results = []
    seed = 100
    for p in [float(x) for x in args.purities.split(",")]:
        for c in [int(x) for x in args.cns.split(",")]:
            seed += 1
            res = case(args, p, c, seed)
            results.append(res)
            print(f"{res['case']}: purity {res['purity_est']} ({res['purity_source']}), CN {res['cn_rows']}, fusions {res['found']}/{res['fusions']}, FP {res['fp']}", file=sys.stderr)
    with open(os.path.join(args.out, "cases.tsv"), "w") as o:
        o.write("purity\tcn\tpurity_est\tpurity_source\ttruth_cn\tcalled_cn\tcall\tfusions\tfound\tfalse_positives\n")
        for r in results:
            for tcn, got, call, _ in r["cn_rows"]:
                o.write(f"{r['purity']}\t{r['cn']}\t{r['purity_est']}\t{r['purity_source']}\t{tcn}\t{got}\t{call}\t{r['fusions']}\t{r['found']}\t{r['fp']}\n")
    # summary per purity
    print("| purity | purity estimate (median) | CN error of the gained segment, median / max (CN 3-10) | CN error of the 1-copy loss, max | amplifications called (truth CN >= 3 x ploidy) | false amplifications | fusion recall | false junctions per Gb |")
    print("|---|---|---|---|---|---|---|---|")
    for p in sorted({r["purity"] for r in results}):
        rs = [r for r in results if r["purity"] == p]
        ests = sorted(r["purity_est"] for r in rs if r["purity_est"] is not None)
        gain_err, loss_err, amp_called, amp_total, amp_false = [], [], 0, 0, 0
        for r in rs:
            for tcn, got, call, is_amp in r["cn_rows"]:
                err = abs(got - tcn) if got is not None else float("inf")
                if tcn == 1:
                    loss_err.append(err)
                else:
                    gain_err.append(err)
                if is_amp:
                    amp_total += 1
                    amp_called += call == "amplification"
                elif call == "amplification":
                    amp_false += 1
        gain_err.sort()
        med = gain_err[len(gain_err) // 2]
        found = sum(r["found"] for r in rs)
        total = sum(r["fusions"] for r in rs)
        fp = sum(r["fp"] for r in rs)
        gb = sum(r["gb"] for r in rs)
        est = ests[len(ests) // 2] if ests else None
        print(f"| {p} | {est} | {med:.2f} / {max(gain_err):.2f} | {max(loss_err):.2f} | {amp_called}/{amp_total} | {amp_false} | {found}/{total} | {fp / gb:.0f} ({fp} in {gb * 1000:.0f} Mb) |")


if __name__ == "__main__":
    main()
