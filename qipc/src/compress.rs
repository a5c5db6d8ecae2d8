//! kdb+'s IPC compression (the LZ variant of c.java's `compress`/`u`).
//!
//! A compressed message keeps its 8-byte header with byte 2 set to 1 and
//! bytes 4..7 the compressed length; bytes 8..11 hold the uncompressed total
//! length; the compressed stream starts at byte 12. One flag byte governs the
//! next eight items (least significant bit first): a clear bit is a literal
//! byte, a set bit a back-reference `(hash byte, extra length)` into a table
//! of positions keyed by the XOR of two consecutive bytes.

use qcore::QError;
use qcore::QResult;

fn bad(what: &str) -> QError {
    QError::new("badmsg").with_detail(format!("bad compressed IPC message: {what}"))
}

/// Compresses a whole message (header included). `None` when the result
/// would not be smaller than half the input (kdb+ then sends it as is).
pub fn compress(y: &[u8]) -> Option<Vec<u8>> {
    let t = y.len();
    if !(12..=i32::MAX as usize).contains(&t) {
        return None;
    }
    let e = t / 2;
    let mut b = vec![0u8; e.max(12)];
    b[..4].copy_from_slice(&y[..4]);
    b[2] = 1;
    b[8..12].copy_from_slice(&(t as u32).to_le_bytes());
    let mut a = [0usize; 256];
    let (mut c, mut d) = (12usize, 12usize);
    let (mut f, mut i) = (0u8, 0u8);
    let (mut h0, mut h, mut s0, mut s) = (0usize, 0usize, 0usize, 8usize);
    while s < t {
        if i == 0 {
            if d + 17 > e {
                return None;
            }
            i = 1;
            b[c] = f;
            c = d;
            d += 1;
            f = 0;
        }
        let mut g = s + 3 > t;
        let mut p = 0;
        if !g {
            h = (y[s] ^ y[s + 1]) as usize;
            p = a[h];
            g = p == 0 || y[s] != y[p];
        }
        if s0 > 0 {
            a[h0] = s0;
            s0 = 0;
        }
        if g {
            h0 = h;
            s0 = s;
            b[d] = y[s];
            d += 1;
            s += 1;
        } else {
            a[h] = s;
            f |= i;
            p += 2;
            s += 2;
            let r = s;
            let q = (s + 255).min(t);
            while s < q && y[p] == y[s] {
                s += 1;
                p += 1;
            }
            b[d] = h as u8;
            b[d + 1] = (s - r) as u8;
            d += 2;
        }
        i = i.wrapping_mul(2);
    }
    b[c] = f;
    b[4..8].copy_from_slice(&(d as u32).to_le_bytes());
    b.truncate(d);
    Some(b)
}

