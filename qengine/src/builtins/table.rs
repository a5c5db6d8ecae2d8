//! Tables and keyed tables: `cols meta xcol xcols xkey insert upsert xasc
//! xdesc ungroup`.
//!
//! A keyed table is a dictionary whose keys and values are tables
//! ([`keyed_parts`]). Functions that q lets take a table by name
//! (`` `t insert x ``, `` `a xasc `t ``) read the global, write the result back
//! and return the name.

use crate::ops::make::longs;
use crate::state::Interp;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;
use std::sync::Arc;

use qcore::Attr;

use crate::ops::index::slice;
use crate::ops::index::take_idx;
use crate::ops::join::join_values;
use crate::ops::join::positions;

/// The key and value tables of a keyed table.
pub fn keyed_parts(v: &Value) -> Option<(&Arc<Table>, &Arc<Table>)> {
    match v {
        Value::Dict(d) => match (&d.keys, &d.values) {
            (Value::Table(k), Value::Table(v)) => Some((k, v)),
            _ => None,
        },
        _ => None,
    }
}

/// `0!x`: a keyed table's key and value columns as one table; a table
/// itself. `None` for anything else.
pub fn unkeyed(v: &Value) -> Option<Arc<Table>> {
    match v {
        Value::Table(t) => Some(t.clone()),
        _ => keyed_parts(v).map(|(k, v)| {
            Arc::new(Table {
                names: k.names.iter().chain(&v.names).copied().collect(),
                columns: k.columns.iter().chain(&v.columns).cloned().collect(),
            })
        }),
    }
}

/// `n!t`: keys a table on its first `n` columns (`n` 0 gives the table).
pub fn rekey(t: &Table, n: usize) -> Value {
    if n == 0 || n > t.columns.len() {
        return Value::Table(Arc::new(t.clone()));
    }
    Value::dict(
        Value::table(t.names[..n].to_vec(), t.columns[..n].to_vec()),
        Value::table(t.names[n..].to_vec(), t.columns[n..].to_vec()),
    )
}

/// Number of key columns of a keyed table (0 for a table).
pub fn key_count(v: &Value) -> usize {
    keyed_parts(v).map_or(0, |(k, _)| k.names.len())
}

/// The `'name` error q signals for an unknown column.
pub fn no_column(s: Sym) -> QError {
    QError::new(s.as_str()).with_detail("no such column")
}

/// A column by name or `'name`.
pub fn column(t: &Table, s: Sym) -> QResult<Value> {
    t.column(s).cloned().ok_or_else(|| no_column(s))
}

/// Symbols of a symbol atom or vector (`'type` otherwise); `()` gives none.
pub fn syms_of(v: &Value) -> QResult<Vec<Sym>> {
    match v {
        Value::Atom(Atom::Symbol(s)) => Ok(vec![*s]),
        Value::Vector(x) if x.ty() == Ty::Symbol => Ok(x.as_sym().unwrap_or(&[]).to_vec()),
        Value::List(l) if l.is_empty() => Ok(vec![]),
        Value::Vector(x) if x.is_empty() => Ok(vec![]),
        _ => Err(QError::type_()),
    }
}

/// The global named by a symbol atom, with its full name.
pub fn global_of(it: &Interp, s: Sym) -> QResult<(Sym, Value)> {
    let name = crate::state::qualify(it.namespace, s.as_str());
    match it.get_global(name) {
        Some(v) => Ok((name, v)),
        None => Err(QError::undefined(s.as_str())),
    }
}

/// `x` or, when `x` is a symbol, the global it names (with that name).
pub fn by_name(it: &Interp, x: Value) -> QResult<(Value, Option<Sym>)> {
    match x {
        Value::Atom(Atom::Symbol(s)) => {
            let (n, v) = global_of(it, s)?;
            Ok((v, Some(n)))
        }
        other => Ok((other, None)),
    }
}

