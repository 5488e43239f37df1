//! Parallel work after the pass: independent items on the run's threads, results in item order.
//!
//! The pass has its own workers and ordered gather (`engine::run`); this is for the analyses
//! that follow it and split into independent pieces (copy-number segmentation per contig).
//! Results come back in the order of the items, so nothing downstream depends on the thread
//! count.

use rayon::prelude::*;

/// `f` of every item, on up to `threads` threads (rayon), in item order. One thread, one item,
/// or a pool that cannot start: the items in turn on the calling thread.
pub fn map_in_order<T, R, F>(threads: usize, items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    let pool = (threads > 1 && items.len() > 1)
        .then(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .ok()
        })
        .flatten();
    match pool {
        Some(pool) => pool.install(|| items.par_iter().map(&f).collect()),
        None => items.iter().map(f).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_item_order_whatever_the_threads() {
        let items: Vec<u64> = (0..200).collect();
        let want: Vec<u64> = items.iter().map(|x| x * x).collect();
        for threads in [1, 2, 3, 8] {
            assert_eq!(map_in_order(threads, &items, |x| x * x), want);
        }
        assert!(map_in_order(4, &[] as &[u64], |x| *x).is_empty());
    }
}
