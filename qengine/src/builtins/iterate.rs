//! The iterators: `'` (each, and case `i'[a;b]`), `/` (over: reduce,
//! converge, repeat `n f/x`, while `c f/x`), `\` (scan, the same forms
//! keeping every step), `':` (each-prior), `/:` (each-right), `\:`
//! (each-left), and the keywords `each over scan prior peach` (`peach`
//! splits its items over the secondary threads `\s` allows, each running
//! a copy of the interpreter that cannot update globals).
//!
//! An iterator applied to a function gives a `Derived` value; [`apply_derived`]
//! runs it and [`derived_valence`] tells projection how many arguments it
//! takes. The `iter_*` functions build derived values from parse trees
//! (`(/;+)`). Results are collected as q does: uniform atoms collapse to a
//! vector ([`collect`]); an empty unseeded reduce gives the operator's
//! identity where q has one ([`empty_reduce`]: `+/` gives `0`, `*/`
//! gives `1`). Converge stops after [`CONVERGE_LIMIT`] steps; converge,
//! repeat and while tick the interpreter (`Interp::tick`) so Ctrl-C and
//! `\T` stop them.

use crate::builtins::apply::apply;
use crate::builtins::apply::apply1;
use crate::builtins::apply::apply2;
use crate::builtins::apply::valence;
use crate::ops::compare::values_match;
use crate::registry;
use crate::state::Interp;
use qcore::Atom;
use qcore::Derived;
use qcore::Dict;
use qcore::Func;
use qcore::QError;
use qcore::QResult;
use qcore::Ty;
use qcore::Value;
use qcore::VecData;
use qparser::Adverb;
use std::sync::Arc;

// ---------------------------------------------------------------------------
// Iterators as values (`(/;+)` in a parse tree)

pub(crate) fn derive_with(a: Adverb, f: Value) -> QResult<Value> {
    Ok(Value::derived(a, f))
}

pub fn iter_each(f: Value) -> QResult<Value> {
    derive_with(Adverb::Each, f)
}

/// `'[f;g]` as a function of two arguments (`'[;]`, `('[;])/fs`): the
/// composition of `f` after `g`.
pub fn compose2(f: Value, g: Value) -> QResult<Value> {
    Ok(Value::Func(qcore::Func::Composition(Arc::new(vec![f, g]))))
}

pub fn iter_over(f: Value) -> QResult<Value> {
    derive_with(Adverb::Over, f)
}

pub fn iter_scan(f: Value) -> QResult<Value> {
    derive_with(Adverb::Scan, f)
}

pub fn iter_prior(f: Value) -> QResult<Value> {
    derive_with(Adverb::Prior, f)
}

pub fn iter_each_right(f: Value) -> QResult<Value> {
    derive_with(Adverb::EachRight, f)
}

pub fn iter_each_left(f: Value) -> QResult<Value> {
    derive_with(Adverb::EachLeft, f)
}

/// Upper bound on converge iterations without a fixed point, so a
/// non-converging `f/` cannot hang the process silently forever.
pub(crate) const CONVERGE_LIMIT: usize = 100_000_000;

/// Valence of a derived function (for projection decisions).
pub fn derived_valence(d: &Derived) -> usize {
    match d.adverb {
        Adverb::Each => valence(&d.operand).max(1),
        Adverb::Over | Adverb::Scan => valence(&d.operand).max(1),
        Adverb::Prior | Adverb::EachRight | Adverb::EachLeft => 2,
    }
}

