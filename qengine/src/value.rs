//! The q value model.
//!
//! A [`Value`] is the generic null `::`, an [`Atom`], a typed [`Vector`], a
//! general list, a [`Dict`], a [`Table`] or a function ([`Func`]). Vectors
//! keep their items in a shared copy-on-write [`Buf`], one representation per
//! storage width ([`VecData`]), with the q type ([`Ty`]) alongside: dates and
//! ints share `i32` kernels, timestamps and longs share `i64` kernels.
//!
//! Temporal values are q's own counts from 2000.01.01; nulls and infinities
//! are q's sentinels (see [`Ty::null_atom`]).

use std::sync::Arc;

use crate::buf::Buf;
use crate::func::Func;
use crate::sym::Sym;

/// A guid: 16 bytes.
pub type Guid = [u8; 16];

/// q's simple types, by their type number.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
#[repr(i8)]
pub enum Ty {
    Bool = 1,
    Guid = 2,
    Byte = 4,
    Short = 5,
    Int = 6,
    Long = 7,
    Real = 8,
    Float = 9,
    Char = 10,
    Symbol = 11,
    Timestamp = 12,
    Month = 13,
    Date = 14,
    Datetime = 15,
    Timespan = 16,
    Minute = 17,
    Second = 18,
    Time = 19,
}

/// Every simple type, in type-number order.
pub const ALL_TYPES: [Ty; 18] = [
    Ty::Bool,
    Ty::Guid,
    Ty::Byte,
    Ty::Short,
    Ty::Int,
    Ty::Long,
    Ty::Real,
    Ty::Float,
    Ty::Char,
    Ty::Symbol,
    Ty::Timestamp,
    Ty::Month,
    Ty::Date,
    Ty::Datetime,
    Ty::Timespan,
    Ty::Minute,
    Ty::Second,
    Ty::Time,
];

/// How a type's items are stored.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Repr {
    U8,
    I16,
    I32,
    I64,
    F32,
    F64,
    Guid,
    Sym,
}

impl Ty {
    /// The positive type number.
    pub fn code(self) -> i8 {
        self as i8
    }

    /// The type for a type number (sign ignored).
    pub fn from_code(code: i16) -> Option<Ty> {
        let c = code.unsigned_abs();
        ALL_TYPES.iter().copied().find(|t| t.code() as u16 == c)
    }

    /// q's type letter: `b g x h i j e f c s p m d z n u v t`.
    pub fn letter(self) -> char {
        match self {
            Ty::Bool => 'b',
            Ty::Guid => 'g',
            Ty::Byte => 'x',
            Ty::Short => 'h',
            Ty::Int => 'i',
            Ty::Long => 'j',
            Ty::Real => 'e',
            Ty::Float => 'f',
            Ty::Char => 'c',
            Ty::Symbol => 's',
            Ty::Timestamp => 'p',
            Ty::Month => 'm',
            Ty::Date => 'd',
            Ty::Datetime => 'z',
            Ty::Timespan => 'n',
            Ty::Minute => 'u',
            Ty::Second => 'v',
            Ty::Time => 't',
        }
    }

    /// The type for a letter (lower or upper case).
    pub fn from_letter(c: char) -> Option<Ty> {
        let c = c.to_ascii_lowercase();
        ALL_TYPES.iter().copied().find(|t| t.letter() == c)
    }

