//! [`Value`]: a JS value as Rust-owned data, so it can cross threads (and isolates).
//!
//! The JS codec (`js/native/codec.ts`) picks the form: primitives directly, bytes of typed arrays
//! and ArrayBuffers copied once, anything else as structured-clone bytes (`v8.serialize`).
//!
//! ```
//! use weft_core::{Value, BytesKind};
//! let v = Value::Bytes(BytesKind::Float64Array, vec![0; 16]);
//! assert_eq!(v.payload_len(), 16);
//! ```

/// Which JS view to rebuild over copied bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum BytesKind {
    ArrayBuffer = 0,
    Buffer = 1,
    Uint8Array = 2,
    Int8Array = 3,
    Uint8ClampedArray = 4,
    Int16Array = 5,
    Uint16Array = 6,
    Int32Array = 7,
    Uint32Array = 8,
    Float32Array = 9,
    Float64Array = 10,
    BigInt64Array = 11,
    BigUint64Array = 12,
    DataView = 13,
}

impl BytesKind {
    /// The kind for a wire code, if valid.
    pub fn from_code(code: u8) -> Option<BytesKind> {
        use BytesKind::*;
        const ALL: [BytesKind; 14] = [
            ArrayBuffer,
            Buffer,
            Uint8Array,
            Int8Array,
            Uint8ClampedArray,
            Int16Array,
            Uint16Array,
            Int32Array,
            Uint32Array,
            Float32Array,
            Float64Array,
            BigInt64Array,
            BigUint64Array,
            DataView,
        ];
        ALL.get(code as usize).copied()
    }
}

/// A value owned by Rust.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    /// The bytes of a typed array, Buffer, DataView or ArrayBuffer, and which to rebuild.
    Bytes(BytesKind, Vec<u8>),
    /// Structured-clone bytes (`v8.serialize`), decoded by the receiving isolate.
    Serialized(Vec<u8>),
}

/// What releases and what adds the pins named in structured-clone bytes (set by the binding).
struct PinHooks {
    release: fn(&[u8]),
    retain: fn(&[u8]),
}

static PIN_HOOKS: std::sync::OnceLock<PinHooks> = std::sync::OnceLock::new();

/// Sets how the weft objects named in structured-clone bytes are released and retained
/// (see [`Value::discard`] and [`Value::duplicate`]). Once per process; later calls are
/// ignored. Without hooks, values name no pins anyone counts.
///
/// ```
/// weft_core::value::set_pin_hooks(|_bytes| {}, |_bytes| {});
/// ```
pub fn set_pin_hooks(release: fn(&[u8]), retain: fn(&[u8])) {
    let _ = PIN_HOOKS.set(PinHooks { release, retain });
}

impl Value {
    /// Drops a value that was accepted for delivery but will never be delivered (a channel
    /// freed with values buffered, a cancelled or abandoned task): the weft objects its
    /// sender pinned for the trip (channels, mutexes... inside structured-clone bytes) get
    /// those pins back, so they do not live until the process exits.
    ///
    /// ```
    /// weft_core::Value::Number(1.0).discard(); // nothing pinned: just dropped
    /// ```
    pub fn discard(self) {
        if let (Value::Serialized(bytes), Some(hooks)) = (&self, PIN_HOOKS.get()) {
            (hooks.release)(bytes);
        }
    }

    /// A copy for one more delivery (a context value read again): each weft object it
    /// names gets one more pin, which the copy's receiver takes over.
    ///
    /// ```
    /// let v = weft_core::Value::String("x".into());
    /// assert_eq!(v.duplicate(), v);
    /// ```
    pub fn duplicate(&self) -> Value {
        if let (Value::Serialized(bytes), Some(hooks)) = (self, PIN_HOOKS.get()) {
            (hooks.retain)(bytes);
        }
        self.clone()
    }

    /// Heap bytes this value holds (for memory accounting and payload limits).
    pub fn payload_len(&self) -> usize {
        match self {
            Value::String(s) => s.len(),
            Value::Bytes(_, b) | Value::Serialized(b) => b.len(),
            _ => 0,
        }
    }
}
