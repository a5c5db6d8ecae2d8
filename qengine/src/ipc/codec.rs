//! Functions on the wire, as the interpreter answers for them: the
//! [`qipc::FuncCodec`] of [`Interp`].
//!
//! kdb+ sends a primitive as its index. The glyph operators `:` .. `2:`
//! are binary primitives 0..22 and are the first 23 rows of the registry,
//! in that frozen order, so their index *is* their registry index. Every
//! other primitive kdb+ sends by index is a q keyword named in [`WORDS`]
//! and found in the registry by that name. Lambdas are compiled through
//! the evaluator ([`Interp::parse_text`]) in the namespace they came from;
//! nothing received is evaluated.
//!
//! Builtins without a kdb+ index (`til`, `asc`, `each`, ... are lambdas
//! inside kdb+, which borf cannot send as kdb+ would) are not serializable:
//! `'type`. The bytes of every primitive are pinned in the tests below.

use std::collections::HashMap;
use std::sync::OnceLock;

use qcore::Func;
use qcore::Prim;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Value;
use qipc::PrimCode;
use qipc::codec::BINARY;
use qipc::codec::ITERATOR;
use qipc::codec::UNARY;

use crate::registry;
use crate::state::Interp;

/// kdb+'s glyph primitives `: + - * % & | ^ = < > $ , # _ ~ ! ? @ . 0: 1: 2:`
/// are binary 0..22, and registry rows 0..22.
const GLYPHS: u8 = 23;

/// How a row of [`WORDS`] is used.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Use {
    /// Sent as this index, and this index is received as this builtin.
    Both,
    /// Sent as this index: q binds the name to the same primitive as the
    /// `Both` row of the index (`get` is `value`), which it decodes to.
    Send,
    /// Received only: the primitive has no builtin of its own in borf and
    /// the named one does its work (`,:` is `enlist` of one argument).
    Receive,
}

/// The primitives kdb+ sends by index that are q keywords (the glyph
/// operators' binary forms come from the registry's order instead), from
/// the kdb+ client libraries' primitive tables: unary 0..22 are the glyphs'
/// monadic forms (`+:` .. `2::`; 0 is `::`, decoded by `qipc`), 23..44 k's
/// unary words; binary 23..36 k's binary words; iterators 0..5.
#[rustfmt::skip]
const WORDS: &[(u8, u8, &str, Use)] = &[
    (UNARY, 1, "flip", Use::Both),
    (UNARY, 2, "neg", Use::Both),
    (UNARY, 3, "first", Use::Both),
    (UNARY, 4, "reciprocal", Use::Both),
    (UNARY, 5, "where", Use::Both),
    (UNARY, 6, "reverse", Use::Both),
    (UNARY, 7, "null", Use::Both),
    (UNARY, 8, "group", Use::Both),
    // `<:` and `>:`: q's iasc and idesc wrap them (with a 'rank check)
    (UNARY, 9, "iasc", Use::Both),
    (UNARY, 10, "idesc", Use::Both),
    (UNARY, 10, "hclose", Use::Send),
    (UNARY, 11, "string", Use::Both),
    (UNARY, 12, "enlist", Use::Receive),
    (UNARY, 13, "count", Use::Both),
    (UNARY, 14, "floor", Use::Both),
    (UNARY, 15, "not", Use::Both),
    (UNARY, 16, "key", Use::Both),
    (UNARY, 17, "distinct", Use::Both),
    (UNARY, 18, "type", Use::Both),
    (UNARY, 19, "value", Use::Both),
    (UNARY, 19, "get", Use::Send),
    (UNARY, 20, "read0", Use::Both),
    (UNARY, 21, "read1", Use::Both),
    (UNARY, 23, "avg", Use::Both),
    (UNARY, 24, "last", Use::Both),
    (UNARY, 25, "sum", Use::Both),
    (UNARY, 26, "prd", Use::Both),
    (UNARY, 27, "min", Use::Both),
    (UNARY, 28, "max", Use::Both),
    (UNARY, 29, "exit", Use::Both),
    (UNARY, 30, "getenv", Use::Both),
    (UNARY, 31, "abs", Use::Both),
    (UNARY, 32, "sqrt", Use::Both),
    (UNARY, 33, "log", Use::Both),
    (UNARY, 34, "exp", Use::Both),
    (UNARY, 35, "sin", Use::Both),
    (UNARY, 36, "asin", Use::Both),
    (UNARY, 37, "cos", Use::Both),
    (UNARY, 38, "acos", Use::Both),
    (UNARY, 39, "tan", Use::Both),
    (UNARY, 40, "atan", Use::Both),
    (UNARY, 41, "enlist", Use::Both),
    (UNARY, 42, "var", Use::Both),
    (UNARY, 43, "dev", Use::Both),
    (UNARY, 44, "hopen", Use::Both),
    (BINARY, 5, "and", Use::Send),
    (BINARY, 6, "or", Use::Send),
    (BINARY, 23, "in", Use::Both),
    (BINARY, 24, "within", Use::Both),
    (BINARY, 25, "like", Use::Both),
    (BINARY, 26, "bin", Use::Both),
    (BINARY, 27, "ss", Use::Both),
    (BINARY, 28, "insert", Use::Both),
    (BINARY, 29, "wsum", Use::Both),
    (BINARY, 30, "wavg", Use::Both),
    (BINARY, 31, "div", Use::Both),
    (BINARY, 32, "xexp", Use::Both),
    (BINARY, 33, "setenv", Use::Both),
    (BINARY, 34, "binr", Use::Both),
    (BINARY, 35, "cov", Use::Both),
    (BINARY, 36, "cor", Use::Both),
    (ITERATOR, 0, "'", Use::Both),
    (ITERATOR, 1, "/", Use::Both),
    (ITERATOR, 2, "\\", Use::Both),
    (ITERATOR, 3, "':", Use::Both),
    (ITERATOR, 4, "/:", Use::Both),
    (ITERATOR, 5, "\\:", Use::Both),
];

