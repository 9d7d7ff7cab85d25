//! weft-net: the network layer's pure-Rust parts. Today: [`framing`], which cuts a byte
//! stream into messages ('lines' and 'length32') and writes messages back as bytes, with
//! a cap on message size so a hostile peer cannot make it buffer without bound.
//!
//! ```
//! use weft_net::framing::{Decoder, Framing};
//! let mut d = Decoder::new(Framing::Lines, 1024);
//! d.push(b"hello\nwor");
//! assert_eq!(d.next_frame().unwrap().as_deref(), Some(&b"hello"[..]));
//! assert_eq!(d.next_frame().unwrap(), None);
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

pub mod framing;
