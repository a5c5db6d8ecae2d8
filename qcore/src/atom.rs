//! Atoms: one value of a simple type, and the conversions between storage
//! widths that keep q's nulls and infinities.

use crate::sym::Sym;
use crate::ty::{Guid, Ty};

/// An enumerated atom (type -20): item `index` of the domain variable
/// `domain`, whose symbol is `sym` (`` `d$`a ``, `e 0`).
///
/// Like an enumeration vector ([`crate::Vector::enum_index`]) it keeps its
/// index into the domain and the symbol found there, so every symbol kernel
/// takes it as the symbol ([`Atom::ty`] is [`Ty::Symbol`], its item in a
/// symbol vector is `sym`); the builtins that tell an enumerated atom from
/// its symbol (`type`, `~`, `,`, `key`, `value`, `$`, `null`, display) see
/// the variant itself, the others are given [`Atom::Symbol`] (the
/// registry's call boundary). Foreign keys over non-symbol keys have no
/// enumerated atom: their items are the key values.
#[derive(Clone, Copy, Debug)]
pub struct EnumAtom {
    /// The domain variable's name, as the enumeration was made with it.
    pub domain: Sym,
    /// The domain's item at `index` (`` ` `` past the domain's end).
    pub sym: Sym,
    /// The index into the domain; [`EnumAtom::UNKNOWN`] when it was not
    /// kept (an item of an enumeration rebuilt item by item, or out of
    /// range): it is then found by looking `sym` up in the domain.
    pub index: i32,
}

impl EnumAtom {
    /// The index of an item whose index was not kept (q's int null).
    pub const UNKNOWN: i32 = i32::MIN;
}

/// Enumerated atoms are equal when their domain and symbol are (an index
/// may be known for one and not the other).
impl PartialEq for EnumAtom {
    fn eq(&self, o: &EnumAtom) -> bool {
        self.domain == o.domain && self.sym == o.sym
    }
}

/// An atom of a simple type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Atom {
    Bool(bool),
    Guid(Guid),
    Byte(u8),
    Short(i16),
    Int(i32),
    Long(i64),
    Real(f32),
    Float(f64),
    Char(u8),
    Symbol(Sym),
    Timestamp(i64),
    Month(i32),
    Date(i32),
    Datetime(f64),
    Timespan(i64),
    Minute(i32),
    Second(i32),
    Time(i32),
    /// An enumerated atom (type -20); see [`EnumAtom`].
    Enum(EnumAtom),
}

impl Atom {
    /// An enumerated atom taken as its symbol (what symbol kernels see);
    /// every other atom as it is.
    #[inline]
    pub fn plain(self) -> Atom {
        match self {
            Atom::Enum(e) => Atom::Symbol(e.sym),
            a => a,
        }
    }

    /// The domain of an enumerated atom; `None` for any other atom.
    #[inline]
    pub fn enum_domain(&self) -> Option<Sym> {
        match self {
            Atom::Enum(e) => Some(e.domain),
            _ => None,
        }
    }

    /// The atom's stored item widened to 64 bits: integers and temporals
    /// zero-extended from their width, floats as their IEEE bits, symbols as
    /// their interned id. `None` for guids, which are wider.
    pub fn raw_bits(&self) -> Option<u64> {
        Some(match *self {
            Atom::Bool(x) => x as u64,
            Atom::Byte(x) | Atom::Char(x) => x as u64,
            Atom::Short(x) => x as u16 as u64,
            Atom::Int(x)
            | Atom::Month(x)
            | Atom::Date(x)
            | Atom::Minute(x)
            | Atom::Second(x)
            | Atom::Time(x) => x as u32 as u64,
            Atom::Long(x) | Atom::Timestamp(x) | Atom::Timespan(x) => x as u64,
            Atom::Real(x) => x.to_bits() as u64,
            Atom::Float(x) | Atom::Datetime(x) => x.to_bits(),
            Atom::Symbol(s) | Atom::Enum(EnumAtom { sym: s, .. }) => s.0 as u64,
            Atom::Guid(_) => return None,
        })
    }

    /// The atom's simple type (its q type number is the negative of this,
    /// except an enumerated atom's, -20: its type here is its symbol's).
    pub fn ty(&self) -> Ty {
        match self {
            Atom::Bool(_) => Ty::Bool,
            Atom::Guid(_) => Ty::Guid,
            Atom::Byte(_) => Ty::Byte,
            Atom::Short(_) => Ty::Short,
            Atom::Int(_) => Ty::Int,
            Atom::Long(_) => Ty::Long,
            Atom::Real(_) => Ty::Real,
            Atom::Float(_) => Ty::Float,
            Atom::Char(_) => Ty::Char,
            Atom::Symbol(_) | Atom::Enum(_) => Ty::Symbol,
            Atom::Timestamp(_) => Ty::Timestamp,
            Atom::Month(_) => Ty::Month,
            Atom::Date(_) => Ty::Date,
            Atom::Datetime(_) => Ty::Datetime,
            Atom::Timespan(_) => Ty::Timespan,
            Atom::Minute(_) => Ty::Minute,
            Atom::Second(_) => Ty::Second,
            Atom::Time(_) => Ty::Time,
        }
    }

