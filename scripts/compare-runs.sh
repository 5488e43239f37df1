#!/bin/bash
# Compares the outputs of two run directories, ignoring what differs between any two runs (run id,
# command line, timestamps, input digests): prints IDENTICAL or the first differences (exit 1).
# Used to check that a speed change leaves every output byte-identical:
#   scripts/compare-runs.sh RUN_BEFORE RUN_AFTER
a=$1; b=$2
norm_vcf() { zcat "$1" | grep -v -E '^##(oncostream_command|oncostreamCommand|fileDate|oncostream_run_id|commandline|source=|oncostreamVersion)' ; }
rc=0
for f in calls.vcf.gz sv.vcf.gz; do
  if ! cmp -s <(norm_vcf $a/$f) <(norm_vcf $b/$f); then echo "DIFF $f"; diff <(norm_vcf $a/$f) <(norm_vcf $b/$f) | head -5; rc=1; fi
done
for f in copy_number.seg msi_histograms.tsv copy_number_genes.tsv callable.bed; do
  [ -e $a/$f ] || continue
  if ! cmp -s $a/$f $b/$f; then echo "DIFF $f"; diff $a/$f $b/$f | head -5; rc=1; fi
done
python3 - "$a/results.json" "$b/results.json" <<'PY' || rc=1
import json,sys
def load(p):
    d=json.load(open(p))
    for k in ("run_id","started","completed","argv","command","settings_digest","created"):
        d.pop(k,None)
    prov=d.get("provenance",{})
    for i in prov.get("inputs",[]):
        i.pop("md5",None); i.pop("blake3",None)
    return d
a,b=load(sys.argv[1]),load(sys.argv[2])
def walk(x,y,path=""):
    if type(x)!=type(y): print("DIFF",path,repr(x)[:80],repr(y)[:80]); return 1
    if isinstance(x,dict):
        n=0
        for k in sorted(set(x)|set(y)):
            if k not in x or k not in y: print("DIFF key",path+"/"+k); n+=1; continue
            n+=walk(x[k],y[k],path+"/"+k)
        return n
    if isinstance(x,list):
        if len(x)!=len(y): print("DIFF len",path,len(x),len(y)); return 1
        return sum(walk(p,q,f"{path}[{i}]") for i,(p,q) in enumerate(zip(x,y)))
    if x!=y: print("DIFF",path,repr(x)[:80],repr(y)[:80]); return 1
    return 0
n=walk(a,b)
print("results.json differences:",n)
sys.exit(1 if n else 0)
PY
[ $rc = 0 ] && echo "IDENTICAL: $a vs $b"
exit $rc
