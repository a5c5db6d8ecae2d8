//! `qipc`: the kdb+ IPC wire format (protocol version 3).
//!
//! - [`encode`] / [`decode`]: every q value to kdb+'s serialized bytes and
//!   back, in both byte orders; decoding is bounded by the bytes present.
//! - [`frame`]: the 8-byte header, whole messages, and received messages
//!   checked and decompressed ([`unframe`]) before they are decoded.
//! - [`compress`]: kdb+'s LZ compression of messages.
//! - [`handshake`]: the login bytes and the capability this side speaks.
//! - [`md5`]: the digest `-u`/`-U` password files may store.
//! - [`codec`]: functions on the wire. Primitives travel as an index and
//!   lambdas as their source text; which builtin an index names and how
//!   source becomes a lambda are the interpreter's to say, through
//!   [`FuncCodec`], which `qengine` implements from its registry and its
//!   evaluator.
//!
//! The sockets, the handshake's exchange, the handlers (`.z.pg` ...) and
//! `hopen` live in `qengine::ipc`.
//!
//! **Architecture invariant:** only this crate knows wire byte layouts.
//! Nothing else in borf writes or parses a type byte, a count, a header or
//! a compressed stream of the kdb+ protocol.
//!
//! **Architecture invariant:** this crate depends on `qcore` alone: it
//! cannot evaluate anything, so decoding hostile bytes runs no q code
//! (lambdas are only compiled, by the [`FuncCodec`]).

pub mod codec;
pub mod compress;
pub mod decode;
pub mod encode;
pub mod frame;
pub mod handshake;
pub mod md5;

pub use codec::FuncCodec;
pub use codec::NoFuncs;
pub use codec::PrimCode;
pub use decode::Body;
pub use decode::MAX_DEPTH;
pub use decode::decode;
pub use decode::decode_prefix;
pub use encode::encode;
pub use encode::encode_with;
pub use frame::ASYNC;
pub use frame::Header;
pub use frame::Message;
pub use frame::RESPONSE;
pub use frame::SYNC;
pub use frame::decode_message;
pub use frame::error_frame;
pub use frame::frame;
pub use frame::frame_with;
pub use frame::parse_header;
pub use frame::unframe;
pub use handshake::CAPABILITY;

#[cfg(test)]
mod tests;
