//! Coverage over intervals (`depth`): the intervals and their per-sample sums.

use super::Region;

/// One interval to summarise.
#[derive(Clone, Debug)]
pub struct Interval {
    /// The interval.
    pub region: Region,
    /// BED name column, when present.
    pub name: Option<String>,
}

/// Sums for one interval and one sample.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SampleSums {
    /// Sum of depth over the interval's positions.
    pub depth_sum: u64,
    /// Positions with depth `>=` each threshold, in threshold order.
    pub at_least: Vec<u64>,
}

/// A partial or finished interval result.
#[derive(Clone, Debug)]
pub struct IntervalDepth {
    /// Index in the interval list.
    pub index: usize,
    /// One per sample.
    pub samples: Vec<SampleSums>,
}
