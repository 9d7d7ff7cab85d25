//! A TypedArray argument as the kernels see it: its element type and its memory, borrowed
//! in place for a synchronous call, or held by the kernel for an asynchronous one (a copy
//! of an ArrayBuffer's bytes, or a SharedArrayBuffer's own memory).
//!
//! The element types are listed once, in [`each_element_type!`]; every enum and dispatch
//! here is generated from that list.
// Parts of this module serve kernels whose exports land next.
#![allow(dead_code, unused_macros, unused_imports)]

use napi::bindgen_prelude::{
    BigInt64Array, BigUint64Array, Float32Array, Float64Array, Int16Array, Int32Array, Int8Array,
    JsValue, ToNapiValue, TypedArray, TypedArrayType, Uint16Array, Uint32Array, Uint8Array,
};
use napi::{sys, Result};

use crate::errors::invalid_argument;

/// Calls `$m!` with the element types: `(Variant, rust type, JS owned array type, JS name)`.
macro_rules! each_element_type {
    ($m:ident) => {
        $m! {
            F64 f64, Float64Array "Float64Array",
            F32 f32, Float32Array "Float32Array",
            I32 i32, Int32Array "Int32Array",
            U32 u32, Uint32Array "Uint32Array",
            I16 i16, Int16Array "Int16Array",
            U16 u16, Uint16Array "Uint16Array",
            I8 i8, Int8Array "Int8Array",
            U8 u8, Uint8Array "Uint8Array",
            I64 i64, BigInt64Array "BigInt64Array",
            U64 u64, BigUint64Array "BigUint64Array",
        }
    };
}
pub(crate) use each_element_type;

macro_rules! define_arrays {
    ($($v:ident $t:ty, $js:ident $name:literal,)*) => {
        /// A JS array's elements borrowed in place for writing, by element type.
        pub enum View<'a> { $($v(&'a mut [$t]),)* }
        /// A JS array's elements borrowed in place for reading, by element type.
        #[derive(Clone, Copy)]
        pub enum Slice<'a> { $($v(&'a [$t]),)* }
        /// Elements the kernel owns (a copy in, or a result out), by element type.
        pub enum Owned { $($v(Vec<$t>),)* }
        /// An element type.
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        pub enum Kind { $($v,)* }

        impl Kind {
            /// The JS constructor's name.
            pub fn name(self) -> &'static str {
                match self { $(Kind::$v => $name,)* }
            }
            /// The size of one element in bytes.
            pub fn width(self) -> usize {
                match self { $(Kind::$v => std::mem::size_of::<$t>(),)* }
            }
        }

        impl View<'_> {
            /// The element type.
            pub fn kind(&self) -> Kind {
                match self { $(View::$v(_) => Kind::$v,)* }
            }
            /// The elements, read only.
            pub fn slice(&self) -> Slice<'_> {
                match self { $(View::$v(xs) => Slice::$v(xs),)* }
            }
        }

        impl Slice<'_> {
            /// The element type.
            pub fn kind(&self) -> Kind {
                match self { $(Slice::$v(_) => Kind::$v,)* }
            }
            /// A copy of the elements.
            pub fn to_owned(self) -> Owned {
                match self { $(Slice::$v(xs) => Owned::$v(xs.to_vec()),)* }
            }
            /// The number of elements.
            pub fn len(self) -> usize {
                match self { $(Slice::$v(xs) => xs.len(),)* }
            }
        }

        impl Owned {
            /// The elements, borrowed for writing.
            pub fn view(&mut self) -> View<'_> {
                match self { $(Owned::$v(xs) => View::$v(xs),)* }
            }
            /// The elements, borrowed for reading.
            pub fn slice(&self) -> Slice<'_> {
                match self { $(Owned::$v(xs) => Slice::$v(xs),)* }
            }
            /// The element type.
            pub fn kind(&self) -> Kind {
                match self { $(Owned::$v(_) => Kind::$v,)* }
            }
            /// The allocation's size in bytes.
            pub fn capacity_bytes(&self) -> usize {
                match self { $(Owned::$v(xs) => xs.capacity() * std::mem::size_of::<$t>(),)* }
            }
            /// Replaces the elements with a copy of `from` (of the same type), reusing the
            /// allocation.
            fn refill(&mut self, from: Slice<'_>) {
                match (self, from) {
                    $((Owned::$v(to), Slice::$v(from)) => {
                        to.clear();
                        to.extend_from_slice(from);
                    })*
                    (to, from) => *to = from.to_owned(),
                }
            }
            /// `len` zeros of type `kind`.
            pub fn zeros(kind: Kind, len: usize) -> Owned {
                match kind { $(Kind::$v => Owned::$v(vec![<$t>::default(); len]),)* }
            }
        }

        impl ToNapiValue for Owned {
            unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
                // SAFETY: `env` is the env napi-rs passed in for this conversion; the owned
                // typed array takes over the Vec as its backing store.
                unsafe {
                    match val { $(Owned::$v(xs) => $js::to_napi_value(env, $js::new(xs)),)* }
                }
            }
        }
    };
}
each_element_type!(define_arrays);

