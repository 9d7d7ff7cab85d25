//! Error mapping at the FFI boundary: core errors become JS errors whose `code` is the
//! weft code, and panics are caught here so none ever unwinds into Node.
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Once;

use weft_core::{Error, ErrorCode};

/// The error thrown into JS. napi-rs v3 exported functions can only return
/// `napi::Result<T>` (with `Status`), so the weft code travels as the message's prefix,
/// `"QUEUE_FULL: ..."`, and `js/errors.ts` (`fromNative`) turns it into `WeftError.code`.
pub type JsError = napi::Error;
/// Result of every exported function.
pub type JsResult<T> = napi::Result<T>;

/// Converts a core error into the error thrown into JS.
pub fn to_js(err: Error) -> JsError {
    napi::Error::new(napi::Status::GenericFailure, err.to_string())
}

/// `INVALID_ARGUMENT` naming the parameter, for checks done in the binding.
pub fn invalid_argument(param: &str, problem: impl std::fmt::Display) -> JsError {
    to_js(Error::invalid_argument(param, problem))
}

thread_local! {
    /// Where the last panic on this thread happened (`file:line:column`), for its report.
    static LAST_PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the addon's panic hook (once; at load). A panic on a Node thread (the main
/// thread or a worker) happens inside a call that catches it (`catch_unwind` on every
/// export, [`guard`], [`contain`]) and reports it, as an `INTERNAL` error or one line on
/// stderr where nothing can be thrown: for those the hook prints nothing and keeps where
/// the panic happened for that report. On the core's own threads (named `weft-...`, e.g.
/// the deadline timer; not the kernel pool's `weft-kernel-...`, whose panics reach the
/// kernel's caller), where nothing reports a panic, and whenever `WEFT_PANIC_STDERR=1`
/// is set (to debug the addon), it also runs the default hook (message, and a backtrace
/// per `RUST_BACKTRACE`, on stderr).
pub fn install_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let default = std::panic::take_hook();
        let verbose = std::env::var_os("WEFT_PANIC_STDERR").is_some_and(|v| v == "1");
        std::panic::set_hook(Box::new(move |info| {
            let at = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
            // A panic while the thread-local is being torn down has nowhere to go.
            let _ = LAST_PANIC_AT.try_with(|last| *last.borrow_mut() = at);
            let core_thread = std::thread::current()
                .name()
                .is_some_and(|name| name.starts_with("weft-") && !name.starts_with("weft-kernel-"));
            if verbose || core_thread {
                default(info);
            }
        }));
    });
}

/// Where the panic just caught on this thread happened (taken: read once), if known.
pub fn take_panic_location() -> Option<String> {
    LAST_PANIC_AT
        .try_with(|last| last.borrow_mut().take())
        .ok()
        .flatten()
}

/// A caught panic's report: its message, and where it happened when known.
pub fn panic_report(payload: &(dyn std::any::Any + Send)) -> String {
    match take_panic_location() {
        Some(at) => format!("{} (at {at})", panic_text(payload)),
        None => panic_text(payload),
    }
}

/// Runs `f`, turning a panic into an `INTERNAL` error (its message and where it happened)
/// instead of unwinding across the FFI boundary (which would abort the process).
pub fn guard<T>(f: impl FnOnce() -> JsResult<T>) -> JsResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(to_js(Error::internal(format!(
            "native panic: {}",
            panic_report(&*payload)
        )))),
    }
}

/// Runs `f` where nothing can be thrown (a finalizer, an env cleanup hook): a panic is
/// reported on stderr (one line: what, the message, where) instead of unwinding into
/// Node, which would abort the process.
pub fn contain(what: &str, f: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
        eprintln!("weft: native panic in {what}: {}", panic_report(&*payload));
    }
}

use weft_core::error::panic_text;

/// The shared paths a test can make panic once (`debugPanicNext`), to check that a panic
/// in any export family becomes an `INTERNAL` error and the process lives on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failpoint {
    /// Channel calls (`with_chan`, `local`).
    Channel = 1,
    /// Waits on sync primitives (semaphore, mutex, waitgroup, cond, once, barrier).
    Sync = 2,
    /// Creating any handle class (semaphore, context, limiter, ...).
    Handle = 4,
    /// Per-call lookups through a thread's cache (context state, limiters).
    Lookup = 8,
    /// The pool's calls on its own thread (submit, drain).
    Pool = 16,
    /// Draining this thread's notices.
    Notifier = 32,
    /// Resuming a blocking wait in a worker.
    Blocking = 64,
    /// The per-thread argument slot's calls.
    Slot = 128,
    /// A worker taking its next task.
    Worker = 256,
    /// A compute kernel, on the kernel pool (sync and async forms).
    Kernel = 512,
}

impl Failpoint {
    const ALL: [Failpoint; 10] = [
        Failpoint::Channel,
        Failpoint::Sync,
        Failpoint::Handle,
        Failpoint::Lookup,
        Failpoint::Pool,
        Failpoint::Notifier,
        Failpoint::Blocking,
        Failpoint::Slot,
        Failpoint::Worker,
        Failpoint::Kernel,
    ];

