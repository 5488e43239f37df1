#!/usr/bin/env python3
"""Long mutation runs of the oncostream CLI, one input kind at a time (see scripts/fuzz.sh).

Each run takes a pristine input of the kind from fixtures/, applies a few structure-aware
mutations (fields set to boundary values, bits flipped, lines cut, duplicated or swapped, bytes
inserted; BGZF and CRAM blocks are decompressed, mutated and recompressed with valid checksums so
that the damage reaches the parsers behind them), runs the command that reads it with a timeout,
and classifies the outcome:

  ok        exit 0, and the output passes the kind's oracle
  refused   a documented exit code (64-66, 73, 74) with one `oncostream: error:` line
  internal  exit 70 (an internal error: a bug)
  panic     exit 101 or a panic message on stderr
  abort     killed by a signal (SIGABRT on a failed allocation, SIGSEGV, ...)
  hang      no exit within the timeout
  lost      exit 0 but the oracle failed: reads lost against an independent count, or a
            result that differs from the pristine run where the input's data did not change

Inputs that gave anything but ok/refused are kept in OUT/<kind>/crashes/ with the command line;
inputs that gave a new (exit code, message) pair are kept in OUT/<kind>/corpus/ and mutated
further. One line per kind is appended to OUT/summary.tsv.
"""

import argparse
import gzip
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FX = os.path.join(ROOT, "fixtures")
NF = os.path.join(FX, "nfcore_chr22")
ANN = os.path.join(FX, "annotation")

# ---------------------------------------------------------------------------------------------
# BGZF and CRAM helpers


def bgzf_blocks(data):
    """(offset, compressed block bytes) of every BGZF block."""
    out, pos = [], 0
    while pos + 18 <= len(data):
        bsize = struct.unpack_from("<H", data, pos + 16)[0] + 1
        out.append((pos, data[pos:pos + bsize]))
        pos += bsize
    return out


def bgzf_decompress(data):
    return b"".join(zlib.decompress(b[18:-8], -15) for _, b in bgzf_blocks(data))


def bgzf_block(payload):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    comp = c.compress(payload) + c.flush()
    bsize = len(comp) + 25
    head = b"\x1f\x8b\x08\x04" + b"\0" * 4 + b"\0\xff\x06\0BC\x02\0" + struct.pack("<H", bsize)
    tail = struct.pack("<II", zlib.crc32(payload) & 0xFFFFFFFF, len(payload))
    return head + comp + tail


EOF_BLOCK = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


def bgzf_compress(data, block=0xff00):
    return b"".join(bgzf_block(data[i:i + block]) for i in range(0, len(data), block)) + EOF_BLOCK


def itf8(b, p):
    b0 = b[p]
    if b0 < 0x80:
        return b0, p + 1
    if b0 < 0xC0:
        return ((b0 & 0x3F) << 8) | b[p + 1], p + 2
    if b0 < 0xE0:
        return ((b0 & 0x1F) << 16) | (b[p + 1] << 8) | b[p + 2], p + 3
    if b0 < 0xF0:
        return ((b0 & 0x0F) << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3], p + 4
    v = ((b0 & 0x0F) << 28) | (b[p + 1] << 20) | (b[p + 2] << 12) | (b[p + 3] << 4) | (b[p + 4] & 0x0F)
    return (v - (1 << 32) if v >= 1 << 31 else v), p + 5


def ltf8(b, p):
    b0 = b[p]
    n = 0
    while n < 8 and b0 & (0x80 >> n):
        n += 1
    v = 0 if n >= 7 else b0 & (0x7F >> n)
    for i in range(n):
        v = (v << 8) | b[p + 1 + i]
    return v, p + 1 + n


def cram_blocks(data):
    """(block start, data start, data end, crc offset) of every block of every container (as
    far as the containers can be walked)."""
    out = []
    try:
        walk_cram(data, out)
    except (IndexError, struct.error):
        pass
    return [b for b in out if 0 <= b[0] <= b[1] <= b[2] == b[3] and b[3] + 4 <= len(data)]


