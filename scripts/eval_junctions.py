#!/usr/bin/env python3
"""Junctions in repeats, and copy number and junctions together, on held-out pairs
(scripts/heldout_pair.py: wgsim reads aligned with bwa mem, not the shared simulator).

Per genome (2.1 Mb of real hg38 chr2, tumor 40x / normal 25x, one purity of 0.3-0.9):
  a deletion starting in a homopolymer, a deletion ending in a tandem repeat, a tandem
  duplication ending in a tandem repeat, an inversion with one end in a tandem repeat, a
  deletion between two tandem repeats of one motif (the junction's homology is the shared
  repeat), an inversion between homopolymers of complementary bases, a homozygous deletion
  and copy-neutral LOH; breakpoints drawn per seed from the repeats found in the reference.
One more genome at purity 0.5 puts two deletions' right ends and a tandem duplication's left
end inside duplicated stretches of the reference (>= 300 bp whose 80-mers occur elsewhere in
the region; bwa gives reads there MAPQ 0), the partners that split reads and pairs lose.
Scores `oncostream run` (tumor/normal): every truth junction found with the right class and
both positions within 5 bp (a call within 100 bp, or an imprecise call whose CIPOS/CIEND hold
the truth, is the same junction but not placed) (positions compared at the leftmost placement along the
breakpoint homology, which is how both the truth and oncostream write them); false
junctions (reported, matching no truth junction within 100 bp); every segment boundary of
an event with a junction within 1 kb of it; LOH called over the copy-neutral segment.

usage: eval_junctions.py --ref FA --bin oncostream --out DIR [--purities 0.3,0.5,0.7,0.9]
"""
import argparse, json, os, random, re, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
CHROM, START, END = 'chr2', 100001, 2200000


def region_seq(ref):
    out = subprocess.run(['samtools', 'faidx', ref, f'{CHROM}:{START}-{END}'], check=True,
                         capture_output=True, text=True).stdout
    return ''.join(out.split('\n')[1:]).upper()


def repeats(seq):
    """(kind, start, end) 1-based inclusive: homopolymers >= 12 bp; 2-6 bp units x >= 6."""
    hp = [('homopolymer', m.start() + START, m.end() - 1 + START)
          for m in re.finditer(r'([ACGT])\1{11,}', seq)]
    tr = []
    for u in range(2, 7):
        for m in re.finditer(r'([ACGT]{%d})\1{5,}' % u, seq):
            if len(set(m.group(1))) > 1:
                tr.append(('tandem_repeat', m.start() + START, m.end() - 1 + START))
    return hp, tr


def repeat_pair(rng, reps, lo, hi, same, gap=(12_000, 40_000)):
    """Two repeats in lo..hi, gap apart, whose motifs `same` says match."""
    c = [(x, y) for x in reps for y in reps if lo <= x[1] and y[2] <= hi
         and gap[0] <= y[1] - x[2] <= gap[1] and same(x, y)]
    if not c:
        sys.exit(f'no repeat pair in {lo}-{hi}')
    return rng.choice(c)


def design(seq, seed):
    rng = random.Random(seed)
    hp, tr = repeats(seq)
    slots = list(range(START + 100_000, END - 160_000, 150_000))  # 12 slots, 150 kb apart
    rng.shuffle(slots)
    def inside(reps, lo, hi):
        c = [r for r in reps if lo <= r[1] and r[2] <= hi and r[2] - r[1] >= 12]
        if not c:
            sys.exit(f'no repeat in {lo}-{hi}')
        r = rng.choice(c)
        return rng.randint(r[1] + 3, r[2] - 3), r
    def motif(r):
        return seq[r[1] - START:r[1] - START + 2]
    ev, notes = [], []
    s = slots.pop()
    a, r = inside(hp, s, s + 60_000)
    ev.append(f'del:{a}-{a + rng.randint(20_000, 40_000)}'); notes.append(f'deletion, start in {r[0]} {r[1]}-{r[2]}')
    s = slots.pop()
    b, r = inside(tr, s + 40_000, s + 100_000)
    ev.append(f'del:{b - rng.randint(20_000, 35_000)}-{b}'); notes.append(f'deletion, end in {r[0]} {r[1]}-{r[2]}')
    s = slots.pop()
    b, r = inside(tr, s + 40_000, s + 100_000)
    ev.append(f'dup:{b - rng.randint(20_000, 35_000)}-{b}'); notes.append(f'tandem duplication, end in {r[0]} {r[1]}-{r[2]}')
    s = slots.pop()
    a, r = inside(tr, s, s + 60_000)
    ev.append(f'inv:{a}-{a + rng.randint(10_000, 30_000)}'); notes.append(f'inversion, start in {r[0]} {r[1]}-{r[2]}')
    # a deletion from inside one tandem repeat to the same phase of another of the same motif:
    # the junction can be written anywhere along the shared repeat (long homology)
    s = slots.pop()
    x, y = repeat_pair(rng, tr, s, s + 100_000, lambda x, y: motif(x) == motif(y))
    k = 2 * (2 if motif(x)[0] != motif(x)[1] else 1)
    ev.append(f'del:{x[1] + k}-{y[1] + k - 1}'); notes.append(f'deletion between tandem repeats {x[1]}-{x[2]} and {y[1]}-{y[2]}')
    # an inversion between homopolymers of complementary bases (homology on one junction)
    s = slots.pop()
    comp = {'A': 'T', 'T': 'A', 'C': 'G', 'G': 'C'}
    x, y = repeat_pair(rng, hp, s, s + 100_000, lambda x, y: seq[y[1] - START] == comp[seq[x[1] - START]],
                       gap=(8_000, 40_000))
    ev.append(f'inv:{x[1] + 4}-{y[1] + 4}'); notes.append(f'inversion between homopolymers {x[1]}-{x[2]} and {y[1]}-{y[2]}')
    s = slots.pop() + rng.randint(0, 20_000)
    ev.append(f'homdel:{s}-{s + rng.randint(12_000, 20_000)}'); notes.append('homozygous deletion')
    s = slots.pop() + rng.randint(0, 20_000)
    ev.append(f'loh:{s}-{s + 100_000}'); notes.append('copy-neutral LOH')
    return ev, notes


