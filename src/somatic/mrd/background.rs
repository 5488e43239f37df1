//! The background error of one plasma sample, by substitution class and trinucleotide context.
//!
//! METHOD: the error a tracked site would show without tumor DNA is measured on the same
//! sample, on the non-variant positions of the tracked windows (every position within
//! `background_flank` of a tracked or watched site except the sites themselves), per molecule
//! consensus base — the same unit the sites are counted in. Substitutions are collapsed to a
//! pyrimidine reference (a G>A on the forward strand is a C>T on the other): 6 classes, and 96
//! with the 5' and 3' neighbours (32 reference contexts). A position whose non-reference
//! allele reaches `EXCLUDE_SHARE` of its molecules and `EXCLUDE_MIN` molecules is not error
//! (germline, haematopoietic or tumor) and is left out; under an error process of 1e-3 per
//! molecule-base such a position is vanishingly rare, so leaving it out does not bias the
//! rate. A context is resolved when it has `MIN_CONTEXT_BASES` molecule-bases; a rate is the
//! context's own, shrunk towards its class rate with `SHRINK_BASES` pseudo-bases (empirical
//! Bayes), and a class's towards the all-class rate.

/// Fraction of a position's molecules from which a non-reference allele is not error.
pub(crate) const EXCLUDE_SHARE: f64 = 0.02;
/// ... and at least this many molecules.
pub(crate) const EXCLUDE_MIN: u32 = 3;
/// Molecule-bases from which a trinucleotide context has its own rate (and test class).
pub(crate) const MIN_CONTEXT_BASES: u64 = 20_000;
/// Pseudo-bases of the shrinkage towards the parent rate.
pub(crate) const SHRINK_BASES: f64 = 20_000.0;

/// The six pyrimidine-reference classes, in this order.
pub(crate) const CLASSES: [&str; 6] = ["C>A", "C>G", "C>T", "T>A", "T>C", "T>G"];

fn code(b: u8) -> Option<u8> {
    match b {
        b'A' => Some(0),
        b'C' => Some(1),
        b'G' => Some(2),
        b'T' => Some(3),
        _ => None,
    }
}

/// Where one substitution falls: its reference context (0-31) and its 96-class (0-95), and the
/// 6-class (0-5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SubClass {
    /// 5' base x 16 + ref (C=0, T=1) x 4 + 3' base... as `context * 3 + alt index`.
    pub context: u8,
    /// `context * 3 + alt` (alt among the three other bases, in A, C, G, T order skipping ref).
    pub class96: u8,
    /// Index into [`CLASSES`].
    pub class6: u8,
}

/// The context of reference triplet `tri` (uppercase) collapsed to a pyrimidine centre.
pub(crate) fn context_of(tri: [u8; 3]) -> Option<u8> {
    let (a, r, c) = (code(tri[0])?, code(tri[1])?, code(tri[2])?);
    let (a, r, c) = if r == 0 || r == 2 {
        (3 - c, 3 - r, 3 - a)
    } else {
        (a, r, c)
    };
    let ref_bit = if r == 1 { 0 } else { 1 };
    Some(a * 8 + ref_bit * 4 + c)
}

/// The class of `ref > alt` in triplet `tri` (the middle base is `ref`).
pub(crate) fn sub_class(tri: [u8; 3], alt: u8) -> Option<SubClass> {
    let ctx = context_of(tri)?;
    let (r, mut a) = (code(tri[1])?, code(alt)?);
    if r == a {
        return None;
    }
    let r_pyr = if r == 0 || r == 2 { 3 - r } else { r };
    if r == 0 || r == 2 {
        a = 3 - a;
    }
    // alt index among the three bases other than the pyrimidine ref, in A C G T order
    let alt_idx = (0..4u8).filter(|&x| x != r_pyr).position(|x| x == a)? as u8;
    let class6 = if r_pyr == 1 { alt_idx } else { 3 + alt_idx };
    Some(SubClass {
        context: ctx,
        class96: ctx * 3 + alt_idx,
        class6,
    })
}

/// Background tallies of one sample (additive over shards).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Background {
    /// Molecule-bases per reference context.
    pub bases: [u64; 32],
    /// Error molecules per 96-class.
    pub errors: [u64; 96],
    /// Positions left out as not-error.
    pub excluded: u64,
}

impl Default for Background {
    fn default() -> Self {
        Background {
            bases: [0; 32],
            errors: [0; 96],
            excluded: 0,
        }
    }
}