    /// The name `debugPanicNext` takes.
    pub fn name(self) -> &'static str {
        match self {
            Failpoint::Channel => "channel",
            Failpoint::Sync => "sync",
            Failpoint::Handle => "handle",
            Failpoint::Lookup => "lookup",
            Failpoint::Pool => "pool",
            Failpoint::Notifier => "notifier",
            Failpoint::Blocking => "blocking",
            Failpoint::Slot => "slot",
            Failpoint::Worker => "worker",
            Failpoint::Kernel => "kernel",
        }
    }

    /// The failpoint named `name`.
    pub fn named(name: &str) -> Option<Failpoint> {
        Failpoint::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Failpoints armed by `debugPanicNext`, as a bit set.
static ARMED: AtomicU32 = AtomicU32::new(0);

/// Makes the next pass through `at` (on any thread) panic.
pub fn arm(at: Failpoint) {
    ARMED.fetch_or(at as u32, Ordering::SeqCst);
}

/// Disarms every failpoint.
pub fn disarm_all() {
    ARMED.store(0, Ordering::SeqCst);
}

/// Panics if `at` was armed (once per arming); one relaxed load otherwise.
#[inline]
pub fn failpoint(at: Failpoint) {
    if ARMED.load(Ordering::Relaxed) & at as u32 != 0 {
        fire(at);
    }
}

#[cold]
fn fire(at: Failpoint) {
    if ARMED.fetch_and(!(at as u32), Ordering::SeqCst) & at as u32 != 0 {
        panic!("failpoint {} (debugPanicNext)", at.name());
    }
}

/// Every code the engine can produce (`errorCodes()`), so the facade can check that it
/// maps each one to a `WeftError` code of the same string (test/errors.test.ts).
pub fn all_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Where `#[napi ...]` attributes start in `src`, and where each ends (its `]`).
    fn napi_attributes(src: &str) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(at) = src[from..].find("#[").map(|i| from + i) {
            let body = src[at + 2..].trim_start_matches("::");
            let body = body.strip_prefix("napi_derive::").unwrap_or(body);
            if body.starts_with("napi]") || body.starts_with("napi(") {
                found.push((at, attribute_end(src, at)));
            }
            from = at + 2;
        }
        found
    }

    /// The index of the `]` closing the attribute at `at` (strings may hold brackets).
    fn attribute_end(src: &str, at: usize) -> usize {
        let bytes = src.as_bytes();
        let (mut depth, mut in_string, mut i) = (0, false, at);
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if in_string => i += 1,
                b'"' => in_string = !in_string,
                b'[' if !in_string => depth += 1,
                b']' if !in_string => {
                    depth -= 1;
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        panic!("unclosed attribute at {at}");
    }

    /// The item after position `from`, past comments and other attributes.
    fn next_item(src: &str, mut from: usize) -> &str {
        loop {
            let rest = src[from..].trim_start();
            from = src.len() - rest.len();
            if rest.starts_with("//") {
                from += rest.find('\n').unwrap_or(rest.len());
            } else if rest.starts_with("#[") {
                from = attribute_end(src, from) + 1;
            } else {
                return rest;
            }
        }
    }

    fn is_fn(item: &str) -> bool {
        let item = item.strip_prefix("pub(crate) ").unwrap_or(item);
        let item = item.strip_prefix("pub ").unwrap_or(item);
        let item = item.strip_prefix("async ").unwrap_or(item);
        item.starts_with("fn ")
    }

    fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path.display().to_string(), text));
            }
        }
    }

    /// Every exported function, method, getter and constructor is wrapped in
    /// `catch_unwind` by napi-rs, so a panic becomes a thrown error instead of unwinding
    /// into Node (which aborts the process); and every plain callback goes through
    /// `respond`, which guards it.
    #[test]
    fn every_export_catches_panics() {
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let (mut exports, mut unguarded) = (0, Vec::new());
        for (path, src) in &files {
            for (at, end) in napi_attributes(src) {
                if !is_fn(next_item(src, end + 1)) {
                    continue;
                }
                exports += 1;
                if !src[at..end].contains("catch_unwind") {
                    let line = src[..at].lines().count() + 1;
                    unguarded.push(format!("{path}:{line}"));
                }
            }
            for (i, _) in src.match_indices("extern \"C\" fn ") {
                let in_callback_macro =
                    path.ends_with("raw.rs") && src[i..].find("respond(").is_some_and(|r| r < 400);
                assert!(
                    in_callback_macro,
                    "{path}: a plain callback outside `respond`"
                );
            }
        }
        assert!(
            exports > 100,
            "found only {exports} exports: is the scan broken?"
        );
        assert!(
            unguarded.is_empty(),
            "exports without catch_unwind: {unguarded:#?}"
        );
    }
}
