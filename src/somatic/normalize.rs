//! Left-normalisation of indels against the reference, as `bcftools norm` does.
//!
//! `ref_at(p)` returns the reference base at 0-based position `p` (`N` when unknown).
//! An indel is represented by its anchor (the reference base before the event) and, for a
//! deletion, its length; for an insertion, its inserted bases.

/// Shifts a deletion of `len` bases after `anchor` to its leftmost equivalent position.
pub(crate) fn left_align_del(
    mut anchor: i64,
    len: u32,
    min_pos: i64,
    ref_at: impl Fn(i64) -> u8,
) -> i64 {
    // deleted bases are anchor+1 ..= anchor+len; shift while ref[anchor] == ref[anchor+len]
    while anchor > min_pos {
        let a = ref_at(anchor);
        if a == b'N' || a != ref_at(anchor + len as i64) {
            break;
        }
        anchor -= 1;
    }
    anchor
}

/// Shifts an insertion of `seq` after `anchor` to its leftmost equivalent position; rotates
/// `seq` accordingly.
pub(crate) fn left_align_ins(
    mut anchor: i64,
    seq: &mut [u8],
    min_pos: i64,
    ref_at: impl Fn(i64) -> u8,
) -> i64 {
    if seq.is_empty() {
        return anchor;
    }
    while anchor > min_pos {
        let a = ref_at(anchor);
        if a == b'N' || a != seq[seq.len() - 1] {
            break;
        }
        seq.rotate_right(1);
        anchor -= 1;
    }
    anchor
}

/// The smallest repeat unit of `s` (e.g. `ACAC` -> `AC`).
pub(crate) fn repeat_unit(s: &[u8]) -> &[u8] {
    for k in 1..=s.len() {
        if s.len() % k == 0 && s.chunks(k).all(|c| c == &s[..k]) {
            return &s[..k];
        }
    }
    s
}

/// Length in bp of the tract of `unit` repeated right after `anchor` in the reference
/// (the context an indel of that unit slips in), counting whole units.
pub(crate) fn tract_len(anchor: i64, unit: &[u8], ref_at: impl Fn(i64) -> u8) -> u32 {
    if unit.is_empty() {
        return 0;
    }
    let mut n = 0u32;
    let mut p = anchor + 1;
    'outer: loop {
        for &u in unit {
            if ref_at(p) != u {
                break 'outer;
            }
            p += 1;
        }
        n += 1;
        if n > 200 {
            break;
        }
    }
    n * unit.len() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &'static [u8]) -> impl Fn(i64) -> u8 {
        move |p| {
            if p >= 0 && (p as usize) < s.len() {
                s[p as usize]
            } else {
                b'N'
            }
        }
    }

    #[test]
    fn deletion_in_homopolymer_moves_left() {
        // ref G A A A A T ; deleting one A anywhere = anchor G (0)
        let rf = r(b"GAAAAT");
        assert_eq!(left_align_del(3, 1, 0, &rf), 0);
        // CA repeat: ref T C A C A G, delete "CA" after anchor 2 (A) -> anchor 0 (T)
        let rf = r(b"TCACAG");
        assert_eq!(left_align_del(2, 2, 0, &rf), 0);
    }

    #[test]
    fn insertion_rotates_while_moving() {
        // ref G A A T, insert A after anchor 2 -> anchor 0, seq A
        let rf = r(b"GAAT");
        let mut s = b"A".to_vec();
        assert_eq!(left_align_ins(2, &mut s, 0, &rf), 0);
        // ref T C A C A G, insert "AC" after anchor 3 (C): equivalent to "CA" after anchor 0
        let rf = r(b"TCACAG");
        let mut s = b"AC".to_vec();
        assert_eq!(left_align_ins(3, &mut s, 0, &rf), 0);
        assert_eq!(s, b"CA");
    }

    #[test]
    fn units_and_tracts() {
        assert_eq!(repeat_unit(b"ACAC"), b"AC");
        assert_eq!(repeat_unit(b"AAA"), b"A");
        assert_eq!(repeat_unit(b"ACG"), b"ACG");
        let rf = r(b"GAAAAAAAT");
        assert_eq!(tract_len(0, b"A", &rf), 7);
    }
}