/// Runs `$body` with `$xs` bound to the elements of a [`View`] (`&mut [T]` for the matching
/// `T`): the kernel call is written once and compiled for every element type.
macro_rules! with_view {
    ($view:expr, $xs:ident => $body:expr) => {
        match $view {
            $crate::compute::array::View::F64($xs) => $body,
            $crate::compute::array::View::F32($xs) => $body,
            $crate::compute::array::View::I32($xs) => $body,
            $crate::compute::array::View::U32($xs) => $body,
            $crate::compute::array::View::I16($xs) => $body,
            $crate::compute::array::View::U16($xs) => $body,
            $crate::compute::array::View::I8($xs) => $body,
            $crate::compute::array::View::U8($xs) => $body,
            $crate::compute::array::View::I64($xs) => $body,
            $crate::compute::array::View::U64($xs) => $body,
        }
    };
}
pub(crate) use with_view;

/// As [`with_view!`], for a [`Slice`] (`$xs: &[T]`).
macro_rules! with_slice {
    ($slice:expr, $xs:ident => $body:expr) => {
        match $slice {
            $crate::compute::array::Slice::F64($xs) => $body,
            $crate::compute::array::Slice::F32($xs) => $body,
            $crate::compute::array::Slice::I32($xs) => $body,
            $crate::compute::array::Slice::U32($xs) => $body,
            $crate::compute::array::Slice::I16($xs) => $body,
            $crate::compute::array::Slice::U16($xs) => $body,
            $crate::compute::array::Slice::I8($xs) => $body,
            $crate::compute::array::Slice::U8($xs) => $body,
            $crate::compute::array::Slice::I64($xs) => $body,
            $crate::compute::array::Slice::U64($xs) => $body,
        }
    };
}
pub(crate) use with_slice;

/// The element type of a JS TypedArray type (`Uint8ClampedArray` reads as `Uint8Array`).
fn kind_of(t: TypedArrayType) -> Option<Kind> {
    Some(match t {
        TypedArrayType::Float64 => Kind::F64,
        TypedArrayType::Float32 => Kind::F32,
        TypedArrayType::Int32 => Kind::I32,
        TypedArrayType::Uint32 => Kind::U32,
        TypedArrayType::Int16 => Kind::I16,
        TypedArrayType::Uint16 => Kind::U16,
        TypedArrayType::Int8 => Kind::I8,
        TypedArrayType::Uint8 | TypedArrayType::Uint8Clamped => Kind::U8,
        TypedArrayType::BigInt64 => Kind::I64,
        TypedArrayType::BigUint64 => Kind::U64,
        _ => return None,
    })
}

/// A TypedArray argument's memory: where it starts, its length and element type, and
/// whether it lies in a SharedArrayBuffer.
pub struct Region {
    ptr: *mut u8,
    len: usize,
    kind: Kind,
    shared: bool,
}

