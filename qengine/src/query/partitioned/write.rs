//! Writing partitions: `.Q.par[dir;part;table]` (the path of a table in a
//! partition) and `.Q.dpft[d;p;f;t]` (save global table `t` splayed as
//! partition `p` of database `d`, symbols enumerated against `d/sym`, rows
//! sorted by `f` with the parted attribute `p#` on it). After a write into
//! the loaded database its cached `sym` list is dropped, so the next query
//! reads the new enumeration.

use crate::ops::index::take_idx;
use crate::state::Interp;
use crate::storage::column::handle_of;
use crate::storage::column::handle_path;
use qcore::Atom;
use qcore::Attr;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Value;
use std::path::Path;

/// A partition value as its directory name (`2024.01.02`, `2024.01`, `7`).
fn part_name(p: &Value) -> QResult<String> {
    match p {
        Value::Atom(Atom::Date(d)) if *d != i32::MIN => {
            let (y, m, dd) = qcore::calendar::civil_from_days(*d as i64);
            Ok(format!("{y:04}.{m:02}.{dd:02}"))
        }
        Value::Atom(Atom::Month(m)) if *m != i32::MIN => {
            let m = *m as i64 + 24000;
            Ok(format!(
                "{:04}.{:02}",
                m.div_euclid(12),
                m.rem_euclid(12) + 1
            ))
        }
        Value::Atom(a @ (Atom::Int(_) | Atom::Long(_) | Atom::Short(_))) => match a.to_i64() {
            Some(v) if v >= 0 && !a.is_null() => Ok(v.to_string()),
            _ => Err(QError::domain()),
        },
        _ => Err(QError::type_()),
    }
}

/// `.Q.par[dir;part;table]`: the path of a table in a partition.
pub fn q_par(args: Vec<Value>) -> QResult<Value> {
    let [d, p, t] = <[Value; 3]>::try_from(args).map_err(|_| QError::rank())?;
    let (root, _) = handle_path(handle_of(&d)?)?;
    let Value::Atom(Atom::Symbol(t)) = t else {
        return Err(QError::type_());
    };
    let path = root.join(part_name(&p)?).join(t.as_str());
    Ok(Value::Atom(Atom::Symbol(Sym::new(&format!(
        ":{}",
        path.display()
    )))))
}

/// `.Q.dpft[d;p;f;t]`: saves global table `t` splayed as partition `p` of
/// database `d`: symbols enumerated against `d/sym`, rows sorted by column
/// `f` (stable), `f` moved first with the parted attribute. Returns `t`.
pub fn q_dpft(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let [d, p, f, tn] = <[Value; 4]>::try_from(args).map_err(|_| QError::rank())?;
    let (root, _) = handle_path(handle_of(&d)?)?;
    let (Value::Atom(Atom::Symbol(f)), Value::Atom(Atom::Symbol(name))) = (&f, &tn) else {
        return Err(QError::type_());
    };
    let (tv, _) = crate::builtins::table::by_name(it, tn.clone())?;
    let Value::Table(tab) = &tv else {
        return Err(QError::type_());
    };
    let Some(pos) = tab.names.iter().position(|n| n == f) else {
        return Err(crate::builtins::table::no_column(*f));
    };
    let dir = root.join(part_name(&p)?).join(name.as_str());
    let tv = crate::storage::splay::q_en(d.clone(), tv.clone())?;
    let Value::Table(tab) = tv else {
        return Err(QError::type_());
    };
    let order: Vec<i64> = crate::ops::grade::grade(&tab.columns[pos], false)?
        .into_iter()
        .map(|i| i as i64)
        .collect();
    let mut names = vec![*f];
    let mut cols = vec![take_idx(&tab.columns[pos], &order)];
    if let Value::Vector(v) = &mut cols[0] {
        v.attr = Attr::Parted;
    }
    for (k, (n, c)) in tab.names.iter().zip(&tab.columns).enumerate() {
        if k != pos {
            names.push(*n);
            cols.push(take_idx(c, &order));
        }
    }
    crate::storage::splay::write_splay_in(
        &dir,
        &root,
        &Table {
            names,
            columns: cols,
        },
    )?;
    if let Some(db) = &it.partdb
        && same_dir(&db.layout.root, &root)
        && let Ok(mut g) = db.syms.lock()
    {
        *g = None;
    }
    Ok(Value::Atom(Atom::Symbol(*name)))
}

/// `.Q.hdpf[h;d;p;f]`: saves every table of the root namespace as
/// partition `p` of database `d` (`.Q.dpft`, sorted by `f` with `p#`),
/// empties them, and asks the HDB at `h` (when it can be opened) to reload
/// with `\l .`.
pub fn q_hdpf(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let [h, d, p, f] = <[Value; 4]>::try_from(args).map_err(|_| QError::rank())?;
    let mut tables: Vec<(Sym, usize)> = it
        .names_in(".")
        .into_iter()
        .filter_map(|n| match it.get_global(n) {
            Some(Value::Table(t)) => Some((n, t.columns.first().map_or(0, |c| c.count()))),
            _ => None,
        })
        .collect();
    // largest first, as q
    tables.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.as_str().cmp(b.0.as_str())));
    for (n, _) in &tables {
        q_dpft(
            it,
            vec![
                d.clone(),
                p.clone(),
                f.clone(),
                Value::Atom(Atom::Symbol(*n)),
            ],
        )?;
    }
    for (n, _) in &tables {
        if let Some(Value::Table(t)) = it.get_global(*n) {
            let empty = Table {
                names: t.names.clone(),
                columns: t.columns.iter().map(|c| take_idx(c, &[])).collect(),
            };
            it.set_global(*n, Value::Table(std::sync::Arc::new(empty)));
        }
    }
    if let Ok(Value::Atom(a)) = crate::ipc::hopen(it, h)
        && let Some(hd) = a.to_i64()
    {
        let r = crate::ipc::send(it, hd as i32, vec![Value::string("\\l .")]);
        let _ = crate::ipc::hclose(it, Value::int(hd as i32));
        r?;
    }
    Ok(Value::Nil)
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}
