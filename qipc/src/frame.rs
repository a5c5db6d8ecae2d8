//! Message frames: the 8-byte header, whole messages, and turning received
//! bytes back into a payload (checking the header, decompressing).
//!
//! Header: byte 0 the byte order of everything after it (1 little, 0 big),
//! byte 1 the message type ([`ASYNC`], [`SYNC`], [`RESPONSE`]), byte 2 the
//! compression flag, byte 3 zero, bytes 4..7 the total length including the
//! header, as an int32 in the message's byte order.

use qcore::QError;
use qcore::QResult;
use qcore::Value;

use crate::codec::FuncCodec;
use crate::compress;
use crate::decode::Body;
use crate::decode::bad;
use crate::decode::decode;
use crate::encode::write_into;

/// Message type: asynchronous, no response.
pub const ASYNC: u8 = 0;
/// Message type: synchronous, answered by exactly one [`RESPONSE`].
pub const SYNC: u8 = 1;
/// Message type: the response to a [`SYNC`] message.
pub const RESPONSE: u8 = 2;

/// A complete little-endian message: header, then the payload of `v`.
pub fn frame(msgtype: u8, v: &Value, codec: &dyn FuncCodec) -> QResult<Vec<u8>> {
    frame_with(msgtype, v, true, codec)
}

/// A complete message in the given byte order.
pub fn frame_with(msgtype: u8, v: &Value, little: bool, codec: &dyn FuncCodec) -> QResult<Vec<u8>> {
    let mut out = vec![little as u8, msgtype, 0, 0, 0, 0, 0, 0];
    write_into(&mut out, v, little, codec)?;
    let n = i32::try_from(out.len()).map_err(|_| {
        QError::new("limit").with_detail("message over 2 GB (protocol version 3 limit)")
    })?;
    out[4..8].copy_from_slice(&if little {
        n.to_le_bytes()
    } else {
        n.to_be_bytes()
    });
    Ok(out)
}

/// A little-endian message carrying an error object (`-128`, the text,
/// NUL); NUL bytes inside the text are dropped.
pub fn error_frame(msgtype: u8, text: &str) -> Vec<u8> {
    let mut out = vec![1, msgtype, 0, 0, 0, 0, 0, 0, 0x80];
    out.extend(text.bytes().filter(|&b| b != 0));
    out.push(0);
    let n = out.len() as u32;
    out[4..8].copy_from_slice(&n.to_le_bytes());
    out
}

/// A parsed 8-byte header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Byte order of the rest of the message.
    pub little: bool,
    /// [`ASYNC`], [`SYNC`] or [`RESPONSE`].
    pub msgtype: u8,
    /// The payload is compressed ([`crate::compress`]).
    pub compressed: bool,
    /// Total message length including the header.
    pub len: usize,
}

/// Parses and checks a header: known byte order, message type and
/// compression flag, a length of at least 9 bytes and at most `limit`.
pub fn parse_header(h: &[u8; 8], limit: usize) -> QResult<Header> {
    let little = match h[0] {
        0 => false,
        1 => true,
        _ => return Err(bad("byte order")),
    };
    if h[1] > RESPONSE {
        return Err(bad("message type"));
    }
    if h[2] > 1 {
        return Err(bad("compression flag"));
    }
    let mut l = [0u8; 4];
    l.copy_from_slice(&h[4..8]);
    let len = if little {
        u32::from_le_bytes(l)
    } else {
        u32::from_be_bytes(l)
    } as usize;
    if len < 9 || len > limit || len > i32::MAX as usize {
        return Err(bad("message length"));
    }
    Ok(Header {
        little,
        msgtype: h[1],
        compressed: h[2] == 1,
        len,
    })
}

/// A received message with its header checked and its payload
/// decompressed, not yet decoded: what a connection's reader thread hands
/// to the thread that owns the interpreter (which alone can decode
/// functions).
#[derive(Debug)]
pub struct Message {
    /// The header as received (`compressed` as sent).
    pub header: Header,
    /// The whole uncompressed message, header included.
    bytes: Vec<u8>,
}

impl Message {
    /// The serialized object after the header.
    pub fn payload(&self) -> &[u8] {
        &self.bytes[8..]
    }

    /// The whole uncompressed message, header included (what `.z.bm` is
    /// given when it does not decode).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Decodes the payload.
    pub fn decode(&self, codec: &mut dyn FuncCodec) -> QResult<Body> {
        decode(self.payload(), self.header.little, codec)
    }
}

/// Parses the header of a whole message and checks the length it claims.
fn check(msg: &[u8], limit: usize) -> QResult<Header> {
    let h: [u8; 8] = msg
        .get(..8)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| bad("short header"))?;
    let header = parse_header(&h, limit)?;
    if header.len != msg.len() {
        return Err(bad("length does not match"));
    }
    Ok(header)
}

/// Checks a whole received message (header included) against its header
/// and decompresses it if needed.
pub fn unframe(msg: Vec<u8>, limit: usize) -> QResult<Message> {
    let header = check(&msg, limit)?;
    let bytes = if header.compressed {
        compress::decompress(&msg, header.little, limit)?
    } else {
        msg
    };
    Ok(Message { header, bytes })
}

/// Decodes a whole message (header included), decompressing it if needed.
pub fn decode_message(
    msg: &[u8],
    limit: usize,
    codec: &mut dyn FuncCodec,
) -> QResult<(Header, Body)> {
    let header = check(msg, limit)?;
    let body = if header.compressed {
        let full = compress::decompress(msg, header.little, limit)?;
        decode(&full[8..], header.little, codec)?
    } else {
        decode(&msg[8..], header.little, codec)?
    };
    Ok((header, body))
}
