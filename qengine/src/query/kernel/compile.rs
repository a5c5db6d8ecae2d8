//! Parse tree → register program.
//!
//! A program is a list of [`Op`]s over numbered registers. Every register
//! holds one value per selected row of the current chunk (`i64`, `f64` or
//! boolean bytes); scalars never occupy a register, they are immediate
//! operands ([`Opnd`]). The compiler assigns a fresh register per node, so
//! an op never reads the register it writes.
//!
//! Covered (everything else gives `None`, and the interpreter runs):
//! columns of type long/int/date/month/minute/second/time/timestamp/
//! timespan, float, boolean and symbol; constants of those types;
//! `= <> < > <= >=` with q's comparison domains (same type; integers of
//! different widths; floats against integers; tolerant float compare;
//! symbols only `=` and `<>`); `+ - * %` on long and float; `& and | or
//! not` on booleans; `within` a constant pair; `in` a small constant list
//! of the column's type; aggregates `sum count min max avg first last`,
//! `x wavg y` / `x wsum y` of two long/int/float columns; by keys that are
//! plain integer, boolean or symbol columns, or `n xbar c` of an integer or
//! temporal column (the interpreter's `xbar` fast path). A name that is not
//! a column and holds an atom (or, for `in`/`within`, a vector) is read
//! once, when the query is compiled, and used as a constant.

use crate::ops::compare::Cmp;
use crate::state::Interp;
use qcore::Atom;
use qcore::Func;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;

/// Register kinds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RegKind {
    I,
    F,
    B,
}

/// An operand: a register or an immediate.
#[derive(Clone, Copy, Debug)]
pub enum Opnd {
    R(usize),
    I(i64),
    F(f64),
}

/// Arithmetic operators.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// One instruction; `dst` is always a register of the op's result kind.
#[derive(Clone, Debug)]
pub enum Op {
    /// Column chunk (gathered by the selection) into `dst`.
    Load {
        dst: usize,
        col: usize,
    },
    /// Integer register to float (null to NaN).
    I2F {
        dst: usize,
        src: usize,
    },
    Arith {
        dst: usize,
        op: AOp,
        a: Opnd,
        b: Opnd,
        float: bool,
    },
    Cmp {
        dst: usize,
        op: Cmp,
        a: Opnd,
        b: Opnd,
        float: bool,
    },
    /// `Cmp` of a long (`float`: float) column against an immediate, read
    /// straight from the column (no register copy).
    CmpCol {
        dst: usize,
        op: Cmp,
        col: usize,
        b: Opnd,
        float: bool,
        /// For a float compare with a finite constant: the items it holds
        /// for, as `compare::float_bounds` gives them (plain compares).
        bounds: Option<(f64, f64)>,
    },
    And {
        dst: usize,
        a: usize,
        b: usize,
    },
    Or {
        dst: usize,
        a: usize,
        b: usize,
    },
    Not {
        dst: usize,
        a: usize,
    },
    In {
        dst: usize,
        a: usize,
        set: Vec<i64>,
    },
}

impl Op {
    /// The register the op writes.
    pub fn dst(&self) -> usize {
        match self {
            Op::Load { dst, .. }
            | Op::I2F { dst, .. }
            | Op::Arith { dst, .. }
            | Op::Cmp { dst, .. }
            | Op::CmpCol { dst, .. }
            | Op::And { dst, .. }
            | Op::Or { dst, .. }
            | Op::Not { dst, .. }
            | Op::In { dst, .. } => *dst,
        }
    }
}

/// The q-level kind of a compiled value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VK {
    /// Integral, with its q type (register values widened to i64, nulls
    /// `i64::MIN`).
    Int(Ty),
    /// Float (`Ty::Float` only).
    Float,
    Bool,
    /// Symbol ids.
    Sym,
}

/// A column the program reads: its index in the table.
#[derive(Clone, Copy, Debug)]
pub struct ColUse {
    pub idx: usize,
}

