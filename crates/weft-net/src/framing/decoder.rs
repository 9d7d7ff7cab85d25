//! The incremental decoder: bytes in, whole messages out.
use super::{FrameError, Framing};

/// Length of a `length32` header.
const HEADER: usize = 4;

/// Cuts a byte stream into messages. Push bytes as they are read ([`Decoder::push`]), then
/// take messages until [`Decoder::next_frame`] gives `None`. After an error the decoder
/// keeps returning it: the stream is out of step and must be closed.
///
/// ```
/// use weft_net::framing::{Decoder, FrameError, Framing};
/// let mut d = Decoder::new(Framing::Lines, 4);
/// d.push(b"ok\r\ntoo long");
/// assert_eq!(d.next_frame().unwrap().as_deref(), Some(&b"ok"[..]));
/// assert_eq!(d.next_frame(), Err(FrameError::TooLarge { len: 8, max: 4 }));
/// ```
#[derive(Debug)]
pub struct Decoder {
    framing: Framing,
    max_frame: usize,
    buf: Vec<u8>,
    /// Where the next message starts in `buf`.
    start: usize,
    /// Lines: how far past `start` is known to hold no `\n` (so no byte is scanned twice).
    scanned: usize,
    failed: Option<FrameError>,
}

impl Decoder {
    /// A decoder for `framing` that refuses messages over `max_frame` bytes.
    pub fn new(framing: Framing, max_frame: usize) -> Decoder {
        Decoder {
            framing,
            max_frame,
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            failed: None,
        }
    }

    /// Adds bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        // Drop what was handed out before growing, so the buffer holds at most one
        // partial message plus the new bytes.
        if self.start > 0 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes pushed but not yet handed out as messages.
    ///
    /// ```
    /// use weft_net::framing::{Decoder, Framing};
    /// let mut d = Decoder::new(Framing::Length32, 64);
    /// d.push(&[0, 0]);
    /// assert_eq!(d.buffered(), 2);
    /// ```
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next whole message, `None` if more bytes are needed, or the error that stopped
    /// the stream.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let got = match self.framing {
            Framing::Lines => self.next_line(),
            Framing::Length32 => self.next_length32(),
        };
        if let Err(err) = &got {
            self.failed = Some(err.clone());
        }
        got
    }

    fn next_line(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let pending = &self.buf[self.start..];
        let Some(at) = memchr::memchr(b'\n', &pending[self.scanned..]).map(|i| self.scanned + i)
        else {
            self.scanned = pending.len();
            return if pending.len() > self.max_frame {
                Err(self.too_large(pending.len()))
            } else {
                Ok(None)
            };
        };
        let end = if at > 0 && pending[at - 1] == b'\r' {
            at - 1
        } else {
            at
        };
        if end > self.max_frame {
            return Err(self.too_large(end));
        }
        let line = pending[..end].to_vec();
        self.start += at + 1;
        self.scanned = 0;
        Ok(Some(line))
    }

    fn next_length32(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let pending = &self.buf[self.start..];
        let Some(header) = pending.first_chunk::<HEADER>() else {
            return Ok(None);
        };
        let len = u32::from_be_bytes(*header) as usize;
        if len > self.max_frame {
            return Err(self.too_large(len));
        }
        let Some(message) = pending.get(HEADER..HEADER + len) else {
            return Ok(None);
        };
        let message = message.to_vec();
        self.start += HEADER + len;
        Ok(Some(message))
    }

    fn too_large(&self, len: usize) -> FrameError {
        FrameError::TooLarge {
            len,
            max: self.max_frame,
        }
    }
}
