//! Byte-exact examples from the kdb+ documentation, round trips of every
//! type in both byte orders, and malformed input. Values are built from
//! `qcore` directly; functions go through [`TestCodec`], a stand-in for the
//! interpreter (the real primitive table is pinned in `qengine`).

use std::sync::Arc;

use qcore::Adverb;
use qcore::Atom;
use qcore::Attr;
use qcore::Dict;
use qcore::Func;
use qcore::Lambda;
use qcore::Prim;
use qcore::Projection;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use qcore::Vector;

use crate::*;

/// Encodes a builtin as its type code and registry id, and makes lambdas
/// that keep their source and namespace (the body is never run here).
struct TestCodec;

impl FuncCodec for TestCodec {
    fn prim_to_wire(&self, p: &Prim) -> Option<PrimCode> {
        (p.id < 200).then_some(PrimCode {
            ty: p.type_code as u8,
            index: p.id as u8,
        })
    }
    fn prim_from_wire(&mut self, code: PrimCode) -> QResult<Value> {
        if code.index >= 200 {
            return Err(QError::new("badmsg"));
        }
        Ok(Value::Func(Func::Builtin(Prim {
            id: code.index as u16,
            type_code: code.ty as i16,
            name: "?",
        })))
    }
    fn lambda(&mut self, ns: Sym, source: &str) -> QResult<Value> {
        if !(source.starts_with('{') && source.ends_with('}')) {
            return Err(QError::new("badmsg"));
        }
        Ok(Value::Func(Func::Lambda(Arc::new(Lambda {
            source: source.to_string(),
            params: Vec::new(),
            namespace: ns,
            body: Box::new(()),
        }))))
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hexb(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn msg(v: &Value) -> String {
    hex(&frame(ASYNC, v, &TestCodec).unwrap())
}

fn payload(v: &Value) -> String {
    hex(&encode(v, &TestCodec).unwrap())
}

fn atom(a: Atom) -> Value {
    Value::Atom(a)
}

fn vector(v: Vector) -> Value {
    Value::Vector(v)
}

fn with_attr(mut v: Vector, a: Attr) -> Value {
    v.attr = a;
    Value::Vector(v)
}

fn syms(s: &[&str]) -> Vector {
    Vector::syms(s.iter().map(|x| Sym::new(x)).collect())
}

fn dict(keys: Value, values: Value, sorted: bool) -> Value {
    Value::Dict(Arc::new(Dict {
        keys,
        values,
        sorted,
    }))
}

fn table(names: &[&str], columns: Vec<Value>) -> Value {
    Value::Table(Arc::new(Table {
        names: names.iter().map(|x| Sym::new(x)).collect(),
        columns,
    }))
}

fn prim(id: u16, type_code: i16) -> Value {
    Value::Func(Func::Builtin(Prim {
        id,
        type_code,
        name: "?",
    }))
}

fn lambda(ns: &str, src: &str) -> Value {
    TestCodec.lambda(Sym::new(ns), src).unwrap()
}

#[test]
fn documented_examples() {
    // code.kx.com, kb/serialization
    assert_eq!(msg(&Value::int(1)), "010000000d000000fa01000000");
    assert_eq!(
        msg(&vector(Vector::from_i32(Ty::Int, vec![1]))),
        "010000001200000006000100000001000000"
    );
    let d = dict(
        vector(syms(&["a", "b"])),
        vector(Vector::from_i32(Ty::Int, vec![2, 3])),
        false,
    );
    assert_eq!(
        msg(&d),
        "0100000021000000630b0002000000610062000600020000000200000003000000"
    );
    assert_eq!(msg(&Value::long(2)), "0100000011000000f90200000000000000");
    assert_eq!(
        hex(&error_frame(RESPONSE, "type")),
        "010200000e000000807479706500"
    );
    // the same `1i` written big-endian (classic c.java)
    assert_eq!(
        hex(&frame_with(ASYNC, &Value::int(1), false, &TestCodec).unwrap()),
        "000000000000000dfa00000001"
    );
}

#[test]
fn table_lambda_and_function_examples() {
    let t = table(
        &["a", "b"],
        vec![
            vector(Vector::longs(vec![1, 2, 3])),
            vector(syms(&["x", "y", "z"])),
        ],
    );
    let want = [
        "6200630b000200000061006200",
        "000002000000",
        "070003000000",
        "010000000000000002000000000000000300000000000000",
        "0b0003000000780079007a00",
    ]
    .concat();
    assert_eq!(payload(&t), want);
    assert_eq!(payload(&lambda(".", "{x+y}")), "64000a00050000007b782b797d");
    // context `foo` is written without its dot
    assert_eq!(
        payload(&lambda(".foo", "{x}")),
        "64666f6f000a00030000007b787d"
    );
    assert_eq!(payload(&Value::Nil), "6500");
    // +[1] with the binary primitive 1: 104, count 2, function, argument
    let p = Value::Func(Func::Projection(Arc::new(Projection {
        func: prim(1, 102),
        args: vec![Some(Value::long(1))],
    })));
    assert_eq!(payload(&p), "68020000006601f90100000000000000");
    // an elided argument is 101 255
    let p = Value::Func(Func::Projection(Arc::new(Projection {
        func: prim(1, 102),
        args: vec![None, Some(Value::long(1))],
    })));
    assert_eq!(payload(&p), "6803000000660165fff90100000000000000");
    // f/ : 107 then the operand
    assert_eq!(
        payload(&Value::derived(Adverb::Over, prim(1, 102))),
        "6b6601"
    );
    let c = Value::Func(Func::Composition(Arc::new(vec![
        prim(2, 101),
        prim(1, 102),
    ])));
    assert_eq!(payload(&c), "690200000065026601");
}

/// Every simple type as an atom and a vector, nulls and infinities,
/// attributes, nested lists, dictionaries, tables and functions.
fn samples() -> Vec<Value> {
    let g = [7u8; 16];
    let mut v = vec![
        atom(Atom::Bool(false)),
        atom(Atom::Bool(true)),
        atom(Atom::Guid(g)),
        atom(Atom::Guid([0; 16])),
        atom(Atom::Byte(0x2a)),
        atom(Atom::Short(-5)),
        atom(Atom::Short(i16::MIN)),
        Value::int(7),
        Value::int(i32::MIN),
        Value::int(i32::MAX),
        Value::long(42),
        Value::long(i64::MIN),
        Value::long(-i64::MAX),
        atom(Atom::Real(1.5)),
        atom(Atom::Real(f32::NAN)),
        Value::float(2.5),
        Value::float(f64::NAN),
        Value::float(f64::INFINITY),
        Value::char(b'a'),
        Value::sym("abc"),
        Value::sym(""),
        atom(Atom::Timestamp(1_000_000_000)),
        atom(Atom::Month(288)),
        atom(Atom::Date(8766)),
        atom(Atom::Date(i32::MIN)),
        atom(Atom::Datetime(8766.5)),
        atom(Atom::Timespan(3_600_000_000_000)),
        atom(Atom::Minute(750)),
        atom(Atom::Second(45015)),
        atom(Atom::Time(43_200_000)),
        vector(Vector::bools(vec![true, false, true])),
        vector(Vector::guids(vec![g, [0; 16]])),
        vector(Vector::from_u8(Ty::Byte, vec![1, 2])),
        vector(Vector::from_i16(vec![1, 2, i16::MIN])),
        vector(Vector::from_i32(Ty::Int, vec![1, 2, 3])),
        vector(Vector::longs(vec![1, 2, i64::MAX])),
        vector(Vector::from_f32(vec![1.5, 2.5])),
        vector(Vector::floats(vec![1.5, f64::NAN, f64::INFINITY])),
        vector(Vector::chars(b"hello")),
        vector(syms(&["a", "bc", ""])),
        vector(Vector::from_i64(Ty::Timestamp, vec![1, i64::MIN])),
        vector(Vector::from_i32(Ty::Month, vec![1, 2])),
        vector(Vector::from_i32(Ty::Date, vec![8766, 8797])),
        vector(Vector::from_f64(Ty::Datetime, vec![0.25])),
        vector(Vector::from_i64(Ty::Timespan, vec![5])),
        vector(Vector::from_i32(Ty::Minute, vec![5])),
        vector(Vector::from_i32(Ty::Second, vec![5])),
        vector(Vector::from_i32(Ty::Time, vec![5])),
        vector(Vector::longs(vec![])),
        vector(Vector::chars(b"")),
        with_attr(Vector::longs(vec![1, 2, 3]), Attr::Sorted),
        with_attr(syms(&["a", "b"]), Attr::Unique),
        with_attr(Vector::longs(vec![1, 1, 2]), Attr::Parted),
        with_attr(Vector::longs(vec![2, 1, 2]), Attr::Grouped),
        Value::list(vec![Value::long(1), Value::sym("a"), Value::string("x")]),
        Value::list(vec![
            vector(Vector::longs(vec![1, 2])),
            Value::list(vec![Value::long(3), Value::sym("b")]),
        ]),
        Value::list(vec![]),
        dict(
            vector(syms(&["a", "b"])),
            vector(Vector::longs(vec![1, 2])),
            false,
        ),
        dict(
            vector(syms(&["a", "b"])),
            vector(Vector::longs(vec![1, 2])),
            true,
        ),
        dict(
            vector(syms(&["a", "b"])),
            Value::list(vec![vector(Vector::longs(vec![1, 2])), Value::string("xy")]),
            false,
        ),
        table(
            &["a", "b"],
            vec![
                vector(Vector::longs(vec![1, 2, 3])),
                vector(syms(&["x", "y", "z"])),
            ],
        ),
        lambda(".", "{x+y}"),
        lambda(".foo", "{[a;b] a*b}"),
        prim(1, 102),
        prim(2, 101),
        Value::Nil,
        Value::derived(
            Adverb::Each,
            Value::derived(Adverb::EachLeft, prim(12, 102)),
        ),
        Value::derived(Adverb::Scan, lambda(".", "{x}")),
        Value::Func(Func::Projection(Arc::new(Projection {
            func: lambda(".", "{x+y+z}"),
            args: vec![Some(Value::long(1)), None, Some(Value::long(3))],
        }))),
        Value::Func(Func::Composition(Arc::new(vec![
            prim(2, 101),
            prim(1, 102),
        ]))),
    ];
    // a keyed table: a dictionary from a table to a table
    let k = table(&["k"], vec![vector(Vector::longs(vec![1, 2]))]);
    let t = table(&["v"], vec![vector(syms(&["a", "b"]))]);
    v.push(dict(k, t, false));
    v
}

#[test]
fn round_trips_in_both_byte_orders() {
    for v in samples() {
        let le = payload(&v);
        for little in [true, false] {
            let m = frame_with(SYNC, &v, little, &TestCodec).unwrap();
            assert_eq!(m[0], little as u8);
            let (h, body) = decode_message(&m, 1 << 30, &mut TestCodec).unwrap();
            assert_eq!((h.msgtype, h.little, h.len), (SYNC, little, m.len()));
            let Body::Value(back) = body else {
                panic!("error body")
            };
            // the same bytes again: the same types, attributes and values
            assert_eq!(payload(&back), le, "little={little}");
        }
    }
}

#[test]
fn big_endian_is_every_number_reversed() {
    // `1 2i` and `` `a`b!3 4h ``: only numbers change order, not type bytes,
    // attributes or symbols
    let v = vector(Vector::from_i32(Ty::Int, vec![1, 2]));
    assert_eq!(
        hex(&encode_with(&v, false, &TestCodec).unwrap()),
        "0600000000020000000100000002"
    );
    let d = dict(
        vector(syms(&["a", "b"])),
        vector(Vector::from_i16(vec![3, 4])),
        false,
    );
    assert_eq!(
        hex(&encode_with(&d, false, &TestCodec).unwrap()),
        "630b00000000026100620005000000000200030004"
    );
}

#[test]
fn lambda_keeps_its_context() {
    let p = hexb("64666f6f000a00030000007b787d");
    let Body::Value(Value::Func(Func::Lambda(l))) = decode(&p, true, &mut TestCodec).unwrap()
    else {
        panic!()
    };
    assert_eq!((l.namespace.as_str(), l.source.as_str()), (".foo", "{x}"));
    let p = hexb("64000a00030000007b787d");
    let Body::Value(Value::Func(Func::Lambda(l))) = decode(&p, true, &mut TestCodec).unwrap()
    else {
        panic!()
    };
    assert_eq!(l.namespace.as_str(), ".");
}

#[test]
fn nil_and_the_elided_marker() {
    for p in ["6500", "65ff"] {
        assert!(matches!(
            decode(&hexb(p), true, &mut TestCodec).unwrap(),
            Body::Value(Value::Nil)
        ));
    }
    // without an interpreter, data still crosses and primitives do not
    assert!(decode(&hexb("6601"), true, &mut NoFuncs).is_err());
    assert!(encode(&prim(1, 102), &NoFuncs).is_err());
    assert!(matches!(
        decode(&hexb("6500"), true, &mut NoFuncs).unwrap(),
        Body::Value(Value::Nil)
    ));
}

#[test]
fn errors_decode() {
    let b = error_frame(RESPONSE, "type");
    let (h, body) = decode_message(&b, 1 << 20, &mut TestCodec).unwrap();
    assert_eq!(h.msgtype, RESPONSE);
    assert!(matches!(body, Body::Error(s) if s == "type"));
    // a NUL inside the text cannot be represented: it is dropped
    assert_eq!(hex(&error_frame(2, "a\0b")[8..]), "80616200");
}

#[test]
fn unframe_checks_and_decompresses() {
    let v = vector(Vector::longs((0..10_000).collect()));
    let m = frame(RESPONSE, &v, &TestCodec).unwrap();
    let c = compress::compress(&m).unwrap();
    let u = unframe(c, 1 << 30).unwrap();
    assert!(u.header.compressed);
    assert_eq!(u.payload(), &m[8..]);
    let Body::Value(back) = u.decode(&mut TestCodec).unwrap() else {
        panic!()
    };
    assert_eq!(payload(&back), payload(&v));
    assert!(unframe(m[..m.len() - 1].to_vec(), 1 << 30).is_err());
    assert!(unframe(m.clone(), 100).is_err());
}

#[test]
fn malformed_inputs_are_errors() {
    let cases: Vec<Vec<u8>> = vec![
        vec![],
        vec![1, 0, 0],
        // header says 13, has 12
        hexb("010000000d000000fa010000"),
        // vector count 2^31-1
        hexb("0100000012000000060000ffffff7f01000000"),
        // negative count
        hexb("01000000120000000600ffffffff01000000"),
        // unknown type byte
        hexb("010000000a0000005000"),
        // unknown attribute
        hexb("010000001200000006090100000001000000"),
        // trailing bytes
        hexb("010000000e000000fa0100000000"),
        // unterminated symbol
        hexb("010000000b000000f56162"),
        // general list claiming many items
        hexb("0100000012000000000000000010fa01000000"),
        // dict with unequal counts
        hexb("010000001b000000630600010000000100000006000000000000"),
        // table with a non-symbol key
        hexb("010000000c00000062006307000000"),
        // bad byte order, message type, compression flag
        hexb("020000000d000000fa01000000"),
        hexb("010300000d000000fa01000000"),
        hexb("010002000d000000fa01000000"),
        // length 2^31
        hexb("0100000000000080fa01000000"),
        // length < 9
        hexb("0100000008000000"),
        // compressed with nonsense
        hexb("0100010010000000ffffff7fffffffff"),
        // lambda with a non-string body
        hexb("010000000f0000006400fa01000000"),
        // lambda with bad source
        hexb("010000001000000064000a0002000000287b"),
        // a primitive the codec does not know
        hexb("010000000a00000066ee"),
        // type byte 104 with no parts, composition with an elided part
        hexb("010000000d0000006800000000"),
        hexb("010000000f000000690100000065ff"),
        // projection of data
        hexb("01000000160000006801000000f90100000000000000"),
        // an error object inside a list
        hexb("0100000011000000000001000000806100"),
    ];
    for c in cases {
        assert!(
            decode_message(&c, 1 << 30, &mut TestCodec).is_err(),
            "{}",
            hex(&c)
        );
    }
    // deep nesting
    let mut deep = vec![1, 0, 0, 0, 0, 0, 0, 0];
    for _ in 0..10_000 {
        deep.extend_from_slice(&[0, 0, 1, 0, 0, 0]);
    }
    deep.extend_from_slice(&[0xfa, 1, 0, 0, 0]);
    let n = deep.len() as u32;
    deep[4..8].copy_from_slice(&n.to_le_bytes());
    assert!(decode_message(&deep, 1 << 30, &mut TestCodec).is_err());
}

#[test]
fn every_truncation_and_byte_flip_is_an_error_or_a_value() {
    // no input panics: cut or corrupt each sample at every position
    for v in samples() {
        let m = frame(SYNC, &v, &TestCodec).unwrap();
        for cut in 0..m.len() {
            let mut b = m[..cut].to_vec();
            if b.len() >= 8 {
                b[4..8].copy_from_slice(&(cut as u32).to_le_bytes());
            }
            let _ = decode_message(&b, 1 << 30, &mut TestCodec);
        }
        for k in 8..m.len() {
            let mut b = m.clone();
            b[k] ^= 0x5a;
            let _ = decode_message(&b, 1 << 30, &mut TestCodec);
        }
    }
}
