//! Functions on the wire, as the interpreter answers for them: the
//! [`qipc::FuncCodec`] of [`Interp`].
//!
//! kdb+ sends a primitive as its index. The glyph operators `:` .. `2:`
//! are binary primitives 0..22 and are the first 23 rows of the registry,
//! in that frozen order, so their index *is* their registry index. Every
//! other primitive kdb+ sends by index is a registry row's `wire` index. Lambdas are compiled through
//! the evaluator ([`Interp::parse_text`]) in the namespace they came from;
//! nothing received is evaluated.
//!
//! Builtins without a kdb+ index (`til`, `asc`, `each`, ... are lambdas
//! inside kdb+, which borf cannot send as kdb+ would) are not serializable:
//! `'type`. The bytes of every primitive are pinned in the tests below.

use crate::ipc::DEFAULT_LIMIT;
use crate::ops::make::bytes_value;
use crate::state::Interp;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Ty;
use qcore::Value;
use qipc::Body;
use std::collections::HashMap;

use std::sync::OnceLock;

use qcore::Func;
use qcore::Prim;
use qipc::PrimCode;
use qipc::codec::BINARY;
use qipc::codec::ITERATOR;
use qipc::codec::UNARY;

use crate::registry;
use crate::registry::WireDir;

/// kdb+'s glyph primitives `: + - * % & | ^ = < > $ , # _ ~ ! ? @ . 0: 1: 2:`
/// are binary 0..22, and registry rows 0..22.
const GLYPHS: u8 = 23;

/// The length of kdb+'s primitive table per type (unary `::`..`hopen`,
/// binary `:`..`cor`, iterators `'`..`\\:`): an index below it that borf
/// has no builtin for is `'nyi`, one past it is malformed.
const TABLE_LEN: [(u8, u8); 3] = [(UNARY, 45), (BINARY, 37), (ITERATOR, 6)];

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
        for (id, b) in registry::BUILTINS.iter().enumerate() {
            for w in b.wire {
                let code = PrimCode {
                    ty: w.ty,
                    index: w.index,
                };
                if w.dir != WireDir::Receive {
                    send.insert(id as u16, code);
                }
                if w.dir != WireDir::Send {
                    receive.insert(code, id as u16);
                }
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
        // `2::` (the monadic form of glyph 22) is the `2:` operator, which
        // refuses when applied (dynamic load)
        if code.ty == UNARY
            && code.index == GLYPHS - 1
            && let Some(id) = registry::lookup("2:")
        {
            return Ok(registry::func(id));
        }
        // other indexes inside kdb+'s table that borf lacks are not
        // malformed
        let known = TABLE_LEN
            .iter()
            .any(|&(ty, len)| ty == code.ty && code.index < len);
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

// ---------------------------------------------------------------------------
// Internal functions -8! -9! -18!

/// `-8!x`: the kdb+ IPC message of `x` as bytes.
pub fn serialize(it: &mut Interp, x: Value) -> QResult<Value> {
    qipc::frame(qipc::ASYNC, &x, it).map(bytes_value)
}

/// `-18!x`: as `-8!x`, compressed when that makes it smaller.
pub fn serialize_compressed(it: &mut Interp, x: Value) -> QResult<Value> {
    qipc::frame(qipc::ASYNC, &x, it).map(|m| bytes_value(qipc::compress::compress(&m).unwrap_or(m)))
}

/// `-9!x`: the value of a kdb+ IPC message given as bytes.
pub fn deserialize(it: &mut Interp, x: Value) -> QResult<Value> {
    match &x {
        Value::Vector(v) if v.ty() == Ty::Byte => {
            match qipc::decode_message(v.as_u8().unwrap_or(&[]), DEFAULT_LIMIT, it) {
                Ok((_, Body::Value(v))) => Ok(v),
                Ok((_, Body::Error(e))) => Err(QError::new(e)),
                Err(e) => Err(e),
            }
        }
        _ => Err(QError::type_()),
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
            if registry::lookup(b.name) != Some(i as u16) {
                continue; // not a builtin value (syntax, callbacks, names not built)
            }
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
        // a row with a wire index is a built builtin
        for b in registry::BUILTINS.iter().filter(|b| !b.wire.is_empty()) {
            assert!(
                registry::lookup(b.name).is_some(),
                "{} has a wire index but is not built",
                b.name
            );
        }
    }

    #[test]
    fn every_primitive_round_trips() {
        let mut it = Interp::new();
        let mut n = 0;
        for i in 0..registry::BUILTINS.len() as u16 {
            if registry::lookup(registry::name(i)) != Some(i) {
                continue;
            }
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
        // `,:` is received as enlist; `2::` as the `2:` operator (which
        // refuses when applied); 45 is unknown
        let Body::Value(Value::Func(Func::Builtin(p))) =
            qipc::decode(&[101, 12], true, &mut it).unwrap()
        else {
            panic!()
        };
        assert_eq!(p.name, "enlist");
        let Body::Value(Value::Func(Func::Builtin(p))) =
            qipc::decode(&[101, 22], true, &mut it).unwrap()
        else {
            panic!()
        };
        assert_eq!(p.name, "2:");
        let e = it.eval_text("2:[`lib;(`f;1)]").unwrap_err();
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