/// Registry index to wire form, and wire form to registry index.
struct Tables {
    send: HashMap<u16, PrimCode>,
    receive: HashMap<PrimCode, u16>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut send = HashMap::new();
        let mut receive = HashMap::new();
        for i in 0..GLYPHS {
            let code = PrimCode {
                ty: BINARY,
                index: i,
            };
            if registry::is_operator(i as u16) {
                send.insert(i as u16, code);
                receive.insert(code, i as u16);
            }
        }
        // a name missing from the registry is a test failure, not a panic
        for &(ty, index, name, usage) in WORDS {
            let Some(id) = registry::lookup(name) else {
                continue;
            };
            let code = PrimCode { ty, index };
            if usage != Use::Receive {
                send.insert(id, code);
            }
            if usage != Use::Send {
                receive.insert(code, id);
            }
        }
        Tables { send, receive }
    })
}

/// The wire form of registry builtin `id`, if kdb+ has an index for it.
pub fn prim_to_wire(id: u16) -> Option<PrimCode> {
    tables().send.get(&id).copied()
}

/// The registry builtin a wire form names, if borf has one.
pub fn prim_from_wire(code: PrimCode) -> Option<u16> {
    tables().receive.get(&code).copied()
}

fn bad(what: &str) -> QError {
    QError::new("badmsg").with_detail(format!("malformed IPC message: {what}"))
}

impl qipc::FuncCodec for Interp {
    fn prim_to_wire(&self, p: &Prim) -> Option<PrimCode> {
        prim_to_wire(p.id)
    }

    fn prim_from_wire(&mut self, code: PrimCode) -> QResult<Value> {
        if let Some(id) = prim_from_wire(code) {
            return Ok(registry::func(id));
        }
        // indexes inside kdb+'s table that borf lacks (`2::`) are not
        // malformed; the table's last index per type is in WORDS
        let known = WORDS
            .iter()
            .any(|&(ty, index, _, _)| ty == code.ty && index >= code.index);
        if known {
            Err(QError::nyi(&format!(
                "primitive {} {} received over IPC",
                code.ty, code.index
            )))
        } else {
            Err(bad("unknown primitive"))
        }
    }

