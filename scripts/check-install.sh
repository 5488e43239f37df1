#!/usr/bin/env bash
# An installed binary works away from the source tree: `cargo install --path .` into a temporary
# root (reusing target/ so nothing is rebuilt after `cargo build --release`), then `kb validate`
# and a `report` run from another directory. The knowledge base and OncoTree are compiled in.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
cargo install --quiet --locked --path . --root "$root" --target-dir target
cd "$root"
# the whole output is read (a `| grep -q` would close the pipe early)
validate=$("$root/bin/oncostream" kb validate)
grep -q '^builtin:data/kb: ok' <<<"$validate"
# a reader that stops early (head) must not make the command fail
"$root/bin/oncostream" kb validate | head -1 >/dev/null
printf '##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n' > v.vcf
"$root/bin/oncostream" report --quiet --vcf v.vcf -r "$repo/fixtures/nfcore_chr22/genome.fasta" \
    --cancer-type COADREAD --msi-status MSI-H --outdir rep
grep -q '"path": "builtin:data/kb"' rep/report.json
echo "installed binary: ok (kb validate and report from $root, KB built in)"