// SAFETY: a Region is a pointer and a length; whoever dereferences it ([`Region::view`])
// upholds the lifetime rules stated there. Sending the numbers to a kernel thread is sound.
unsafe impl Send for Region {}

impl Region {
    /// Reads a TypedArray argument named `param`: INVALID_ARGUMENT for a detached buffer or
    /// an element type no kernel takes (Float16Array).
    pub fn of(array: &TypedArray<'_>, param: &str) -> Result<Region> {
        let kind = kind_of(array.typed_array_type).ok_or_else(|| {
            invalid_argument(
                param,
                "must be a numeric TypedArray other than Float16Array",
            )
        })?;
        let unreadable = || invalid_argument(param, "could not be read as a TypedArray");
        let view = array.value();
        let (mut raw_type, mut len, mut data, mut buffer, mut offset) =
            (0, 0, std::ptr::null_mut(), std::ptr::null_mut(), 0);
        // SAFETY: `view` is this call's TypedArray argument on this call's env; the call
        // only writes the out-parameters.
        let status = unsafe {
            sys::napi_get_typedarray_info(
                view.env,
                view.value,
                &mut raw_type,
                &mut len,
                &mut data,
                &mut buffer,
                &mut offset,
            )
        };
        if status != sys::Status::napi_ok || buffer.is_null() {
            return Err(unreadable());
        }
        let mut plain = false;
        // SAFETY: `buffer` is the view's buffer, just returned for this env.
        if unsafe { sys::napi_is_arraybuffer(view.env, buffer, &mut plain) } != sys::Status::napi_ok
        {
            return Err(unreadable());
        }
        // V8's IsArrayBuffer is false for a SharedArrayBuffer, the only other kind of
        // buffer a TypedArray can have.
        let shared = !plain;
        if !shared {
            let mut detached = false;
            // SAFETY: as above; `buffer` is an ArrayBuffer.
            let status =
                unsafe { sys::napi_is_detached_arraybuffer(view.env, buffer, &mut detached) };
            if status != sys::Status::napi_ok {
                return Err(unreadable());
            }
            if detached {
                return Err(invalid_argument(
                    param,
                    "is detached (its ArrayBuffer was transferred)",
                ));
            }
        }
        if len > 0 && (data.is_null() || !(data as usize).is_multiple_of(kind.width())) {
            return Err(invalid_argument(
                param,
                "is not aligned to its element size",
            ));
        }
        Ok(Region {
            ptr: data as *mut u8,
            len,
            kind,
            shared,
        })
    }

    /// The element type.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the memory is a SharedArrayBuffer's (kept alive by the buffer, never
    /// detached, and possibly written by other threads).
    pub fn shared(&self) -> bool {
        self.shared
    }

    /// Whether two regions share any byte.
    pub fn overlaps(&self, other: &Region) -> bool {
        let (a, b) = (self.ptr as usize, other.ptr as usize);
        let (a_end, b_end) = (
            a + self.len * self.kind.width(),
            b + other.len * other.kind.width(),
        );
        a < b_end && b < a_end && self.len > 0 && other.len > 0
    }

    /// The elements in place, read only.
    ///
    /// # Safety
    /// As [`Region::view`], except that other read-only views of the same memory may live
    /// at the same time (only a writable view must not be aliased).
    pub unsafe fn slice<'a>(&self) -> Slice<'a> {
        macro_rules! slice_of {
            ($($v:ident $t:ty, $js:ident $name:literal,)*) => {
                match self.kind {
                    // SAFETY: as in `view`; shared references may alias each other.
                    $(Kind::$v => Slice::$v(if self.len == 0 {
                        &[]
                    } else {
                        unsafe { std::slice::from_raw_parts(self.ptr as *const $t, self.len) }
                    }),)*
                }
            };
        }
        each_element_type!(slice_of)
    }

