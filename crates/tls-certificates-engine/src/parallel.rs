//! Spreading independent, CPU-bound work (CSR signature checks, decoding one relation's data)
//! over the machine's cores with `std::thread::scope`.
//!
//! The result never depends on the number of threads or on scheduling: every item's result is
//! computed by the same function and returned in item order, so plans stay deterministic.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// At most this many threads, the caller's included.
const MAX_THREADS: usize = 16;

/// `items.iter().map(f).collect()`, computed on up to one thread per core when `parallel` is
/// true and there is more than one item. Items are handed out one at a time, so uneven items
/// balance out. If a thread cannot be started, the others (the caller's at least) do its share.
///
/// A panic in `f` is propagated to the caller, as it would be without threads.
pub(crate) fn map<T: Sync, R: Send>(
    items: &[T],
    parallel: bool,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = if parallel && items.len() > 1 {
        thread::available_parallelism()
            .map_or(1, NonZeroUsize::get)
            .min(items.len())
            .min(MAX_THREADS)
    } else {
        1
    };
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    // Results tagged with their item's index, gathered from every thread.
    let mut tagged: Vec<(usize, R)> = Vec::with_capacity(items.len());
    thread::scope(|scope| {
        let indexed_work = || {
            let mut done = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(index) else {
                    break;
                };
                done.push((index, f(item)));
            }
            done
        };
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| {
                thread::Builder::new()
                    .spawn_scoped(scope, indexed_work)
                    .ok()
            })
            .collect();
        tagged.extend(indexed_work());
        for helper in helpers {
            match helper.join() {
                Ok(done) => tagged.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    tagged.sort_unstable_by_key(|(index, _)| *index);
    tagged.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_many_items_when_mapped_in_parallel_then_results_are_in_item_order() {
        let items: Vec<u64> = (0..10_000).collect();
        let expected: Vec<u64> = items.iter().map(|i| i * i).collect();
        assert_eq!(map(&items, true, |i| i * i), expected);
        assert_eq!(map(&items, false, |i| i * i), expected);
        assert!(map(&Vec::<u64>::new(), true, |i| *i).is_empty());
        assert_eq!(map(&[7_u64], true, |i| i + 1), [8]);
    }

    #[test]
    fn given_uneven_items_when_mapped_in_parallel_then_every_item_is_done_once() {
        let counter = AtomicUsize::new(0);
        let items: Vec<u64> = (0..257).collect();
        let out = map(&items, true, |i| {
            counter.fetch_add(1, Ordering::Relaxed);
            // Some items are much slower than others.
            if i % 50 == 0 {
                thread::sleep(std::time::Duration::from_millis(2));
            }
            *i
        });
        assert_eq!(out, items);
        assert_eq!(counter.load(Ordering::Relaxed), items.len());
    }
}
