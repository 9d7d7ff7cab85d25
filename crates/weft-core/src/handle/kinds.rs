//! The handle kinds that values crossing threads name in their bytes. A binding
//! serialises each handle as a text `weft:<secret>:<kind>:<ids>` (a cond names its own id
//! and its mutex's, `12-7`); a value that was accepted for delivery but will never be
//! delivered releases the handles its sender pinned for the trip, and a copy made for one
//! more delivery retains them once more ([`crate::value::set_pin_hooks`]). A [`Kinds`]
//! table says which registries each kind's ids count on: one line per kind.
//!
//! The secret is 128 random bits drawn once per process: user data that merely looks like
//! a handle (`{ weftHandle: "weft:channel:7" }`, or bytes with that pattern) is never
//! taken for one, so it can neither release a pin nobody took nor adopt an object.
//!
//! ```
//! use std::sync::Arc;
//! use weft_core::handle::{Handles, Kind, Kinds};
//! static THINGS: Handles<u8> = Handles::new();
//! static KINDS: Kinds = Kinds(&[Kind { name: "thing", registries: &[&THINGS] }]);
//! let id = THINGS.create(Arc::new(1));
//! // The key V8's serializer writes, then the text as a one-byte string.
//! let text = format!("weft:{}:thing:{id}", weft_core::handle::kinds::secret());
//! let mut bytes = b"\"\x0aweftHandle\"".to_vec();
//! bytes.push(text.len() as u8);
//! bytes.extend_from_slice(text.as_bytes());
//! KINDS.retain_all(&bytes);
//! assert_eq!(THINGS.handles(id), 2);
//! KINDS.release_all(&bytes);
//! KINDS.release_all(&bytes);
//! assert!(THINGS.is_empty());
//! assert_eq!(KINDS.live("thing"), Some(0));
//! ```
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::OnceLock;

use super::Handles;

/// How V8's serializer writes the key: a one-byte string tag, the length 10, the name,
/// then the tag of the (one-byte) string value that follows.
const KEY: &[u8] = b"\"\x0aweftHandle\"";

/// This process's handle secret: 32 hex digits from two randomly keyed hashers (std seeds
/// each `RandomState` from the OS's random source).
pub fn secret() -> &'static str {
    static SECRET: OnceLock<String> = OnceLock::new();
    SECRET.get_or_init(|| {
        let draw = |salt: u64| RandomState::new().hash_one(salt ^ std::process::id() as u64);
        format!("{:016x}{:016x}", draw(0x5eed), draw(0xc0ffee))
    })
}

/// A registry that handle texts can count on: a handle retained or released by id.
pub trait Counted: Sync {
    /// Counts one more handle on `id` (no-op if it is gone).
    fn retain(&self, id: u32);
    /// Drops one handle on `id`; the last one unregisters the object.
    fn release(&self, id: u32);
    /// How many objects are registered.
    fn live(&self) -> usize;
}

impl<T: Send + Sync> Counted for Handles<T> {
    fn retain(&self, id: u32) {
        self.pin(id);
    }

    fn release(&self, id: u32) {
        Handles::release(self, id)
    }

    fn live(&self) -> usize {
        self.len()
    }
}

/// One kind of shared object as handle texts name it: the registries its ids (separated
/// by `-`) count on, in order.
pub struct Kind {
    /// The name in the handle text (`channel`, `semaphore`, ...).
    pub name: &'static str,
    /// Where each of its ids is counted.
    pub registries: &'static [&'static dyn Counted],
}

/// A binding's table of handle kinds.
pub struct Kinds(pub &'static [Kind]);

impl Kinds {
    /// Gives back the handles pinned in `bytes`, a value that will never be delivered.
    pub fn release_all(&self, bytes: &[u8]) {
        self.each(bytes, |r, id| r.release(id));
    }

    /// Counts the handles in `bytes` once more, for one more copy of the value.
    pub fn retain_all(&self, bytes: &[u8]) {
        self.each(bytes, |r, id| r.retain(id));
    }

    /// How many objects of kind `name` are alive (its first registry's), None if unknown.
    pub fn live(&self, name: &str) -> Option<usize> {
        self.find(name)
            .and_then(|k| k.registries.first())
            .map(|r| r.live())
    }

    fn find(&self, name: &str) -> Option<&Kind> {
        self.0.iter().find(|k| k.name == name)
    }

    fn each(&self, bytes: &[u8], op: impl Fn(&dyn Counted, u32)) {
        each_handle(bytes, |name, ids| {
            let Some(kind) = self.find(name) else { return };
            for (registry, id) in kind.registries.iter().zip(ids.split('-')) {
                if let Ok(id) = id.parse::<u32>() {
                    op(*registry, id);
                }
            }
        });
    }
}

/// Calls `each(type, ids)` for every `weftHandle` string in v8-serialised `bytes`.
fn each_handle(bytes: &[u8], mut each: impl FnMut(&str, &str)) {
    let mut rest = bytes;
    while let Some(at) = rest.windows(KEY.len()).position(|w| w == KEY) {
        rest = &rest[at + KEY.len()..];
        let Some((len, used)) = varint(rest) else {
            return;
        };
        let Some(text) = rest.get(used..used + len) else {
            return;
        };
        rest = &rest[used + len..];
        let Some((kind, ids)) = std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.strip_prefix("weft:"))
            .and_then(|t| t.strip_prefix(secret()))
            .and_then(|t| t.strip_prefix(':'))
            .and_then(|t| t.split_once(':'))
        else {
            continue;
        };
        each(kind, ids);
    }
}