def walk_cram(data, out):
    pos = 26
    while pos < len(data):
        length = struct.unpack_from("<i", data, pos)[0]
        p = pos + 4
        ref, p = itf8(data, p)
        start, p = itf8(data, p)
        _, p = itf8(data, p)
        nrec, p = itf8(data, p)
        _, p = ltf8(data, p)
        _, p = ltf8(data, p)
        nblk, p = itf8(data, p)
        nland, p = itf8(data, p)
        for _ in range(nland):
            _, p = itf8(data, p)
        p += 4  # crc
        end = p + length
        if ref == -1 and start == 4542278 and nrec == 0:
            break
        q = p
        for _ in range(nblk):
            bstart = q
            q += 2  # method, content type
            _, q = itf8(data, q)  # content id
            comp, q = itf8(data, q)
            _, q = itf8(data, q)  # raw size
            out.append((bstart, q, q + comp, q + comp))
            q += comp + 4
        pos = end
    return out


def fix_cram_crc(data, blk):
    bstart, _, _, crc_at = blk
    struct.pack_into("<I", data, crc_at, zlib.crc32(bytes(data[bstart:crc_at])) & 0xFFFFFFFF)


# ---------------------------------------------------------------------------------------------
# generic mutators


BOUNDARY32 = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF,
              0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 37450, 37449, 4681]


def mutate_bytes(rng, b, n=None):
    b = bytearray(b)
    for _ in range(n or rng.choice([1, 1, 1, 2, 3, 8])):
        if not b:
            b = bytearray(b"\0")
        op = rng.random()
        i = rng.randrange(len(b))
        if op < 0.35:
            b[i] ^= 1 << rng.randrange(8)
        elif op < 0.55:
            b[i] = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
        elif op < 0.75 and len(b) >= 4:
            i = rng.randrange(len(b) - 3)
            struct.pack_into("<I", b, i, rng.choice(BOUNDARY32))
        elif op < 0.83:
            del b[i:i + rng.randrange(1, 16)]
        elif op < 0.91:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
        elif op < 0.96:
            j = rng.randrange(len(b))
            b[i:i] = b[j:j + rng.randrange(1, 64)]
        else:
            del b[rng.randrange(len(b)):]
    return bytes(b)


def mutate_text(rng, text, fields_sep="\t"):
    lines = text.split("\n")
    for _ in range(rng.choice([1, 1, 2, 3])):
        if not lines:
            lines = [""]
        i = rng.randrange(len(lines))
        op = rng.random()
        line = lines[i]
        if op < 0.35 and line:
            f = line.split(fields_sep)
            k = rng.randrange(len(f))
            f[k] = rng.choice(["", ".", "-1", "0", "+5", "1e309", "NaN", "-0", "4294967296",
                               "99999999999999999999", "\0", "=HYPERLINK(\"x\")", "\ufeff" + f[k],
                               f[k] + f[k], f[k][:-1], f[k] + "\t", "nan", "inf", "a\rb", "é",
                               str(rng.randrange(-5, 10 ** rng.randrange(1, 12)))])
            lines[i] = fields_sep.join(f)
        elif op < 0.45:
            del lines[i]
        elif op < 0.55:
            lines.insert(i, line)
        elif op < 0.62:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op < 0.72 and line:
            k = rng.randrange(len(line))
            lines[i] = line[:k] + line[k + 1:]
        elif op < 0.8 and line:
            k = rng.randrange(len(line) + 1)
            lines[i] = line[:k] + rng.choice(["\t", " ", "#", "\0", "\x1b", "\n", "A", "9"]) + line[k:]
        elif op < 0.85:
            lines.insert(i, rng.choice(["", "#", "\ufeff", "# comment"]))
        else:
            return mutate_bytes(rng, "\n".join(lines).encode()).decode("utf-8", "replace")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# kinds: each prepares files in `d` from a mutated pristine input and returns the argv