/// Applies a derived function to its arguments.
pub fn apply_derived(it: &mut Interp, d: &Derived, args: Vec<Value>) -> QResult<Value> {
    let f = &d.operand;
    match d.adverb {
        Adverb::Each => each(it, f, args),
        Adverb::Over => over_scan(it, f, args, false),
        Adverb::Scan => over_scan(it, f, args, true),
        Adverb::Prior => prior(it, f, args),
        // `x/:y` and `x\:y` with data for `x` are sv and vs: `(", "/:)s`
        Adverb::EachRight if args.len() == 1 && !matches!(f, Value::Func(_)) => {
            crate::builtins::list::svvs::sv(
                f.clone(),
                args.into_iter().next().unwrap_or(Value::Nil),
            )
        }
        Adverb::EachLeft if args.len() == 1 && !matches!(f, Value::Func(_)) => {
            let y = args.into_iter().next().unwrap_or(Value::Nil);
            crate::builtins::list::svvs::vs(it, f.clone(), y)
        }
        Adverb::EachRight => {
            let [x, y] = two(args)?;
            if !y.is_list() && !matches!(y, Value::Dict(_) | Value::Table(_)) {
                return apply2(it, f, x, y);
            }
            map_items(it, &y, &mut |it, yi| apply2(it, f, x.clone(), yi))
        }
        Adverb::EachLeft => {
            let [x, y] = two(args)?;
            if !x.is_list() && !matches!(x, Value::Dict(_) | Value::Table(_)) {
                return apply2(it, f, x, y);
            }
            map_items(it, &x, &mut |it, xi| apply2(it, f, xi, y.clone()))
        }
    }
}

pub(crate) fn two(args: Vec<Value>) -> QResult<[Value; 2]> {
    <[Value; 2]>::try_from(args).map_err(|_| QError::rank())
}

/// Maps `g` over the items of `x`, keeping a dictionary's keys.
/// Generic in `g` so that the per-item call is inlined into the loop (an
/// `each` of a small lambda is mostly calls).
pub(crate) fn map_items<G: FnMut(&mut Interp, Value) -> QResult<Value>>(
    it: &mut Interp,
    x: &Value,
    g: &mut G,
) -> QResult<Value> {
    match x {
        Value::Dict(d) => {
            let vals = map_items(it, &d.values, g)?;
            Ok(Value::Dict(Arc::new(Dict {
                keys: d.keys.clone(),
                values: vals,
                sorted: d.sorted,
            })))
        }
        Value::Atom(_) | Value::Nil | Value::Func(_) => g(it, x.clone()),
        // Items are made one at a time, not as a list of all of them first.
        Value::Vector(v) => {
            let mut out = Results::with_capacity(v.len());
            // longs and floats read straight from their buffer: `at`
            // dispatches on the type and the domain for every item
            match (v.ty(), v.data()) {
                (Ty::Long, VecData::I64(b)) => {
                    for &x in b.iter() {
                        out.push(g(it, Value::Atom(Atom::Long(x)))?);
                    }
                }
                (Ty::Float, VecData::F64(b)) => {
                    for &x in b.iter() {
                        out.push(g(it, Value::Atom(Atom::Float(x)))?);
                    }
                }
                _ => {
                    for i in 0..v.len() {
                        // (an enumeration's items are enumerated atoms)
                        out.push(g(it, Value::Atom(v.at(i)))?);
                    }
                }
            }
            Ok(out.finish())
        }
        Value::List(l) => {
            let mut out = Results::with_capacity(l.len());
            for i in l.iter() {
                out.push(g(it, i.clone())?);
            }
            Ok(out.finish())
        }
        _ => {
            let items = x.items_of_list()?;
            let mut out = Results::with_capacity(items.len());
            for i in items {
                out.push(g(it, i)?);
            }
            Ok(out.finish())
        }
    }
}

/// An iteration's results as they arrive: while they are long (or float)
/// atoms they go straight into a vector of that type, without a list of
/// atoms to collapse at the end; anything else turns them into a list.
enum Results {
    Longs(Vec<i64>),
    Floats(Vec<f64>),
    Items(Vec<Value>),
}

impl Results {
    fn with_capacity(n: usize) -> Results {
        Results::Items(Vec::with_capacity(n))
    }

    #[inline]
    fn push(&mut self, v: Value) {
        // the steady state first: one more atom of the vector's type
        match (&mut *self, &v) {
            (Results::Longs(o), Value::Atom(Atom::Long(x))) => o.push(*x),
            (Results::Floats(o), Value::Atom(Atom::Float(x))) => o.push(*x),
            _ => return self.push_other(v),
        }
        v.discard();
    }