/// Stores `v` back under `name` and returns the name as a symbol; without a
/// name returns `v`.
fn store(it: &mut Interp, name: Option<Sym>, short: Sym, v: Value) -> Value {
    match name {
        Some(n) => {
            it.set_global(n, v);
            Value::Atom(Atom::Symbol(short))
        }
        None => v,
    }
}

fn short_name(x: &Value) -> Sym {
    match x {
        Value::Atom(Atom::Symbol(s)) => *s,
        _ => Sym::EMPTY,
    }
}

/// q's type letter of a column: lower case for a vector, upper case for a
/// list of vectors of one type, blank otherwise.
fn type_char(c: &Value) -> u8 {
    match c {
        Value::Vector(v) => v.ty().letter() as u8,
        // q reads a general column's type from its first item (a column
        // of strings with one nested item is still `C`)
        Value::List(l) => match l.first() {
            Some(Value::Vector(f)) => f.ty().letter().to_ascii_uppercase() as u8,
            _ => b' ',
        },
        _ => b' ',
    }
}

fn attr_sym(c: &Value) -> Sym {
    match c {
        Value::Vector(v) => Sym::new(v.attr.letter()),
        _ => Sym::EMPTY,
    }
}

// ---------------------------------------------------------------------------
// cols meta

/// `cols t`: column names of a table or keyed table (by value or name).
pub fn cols(it: &mut Interp, x: Value) -> QResult<Value> {
    let (v, _) = by_name(it, x)?;
    if let Some(c) = crate::query::partitioned::cols_hook(it, &v) {
        return Ok(c);
    }
    let t = unkeyed(&v).ok_or_else(QError::type_)?;
    Ok(Value::Vector(Vector::syms(t.names.clone())))
}

/// `meta t`: a keyed table of column name to type letter, foreign key and
/// attribute.
pub fn meta(it: &mut Interp, x: Value) -> QResult<Value> {
    let (v, _) = by_name(it, x)?;
    if let Some(m) = crate::query::partitioned::meta_hook(it, &v)? {
        return Ok(m);
    }
    let t = unkeyed(&v).ok_or_else(QError::type_)?;
    let ts: Vec<u8> = t.columns.iter().map(type_char).collect();
    // a foreign key: a column enumerated against a keyed table
    let fs: Vec<Sym> = t
        .columns
        .iter()
        .map(|c| foreign_key(it, c).unwrap_or(Sym::EMPTY))
        .collect();
    let as_: Vec<Sym> = t.columns.iter().map(attr_sym).collect();
    Ok(Value::dict(
        Value::table(
            vec![Sym::new("c")],
            vec![Value::Vector(Vector::syms(t.names.clone()))],
        ),
        Value::table(
            vec![Sym::new("t"), Sym::new("f"), Sym::new("a")],
            vec![
                Value::Vector(Vector::chars(&ts)),
                Value::Vector(Vector::syms(fs)),
                Value::Vector(Vector::syms(as_)),
            ],
        ),
    ))
}

/// `keys t`: the key column names of a table (or of the table a symbol
/// names); empty for an unkeyed table.
pub fn keys(it: &mut Interp, x: Value) -> QResult<Value> {
    let (v, _) = by_name(it, x)?;
    match (&v, keyed_parts(&v)) {
        (_, Some((k, _))) => Ok(Value::Vector(Vector::syms(k.names.clone()))),
        (Value::Table(_), None) => Ok(Value::Vector(Vector::syms(vec![]))),
        _ => Err(QError::type_()),
    }
}

/// `` `a`b xgroup t ``: `t` keyed by the distinct values of columns `x` (in
/// order of first occurrence), each other column a list of its values per
/// group.
pub fn xgroup(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let (v, _) = by_name(it, y)?;
    let t = unkeyed(&v).ok_or_else(QError::type_)?;
    let by = syms_of(&x)?;
    let col = |n: &Sym| t.column(*n).cloned().ok_or_else(|| no_column(*n));
    let kt = Table {
        names: by.clone(),
        columns: by.iter().map(col).collect::<QResult<_>>()?,
    };
    let (keys, groups) = crate::ops::group::group_parts(&Value::Table(Arc::new(kt)))?;
    let (mut names, mut columns) = (Vec::new(), Vec::new());
    for (n, c) in t.names.iter().zip(&t.columns) {
        if by.contains(n) {
            continue;
        }
        names.push(*n);
        columns.push(Value::list(groups.iter().map(|g| take_idx(c, g)).collect()));
    }
    Ok(Value::dict(keys, Value::table(names, columns)))
}