class Kind:
    name = ""
    doc = ""

    def __init__(self, bin_, work):
        self.bin = bin_
        self.work = work

    def seeds(self):
        """Pristine inputs (bytes) to mutate."""
        raise NotImplementedError

    def mutate(self, rng, data):
        return mutate_bytes(rng, data)

    def prepare(self, d, data):
        """Writes the case into `d`; returns argv."""
        raise NotImplementedError

    def oracle(self, d, argv):
        """On exit 0: None when the result is right, else why not."""
        return None


STALL = {}


def stall(bin_):
    """`--stall-timeout 20` when the binary has the flag (older builds, for comparisons, do not)."""
    if bin_ not in STALL:
        h = subprocess.run([bin_, "pileup", "--help"], capture_output=True).stdout
        STALL[bin_] = ["--stall-timeout", "20"] if b"--stall-timeout" in h else []
    return STALL[bin_]


def pileup_argv(bin_, bam, out, extra=()):
    return [bin_, "pileup", "--bam", bam, "-o", out, "-t", "1", "--quiet", *stall(bin_),
            "--metrics", out + ".metrics.json", *extra]


def run_ok(argv):
    p = subprocess.run(argv, capture_output=True, timeout=600)
    if p.returncode != 0:
        raise SystemExit(f"baseline failed: {' '.join(argv)}\n{p.stderr.decode()}")
    return p


class IndexKind(Kind):
    """The data is pristine, only its index is damaged: exit 0 must give the pristine output."""

    data_name = ""
    index_name = ""

    def baseline(self):
        if not hasattr(self, "_base"):
            d = tempfile.mkdtemp(dir=self.work)
            self.copy_data(d)
            with open(os.path.join(d, self.index_name), "wb") as f:
                f.write(self.pristine_index())
            run_ok(self.argv(d))
            self._base = open(os.path.join(d, "out.tsv"), "rb").read()
            shutil.rmtree(d)
        return self._base

    def copy_data(self, d):
        dst = os.path.join(d, self.data_name)
        if not os.path.exists(dst):
            os.symlink(self.data_path, dst)

    def prepare(self, d, data):
        self.copy_data(d)
        with open(os.path.join(d, self.index_name), "wb") as f:
            f.write(self.encode(data))
        return self.argv(d)

    def encode(self, data):
        return data

    def oracle(self, d, argv):
        got = open(os.path.join(d, "out.tsv"), "rb").read()
        if got != self.baseline():
            return "exit 0 with a result that differs from the pristine run (the data is unchanged)"
        return None


class Bai(IndexKind):
    name = "bai"
    doc = "the .bai of the nf-core tumor BAM (fields set to boundary values, bits flipped, cut)"
    data_name = "t.bam"
    index_name = "t.bam.bai"
    data_path = os.path.join(NF, "test2.paired_end.sorted.bam")

    def pristine_index(self):
        return open(self.data_path + ".bai", "rb").read()

    def seeds(self):
        return [self.pristine_index()]

    def argv(self, d):
        return pileup_argv(self.bin, os.path.join(d, self.data_name), os.path.join(d, "out.tsv"))


class Csi(Bai):
    name = "csi"
    doc = "a .csi of the same BAM (samtools index -c), decompressed, mutated, recompressed"
    index_name = "t.bam.csi"

    def pristine_index(self):
        if not hasattr(self, "_csi"):
            d = tempfile.mkdtemp(dir=self.work)
            p = os.path.join(d, "t.bam")
            shutil.copy(self.data_path, p)
            subprocess.run(["samtools", "index", "-c", p], check=True)
            self._csi = open(p + ".csi", "rb").read()
            shutil.rmtree(d)
        return self._csi

    def seeds(self):
        return [bgzf_decompress(self.pristine_index())]

    def encode(self, data):
        return bgzf_compress(data)