def duplicated(seq, k=80, step=20):
    """Reference stretches (>= 300 bp) whose k-mers occur elsewhere in the region: reads there
    get MAPQ 0 from bwa (1-based start, end)."""
    seen = {}
    for i in range(0, len(seq) - k, step):
        w = seq[i:i + k]
        if 'N' not in w:
            seen.setdefault(w, []).append(i)
    pos = sorted(p for v in seen.values() if len(v) > 1 for p in v)
    runs = []
    for p in pos:
        if runs and p - runs[-1][1] <= 200:
            runs[-1][1] = p + k
        else:
            runs.append([p, p + k])
    return [(a + START, b - 1 + START) for a, b in runs if b - a >= 300]


def design_lowmap(seq, seed):
    """Junctions with a partner of low mappability: deletions whose right end, and a tandem
    duplication whose left end, lie inside duplicated stretches of the reference."""
    rng = random.Random(seed)
    dups = [d for d in duplicated(seq) if START + 60_000 < d[0] < END - 60_000]
    rng.shuffle(dups)
    ev, notes, used = [], [], []
    for kind in ('del', 'del', 'dup'):
        for a, b in dups:
            if any(abs(a - u) < 150_000 for u in used):
                continue
            used.append(a)
            x = (a + b) // 2
            n = rng.randint(20_000, 35_000)
            if kind == 'del':
                ev.append(f'del:{x - n}-{x}'); notes.append(f'deletion, end in duplicated stretch {a}-{b}')
            else:
                ev.append(f'dup:{x}-{x + n}'); notes.append(f'tandem duplication, start in duplicated stretch {a}-{b}')
            break
    return ev, notes


def run_case(args, purity, seed, lowmap=False):
    tag = 'lowmap_' if lowmap else ''
    d = os.path.join(args.out, f'{tag}p{int(purity * 100)}_s{seed}')
    seq = region_seq(args.ref)
    events, notes = (design_lowmap if lowmap else design)(seq, seed)
    if not os.path.exists(os.path.join(d, 'tumor.bam')):
        cmd = [sys.executable, os.path.join(here, 'heldout_pair.py'), '--ref', args.ref,
               '--region', f'{CHROM}:{START}-{END}', '--out', d, '--purity', str(purity),
               '--seed', str(seed), '--tumor-depth', '40', '--normal-depth', '25',
               '--snvs', '150', '--indels', '20', '--threads', str(args.threads)]
        for e in events:
            cmd += ['--event', e]
        subprocess.run(cmd, check=True)
    out = os.path.join(d, 'run')
    subprocess.run([args.bin, 'run', '--tumor', os.path.join(d, 'tumor.bam'), '--normal',
                    os.path.join(d, 'normal.bam'), '-r', args.ref, '--region',
                    f'{CHROM}:{START}-{END}', '--outdir', out, '--force', '--quiet', '-t',
                    str(args.threads)], check=True, stderr=subprocess.DEVNULL)
    res = json.load(open(os.path.join(out, 'results.json')))
    return score(d, res, notes, purity)


