//! Scratch memory for the out-of-place radix passes.
//!
//! A large buffer is mapped anonymously with `MADV_HUGEPAGE` (Linux): its first touch
//! then costs one fault per 2 MiB instead of one per 4 KiB, which for a 10-million-element
//! `f64` sort is a quarter of the whole run. Small buffers, and any platform or kernel that
//! refuses the mapping, use a plain `Vec`.
use std::ops::{Deref, DerefMut};

/// Below this many bytes a buffer is a plain `Vec` (the allocator reuses such memory).
const MAP_FROM_BYTES: usize = 1 << 22;

/// A zeroed buffer of `T`, dereferencing to `[T]`; see the [module documentation](self).
pub(crate) struct Scratch<T: bytemuck::Pod> {
    inner: Inner<T>,
}

enum Inner<T> {
    Vec(Vec<T>),
    Map { map: memmap2::MmapMut, len: usize },
}

impl<T: bytemuck::Pod> Scratch<T> {
    /// `len` zeroed elements.
    pub(crate) fn zeroed(len: usize) -> Self {
        let bytes = len.saturating_mul(std::mem::size_of::<T>());
        if bytes >= MAP_FROM_BYTES
            && let Ok(map) = memmap2::MmapMut::map_anon(bytes)
            // The mapping is page-aligned, so the cast cannot fail; checked all the same.
            && bytemuck::try_cast_slice::<u8, T>(&map[..]).is_ok()
        {
            #[cfg(target_os = "linux")]
            let _ = map.advise(memmap2::Advice::HugePage);
            return Scratch {
                inner: Inner::Map { map, len },
            };
        }
        Scratch {
            inner: Inner::Vec(vec![T::zeroed(); len]),
        }
    }
}

impl<T: bytemuck::Pod> Deref for Scratch<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match &self.inner {
            Inner::Vec(v) => v,
            Inner::Map { map, len } => {
                &bytemuck::try_cast_slice(&map[..]).unwrap_or_default()[..*len]
            }
        }
    }
}

impl<T: bytemuck::Pod> DerefMut for Scratch<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match &mut self.inner {
            Inner::Vec(v) => v,
            Inner::Map { map, len } => {
                &mut bytemuck::try_cast_slice_mut(&mut map[..]).unwrap_or_default()[..*len]
            }
        }
    }
}