class Crai(IndexKind):
    name = "crai"
    doc = "the .crai of the nf-core tumor CRAM (gunzipped text: fields, lines)"
    data_name = "t.cram"
    index_name = "t.cram.crai"
    data_path = os.path.join(NF, "test2.paired_end.sorted.cram")

    def pristine_index(self):
        return open(self.data_path + ".crai", "rb").read()

    def seeds(self):
        return [gzip.decompress(self.pristine_index())]

    def mutate(self, rng, data):
        if rng.random() < 0.2:
            return mutate_bytes(rng, data)
        return mutate_text(rng, data.decode("latin-1")).encode("latin-1", "replace")

    def encode(self, data):
        return gzip.compress(data)

    def argv(self, d):
        return pileup_argv(self.bin, os.path.join(d, self.data_name), os.path.join(d, "out.tsv"),
                           ["-r", os.path.join(NF, "genome.fasta")])


def mapped_records(path, ref=None):
    """Mapped records counted by samtools reading the file sequentially (None if it cannot)."""
    argv = ["samtools", "view", "-c", "-F", "4"]
    if ref:
        argv += ["-T", ref]
    p = subprocess.run(argv + [path], capture_output=True, timeout=120)
    if p.returncode != 0 or p.stderr.strip():
        return None
    return int(p.stdout)


def our_reads(d):
    m = json.load(open(os.path.join(d, "out.tsv.metrics.json")))
    return m["inputs"][0]["reads"]


class BamRecords(Kind):
    name = "bam"
    doc = ("records of the nf-core tumor BAM: the BGZF stream decompressed, a record's fields "
           "set to boundary values or its bytes flipped, recompressed, re-indexed by samtools")
    src = os.path.join(NF, "test2.paired_end.sorted.bam")

    def seeds(self):
        return [bgzf_decompress(open(self.src, "rb").read())]

    def mutate(self, rng, data):
        data = bytearray(data)
        # the records start after the header
        l_text = struct.unpack_from("<i", data, 4)[0]
        p = 8 + l_text
        n_ref = struct.unpack_from("<i", data, p)[0]
        p += 4
        for _ in range(n_ref):
            p += 4 + struct.unpack_from("<i", data, p)[0] + 4
        starts = []
        while p + 4 <= len(data) and len(starts) < 20000:
            starts.append(p)
            p += 4 + struct.unpack_from("<i", data, p)[0]
        for _ in range(rng.choice([1, 1, 2])):
            r = rng.choice(starts)
            field = rng.choice([0, 4, 8, 12, 13, 14, 16, 18, 20, 24, 28, 32, 36, 40, None])
            if field is None:
                size = struct.unpack_from("<i", data, r)[0]
                i = r + 4 + rng.randrange(max(size, 1))
                if i < len(data):
                    data[i] ^= 1 << rng.randrange(8)
            elif field == 12:
                data[r + 4 + 8] = rng.choice([0, 1, 2, 255])  # l_read_name
            elif field == 13:
                data[r + 4 + 9] = rng.randrange(256)  # mapq
            elif field in (14, 18):
                struct.pack_into("<H", data, r + 4 + field - 2, rng.choice([0, 1, 2, 100, 0xFFFF]))
            else:
                off = r + field if field == 0 else r + 4 + field - 4
                if off + 4 <= len(data):
                    struct.pack_into("<I", data, off, rng.choice(BOUNDARY32 + [5, 100, 150, 1000]))
        return bytes(data)

    def prepare(self, d, data):
        bam = os.path.join(d, "t.bam")
        with open(bam, "wb") as f:
            f.write(bgzf_compress(data))
        if subprocess.run(["samtools", "index", bam], capture_output=True).returncode != 0:
            shutil.copy(self.src + ".bai", bam + ".bai")
        return pileup_argv(self.bin, bam, os.path.join(d, "out.tsv"))

    def oracle(self, d, argv):
        want = mapped_records(os.path.join(d, "t.bam"))
        if want is None:
            return None  # samtools cannot read it either: no independent count
        got = our_reads(d)
        if got < want:
            return f"exit 0 with {got} reads where samtools reads {want}"
        return None


