//! The weft objects named in structured-clone bytes, for weft-core's pin hooks: a value
//! that was accepted for delivery but will never be delivered releases the handles its
//! sender pinned for the trip (`js/native/handles.ts`: each handle serialises as
//! `{ weftHandle: "weft:<secret>:<type>:<id>" }`, pinned by the getter that wrote it), and
//! a copy made for one more delivery retains them once more. Without this, a channel freed
//! with a channel in its buffer, or a cancelled task whose argument held a mutex, kept
//! those objects until the process exited.
//!
//! The secret is 128 random bits drawn once per process: user data that merely looks like
//! a handle (`{ weftHandle: "weft:channel:7" }`, or bytes with that pattern) is never
//! taken for one, so it can neither release a pin nobody took nor adopt an object.
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::{Once, OnceLock};

use weft_core::registry::Handles;

use crate::channel::CHANNELS;
use crate::context::CONTEXTS;
use crate::rate::all::ALLS;
use crate::rate::keyed::KEYED;
use crate::rate::LIMITERS;
use crate::sync::{BARRIERS, CONDS, ONCES, SEMAPHORES, WAIT_GROUPS};

/// How V8's serializer writes the key: a one-byte string tag, the length 10, the name,
/// then the tag of the (one-byte) string value that follows.
const KEY: &[u8] = b"\"\x0aweftHandle\"";

/// This process's handle secret: 32 hex digits from two randomly keyed hashers (std seeds
/// each `RandomState` from the OS's random source).
fn secret() -> &'static str {
    static SECRET: OnceLock<String> = OnceLock::new();
    SECRET.get_or_init(|| {
        let draw = |salt: u64| RandomState::new().hash_one(salt ^ std::process::id() as u64);
        format!("{:016x}{:016x}", draw(0x5eed), draw(0xc0ffee))
    })
}

/// The secret every handle text carries after `weft:` (js/native/handles.ts asks once per thread).
///
/// ```js
/// const text = `weft:${native.handleSecret()}:channel:${id}`
/// ```
#[napi_derive::napi(catch_unwind)]
pub fn handle_secret() -> &'static str {
    secret()
}

/// Sets weft-core's pin hooks (once; called before the first structured-clone value is
/// made, so every value that could be discarded was made after it).
pub fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| weft_core::value::set_pin_hooks(release_all, retain_all));
}

#[derive(Clone, Copy)]
enum Op {
    Release,
    Retain,
}

fn release_all(bytes: &[u8]) {
    each_handle(bytes, |kind, ids| apply(kind, ids, Op::Release));
}

fn retain_all(bytes: &[u8]) {
    each_handle(bytes, |kind, ids| apply(kind, ids, Op::Retain));
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

/// The registry op for one handle text (`cond` names its own id and its mutex's).
fn apply(kind: &str, ids: &str, op: Op) {
    match kind {
        "channel" => on(&CHANNELS, ids, op),
        "context" => on(&CONTEXTS, ids, op),
        "rate-limiter" => on(&LIMITERS, ids, op),
        "rate-all" => on(&ALLS, ids, op),
        "keyed-limiter" => on(&KEYED, ids, op),
        "once" => on(&ONCES, ids, op),
        "semaphore" | "mutex" | "rwlock" => on(&SEMAPHORES, ids, op),
        "waitgroup" => on(&WAIT_GROUPS, ids, op),
        "barrier" => on(&BARRIERS, ids, op),
        "cond" => {
            if let Some((cond, mutex)) = ids.split_once('-') {
                on(&CONDS, cond, op);
                on(&SEMAPHORES, mutex, op);
            }
        }
        _ => {}
    }
}

/// Gives back the handles pinned in an encoded value that will never be sent (a refused or
/// abandoned send): the sending side's counterpart of a dropped undelivered value.
///
/// ```js
/// native.releasePins(v8.serialize({ reply: channel })) // after a trySend returned false
/// ```
#[napi_derive::napi(catch_unwind)]
pub fn release_pins(bytes: napi::bindgen_prelude::Unknown<'_>) -> napi::Result<()> {
    let view: &[u8] = crate::args::arg(&bytes, "bytes", "a Uint8Array")?;
    release_all(view);
    Ok(())
}

/// How many objects of a handle type are alive (registered), for tests that check
/// nothing is kept after its last handle; -1 for an unknown type.
///
/// ```js
/// native.liveObjects('channel') // 3
/// ```
#[napi_derive::napi(catch_unwind)]
pub fn live_objects(kind: String) -> i64 {
    let n = match kind.as_str() {
        "channel" => CHANNELS.len(),
        "context" => CONTEXTS.len(),
        "rate-limiter" => LIMITERS.len(),
        "rate-all" => ALLS.len(),
        "keyed-limiter" => KEYED.len(),
        "once" => ONCES.len(),
        "semaphore" => SEMAPHORES.len(),
        "waitgroup" => WAIT_GROUPS.len(),
        "barrier" => BARRIERS.len(),
        "cond" => CONDS.len(),
        _ => return -1,
    };
    n as i64
}

fn on<T>(registry: &Handles<T>, id: &str, op: Op) {
    let Ok(id) = id.parse::<u32>() else { return };
    match op {
        Op::Release => registry.release(id),
        Op::Retain => {
            registry.pin(id);
        }
    }
}

#[cfg(test)]
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

    #[test]
    fn release_and_retain_count_on_the_registry() {
        let id = CHANNELS.create(std::sync::Arc::new(weft_core::chan::Channel::new(1)));
        let mut bytes = Vec::new();
        push_text(&mut bytes, &handle(&format!("channel:{id}")));
        retain_all(&bytes);
        assert_eq!(CHANNELS.handles(id), 2);
        release_all(&bytes);
        release_all(&bytes);
        assert_eq!(CHANNELS.handles(id), 0);
    }
}