def score(d, res, notes, purity):
    truth = [l.rstrip('\n').split('\t') for l in open(os.path.join(d, 'sv_truth.tsv'))][1:]
    cnv = [l.rstrip('\n').split('\t') for l in open(os.path.join(d, 'cnv_truth.bed')) if not l.startswith('#')]
    svs = res['structural_variants']['variants']
    segs = res['copy_number']['segments']
    cls = {'deletion': 'DEL', 'duplication': 'DUP', 'inversion': 'INV', 'translocation': 'TRA'}
    rows, matched = [], set()
    for t in truth:
        typ, p1, p2, hom = t[0], int(t[2]), int(t[4]), int(t[6])
        best = None
        for i, v in enumerate(svs):
            if cls[v['sv_type']] != typ or v['orientation1'] != t[3] or v['orientation2'] != t[5]:
                continue
            dist = max(abs(v['pos1'] - p1), abs(v['pos2'] - p2))
            if best is None or dist < best[0]:
                best = (dist, i, v)
        # the same junction: both positions within 100 bp, or an imprecise call whose
        # confidence interval (CIPOS/CIEND = -ci,ci) holds both truth positions; only calls
        # within 5 bp count as placed
        same = bool(best and (best[0] <= 100 or (not best[2]['precise'] and best[0] <= best[2]['ci'])))
        if same:
            matched.add(best[1])
        rows.append(dict(kind='junction', type=typ, truth=f'{p1}{t[3]}/{p2}{t[5]}', homlen=hom,
                         found=same,
                         error_bp=best[0] if same else None,
                         precise=best[2]['precise'] if same else None,
                         ci=best[2]['ci'] if same else None,
                         cn_supported=best[2].get('copy_number_supported') if same else None,
                         cn_change=bool(best[2].get('copy_number_change')) if same else None))
    false = [v for i, v in enumerate(svs) if i not in matched]
    bounds = sorted({s['start'] for s in segs} | {s['end'] for s in segs})
    for c in cnv:
        s, e, cn, ma, mi = int(c[1]), int(c[2]), int(c[3]), int(c[4]), int(c[5])
        for b in (s, e):
            near = min(bounds, key=lambda x: abs(x - b))
            rows.append(dict(kind='boundary', type=f'CN{cn} ({ma}+{mi})', truth=b,
                             error_bp=abs(near - b)))
        inside = [x for x in segs if x['start'] < e and s < x['end'] and min(x['end'], e) - max(x['start'], s) > (e - s) / 2]
        rows.append(dict(kind='segment', type=f'CN{cn} ({ma}+{mi})', truth=f'{s}-{e}',
                         called_cn=inside[0].get('total_cn') if inside else None,
                         loh=inside[0].get('loh') if inside else None,
                         call=inside[0].get('call') if inside else None,
                         absolute_call=inside[0].get('absolute_call') if inside else None))
    return dict(dir=d, purity=purity, notes=notes, rows=rows,
                false_junctions=[(v['sv_type'], v['pos1'], v['pos2'], v['precise']) for v in false],
                purity_estimate=res['purity'].get('estimate') if isinstance(res.get('purity'), dict) else None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ref', required=True)
    ap.add_argument('--bin', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--purities', default='0.3,0.5,0.7,0.9')
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    results = []
    for k, p in enumerate(float(x) for x in args.purities.split(',')):
        results.append(run_case(args, p, 100 + k))
    # partners of low mappability (bwa MAPQ 0 in duplicated stretches), purity 0.5
    results.append(run_case(args, 0.5, 200, lowmap=True))
    json.dump(results, open(os.path.join(args.out, 'junctions.json'), 'w'), indent=1)
    table(results)


def table(results):
    print('| purity | junctions within 5 bp | found (imprecise: truth within CI) | max error (bp) | precise | CN boundaries within 1 kb | max boundary error (bp) | LOH called | homozygous deletion CN 0 | false junctions |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for r in results:
        j = [x for x in r['rows'] if x['kind'] == 'junction']
        b = [x for x in r['rows'] if x['kind'] == 'boundary' and 'CN2 (2+0)' not in x['type']]
        seg = [x for x in r['rows'] if x['kind'] == 'segment']
        ok = sum(1 for x in j if x['found'] and x['error_bp'] <= 5)
        errs = [x['error_bp'] for x in j if x['found']]
        loh = [x for x in seg if x['type'] == 'CN2 (2+0)']
        hd = [x for x in seg if x['type'].startswith('CN0')]
        print(f"| {r['purity']} | {ok}/{len(j)} | {len(errs)}/{len(j)} | {max(errs) if errs else '-'} | "
              f"{sum(1 for x in j if x['precise'])}/{len(j)} | "
              f"{sum(1 for x in b if x['error_bp'] <= 1000)}/{len(b)} | {max(x['error_bp'] for x in b)} | "
              f"{sum(1 for x in loh if x['loh'])}/{len(loh)} | {sum(1 for x in hd if x['called_cn'] == 0)}/{len(hd)} | "
              f"{len(r['false_junctions'])} |")
    for r in results:
        print(f"\n{r['dir']}: " + '; '.join(r['notes']))
        for x in r['rows']:
            print('  ' + json.dumps(x))
        if r['false_junctions']:
            print('  false: ' + json.dumps(r['false_junctions']))


if __name__ == '__main__':
    main()