class Cram(Kind):
    name = "cram"
    doc = ("blocks of the nf-core tumor CRAM: a block's bytes mutated and its CRC32 recomputed "
           "(so the decoder, not the checksum, meets the damage), or raw bytes; re-indexed")
    src = os.path.join(NF, "test2.paired_end.sorted.cram")
    ref = os.path.join(NF, "genome.fasta")

    def seeds(self):
        return [open(self.src, "rb").read()]

    def mutate(self, rng, data):
        if rng.random() < 0.15:
            return mutate_bytes(rng, data)
        data = bytearray(data)
        blocks = cram_blocks(bytes(data))
        if not blocks:
            return mutate_bytes(rng, bytes(data))
        for _ in range(rng.choice([1, 1, 2])):
            blk = rng.choice(blocks)
            bstart, s, e, _ = blk
            if rng.random() < 0.2:
                i = rng.randrange(bstart, s)  # the block header
            elif e > s:
                i = rng.randrange(s, e)
            else:
                continue
            data[i] = rng.choice([data[i] ^ (1 << rng.randrange(8)), 0, 0xFF, rng.randrange(256)])
            fix_cram_crc(data, blk)
        return bytes(data)

    def prepare(self, d, data):
        cram = os.path.join(d, "t.cram")
        with open(cram, "wb") as f:
            f.write(data)
        ok = subprocess.run(["samtools", "index", cram], capture_output=True, timeout=60).returncode
        if ok != 0:
            shutil.copy(self.src + ".crai", cram + ".crai")
        return pileup_argv(self.bin, cram, os.path.join(d, "out.tsv"), ["-r", self.ref])

    def oracle(self, d, argv):
        want = mapped_records(os.path.join(d, "t.cram"), self.ref)
        if want is None:
            return None
        got = our_reads(d)
        if got < want:
            return f"exit 0 with {got} reads where samtools reads {want}"
        return None


def fasta_seqs(text):
    seqs, name = {}, None
    for line in text.split("\n"):
        if line.startswith(">"):
            name = line[1:].split()[0] if line[1:].split() else ""
            seqs[name] = []
        elif name is not None:
            seqs[name].append(line.strip())
    return {k: "".join(v).upper() for k, v in seqs.items()}


class Fasta(Kind):
    """The reference (or its .fai) mutated: exit 0 must give the bases the FASTA really holds."""

    name = "fasta"
    doc = "the nf-core chr22 slice FASTA (lines cut, lengthened, swapped) with its pristine .fai"
    fa = os.path.join(NF, "genome.fasta")

    def seeds(self):
        return [open(self.fa, "rb").read()]

    def mutate(self, rng, data):
        return mutate_text(rng, data.decode(), fields_sep="\u2400").encode("utf-8", "replace")

    def files(self, data):
        return data, open(self.fa + ".fai", "rb").read()

    def prepare(self, d, data):
        fa, fai = self.files(data)
        with open(os.path.join(d, "r.fa"), "wb") as f:
            f.write(fa)
        with open(os.path.join(d, "r.fa.fai"), "wb") as f:
            f.write(fai)
        self.fa_text = fa
        return pileup_argv(self.bin, os.path.join(NF, "test2.paired_end.sorted.bam"),
                           os.path.join(d, "out.tsv"),
                           ["-r", os.path.join(d, "r.fa"), "--no-md5-check"])

    def oracle(self, d, argv):
        seqs = fasta_seqs(self.fa_text.decode("utf-8", "replace"))
        for line in open(os.path.join(d, "out.tsv")).read().split("\n")[1:]:
            f = line.split("\t")
            if len(f) < 3:
                continue
            s = seqs.get(f[0])
            p = int(f[1]) - 1
            want = s[p] if s is not None and p < len(s) else "N"
            if f[2] != want and not (f[2] == "N" and want not in "ACGT"):
                return f"exit 0 with reference base {f[2]} at {f[0]}:{f[1]} where the FASTA has {want}"
        return None


class Fai(Fasta):
    name = "fai"
    doc = "the .fai of the nf-core FASTA (lengths, offsets and line geometry set to other values)"

    def seeds(self):
        return [open(self.fa + ".fai", "rb").read()]

    def mutate(self, rng, data):
        return mutate_text(rng, data.decode()).encode("utf-8", "replace")

    def files(self, data):
        return open(self.fa, "rb").read(), data