/// A base-128 varint (V8's length encoding): its value and how many bytes it took.
fn varint(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value = 0usize;
    for (i, &b) in bytes.iter().enumerate().take(5) {
        value |= ((b & 0x7f) as usize) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn handle(rest: &str) -> String {
        format!("weft:{}:{rest}", secret())
    }

    /// The key, then `text` as a one-byte string value (length < 128).
    fn push_text(bytes: &mut Vec<u8>, text: &str) {
        bytes.extend_from_slice(KEY);
        bytes.push(text.len() as u8);
        bytes.extend_from_slice(text.as_bytes());
    }

    #[test]
    fn user_data_that_looks_like_a_handle_is_not_one() {
        let mut bytes = Vec::new();
        push_text(&mut bytes, "weft:channel:5"); // the old, guessable form
        push_text(
            &mut bytes,
            "weft:0123456789abcdef0123456789abcdef:channel:5",
        );
        push_text(&mut bytes, &format!("weft:{}channel:5", secret()));
        assert!(handles(&bytes).is_empty());
        push_text(&mut bytes, &handle("channel:5"));
        assert_eq!(handles(&bytes), [("channel".into(), "5".into())]);
    }

    fn handles(bytes: &[u8]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        each_handle(bytes, |k, i| out.push((k.to_string(), i.to_string())));
        out
    }

    #[test]
    fn finds_each_handle_in_v8_bytes() {
        // v8.serialize({ a: [{ weftHandle: 'weft:<secret>:channel:5' }, 'x'] }) from Node 20,
        // then a cond.
        let mut bytes = b"\xff\x0f\x6f\x22\x01\x61\x41\x02\x6f".to_vec();
        push_text(&mut bytes, &handle("channel:5"));
        bytes.extend_from_slice(b"\x7b\x01\x22\x01x");
        push_text(&mut bytes, &handle("cond:12-7"));
        assert_eq!(
            handles(&bytes),
            [
                ("channel".into(), "5".into()),
                ("cond".into(), "12-7".into())
            ]
        );
    }

    #[test]
    fn ignores_truncated_or_foreign_text() {
        let mut bytes = KEY.to_vec();
        bytes.extend_from_slice(b"\x05hello");
        bytes.extend_from_slice(KEY);
        bytes.extend_from_slice(b"\x40short"); // claims 64 bytes
        assert!(handles(&bytes).is_empty());
        assert_eq!(varint(b"\x96\x01"), Some((150, 2)));
        assert_eq!(varint(b"\x80\x80\x80\x80\x80"), None);
    }

    static FIRSTS: Handles<u8> = Handles::new();
    static SECONDS: Handles<u8> = Handles::new();
    static KINDS: Kinds = Kinds(&[
        Kind {
            name: "one",
            registries: &[&FIRSTS],
        },
        Kind {
            name: "pair",
            registries: &[&FIRSTS, &SECONDS],
        },
    ]);

    #[test]
    fn release_and_retain_count_on_each_named_registry() {
        let a = FIRSTS.create(std::sync::Arc::new(1));
        let b = SECONDS.create(std::sync::Arc::new(2));
        let mut bytes = Vec::new();
        push_text(&mut bytes, &handle(&format!("pair:{a}-{b}")));
        push_text(&mut bytes, &handle("unknown:1"));
        KINDS.retain_all(&bytes);
        assert_eq!((FIRSTS.handles(a), SECONDS.handles(b)), (2, 2));
        KINDS.release_all(&bytes);
        KINDS.release_all(&bytes);
        assert_eq!((FIRSTS.handles(a), SECONDS.handles(b)), (0, 0));
        assert_eq!(KINDS.live("pair"), Some(0));
        assert_eq!(KINDS.live("unknown"), None);
    }
}
