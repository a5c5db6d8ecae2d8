//! Writing partitions: `.Q.par[dir;part;table]` (the path of a table in a
//! partition), `.Q.dpt[d;p;t]` and `.Q.dpft[d;p;f;t]` (save global table `t` splayed as
//! partition `p` of database `d`, symbols enumerated against `d/sym`, rows
//! sorted by `f` with the parted attribute `p#` on it). After a write into
//! the loaded database its cached `sym` list is dropped, so the next query
//! reads the new enumeration.

use crate::ops::index::take_idx;
use crate::state::Interp;
use crate::storage::column::handle_of;
use crate::storage::column::handle_path;
use crate::storage::column::serr;
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

/// `.Q.dsftg[(dst;part;table);(src;offset;length);fields;(types;widths);g]`
/// (load, process, save): reads the fixed-width records of file `src`
/// from byte `offset` (`length` bytes; zero or less: up to that many bytes
/// before the end) as `(types;widths) 1:` does, `.Q.M&1000000` records at
/// a time; each chunk becomes a table with columns `fields`, goes through
/// `g`, and is appended (symbols enumerated against `dst/sym`) to the
/// splayed table `table` of partition `part` of database `dst`. Answers
/// that table's path.
pub fn q_dsftg(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    use crate::builtins::{dotq, io, table};
    let [d, s, f, t, g] = <[Value; 5]>::try_from(args).map_err(|_| QError::rank())?;
    let three = |v: &Value| match v.items_of_list() {
        Ok(items) if items.len() == 3 => Ok(items),
        Ok(_) => Err(QError::length()),
        Err(e) => Err(e),
    };
    let dest = three(&d)?;
    let [src, offset, length] = <[Value; 3]>::try_from(three(&s)?).map_err(|_| QError::length())?;
    let long = |v: &Value| match v {
        Value::Atom(a) if a.ty().is_integral() => a.to_i64().ok_or_else(QError::type_),
        _ => Err(QError::type_()),
    };
    let (offset, length) = (long(&offset)?, long(&length)?);
    let Value::Vector(names) = &f else {
        return Err(QError::type_());
    };
    let fields = names.as_sym().ok_or_else(QError::type_)?.to_vec();
    let Value::List(tw) = &t else {
        return Err(QError::type_());
    };
    let widths = tw.get(1).ok_or_else(QError::length)?;
    let record: i64 = widths.items().iter().map(long).sum::<QResult<i64>>()?;
    if record <= 0 || offset < 0 {
        return Err(QError::domain());
    }
    let size = long(&io::handle::hcount(src.clone())?)?;
    let end = if length > 0 {
        offset + length
    } else {
        size + length
    };
    let rows = (end.min(size) - offset).max(0) / record;
    // .Q.M&1000000 records at a time (borf's .Q.M is 0W)
    let chunk = 1_000_000;
    let path = q_par(dest.clone())?;
    let Value::Atom(Atom::Symbol(p)) = &path else {
        return Err(QError::type_());
    };
    // a trailing `/`: upsert appends to the splayed table on disk
    let target = Value::Atom(Atom::Symbol(Sym::new(&format!("{}/", p.as_str()))));
    let mut done = 0;
    while done < rows {
        it.check_stop()?;
        let n = chunk.min(rows - done);
        let at = Value::list(vec![
            src.clone(),
            Value::long(offset + done * record),
            Value::long(n * record),
        ]);
        let columns = io::binary::bin2(it, t.clone(), at)?;
        let columns = columns.items_of_list()?;
        if columns.len() != fields.len() {
            return Err(QError::length().with_detail("one field name per column read"));
        }
        let chunk_table = Value::table(fields.clone(), columns);
        let processed = crate::builtins::apply::apply(it, &g, vec![chunk_table])?;
        let enumerated = dotq::q_en(it, dest[0].clone(), processed)?;
        table::upsert(it, target.clone(), enumerated)?;
        done += n;
    }
    Ok(target)
}

/// `.Q.dpft[d;p;f;t]`: saves global table `t` splayed as partition `p` of
/// database `d`: symbols enumerated against `d/sym`, rows sorted by column
/// `f` (stable), `f` moved first with the parted attribute. Returns `t`.
pub fn q_dpft(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let [d, p, f, tn] = <[Value; 4]>::try_from(args).map_err(|_| QError::rank())?;
    let Value::Atom(Atom::Symbol(f)) = f else {
        return Err(QError::type_());
    };
    save_partition(it, d, p, Some(f), tn, None)
}

/// `.Q.dpfts[d;p;f;t;s]`: [`q_dpft`] with the symbols enumerated against
/// the domain `s` (the file `d/s`, loaded into the global `s`, as
/// `.Q.ens` does) instead of `sym`.
pub fn q_dpfts(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let [d, p, f, tn, s] = <[Value; 5]>::try_from(args).map_err(|_| QError::rank())?;
    let Value::Atom(Atom::Symbol(f)) = f else {
        return Err(QError::type_());
    };
    save_partition(it, d, p, Some(f), tn, Some(s))
}

/// `.Q.dpts[d;p;t;s]`: [`q_dpt`] with the symbols enumerated against the
/// domain `s`, as [`q_dpfts`].
pub fn q_dpts(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let [d, p, tn, s] = <[Value; 4]>::try_from(args).map_err(|_| QError::rank())?;
    save_partition(it, d, p, None, tn, Some(s))
}