class TextKind(Kind):
    """A text input mutated line- and field-wise; the oracle is the exit code alone."""

    path = ""

    def seeds(self):
        return [open(self.path, "rb").read()]

    def mutate(self, rng, data):
        return mutate_text(rng, data.decode("utf-8", "replace")).encode("utf-8", "replace")


class Bed(TextKind):
    name = "bed"
    doc = "a targets BED over the nf-core slice"
    path = os.path.join(NF, "genome.multi_intervals.bed")

    def prepare(self, d, data):
        open(os.path.join(d, "t.bed"), "wb").write(data)
        return pileup_argv(self.bin, os.path.join(NF, "test2.paired_end.sorted.bam"),
                           os.path.join(d, "out.tsv"), ["--targets", os.path.join(d, "t.bed")])


REPORT_BASE = None


def report_argv(bin_, d, extra):
    return [bin_, "report", "--vcf", os.path.join(ANN, "civic_variants.GRCh38.slice.vcf"), "-r",
            os.path.join(ANN, "cancer_genes.GRCh38.slices.fa"), "--gff",
            os.path.join(ANN, "cancer_genes.GRCh38.slices.refseq_lrg.gff3"), "--cancer-type", "MEL",
            "--outdir", os.path.join(d, "out"), "--quiet", *extra]


class Gff(TextKind):
    name = "gff"
    doc = "the GFF3 of the 14 cancer-gene slices (report of the CIViC variants)"
    path = os.path.join(ANN, "cancer_genes.GRCh38.slices.refseq_lrg.gff3")

    def prepare(self, d, data):
        open(os.path.join(d, "m.gff3"), "wb").write(data)
        argv = report_argv(self.bin, d, [])
        argv[argv.index("--gff") + 1] = os.path.join(d, "m.gff3")
        return argv


class Vcf(TextKind):
    name = "vcf"
    doc = "the somatic VCF given to report (the CIViC variants on the slices)"
    path = os.path.join(ANN, "civic_variants.GRCh38.slice.vcf")

    def prepare(self, d, data):
        open(os.path.join(d, "m.vcf"), "wb").write(data)
        argv = report_argv(self.bin, d, [])
        argv[argv.index("--vcf") + 1] = os.path.join(d, "m.vcf")
        return argv


class Resource(TextKind):
    name = "resource"
    doc = "the gnomAD germline resource (bgzip + tabix again after mutation) of a tumor-only call"
    path = os.path.join(NF, "gnomAD.r2.1.1.vcf.gz")

    def seeds(self):
        return [gzip.decompress(open(self.path, "rb").read())]

    def prepare(self, d, data):
        p = os.path.join(d, "g.vcf")
        open(p, "wb").write(data)
        subprocess.run(["bgzip", "-f", p], capture_output=True)
        if subprocess.run(["tabix", "-f", "-p", "vcf", p + ".gz"], capture_output=True).returncode:
            shutil.copy(self.path + ".tbi", p + ".gz.tbi")
        return [self.bin, "call", "--tumor", os.path.join(NF, "test2.paired_end.sorted.bam"), "-r",
                os.path.join(NF, "genome.fasta"), "--germline-resource", p + ".gz", "-o",
                os.path.join(d, "calls.vcf.gz"), "-t", "1", "--quiet", *stall(self.bin)]


class KbFile(TextKind):
    name = "kb"
    doc = "a file of a --kb directory (guidelines.tsv; BOM, comments, empty, fields)"
    path = os.path.join(ROOT, "data", "kb", "guidelines.tsv")

    def prepare(self, d, data):
        kb = os.path.join(d, "kb")
        os.makedirs(kb, exist_ok=True)
        for n in os.listdir(os.path.join(ROOT, "data", "kb")):
            if n.endswith(".tsv") and n != "guidelines.tsv":
                shutil.copy(os.path.join(ROOT, "data", "kb", n), kb)
        open(os.path.join(kb, "guidelines.tsv"), "wb").write(data)
        return [self.bin, "kb", "validate", "--kb", kb]


