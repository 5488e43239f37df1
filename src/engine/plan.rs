//! Shard planning: user regions cut into core spans of at most `shard_size` bases.

pub use crate::types::merge_regions as merge;
use crate::types::{Region, Shard};

/// Cuts `regions` (sorted, merged) into shards in genome order.
pub(crate) fn plan_shards(regions: &[Region], shard_size: u64) -> Vec<Shard> {
    let size = shard_size.max(1);
    let mut out = Vec::new();
    for (ri, r) in regions.iter().enumerate() {
        let mut s = r.start;
        let mut first = true;
        while s < r.end {
            let e = (s + size).min(r.end);
            out.push(Shard {
                index: out.len(),
                core: Region {
                    contig: r.contig,
                    start: s,
                    end: e,
                },
                first_of_region: first,
                region_index: ri,
            });
            first = false;
            s = e;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ContigId;

    #[test]
    fn shards_tile_regions_exactly() {
        let rs = [
            Region {
                contig: ContigId::new(0),
                start: 0,
                end: 25,
            },
            Region {
                contig: ContigId::new(1),
                start: 5,
                end: 6,
            },
        ];
        let s = plan_shards(&rs, 10);
        let spans: Vec<_> = s
            .iter()
            .map(|s| (s.core.contig.index(), s.core.start, s.core.end))
            .collect();
        assert_eq!(spans, vec![(0, 0, 10), (0, 10, 20), (0, 20, 25), (1, 5, 6)]);
        assert!(s[0].first_of_region && !s[1].first_of_region && s[3].first_of_region);
        assert!(s.iter().enumerate().all(|(i, s)| s.index == i));
    }
}