/// The keyed table a column is enumerated against, if any.
pub(crate) fn foreign_key(it: &Interp, c: &Value) -> Option<Sym> {
    let Value::Vector(v) = c else { return None };
    let d = v.domain()?;
    match crate::builtins::enums::domain_value(it, d)? {
        Value::Dict(k) if matches!(k.keys, Value::Table(_)) => Some(d),
        _ => None,
    }
}

/// `fkeys t`: the foreign-key columns of a table and the keyed tables they
/// refer to.
pub fn fkeys(it: &mut Interp, x: Value) -> QResult<Value> {
    let (v, _) = by_name(it, x)?;
    let t = unkeyed(&v).ok_or_else(QError::type_)?;
    let (names, tables): (Vec<Sym>, Vec<Sym>) = t
        .names
        .iter()
        .zip(&t.columns)
        .filter_map(|(n, c)| foreign_key(it, c).map(|d| (*n, d)))
        .unzip();
    Ok(Value::dict(
        Value::Vector(Vector::syms(names)),
        Value::Vector(Vector::syms(tables)),
    ))
}

// ---------------------------------------------------------------------------
// xcol xcols xkey

/// `` `a`b xcol t ``: renames the first columns; `` (`old!`new) xcol t ``
/// renames by name. Keyed tables keep their key.
pub fn xcol(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let (v, name) = by_name(it, y.clone())?;
    let nk = key_count(&v);
    let t = unkeyed(&v).ok_or_else(QError::type_)?;
    let mut names = t.names.clone();
    match &x {
        Value::Dict(d) => {
            let old = syms_of(&d.keys)?;
            let new = syms_of(&d.values)?;
            for (o, n) in old.iter().zip(&new) {
                // q: a name that is not a column is a length error
                let p = names
                    .iter()
                    .position(|c| c == o)
                    .ok_or_else(QError::length)?;
                names[p] = *n;
            }
        }
        _ => {
            let new = syms_of(&x)?;
            if new.len() > names.len() {
                return Err(QError::length());
            }
            names[..new.len()].copy_from_slice(&new);
        }
    }
    let out = Table {
        names,
        columns: t.columns.clone(),
    };
    let r = rekey(&out, nk);
    Ok(store(it, name, short_name(&y), r))
}

/// `` `c`a xcols t ``: moves the named columns to the front.
pub fn xcols(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let (v, name) = by_name(it, y.clone())?;
    let Value::Table(t) = &v else {
        return Err(QError::type_());
    };
    let first = syms_of(&x)?;
    let out = reorder(t, &first)?;
    Ok(store(it, name, short_name(&y), Value::Table(Arc::new(out))))
}

fn reorder(t: &Table, first: &[Sym]) -> QResult<Table> {
    let mut names = Vec::with_capacity(t.names.len());
    let mut columns = Vec::with_capacity(t.names.len());
    for s in first {
        if names.contains(s) {
            continue;
        }
        columns.push(column(t, *s)?);
        names.push(*s);
    }
    for (n, c) in t.names.iter().zip(&t.columns) {
        if !first.contains(n) {
            names.push(*n);
            columns.push(c.clone());
        }
    }
    Ok(Table { names, columns })
}

/// `` `k xkey t ``: keys a table on the named columns (moved to the front);
/// `() xkey t` unkeys.
pub fn xkey(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let (v, name) = by_name(it, y.clone())?;
    let t = unkeyed(&v).ok_or_else(QError::type_)?;
    let ks = syms_of(&x)?;
    let out = reorder(&t, &ks)?;
    let r = rekey(&out, ks.len());
    Ok(store(it, name, short_name(&y), r))
}