    /// The elements in place.
    ///
    /// # Safety
    /// For the returned lifetime the memory must stay allocated and no other live
    /// reference may alias it: in a synchronous call the JS thread is blocked in the call
    /// and its arguments keep their buffers alive (the caller checks overlaps between
    /// arguments); for a SharedArrayBuffer held by an asynchronous call, the JS side keeps
    /// the array reachable until the call settles. Writes by other threads to a
    /// SharedArrayBuffer during the call race with the kernel as any unsynchronised
    /// access to shared memory does: the result's values are then unspecified.
    pub unsafe fn view<'a>(&self) -> View<'a> {
        macro_rules! view_of {
            ($($v:ident $t:ty, $js:ident $name:literal,)*) => {
                match self.kind {
                    // SAFETY: `ptr` is aligned for the element type (checked in `of`) and
                    // spans `len` elements of the buffer; the caller upholds the lifetime
                    // and aliasing rules above. An empty view uses a dangling pointer.
                    $(Kind::$v => View::$v(if self.len == 0 {
                        &mut []
                    } else {
                        unsafe { std::slice::from_raw_parts_mut(self.ptr as *mut $t, self.len) }
                    }),)*
                }
            };
        }
        each_element_type!(view_of)
    }
}

/// An array argument as a kernel holds it: a copy (of an ArrayBuffer-backed array in an
/// async call, which JS may write, transfer or drop meanwhile; or of an input overlapping
/// the output), or the JS array's memory in place (in a sync call, or a SharedArrayBuffer's
/// in an async one).
pub enum Held {
    Copy(Owned),
    InPlace(Region),
}

/// Where a kernel writes its output array: the caller's array in place, or a new array
/// the kernel allocates and hands back.
pub enum Target {
    InPlace(Region),
    New(Kind, usize),
}

impl Target {
    /// For an async call: `out` itself when it lies in a SharedArrayBuffer, else a new
    /// array of `kind` and `len` (the facade copies it into `out`, if any, when it lands).
    pub fn for_async(out: Option<Region>, kind: Kind, len: usize) -> Target {
        match out {
            Some(out) if out.shared() => Target::InPlace(out),
            _ => Target::New(kind, len),
        }
    }

    /// The memory the kernel writes, if it is the caller's.
    pub fn region(&self) -> Option<&Region> {
        match self {
            Target::InPlace(r) => Some(r),
            Target::New(..) => None,
        }
    }

    /// Runs `work` on the output and returns what JS gets: nothing when it was written in
    /// place, else the new array.
    pub fn write(
        self,
        work: impl FnOnce(View<'_>) -> std::result::Result<(), weft_kernels::KernelError>,
    ) -> std::result::Result<super::value::KernelValue, weft_kernels::KernelError> {
        match self {
            Target::InPlace(region) => {
                // SAFETY: the caller's output: in a sync call JS is blocked and its argument
                // keeps it alive; in an async one it is a SharedArrayBuffer the facade keeps
                // reachable. Inputs overlapping it were copied (`Held::input`).
                work(unsafe { region.view() })?;
                Ok(super::value::KernelValue::Undefined)
            }
            Target::New(kind, len) => {
                let mut owned = Owned::zeros(kind, len);
                work(owned.view())?;
                Ok(super::value::KernelValue::Array(owned))
            }
        }
    }
}

impl Held {
    /// Copies `region` unless it is shared. Runs on the JS thread, during the call.
    pub fn take(region: Region) -> Held {
        if region.shared() {
            Held::InPlace(region)
        } else {
            // SAFETY: called during the synchronous part of the call, on the JS thread,
            // with the argument alive; the view lives only for the copy.
            Held::Copy(spare::copy_of(unsafe { region.slice() }))
        }
    }

    /// An input of a sync call: read in place, unless it overlaps the memory the kernel
    /// writes (`out`), in which case it is copied first.
    pub fn input_sync(region: Region, out: Option<&Region>) -> Held {
        if out.is_some_and(|o| o.overlaps(&region)) {
            // SAFETY: sync call, JS thread, argument alive; the view lives for the copy.
            Held::Copy(spare::copy_of(unsafe { region.slice() }))
        } else {
            Held::InPlace(region)
        }
    }