    /// [`Results::push`] of anything but one more atom of the vector's type.
    fn push_other(&mut self, v: Value) {
        match (&mut *self, v) {
            (Results::Items(o), Value::Atom(Atom::Long(x))) if o.is_empty() => {
                let mut l = Vec::with_capacity(o.capacity());
                l.push(x);
                *self = Results::Longs(l);
            }
            (Results::Items(o), Value::Atom(Atom::Float(x))) if o.is_empty() => {
                let mut l = Vec::with_capacity(o.capacity());
                l.push(x);
                *self = Results::Floats(l);
            }
            (Results::Items(o), v) => o.push(v),
            (typed, v) => {
                let mut items = typed.take_items();
                items.push(v);
                *self = Results::Items(items);
            }
        }
    }

    /// The results so far as a list of atoms.
    fn take_items(&mut self) -> Vec<Value> {
        match std::mem::replace(self, Results::Items(Vec::new())) {
            Results::Longs(o) => o.into_iter().map(Value::long).collect(),
            Results::Floats(o) => o.into_iter().map(|x| Value::Atom(Atom::Float(x))).collect(),
            Results::Items(o) => o,
        }
    }

    fn finish(self) -> Value {
        match self {
            Results::Longs(o) => Value::Vector(qcore::Vector::longs(o)),
            Results::Floats(o) => Value::Vector(qcore::Vector::floats(o)),
            Results::Items(o) => collect(o),
        }
    }
}

/// Results of an iteration: uniform atoms collapse to a vector, a list of
/// conforming dictionaries becomes a table.
pub(crate) fn collect(out: Vec<Value>) -> Value {
    Value::from_items(out)
}

pub(crate) fn each(it: &mut Interp, f: &Value, args: Vec<Value>) -> QResult<Value> {
    if let Value::Vector(v) = f
        && v.ty().is_integral()
    {
        return case(v, args);
    }
    match args.len() {
        0 => Err(QError::rank()),
        1 => {
            let x = args.into_iter().next().unwrap_or(Value::Nil);
            map_items(it, &x, &mut |it, xi| apply1(it, f, xi))
        }
        _ => {
            // each-both / each-n: lists must have equal counts, atoms extend
            let mut n: Option<usize> = None;
            for a in &args {
                if a.is_list() || matches!(a, Value::Table(_)) {
                    let c = a.count();
                    match n {
                        Some(m) if m != c => return Err(QError::length()),
                        _ => n = Some(c),
                    }
                }
            }
            let Some(n) = n else {
                return apply(it, f, args);
            };
            let cols: Vec<Option<Vec<Value>>> = args
                .iter()
                .map(|a| {
                    if a.is_list() || matches!(a, Value::Table(_)) {
                        a.items_of_list().ok()
                    } else {
                        None
                    }
                })
                .collect();
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let call: Vec<Value> = args
                    .iter()
                    .zip(&cols)
                    .map(|(a, c)| match c {
                        Some(items) => items[i].clone(),
                        None => a.clone(),
                    })
                    .collect();
                out.push(apply(it, f, call)?);
            }
            Ok(collect(out))
        }
    }
}

/// Case `i'[a;b;...]`: item k of the result is item k of argument `i k`
/// (atoms repeat).
pub(crate) fn case(sel: &qcore::Vector, args: Vec<Value>) -> QResult<Value> {
    let idx = crate::ops::index::int_indices(sel)?;
    let n = idx.len();
    // dictionaries take part by their values, all keyed alike
    let mut keys: Option<Value> = None;
    let mut args = args;
    for a in args.iter_mut() {
        if let Value::Dict(d) = a {
            if d.values.count() != n {
                return Err(QError::length());
            }
            match &keys {
                Some(k) if !crate::ops::compare::values_match(k, &d.keys) => {
                    return Err(QError::domain());
                }
                Some(_) => {}
                None => keys = Some(d.keys.clone()),
            }
            let v = d.values.clone();
            *a = v;
        }
    }
    for a in &args {
        if a.is_list() && a.count() != n {
            return Err(QError::length());
        }
    }
    let mut out = Vec::with_capacity(n);
    for (k, &j) in idx.iter().enumerate() {
        let a = usize::try_from(j)
            .ok()
            .and_then(|j| args.get(j))
            .ok_or_else(QError::index)?;
        out.push(if a.is_list() {
            a.item(k).unwrap_or(Value::Nil)
        } else {
            a.clone()
        });
    }
    Ok(Value::from_items(out))
}

