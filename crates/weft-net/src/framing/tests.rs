use proptest::prelude::*;

use super::*;

/// Decodes `wire` pushed in the given chunk sizes (cycled), collecting every message.
fn decode_in_chunks(
    framing: Framing,
    max: usize,
    wire: &[u8],
    chunks: &[usize],
) -> Result<Vec<Vec<u8>>, FrameError> {
    let mut d = Decoder::new(framing, max);
    let mut out = Vec::new();
    let mut rest = wire;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap()).clamp(1, rest.len());
        d.push(&rest[..n]);
        rest = &rest[n..];
        while let Some(m) = d.next_frame()? {
            out.push(m);
        }
    }
    assert_eq!(d.buffered(), 0, "a whole stream leaves nothing buffered");
    Ok(out)
}

fn encode_all(framing: Framing, messages: &[Vec<u8>]) -> Vec<u8> {
    let mut wire = Vec::new();
    for m in messages {
        encode(framing, m, &mut wire).unwrap();
    }
    wire
}

proptest! {
    #[test]
    fn length32_round_trips_in_any_chunking(
        messages in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..20),
        chunks in prop::collection::vec(1usize..64, 1..8),
    ) {
        let wire = encode_all(Framing::Length32, &messages);
        prop_assert_eq!(decode_in_chunks(Framing::Length32, 300, &wire, &chunks)?, messages);
    }

    #[test]
    fn lines_round_trip_in_any_chunking(
        messages in prop::collection::vec(prop::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..300), 0..20),
        chunks in prop::collection::vec(1usize..64, 1..8),
    ) {
        // A line ending in '\r' would lose it (it reads as "\r\n"): that is the framing's rule.
        let messages: Vec<Vec<u8>> = messages.into_iter().filter(|m| m.last() != Some(&b'\r')).collect();
        let wire = encode_all(Framing::Lines, &messages);
        prop_assert_eq!(decode_in_chunks(Framing::Lines, 300, &wire, &chunks)?, messages);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_never_buffer_past_the_cap(
        wire in prop::collection::vec(any::<u8>(), 0..2000),
        chunks in prop::collection::vec(1usize..64, 1..8),
        lines in any::<bool>(),
    ) {
        let framing = if lines { Framing::Lines } else { Framing::Length32 };
        let mut d = Decoder::new(framing, 100);
        let mut rest = &wire[..];
        let mut sizes = chunks.iter().cycle();
        while !rest.is_empty() {
            let n = (*sizes.next().unwrap()).min(rest.len());
            d.push(&rest[..n]);
            rest = &rest[n..];
            loop {
                match d.next_frame() {
                    Ok(Some(m)) => prop_assert!(m.len() <= 100),
                    Ok(None) => {
                        // Undecided bytes: at most a capped message, its header or line end, and one chunk.
                        prop_assert!(d.buffered() <= 100 + 4 + 64);
                        break;
                    }
                    Err(FrameError::TooLarge { max, .. }) => {
                        prop_assert_eq!(max, 100);
                        prop_assert!(d.next_frame().is_err(), "an error sticks");
                        return Ok(());
                    }
                    Err(e) => prop_assert!(false, "unexpected {e}"),
                }
            }
        }
    }
}

#[test]
fn crlf_and_lf_both_end_a_line() {
    let out = decode_in_chunks(Framing::Lines, 10, b"a\r\nb\n\n", &[1]).unwrap();
    assert_eq!(out, vec![b"a".to_vec(), b"b".to_vec(), Vec::new()]);
}

#[test]
fn a_length_header_over_the_cap_fails_before_the_body_arrives() {
    let mut d = Decoder::new(Framing::Length32, 1024);
    d.push(&(1u32 << 30).to_be_bytes());
    assert_eq!(
        d.next_frame(),
        Err(FrameError::TooLarge {
            len: 1 << 30,
            max: 1024
        })
    );
    d.push(b"more");
    assert!(d.next_frame().is_err());
}

#[test]
fn a_line_exactly_at_the_cap_passes_and_one_byte_more_fails() {
    let mut d = Decoder::new(Framing::Lines, 3);
    d.push(b"abc\r\n");
    assert_eq!(d.next_frame().unwrap().as_deref(), Some(&b"abc"[..]));
    d.push(b"abcd");
    assert_eq!(d.next_frame(), Err(FrameError::TooLarge { len: 4, max: 3 }));
}

#[test]
fn partial_messages_wait_for_more_bytes() {
    let mut d = Decoder::new(Framing::Length32, 64);
    d.push(&[0, 0, 0]);
    assert_eq!(d.next_frame(), Ok(None));
    d.push(&[2, b'h']);
    assert_eq!(d.next_frame(), Ok(None));
    d.push(b"i");
    assert_eq!(d.next_frame().unwrap().as_deref(), Some(&b"hi"[..]));
    assert_eq!(d.next_frame(), Ok(None));
}

#[test]
fn names_match_the_js_api() {
    assert_eq!(Framing::from_name("lines"), Some(Framing::Lines));
    assert_eq!(Framing::from_name("raw"), None);
}
