//! q's simple types: one table of type numbers, letters, names, storage
//! widths and nulls ([`Ty`]), and the integer sentinels every type of a
//! width shares.

use crate::atom::Atom;
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
