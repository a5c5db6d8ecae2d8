//! The random generator behind `?` (roll and deal), `rand` and `\S`: a
//! xorshift64* state per thread, seeded by `\S` ([`set_seed`]), so the same
//! seed gives the same sequence. Draws are uniform below a bound
//! ([`rand_below`]), in `[0,1)` ([`rand_unit`]), distinct ([`deal_indexes`]
//! for `-n?`), random symbols and GUIDs. The sequences are borf's own,
//! not q's: the same seed gives other numbers than q does.

use crate::ops::make::State;
use hashbrown::HashSet;
use qcore::Guid;
use qcore::Sym;
use std::cell::Cell;

// ---------------------------------------------------------------------------
// Random numbers

pub(crate) const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// Sets the random seed (`\S`); zero is replaced by the default seed.
pub fn set_seed(s: u64) {
    RNG.with(|r| r.set(if s == 0 { SEED } else { s }));
}

/// The current random state.
pub fn seed() -> u64 {
    RNG.with(|r| r.get())
}

/// The next 64 random bits (xorshift64*).
pub fn rand_u64() -> u64 {
    RNG.with(|r| {
        let mut x = r.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        r.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

/// A random integer in `0..n` (`n > 0`).
pub(crate) fn rand_below(n: u64) -> u64 {
    ((rand_u64() as u128 * n as u128) >> 64) as u64
}

/// A random float in `[0, 1)`.
pub(crate) fn rand_unit() -> f64 {
    (rand_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `m` distinct random integers from `0..n` (`m <= n`).
pub(crate) fn deal_indexes(m: usize, n: u64) -> Vec<i64> {
    if n <= (8 * m as u64).max(1024) {
        let mut all: Vec<i64> = (0..n as i64).collect();
        for i in 0..m {
            let j = i + rand_below((n as usize - i) as u64) as usize;
            all.swap(i, j);
        }
        all.truncate(m);
        all
    } else {
        let mut seen: HashSet<i64, State> = HashSet::default();
        let mut out = Vec::with_capacity(m);
        while out.len() < m {
            let k = rand_below(n) as i64;
            if seen.insert(k) {
                out.push(k);
            }
        }
        out
    }
}

pub(crate) fn rand_sym(len: usize) -> Sym {
    let mut s = String::with_capacity(len);
    let mut bits = rand_u64();
    for _ in 0..len {
        s.push((b'a' + (bits & 15) as u8) as char);
        bits >>= 4;
    }
    Sym::new(&s)
}

pub(crate) fn rand_guid() -> Guid {
    let a = rand_u64().to_le_bytes();
    let b = rand_u64().to_le_bytes();
    let mut g = [0u8; 16];
    g[..8].copy_from_slice(&a);
    g[8..].copy_from_slice(&b);
    g
}

thread_local! {
    static RNG: Cell<u64> = const { Cell::new(SEED) };
}