    /// An input of an async call ([`Held::take`]), also copied when it is a
    /// SharedArrayBuffer's memory that the kernel writes through `out`.
    pub fn input_async(region: Region, out: Option<&Region>) -> Held {
        if region.shared() && out.is_some_and(|o| o.overlaps(&region)) {
            // SAFETY: during the call, on the JS thread; the view lives for the copy.
            Held::Copy(spare::copy_of(unsafe { region.slice() }))
        } else {
            Held::take(region)
        }
    }

    /// Whether the kernel works on the JS array itself (a SharedArrayBuffer).
    pub fn in_place(&self) -> bool {
        matches!(self, Held::InPlace(_))
    }

    /// The elements, read only (several held arrays may share a SharedArrayBuffer's
    /// memory: read-only views of it may alias).
    pub fn slice(&self) -> Slice<'_> {
        match self {
            Held::Copy(owned) => owned.slice(),
            // SAFETY: see `Region::slice`: in place only during a sync call (JS blocked, the
            // argument alive) or for a SharedArrayBuffer the facade keeps reachable.
            Held::InPlace(region) => unsafe { region.slice() },
        }
    }

    /// The elements, for writing (the caller makes sure no other held array overlaps).
    pub fn view(&mut self) -> View<'_> {
        match self {
            Held::Copy(owned) => owned.view(),
            // SAFETY: see `Region::view`: in place only during a sync call or for a
            // SharedArrayBuffer (never detached) the facade keeps reachable until the call
            // settles; inputs overlapping the written memory were copied.
            Held::InPlace(region) => unsafe { region.view() },
        }
    }

    /// The copy, for returning it as the result (None when shared: the result is in place).
    pub fn into_copy(mut self) -> Option<Owned> {
        match &mut self {
            Held::Copy(owned) => Some(std::mem::replace(owned, Owned::U8(Vec::new()))),
            Held::InPlace(_) => None,
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Held::Copy(owned) = self {
            spare::give(std::mem::replace(owned, Owned::U8(Vec::new())));
        }
    }
}

/// Copy buffers kept for reuse: an async kernel's copy of a large input goes back here
/// when the kernel ends, so the next call copies into memory that is already mapped
/// instead of paying a page fault per 4 KiB (which costs more than the copy itself).
mod spare {
    use std::sync::{Mutex, PoisonError};

    use super::{Owned, Slice};

    /// Buffers smaller than this are not kept (malloc reuses them anyway).
    const KEEP_FROM: usize = 1 << 20;
    /// The most bytes kept, over every buffer.
    const KEEP_AT_MOST: usize = 256 << 20;

    static SPARE: Mutex<Vec<Owned>> = Mutex::new(Vec::new());

    /// A copy of `from`, in a kept buffer of its type that is large enough when there is one.
    pub fn copy_of(from: Slice<'_>) -> Owned {
        let bytes = from.len() * from.kind().width();
        if bytes < KEEP_FROM {
            return from.to_owned();
        }
        let reused = {
            let mut spare = SPARE.lock().unwrap_or_else(PoisonError::into_inner);
            spare
                .iter()
                .position(|b| b.kind() == from.kind() && b.capacity_bytes() >= bytes)
                .map(|i| spare.swap_remove(i))
        };
        match reused {
            Some(mut buffer) => {
                buffer.refill(from);
                buffer
            }
            None => from.to_owned(),
        }
    }

    /// Keeps `buffer` for a later copy, dropping the oldest kept ones beyond the cap.
    pub fn give(buffer: Owned) {
        let bytes = buffer.capacity_bytes();
        if !(KEEP_FROM..=KEEP_AT_MOST).contains(&bytes) {
            return;
        }
        let mut spare = SPARE.lock().unwrap_or_else(PoisonError::into_inner);
        spare.push(buffer);
        let mut total: usize = spare.iter().map(Owned::capacity_bytes).sum();
        while total > KEEP_AT_MOST {
            total -= spare.remove(0).capacity_bytes();
        }
    }
}