/// Aggregates.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AggKind {
    Count,
    SumI,
    SumF,
    AvgI,
    AvgF,
    MinI,
    MaxI,
    MinF,
    MaxF,
    First,
    Last,
    /// `x wavg y` / `x wsum y` over two table columns (`Agg::w`).
    Wavg,
    Wsum,
    /// `var`, `svar`, `dev`, `sdev`, `med` of a long, int or float column
    /// (`Agg::col`): each group's items kept, in row order, for the
    /// interpreter's own kernel at the end.
    Var,
    Svar,
    Dev,
    Sdev,
    Med,
    /// `count distinct c` of a column of integral, temporal, char or
    /// symbol items (`Agg::col`): each group's items kept as keys, counted
    /// at the end with the interpreter's `distinct` engine.
    CountDistinct,
}

impl AggKind {
    /// Whether the aggregate needs all of a group's items at once (the
    /// `var` family and `med`): they are collected, not folded.
    pub fn holistic(self) -> bool {
        matches!(
            self,
            AggKind::Var
                | AggKind::Svar
                | AggKind::Dev
                | AggKind::Sdev
                | AggKind::Med
                | AggKind::CountDistinct
        )
    }
}

#[derive(Clone, Debug)]
pub struct Agg {
    pub kind: AggKind,
    /// Ops computing the value (a range of `Program::ops`) and its register.
    pub ops: (usize, usize),
    pub reg: Option<usize>,
    /// Result type.
    pub ty: Ty,
    /// First/last: the table column gathered at the end.
    pub col: Option<usize>,
    /// Min/max over a 32-bit type (its infinities are the i32 ones).
    pub narrow: bool,
    /// Wavg/wsum: the weight and value columns (table indexes).
    pub w: Option<(usize, usize)>,
}

/// A compiled where clause (and, for selects, the aggregate programs).
#[derive(Clone, Debug, Default)]
pub struct Program {
    pub ops: Vec<Op>,
    pub regs: Vec<RegKind>,
    pub cols: Vec<ColUse>,
    /// Per constraint: ops range and its boolean register.
    pub constraints: Vec<((usize, usize), usize)>,
}

/// A compiled `select`.
#[derive(Clone, Debug)]
pub struct SelectQ {
    pub prog: Program,
    /// By key columns (table indexes) and names; empty: no by.
    pub keys: Vec<usize>,
    /// Per key: `Some(step)` for `step xbar column`.
    pub key_steps: Vec<Option<i64>>,
    pub key_names: Vec<Sym>,
    pub names: Vec<Sym>,
    pub aggs: Vec<Agg>,
}

struct Comp<'t> {
    it: &'t Interp,
    t: &'t Table,
    p: Program,
}

fn builtin_name(v: &Value) -> Option<&'static str> {
    match v {
        Value::Func(Func::Builtin(p)) => Some(p.name),
        _ => None,
    }
}

/// The constraints of `c`, exactly as `crate::query::qsql::narrow` reads them.
pub fn constraints(c: &Value) -> Vec<Value> {
    match c {
        Value::List(l) => l.as_ref().clone(),
        Value::Nil => vec![],
        Value::Vector(v) if v.is_empty() => vec![],
        other => vec![other.clone()],
    }
}

/// A constant vector in a parse tree: itself (not a one-item symbol
/// vector, which names a column), or quoted in a one-item list.
fn const_vec(e: &Value) -> Option<&qcore::Vector> {
    match e {
        Value::Vector(v) if !(v.ty() == Ty::Symbol && v.len() == 1) => Some(v),
        Value::List(l) if l.len() == 1 => match &l[0] {
            Value::Vector(v) => Some(v),
            _ => None,
        },
        _ => None,
    }
}

fn const_atom(a: &Atom) -> Option<(Opnd, VK)> {
    Some(match *a {
        Atom::Bool(b) => (Opnd::I(b as i64), VK::Bool),
        Atom::Long(x) => (Opnd::I(x), VK::Int(Ty::Long)),
        Atom::Timestamp(x) => (Opnd::I(x), VK::Int(Ty::Timestamp)),
        Atom::Timespan(x) => (Opnd::I(x), VK::Int(Ty::Timespan)),
        Atom::Int(x)
        | Atom::Month(x)
        | Atom::Date(x)
        | Atom::Minute(x)
        | Atom::Second(x)
        | Atom::Time(x) => (
            Opnd::I(if x == i32::MIN { i64::MIN } else { x as i64 }),
            VK::Int(a.ty()),
        ),
        Atom::Float(x) => (Opnd::F(x), VK::Float),
        _ => return None,
    })
}

