//! Typed vectors: a q type, an attribute and items in a shared
//! copy-on-write [`Buf`], one representation per storage width
//! ([`VecData`]): dates and ints share `i32` kernels, timestamps and longs
//! share `i64` kernels.

use crate::atom::{Atom, EnumAtom, f64_to_i64, i64_to_f64, widen_i16, widen_i32};
use crate::buf::Buf;
use crate::sym::Sym;
use crate::ty::{Guid, Repr, Ty};
use std::sync::Arc;

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

/// Each attribute with its byte (kdb+ wire format and column-file header)
/// and its letter (`attr x`, `` `s#x ``): the one table of both.
const ATTRS: [(Attr, u8, &str); 5] = [
    (Attr::None, 0, ""),
    (Attr::Sorted, 1, "s"),
    (Attr::Unique, 2, "u"),
    (Attr::Parted, 3, "p"),
    (Attr::Grouped, 4, "g"),
];

impl Attr {
    /// The attribute's byte in kdb+ IPC messages and column files.
    pub fn code(self) -> u8 {
        ATTRS[self as usize].1
    }

    /// The attribute of byte `c`; `None` for a byte that is none of them.
    pub fn from_code(c: u8) -> Option<Attr> {
        ATTRS.iter().find(|a| a.1 == c).map(|a| a.0)
    }

    /// The attribute's letter, `""` for none.
    pub fn letter(self) -> &'static str {
        ATTRS[self as usize].2
    }

    /// The attribute named by a letter (`"s"`, `"u"`, `"p"`, `"g"`).
    pub fn from_letter(s: &str) -> Option<Attr> {
        ATTRS
            .iter()
            .find(|a| a.2 == s && !s.is_empty())
            .map(|a| a.0)
    }
}

