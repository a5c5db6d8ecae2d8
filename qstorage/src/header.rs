//! The 32-byte column file header (see `docs/FORMAT.md`).

use std::path::Path;

use bytemuck::{Pod, Zeroable};

use crate::error::{Error, Result};

/// First 8 bytes of every column file.
pub const COL_MAGIC: [u8; 8] = *b"BORFCOL\0";
/// The column format version this build writes and reads.
pub const VERSION: u32 = 1;
/// The version of an enumerated column whose domain is not `sym`: its
/// header is followed by the domain's name (see [`Header::domain`]). Older
/// builds refuse it rather than read the name as items.
pub const VERSION_DOMAIN: u32 = 2;
/// The longest domain block (the domain's name, NUL-padded to 16 bytes).
pub const MAX_DOMAIN: usize = 256;
/// Header size: a multiple of 8 (and of 16, for guids) so the items that
/// follow are aligned for in-place casting in a page-aligned mapping.
pub const HEADER_LEN: usize = 32;
/// Byte offset of the `count` field (published last on append).
pub const COUNT_OFFSET: u64 = 16;
/// Type code of an enumerated symbol column (u32 indexes into `../sym`),
/// q's type number for the first enumeration.
pub const TYPE_ENUM: i8 = 20;
/// Type code of a symbol list ([`Kind::SymText`]).
pub const TYPE_SYMBOL: i8 = 11;

/// What the items after the header are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// `count` items of the type's width.
    Flat = 0,
    /// A nested column: `count` u64 end offsets into the companion `name#`
    /// file, which holds the items of every row; `ty` is the item type.
    Offsets = 1,
    /// `count` NUL-terminated names (a `sym` file, `.d`, a symbol vector).
    SymText = 2,
}

/// A decoded header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// q type code of the items (1..19, or 20 for enumerated symbols).
    pub ty: i8,
    /// Attribute: 0 none, 1 `s#`, 2 `u#`, 3 `p#`, 4 `g#`.
    pub attr: u8,
    pub kind: Kind,
    /// Published item count.
    pub count: u64,
    /// Bytes of the domain block after the header (0: none, the domain is
    /// `sym`): the name of an enumerated column's domain, NUL-padded to a
    /// multiple of 16 so the items after it stay aligned.
    pub domain: u16,
}

#[derive(Clone, Copy, Pod, Zeroable)]
#[repr(C)]
struct RawHeader {
    magic: [u8; 8],
    version: u32,
    ty: i8,
    attr: u8,
    kind: u8,
    width: u8,
    count: u64,
    reserved: u64,
}

const _: () = assert!(std::mem::size_of::<RawHeader>() == HEADER_LEN);

/// Width in bytes of one item of q type `ty` in a flat column, `None` for
/// types that are not stored flat (symbols are enumerated or text).
pub fn width_of(ty: i8) -> Option<usize> {
    Some(match ty {
        1 | 4 | 10 => 1,
        2 => 16,
        5 => 2,
        6 | 8 | 13 | 14 | 17 | 18 | 19 | TYPE_ENUM => 4,
        7 | 9 | 12 | 15 | 16 => 8,
        _ => return None,
    })
}

impl Header {
    /// A header for a flat column.
    pub fn flat(ty: i8, attr: u8, count: u64) -> Header {
        Header {
            ty,
            attr,
            kind: Kind::Flat,
            count,
            domain: 0,
        }
    }

    /// A header for an enumerated column of domain `name` (q's type 20
    /// with the domain's name); `sym` is the plain enumerated header. The
    /// block to write after the header is [`domain_block`].
    pub fn enumerated(name: &str, attr: u8, count: u64) -> Header {
        Header {
            domain: domain_block(name).len() as u16,
            ..Header::flat(TYPE_ENUM, attr, count)
        }
    }

    /// Byte offset of the first item: after the header and any domain
    /// block.
    pub fn data_offset(&self) -> usize {
        HEADER_LEN + self.domain as usize
    }

    /// Bytes per item after the header (1 for symbol text, counted in
    /// names rather than bytes).
    pub fn width(&self) -> usize {
        match self.kind {
            Kind::Flat => width_of(self.ty).unwrap_or(1),
            Kind::Offsets => 8,
            Kind::SymText => 1,
        }
    }

