#!/usr/bin/env python3
"""Scores a somatic VCF against a simulator truth.vcf (designed variants; MSI shifts dropped).

usage: score_somatic.py TRUTH.vcf CALLS.vcf[.gz] [--json] [--ignore-filter NAME]
Prints, per class (SNV, indel) and tumor VAF bin of the truth (<5%, 5-10%, 10-20%, >=20%):
TP, FN, recall; and over PASS calls: FP, precision, F1. A call matches a truth record with
the same CHROM, POS, REF, ALT. Calls are binned by their own TAF for precision.
--ignore-filter NAME scores records failing only NAME as PASS (the calls without that filter).
"""
import gzip, json, sys

def opener(p):
    return gzip.open(p, 'rt') if p.endswith('.gz') else open(p)

def bin_of(v):
    if v < 0.05: return '<5%'
    if v < 0.10: return '5-10%'
    if v < 0.20: return '10-20%'
    return '>=20%'

def klass(ref, alt):
    return 'SNV' if len(ref) == 1 and len(alt) == 1 else 'indel'

truth = {}
for l in opener(sys.argv[1]):
    if l.startswith('#'): continue
    f = l.rstrip('\n').split('\t')
    info = dict(kv.split('=', 1) if '=' in kv else (kv, True) for kv in f[7].split(';'))
    if 'MSI' in info: continue
    truth[(f[0], int(f[1]), f[3], f[4])] = float(info['VAF'])

calls = {}
for l in opener(sys.argv[2]):
    if l.startswith('#'): continue
    f = l.rstrip('\n').split('\t')
    ignored = sys.argv[sys.argv.index('--ignore-filter') + 1] if '--ignore-filter' in sys.argv else None
    if f[6] != 'PASS' and f[6] != ignored: continue
    info = dict(kv.split('=', 1) if '=' in kv else (kv, True) for kv in f[7].split(';'))
    calls[(f[0], int(f[1]), f[3], f[4])] = float(info.get('TAF', 0))

bins = ['<5%', '5-10%', '10-20%', '>=20%', 'all', '>=10%']
res = {}
for k in ['SNV', 'indel']:
    for b in bins:
        def inb(v):
            return b == 'all' or (b == '>=10%' and v >= 0.10) or bin_of(v) == b
        t = {x for x, v in truth.items() if klass(x[2], x[3]) == k and inb(v)}
        c = {x for x, v in calls.items() if klass(x[2], x[3]) == k and (inb(truth[x]) if x in truth else inb(v))}
        tp = len(t & c); fn = len(t - c); fp = len(c - set(truth))
        rec = tp / (tp + fn) if tp + fn else float('nan')
        prec = tp / (tp + fp) if tp + fp else float('nan')
        f1 = 2 * rec * prec / (rec + prec) if tp else 0.0
        res[f'{k} {b}'] = dict(tp=tp, fn=fn, fp=fp, recall=rec, precision=prec, f1=f1)
if '--json' in sys.argv:
    print(json.dumps(res))
else:
    print(f"{'class':6} {'VAF bin':8} {'TP':>5} {'FN':>5} {'FP':>5} {'recall':>7} {'prec':>7} {'F1':>7}")
    for key, r in res.items():
        k, b = key.split(' ')
        print(f"{k:6} {b:8} {r['tp']:5d} {r['fn']:5d} {r['fp']:5d} {r['recall']:7.3f} {r['precision']:7.3f} {r['f1']:7.3f}")