/// The builtin index of `f`, if it is a plain builtin.
pub(crate) fn builtin_name(f: &Value) -> Option<&'static str> {
    if let Value::Func(Func::Builtin(p)) = f {
        Some(p.name)
    } else {
        None
    }
}

pub(crate) fn over_scan(
    it: &mut Interp,
    f: &Value,
    args: Vec<Value>,
    scan: bool,
) -> QResult<Value> {
    let fval = match f {
        // A list of lists is a binary map (a finite-state machine `m[x;y]`);
        // so is a list of functions and lists applied with a seed
        // (`1 m/x` with `m:({0};{2*x="x"};…)`: `m[s;c]` is `m[s] c`).
        Value::List(l) if !l.is_empty() && l.iter().all(|i| i.is_list()) => 2,
        Value::List(l)
            if args.len() == 2
                && !l.is_empty()
                && l.iter().all(|i| i.is_list() || matches!(i, Value::Func(_))) =>
        {
            2
        }
        // A derived Over/Scan function (`,/`) is variadic: applied to one
        // argument it is a unary, so `(,/)over x` converges.
        Value::Func(Func::Derived(d))
            if args.len() == 1 && matches!(d.adverb, Adverb::Over | Adverb::Scan) =>
        {
            1
        }
        _ => valence(f),
    };
    match (fval, args.len()) {
        (1, 1) => converge(it, f, args.into_iter().next().unwrap_or(Value::Nil), scan),
        (1, 2) => {
            let [n, x] = two(args)?;
            match n {
                Value::Atom(a) if a.ty().is_integral() => {
                    let k = a.to_i64().unwrap_or(0);
                    if k < 0 {
                        return Err(QError::domain());
                    }
                    repeat(it, f, k as usize, x, scan)
                }
                Value::Func(_) => while_(it, &n, f, x, scan),
                _ => Err(QError::type_()),
            }
        }
        (_, 1) => {
            let x = args.into_iter().next().unwrap_or(Value::Nil);
            reduce(it, f, None, x, scan)
        }
        (_, 2) => {
            let [seed, x] = two(args)?;
            reduce(it, f, Some(seed), x, scan)
        }
        (_, _) => {
            // f/[x;y;z]: fold over several lists in step
            let mut a = args.into_iter();
            let mut acc = a.next().unwrap_or(Value::Nil);
            let lists: Vec<Value> = a.collect();
            let mut n: Option<usize> = None;
            for l in &lists {
                if l.is_list() {
                    let c = l.count();
                    match n {
                        Some(m) if m != c => return Err(QError::length()),
                        _ => n = Some(c),
                    }
                }
            }
            let n = n.unwrap_or(1);
            let mut out = Vec::new();
            for i in 0..n {
                let mut call = vec![acc.clone()];
                for l in &lists {
                    call.push(if l.is_list() {
                        l.item(i).unwrap_or(Value::Nil)
                    } else {
                        l.clone()
                    });
                }
                acc = apply(it, f, call)?;
                if scan {
                    out.push(acc.clone());
                }
            }
            Ok(if scan { collect(out) } else { acc })
        }
    }
}

