//! Object files: one serialized value (`` `:f set x `` for values that are
//! not simple vectors or tables).

use std::path::Path;

use crate::error::{Error, Result};

/// First 8 bytes of an object file.
pub const OBJ_MAGIC: [u8; 8] = *b"BORFOBJ\0";
/// The object file version this build writes and reads.
pub const OBJ_VERSION: u32 = 1;
/// Payload format 1: the kdb+ IPC (version 3) serialization of one value,
/// little-endian, without the 8-byte message header.
pub const PAYLOAD_KDB_IPC: u32 = 1;
/// Header size.
pub const OBJ_HEADER_LEN: usize = 32;

/// Writes an object file atomically.
pub fn write_object(path: &Path, format: u32, payload: &[u8]) -> Result<()> {
    let mut h = [0u8; OBJ_HEADER_LEN];
    h[..8].copy_from_slice(&OBJ_MAGIC);
    h[8..12].copy_from_slice(&OBJ_VERSION.to_le_bytes());
    h[12..16].copy_from_slice(&format.to_le_bytes());
    h[16..24].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    crate::write_atomic(path, &[&h, payload])
}

/// Reads an object file: its payload format and payload.
pub fn read_object(path: &Path) -> Result<(u32, Vec<u8>)> {
    let mut b = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    if b.len() < OBJ_HEADER_LEN {
        return Err(Error::new(path, "truncated header"));
    }
    if b[..8] != OBJ_MAGIC {
        return Err(Error::new(path, "bad magic"));
    }
    let le32 = |s: &[u8]| u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
    let version = le32(&b[8..12]);
    if version != OBJ_VERSION {
        return Err(Error::new(
            path,
            format!("unsupported format version {version} (this build reads {OBJ_VERSION})"),
        ));
    }
    let format = le32(&b[12..16]);
    let mut l = [0u8; 8];
    l.copy_from_slice(&b[16..24]);
    let len = u64::from_le_bytes(l);
    if len != (b.len() - OBJ_HEADER_LEN) as u64 {
        return Err(Error::new(
            path,
            if len > (b.len() - OBJ_HEADER_LEN) as u64 {
                "count larger than file"
            } else {
                "trailing bytes"
            },
        ));
    }
    b.drain(..OBJ_HEADER_LEN);
    Ok((format, b))
}
