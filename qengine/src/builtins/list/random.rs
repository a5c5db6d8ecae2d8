//! Random values: `n?y` (roll: `n` items drawn with replacement, from
//! `til y` for an integer `y`, below `y` for a float or temporal one, from
//! the items of a list), `-n?y` (deal: without replacement), `0N?y`
//! (a permutation), and the `\S` command (the seed; q's default is
//! `-314159`). Reached from `?` in `find.rs`; the generator itself is
//! `ops/random.rs`, which is what makes a seed reproduce a sequence.

use crate::ops::index::take_idx;
use crate::ops::make::State;
use crate::ops::make::int_atom;
use crate::ops::random::deal_indexes;
use crate::ops::random::rand_below;
use crate::ops::random::rand_guid;
use crate::ops::random::rand_sym;
use crate::ops::random::rand_u64;
use crate::ops::random::rand_unit;
use crate::state::Outcome;
use hashbrown::HashSet;
use qcore::Atom;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;

pub(crate) fn roll(n: i64, y: &Value) -> QResult<Value> {
    if n == i64::MIN {
        // permute
        return match y {
            Value::Atom(a) => {
                let m = int_atom(a).ok_or_else(QError::type_)?;
                roll(-m, y)
            }
            _ => roll(-(y.count() as i64), y),
        };
    }
    let m = n.unsigned_abs() as usize;
    let deal = n < 0;
    // the result and its index (a deal also keeps a set of what it drew);
    // dealing more than there is is `'length` below
    let population = match y {
        Value::Atom(a) => int_atom(a).map_or(usize::MAX, |l| l.max(0) as usize),
        _ => y.count(),
    };
    if !deal || m <= population {
        qcore::budget::check_items(m, y, if deal { 24 } else { 8 })?;
    }
    match y {
        Value::Atom(a) => roll_atom(m, deal, a),
        Value::Vector(_) | Value::List(_) | Value::Table(_) => {
            let c = y.count();
            let idx: Vec<i64> = if deal {
                if m > c {
                    return Err(QError::length());
                }
                deal_indexes(m, c as u64)
            } else {
                if c == 0 {
                    return Err(QError::length());
                }
                (0..m).map(|_| rand_below(c as u64) as i64).collect()
            };
            Ok(take_idx(y, &idx))
        }
        _ => Err(QError::type_()),
    }
}

pub(crate) fn roll_atom(m: usize, deal: bool, a: &Atom) -> QResult<Value> {
    let ints = |lim: i64| -> QResult<Vec<i64>> {
        if lim <= 0 {
            return Err(QError::domain());
        }
        if deal {
            if m as i64 > lim {
                return Err(QError::length());
            }
            Ok(deal_indexes(m, lim as u64))
        } else {
            Ok((0..m).map(|_| rand_below(lim as u64) as i64).collect())
        }
    };
    let v = match *a {
        Atom::Long(0) => {
            let mut seen: HashSet<i64, State> = HashSet::default();
            let mut out = Vec::with_capacity(m);
            while out.len() < m {
                let k = rand_u64() as i64;
                if k != i64::MIN && (!deal || seen.insert(k)) {
                    out.push(k);
                }
            }
            Vector::longs(out)
        }
        Atom::Int(0) if !deal => Vector::from_i32(
            Ty::Int,
            (0..m)
                .map(|_| {
                    loop {
                        let k = rand_u64() as i32;
                        if k != i32::MIN {
                            break k;
                        }
                    }
                })
                .collect(),
        ),
        Atom::Long(l) => Vector::longs(ints(l)?),
        Atom::Int(l) => Vector::from_i32(
            Ty::Int,
            ints(l as i64)?.into_iter().map(|k| k as i32).collect(),
        ),
        Atom::Short(l) => Vector::from_i16(ints(l as i64)?.into_iter().map(|k| k as i16).collect()),
        Atom::Guid(_) => Vector::guids((0..m).map(|_| rand_guid()).collect()),
        Atom::Symbol(s) => {
            let len: usize = s.as_str().parse().map_err(|_| QError::domain())?;
            if len == 0 || len > 8 {
                return Err(QError::domain());
            }
            if deal {
                if len < 8 && m as u64 > 1u64 << (4 * len) {
                    return Err(QError::length());
                }
                let mut seen: HashSet<Sym, State> = HashSet::default();
                let mut out = Vec::with_capacity(m);
                while out.len() < m {
                    let s = rand_sym(len);
                    if seen.insert(s) {
                        out.push(s);
                    }
                }
                Vector::syms(out)
            } else {
                Vector::syms((0..m).map(|_| rand_sym(len)).collect())
            }
        }
        _ if deal => return Err(QError::type_()),
        Atom::Bool(_) => {
            Vector::from_u8(Ty::Bool, (0..m).map(|_| (rand_u64() >> 63) as u8).collect())
        }
        Atom::Byte(0) => {
            Vector::from_u8(Ty::Byte, (0..m).map(|_| (rand_u64() >> 56) as u8).collect())
        }
        Atom::Byte(l) => Vector::from_u8(
            Ty::Byte,
            ints(l as i64)?.into_iter().map(|k| k as u8).collect(),
        ),
        Atom::Char(b' ') => Vector::from_u8(
            Ty::Char,
            (0..m).map(|_| b'a' + rand_below(26) as u8).collect(),
        ),
        Atom::Float(f) => Vector::floats((0..m).map(|_| rand_unit() * f).collect()),
        Atom::Datetime(f) => {
            Vector::from_f64(Ty::Datetime, (0..m).map(|_| rand_unit() * f).collect())
        }
        Atom::Real(f) => {
            Vector::from_f32((0..m).map(|_| (rand_unit() * f as f64) as f32).collect())
        }
        Atom::Month(l) | Atom::Date(l) | Atom::Minute(l) | Atom::Second(l) | Atom::Time(l) => {
            Vector::from_i32(
                a.ty(),
                ints(l as i64)?.into_iter().map(|k| k as i32).collect(),
            )
        }
        Atom::Timestamp(l) | Atom::Timespan(l) => Vector::from_i64(a.ty(), ints(l)?),
        _ => return Err(QError::type_()),
    };
    // numbers drawn below a limit are never null (a float limit of 0n or
    // 0w could give NaN); symbols, guids and bytes are left unknown
    let no_nulls = match *a {
        Atom::Float(f) | Atom::Datetime(f) => f.is_finite(),
        Atom::Real(f) => f.is_finite(),
        Atom::Short(_)
        | Atom::Int(_)
        | Atom::Long(_)
        | Atom::Month(_)
        | Atom::Date(_)
        | Atom::Minute(_)
        | Atom::Second(_)
        | Atom::Time(_)
        | Atom::Timestamp(_)
        | Atom::Timespan(_) => true,
        _ => false,
    };
    if no_nulls {
        v.data().set_no_nulls();
    }
    Ok(Value::Vector(v))
}

/// `\S` / `\S n`: the random seed (the generator restarts from `n`).
pub fn seed_command(rest: &str) -> QResult<Outcome> {
    if rest.is_empty() {
        return Ok(Outcome::Value(Value::int(SEED_SHOWN.with(|s| s.get()))));
    }
    let n: i32 = rest.trim().parse().map_err(|_| QError::type_())?;
    SEED_SHOWN.with(|s| s.set(n));
    crate::ops::random::set_seed(n as i64 as u64);
    Ok(Outcome::Silent)
}

thread_local! {
    /// The seed `\S` shows: q's default `-314159`, then the last one set.
    static SEED_SHOWN: std::cell::Cell<i32> = const { std::cell::Cell::new(-314159) };
}