pub(crate) fn reduce(
    it: &mut Interp,
    f: &Value,
    seed: Option<Value>,
    x: Value,
    scan: bool,
) -> QResult<Value> {
    // Fast paths for the aggregates.
    if seed.is_none() && matches!(x, Value::Vector(_)) {
        let fast = match f {
            Value::Func(Func::Builtin(p)) => {
                let row = crate::registry::get(p.id);
                if scan { row.scan } else { row.over }
            }
            _ => None,
        };
        if let Some(g) = fast {
            match g.call(it, x.clone()) {
                Err(e) if e.name == "nyi" => {}
                r => return r,
            }
        }
    }
    if let Value::Dict(d) = &x {
        let r = reduce(it, f, seed, d.values.clone(), scan)?;
        if scan {
            return Ok(Value::Dict(Arc::new(Dict {
                keys: d.keys.clone(),
                values: r,
                sorted: d.sorted,
            })));
        }
        return Ok(r);
    }
    let items = match &x {
        Value::Atom(_) | Value::Nil | Value::Func(_) => vec![x.clone()],
        _ => x.items_of_list()?,
    };
    if items.is_empty() {
        // The value is not evaluated on an empty list.
        return Ok(match seed {
            Some(s) if !scan => s,
            Some(_) => Value::list(vec![]),
            None => empty_reduce(f, &x, scan),
        });
    }
    // Join's identity `()` is the seed of an unseeded `,/` and `,\`.
    let seed = match seed {
        None if builtin_name(f) == Some(",") => Some(Value::list(vec![])),
        s => s,
    };
    let mut iter = items.into_iter();
    let mut out = Vec::new();
    let mut acc = match seed {
        Some(s) => s,
        None => match iter.next() {
            Some(first) => {
                // an unseeded scan starts with the first item itself
                if scan {
                    out.push(first.clone());
                }
                first
            }
            None => return Ok(empty_reduce(f, &x, scan)),
        },
    };
    for item in iter {
        acc = apply2(it, f, acc, item)?;
        if scan {
            out.push(acc.clone());
        }
    }
    Ok(if scan { collect(out) } else { acc })
}

/// `f/` or `f\` applied as a unary to an empty list (the value is not
/// evaluated): the identity of an operator that has one, the empty list
/// of a list value's type, else the generic empty list.
pub(crate) fn empty_reduce(f: &Value, x: &Value, scan: bool) -> Value {
    match builtin_name(f) {
        Some("+") if !scan => Value::long(0),
        Some("*") if !scan => Value::long(1),
        Some("+") | Some("*") | Some(",") => x.clone(),
        _ => match f {
            Value::Vector(v) if !scan => Value::Vector(qcore::Vector::empty(v.ty())),
            _ => Value::list(vec![]),
        },
    }
}

pub(crate) fn converge(it: &mut Interp, f: &Value, x: Value, scan: bool) -> QResult<Value> {
    let mut cur = x.clone();
    let mut out = vec![x.clone()];
    for _ in 0..CONVERGE_LIMIT {
        it.tick()?;
        let next = apply1(it, f, cur.clone())?;
        if values_match(&next, &cur) || values_match(&next, &x) {
            return Ok(if scan { collect(out) } else { next });
        }
        if scan {
            out.push(next.clone());
        }
        cur = next;
    }
    Err(QError::new("limit").with_detail("converge did not reach a fixed point"))
}

pub(crate) fn repeat(it: &mut Interp, f: &Value, n: usize, x: Value, scan: bool) -> QResult<Value> {
    let mut cur = x;
    let mut out = Vec::new();
    if scan {
        out.push(cur.clone());
    }
    for _ in 0..n {
        it.tick()?;
        cur = apply1(it, f, cur)?;
        if scan {
            out.push(cur.clone());
        }
    }
    Ok(if scan { collect(out) } else { cur })
}

pub(crate) fn while_(
    it: &mut Interp,
    cond: &Value,
    f: &Value,
    x: Value,
    scan: bool,
) -> QResult<Value> {
    let mut cur = x;
    let mut out = Vec::new();
    if scan {
        out.push(cur.clone());
    }
    loop {
        it.tick()?;
        let c = apply1(it, cond, cur.clone())?;
        if !c.truthy()? {
            break;
        }
        cur = apply1(it, f, cur)?;
        if scan {
            out.push(cur.clone());
        }
    }
    Ok(if scan { collect(out) } else { cur })
}