// ---------------------------------------------------------------------------
// insert upsert

/// The type of a column's items for insert checking: `Some(ty)` for a
/// typed vector, `None` for a general list.
fn col_ty(c: &Value) -> Option<Ty> {
    match c {
        Value::Vector(v) => Some(v.ty()),
        _ => None,
    }
}

/// The new rows of an insert/upsert as a table with `names` (in that
/// order): from a table, a keyed table, a row dictionary, a list of field
/// atoms (one row) or a list of field lists (several rows).
fn new_rows(names: &[Sym], y: &Value) -> QResult<Table> {
    let from_table = |u: &Table| -> QResult<Table> {
        if u.names.len() != names.len() {
            return Err(QError::new("mismatch"));
        }
        let mut columns = Vec::with_capacity(names.len());
        for s in names {
            columns.push(
                u.column(*s)
                    .cloned()
                    .ok_or_else(|| QError::new("mismatch"))?,
            );
        }
        Ok(Table {
            names: names.to_vec(),
            columns,
        })
    };
    match y {
        Value::Table(u) => from_table(u),
        Value::Dict(d) => {
            if let Some(u) = unkeyed(y) {
                return from_table(&u);
            }
            let ks = syms_of(&d.keys)?;
            let vals = d.values.items();
            let cols = vals
                .into_iter()
                .map(|v| match v {
                    Value::Atom(a) => Value::Vector(crate::ops::make::atom_vec(a)),
                    other => Value::list(vec![other]),
                })
                .collect();
            from_table(&Table {
                names: ks,
                columns: cols,
            })
        }
        Value::Vector(_) | Value::List(_) => {
            let items = y.items();
            if items.len() != names.len() {
                // a list of rows, each a list of one item per column
                if matches!(y, Value::List(_))
                    && !items.is_empty()
                    && items
                        .iter()
                        .all(|r| r.is_list() && r.count() == names.len())
                {
                    let rows: Vec<Table> = items
                        .iter()
                        .map(|r| new_rows(names, r))
                        .collect::<QResult<_>>()?;
                    let mut out = rows[0].clone();
                    for r in &rows[1..] {
                        out = append(&out, r)?;
                    }
                    return Ok(out);
                }
                return Err(QError::length());
            }
            let one_row = items.iter().all(|v| !v.is_list())
                || (matches!(y, Value::List(_))
                    && items.iter().all(|v| {
                        !v.is_list() || matches!(v, Value::Vector(x) if x.ty() == Ty::Char)
                    }));
            let multi = items.iter().any(|v| v.is_list())
                && !items
                    .iter()
                    .all(|v| !v.is_list() || matches!(v, Value::Vector(x) if x.ty() == Ty::Char));
            let columns: Vec<Value> = if one_row && !multi {
                items
                    .into_iter()
                    .map(|v| match v {
                        Value::Atom(a) => Value::Vector(crate::ops::make::atom_vec(a)),
                        other => Value::list(vec![other]),
                    })
                    .collect()
            } else {
                let n = items.iter().find(|v| v.is_list()).map_or(1, Value::count);
                items
                    .into_iter()
                    .map(|v| match v {
                        Value::Atom(a) => {
                            take_idx(&Value::Vector(crate::ops::make::atom_vec(a)), &vec![0; n])
                        }
                        other => other,
                    })
                    .collect()
            };
            let n = columns.first().map_or(0, Value::count);
            if columns.iter().any(|c| c.count() != n) {
                return Err(QError::length());
            }
            Ok(Table {
                names: names.to_vec(),
                columns,
            })
        }
        Value::Atom(a) if names.len() == 1 => Ok(Table {
            names: names.to_vec(),
            columns: vec![Value::Vector(crate::ops::make::atom_vec(*a))],
        }),
        _ => Err(QError::type_()),
    }
}

