//! Benchmarks live in `benches/benches/`; this library holds the data
//! generators they share.

/// A deterministic xorshift sequence (no rand dependency).
pub fn xorshift(n: usize, mut s: u64) -> Vec<u64> {
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        })
        .collect()
}