class Sheet(TextKind):
    name = "sheet"
    doc = "a batch sample sheet, emitted as a Slurm array (ids, paths, columns)"

    def seeds(self):
        return [("patient,sample,status,bam\nP1,P1_T,1,{T}\nP1,P1_N,0,{N}\nP2,P2_T,1,{T2}\n".format(
            T=os.path.join(NF, "test2.paired_end.sorted.bam"),
            N=os.path.join(NF, "test.paired_end.sorted.bam"),
            T2=os.path.join(NF, "test2.paired_end.sorted.cram"))).encode()]

    def mutate(self, rng, data):
        return mutate_text(rng, data.decode(), fields_sep=",").encode("utf-8", "replace")

    def prepare(self, d, data):
        open(os.path.join(d, "s.csv"), "wb").write(data)
        return [self.bin, "batch", "--samplesheet", os.path.join(d, "s.csv"), "--outdir",
                os.path.join(d, "out"), "--emit-slurm", "-r", os.path.join(NF, "genome.fasta"),
                "--quiet"]

    def oracle(self, d, argv):
        # no sample value may reach a shell line of the emitted scripts unquoted
        for n in ("oncostream.sbatch", "summary.sbatch", "submit.sh"):
            p = os.path.join(d, "out", "slurm", n)
            if os.path.exists(p) and subprocess.run(["bash", "-n", p]).returncode != 0:
                return f"{n} is not valid bash"
        return None


class CaseInfo(TextKind):
    name = "case"
    doc = "a case-information file of report (key: value lines)"

    def seeds(self):
        return [b"patient_id: P-001\nspecimen_id: S-001\nspecimen_type: FFPE\n"
                b"collection_date: 2026-01-05\ntumor_content: 0.6\ninstitution: Hospital\n"]

    def mutate(self, rng, data):
        return mutate_text(rng, data.decode(), fields_sep=":").encode("utf-8", "replace")

    def prepare(self, d, data):
        open(os.path.join(d, "case.txt"), "wb").write(data)
        return report_argv(self.bin, d, ["--case-info", os.path.join(d, "case.txt")])


class Trials(TextKind):
    name = "trials"
    doc = "a candidate-trials list of report"

    def seeds(self):
        return [b"id\ttitle\tgene\talteration\tcancer_types\texclude\tphase\tstatus\tsites\turl\n"
                b"jRCT0000000001\tBRAF V600 melanoma trial\tBRAF\tp.V600E\tMEL\t-\tII\trecruiting\t"
                b"Tokyo\thttps://jrct.niph.go.jp/latest-detail/jRCT0000000001\n"
                b"jRCT0000000002\tpan-RAS\tKRAS\tcodon:12:missense\t*\tCOADREAD\tI\trecruiting\t"
                b"Osaka\thttps://jrct.niph.go.jp/latest-detail/jRCT0000000002\n"
                b"jRCT0000000003\tTMB basket\t-\tbiomarker:TMB>=10\t*\t-\tII\trecruiting\tChiba\t"
                b"https://jrct.niph.go.jp/latest-detail/jRCT0000000003\n"]

    def prepare(self, d, data):
        open(os.path.join(d, "trials.tsv"), "wb").write(data)
        return report_argv(self.bin, d, ["--trials", os.path.join(d, "trials.tsv")])


KINDS = [BamRecords, Cram, Bai, Csi, Crai, Fasta, Fai, Bed, Vcf, Resource, Gff, KbFile, Sheet,
         CaseInfo, Trials]


# ---------------------------------------------------------------------------------------------


def classify(p, err):
    if p is None:
        return "hang"
    rc = p.returncode
    if rc < 0:
        return "abort"
    if rc == 101 or "panicked" in err:
        return "panic"
    if rc == 70:
        return "internal"
    if rc == 0:
        return "ok"
    if rc in (64, 65, 66, 73, 74):
        lines = [l for l in err.splitlines() if l.startswith("oncostream: error:")]
        return "refused" if len(lines) == 1 else "internal"
    return "abort"