    /// Parses (never evaluates) the source in namespace `ns`: exactly one
    /// lambda is accepted.
    fn lambda(&mut self, ns: Sym, source: &str) -> QResult<Value> {
        let saved = std::mem::replace(&mut self.namespace, ns);
        let r = self.parse_text(source);
        self.namespace = saved;
        match r {
            Ok(v @ Value::Func(Func::Lambda(_))) => Ok(v),
            Ok(_) => Err(bad("lambda source is not a lambda")),
            Err(_) => Err(bad("lambda source does not parse")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qipc::Body;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn q(it: &mut Interp, src: &str) -> Value {
        it.eval_text(src).unwrap_or_else(|e| panic!("{src}: {e:?}"))
    }

    /// The bytes q sends for every primitive borf sends by index: `-8!f`
    /// is the header `0x01000000 0a000000` then these two bytes. From
    /// kdb+'s tables as the client libraries decode them (type 101 unary,
    /// 102 binary, 103 iterator; then the index). A q expression per row.
    #[rustfmt::skip]
    const PINNED: &[(&str, &str)] = &[
        // the glyph operators, binary 0..22
        ("(:)", "6600"), ("(+)", "6601"), ("(-)", "6602"), ("(*)", "6603"),
        ("(%)", "6604"), ("(&)", "6605"), ("(|)", "6606"), ("(^)", "6607"),
        ("(=)", "6608"), ("(<)", "6609"), ("(>)", "660a"), ("($)", "660b"),
        ("(,)", "660c"), ("(#)", "660d"), ("(_)", "660e"), ("(~)", "660f"),
        ("(!)", "6610"), ("(?)", "6611"), ("(@)", "6612"), ("(.)", "6613"),
        ("(0:)", "6614"), ("(1:)", "6615"), ("(2:)", "6616"),
        // their monadic forms `+:` .. `1::` are the keywords q binds to them
        ("flip", "6501"), ("neg", "6502"), ("first", "6503"), ("reciprocal", "6504"),
        ("where", "6505"), ("reverse", "6506"), ("null", "6507"), ("group", "6508"),
        ("iasc", "6509"), ("idesc", "650a"), ("string", "650b"), ("count", "650d"),
        ("floor", "650e"), ("not", "650f"), ("key", "6510"), ("distinct", "6511"),
        ("type", "6512"), ("value", "6513"), ("read0", "6514"), ("read1", "6515"),
        // k's unary words
        ("avg", "6517"), ("last", "6518"), ("sum", "6519"), ("prd", "651a"),
        ("min", "651b"), ("max", "651c"), ("exit", "651d"), ("getenv", "651e"),
        ("abs", "651f"), ("sqrt", "6520"), ("log", "6521"), ("exp", "6522"),
        ("sin", "6523"), ("asin", "6524"), ("cos", "6525"), ("acos", "6526"),
        ("tan", "6527"), ("atan", "6528"), ("enlist", "6529"), ("var", "652a"),
        ("dev", "652b"), ("hopen", "652c"),
        // k's binary words
        ("in", "6617"), ("within", "6618"), ("like", "6619"), ("bin", "661a"),
        ("ss", "661b"), ("insert", "661c"), ("wsum", "661d"), ("wavg", "661e"),
        ("div", "661f"), ("xexp", "6620"), ("setenv", "6621"), ("binr", "6622"),
        ("cov", "6623"), ("cor", "6624"),
        // names q binds to a primitive above (q's `get~value` is 1b)
        ("get", "6513"), ("hclose", "650a"), ("and", "6605"), ("or", "6606"),
        // `::`, the identity
        ("(::)", "6500"),
    ];

    /// The iterators as values (type 103); borf's parser has no syntax for
    /// a bare iterator, so these are registry names.
    const ITERATORS: &[(&str, &str)] = &[
        ("'", "6700"),
        ("/", "6701"),
        ("\\", "6702"),
        ("':", "6703"),
        ("/:", "6704"),
        ("\\:", "6705"),
    ];

    /// Rows sent as another row's index (q binds both names to one
    /// primitive), with the name that index is received as.
    const ALIASES: &[(&str, &str)] = &[
        ("get", "value"),
        ("hclose", "idesc"),
        ("and", "&"),
        ("or", "|"),
    ];

    #[test]
    fn every_primitive_has_qs_bytes() {
        let mut it = Interp::new();
        for &(src, want) in PINNED {
            let v = q(&mut it, &format!("-8!{src}"));
            let Value::Vector(v) = v else {
                panic!("-8!{src}")
            };
            let got = hex(v.as_u8().unwrap_or(&[]));
            assert_eq!(got, format!("010000000a000000{want}"), "-8!{src}");
        }
        for &(name, want) in ITERATORS {
            let id = registry::lookup(name).unwrap();
            let b = qipc::encode(&registry::func(id), &it).unwrap();
            assert_eq!(hex(&b), want, "{name}");
        }
    }

    #[test]
    fn every_registry_row_sent_by_index_is_pinned() {
        // a row given a wire index, or a table name the registry lost, must
        // show up here; so must a row moved among the frozen glyphs
        let it = Interp::new();
        let pinned: HashMap<String, &str> = PINNED
            .iter()
            .map(|&(s, b)| (s.trim_matches(|c| c == '(' || c == ')').to_string(), b))
            .chain(ITERATORS.iter().map(|&(s, b)| (s.to_string(), b)))
            .collect();
        let mut sent = 0;
        for (i, b) in registry::BUILTINS.iter().enumerate() {
            let f = registry::func(i as u16);
            match qipc::encode(&f, &it) {
                Ok(bytes) => {
                    sent += 1;
                    assert_eq!(
                        pinned.get(b.name).copied(),
                        Some(&*hex(&bytes)),
                        "{}",
                        b.name
                    );
                }
                Err(_) => assert!(!pinned.contains_key(b.name), "{} is not sent", b.name),
            }
        }
        // everything pinned but `::` is a registry row
        assert_eq!(sent, pinned.len() - 1);
        for &(_, _, name, _) in WORDS {
            assert!(registry::lookup(name).is_some(), "{name} left the registry");
        }
    }

    #[test]
    fn every_primitive_round_trips() {
        let mut it = Interp::new();
        let mut n = 0;
        for i in 0..registry::BUILTINS.len() as u16 {
            let f = registry::func(i);
            let Ok(bytes) = qipc::encode(&f, &it) else {
                continue;
            };
            n += 1;
            let Body::Value(back) = qipc::decode(&bytes, true, &mut it).unwrap() else {
                panic!()
            };
            let name = registry::name(i);
            let want = ALIASES
                .iter()
                .find(|(a, _)| *a == name)
                .map_or(name, |&(_, canon)| canon);
            let Value::Func(Func::Builtin(p)) = back else {
                panic!("{name} came back as {back:?}")
            };
            assert_eq!(p.name, want, "{name}");
            assert_eq!(p, registry::prim(registry::lookup(want).unwrap()));
            // and q's text through -9!-8! gives the same function
            if !ITERATORS.iter().any(|(n, _)| *n == name) {
                let src = if registry::is_operator(i) {
                    format!("-9!-8!({name})")
                } else {
                    format!("-9!-8!{name}")
                };
                let back = q(&mut it, &src);
                assert!(
                    matches!(back, Value::Func(Func::Builtin(p)) if p.name == want),
                    "{src}"
                );
            }
        }
        assert_eq!(n, PINNED.len() - 1 + ITERATORS.len());
    }

    #[test]
    fn received_only_and_unknown_indexes() {
        let mut it = Interp::new();
        // `,:` is received as enlist; `2::` has no builtin; 45 is unknown
        let Body::Value(Value::Func(Func::Builtin(p))) =
            qipc::decode(&[101, 12], true, &mut it).unwrap()
        else {
            panic!()
        };
        assert_eq!(p.name, "enlist");
        let e = qipc::decode(&[101, 22], true, &mut it).unwrap_err();
        assert_eq!(e.name, "nyi");
        for b in [[101, 45], [102, 37], [103, 6], [102, 255]] {
            assert_eq!(qipc::decode(&b, true, &mut it).unwrap_err().name, "badmsg");
        }
    }

    #[test]
    fn lambdas_compile_in_their_context_and_nothing_runs() {
        let mut it = Interp::new();
        let b = qipc::encode(&q(&mut it, "{x*2}"), &it).unwrap();
        let Body::Value(f) = qipc::decode(&b, true, &mut it).unwrap() else {
            panic!()
        };
        let r = crate::builtins::apply::apply(&mut it, &f, vec![Value::long(21)]).unwrap();
        assert!(matches!(r, Value::Atom(qcore::Atom::Long(42))));
        // context `foo`
        let mut p = vec![100];
        p.extend_from_slice(b"foo\0");
        p.extend(qipc::encode(&Value::string("{x}"), &it).unwrap());
        let Body::Value(Value::Func(Func::Lambda(l))) = qipc::decode(&p, true, &mut it).unwrap()
        else {
            panic!()
        };
        assert_eq!(l.namespace.as_str(), ".foo");
        assert_eq!(it.namespace.as_str(), ".");
        // text that is not exactly one lambda is refused, not evaluated
        for src in ["a:1", "{x}[1]", "{x};a:2", "(", "\\d .bar"] {
            let mut p = vec![100, 0];
            p.extend(qipc::encode(&Value::string(src), &it).unwrap());
            assert_eq!(
                qipc::decode(&p, true, &mut it).unwrap_err().name,
                "badmsg",
                "{src}"
            );
        }
        assert!(it.get_global(Sym::new("a")).is_none());
        assert_eq!(it.namespace.as_str(), ".");
    }
}