pub(crate) fn prior(it: &mut Interp, f: &Value, args: Vec<Value>) -> QResult<Value> {
    let (seed, x) = match args.len() {
        1 => {
            let x = args.into_iter().next().unwrap_or(Value::Nil);
            (None, x)
        }
        2 => {
            let [s, x] = two(args)?;
            (Some(s), x)
        }
        _ => return Err(QError::rank()),
    };
    if let Value::Dict(d) = &x {
        let r = prior(it, f, seed.into_iter().chain([d.values.clone()]).collect())?;
        return Ok(Value::Dict(Arc::new(Dict {
            keys: d.keys.clone(),
            values: r,
            sorted: d.sorted,
        })));
    }
    // an atomic operator over a typed vector: `f[x; prev x]` as one vector
    // operation (the first item by `prior_first`, or against the seed)
    if let Value::Vector(v) = &x
        && builtin_name(f).is_some_and(|n| crate::query::groupwise::ATOMIC_DYADS.contains(&n))
        && match &seed {
            None => true,
            Some(Value::Atom(a)) => a.ty() == v.ty(),
            _ => false,
        }
    {
        let p = crate::ops::index::shift(v, 1);
        return match seed {
            None => {
                let firsts: &[i64] = if v.is_empty() { &[] } else { &[0] };
                crate::query::groupwise::prior_vec(it, f, v.clone(), p, firsts)
            }
            Some(s) => {
                let mut p = p;
                if let Value::Atom(a) = s
                    && !p.is_empty()
                {
                    p.data_mut().set_atom(0, a);
                }
                apply(it, f, vec![x.clone(), Value::Vector(p)])
            }
        };
    }
    let items = match &x {
        Value::Atom(_) => vec![x.clone()],
        _ => x.items_of_list()?,
    };
    let mut out = Vec::with_capacity(items.len());
    let mut prev: Option<Value> = seed;
    for item in items {
        let r = match prev {
            Some(p) => apply2(it, f, item.clone(), p)?,
            None => prior_first(it, f, &x, &item)?,
        };
        out.push(r);
        prev = Some(item);
    }
    Ok(collect(out))
}

/// The first item of an unseeded each-prior. An operator with an identity
/// element known to q uses it as the seed (so `-':` is `deltas`, `%':` is
/// `ratios`, `,':` starts with `,x 0`); any other value gets a null of the
/// argument's type (`first 0#x`).
pub(crate) fn prior_first(it: &mut Interp, f: &Value, x: &Value, x0: &Value) -> QResult<Value> {
    match builtin_name(f) {
        // x0 - (x0 - x0): the typed zero keeps x0's type (`deltas 1 2 3i`).
        Some("+") | Some("-") => {
            let zero = apply(it, &minus(), vec![x0.clone(), x0.clone()])?;
            apply2(it, f, x0.clone(), zero)
        }
        Some("*") => Ok(x0.clone()),
        Some("%") => apply2(it, f, x0.clone(), Value::long(1)),
        // `(,':)2 3 4` starts with the atom 2, not `,2`
        Some(",") => Ok(x0.clone()),
        _ => {
            let null = crate::ops::index::null_item_of(x);
            apply2(it, f, x0.clone(), null)
        }
    }
}

/// The operator `f` of a derived `f':` (each-prior), if `f` is an atomic
/// builtin dyad (`-':`, `(=)':`).
pub(crate) fn each_prior_of(d: &Value) -> Option<Value> {
    match d {
        Value::Func(Func::Derived(d))
            if d.adverb == Adverb::Prior
                && builtin_name(&d.operand)
                    .is_some_and(|n| crate::query::groupwise::ATOMIC_DYADS.contains(&n)) =>
        {
            Some(d.operand.clone())
        }
        _ => None,
    }
}

pub(crate) fn minus() -> Value {
    registry::func(registry::lookup("-").unwrap_or(2))
}

/// `f each x` / `each[f;x]`.
pub fn each_kw(it: &mut Interp, f: Value, x: Value) -> QResult<Value> {
    each(it, &f, vec![x])
}

/// Stack of a secondary thread: deep enough for recursive q code, small
/// enough that a few of them fit under a `ulimit -v`.
const SECONDARY_STACK: usize = 64 << 20;