/// Checks that new column values have the existing column's type (an
/// empty general column takes any).
fn check_types(old: &Table, new: &Table) -> QResult<()> {
    for (a, b) in old.columns.iter().zip(&new.columns) {
        let empty_general = matches!(a, Value::List(l) if l.is_empty());
        if empty_general {
            continue;
        }
        match (col_ty(a), b) {
            (Some(t), Value::Vector(v)) if v.ty() == t => {}
            (Some(_), Value::List(l)) if l.is_empty() => {}
            (Some(_), _) => return Err(QError::type_()),
            (None, _) => {}
        }
    }
    Ok(())
}

/// Appends rows to a table, column by column.
fn append(old: &Table, new: &Table) -> QResult<Table> {
    let mut columns = Vec::with_capacity(old.columns.len());
    for (a, b) in old.columns.iter().zip(&new.columns) {
        let joined = match a {
            Value::List(l) if l.is_empty() => b.clone(),
            _ => join_values(a.clone(), b.clone())?,
        };
        columns.push(joined);
    }
    Ok(Table {
        names: old.names.clone(),
        columns,
    })
}

/// `` `t insert x ``: appends rows to the table named `t` (creating it from
/// a table), returning the indexes of the new rows. A keyed table refuses
/// existing keys with `'insert`.
pub fn insert(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let Value::Atom(Atom::Symbol(s)) = x else {
        return Err(QError::type_());
    };
    if s.as_str().starts_with(':') {
        return crate::builtins::io::save::append_file(it, s, y, true);
    }
    let full = crate::state::qualify(it.namespace, s.as_str());
    let Some(cur) = it.get_global(full) else {
        // Inserting a table (or keyed table) into an undefined name creates it.
        if let Value::Table(_) = &y {
            it.set_global(full, y.clone());
            return Ok(longs((0..y.count() as i64).collect()));
        }
        if keyed_parts(&y).is_some() {
            let n = y.count() as i64;
            it.set_global(full, y);
            return Ok(longs((0..n).collect()));
        }
        return Err(QError::undefined(s.as_str()));
    };
    let nk = key_count(&cur);
    let t = unkeyed(&cur).ok_or_else(QError::type_)?;
    // compiled event row (kernel::event, issue 6): one row of atoms
    let rows = match (nk == 0)
        .then(|| crate::query::kernel::event::one_row(&t, &y))
        .flatten()
    {
        Some(r) => r,
        None => {
            let rows = new_rows(&t.names, &y)?;
            check_types(&t, &rows)?;
            rows
        }
    };
    if nk > 0 {
        let keys_old = Value::table(t.names[..nk].to_vec(), t.columns[..nk].to_vec());
        let keys_new = Value::table(t.names[..nk].to_vec(), rows.columns[..nk].to_vec());
        if positions(&keys_old, &keys_new).iter().any(Option::is_some) {
            return Err(QError::new("insert").with_detail("key already exists"));
        }
    }
    let n0 = t.len() as i64;
    let added = rows.len() as i64;
    if nk == 0 {
        // Append in place: with the global taken out of the workspace the
        // columns are unshared, so each grows without a copy (an RDB's
        // `upd:insert` runs once per message).
        drop(t);
        drop(cur);
        let Some(Value::Table(mut tb)) = it.take_global(full) else {
            return Err(QError::type_());
        };
        let r = append_in_place_table(Arc::make_mut(&mut tb), &rows);
        it.set_global(full, Value::Table(tb));
        r?;
        return Ok(longs((n0..n0 + added).collect()));
    }
    let out = append(&t, &rows)?;
    it.set_global(full, rekey(&out, nk));
    Ok(longs((n0..n0 + added).collect()))
}

/// Appends the rows of `new` to `t`'s columns, in place where a column's
/// buffer allows. Columns are checked (`check_types`) and conform before;
/// a column that cannot grow in place is joined.
fn append_in_place_table(t: &mut Table, new: &Table) -> QResult<()> {
    for (a, b) in t.columns.iter_mut().zip(&new.columns) {
        if let Value::List(l) = a
            && l.is_empty()
        {
            *a = b.clone();
            continue;
        }
        match crate::builtins::index::append_in_place(a, b) {
            Some(r) => r?,
            None => {
                let old = std::mem::replace(a, Value::Nil);
                *a = join_values(old, b.clone())?;
            }
        }
    }
    Ok(())
}

