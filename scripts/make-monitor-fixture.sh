#!/usr/bin/env bash
# Regenerates the monitoring fixture and its peer output:
#   fixtures/monitor/umi_duplex/   plasma.bam(.bai), baseline.vcf, params.json  (scripts/make-cfdna.py:
#                                  12 clonal SNVs on the chr2 slice, 250 molecules per site, duplex UMIs
#                                  of 6+6 bases with 1% UMI base errors, PCR families of mean 3, tumor
#                                  fraction 5%, seed 11)
#   fixtures/expected/monitor/umi_tools_groups.tsv
#                                  UMI-tools 1.1.6 `group --method directional --paired` on that BAM,
#                                  one row per group: contig, position (UMI-tools' read-1 5' end),
#                                  the group's UMIs (sorted), read pairs — sorted
# Needs samtools and python3; UMI-tools from PyPI (UMI_TOOLS=path, default target/py-venv/bin/umi_tools;
# `python3 -m venv target/py-venv && target/py-venv/bin/pip install umi_tools==1.1.6 pysam==0.23.3`).
set -euo pipefail
cd "$(dirname "$0")/.."
UMI_TOOLS=${UMI_TOOLS:-target/py-venv/bin/umi_tools}
out=fixtures/monitor/umi_duplex
mkdir -p "$out" fixtures/expected/monitor
python3 scripts/make-cfdna.py -r fixtures/reference/hg38_chr2_1-2333275.fa -o "$out" \
  --tumor-fraction 0.05 --random-snvs 12 --region chr2:500001-2300000 --molecules 250 \
  --family-mean 3 --duplex --umi-length 6 --umi-error 0.01 --seed 11 >/dev/null
# the params file records the output path given; keep it relative
sed -i "s#\"outdir\": \"[^\"]*\"#\"outdir\": \"$out\"#" "$out/params.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$UMI_TOOLS" group -I "$out/plasma.bam" --paired --extract-umi-method=tag --umi-tag=RX \
  --method directional --group-out="$tmp/groups.tsv" --log="$tmp/log" -S "$tmp/out.bam" --output-bam
python3 - "$tmp/groups.tsv" > fixtures/expected/monitor/umi_tools_groups.tsv <<'PY'
import sys
groups = {}
with open(sys.argv[1]) as fh:
    next(fh)
    for line in fh:
        read_id, contig, pos, gene, umi, umi_count, final_umi, final_count, uid = line.rstrip("\n").split("\t")
        g = groups.setdefault(uid, [contig, int(pos), set(), 0])
        g[2].add(umi)
        g[3] += 1
print("# UMI-tools 1.1.6 group --method directional --paired --extract-umi-method=tag --umi-tag=RX on fixtures/monitor/umi_duplex/plasma.bam (scripts/make-monitor-fixture.sh)")
print("contig\tposition\tumis\tread_pairs")
for c, p, u, n in sorted((c, p, ",".join(sorted(u)), n) for c, p, u, n in groups.values()):
    print(f"{c}\t{p}\t{u}\t{n}")
PY
wc -l fixtures/expected/monitor/umi_tools_groups.tsv