    /// True when the atom is its type's null. An enumerated atom never is
    /// (ref/null: "enums always show as non-null").
    pub fn is_null(&self) -> bool {
        match *self {
            Atom::Bool(_) | Atom::Byte(_) => false,
            Atom::Guid(g) => g == [0; 16],
            Atom::Short(v) => v == i16::MIN,
            Atom::Int(v)
            | Atom::Month(v)
            | Atom::Date(v)
            | Atom::Minute(v)
            | Atom::Second(v)
            | Atom::Time(v) => v == i32::MIN,
            Atom::Long(v) | Atom::Timestamp(v) | Atom::Timespan(v) => v == i64::MIN,
            Atom::Real(v) => v.is_nan(),
            Atom::Float(v) | Atom::Datetime(v) => v.is_nan(),
            Atom::Char(c) => c == b' ',
            Atom::Symbol(s) => s.is_null(),
            Atom::Enum(_) => false,
        }
    }

    /// The value as an `i64` for integral types, with nulls and infinities
    /// mapped to the `i64` sentinels (so `0Ni` becomes `0Nj`). Floats are
    /// truncated; guid and symbol give `None`.
    pub fn to_i64(&self) -> Option<i64> {
        Some(match *self {
            Atom::Bool(b) => b as i64,
            Atom::Byte(b) => b as i64,
            Atom::Char(c) => c as i64,
            Atom::Short(v) => widen_i16(v),
            Atom::Int(v)
            | Atom::Month(v)
            | Atom::Date(v)
            | Atom::Minute(v)
            | Atom::Second(v)
            | Atom::Time(v) => widen_i32(v),
            Atom::Long(v) | Atom::Timestamp(v) | Atom::Timespan(v) => v,
            Atom::Real(v) => f64_to_i64(v as f64),
            Atom::Float(v) | Atom::Datetime(v) => f64_to_i64(v),
            Atom::Guid(_) | Atom::Symbol(_) | Atom::Enum(_) => return None,
        })
    }

    /// The value as an `f64`, nulls becoming NaN and infinities ±inf.
    pub fn to_f64(&self) -> Option<f64> {
        Some(match *self {
            Atom::Real(v) => v as f64,
            Atom::Float(v) | Atom::Datetime(v) => v,
            Atom::Guid(_) | Atom::Symbol(_) | Atom::Enum(_) => return None,
            _ => i64_to_f64(self.to_i64()?),
        })
    }
}

/// Widens a short keeping null and infinities.
#[inline]
pub fn widen_i16(v: i16) -> i64 {
    match v {
        i16::MIN => i64::MIN,
        i16::MAX => i64::MAX,
        -32767 => -i64::MAX,
        _ => v as i64,
    }
}

/// Widens an int keeping null and infinities.
#[inline]
pub fn widen_i32(v: i32) -> i64 {
    match v {
        i32::MIN => i64::MIN,
        i32::MAX => i64::MAX,
        -2147483647 => -i64::MAX,
        _ => v as i64,
    }
}

/// Long to float keeping null (NaN) and infinities.
#[inline]
pub fn i64_to_f64(v: i64) -> f64 {
    match v {
        i64::MIN => f64::NAN,
        i64::MAX => f64::INFINITY,
        -9223372036854775807 => f64::NEG_INFINITY,
        _ => v as f64,
    }
}

/// Float to long as q casts: NaN to null, infinities to ±0W, others rounded
/// to nearest.
#[inline]
pub fn f64_to_i64(v: f64) -> i64 {
    if v.is_nan() {
        i64::MIN
    } else if v == f64::INFINITY {
        i64::MAX
    } else if v == f64::NEG_INFINITY {
        -i64::MAX
    } else {
        v.round() as i64
    }
}

/// Narrows a long to an int keeping null and infinities (others wrap).
#[inline]
pub fn narrow_i32(v: i64) -> i32 {
    match v {
        i64::MIN => i32::MIN,
        i64::MAX => i32::MAX,
        -9223372036854775807 => -i32::MAX,
        _ => v as i32,
    }
}

/// Narrows a long to a short keeping null and infinities (others wrap).
#[inline]
pub fn narrow_i16(v: i64) -> i16 {
    match v {
        i64::MIN => i16::MIN,
        i64::MAX => i16::MAX,
        -9223372036854775807 => -i16::MAX,
        _ => v as i16,
    }
}