/// `.Q.dpt[d;p;t]`: [`q_dpft`] without the sort: the rows and columns in
/// the table's own order, no attribute.
pub fn q_dpt(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let [d, p, tn] = <[Value; 3]>::try_from(args).map_err(|_| QError::rank())?;
    save_partition(it, d, p, None, tn, None)
}

/// Saves global table `tn` as partition `p` of database `d`, sorted by `f`
/// (moved first, parted) when given, its symbols enumerated against the
/// domain `s` (a symbol: `.Q.ens`) or else `sym`.
fn save_partition(
    it: &mut Interp,
    d: Value,
    p: Value,
    f: Option<Sym>,
    tn: Value,
    s: Option<Value>,
) -> QResult<Value> {
    let (root, _) = handle_path(handle_of(&d)?)?;
    let Value::Atom(Atom::Symbol(name)) = &tn else {
        return Err(QError::type_());
    };
    let name = *name;
    let (tv, _) = crate::builtins::table::by_name(it, tn.clone())?;
    let Value::Table(tab) = &tv else {
        return Err(QError::type_());
    };
    let pos = match f {
        Some(f) => Some(
            tab.names
                .iter()
                .position(|n| *n == f)
                .ok_or_else(|| crate::builtins::table::no_column(f))?,
        ),
        None => None,
    };
    let dir = root.join(part_name(&p)?).join(name.as_str());
    let tv = match s {
        // the table's symbols as enumerations of `s`, written to `d/s`
        Some(s) => crate::builtins::dotq::q_ens(it, vec![d.clone(), tv.clone(), s])?,
        None => crate::storage::splay::q_en(d.clone(), tv.clone())?,
    };
    let Value::Table(tab) = tv else {
        return Err(QError::type_());
    };
    let table = match pos {
        Some(pos) => parted_by(&tab, pos)?,
        None => (*tab).clone(),
    };
    crate::storage::splay::write_splay_in(&dir, &root, &table)?;
    forget_syms(it, &root);
    Ok(Value::Atom(Atom::Symbol(name)))
}

/// `tab` sorted by column `pos` (stable), that column first with `p#`.
fn parted_by(tab: &Table, pos: usize) -> QResult<Table> {
    let order: Vec<i64> = crate::ops::grade::grade(&tab.columns[pos], false)?
        .into_iter()
        .map(|i| i as i64)
        .collect();
    let mut names = vec![tab.names[pos]];
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
    Ok(Table {
        names,
        columns: cols,
    })
}

/// After a write into the loaded database, its cached `sym` list is stale.
pub(super) fn forget_syms(it: &Interp, root: &Path) {
    if let Some(db) = &it.partdb
        && same_dir(&db.layout.root, root)
        && let Ok(mut g) = db.syms.lock()
    {
        g.clear();
    }
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

/// `.Q.chk[db]`: writes an empty copy of every table that is missing from a
/// partition of database `db`, each from the most recent partition that
/// has the table (its columns and types). Returns, per partition in
/// ascending order, `()` or the partition's path when tables were added.
pub fn q_chk(it: &mut Interp, x: Value) -> QResult<Value> {
    let (root, _) = handle_path(handle_of(&x)?)?;
    let Some(layout) = qstorage::part::discover(&root).map_err(serr)? else {
        return Ok(Value::list(vec![]));
    };
    let (present, all) = tables_by_part(&root, &layout.parts)?;
    let syms = |d: &str| crate::storage::column::read_domain(&root, d);
    let abs = root.canonicalize().unwrap_or_else(|_| root.clone());
    let mut out = Vec::with_capacity(layout.parts.len());
    for (k, (_, dir)) in layout.parts.iter().enumerate() {
        let missing: Vec<&String> = all.iter().filter(|t| !present[k].contains(t)).collect();
        if missing.is_empty() {
            out.push(Value::list(vec![]));
            continue;
        }
        for t in missing {
            let Some(src) = (0..layout.parts.len())
                .rev()
                .find(|&j| present[j].contains(t))
            else {
                continue;
            };
            let from = layout.table_dir(src, t);
            if !crate::storage::parquet::files(&from).is_empty() {
                // a Parquet table: nothing borf writes can stand in for it
                return Err(QError::new(format!(
                    "{}: a Parquet table cannot be filled",
                    from.display()
                )));
            }
            let template = crate::storage::splay::load_cols(&from, None, &syms)?;
            let empty = Table {
                names: template.names.clone(),
                columns: template.columns.iter().map(|c| take_idx(c, &[])).collect(),
            };
            crate::storage::splay::write_splay_in(&layout.table_dir(k, t), &root, &empty)?;
        }
        out.push(Value::Vector(qcore::Vector::syms(vec![Sym::new(
            &format!(":{}", abs.join(dir).display()),
        )])));
    }
    forget_syms(it, &root);
    Ok(Value::list(out))
}

/// The tables of each partition `parts` of database `root`, and every
/// table name any of them has (sorted, once).
pub(super) fn tables_by_part(
    root: &Path,
    parts: &[(i64, String)],
) -> QResult<(Vec<Vec<String>>, Vec<String>)> {
    let present: Vec<Vec<String>> = parts
        .iter()
        .map(|p| qstorage::part::tables_in(&root.join(&p.1)).map_err(serr))
        .collect::<QResult<_>>()?;
    let mut all: Vec<String> = present.iter().flatten().cloned().collect();
    all.sort();
    all.dedup();
    Ok((present, all))
}