impl<'t> Comp<'t> {
    fn reg(&mut self, k: RegKind) -> usize {
        self.p.regs.push(k);
        self.p.regs.len() - 1
    }

    fn col_index(&self, s: Sym) -> Option<usize> {
        self.t.names.iter().position(|n| *n == s)
    }

    /// The value of a name that is not a column (nor `i`, nor a dotted
    /// field, which the interpreter reads from columns): the global it
    /// resolves to now.
    fn global(&self, s: Sym) -> Option<Value> {
        let n = s.as_str();
        if self.col_index(s).is_some() || n == "i" || n.contains('.') {
            return None;
        }
        crate::query::qsql::global_of(self.it, s)
    }

    /// A constant atom operand: a literal, a quoted symbol, or a name
    /// holding an atom.
    fn konst(&self, e: &Value) -> Option<(Opnd, VK)> {
        match e {
            Value::Atom(Atom::Symbol(s)) => match self.global(*s)? {
                Value::Atom(Atom::Symbol(x)) => Some((Opnd::I(x.0 as i64), VK::Sym)),
                Value::Atom(a) => const_atom(&a),
                _ => None,
            },
            Value::Atom(a) => const_atom(a),
            Value::Vector(v) if v.ty() == Ty::Symbol && v.len() == 1 => match v.get(0) {
                Atom::Symbol(s) => Some((Opnd::I(s.0 as i64), VK::Sym)),
                _ => None,
            },
            Value::List(l) if l.len() == 1 => match &l[0] {
                Value::Atom(Atom::Symbol(s)) => Some((Opnd::I(s.0 as i64), VK::Sym)),
                Value::Atom(a) => const_atom(a),
                _ => None,
            },
            _ => None,
        }
    }

    /// A constant char atom: a literal, quoted, or a name holding one.
    fn konst_char(&self, e: &Value) -> Option<u8> {
        match e {
            Value::Atom(Atom::Char(c)) => Some(*c),
            Value::Atom(Atom::Symbol(s)) => match self.global(*s)? {
                Value::Atom(Atom::Char(c)) => Some(c),
                _ => None,
            },
            Value::List(l) if l.len() == 1 => match &l[0] {
                Value::Atom(Atom::Char(c)) => Some(*c),
                _ => None,
            },
            _ => None,
        }
    }

    /// A constant vector: a literal, or a name holding a vector.
    fn konst_vec(&self, e: &Value) -> Option<(qcore::Vector, bool)> {
        if let Value::Atom(Atom::Symbol(s)) = e {
            return match self.global(*s)? {
                Value::Vector(v) => Some((v, true)),
                _ => None,
            };
        }
        const_vec(e).map(|v| (v.clone(), false))
    }

    fn use_col(&mut self, idx: usize) -> usize {
        if let Some(k) = self.p.cols.iter().position(|c| c.idx == idx) {
            return k;
        }
        self.p.cols.push(ColUse { idx });
        self.p.cols.len() - 1
    }

    fn column(&mut self, s: Sym) -> Option<(Opnd, VK)> {
        let idx = self.col_index(s)?;
        let Value::Vector(v) = &self.t.columns[idx] else {
            return None;
        };
        let ty = v.ty();
        let (vk, rk) = match (v.data(), ty) {
            (VecData::I64(_), _) => (VK::Int(ty), RegKind::I),
            (VecData::I32(_), _) => (VK::Int(ty), RegKind::I),
            (VecData::U8(_), Ty::Bool) => (VK::Bool, RegKind::B),
            (VecData::F64(_), Ty::Float) => (VK::Float, RegKind::F),
            (VecData::Sym(_), _) => (VK::Sym, RegKind::I),
            _ => return None,
        };
        let col = self.use_col(idx);
        let dst = self.reg(rk);
        self.p.ops.push(Op::Load { dst, col });
        Some((Opnd::R(dst), vk))
    }