    /// The 32 header bytes, little-endian.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let raw = RawHeader {
            magic: COL_MAGIC,
            version: if self.domain == 0 {
                VERSION
            } else {
                VERSION_DOMAIN
            }
            .to_le(),
            ty: self.ty,
            attr: self.attr,
            kind: self.kind as u8,
            width: self.width() as u8,
            count: self.count.to_le(),
            reserved: (self.domain as u64).to_le(),
        };
        let mut out = [0u8; HEADER_LEN];
        out.copy_from_slice(bytemuck::bytes_of(&raw));
        out
    }

    /// Decodes and checks the first bytes of `path`: length, magic,
    /// version, kind, type code and item width.
    pub fn decode(bytes: &[u8], path: &Path) -> Result<Header> {
        let Some(h) = bytes.get(..HEADER_LEN) else {
            return Err(Error::new(path, "truncated header"));
        };
        let raw: RawHeader = bytemuck::try_pod_read_unaligned(h)
            .map_err(|_| Error::new(path, "truncated header"))?;
        if raw.magic != COL_MAGIC {
            return Err(Error::new(path, "bad magic"));
        }
        let version = u32::from_le(raw.version);
        if version != VERSION && version != VERSION_DOMAIN {
            return Err(Error::new(
                path,
                format!("unsupported format version {version} (this build reads {VERSION})"),
            ));
        }
        let kind = match raw.kind {
            0 => Kind::Flat,
            1 => Kind::Offsets,
            2 => Kind::SymText,
            k => return Err(Error::new(path, format!("bad column kind {k}"))),
        };
        let ok_ty = match kind {
            Kind::Flat | Kind::Offsets => width_of(raw.ty).is_some(),
            Kind::SymText => raw.ty == TYPE_SYMBOL,
        };
        if !ok_ty {
            return Err(Error::new(path, format!("bad type code {}", raw.ty)));
        }
        let domain = if version == VERSION_DOMAIN {
            let n = u64::from_le(raw.reserved);
            if kind != Kind::Flat
                || raw.ty != TYPE_ENUM
                || n == 0
                || n > MAX_DOMAIN as u64
                || !n.is_multiple_of(16)
            {
                return Err(Error::new(path, format!("bad domain block of {n} bytes")));
            }
            n as u16
        } else {
            0
        };
        let hd = Header {
            ty: raw.ty,
            attr: raw.attr,
            kind,
            count: u64::from_le(raw.count),
            domain,
        };
        if raw.width as usize != hd.width() {
            return Err(Error::new(path, format!("bad item width {}", raw.width)));
        }
        if raw.attr > 4 {
            return Err(Error::new(path, format!("bad attribute {}", raw.attr)));
        }
        Ok(hd)
    }
}

/// The domain block of an enumerated column of domain `name`: empty for
/// `sym`, else the name's bytes NUL-padded to a multiple of 16 (at least
/// one NUL). Names longer than the block allows are refused by the writer
/// ([`check_domain`]).
pub fn domain_block(name: &str) -> Vec<u8> {
    if name == "sym" {
        return Vec::new();
    }
    let mut b = name.as_bytes().to_vec();
    b.push(0);
    b.resize(b.len().div_ceil(16) * 16, 0);
    b
}

/// A domain name that can be a file of the database directory and fits a
/// domain block: not empty, no `/` or NUL, not hidden.
pub fn check_domain(name: &str, path: &Path) -> Result<()> {
    if name.is_empty()
        || name.starts_with('.')
        || name.contains(['/', '\0'])
        || name.len() >= MAX_DOMAIN
    {
        return Err(Error::new(path, format!("bad enumeration domain `{name}")));
    }
    Ok(())
}

/// The domain name in `block` (the bytes after a header whose
/// [`Header::domain`] is their length); checked as [`check_domain`].
pub fn parse_domain(block: &[u8], path: &Path) -> Result<String> {
    let end = block.iter().position(|&b| b == 0).unwrap_or(block.len());
    let name = std::str::from_utf8(&block[..end])
        .map_err(|_| Error::new(path, "domain name is not UTF-8"))?;
    check_domain(name, path)?;
    Ok(name.to_string())
}