/// `f peach x`: `f each x`, the items of `x` split into contiguous parts
/// over the secondary threads (`\s`; with fewer than two it is `each`),
/// or with `\s` negative handed out one at a time to the secondary
/// processes `.z.pd` names ([`crate::ipc::peach`]).
/// Each thread runs on [`Interp::secondary`], so assigning a global is
/// `'noupdate` as in q. The first error stops the other threads (through
/// the shared stop flag) and is the result.
pub fn peach_kw(it: &mut Interp, f: Value, x: Value) -> QResult<Value> {
    let processes = it.settings.threads < 0;
    let threads = usize::try_from(it.settings.threads).unwrap_or(0);
    if let Value::Dict(d) = &x {
        let values = peach_kw(it, f, d.values.clone())?;
        return Ok(Value::Dict(Arc::new(Dict {
            keys: d.keys.clone(),
            values,
            sorted: d.sorted,
        })));
    }
    if processes
        && !it.secondary
        && !matches!(x, Value::Atom(_) | Value::Nil | Value::Func(_))
        && x.count() >= 2
    {
        let handles = crate::ipc::peach::handles(it)?;
        if !handles.is_empty() {
            let items = x.items_of_list()?;
            return Ok(collect(crate::ipc::peach::peach(it, &handles, &f, &items)?));
        }
    }
    if threads < 2 || matches!(x, Value::Atom(_) | Value::Nil | Value::Func(_)) || x.count() < 2 {
        return each_kw(it, f, x);
    }
    if let Value::Vector(v) = &f
        && v.ty().is_integral()
    {
        return each_kw(it, f, x);
    }
    let items = x.items_of_list()?;
    let parts = on_secondaries(it, &items, threads, &|sec, xi| {
        apply(sec, &f, vec![xi.clone()])
    })?;
    Ok(collect(parts))
}

/// Runs `g` on every item of `items`, split into at most `threads`
/// contiguous parts each on its own secondary thread; the results in item
/// order. An error in one part raises the stop flag so the others end at
/// their next check, and the error first raised is returned.
pub(crate) fn on_secondaries(
    it: &Interp,
    items: &[Value],
    threads: usize,
    g: &(dyn Fn(&mut Interp, &Value) -> QResult<Value> + Sync),
) -> QResult<Vec<Value>> {
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    let stop = it.interrupt.clone();
    let first_err: std::sync::Mutex<Option<QError>> = std::sync::Mutex::new(None);
    let fail = |e: QError| {
        if let Ok(mut first) = first_err.lock()
            && first.is_none()
        {
            *first = Some(e);
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    };
    let mut results: Vec<Option<Vec<Value>>> = Vec::new();
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for part in items.chunks(chunk) {
            let mut sec = it.secondary();
            let fail = &fail;
            let spawned = std::thread::Builder::new()
                .name("peach".into())
                .stack_size(SECONDARY_STACK)
                .spawn_scoped(scope, move || {
                    let mut out = Vec::with_capacity(part.len());
                    for xi in part {
                        match g(&mut sec, xi) {
                            Ok(v) => out.push(v),
                            Err(e) => {
                                fail(e);
                                return None;
                            }
                        }
                    }
                    Some(out)
                });
            match spawned {
                Ok(h) => handles.push(h),
                Err(e) => {
                    fail(QError::new("threads").with_detail(format!("secondary thread: {e}")));
                    break;
                }
            }
        }
        for h in handles {
            results.push(h.join().unwrap_or(None));
        }
    });
    if let Some(e) = first_err.into_inner().unwrap_or(None) {
        stop.store(false, std::sync::atomic::Ordering::Relaxed);
        return Err(e);
    }
    let mut out = Vec::with_capacity(items.len());
    for part in results {
        match part {
            Some(vs) => out.extend(vs),
            None => return Err(QError::new("threads").with_detail("a secondary thread failed")),
        }
    }
    Ok(out)
}

/// `f over x` / `over[f;x]`.
pub fn over_kw(it: &mut Interp, f: Value, x: Value) -> QResult<Value> {
    over_scan(it, &f, vec![x], false)
}

/// `f scan x` / `scan[f;x]`.
pub fn scan_kw(it: &mut Interp, f: Value, x: Value) -> QResult<Value> {
    over_scan(it, &f, vec![x], true)
}

/// `f prior x` / `prior[f;x]`.
pub fn prior_kw(it: &mut Interp, f: Value, x: Value) -> QResult<Value> {
    prior(it, &f, vec![x])
}