    /// A value expression.
    fn expr(&mut self, e: &Value) -> Option<(Opnd, VK)> {
        match e {
            Value::Atom(Atom::Symbol(s)) if self.col_index(*s).is_some() => self.column(*s),
            Value::Atom(_) | Value::Vector(_) => self.konst(e),
            Value::List(l) if l.len() == 1 => self.konst(e),
            Value::List(l) if l.len() > 1 => {
                let name = builtin_name(&l[0])?;
                let args = &l[1..];
                match (name, args.len()) {
                    ("=", 2) => self.cmp(Cmp::Eq, &args[0], &args[1]),
                    ("<>", 2) => self.cmp(Cmp::Ne, &args[0], &args[1]),
                    ("<", 2) => self.cmp(Cmp::Lt, &args[0], &args[1]),
                    (">", 2) => self.cmp(Cmp::Gt, &args[0], &args[1]),
                    ("<=", 2) => self.cmp(Cmp::Le, &args[0], &args[1]),
                    (">=", 2) => self.cmp(Cmp::Ge, &args[0], &args[1]),
                    ("+", 2) => self.arith(AOp::Add, &args[0], &args[1]),
                    ("-", 2) => self.arith(AOp::Sub, &args[0], &args[1]),
                    ("*", 2) => self.arith(AOp::Mul, &args[0], &args[1]),
                    ("%", 2) => self.arith(AOp::Div, &args[0], &args[1]),
                    ("&" | "and", 2) => self.logic(true, &args[0], &args[1]),
                    ("|" | "or", 2) => self.logic(false, &args[0], &args[1]),
                    ("not", 1) => {
                        let (a, k) = self.expr(&args[0])?;
                        let (Opnd::R(a), VK::Bool) = (a, k) else {
                            return None;
                        };
                        let dst = self.reg(RegKind::B);
                        self.p.ops.push(Op::Not { dst, a });
                        Some((Opnd::R(dst), VK::Bool))
                    }
                    ("within", 2) => self.within(&args[0], &args[1]),
                    ("in", 2) => self.in_(&args[0], &args[1]),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn float_of(&mut self, o: Opnd, k: VK) -> Option<Opnd> {
        match (o, k) {
            (_, VK::Float) => Some(o),
            (Opnd::I(x), VK::Int(_)) => {
                Some(Opnd::F(if x == i64::MIN { f64::NAN } else { x as f64 }))
            }
            (Opnd::R(r), VK::Int(_)) => {
                let dst = self.reg(RegKind::F);
                self.p.ops.push(Op::I2F { dst, src: r });
                Some(Opnd::R(dst))
            }
            _ => None,
        }
    }

    fn cmp_opnds(&mut self, op: Cmp, a: (Opnd, VK), b: (Opnd, VK)) -> Option<(Opnd, VK)> {
        let ((oa, ka), (ob, kb)) = (a, b);
        if !matches!(oa, Opnd::R(_)) && !matches!(ob, Opnd::R(_)) {
            return None;
        }
        let ty = |k: VK| match k {
            VK::Int(t) => Some(t),
            VK::Float => Some(Ty::Float),
            VK::Bool => Some(Ty::Bool),
            VK::Sym => None,
        };
        let float = match (ka, kb) {
            (VK::Sym, VK::Sym) => {
                if !matches!(op, Cmp::Eq | Cmp::Ne) {
                    return None;
                }
                false
            }
            (VK::Sym, _) | (_, VK::Sym) => return None,
            _ => {
                let (ta, tb) = (ty(ka)?, ty(kb)?);
                if ta == tb {
                    ta == Ty::Float
                } else if ta.is_temporal() || tb.is_temporal() {
                    return None;
                } else {
                    ta == Ty::Float || tb == Ty::Float
                }
            }
        };
        let (oa, ob) = if float {
            (self.float_of(oa, ka)?, self.float_of(ob, kb)?)
        } else {
            (oa, ob)
        };
        let dst = self.reg(RegKind::B);
        self.p.ops.push(Op::Cmp {
            dst,
            op,
            a: oa,
            b: ob,
            float,
        });
        Some((Opnd::R(dst), VK::Bool))
    }

    fn cmp(&mut self, op: Cmp, x: &Value, y: &Value) -> Option<(Opnd, VK)> {
        if let Value::Atom(Atom::Symbol(c)) = x
            && let Some(r) = self.cmp_col(op, *c, y)
        {
            return Some(r);
        }
        let a = self.expr(x)?;
        let b = self.expr(y)?;
        self.cmp_opnds(op, a, b)
    }

    /// `column op constant` for a long or float column: fused.
    fn cmp_col(&mut self, op: Cmp, c: Sym, y: &Value) -> Option<(Opnd, VK)> {
        let idx = self.col_index(c)?;
        let Value::Vector(v) = &self.t.columns[idx] else {
            return None;
        };
        // a char column against a char: the bytes' order (q's for chars;
        // the null char is the blank, an ordinary byte here)
        if let (VecData::U8(_), Ty::Char) = (v.data(), v.ty()) {
            let y = self.konst_char(y)?;
            let col = self.use_col(idx);
            let dst = self.reg(RegKind::B);
            self.p.ops.push(Op::CmpCol {
                dst,
                op,
                col,
                b: Opnd::I(y as i64),
                float: false,
                bounds: None,
            });
            return Some((Opnd::R(dst), VK::Bool));
        }
        let (b, kb) = self.konst(y)?;
        let (b, float) = match (v.data(), v.ty(), b, kb) {
            (VecData::Sym(_), _, Opnd::I(_), VK::Sym) if matches!(op, Cmp::Eq | Cmp::Ne) => {
                (b, false)
            }
            (VecData::I64(_), Ty::Long, Opnd::I(_), VK::Int(Ty::Long | Ty::Int) | VK::Bool) => {
                (b, false)
            }
            (VecData::I64(_), t, Opnd::I(_), VK::Int(u)) if t == u => (b, false),
            (VecData::F64(_), Ty::Float, Opnd::F(_), VK::Float) => (b, true),
            (VecData::F64(_), Ty::Float, Opnd::I(_), VK::Int(Ty::Long | Ty::Int)) => {
                (self.float_of(b, kb)?, true)
            }
            _ => return None,
        };
        let col = self.use_col(idx);
        let dst = self.reg(RegKind::B);
        let bounds = match b {
            Opnd::F(y) => crate::ops::compare::float_bounds(op, y),
            _ => None,
        };
        self.p.ops.push(Op::CmpCol {
            dst,
            op,
            col,
            b,
            float,
            bounds,
        });
        Some((Opnd::R(dst), VK::Bool))
    }

    fn arith(&mut self, op: AOp, x: &Value, y: &Value) -> Option<(Opnd, VK)> {
        let (oa, ka) = self.expr(x)?;
        let (ob, kb) = self.expr(y)?;
        if !matches!(oa, Opnd::R(_)) && !matches!(ob, Opnd::R(_)) {
            return None;
        }
        let ok = |k: VK| matches!(k, VK::Int(Ty::Long) | VK::Float);
        if !ok(ka) || !ok(kb) {
            return None;
        }
        let float = op == AOp::Div || ka == VK::Float || kb == VK::Float;
        let (oa, ob) = if float {
            (self.float_of(oa, ka)?, self.float_of(ob, kb)?)
        } else {
            (oa, ob)
        };
        let dst = self.reg(if float { RegKind::F } else { RegKind::I });
        self.p.ops.push(Op::Arith {
            dst,
            op,
            a: oa,
            b: ob,
            float,
        });
        Some((
            Opnd::R(dst),
            if float { VK::Float } else { VK::Int(Ty::Long) },
        ))
    }

    fn logic(&mut self, and: bool, x: &Value, y: &Value) -> Option<(Opnd, VK)> {
        let (oa, ka) = self.expr(x)?;
        let (ob, kb) = self.expr(y)?;
        let (Opnd::R(a), VK::Bool, Opnd::R(b), VK::Bool) = (oa, ka, ob, kb) else {
            return None;
        };
        let dst = self.reg(RegKind::B);
        self.p.ops.push(if and {
            Op::And { dst, a, b }
        } else {
            Op::Or { dst, a, b }
        });
        Some((Opnd::R(dst), VK::Bool))
    }

    fn within(&mut self, x: &Value, y: &Value) -> Option<(Opnd, VK)> {
        // a constant pair (typed vector of two, or a list of two atoms)
        let (lo, hi) = match self.konst_vec(y) {
            Some((v, _)) if v.len() == 2 && v.ty() != Ty::Symbol => (v.get(0), v.get(1)),
            _ => return None,
        };
        let a = self.expr(x)?;
        if !matches!(a.0, Opnd::R(_)) {
            return None;
        }
        let lo = const_atom(&lo)?;
        let hi = const_atom(&hi)?;
        let (Opnd::R(p), _) = self.cmp_opnds(Cmp::Ge, a, lo)? else {
            return None;
        };
        let (Opnd::R(q), _) = self.cmp_opnds(Cmp::Le, a, hi)? else {
            return None;
        };
        let dst = self.reg(RegKind::B);
        self.p.ops.push(Op::And { dst, a: p, b: q });
        Some((Opnd::R(dst), VK::Bool))
    }

    fn in_(&mut self, x: &Value, y: &Value) -> Option<(Opnd, VK)> {
        let (v, global) = self.konst_vec(y)?;
        // a literal one-item symbol vector names a column; a global's
        // vector of any length is a set
        if (v.len() < 2 && !global) || v.len() > 64 {
            return None;
        }
        let (a, k) = self.expr(x)?;
        let Opnd::R(a) = a else { return None };
        let set: Vec<i64> = match (k, v.data()) {
            (VK::Sym, VecData::Sym(b)) => b.iter().map(|s| s.0 as i64).collect(),
            (VK::Int(t), VecData::I64(b)) if t == v.ty() => b.to_vec(),
            (VK::Int(t), VecData::I32(b)) if t == v.ty() => b
                .iter()
                .map(|&x| if x == i32::MIN { i64::MIN } else { x as i64 })
                .collect(),
            _ => return None,
        };
        let dst = self.reg(RegKind::B);
        self.p.ops.push(Op::In { dst, a, set });
        Some((Opnd::R(dst), VK::Bool))
    }

    fn where_(&mut self, cs: &[Value]) -> Option<()> {
        for c in cs {
            let start = self.p.ops.len();
            let (o, k) = self.expr(c)?;
            let (Opnd::R(r), VK::Bool) = (o, k) else {
                return None;
            };
            self.p.constraints.push(((start, self.p.ops.len()), r));
        }
        Some(())
    }

    fn agg(&mut self, e: &Value) -> Option<Agg> {
        let Value::List(l) = e else { return None };
        if l.len() == 3 {
            return self.wagg(l);
        }
        if l.len() != 2 {
            return None;
        }
        let name = builtin_name(&l[0])?;
        let arg = &l[1];
        let plain_col = |c: &Comp| match arg {
            Value::Atom(Atom::Symbol(s)) => c.col_index(*s),
            _ => None,
        };
        let mk = |kind, ops, reg, ty, col, narrow| Agg {
            kind,
            ops,
            reg,
            ty,
            col,
            narrow,
            w: None,
        };
        match name {
            "count" => {
                if let Value::List(d) = arg
                    && let [f, Value::Atom(Atom::Symbol(s))] = &d[..]
                    && builtin_name(f) == Some("distinct")
                {
                    // items compared as keys: not floats, whose `distinct`
                    // is not a compare of bits
                    let idx = self.col_index(*s)?;
                    let Value::Vector(v) = &self.t.columns[idx] else {
                        return None;
                    };
                    return match crate::ops::dense::Col::of_vec(v)? {
                        crate::ops::dense::Col::F64(_) => None,
                        _ => Some(mk(
                            AggKind::CountDistinct,
                            (0, 0),
                            None,
                            Ty::Long,
                            Some(idx),
                            false,
                        )),
                    };
                }
                let ok = match arg {
                    Value::Atom(Atom::Symbol(s)) => {
                        self.col_index(*s).is_some() || s.as_str() == "i"
                    }
                    _ => false,
                };
                ok.then(|| mk(AggKind::Count, (0, 0), None, Ty::Long, None, false))
            }
            "first" | "last" => {
                let idx = plain_col(self)?;
                if !matches!(self.t.columns[idx], Value::Vector(_)) {
                    return None;
                }
                let kind = if name == "first" {
                    AggKind::First
                } else {
                    AggKind::Last
                };
                let ty = Ty::Long; // unused: the column is gathered
                Some(mk(kind, (0, 0), None, ty, Some(idx), false))
            }
            "var" | "svar" | "dev" | "sdev" | "med" => {
                // a plain column, read in place and converted as `f64s`
                // converts it (int infinities included)
                let idx = plain_col(self)?;
                let Value::Vector(v) = &self.t.columns[idx] else {
                    return None;
                };
                if !matches!(
                    (v.data(), v.ty()),
                    (VecData::I64(_), Ty::Long)
                        | (VecData::I32(_), Ty::Int)
                        | (VecData::F64(_), Ty::Float)
                ) {
                    return None;
                }
                let kind = match name {
                    "var" => AggKind::Var,
                    "svar" => AggKind::Svar,
                    "dev" => AggKind::Dev,
                    "sdev" => AggKind::Sdev,
                    _ => AggKind::Med,
                };
                Some(mk(kind, (0, 0), None, Ty::Float, Some(idx), false))
            }
            "sum" | "avg" | "min" | "max" => {
                let start = self.p.ops.len();
                let (o, k) = self.expr(arg)?;
                let Opnd::R(r) = o else { return None };
                let ops = (start, self.p.ops.len());
                let (kind, ty, narrow) = match (name, k) {
                    ("sum", VK::Int(Ty::Long)) => (AggKind::SumI, Ty::Long, false),
                    ("sum", VK::Int(Ty::Int)) => (AggKind::SumI, Ty::Int, true),
                    ("sum", VK::Float) => (AggKind::SumF, Ty::Float, false),
                    ("avg", VK::Int(Ty::Long | Ty::Int)) => (AggKind::AvgI, Ty::Float, false),
                    ("avg", VK::Float) => (AggKind::AvgF, Ty::Float, false),
                    ("min" | "max", VK::Float) => (
                        if name == "min" {
                            AggKind::MinF
                        } else {
                            AggKind::MaxF
                        },
                        Ty::Float,
                        false,
                    ),
                    ("min" | "max", VK::Int(t)) if t != Ty::Bool => {
                        let narrow = match t {
                            Ty::Long | Ty::Timestamp | Ty::Timespan => false,
                            Ty::Int | Ty::Month | Ty::Date | Ty::Minute | Ty::Second | Ty::Time => {
                                true
                            }
                            _ => return None,
                        };
                        (
                            if name == "min" {
                                AggKind::MinI
                            } else {
                                AggKind::MaxI
                            },
                            t,
                            narrow,
                        )
                    }
                    _ => return None,
                };
                Some(mk(kind, ops, Some(r), ty, None, narrow))
            }
            _ => None,
        }
    }
}

impl Comp<'_> {
    /// `x wavg y` / `x wsum y` of two long, int or float columns: both
    /// read straight from the columns, so each item converts to float
    /// exactly as the interpreter's (`i64_to_f64`, infinities included).
    fn wagg(&mut self, l: &[Value]) -> Option<Agg> {
        let kind = match builtin_name(&l[0])? {
            "wavg" => AggKind::Wavg,
            "wsum" => AggKind::Wsum,
            _ => return None,
        };
        let num = |c: &Comp, e: &Value| -> Option<usize> {
            let Value::Atom(Atom::Symbol(s)) = e else {
                return None;
            };
            let idx = c.col_index(*s)?;
            let Value::Vector(v) = &c.t.columns[idx] else {
                return None;
            };
            match (v.data(), v.ty()) {
                (VecData::I64(_), Ty::Long)
                | (VecData::I32(_), Ty::Int)
                | (VecData::F64(_), Ty::Float) => Some(idx),
                _ => None,
            }
        };
        let x = num(self, &l[1])?;
        let y = num(self, &l[2])?;
        Some(Agg {
            kind,
            ops: (0, 0),
            reg: None,
            ty: Ty::Float,
            col: None,
            narrow: false,
            w: Some((x, y)),
        })
    }

    /// A by key: a plain integer, boolean or symbol column, or `step xbar
    /// column` where the interpreter's `xbar` takes its one-pass path
    /// (`crate::ops::divmod::xbar_fast`: positive step; the column keeps its type).
    fn key(&self, e: &Value) -> Option<(usize, Option<i64>)> {
        if let Value::List(l) = e
            && l.len() == 3
            && builtin_name(&l[0]) == Some("xbar")
        {
            let (Opnd::I(step), VK::Int(xt)) = self.konst(&l[1])? else {
                return None;
            };
            let Value::Atom(Atom::Symbol(s)) = &l[2] else {
                return None;
            };
            let idx = self.col_index(*s)?;
            let Value::Vector(v) = &self.t.columns[idx] else {
                return None;
            };
            let xlong = match xt {
                Ty::Long | Ty::Timespan => true,
                Ty::Int => false,
                _ => return None,
            };
            if step <= 0 || step == i32::MAX as i64 || step == i64::MAX {
                return None;
            }
            let keeps = match v.ty() {
                Ty::Timestamp | Ty::Timespan | Ty::Long => true,
                Ty::Month | Ty::Date | Ty::Minute | Ty::Second | Ty::Time => true,
                Ty::Int => !xlong,
                _ => false,
            };
            let ok = match v.data() {
                VecData::I64(_) => true,
                VecData::I32(_) => step <= i32::MAX as i64,
                _ => false,
            };
            return (keeps && ok).then_some((idx, Some(step)));
        }
        let Value::Atom(Atom::Symbol(s)) = e else {
            return None;
        };
        let idx = self.col_index(*s)?;
        let Value::Vector(v) = &self.t.columns[idx] else {
            return None;
        };
        match (v.data(), v.ty()) {
            (VecData::I64(_) | VecData::I32(_) | VecData::Sym(_), _) => Some((idx, None)),
            // booleans, bytes and chars (a venue code): dense ids by byte
            (VecData::U8(_), Ty::Bool | Ty::Byte | Ty::Char) => Some((idx, None)),
            _ => None,
        }
    }
}

/// Whether the by key `e` compiles as it is over `t` (a plain column or
/// `step xbar column`), so it needs no evaluating first.
pub fn plain_key(it: &Interp, t: &Table, e: &Value) -> bool {
    let c = Comp {
        it,
        t,
        p: Program::default(),
    };
    c.key(e).is_some()
}

/// Compiles the constraints of a where clause.
pub fn compile_where(it: &Interp, t: &Table, cs: &[Value]) -> Option<Program> {
    let mut c = Comp {
        it,
        t,
        p: Program::default(),
    };
    c.where_(cs)?;
    Some(c.p)
}

fn syms(v: &Value) -> Option<Vec<Sym>> {
    match v {
        Value::Vector(x) => x.as_sym().map(|s| s.to_vec()),
        _ => None,
    }
}

/// Compiles `?[t;c;b;a]` with `b` `0b` or a by dictionary of column names
/// and `a` a dictionary of aggregates.
pub fn compile_select(it: &Interp, t: &Table, c: &Value, b: &Value, a: &Value) -> Option<SelectQ> {
    let Value::Dict(ad) = a else { return None };
    let names = syms(&ad.keys)?;
    let exprs = ad.values.items();
    if names.is_empty() || names.len() != exprs.len() {
        return None;
    }
    let mut comp = Comp {
        it,
        t,
        p: Program::default(),
    };
    let (keys, key_steps, key_names) = match b {
        Value::Atom(Atom::Bool(false)) => (vec![], vec![], vec![]),
        Value::Dict(bd) => {
            let kn = syms(&bd.keys)?;
            let kt = bd.values.items();
            if kn.is_empty() || kn.len() != kt.len() || kn.len() > 4 {
                return None;
            }
            let mut keys = Vec::with_capacity(kt.len());
            let mut steps = Vec::with_capacity(kt.len());
            for e in &kt {
                let (idx, step) = comp.key(e)?;
                keys.push(idx);
                steps.push(step);
            }
            (keys, steps, kn)
        }
        _ => return None,
    };
    comp.where_(&constraints(c))?;
    let mut aggs = Vec::with_capacity(exprs.len());
    for e in &exprs {
        aggs.push(comp.agg(e)?);
    }
    Some(SelectQ {
        prog: comp.p,
        keys,
        key_steps,
        key_names,
        names,
        aggs,
    })
}