    /// q's type name, as used by casts: `` `long$x ``.
    pub fn name(self) -> &'static str {
        match self {
            Ty::Bool => "boolean",
            Ty::Guid => "guid",
            Ty::Byte => "byte",
            Ty::Short => "short",
            Ty::Int => "int",
            Ty::Long => "long",
            Ty::Real => "real",
            Ty::Float => "float",
            Ty::Char => "char",
            Ty::Symbol => "symbol",
            Ty::Timestamp => "timestamp",
            Ty::Month => "month",
            Ty::Date => "date",
            Ty::Datetime => "datetime",
            Ty::Timespan => "timespan",
            Ty::Minute => "minute",
            Ty::Second => "second",
            Ty::Time => "time",
        }
    }

    /// The type for a name.
    pub fn from_name(s: &str) -> Option<Ty> {
        ALL_TYPES.iter().copied().find(|t| t.name() == s)
    }

    /// Storage representation.
    pub fn repr(self) -> Repr {
        match self {
            Ty::Bool | Ty::Byte | Ty::Char => Repr::U8,
            Ty::Guid => Repr::Guid,
            Ty::Short => Repr::I16,
            Ty::Int | Ty::Month | Ty::Date | Ty::Minute | Ty::Second | Ty::Time => Repr::I32,
            Ty::Long | Ty::Timestamp | Ty::Timespan => Repr::I64,
            Ty::Real => Repr::F32,
            Ty::Float | Ty::Datetime => Repr::F64,
            Ty::Symbol => Repr::Sym,
        }
    }

    /// True for the temporal types (timestamp .. time).
    pub fn is_temporal(self) -> bool {
        matches!(
            self,
            Ty::Timestamp
                | Ty::Month
                | Ty::Date
                | Ty::Datetime
                | Ty::Timespan
                | Ty::Minute
                | Ty::Second
                | Ty::Time
        )
    }

    /// True for boolean, byte, short, int, long, real, float.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Ty::Bool | Ty::Byte | Ty::Short | Ty::Int | Ty::Long | Ty::Real | Ty::Float
        )
    }

    /// True for types whose items are integers (including temporals stored
    /// as integers, bool and byte).
    pub fn is_integral(self) -> bool {
        matches!(self.repr(), Repr::U8 | Repr::I16 | Repr::I32 | Repr::I64) && self != Ty::Char
    }

    /// Width in bytes of one item.
    pub fn width(self) -> usize {
        match self.repr() {
            Repr::U8 => 1,
            Repr::I16 => 2,
            Repr::I32 => 4,
            Repr::I64 => 8,
            Repr::F32 => 4,
            Repr::F64 => 8,
            Repr::Guid => 16,
            Repr::Sym => 8,
        }
    }

    /// The null atom of this type (`0N`, `0Nd`, `0n`, `` ` ``, `" "`, ...).
    /// Boolean and byte have no null; their "null" is zero, as in q.
    pub fn null_atom(self) -> Atom {
        match self {
            Ty::Bool => Atom::Bool(false),
            Ty::Guid => Atom::Guid([0; 16]),
            Ty::Byte => Atom::Byte(0),
            Ty::Short => Atom::Short(i16::MIN),
            Ty::Int => Atom::Int(i32::MIN),
            Ty::Long => Atom::Long(i64::MIN),
            Ty::Real => Atom::Real(f32::NAN),
            Ty::Float => Atom::Float(f64::NAN),
            Ty::Char => Atom::Char(b' '),
            Ty::Symbol => Atom::Symbol(Sym::EMPTY),
            Ty::Timestamp => Atom::Timestamp(i64::MIN),
            Ty::Month => Atom::Month(i32::MIN),
            Ty::Date => Atom::Date(i32::MIN),
            Ty::Datetime => Atom::Datetime(f64::NAN),
            Ty::Timespan => Atom::Timespan(i64::MIN),
            Ty::Minute => Atom::Minute(i32::MIN),
            Ty::Second => Atom::Second(i32::MIN),
            Ty::Time => Atom::Time(i32::MIN),
        }
    }
}

/// Integer sentinels, shared by every type of that width.
pub mod sentinel {
    pub const NH: i16 = i16::MIN;
    pub const WH: i16 = i16::MAX;
    pub const NI: i32 = i32::MIN;
    pub const WI: i32 = i32::MAX;
    pub const NJ: i64 = i64::MIN;
    pub const WJ: i64 = i64::MAX;
}

/// Largest allocation one result may ask for, in bytes (q's `-w` limit).
/// Beyond it a builtin signals `'wsfull` instead of letting the process be
/// killed for lack of memory.
pub const MAX_ALLOC_BYTES: usize = 8 << 30;