/// `t upsert x` / `` `t upsert x ``: appends to a table; on a keyed table
/// replaces the rows of existing keys and appends the others.
pub fn upsert(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    if let Value::Atom(Atom::Symbol(s)) = &x
        && s.as_str().starts_with(':')
    {
        return crate::builtins::io::save::append_file(it, *s, y, false);
    }
    let (cur, name) = match &x {
        Value::Atom(Atom::Symbol(s)) => {
            let full = crate::state::qualify(it.namespace, s.as_str());
            match it.get_global(full) {
                Some(v) => (v, Some(full)),
                None => {
                    if let Value::Table(_) = &y {
                        it.set_global(full, y);
                        return Ok(x);
                    }
                    return Err(QError::undefined(s.as_str()));
                }
            }
        }
        other => (other.clone(), None),
    };
    let nk = key_count(&cur);
    let t = unkeyed(&cur).ok_or_else(QError::type_)?;
    let r = if nk == 0 {
        // compiled event row (kernel::event, issue 6): one row of atoms
        let rows = match crate::query::kernel::event::one_row(&t, &y) {
            Some(r) => r,
            None => {
                let rows = match &y {
                    // a table naming some of the columns, in any order:
                    // the others are null
                    Value::Table(u) if u.names.len() < t.names.len() => partial_rows(&t, u, 0)?,
                    _ => new_rows(&t.names, &y)?,
                };
                check_types(&t, &rows)?;
                rows
            }
        };
        Value::Table(Arc::new(append(&t, &rows)?))
    } else {
        // Rows may name only some value columns.
        let rows = match &y {
            Value::Table(_) | Value::Dict(_) if unkeyed(&y).is_some() || is_row_dict(&y) => {
                let u = if let Some(u) = unkeyed(&y) {
                    u
                } else {
                    Arc::new(new_rows(&syms_of(&dict_keys(&y))?, &y)?)
                };
                partial_rows(&t, &u, nk)?
            }
            _ => new_rows(&t.names, &y)?,
        };
        check_types(&t, &rows)?;
        join_values(rekey(&t, nk), rekey(&rows, nk))?
    };
    Ok(store(it, name, short_name(&x), r))
}

fn is_row_dict(v: &Value) -> bool {
    matches!(v, Value::Dict(d) if matches!(&d.keys, Value::Vector(k) if k.ty() == Ty::Symbol))
}

fn dict_keys(v: &Value) -> Value {
    match v {
        Value::Dict(d) => d.keys.clone(),
        _ => Value::Nil,
    }
}

/// Rows naming a subset of `t`'s columns (all key columns required):
/// missing value columns are filled from the existing rows of the same key
/// (nulls for new keys).
fn partial_rows(t: &Table, u: &Table, nk: usize) -> QResult<Table> {
    if u.names.len() == t.names.len() {
        return new_rows(&t.names, &Value::Table(Arc::new(u.clone())));
    }
    for s in u.names.iter().chain(&t.names[..nk]) {
        if !t.names.contains(s) || !u.names.contains(s) && t.names[..nk].contains(s) {
            return Err(QError::new("mismatch"));
        }
    }
    // the rows' existing values for the columns they leave out (nulls for
    // new rows, and always for a table without keys)
    let idx: Vec<i64> = if nk == 0 {
        vec![-1; u.len()]
    } else {
        let tk = Value::table(t.names[..nk].to_vec(), t.columns[..nk].to_vec());
        let mut ukc = Vec::with_capacity(nk);
        for s in &t.names[..nk] {
            ukc.push(column(u, *s)?);
        }
        let uk = Value::table(t.names[..nk].to_vec(), ukc);
        positions(&tk, &uk)
            .iter()
            .map(|p| p.map_or(-1, |i| i as i64))
            .collect()
    };
    let mut columns = Vec::with_capacity(t.names.len());
    for (n, c) in t.names.iter().zip(&t.columns) {
        match u.column(*n) {
            Some(v) => columns.push(v.clone()),
            None => columns.push(take_idx(c, &idx)),
        }
    }
    Ok(Table {
        names: t.names.clone(),
        columns,
    })
}

