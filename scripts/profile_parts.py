#!/usr/bin/env python3
"""Shares of a `run` profile per part of the pass, from collapsed stacks (inferno/perf folded).

  profile_parts.py RUN.folded [metrics.json]

Each sample goes to the part of the innermost frame that names one (a leaf in malloc or a sort
goes to the observer that called it); with metrics.json the shares are also turned into CPU
seconds and CPU microseconds per record (tumor + normal).
"""
import json
import re
import sys

# (part, pattern) in the order they are tried on each frame, innermost frame first; inlined
# frames carry their bare function name, hence the `^(name)` alternatives
PARTS = [
    ("input checksums (side thread)", r"input_digest|md5_file|md5::compress|blake3"),
    ("caller (somatic/evidence.rs)", r"CallObserver|somatic::evidence::|^(equal_prefix|mismatches|insertion|add_coverage|prefix_sum_coverage|one_per_template|raw_alt_counts|candidate_positions|count_damage|pack_reference|score|sample_support|vcf_alleles)\b"),
    ("MSI (somatic/msi.rs)", r"MsiObserver|somatic::msi::|^(best_at|scan_range|scan_shard|repeat_count_in_seq)\b"),
    ("QC (somatic/qc.rs)", r"QcObserver|somatic::qc::"),
    ("CN bins (somatic/cnv/bins.rs)", r"CnvObserver|cnv::bins::"),
    ("SV evidence (somatic/sv.rs)", r"SvObserver|somatic::sv::"),
    ("pileup counting (engine/pileup.rs)", r"engine::pileup::|^(count_bases|count_bases_vs_ref|count_core|count_read|settle_implicit|base_field|resolve|events|choose_a|ins_follows)\b"),
    ("decode: inflate + CRC32 (libdeflate)", r"libdeflate|deflate_decompress|build_decode_table|crc32_|crc32fast"),
    ("decode: BGZF blocks, BAM records, copies", r"noodles_|view_bam|CountingCursor|AlnReader|alignment::"),
    ("gather and sinks (main thread)", r"Stage>::add|as oncostream::pipeline::run::stage::Stage>::add|run::pass::\{\{closure|engine::run_shards"),
    ("engine: read dispatch, column loop, shards", r"engine::process_shard|RunObserver"),
    ("after the pass (finishing stages, outputs)", r"execute_with|RunPlan|cnv::segment::|^pelt\b"),
]
COMPILED = [(name, re.compile(p)) for name, p in PARTS]


def part_of(frames):
    for f in reversed(frames):
        for name, rx in COMPILED:
            if rx.search(f):
                return name
    return "other (start-up, kernel, allocator outside the pass)"


def main():
    counts = {}
    total = 0
    with open(sys.argv[1]) as fh:
        for line in fh:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            n = int(n)
            part = part_of(stack.split(";"))
            counts[part] = counts.get(part, 0) + n
            total += n
    metrics = None
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as fh:
            metrics = json.load(fh)
    cpu = metrics["cpu_seconds"] if metrics else None
    reads = metrics["reads"] if metrics else None
    head = f"{'part':<52} {'share':>7}"
    if cpu:
        head += f" {'cpu_s':>7} {'us/record':>10}"
    print(head)
    for name, _ in PARTS + [("other (start-up, kernel, allocator outside the pass)", None)]:
        n = counts.get(name, 0)
        if not n:
            continue
        share = n / total
        row = f"{name:<52} {100 * share:6.1f}%"
        if cpu:
            row += f" {share * cpu:7.2f} {share * cpu * 1e6 / reads:10.3f}"
        print(row)
    if metrics:
        print(f"# run: {metrics['wall_seconds']:.2f} s wall, {cpu:.2f} s CPU, "
              f"{reads} records, {cpu * 1e6 / reads:.3f} CPU us per record; "
              f"stage CPU {json.dumps({k: round(v, 2) for k, v in metrics['stage_cpu_seconds'].items()})}; "
              f"worker read {metrics['stages'].get('worker_read', 0):.2f} s, "
              f"observe {metrics['stages'].get('worker_observe', 0):.2f} s, "
              f"sink {metrics['stages'].get('sink', 0):.2f} s")


if __name__ == "__main__":
    main()