impl Background {
    /// Adds one position: reference triplet and molecule counts per base (A, C, G, T).
    pub(crate) fn add_position(&mut self, tri: [u8; 3], counts: [u32; 4]) {
        let Some(ctx) = context_of(tri) else { return };
        let Some(r) = code(tri[1]) else { return };
        let depth: u32 = counts.iter().sum();
        if depth == 0 {
            return;
        }
        let max_alt = (0..4)
            .filter(|&b| b != r as usize)
            .map(|b| counts[b])
            .max()
            .unwrap_or(0);
        if max_alt >= EXCLUDE_MIN && max_alt as f64 >= EXCLUDE_SHARE * depth as f64 {
            self.excluded += 1;
            return;
        }
        self.bases[ctx as usize] += depth as u64;
        for (b, &n) in counts.iter().enumerate() {
            if b != r as usize && n > 0 {
                if let Some(c) = sub_class(tri, b"ACGT"[b]) {
                    self.errors[c.class96 as usize] += n as u64;
                }
            }
        }
    }

    /// Adds another sample's (or shard's) tallies.
    pub fn merge(&mut self, o: &Background) {
        for i in 0..32 {
            self.bases[i] += o.bases[i];
        }
        for i in 0..96 {
            self.errors[i] += o.errors[i];
        }
        self.excluded += o.excluded;
    }

    /// Molecule-bases over all contexts.
    pub(crate) fn total_bases(&self) -> u64 {
        self.bases.iter().sum()
    }

    /// Molecule-bases and errors of a 6-class (over its 16 contexts).
    pub(crate) fn class6(&self, c6: u8) -> (u64, u64) {
        let ref_bit = if c6 < 3 { 0 } else { 1 };
        let alt = (c6 % 3) as usize;
        let (mut n, mut e) = (0, 0);
        for ctx in 0..32usize {
            if (ctx >> 2) & 1 == ref_bit {
                n += self.bases[ctx];
                e += self.errors[ctx * 3 + alt];
            }
        }
        (n, e)
    }

    /// Error rate of one specific substitution over all classes (per molecule-base).
    pub(crate) fn overall_rate(&self) -> f64 {
        let e: u64 = self.errors.iter().sum();
        (e as f64 + 0.5) / (3.0 * self.total_bases() as f64 + 1.0)
    }

    /// Shrunk rate of a 6-class.
    pub(crate) fn class6_rate(&self, c6: u8) -> f64 {
        let (n, e) = self.class6(c6);
        (e as f64 + SHRINK_BASES * self.overall_rate()) / (n as f64 + SHRINK_BASES)
    }

    /// Shrunk rate of a substitution class in its context.
    pub(crate) fn rate(&self, c: SubClass) -> f64 {
        let n = self.bases[c.context as usize] as f64;
        let e = self.errors[c.class96 as usize] as f64;
        (e + SHRINK_BASES * self.class6_rate(c.class6)) / (n + SHRINK_BASES)
    }

    /// Whether a context has enough molecule-bases for its own rate and test class.
    pub(crate) fn resolved(&self, context: u8) -> bool {
        self.bases[context as usize] >= MIN_CONTEXT_BASES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_collapse_to_the_pyrimidine_strand() {
        let ct = sub_class(*b"ACG", b'T').unwrap();
        let ga = sub_class(*b"CGT", b'A').unwrap();
        assert_eq!(ct, ga, "C>T in ACG is G>A in CGT on the other strand");
        assert_eq!(CLASSES[ct.class6 as usize], "C>T");
        assert_eq!(
            CLASSES[sub_class(*b"AAA", b'G').unwrap().class6 as usize],
            "T>C"
        );
        assert_eq!(
            CLASSES[sub_class(*b"TTT", b'G').unwrap().class6 as usize],
            "T>G"
        );
        assert_eq!(
            CLASSES[sub_class(*b"GCA", b'A').unwrap().class6 as usize],
            "C>A"
        );
        assert!(sub_class(*b"ANA", b'G').is_none());
        // all 96 classes are distinct
        let mut seen = std::collections::HashSet::new();
        for a in b"ACGT" {
            for r in b"CT" {
                for c in b"ACGT" {
                    for alt in b"ACGT" {
                        if let Some(s) = sub_class([*a, *r, *c], *alt) {
                            assert!(seen.insert(s.class96));
                        }
                    }
                }
            }
        }
        assert_eq!(seen.len(), 96);
    }

    #[test]
    fn germline_like_positions_are_left_out_and_rates_shrink() {
        let mut b = Background::default();
        b.add_position(*b"ACG", [0, 980, 0, 20]);
        assert_eq!(b.excluded, 1);
        b.add_position(*b"ACG", [0, 999, 0, 1]);
        assert_eq!(b.total_bases(), 1000);
        let c = sub_class(*b"ACG", b'T').unwrap();
        assert_eq!(b.errors[c.class96 as usize], 1);
        // thin data: the rate is pulled to the parent
        assert!(b.rate(c) < 1e-3);
        for _ in 0..1000 {
            b.add_position(*b"ACG", [0, 999, 0, 1]);
        }
        assert!((b.rate(c) - 1e-3).abs() < 2e-4, "{}", b.rate(c));
        assert!(b.resolved(c.context));
    }
}
