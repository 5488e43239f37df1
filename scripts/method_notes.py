#!/usr/bin/env python3
"""Writes the "In the code" section of each docs page: every `// METHOD:` note of the source
files the page describes, by file, with its first sentence. Re-run after adding a METHOD note:

    python3 scripts/method_notes.py

The page -> files map is below; tests/suite/docs.rs fails when a file with a METHOD note is
linked from no page of docs/.
"""
import re

PAGES = {
    'docs/methods/somatic-calling.md': ['src/somatic/evidence.rs', 'src/somatic/model.rs', 'src/somatic/filters.rs', 'src/somatic/germline.rs', 'src/engine/pileup.rs', 'src/pipeline/prepare.rs', 'src/pipeline/pon.rs'],
    'docs/methods/biomarkers.md': ['src/somatic/biomarkers.rs', 'src/somatic/msi.rs', 'src/somatic/qc.rs', 'src/pipeline/report.rs'],
    'docs/methods/copy-number-and-fusions.md': ['src/somatic/cnv/mod.rs', 'src/somatic/cnv/segment.rs', 'src/somatic/cnv/fit.rs', 'src/somatic/cnv/genes.rs', 'src/somatic/cnv/external.rs', 'src/io/sv_input.rs', 'src/somatic/sv.rs', 'src/somatic/sv_refine.rs', 'src/somatic/sv_link.rs', 'src/clinical/fusion.rs'],
    'docs/methods/annotation.md': ['src/clinical/annotate.rs', 'src/clinical/models.rs', 'src/clinical/transcripts.rs', 'src/io/vcf_input.rs'],
    'docs/knowledge-base.md': ['src/clinical/kb/matcher.rs', 'src/clinical/kb/cancer.rs', 'src/clinical/kb/civic.rs', 'src/clinical/tier.rs', 'src/clinical/triage.rs', 'src/clinical/oncogenicity.rs', 'src/clinical/germline.rs', 'src/clinical/kb/policy.rs'],
    'docs/hpc.md': ['src/pipeline/batch/mod.rs', 'src/pipeline/batch/state.rs', 'src/report/maf.rs'],
    'docs/architecture.md': ['src/pipeline/outdir.rs'],
    'docs/methods/input-validation.md': ['src/io/bam_record.rs', 'src/io/bam_index.rs', 'src/io/cram_container.rs', 'src/io/cram_blocks.rs', 'src/io/reference.rs', 'src/io/gff.rs', 'src/io/resource.rs', 'src/pipeline/clinical_inputs.rs', 'src/engine/gather.rs', 'src/engine/deadline.rs', 'src/io/output.rs', 'src/io/text.rs', 'src/pipeline/batch/slurm.rs', 'src/report/escape.rs'],
    'docs/methods/monitoring.md': ['src/somatic/mrd/mod.rs', 'src/somatic/mrd/umi.rs', 'src/somatic/mrd/consensus.rs', 'src/somatic/mrd/background.rs', 'src/somatic/mrd/model.rs', 'src/clinical/monitoring.rs', 'src/pipeline/monitor/assemble.rs'],
}
HEADING = '\n## In the code\n'


def first_sentence(text):
    protected = text.replace('e.g. ', 'e.g.\0').replace('i.e. ', 'i.e.\0').replace('vs. ', 'vs.\0')
    s = re.split(r'(?<=[.;])\s', protected, maxsplit=1)[0].replace('\0', ' ').rstrip('.;')
    return s if len(s) <= 170 else s[:167].rsplit(' ', 1)[0] + ' ...'


def notes(path):
    lines = open(path, encoding='utf-8').read().split('\n')
    out = []
    for i, line in enumerate(lines):
        m = re.search(r'//[/!]?\s*METHOD(?:\s*\([^)]*\))?:?\s*(.*)', line)
        if not m:
            continue
        text = m.group(1).strip()
        j = i + 1
        while j < len(lines) and re.match(r'\s*//', lines[j]) and 'METHOD' not in lines[j]:
            text += ' ' + re.sub(r'^\s*//[/!]?\s*', '', lines[j])
            j += 1
        out.append(first_sentence(text.strip().lstrip('-').strip()))
    return out


def main():
    for page, sources in PAGES.items():
        up = '../' * page.count('/')
        body = open(page, encoding='utf-8').read()
        body = body.split(HEADING)[0].rstrip('\n') + '\n'
        sec = HEADING + '\nThe `// METHOD:` notes at the code this page describes (each choice is stated where it is made):\n\n'
        for f in sources:
            ns = notes(f)
            if not ns:
                continue
            sec += f'- [`{f}`]({up}{f}):\n' + ''.join(f'  - {n}\n' for n in ns)
        open(page, 'w', encoding='utf-8').write(body + sec)


if __name__ == '__main__':
    main()