/// Matches a buffer against an atom of the same representation and runs
/// `$body` with the typed buffer `$b` and the atom's raw item `$x`; atoms of
/// another representation fall through to `$else`. The one place that maps
/// atom kinds to storage widths: push, set and extend all go through it.
macro_rules! with_slot {
    ($data:expr, $a:expr, |$b:ident, $x:ident| $body:expr, $else:expr) => {
        match ($data, $a) {
            (VecData::U8($b), Atom::Bool(v)) => {
                let $x = v as u8;
                $body
            }
            (VecData::U8($b), Atom::Byte($x) | Atom::Char($x)) => $body,
            (VecData::I16($b), Atom::Short($x)) => $body,
            (
                VecData::I32($b),
                Atom::Int($x)
                | Atom::Month($x)
                | Atom::Date($x)
                | Atom::Minute($x)
                | Atom::Second($x)
                | Atom::Time($x),
            ) => $body,
            (VecData::I64($b), Atom::Long($x) | Atom::Timestamp($x) | Atom::Timespan($x)) => $body,
            (VecData::F32($b), Atom::Real($x)) => $body,
            (VecData::F64($b), Atom::Float($x) | Atom::Datetime($x)) => $body,
            (VecData::Guid($b), Atom::Guid($x)) => $body,
            (VecData::Sym($b), Atom::Symbol($x)) => $body,
            // an enumerated atom's item is its symbol
            (VecData::Sym($b), Atom::Enum(e)) => {
                let $x = e.sym;
                $body
            }
            _ => $else,
        }
    };
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

    /// True when no item is known to be q's null ([`Buf::known_no_nulls`]);
    /// always false for byte-wide vectors (a char's null is an ordinary
    /// byte of a byte vector).
    pub fn known_no_nulls(&self) -> bool {
        match self {
            VecData::U8(_) => false,
            VecData::I16(b) => b.known_no_nulls(),
            VecData::I32(b) => b.known_no_nulls(),
            VecData::I64(b) => b.known_no_nulls(),
            VecData::F32(b) => b.known_no_nulls(),
            VecData::F64(b) => b.known_no_nulls(),
            VecData::Guid(b) => b.known_no_nulls(),
            VecData::Sym(b) => b.known_no_nulls(),
        }
    }

    /// Records that no item is q's null ([`Buf::set_no_nulls`]: only where
    /// a null cannot appear); nothing for byte-wide vectors.
    pub fn set_no_nulls(&self) {
        match self {
            VecData::U8(_) => {}
            VecData::I16(b) => b.set_no_nulls(),
            VecData::I32(b) => b.set_no_nulls(),
            VecData::I64(b) => b.set_no_nulls(),
            VecData::F32(b) => b.set_no_nulls(),
            VecData::F64(b) => b.set_no_nulls(),
            VecData::Guid(b) => b.set_no_nulls(),
            VecData::Sym(b) => b.set_no_nulls(),
        }
    }

    /// Appends `a` when it has this buffer's representation; returns
    /// whether it did (an atom of another width is left out).
    pub fn push_atom(&mut self, a: Atom) -> bool {
        with_slot!(
            self,
            a,
            |b, x| {
                b.make_mut().push(x);
                true
            },
            false
        )
    }

    /// Overwrites item `p` with `a` when it has this buffer's
    /// representation; returns whether it did.
    pub fn set_atom(&mut self, p: usize, a: Atom) -> bool {
        with_slot!(
            self,
            a,
            |b, x| {
                b.make_mut()[p] = x;
                true
            },
            false
        )
    }

    /// Appends every atom of this buffer's representation from `atoms`,
    /// reserving room for `total` items first.
    pub fn extend_atoms(&mut self, atoms: impl Iterator<Item = Atom>, total: usize) {
        let more = total.saturating_sub(self.len());
        match self {
            VecData::U8(b) => b.make_mut().reserve(more),
            VecData::I16(b) => b.make_mut().reserve(more),
            VecData::I32(b) => b.make_mut().reserve(more),
            VecData::I64(b) => b.make_mut().reserve(more),
            VecData::F32(b) => b.make_mut().reserve(more),
            VecData::F64(b) => b.make_mut().reserve(more),
            VecData::Guid(b) => b.make_mut().reserve(more),
            VecData::Sym(b) => b.make_mut().reserve(more),
        }
        for a in atoms {
            self.push_atom(a);
        }
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

/// What makes a vector an enumeration.
#[derive(Debug)]
struct Enumeration {
    /// The domain: the name of the variable its items are drawn from
    /// (`` `sym$`a`b `` is a symbol vector with domain `sym`; a foreign key,
    /// `` `kt$1 2 ``, a vector of key values with domain `kt`).
    domain: Sym,
    /// The items as indexes into the domain (q's representation; what
    /// `"i"$e` answers and what an enumerated column file holds). The
    /// vector's items are the domain's items at these indexes, resolved
    /// when the enumeration was made and again whenever the domain variable
    /// changes (`Interp`'s enumeration refresh), so every symbol kernel
    /// works on an enumeration unchanged. `None` when the indexes are not
    /// known (an enumeration rebuilt item by item): they are then found by
    /// looking the items up in the domain.
    idx: Option<Buf<i32>>,
}

/// A typed vector: q type plus attribute plus items.
#[derive(Clone, Debug)]
pub struct Vector {
    ty: Ty,
    /// The vector's attribute (`s#`, `u#`, `p#`, `g#`).
    pub attr: Attr,
    /// An enumeration's domain and indexes ([`Enumeration`]); `None` for
    /// an ordinary vector. Behind one shared pointer because it is rare:
    /// held inline it made a `Vector` 40 bytes, `Value` lost its plain tag
    /// to a niche in the items' tag, and every drop and match of a value
    /// cost more (a lambda call ~9% more instructions; docs/PERF.md,
    /// "Lambda calls").
    enumeration: Option<Arc<Enumeration>>,
    data: VecData,
}

/// Equal type, attribute, domain and items; an enumeration's indexes are
/// not compared (they are known for one and not the other when one was
/// rebuilt item by item).
impl PartialEq for Vector {
    fn eq(&self, o: &Vector) -> bool {
        self.ty == o.ty && self.attr == o.attr && self.domain() == o.domain() && self.data == o.data
    }
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
            enumeration: None,
            data,
        })
    }

    /// An empty vector of type `ty`.
    pub fn empty(ty: Ty) -> Vector {
        Vector {
            ty,
            attr: Attr::None,
            enumeration: None,
            data: VecData::empty(ty.repr()),
        }
    }

    /// The vector's simple type.
    pub fn ty(&self) -> Ty {
        self.ty
    }

    /// The items.
    /// How many values share this vector's items (`-16!x`).
    pub fn refs(&self) -> usize {
        match &self.data {
            VecData::U8(b) => b.refs(),
            VecData::I16(b) => b.refs(),
            VecData::I32(b) => b.refs(),
            VecData::I64(b) => b.refs(),
            VecData::F32(b) => b.refs(),
            VecData::F64(b) => b.refs(),
            VecData::Guid(b) => b.refs(),
            VecData::Sym(b) => b.refs(),
        }
    }

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
            VecData::I32(b) => i32_atom(t, b[i]),
            VecData::I64(b) => i64_atom(t, b[i]),
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

    /// Item `i` as q gives it out of the vector (`x i`, `first x`, the
    /// items `each` sees): an enumeration of symbols gives an enumerated
    /// atom, any other vector [`Vector::get`]. Kernels that work on the
    /// items themselves use `get`.
    pub fn at(&self, i: usize) -> Atom {
        match (self.domain(), &self.data) {
            (Some(domain), VecData::Sym(b)) => Atom::Enum(EnumAtom {
                domain,
                sym: b[i],
                index: self.enum_index().map_or(EnumAtom::UNKNOWN, |ix| ix[i]),
            }),
            _ => self.get(i),
        }
    }

    /// [`Vector::at`], or the null when out of range: an enumeration's is
    /// the enumerated null symbol (`` `d$` ``, index unknown).
    pub fn at_or_null(&self, i: i64) -> Atom {
        if i >= 0 && (i as usize) < self.len() {
            self.at(i as usize)
        } else {
            match (self.domain(), self.ty) {
                (Some(domain), Ty::Symbol) => Atom::Enum(EnumAtom {
                    domain,
                    sym: Sym::EMPTY,
                    index: EnumAtom::UNKNOWN,
                }),
                _ => self.ty.null_atom(),
            }
        }
    }

    /// Enumerated atoms of one domain as the enumeration vector of their
    /// symbols (indexes kept when every atom knows its own); `None` when an
    /// atom is not enumerated or of another domain.
    pub fn from_enum_atoms(atoms: impl ExactSizeIterator<Item = Atom>) -> Option<Vector> {
        let n = atoms.len();
        let mut syms = Vec::with_capacity(n);
        let mut idx = Vec::with_capacity(n);
        let mut domain = None;
        for a in atoms {
            let Atom::Enum(e) = a else { return None };
            if *domain.get_or_insert(e.domain) != e.domain {
                return None;
            }
            syms.push(e.sym);
            idx.push(e.index);
        }
        let mut v = Vector::syms(syms);
        let d = domain?;
        if idx.contains(&EnumAtom::UNKNOWN) {
            v.set_domain(Some(d));
        } else {
            v.set_enum(d, idx.into());
        }
        Some(v)
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
        // items changed in place no longer follow known indexes
        if let Some(d) = self.domain()
            && self.enum_index().is_some()
        {
            self.enumeration = Some(Arc::new(Enumeration {
                domain: d,
                idx: None,
            }));
        }
        &mut self.data
    }

    /// Items `a..b` (clamped to the vector) sharing this vector's storage
    /// ([`Buf::window`]: no copy, statistics not carried). The window has
    /// no attribute and keeps an enumeration's domain and indexes.
    pub fn window(&self, a: usize, b: usize) -> Vector {
        let b = b.min(self.len());
        let a = a.min(b);
        let data = match &self.data {
            VecData::U8(s) => VecData::U8(s.window(a, b)),
            VecData::I16(s) => VecData::I16(s.window(a, b)),
            VecData::I32(s) => VecData::I32(s.window(a, b)),
            VecData::I64(s) => VecData::I64(s.window(a, b)),
            VecData::F32(s) => VecData::F32(s.window(a, b)),
            VecData::F64(s) => VecData::F64(s.window(a, b)),
            VecData::Guid(s) => VecData::Guid(s.window(a, b)),
            VecData::Sym(s) => VecData::Sym(s.window(a, b)),
        };
        let mut w = Vector::new(self.ty(), data).unwrap_or_else(|| Vector::empty(self.ty()));
        w.set_domain(self.domain());
        if let (Some(d), Some(ix)) = (self.domain(), self.enum_index()) {
            w.set_enum(d, ix.window(a, b));
        }
        w
    }

    /// An enumeration's indexes into its domain, when known (see the
    /// field); `None` for a vector that is no enumeration.
    pub fn enum_index(&self) -> Option<&Buf<i32>> {
        self.enumeration.as_ref().and_then(|e| e.idx.as_ref())
    }

    /// An enumeration's domain; `None` for a vector that is no
    /// enumeration.
    #[inline]
    pub fn domain(&self) -> Option<Sym> {
        self.enumeration.as_ref().map(|e| e.domain)
    }

    /// Makes this vector an enumeration of domain `d` (its items must be
    /// the domain's items), or (`None`) an ordinary vector. Known indexes
    /// are kept only when the domain stays the same.
    pub fn set_domain(&mut self, d: Option<Sym>) {
        let idx = match (&self.enumeration, d) {
            (Some(e), Some(d)) if e.domain == d => e.idx.clone(),
            _ => None,
        };
        self.enumeration = d.map(|domain| Arc::new(Enumeration { domain, idx }));
    }

    /// Makes this vector the enumeration of domain `d` at indexes `idx`
    /// (its items must be the domain's items at those indexes; `idx` has
    /// one index per item, else the indexes are left unknown).
    pub fn set_enum(&mut self, d: Sym, idx: Buf<i32>) {
        let idx = (idx.len() == self.len()).then_some(idx);
        self.enumeration = Some(Arc::new(Enumeration { domain: d, idx }));
    }

    /// Replaces an enumeration's items by `items` (the domain's items at
    /// its indexes, resolved again after the domain changed), keeping its
    /// domain, indexes and attribute. Refused (`false`) when `items` is not
    /// of the same representation and length.
    pub fn set_resolved(&mut self, items: VecData) -> bool {
        let same = std::mem::discriminant(&items) == std::mem::discriminant(&self.data)
            && items.len() == self.len();
        if same {
            self.data = items;
        }
        same
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

fn i32_atom(t: Ty, v: i32) -> Atom {
    match t {
        Ty::Month => Atom::Month(v),
        Ty::Date => Atom::Date(v),
        Ty::Minute => Atom::Minute(v),
        Ty::Second => Atom::Second(v),
        Ty::Time => Atom::Time(v),
        _ => Atom::Int(v),
    }
}

fn i64_atom(t: Ty, v: i64) -> Atom {
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
        self.data.push_atom(a);
    }

    /// The finished vector.
    pub fn finish(self) -> Vector {
        Vector {
            ty: self.ty,
            attr: Attr::None,
            enumeration: None,
            data: self.data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every atom kind lands in the buffer of its width, in place and at
    /// the end; an atom of another width is refused and changes nothing.
    #[test]
    fn atoms_go_to_the_slot_of_their_width() {
        let atoms = [
            Atom::Bool(true),
            Atom::Byte(7),
            Atom::Char(b'x'),
            Atom::Short(-3),
            Atom::Int(5),
            Atom::Date(6),
            Atom::Time(7),
            Atom::Long(8),
            Atom::Timestamp(9),
            Atom::Timespan(10),
            Atom::Real(1.5),
            Atom::Float(2.5),
            Atom::Datetime(3.5),
            Atom::Guid([1; 16]),
            Atom::Symbol(Sym(4)),
        ];
        for a in atoms {
            let t = a.ty();
            let mut d = VecData::empty(t.repr());
            assert!(d.push_atom(a));
            assert!(d.push_atom(a));
            let other = if t.repr() == Repr::I64 {
                Atom::Int(1)
            } else {
                Atom::Long(1)
            };
            assert!(!d.push_atom(other));
            assert!(!d.set_atom(0, other));
            assert!(d.set_atom(1, a));
            let v = Vector::new(t, d).unwrap();
            assert_eq!(v.len(), 2);
            assert_eq!(v.get(0).ty(), t);
            assert_eq!(v.get(1).raw_bits(), a.raw_bits());
        }
        let mut d = VecData::empty(Repr::I32);
        d.extend_atoms([Atom::Int(1), Atom::Long(2), Atom::Month(3)].into_iter(), 3);
        assert_eq!(d.len(), 2);
    }

    /// An enumeration's indexes: kept only with one per item, hidden once
    /// the domain is dropped, cleared by an in-place change of the items,
    /// and not part of equality.
    #[test]
    fn enumeration_indexes() {
        let d = Sym::new("d");
        let mut e = Vector::syms(vec![Sym::new("b"), Sym::new("a")]);
        e.set_enum(d, vec![1, 0, 2].into());
        assert!(e.enum_index().is_none(), "one index per item");
        e.set_enum(d, vec![1, 0].into());
        assert_eq!(e.enum_index().map(|b| b.to_vec()), Some(vec![1, 0]));
        let mut plain = e.clone();
        plain.set_domain(None);
        assert!(plain.enum_index().is_none());
        let mut bare = Vector::syms(vec![Sym::new("b"), Sym::new("a")]);
        bare.set_domain(Some(d));
        assert_eq!(bare, e);
        assert!(!e.set_resolved(VecData::I32(vec![1, 2].into())));
        assert!(e.set_resolved(VecData::Sym(vec![Sym::new("y"), Sym::new("x")].into())));
        assert_eq!(e.get(0), Atom::Symbol(Sym::new("y")));
        assert!(e.enum_index().is_some());
        e.data_mut();
        assert!(e.enum_index().is_none());
    }

    /// An enumeration's items come out as enumerated atoms (index kept or
    /// unknown), its out-of-range item is the enumerated null symbol, and
    /// enumerated atoms of one domain go back into an enumeration; a
    /// symbol, or another domain, among them makes no vector.
    #[test]
    fn enumerated_atoms() {
        let (d, a, b) = (Sym::new("d"), Sym::new("a"), Sym::new("b"));
        let mut e = Vector::syms(vec![b, a]);
        e.set_enum(d, vec![1, 0].into());
        let at0 = e.at(0);
        assert_eq!(
            at0,
            Atom::Enum(EnumAtom {
                domain: d,
                sym: b,
                index: 1
            })
        );
        assert_eq!(at0.ty(), Ty::Symbol);
        assert_eq!(at0.plain(), Atom::Symbol(b));
        assert!(!at0.is_null());
        assert_eq!(e.get(0), Atom::Symbol(b));
        let Atom::Enum(out) = e.at_or_null(5) else {
            panic!("an enumerated null")
        };
        assert_eq!((out.sym, out.index), (Sym::EMPTY, EnumAtom::UNKNOWN));
        assert_eq!(Vector::syms(vec![a]).at(0), Atom::Symbol(a));
        let back = Vector::from_enum_atoms([e.at(1), e.at(0)].into_iter()).expect("one domain");
        assert_eq!(back.domain(), Some(d));
        assert_eq!(back.enum_index().map(|b| b.to_vec()), Some(vec![0, 1]));
        let other = Atom::Enum(EnumAtom {
            domain: Sym::new("d2"),
            sym: a,
            index: 0,
        });
        assert!(Vector::from_enum_atoms([e.at(0), other].into_iter()).is_none());
        assert!(Vector::from_enum_atoms([e.at(0), Atom::Symbol(a)].into_iter()).is_none());
        let unknown = Atom::Enum(EnumAtom {
            domain: d,
            sym: a,
            index: EnumAtom::UNKNOWN,
        });
        let v = Vector::from_enum_atoms([e.at(0), unknown].into_iter()).expect("one domain");
        assert_eq!(v.domain(), Some(d));
        assert!(v.enum_index().is_none());
        let mut data = VecData::empty(Repr::Sym);
        assert!(data.push_atom(unknown));
        assert_eq!(
            Vector::new(Ty::Symbol, data).map(|v| v.get(0)),
            Some(Atom::Symbol(a))
        );
    }
}