def campaign(kind_cls, args, out):
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix=f"fuzz-{kind_cls.name}-")
    kind = kind_cls(args.bin, work)
    kdir = os.path.join(out, kind.name)
    crashes = os.path.join(kdir, "crashes")
    corpus_dir = os.path.join(kdir, "corpus")
    os.makedirs(crashes, exist_ok=True)
    os.makedirs(corpus_dir, exist_ok=True)
    corpus = list(kind.seeds())
    # the pristine seed must be accepted (exit 0, oracle holding): a refused seed would test
    # nothing but the first check of the parser
    d = tempfile.mkdtemp(dir=work)
    argv = kind.prepare(d, corpus[0])
    p = subprocess.run(argv, capture_output=True, timeout=args.timeout)
    if p.returncode != 0 or kind.oracle(d, argv):
        raise SystemExit(f"{kind.name}: the pristine seed is not accepted: {' '.join(argv)}\n"
                         f"{p.stderr.decode('utf-8', 'replace')[-2000:]}")
    shutil.rmtree(d, ignore_errors=True)
    corpus += [open(os.path.join(corpus_dir, f), "rb").read() for f in sorted(os.listdir(corpus_dir))]
    seen = set()
    counts = {k: 0 for k in ("ok", "refused", "internal", "panic", "abort", "hang", "lost")}
    runs = 0
    end = time.time() + 60 * args.minutes
    while time.time() < end:
        runs += 1
        base = rng.choice(corpus) if rng.random() < 0.7 else corpus[0]
        data = kind.mutate(rng, base)
        d = tempfile.mkdtemp(dir=work)
        try:
            argv = kind.prepare(d, data)
            try:
                p = subprocess.run(argv, capture_output=True, timeout=args.timeout)
                err = p.stderr.decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                p, err = None, ""
            what = classify(p, err)
            why = None
            if what == "ok":
                why = kind.oracle(d, argv)
                if why:
                    what = "lost"
            counts[what] += 1
            key = (p.returncode if p else "hang", err.split(":")[2][:40] if err.count(":") > 2 else "")
            if what in ("ok", "refused") and key not in seen and len(corpus) < 200:
                seen.add(key)
                corpus.append(data)
                open(os.path.join(corpus_dir, f"{len(corpus):04d}"), "wb").write(data)
            if what not in ("ok", "refused"):
                name = f"{what}-{runs:06d}"
                open(os.path.join(crashes, name), "wb").write(data)
                with open(os.path.join(crashes, name + ".txt"), "w") as f:
                    f.write(" ".join(argv) + "\n" + (why or "") + "\n" + err[-4000:])
        finally:
            shutil.rmtree(d, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    row = [time.strftime("%Y-%m-%d"), kind.name, f"{args.minutes:g}", str(runs)] + [
        str(counts[k]) for k in ("ok", "refused", "internal", "panic", "abort", "hang", "lost")]
    with open(os.path.join(out, "summary.tsv"), "a") as f:
        f.write("\t".join(row) + "\n")
    print("\t".join(row), flush=True)
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", default="all", help="one of: " + ", ".join(k.name for k in KINDS) + ", or all")
    ap.add_argument("--minutes", type=float, default=10.0, help="per kind")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "oncostream"))
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "fuzz"))
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before a run is a hang")
    ap.add_argument("--list", action="store_true", help="list the kinds and exit")
    args = ap.parse_args()
    if args.list:
        for k in KINDS:
            print(f"{k.name}\t{k.doc}")
        return 0
    kinds = KINDS if args.kind == "all" else [k for k in KINDS if k.name == args.kind]
    if not kinds:
        ap.error(f"unknown kind {args.kind}")
    os.makedirs(args.out, exist_ok=True)
    summary = os.path.join(args.out, "summary.tsv")
    if not os.path.exists(summary):
        open(summary, "w").write("date\tkind\tminutes\truns\tok\trefused\tinternal\tpanic\tabort\thang\tlost\n")
    bad = 0
    for k in kinds:
        c = campaign(k, args, args.out)
        bad += sum(c[x] for x in ("internal", "panic", "abort", "hang", "lost"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