/// `'wsfull` unless `n` items of `width` bytes fit under [`MAX_ALLOC_BYTES`].
/// Builtins that size a result from user input (`til`, `#`, `where`, ...)
/// call this before allocating.
pub fn check_alloc(n: usize, width: usize) -> crate::error::QResult<()> {
    match n.checked_mul(width.max(1)) {
        Some(b) if b <= MAX_ALLOC_BYTES => Ok(()),
        _ => Err(crate::error::QError::new("wsfull")
            .with_detail(format!("{n} items would exceed the workspace limit"))),
    }
}

/// A vector attribute.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub enum Attr {
    #[default]
    None,
    /// `s#` sorted ascending.
    Sorted,
    /// `u#` unique.
    Unique,
    /// `p#` parted.
    Parted,
    /// `g#` grouped.
    Grouped,
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
}

impl Atom {
    /// The atom's simple type (its q type number is the negative of this).
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
            Atom::Symbol(_) => Ty::Symbol,
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

    /// True when the atom is its type's null.
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
            Atom::Guid(_) | Atom::Symbol(_) => return None,
        })
    }

    /// The value as an `f64`, nulls becoming NaN and infinities ±inf.
    pub fn to_f64(&self) -> Option<f64> {
        Some(match *self {
            Atom::Real(v) => v as f64,
            Atom::Float(v) | Atom::Datetime(v) => v,
            Atom::Guid(_) | Atom::Symbol(_) => return None,
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

/// The items of a vector, by storage width.
#[derive(Clone, Debug, PartialEq)]
pub enum VecData {
    U8(Buf<u8>),
    I16(Buf<i16>),
    I32(Buf<i32>),
    I64(Buf<i64>),
    F32(Buf<f32>),
    F64(Buf<f64>),
    Guid(Buf<Guid>),
    Sym(Buf<Sym>),
}

impl VecData {
    /// Number of items.
    pub fn len(&self) -> usize {
        match self {
            VecData::U8(b) => b.len(),
            VecData::I16(b) => b.len(),
            VecData::I32(b) => b.len(),
            VecData::I64(b) => b.len(),
            VecData::F32(b) => b.len(),
            VecData::F64(b) => b.len(),
            VecData::Guid(b) => b.len(),
            VecData::Sym(b) => b.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An empty buffer of the representation.
    pub fn empty(r: Repr) -> VecData {
        match r {
            Repr::U8 => VecData::U8(Buf::from_vec(vec![])),
            Repr::I16 => VecData::I16(Buf::from_vec(vec![])),
            Repr::I32 => VecData::I32(Buf::from_vec(vec![])),
            Repr::I64 => VecData::I64(Buf::from_vec(vec![])),
            Repr::F32 => VecData::F32(Buf::from_vec(vec![])),
            Repr::F64 => VecData::F64(Buf::from_vec(vec![])),
            Repr::Guid => VecData::Guid(Buf::from_vec(vec![])),
            Repr::Sym => VecData::Sym(Buf::from_vec(vec![])),
        }
    }
}

/// A typed vector: q type plus attribute plus items.
#[derive(Clone, Debug, PartialEq)]
pub struct Vector {
    ty: Ty,
    /// The vector's attribute (`s#`, `u#`, `p#`, `g#`).
    pub attr: Attr,
    data: VecData,
}

impl Vector {
    /// A vector of type `ty` over `data`.
    ///
    /// Returns `None` when `data`'s representation does not match `ty`.
    pub fn new(ty: Ty, data: VecData) -> Option<Vector> {
        let ok = matches!(
            (ty.repr(), &data),
            (Repr::U8, VecData::U8(_))
                | (Repr::I16, VecData::I16(_))
                | (Repr::I32, VecData::I32(_))
                | (Repr::I64, VecData::I64(_))
                | (Repr::F32, VecData::F32(_))
                | (Repr::F64, VecData::F64(_))
                | (Repr::Guid, VecData::Guid(_))
                | (Repr::Sym, VecData::Sym(_))
        );
        ok.then_some(Vector {
            ty,
            attr: Attr::None,
            data,
        })
    }

    /// An empty vector of type `ty`.
    pub fn empty(ty: Ty) -> Vector {
        Vector {
            ty,
            attr: Attr::None,
            data: VecData::empty(ty.repr()),
        }
    }

    /// The vector's simple type.
    pub fn ty(&self) -> Ty {
        self.ty
    }

    /// The items.
    pub fn data(&self) -> &VecData {
        &self.data
    }

    /// Consumes the vector into its items.
    pub fn into_data(self) -> VecData {
        self.data
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Item `i` as an atom (no bounds check beyond the slice's own).
    pub fn get(&self, i: usize) -> Atom {
        let t = self.ty;
        match &self.data {
            VecData::U8(b) => match t {
                Ty::Bool => Atom::Bool(b[i] != 0),
                Ty::Byte => Atom::Byte(b[i]),
                _ => Atom::Char(b[i]),
            },
            VecData::I16(b) => Atom::Short(b[i]),
            VecData::I32(b) => int_atom(t, b[i]),
            VecData::I64(b) => long_atom(t, b[i]),
            VecData::F32(b) => Atom::Real(b[i]),
            VecData::F64(b) => {
                if t == Ty::Datetime {
                    Atom::Datetime(b[i])
                } else {
                    Atom::Float(b[i])
                }
            }
            VecData::Guid(b) => Atom::Guid(b[i]),
            VecData::Sym(b) => Atom::Symbol(b[i]),
        }
    }

    /// Item `i`, or the type's null when out of range (q indexing).
    pub fn get_or_null(&self, i: i64) -> Atom {
        if i >= 0 && (i as usize) < self.len() {
            self.get(i as usize)
        } else {
            self.ty.null_atom()
        }
    }

    /// Builds a vector of type `ty` from atoms that all have that type.
    /// Returns `None` if any atom's type differs.
    pub fn from_atoms(ty: Ty, atoms: &[Atom]) -> Option<Vector> {
        let mut b = VecBuilder::new(ty, atoms.len());
        for a in atoms {
            if a.ty() != ty {
                return None;
            }
            b.push(*a);
        }
        Some(b.finish())
    }

    // Typed constructors.
    pub fn bools(v: Vec<bool>) -> Vector {
        Self::from_u8(Ty::Bool, v.into_iter().map(|b| b as u8).collect())
    }
    pub fn from_u8(ty: Ty, v: Vec<u8>) -> Vector {
        Vector::new(ty, VecData::U8(v.into())).expect("u8 type")
    }
    pub fn from_i16(v: Vec<i16>) -> Vector {
        Vector::new(Ty::Short, VecData::I16(v.into())).expect("short")
    }
    pub fn from_i32(ty: Ty, v: Vec<i32>) -> Vector {
        Vector::new(ty, VecData::I32(v.into())).expect("i32 type")
    }
    pub fn from_i64(ty: Ty, v: Vec<i64>) -> Vector {
        Vector::new(ty, VecData::I64(v.into())).expect("i64 type")
    }
    pub fn longs(v: Vec<i64>) -> Vector {
        Self::from_i64(Ty::Long, v)
    }
    pub fn from_f32(v: Vec<f32>) -> Vector {
        Vector::new(Ty::Real, VecData::F32(v.into())).expect("real")
    }
    pub fn from_f64(ty: Ty, v: Vec<f64>) -> Vector {
        Vector::new(ty, VecData::F64(v.into())).expect("f64 type")
    }
    pub fn floats(v: Vec<f64>) -> Vector {
        Self::from_f64(Ty::Float, v)
    }
    pub fn guids(v: Vec<Guid>) -> Vector {
        Vector::new(Ty::Guid, VecData::Guid(v.into())).expect("guid")
    }
    pub fn syms(v: Vec<Sym>) -> Vector {
        Vector::new(Ty::Symbol, VecData::Sym(v.into())).expect("sym")
    }
    pub fn chars(s: &[u8]) -> Vector {
        Self::from_u8(Ty::Char, s.to_vec())
    }

    /// Slice views by representation; `None` when the representation differs.
    pub fn as_u8(&self) -> Option<&[u8]> {
        if let VecData::U8(b) = &self.data {
            Some(b)
        } else {
            None
        }
    }
    pub fn as_i16(&self) -> Option<&[i16]> {
        if let VecData::I16(b) = &self.data {
            Some(b)
        } else {
            None
        }
    }
    pub fn as_i32(&self) -> Option<&[i32]> {
        if let VecData::I32(b) = &self.data {
            Some(b)
        } else {
            None
        }
    }
    pub fn as_i64(&self) -> Option<&[i64]> {
        if let VecData::I64(b) = &self.data {
            Some(b)
        } else {
            None
        }
    }
    pub fn as_f32(&self) -> Option<&[f32]> {
        if let VecData::F32(b) = &self.data {
            Some(b)
        } else {
            None
        }
    }
    pub fn as_f64(&self) -> Option<&[f64]> {
        if let VecData::F64(b) = &self.data {
            Some(b)
        } else {
            None
        }
    }
    pub fn as_guid(&self) -> Option<&[Guid]> {
        if let VecData::Guid(b) = &self.data {
            Some(b)
        } else {
            None
        }
    }
    pub fn as_sym(&self) -> Option<&[Sym]> {
        if let VecData::Sym(b) = &self.data {
            Some(b)
        } else {
            None
        }
    }

    /// Mutable access to the items (copy-on-write).
    pub fn data_mut(&mut self) -> &mut VecData {
        self.attr = Attr::None;
        &mut self.data
    }

    /// Same items, another type of the same representation (`date` <-> `int`).
    pub fn retype(mut self, ty: Ty) -> Option<Vector> {
        if ty.repr() == self.ty.repr() {
            self.ty = ty;
            self.attr = Attr::None;
            Some(self)
        } else {
            None
        }
    }

    /// Every item as `i64` (integral types; floats round), keeping nulls
    /// and infinities as the `i64` sentinels.
    pub fn to_i64_vec(&self) -> Option<Vec<i64>> {
        Some(match &self.data {
            VecData::U8(b) => b.iter().map(|&x| x as i64).collect(),
            VecData::I16(b) => b.iter().map(|&x| widen_i16(x)).collect(),
            VecData::I32(b) => b.iter().map(|&x| widen_i32(x)).collect(),
            VecData::I64(b) => b.to_vec(),
            VecData::F32(b) => b.iter().map(|&x| f64_to_i64(x as f64)).collect(),
            VecData::F64(b) => b.iter().map(|&x| f64_to_i64(x)).collect(),
            VecData::Guid(_) | VecData::Sym(_) => return None,
        })
    }

    /// Every item as `f64`, nulls becoming NaN.
    pub fn to_f64_vec(&self) -> Option<Vec<f64>> {
        Some(match &self.data {
            VecData::F32(b) => b.iter().map(|&x| x as f64).collect(),
            VecData::F64(b) => b.to_vec(),
            VecData::U8(b) => b.iter().map(|&x| x as f64).collect(),
            VecData::I16(b) => b.iter().map(|&x| i64_to_f64(widen_i16(x))).collect(),
            VecData::I32(b) => b.iter().map(|&x| i64_to_f64(widen_i32(x))).collect(),
            VecData::I64(b) => b.iter().map(|&x| i64_to_f64(x)).collect(),
            VecData::Guid(_) | VecData::Sym(_) => return None,
        })
    }
}

fn int_atom(t: Ty, v: i32) -> Atom {
    match t {
        Ty::Month => Atom::Month(v),
        Ty::Date => Atom::Date(v),
        Ty::Minute => Atom::Minute(v),
        Ty::Second => Atom::Second(v),
        Ty::Time => Atom::Time(v),
        _ => Atom::Int(v),
    }
}

fn long_atom(t: Ty, v: i64) -> Atom {
    match t {
        Ty::Timestamp => Atom::Timestamp(v),
        Ty::Timespan => Atom::Timespan(v),
        _ => Atom::Long(v),
    }
}

/// Builds a vector of one type item by item.
pub struct VecBuilder {
    ty: Ty,
    data: VecData,
}

impl VecBuilder {
    /// A builder for `ty` with room for `cap` items.
    pub fn new(ty: Ty, cap: usize) -> Self {
        let data = match ty.repr() {
            Repr::U8 => VecData::U8(Vec::with_capacity(cap).into()),
            Repr::I16 => VecData::I16(Vec::with_capacity(cap).into()),
            Repr::I32 => VecData::I32(Vec::with_capacity(cap).into()),
            Repr::I64 => VecData::I64(Vec::with_capacity(cap).into()),
            Repr::F32 => VecData::F32(Vec::with_capacity(cap).into()),
            Repr::F64 => VecData::F64(Vec::with_capacity(cap).into()),
            Repr::Guid => VecData::Guid(Vec::with_capacity(cap).into()),
            Repr::Sym => VecData::Sym(Vec::with_capacity(cap).into()),
        };
        VecBuilder { ty, data }
    }

    /// Appends an atom; it must be of the builder's representation (other
    /// atoms are converted where the representation matches, else ignored).
    pub fn push(&mut self, a: Atom) {
        match (&mut self.data, a) {
            (VecData::U8(b), Atom::Bool(x)) => b.make_mut().push(x as u8),
            (VecData::U8(b), Atom::Byte(x) | Atom::Char(x)) => b.make_mut().push(x),
            (VecData::I16(b), Atom::Short(x)) => b.make_mut().push(x),
            (
                VecData::I32(b),
                Atom::Int(x)
                | Atom::Month(x)
                | Atom::Date(x)
                | Atom::Minute(x)
                | Atom::Second(x)
                | Atom::Time(x),
            ) => b.make_mut().push(x),
            (VecData::I64(b), Atom::Long(x) | Atom::Timestamp(x) | Atom::Timespan(x)) => {
                b.make_mut().push(x)
            }
            (VecData::F32(b), Atom::Real(x)) => b.make_mut().push(x),
            (VecData::F64(b), Atom::Float(x) | Atom::Datetime(x)) => b.make_mut().push(x),
            (VecData::Guid(b), Atom::Guid(x)) => b.make_mut().push(x),
            (VecData::Sym(b), Atom::Symbol(x)) => b.make_mut().push(x),
            _ => {}
        }
    }

    /// The finished vector.
    pub fn finish(self) -> Vector {
        Vector {
            ty: self.ty,
            attr: Attr::None,
            data: self.data,
        }
    }
}

/// A dictionary: keys and values are lists of equal count (vectors, general
/// lists, or tables for a keyed table).
#[derive(Clone, Debug)]
pub struct Dict {
    pub keys: Value,
    pub values: Value,
    /// `s#` on the keys (a sorted dictionary, step function).
    pub sorted: bool,
}

/// A table: named columns of equal count (q's flip of a column dictionary).
#[derive(Clone, Debug)]
pub struct Table {
    /// Column names, in order.
    pub names: Vec<Sym>,
    /// Columns, each a list (vector or general list) of the same count.
    pub columns: Vec<Value>,
}

impl Table {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, Value::count)
    }

    /// True when the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column named `name`.
    pub fn column(&self, name: Sym) -> Option<&Value> {
        self.names
            .iter()
            .position(|&n| n == name)
            .map(|i| &self.columns[i])
    }
}

/// Any q value.
#[derive(Clone, Debug)]
pub enum Value {
    /// The generic null `::` (type 101).
    Nil,
    Atom(Atom),
    Vector(Vector),
    /// A general list (type 0).
    List(Arc<Vec<Value>>),
    Dict(Arc<Dict>),
    Table(Arc<Table>),
    Func(Func),
}

impl Value {
    /// q's type number: negative for atoms, 0 for general lists, 98 table,
    /// 99 dictionary, 100.. functions, 101 for `::`.
    pub fn type_code(&self) -> i16 {
        match self {
            Value::Nil => 101,
            Value::Atom(a) => -(a.ty().code() as i16),
            Value::Vector(v) => v.ty().code() as i16,
            Value::List(_) => 0,
            Value::Dict(_) => 99,
            Value::Table(_) => 98,
            Value::Func(f) => f.type_code(),
        }
    }

    /// `count x`: items of a list, rows of a table, entries of a dict, 1 for
    /// atoms and functions.
    pub fn count(&self) -> usize {
        match self {
            Value::Vector(v) => v.len(),
            Value::List(l) => l.len(),
            Value::Dict(d) => d.keys.count(),
            Value::Table(t) => t.len(),
            _ => 1,
        }
    }

    /// True for an atom, `::` or a function (anything q's `count` calls 1
    /// and that is not a list, dict or table).
    pub fn is_atomic(&self) -> bool {
        matches!(self, Value::Atom(_) | Value::Nil | Value::Func(_))
    }

    /// True for vectors and general lists.
    pub fn is_list(&self) -> bool {
        matches!(self, Value::Vector(_) | Value::List(_))
    }

    /// A general list of items, collapsed into a typed vector when every
    /// item is an atom of one type (as q does for `(1;2;3)`).
    pub fn from_items(items: Vec<Value>) -> Value {
        if let Some(Value::Atom(first)) = items.first() {
            let ty = first.ty();
            if items
                .iter()
                .all(|v| matches!(v, Value::Atom(a) if a.ty() == ty))
            {
                let mut b = VecBuilder::new(ty, items.len());
                for v in &items {
                    if let Value::Atom(a) = v {
                        b.push(*a);
                    }
                }
                return Value::Vector(b.finish());
            }
        }
        Value::List(Arc::new(items))
    }

    /// A general list without collapsing.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(items))
    }

    /// Shorthands.
    pub fn long(v: i64) -> Value {
        Value::Atom(Atom::Long(v))
    }
    pub fn int(v: i32) -> Value {
        Value::Atom(Atom::Int(v))
    }
    pub fn float(v: f64) -> Value {
        Value::Atom(Atom::Float(v))
    }
    pub fn bool(v: bool) -> Value {
        Value::Atom(Atom::Bool(v))
    }
    pub fn sym(s: &str) -> Value {
        Value::Atom(Atom::Symbol(Sym::new(s)))
    }
    pub fn char(c: u8) -> Value {
        Value::Atom(Atom::Char(c))
    }
    /// A char vector (q string).
    pub fn string(s: &str) -> Value {
        Value::Vector(Vector::chars(s.as_bytes()))
    }

    /// The atom inside, if this is one.
    pub fn as_atom(&self) -> Option<&Atom> {
        if let Value::Atom(a) = self {
            Some(a)
        } else {
            None
        }
    }

    /// The string inside a char vector (or char atom).
    pub fn as_string(&self) -> Option<String> {
        match self {
            Value::Vector(v) if v.ty() == Ty::Char => {
                Some(String::from_utf8_lossy(v.as_u8()?).into_owned())
            }
            Value::Atom(Atom::Char(c)) => Some((*c as char).to_string()),
            _ => None,
        }
    }

    /// Item `i` of a list value as a `Value` (atoms for vectors). `None` when
    /// out of range or not a list.
    pub fn item(&self, i: usize) -> Option<Value> {
        match self {
            Value::Vector(v) if i < v.len() => Some(Value::Atom(v.get(i))),
            Value::List(l) => l.get(i).cloned(),
            _ => None,
        }
    }

    /// The items of a list value as `Value`s (atoms expanded from vectors).
    /// Atoms give a single item.
    pub fn items(&self) -> Vec<Value> {
        match self {
            Value::Vector(v) => (0..v.len()).map(|i| Value::Atom(v.get(i))).collect(),
            Value::List(l) => l.as_ref().clone(),
            other => vec![other.clone()],
        }
    }
}

impl From<Atom> for Value {
    fn from(a: Atom) -> Self {
        Value::Atom(a)
    }
}

impl From<Vector> for Value {
    fn from(v: Vector) -> Self {
        Value::Vector(v)
    }
}
