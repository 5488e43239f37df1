#!/usr/bin/env python3
"""Makes the minimised damaged inputs of issue 19's regression tests (fixtures/robustness/).

Everything is derived from fixtures/nfcore_chr22/ (MIT, nf-core test data); run from the repo
root with samtools on PATH:  python3 scripts/make-robustness-fixtures.py

records/  the header and the first 24 records of the nf-core tumor BAM (test2), written as BGZF
          with *stored* (level-0) deflate blocks, indexed once with `samtools index`. A stored
          block's compressed size depends only on its length, so a record mutated in place
          (same length) keeps every virtual offset of that pristine index valid: each damaged
          copy below ships with the pristine index, and only its record is wrong.
            pristine.bam          the 24 records unchanged (the control: read in full, exit 0)
            cigar_longer_than_seq.bam   record 10's first CIGAR op 40 bases longer (143M -> 183M)
            corrupt_aux.bam       record 10's last tag (RG:Z) loses its terminating NUL
            refid_beyond_header.bam     record 10's refID = 5 (the header has 1 sequence)
            l_read_name_0.bam     record 10's l_read_name = 0
            block_size_4gb.bam    record 10's block_size = 0xFFFFFFFF
cram/     the nf-core tumor CRAM (test2, 90 kB) with one byte of a data block changed:
            data_block_crc_fixed.cram   a byte of the first slice's largest external block
                                  flipped and the block's CRC32 recomputed, so the decoder (not
                                  the checksum) meets the damage
            data_block_crc_stale.cram   the same byte flipped, CRC32 left as it was
            rans_block_abort.cram  found by scripts/fuzz.sh (cram, seed 19): byte 189 of block 5
                                  (an external rANS 4x8 block) of the first data container set
                                  to 0xFF, CRC32 recomputed. htslib 1.19.1 (bundled by hts-sys
                                  2.2.1) overflows the heap decoding it and the process aborts
                                  (SIGABRT, "free(): invalid next size"); samtools 1.16.1 refuses
                                  it ("Failure to decode slice"); oncostream refuses it
                                  before htslib decodes it (src/io/cram_blocks.rs).
            soft_clip_past_read.cram   the same block's byte 135 set to 0xFF (fuzz.sh, cram,
                                  seed 19, binary of main 6208931): the block keeps its stop
                                  bytes, but record 4247's soft clip becomes 149 bases of a
                                  143-base read; htslib 1.19.1 aborts ("corrupted size vs.
                                  prev_size") with the fuzzer's flags (-t 1 --metrics; whether
                                  the heap damage shows depends on the allocations)
            rans_block_short.cram  the same block's byte 113 set to 0x00 (same run): the rANS
                                  stream runs out before its 817 bytes; htslib 1.19.1 aborts
          each with the pristine .crai (the containers do not move).

Files that a test can make cheaply from a fixture (a bit-flipped .bai, an empty .crai, a FASTA
one line shorter, a GFF with strand '.', KB tables with a BOM, ...) are made at test time in
tests/suite/robustness.rs instead.
"""

import os
import shutil
import struct
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NF = os.path.join(ROOT, "fixtures", "nfcore_chr22")
OUT = os.path.join(ROOT, "fixtures", "robustness")

EOF_BLOCK = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
N_RECORDS = 24
VICTIM = 10


def bgzf_blocks(data):
    out, pos = [], 0
    while pos + 18 <= len(data):
        bsize = struct.unpack_from("<H", data, pos + 16)[0] + 1
        out.append(data[pos:pos + bsize])
        pos += bsize
    return out


def inflate_bgzf(data):
    return b"".join(zlib.decompress(b[18:-8], -15) for b in bgzf_blocks(data))


def stored_bgzf(data, block=0xFF00):
    """BGZF with level-0 deflate: block sizes depend only on the payload's length."""
    out = []
    for i in range(0, len(data), block):
        payload = data[i:i + block]
        c = zlib.compressobj(0, zlib.DEFLATED, -15)
        comp = c.compress(payload) + c.flush()
        head = b"\x1f\x8b\x08\x04" + b"\0" * 4 + b"\0\xff\x06\0BC\x02\0"
        head += struct.pack("<H", len(comp) + 25)
        out.append(head + comp + struct.pack("<II", zlib.crc32(payload) & 0xFFFFFFFF, len(payload)))
    return b"".join(out) + EOF_BLOCK


def records_start(raw):
    l_text = struct.unpack_from("<i", raw, 4)[0]
    p = 8 + l_text
    n_ref = struct.unpack_from("<i", raw, p)[0]
    p += 4
    for _ in range(n_ref):
        p += 4 + struct.unpack_from("<i", raw, p)[0] + 4
    return p


def record_offsets(raw, start, n):
    offs, p = [], start
    while len(offs) < n and p + 4 <= len(raw):
        offs.append(p)
        p += 4 + struct.unpack_from("<i", raw, p)[0]
    return offs, p


