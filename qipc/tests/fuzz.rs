//! Fuzzing the IPC decoder: random bytes, and valid messages (plain and
//! compressed) with bytes flipped, inserted, cut and length fields lied
//! about, go through `unframe`, `decode_message` and `decompress`. Every
//! case must come back as a value or an error — no panic, no abort, no
//! allocation beyond the message limit.
//!
//! `FUZZ_CASES` sets the number of cases per property (default 4,000,
//! a few seconds); `scripts/fuzz` runs it for longer.

use proptest::prelude::*;
use qcore::Prim;
use qcore::{Atom, QError, QResult, Sym, Ty, Value, Vector};
use qipc::{FuncCodec, PrimCode};

/// The largest message the fuzzed decoder accepts (the server's limit is
/// larger; a small one keeps lying length fields cheap).
const LIMIT: usize = 1 << 20;

/// Accepts every primitive and lambda (as a plain value), so mutated
/// function payloads travel as deep as they can.
struct AnyFuncs;

impl FuncCodec for AnyFuncs {
    fn prim_to_wire(&self, _: &Prim) -> Option<PrimCode> {
        None
    }
    fn prim_from_wire(&mut self, code: PrimCode) -> QResult<Value> {
        Ok(Value::Atom(Atom::Long(code.index as i64)))
    }
    fn lambda(&mut self, _: Sym, source: &str) -> QResult<Value> {
        if source.starts_with('{') {
            Ok(Value::Vector(Vector::chars(source.as_bytes())))
        } else {
            Err(QError::type_())
        }
    }
}

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4_000)
}

/// Valid messages to mutate: every vector type, nested lists, a
/// dictionary, a table, a keyed table, both byte orders, and compressed
/// forms of the larger ones.
fn seeds() -> Vec<Vec<u8>> {
    let syms = |v: &[&str]| Value::Vector(Vector::syms(v.iter().map(|s| Sym::new(s)).collect()));
    let longs = |n: i64| Value::Vector(Vector::longs((0..n).collect()));
    let table = Value::table(
        vec![Sym::new("a"), Sym::new("s"), Sym::new("c")],
        vec![
            longs(300),
            syms(&["x"; 300]),
            Value::list(
                (0..300)
                    .map(|i| Value::Vector(Vector::chars(format!("r{i}").as_bytes())))
                    .collect(),
            ),
        ],
    );
    let values = vec![
        Value::Atom(Atom::Long(42)),
        Value::Atom(Atom::Symbol(Sym::new("abc"))),
        longs(10),
        Value::Vector(Vector::floats(vec![1.5, f64::NAN, -0.0])),
        Value::Vector(Vector::chars(b"hello world")),
        Value::Vector(Vector::from_i32(Ty::Date, vec![1, 2, i32::MIN])),
        Value::Vector(Vector::from_i64(Ty::Timestamp, vec![0, i64::MIN])),
        syms(&["a", "bb", ""]),
        Value::list(vec![
            longs(3),
            Value::list(vec![syms(&["q"]), Value::Atom(Atom::Bool(true))]),
        ]),
        Value::dict(syms(&["a", "b"]), longs(2)),
        table.clone(),
        Value::dict(
            Value::table(vec![Sym::new("k")], vec![longs(3)]),
            Value::table(vec![Sym::new("v")], vec![syms(&["x", "y", "z"])]),
        ),
        Value::Vector(Vector::chars(&[b'a'; 5000])),
    ];
    let mut out = Vec::new();
    for v in &values {
        for little in [true, false] {
            if let Ok(m) = qipc::frame_with(qipc::SYNC, v, little, &qipc::NoFuncs) {
                // borf (like kdb+ on x86) compresses what it sends, which
                // is little-endian
                if let Some(c) = little.then(|| qipc::compress::compress(&m)).flatten() {
                    out.push(c);
                }
                out.push(m);
            }
        }
    }
    // a lambda and a projection as q sends them: type 100 (namespace, text)
    // and 104 (`::` projected on 1)
    out.push(vec![
        1, 1, 0, 0, 19, 0, 0, 0, 100, 0, 10, 0, 3, 0, 0, 0, b'{', b'x', b'}',
    ]);
    out.push(vec![
        1, 1, 0, 0, 24, 0, 0, 0, 104, 2, 0, 0, 0, 101, 0, 249, 1, 0, 0, 0, 0, 0, 0, 0,
    ]);
    out
}

/// Runs one message through every entry point a server uses.
fn decode_all(msg: &[u8]) {
    let _ = qipc::decode_message(msg, LIMIT, &mut AnyFuncs);
    if let Ok(m) = qipc::unframe(msg.to_vec(), LIMIT) {
        let _ = m.decode(&mut AnyFuncs);
    }
    if msg.len() >= 8 {
        let _ = qipc::compress::decompress(msg, msg[0] == 1, LIMIT);
        let _ = qipc::decode(&msg[8..], msg[0] == 1, &mut AnyFuncs);
    }
    let _ = qipc::decode_prefix(msg, &mut AnyFuncs);
}

/// A mutation of a seed: (kind, position, byte).
fn mutate(seed: &[u8], ops: &[(u8, usize, u8)]) -> Vec<u8> {
    let mut m = seed.to_vec();
    for &(kind, pos, byte) in ops {
        if m.is_empty() {
            m.push(byte);
            continue;
        }
        let p = pos % m.len();
        match kind % 6 {
            0 => m[p] = byte,
            1 => m[p] ^= 1 << (byte % 8),
            2 => m.insert(p, byte),
            3 => {
                m.remove(p);
            }
            4 => m.truncate(p),
            // a lying length or count: a 32-bit field set to an extreme
            _ => {
                let v: u32 = match byte % 4 {
                    0 => u32::MAX,
                    1 => 0x8000_0000,
                    2 => 0,
                    _ => byte as u32 * 0x0101_0101,
                };
                let p = p.min(m.len().saturating_sub(4));
                let end = (p + 4).min(m.len());
                m[p..end].copy_from_slice(&v.to_le_bytes()[..end - p]);
            }
        }
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(msg in proptest::collection::vec(any::<u8>(), 0..256)) {
        decode_all(&msg);
    }

    #[test]
    fn random_bytes_behind_a_valid_header_never_panic(
        little in any::<bool>(),
        compressed in any::<bool>(),
        body in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let n = (body.len() + 8) as u32;
        let len = if little { n.to_le_bytes() } else { n.to_be_bytes() };
        let mut msg = vec![little as u8, 1, compressed as u8, 0];
        msg.extend_from_slice(&len);
        msg.extend_from_slice(&body);
        decode_all(&msg);
    }

    #[test]
    fn mutated_messages_never_panic(
        seed in 0usize..64,
        ops in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 1..6),
    ) {
        let seeds = seeds();
        let m = mutate(&seeds[seed % seeds.len()], &ops);
        decode_all(&m);
    }
}

/// The seeds themselves decode (so the mutations start from real messages);
/// the projection's function would need an interpreter's codec.
#[test]
fn seeds_decode() {
    for s in seeds().into_iter().filter(|s| s[8] != 104) {
        assert!(
            qipc::decode_message(&s, LIMIT, &mut AnyFuncs).is_ok(),
            "seed {:?} does not decode",
            &s[..s.len().min(24)]
        );
    }
}
