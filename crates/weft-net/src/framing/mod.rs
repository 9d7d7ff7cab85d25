//! Framings: how messages are laid out on a byte stream.
//!
//! - [`Framing::Lines`]: each message ends with `\n`; a `\r` before it is dropped too, so
//!   `\r\n` peers work. A message may not contain `\n`.
//! - [`Framing::Length32`]: each message is preceded by its length as a big-endian `u32`.
//!
//! A [`Decoder`] takes the bytes as they are read, in chunks of any size, and hands out
//! whole messages; [`encode`] appends one message's bytes to an output buffer.
//!
//! ```
//! use weft_net::framing::{encode, Decoder, Framing};
//! let mut wire = Vec::new();
//! encode(Framing::Length32, b"ping", &mut wire).unwrap();
//! assert_eq!(wire, b"\0\0\0\x04ping");
//! let mut d = Decoder::new(Framing::Length32, 16);
//! d.push(&wire);
//! assert_eq!(d.next_frame().unwrap().as_deref(), Some(&b"ping"[..]));
//! ```
use std::fmt;

mod decoder;

pub use decoder::Decoder;

/// How messages are laid out on the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Messages end with `\n` (a `\r` before it is dropped).
    Lines,
    /// Messages are preceded by their length as a big-endian `u32`.
    Length32,
}

impl Framing {
    /// The framing named `name` (`"lines"` or `"length32"`), as the JS API spells it.
    ///
    /// ```
    /// use weft_net::framing::Framing;
    /// assert_eq!(Framing::from_name("length32"), Some(Framing::Length32));
    /// assert_eq!(Framing::from_name("http"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Framing> {
        match name {
            "lines" => Some(Framing::Lines),
            "length32" => Some(Framing::Length32),
            _ => None,
        }
    }
}

/// Why a message could not be framed or unframed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// A message is longer than the cap (`len` is its length, or for an unterminated line
    /// the bytes buffered so far). The stream cannot be resynchronised: close it.
    TooLarge { len: usize, max: usize },
    /// A line to send contains `\n`, which would split it in two on the other side.
    NewlineInLine,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::TooLarge { len, max } => {
                write!(f, "a message of {len} bytes is over the {max}-byte limit")
            }
            FrameError::NewlineInLine => write!(f, "a line must not contain '\\n'"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Appends `message`, framed, to `out`.
///
/// ```
/// use weft_net::framing::{encode, FrameError, Framing};
/// let mut out = Vec::new();
/// encode(Framing::Lines, b"hi", &mut out).unwrap();
/// assert_eq!(out, b"hi\n");
/// assert_eq!(encode(Framing::Lines, b"a\nb", &mut out), Err(FrameError::NewlineInLine));
/// ```
pub fn encode(framing: Framing, message: &[u8], out: &mut Vec<u8>) -> Result<(), FrameError> {
    match framing {
        Framing::Lines => {
            if memchr::memchr(b'\n', message).is_some() {
                return Err(FrameError::NewlineInLine);
            }
            out.reserve(message.len() + 1);
            out.extend_from_slice(message);
            out.push(b'\n');
        }
        Framing::Length32 => {
            let len = u32::try_from(message.len()).map_err(|_| FrameError::TooLarge {
                len: message.len(),
                max: u32::MAX as usize,
            })?;
            out.reserve(message.len() + 4);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(message);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