/// Decompresses a whole compressed message into the whole uncompressed
/// message (header copied, byte 2 cleared, length fixed). Every index is
/// checked: bad data is an error, never a panic.
pub fn decompress(src: &[u8], little: bool, limit: usize) -> QResult<Vec<u8>> {
    let n = src.get(8..12).ok_or_else(|| bad("short"))?;
    let n: [u8; 4] = n.try_into().map_err(|_| bad("short"))?;
    let ulen = if little {
        u32::from_le_bytes(n)
    } else {
        u32::from_be_bytes(n)
    } as usize;
    if !(9..=limit).contains(&ulen) || ulen > i32::MAX as usize {
        return Err(bad("uncompressed length"));
    }
    // one flag byte and eight 2-byte references expand to at most 8*257
    // bytes: a claim beyond that ratio is a lie (and no allocation is made)
    if ulen > src.len().saturating_mul(128) + 64 {
        return Err(bad("uncompressed length"));
    }
    qcore::check_bytes(ulen)?;
    let mut dst = vec![0u8; ulen];
    dst[..8].copy_from_slice(&src[..8]);
    dst[2] = 0;
    dst[4..8].copy_from_slice(&if little {
        (ulen as u32).to_le_bytes()
    } else {
        (ulen as u32).to_be_bytes()
    });
    let mut tbl = [0usize; 256];
    let (mut s, mut p, mut d) = (8usize, 8usize, 12usize);
    let (mut f, mut i) = (0u8, 0u8);
    let get = |d: usize| src.get(d).copied().ok_or_else(|| bad("truncated"));
    while s < ulen {
        if i == 0 {
            f = get(d)?;
            d += 1;
            i = 1;
        }
        let mut n = 0usize;
        let backref = f & i != 0;
        if backref {
            let mut r = tbl[get(d)? as usize];
            d += 1;
            if r < 8 || s + 2 > ulen || r + 1 >= s {
                return Err(bad("back-reference"));
            }
            dst[s] = dst[r];
            dst[s + 1] = dst[r + 1];
            s += 2;
            r += 2;
            n = get(d)? as usize;
            d += 1;
            if s + n > ulen {
                return Err(bad("back-reference length"));
            }
            for m in 0..n {
                dst[s + m] = dst[r + m];
            }
        } else {
            dst[s] = get(d)?;
            d += 1;
            s += 1;
        }
        while p + 1 < s {
            tbl[(dst[p] ^ dst[p + 1]) as usize] = p;
            p += 1;
        }
        if backref {
            s += n;
            p = s;
        }
        i = i.wrapping_mul(2);
    }
    Ok(dst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Body;
    use crate::NoFuncs;
    use qcore::Sym;
    use qcore::Value;
    use qcore::Vector;

    fn msg(v: &Value) -> Vec<u8> {
        crate::frame(2, v, &NoFuncs).unwrap()
    }

    fn longs(v: impl IntoIterator<Item = i64>) -> Value {
        Value::Vector(Vector::longs(v.into_iter().collect()))
    }

    #[test]
    fn round_trip() {
        let abc = ["abc", "defg", "h"].map(Sym::new);
        let cases = [
            longs(0..100_000),
            longs(std::iter::repeat_n(42, 100_000)),
            Value::Vector(Vector::syms((0..10_000).map(|i| abc[i % 3]).collect())),
            Value::Vector(Vector::chars(&b"hello world ".repeat(84)[..1000])),
            Value::list(vec![
                longs(0..5000),
                Value::Vector(Vector::syms(vec![Sym::new("x"); 5000])),
            ]),
        ];
        for v in &cases {
            let m = msg(v);
            let c = compress(&m).expect("compresses");
            assert!(c.len() < m.len() / 2);
            assert_eq!(c[2], 1);
            assert_eq!(
                u32::from_le_bytes(c[4..8].try_into().unwrap()) as usize,
                c.len()
            );
            let back = decompress(&c, true, 1 << 30).unwrap();
            assert_eq!(back, m);
            let (_, body) = crate::decode_message(&c, 1 << 30, &mut NoFuncs).unwrap();
            assert!(matches!(body, Body::Value(_)));
        }
        // 1000000#42 compresses to a few percent
        let m = msg(&longs(std::iter::repeat_n(42, 1_000_000)));
        let c = compress(&m).unwrap();
        assert!(c.len() * 100 / m.len() < 5, "{}", c.len());
    }

    #[test]
    fn incompressible_is_none() {
        // pseudo-random bytes
        let mut x: u64 = 88172645463325252;
        let bytes: Vec<u8> = (0..5000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let mut m = vec![1, 2, 0, 0, 0, 0, 0, 0, 4, 0];
        m.extend_from_slice(&(bytes.len() as i32).to_le_bytes());
        m.extend(bytes);
        assert!(compress(&m).is_none());
        assert!(compress(&m[..10]).is_none());
    }

    #[test]
    fn garbage_is_error() {
        let m = msg(&longs(0..10_000));
        let c = compress(&m).unwrap();
        // truncated stream
        assert!(decompress(&c[..c.len() / 2], true, 1 << 30).is_err());
        // flip bytes everywhere: never a panic
        for k in 12..c.len().min(400) {
            let mut g = c.clone();
            g[k] = g[k].wrapping_add(97);
            let _ = decompress(&g, true, 1 << 30);
        }
        // absurd uncompressed length
        let mut g = c.clone();
        g[8..12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        assert!(decompress(&g, true, 1 << 30).is_err());
    }
}