// ---------------------------------------------------------------------------
// xasc xdesc

fn sort_by(it: &mut Interp, x: Value, y: Value, desc: bool) -> QResult<Value> {
    let (v, name) = by_name(it, y.clone())?;
    let nk = key_count(&v);
    let t = unkeyed(&v).ok_or_else(QError::type_)?;
    let ks = syms_of(&x)?;
    let mut keycols = Vec::with_capacity(ks.len());
    for s in &ks {
        keycols.push(column(&t, *s)?);
    }
    let g = crate::ops::grade::grade(
        &Value::Table(Arc::new(Table {
            names: ks.clone(),
            columns: keycols,
        })),
        desc,
    )?;
    let idx = crate::ops::grade::to_i64(g);
    let Value::Table(sorted) = take_idx(&Value::Table(t), &idx) else {
        return Err(QError::type_());
    };
    let mut sorted = Arc::unwrap_or_clone(sorted);
    if !desc
        && let Some(first) = ks.first()
        && let Some(p) = sorted.names.iter().position(|n| n == first)
        && let Value::Vector(c) = &mut sorted.columns[p]
    {
        c.attr = Attr::Sorted;
    }
    let r = rekey(&sorted, nk);
    Ok(store(it, name, short_name(&y), r))
}

/// `` `a`b xasc t ``: sorted ascending by the columns (stable); the first
/// gets the sorted attribute.
pub fn xasc(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    sort_by(it, x, y, false)
}

/// `` `a`b xdesc t ``: sorted descending by the columns (stable).
pub fn xdesc(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    sort_by(it, x, y, true)
}

// ---------------------------------------------------------------------------
// ungroup

/// `ungroup t`: each row with list fields becomes one row per item (atom
/// fields repeat); a keyed table is unkeyed first.
pub fn ungroup(x: Value) -> QResult<Value> {
    let t = unkeyed(&x).ok_or_else(QError::type_)?;
    let n = t.len();
    let is_nested = |c: &Value| matches!(c, Value::List(_));
    let mut counts = vec![1usize; n];
    let mut seen = vec![false; n];
    for c in t.columns.iter().filter(|c| is_nested(c)) {
        for (i, (cnt, s)) in counts.iter_mut().zip(seen.iter_mut()).enumerate() {
            let item = c.item(i).unwrap_or(Value::Nil);
            if item.is_list() {
                let k = item.count();
                if *s && *cnt != k {
                    return Err(QError::length());
                }
                *cnt = k;
                *s = true;
            }
        }
    }
    // rows out: the sum of the nested lengths (one long list shared by
    // every row is many rows)
    let rows = counts.iter().fold(0usize, |a, &k| a.saturating_add(k));
    qcore::check_alloc(rows, 8 + qcore::budget::item_width(&x))?;
    let rep: Vec<i64> = counts
        .iter()
        .enumerate()
        .flat_map(|(i, &k)| std::iter::repeat_n(i as i64, k))
        .collect();
    let mut columns = Vec::with_capacity(t.columns.len());
    for c in &t.columns {
        if is_nested(c) {
            let mut items = Vec::with_capacity(rep.len());
            for (i, &k) in counts.iter().enumerate() {
                let item = c.item(i).unwrap_or(Value::Nil);
                if item.is_list() {
                    items.extend(item.items());
                } else {
                    items.extend(std::iter::repeat_n(item, k));
                }
            }
            columns.push(if items.is_empty() {
                slice(c, 0, 0)
            } else {
                Value::from_items(items)
            });
        } else {
            columns.push(take_idx(c, &rep));
        }
    }
    Ok(Value::table(t.names.clone(), columns))
}

/// `csv`: the comma, as a delimiter for `0:`.
pub fn csv(_: Value) -> QResult<Value> {
    Ok(Value::char(b','))
}