def first_z_nul(raw, r):
    """Offset of the NUL that ends the first Z tag of the record at `r`."""
    l_name = raw[r + 12]
    n_cigar = struct.unpack_from("<H", raw, r + 16)[0]
    l_seq = struct.unpack_from("<i", raw, r + 20)[0]
    end = r + 4 + struct.unpack_from("<i", raw, r)[0]
    p = r + 36 + l_name + 4 * n_cigar + (l_seq + 1) // 2 + l_seq
    sizes = {ord(c): s for c, s in zip("AcCsSiIf", (1, 1, 1, 2, 2, 4, 4, 4))}
    while p < end:
        t = raw[p + 2]
        p += 3
        if t == ord("Z"):
            return raw.index(b"\0", p)
        if t == ord("B"):
            sub, n = raw[p], struct.unpack_from("<I", raw, p + 1)[0]
            p += 5 + n * sizes[sub]
        else:
            p += sizes[t]
    raise SystemExit("record has no Z tag")


def make_records():
    d = os.path.join(OUT, "records")
    os.makedirs(d, exist_ok=True)
    raw = inflate_bgzf(open(os.path.join(NF, "test2.paired_end.sorted.bam"), "rb").read())
    start = records_start(raw)
    offs, end = record_offsets(raw, start, N_RECORDS)
    pristine = bytearray(raw[:end])
    base = os.path.join(d, "pristine.bam")
    open(base, "wb").write(stored_bgzf(bytes(pristine)))
    subprocess.run(["samtools", "index", base], check=True)
    r = offs[VICTIM]
    l_name = pristine[r + 12]
    cig = r + 36 + l_name

    def cigar_longer(b):
        w = struct.unpack_from("<I", b, cig)[0]
        struct.pack_into("<I", b, cig, w + (40 << 4))

    def corrupt_aux(b):
        # the record ends with a Z tag (RG:Z:...): its NUL becomes 'X', so the string runs
        # off the end of the record (replacing an inner NUL would only merge two Z tags)
        last = r + 4 + struct.unpack_from("<i", b, r)[0] - 1
        assert b[last] == 0 and last > first_z_nul(b, r)
        b[last] = ord("X")

    def refid(b):
        struct.pack_into("<i", b, r + 4, 5)

    def l_read_name_0(b):
        b[r + 12] = 0

    def block_size(b):
        struct.pack_into("<I", b, r, 0xFFFFFFFF)

    for name, f in [("cigar_longer_than_seq", cigar_longer), ("corrupt_aux", corrupt_aux),
                    ("refid_beyond_header", refid), ("l_read_name_0", l_read_name_0),
                    ("block_size_4gb", block_size)]:
        b = bytearray(pristine)
        f(b)
        data = stored_bgzf(bytes(b))
        assert len(data) == os.path.getsize(base), name
        p = os.path.join(d, name + ".bam")
        open(p, "wb").write(data)
        shutil.copy(base + ".bai", p + ".bai")


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
    return v, p + 5


def ltf8(b, p):
    b0 = b[p]
    n = 0
    while n < 8 and b0 & (0x80 >> n):
        n += 1
    v = 0 if n >= 7 else b0 & (0x7F >> n)
    for i in range(n):
        v = (v << 8) | b[p + 1 + i]
    return v, p + 1 + n


def container_blocks(data, pos):
    """(container end, [(block start, content type, data start, data end)]) of one container."""
    length = struct.unpack_from("<i", data, pos)[0]
    p = pos + 4
    for _ in range(4):
        _, p = itf8(data, p)
    _, p = ltf8(data, p)
    _, p = ltf8(data, p)
    nblk, p = itf8(data, p)
    nland, p = itf8(data, p)
    for _ in range(nland):
        _, p = itf8(data, p)
    p += 4
    end = p + length
    blocks, q = [], p
    while q < end:
        bstart = q
        ctype = data[q + 1]
        q += 2
        _, q = itf8(data, q)
        comp, q = itf8(data, q)
        _, q = itf8(data, q)
        blocks.append((bstart, ctype, q, q + comp))
        q += comp + 4
    return end, blocks


def make_cram():
    d = os.path.join(OUT, "cram")
    os.makedirs(d, exist_ok=True)
    src = os.path.join(NF, "test2.paired_end.sorted.cram")
    data = open(src, "rb").read()
    # file definition (26 bytes), the header container, then the first data container
    end, _ = container_blocks(data, 26)
    _, blocks = container_blocks(data, end)
    external = [b for b in blocks if b[1] == 4]  # EXTERNAL_DATA
    bstart, _, s, e = max(external, key=lambda b: b[3] - b[2])
    at = s + (e - s) // 2
    for name, fix in [("data_block_crc_fixed", True), ("data_block_crc_stale", False)]:
        b = bytearray(data)
        b[at] ^= 0x10
        if fix:
            struct.pack_into("<I", b, e, zlib.crc32(bytes(b[bstart:e])) & 0xFFFFFFFF)
        p = os.path.join(d, name + ".cram")
        open(p, "wb").write(bytes(b))
        shutil.copy(src + ".crai", p + ".crai")
    bstart, _, s, e = blocks[5]
    for name, at, value in [("rans_block_abort", 189, 0xFF), ("soft_clip_past_read", 135, 0xFF),
                            ("rans_block_short", 113, 0x00)]:
        b = bytearray(data)
        b[s + at] = value
        struct.pack_into("<I", b, e, zlib.crc32(bytes(b[bstart:e])) & 0xFFFFFFFF)
        p = os.path.join(d, name + ".cram")
        open(p, "wb").write(bytes(b))
        shutil.copy(src + ".crai", p + ".crai")


def main():
    if shutil.which("samtools") is None:
        sys.exit("samtools is needed (apt-get install samtools)")
    make_records()
    make_cram()
    return 0


if __name__ == "__main__":
    sys.exit(main())
