//! Stable orders: each element's tie key (NaNs all equal) packed above its index into one
//! integer, radix-sorted on the key bits. The scatter passes are stable and the input is
//! in index order, so equal keys stay in index order.
use super::for_chunks;
use super::key::{KeyBits, SortElement};
use super::radix::{self, RadixKey};
use super::scratch::Scratch;
use crate::error::KernelError;
use crate::job::Job;

/// A key packed above an index.
pub(crate) trait Item: RadixKey {
    /// Bits holding the index.
    const INDEX_BITS: u32;
    fn pack(key: u64, index: usize) -> Self;
    fn index(self) -> usize;
    fn key(self) -> u64;
}

impl Item for u64 {
    const INDEX_BITS: u32 = 32;
    #[inline(always)]
    fn pack(key: u64, index: usize) -> u64 {
        (key << 32) | index as u64
    }
    #[inline(always)]
    fn index(self) -> usize {
        (self & u32::MAX as u64) as usize
    }
    #[inline(always)]
    fn key(self) -> u64 {
        self >> 32
    }
}

impl Item for u128 {
    const INDEX_BITS: u32 = 64;
    #[inline(always)]
    fn pack(key: u64, index: usize) -> u128 {
        ((key as u128) << 64) | index as u128
    }
    #[inline(always)]
    fn index(self) -> usize {
        self as u64 as usize
    }
    #[inline(always)]
    fn key(self) -> u64 {
        (self >> 64) as u64
    }
}

/// `xs`'s items in stable sorted order.
pub(crate) fn sorted_items<T: SortElement, I: Item>(
    xs: &[T],
    descending: bool,
    job: &Job,
) -> Result<Scratch<I>, KernelError> {
    let mut items = Scratch::<I>::zeroed(xs.len());
    for_chunks(&mut items, |start, out| {
        for (i, (item, x)) in out.iter_mut().zip(&xs[start..]).enumerate() {
            *item = I::pack(x.tie_key(descending).to_u64(), start + i);
        }
    });
    radix::sort(&mut items, I::INDEX_BITS, job, &radix::keep, &radix::keep)?;
    Ok(items)
}

/// The indices of `items`, in order.
pub(crate) fn indices<I: Item, O: Copy + Send + Default>(
    items: &[I],
    to_index: impl Fn(usize) -> O + Sync,
) -> Vec<O> {
    let mut out = vec![O::default(); items.len()];
    for_chunks(&mut out, |start, out| {
        for (o, item) in out.iter_mut().zip(&items[start..]) {
            *o = to_index(item.index());
        }
    });
    out
}

/// Reorders `keys` and `values` by the sorted `items` of `keys`. Keys come back from
/// their tie keys, except the trailing run of the largest tie key (where every NaN is),
/// which is copied so NaN bits survive.
pub(crate) fn apply<K: SortElement, V: SortElement, I: Item>(
    keys: &mut [K],
    values: &mut [V],
    items: &[I],
    descending: bool,
) {
    let mut copy = Scratch::<V>::zeroed(values.len());
    for_chunks(&mut copy, |start, out| {
        out.copy_from_slice(&values[start..start + out.len()])
    });
    for_chunks(values, |start, out| {
        for (v, item) in out.iter_mut().zip(&items[start..]) {
            *v = copy[item.index()];
        }
    });
    let top = K::Key::MAX.to_u64();
    let tail: Vec<K> = items
        .iter()
        .rev()
        .take_while(|item| item.key() == top)
        .map(|item| keys[item.index()])
        .collect();
    for_chunks(keys, |start, out| {
        for (k, item) in out.iter_mut().zip(&items[start..]) {
            *k = K::from_sort_key(K::Key::from_u64(item.key()), descending);
        }
    });
    let n = keys.len();
    for (k, &t) in keys[n - tail.len()..].iter_mut().zip(tail.iter().rev()) {
        *k = t;
    }
}
