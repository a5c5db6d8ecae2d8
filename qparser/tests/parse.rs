//! Tree shapes, literal values, spans and errors of `qparser::parse`.

use qparser::*;

/// Compact S-expression rendering of a tree, for shape assertions.
fn sx(e: &Expr) -> String {
    fn list(xs: &[Expr]) -> String {
        xs.iter().map(sx).collect::<Vec<_>>().join(" ")
    }
    fn semi(xs: &[Expr]) -> String {
        xs.iter().map(sx).collect::<Vec<_>>().join(";")
    }
    match &e.kind {
        ExprKind::Lit(l) => lit(l),
        ExprKind::Name(n) => n.clone(),
        ExprKind::Verb(v) => v.clone(),
        ExprKind::Derived(a, f) => format!("({}{})", sx(f), a.glyph()),
        ExprKind::Call(f, a) => format!("{}[{}]", sx(f), semi(a)),
        ExprKind::Monadic(f, x) => format!("({} {})", sx(f), sx(x)),
        ExprKind::Dyadic(f, x, y) => format!("({} {} {})", sx(f), sx(x), sx(y)),
        ExprKind::LeftProj(f, x) => format!("(proj {} {})", sx(f), sx(x)),
        ExprKind::Lambda(l) => format!(
            "{{{}{}}}",
            l.params
                .as_ref()
                .map(|p| format!("[{}] ", p.join(";")))
                .unwrap_or_default(),
            semi(&l.body)
        ),
        ExprKind::List(xs) => format!("(list {})", list(xs)),
        ExprKind::Elided => "_".into(),
        ExprKind::Assign(a) => format!(
            "(assign{} {}{}{} {})",
            if a.global { "::" } else { "" },
            a.name,
            a.indexes
                .as_ref()
                .map(|i| format!("[{}]", semi(i)))
                .unwrap_or_default(),
            a.modifier
                .as_ref()
                .map(|m| format!(" op={}", sx(m)))
                .unwrap_or_default(),
            sx(&a.value)
        ),
        ExprKind::Match(p, v, g) => {
            format!("(match{} {} {})", if *g { "::" } else { "" }, sx(p), sx(v))
        }
        ExprKind::MatchCond(xs) => format!("(matchcond {})", list(xs)),
        ExprKind::Cond(xs) => format!("(cond {})", list(xs)),
        ExprKind::If(xs) => format!("(if {})", list(xs)),
        ExprKind::Do(xs) => format!("(do {})", list(xs)),
        ExprKind::While(xs) => format!("(while {})", list(xs)),
        ExprKind::Return(x) => format!("(return {})", sx(x)),
        ExprKind::Signal(x) => format!("(signal {})", sx(x)),
        ExprKind::Block(xs) => format!("(block {})", list(xs)),
        ExprKind::Sql(q) => {
            let items = |xs: &[(Option<String>, Expr)]| {
                xs.iter()
                    .map(|(n, e)| match n {
                        Some(n) => format!("{n}:{}", sx(e)),
                        None => sx(e),
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            };
            format!(
                "({}{} [{}] by [{}] from {} where [{}])",
                q.kind.keyword(),
                if q.distinct { " distinct" } else { "" },
                items(&q.columns),
                items(&q.by),
                sx(&q.from),
                semi(&q.where_)
            )
        }
    }
}

fn lit(l: &Literal) -> String {
    let v = format!("{:?}", l.values);
    if l.atom { v } else { format!("vec{v}") }
}

fn p(src: &str) -> String {
    match parse(src) {
        Ok(e) => sx(&e),
        Err(e) => panic!("parse {src:?} failed: {e:?}"),
    }
}

fn lv(src: &str) -> Literal {
    match parse(src).unwrap_or_else(|e| panic!("{src:?}: {e:?}")).kind {
        ExprKind::Lit(l) => l,
        k => panic!("{src:?} is not a literal: {k:?}"),
    }
}

fn err(src: &str) -> ParseError {
    match parse(src) {
        Ok(e) => panic!("{src:?} parsed: {}", sx(&e)),
        Err(e) => e,
    }
}

#[test]
fn right_to_left() {
    assert_eq!(
        p("2+3*til 4"),
        "(+ Long([2]) (* Long([3]) (til Long([4]))))"
    );
    assert_eq!(p("f x y"), "(f (x y))");
    assert_eq!(p("-x"), "(- x)");
    assert_eq!(p("x - y"), "(- x y)");
    assert_eq!(p("x-y"), "(- x y)");
    assert_eq!(p("count x"), "(count x)");
    assert_eq!(p("a in b"), "(in a b)");
    assert_eq!(p("(+/) x"), "((+/) x)");
    assert_eq!(p("0 +/ 1 2 3"), "((+/) Long([0]) vecLong([1, 2, 3]))");
    assert_eq!(p("x f' y"), "((f') x y)");
    assert_eq!(p("(2+)"), "(proj + Long([2]))");
    assert_eq!(p("(+)"), "+");
    assert_eq!(p("f each x"), "(each f x)");
    assert_eq!(p("1 + - 2"), "(+ Long([1]) (- Long([2])))");
    assert_eq!(p("a b + c"), "(a (+ b c))");
    assert_eq!(p("x,/:y"), "((,/:) x y)");
    assert_eq!(p("+/'[x]"), "((+/)')[x]");
    assert_eq!(p("x<=y"), "(<= x y)");
    assert_eq!(p("x<>y"), "(<> x y)");
}

#[test]
fn postfix_calls_and_adverbs() {
    assert_eq!(p("f[1][2]"), "f[Long([1])][Long([2])]");
    assert_eq!(p("x[0][1]"), "x[Long([0])][Long([1])]");
    assert_eq!(p("f[]"), "f[_]");
    assert_eq!(p("f[;2]"), "f[_;Long([2])]");
    assert_eq!(p("+/'"), "((+/)')");
    assert_eq!(p("{x}'"), "({x}')");
    assert_eq!(p("f':[x]"), "(f':)[x]");
    assert_eq!(p("x,\\:y"), "((,\\:) x y)");
    assert_eq!(p("+\\[x]"), "(+\\)[x]");
}

#[test]
fn negative_numbers() {
    assert_eq!(p("x-1"), "(- x Long([1]))");
    assert_eq!(p("x -1"), "(x Long([-1]))");
    assert_eq!(p("x - 1"), "(- x Long([1]))");
    assert_eq!(p("1 -1"), "vecLong([1, -1])");
    assert_eq!(p("-1 -2,3 4"), "(, vecLong([-1, -2]) vecLong([3, 4]))");
    assert_eq!(p("(-1)"), "Long([-1])");
    assert_eq!(p("f[-1]"), "f[Long([-1])]");
    assert_eq!(p("x:-1"), "(assign x Long([-1]))");
    assert_eq!(p("1+-1"), "(+ Long([1]) Long([-1]))");
    assert_eq!(p("x[1]-1"), "(- x[Long([1])] Long([1]))");
    assert_eq!(p("-.5"), "Float([-0.5])");
    assert_eq!(p("1 2-3"), "(- vecLong([1, 2]) Long([3]))");
}

#[test]
fn comments_vs_adverbs() {
    assert_eq!(p("x+/y / sum"), "((+/) x y)");
    assert_eq!(p("/ a comment"), "_");
    assert_eq!(p("1 2 /c"), "vecLong([1, 2])");
    assert_eq!(p("a:\"x /y\""), "(assign a vecChar([120, 32, 47, 121]))");
    assert_eq!(p("{x+y} /comment"), "{(+ x y)}");
}

#[test]
fn signal_vs_each() {
    assert_eq!(p("'\"err\""), "(signal vecChar([101, 114, 114]))");
    assert_eq!(p("'`oops"), "(signal Symbol([\"oops\"]))");
    assert_eq!(p("if[x;'`bad]"), "(if x (signal Symbol([\"bad\"])))");
    assert_eq!(p("f'[x]"), "(f')[x]");
    assert_eq!(p("(')"), "(signal _)");
    assert_eq!(p("'[f;g]"), "'[f;g]");
}

#[test]
fn assignment() {
    assert_eq!(p("a:1"), "(assign a Long([1]))");
    assert_eq!(p("a::1"), "(assign:: a Long([1]))");
    assert_eq!(p("x+:1"), "(assign x op=+ Long([1]))");
    assert_eq!(p("x,:1 2"), "(assign x op=, vecLong([1, 2]))");
    assert_eq!(p("x[i;j]:v"), "(assign x[i;j] v)");
    assert_eq!(p("x[i]+:v"), "(assign x[i] op=+ v)");
    assert_eq!(p("x,/:y"), "((,/:) x y)");
    assert_eq!(p("a:b:3"), "(assign a (assign b Long([3])))");
    assert_eq!(p("1+a:2"), "(+ Long([1]) (assign a Long([2])))");
    assert_eq!(p(".a.b:1"), "(assign .a.b Long([1]))");
    assert_eq!(p("f:{x+y}"), "(assign f {(+ x y)})");
    assert_eq!(p("x-:1"), "(assign x op=- Long([1]))");
    assert_eq!(p("{:x+1}"), "{(return (+ x Long([1])))}");
    assert_eq!(p(":x"), "(return x)");
    assert_eq!(p("@[x;i;:;v]"), "@[x;i;:;v]");
    assert_eq!(p("f[::]"), "f[::]");
    assert_eq!(p("::"), "::");
}

#[test]
fn lists_and_lambdas() {
    assert_eq!(p("(a;b;c)"), "(list a b c)");
    assert_eq!(p("(a)"), "a");
    assert_eq!(p("()"), "(list )");
    assert_eq!(p("(;)"), "(list _ _)");
    assert_eq!(p("(1;)"), "(list Long([1]) _)");
    assert_eq!(p("{[a;b] a+b}"), "{[a;b] (+ a b)}");
    assert_eq!(p("{[] 1}"), "{[] Long([1])}");
    assert_eq!(p("{x;}"), "{x;_}");
    assert_eq!(p("{}"), "{_}");
    let e = parse("f:{[a] a*2}").unwrap();
    let ExprKind::Assign(a) = e.kind else {
        panic!()
    };
    let ExprKind::Lambda(l) = &a.value.kind else {
        panic!()
    };
    assert_eq!(l.source, "{[a] a*2}");
    assert_eq!(l.params, Some(vec!["a".to_string()]));
    assert_eq!(a.value.span, 2..11);
}

#[test]
fn table_literals() {
    assert_eq!(
        p("([]a:1 2;b:`x`y)"),
        "(flip (! vecSymbol([\"a\", \"b\"]) (list vecLong([1, 2]) vecSymbol([\"x\", \"y\"]))))"
    );
    assert_eq!(p("([] c)"), "(flip (! vecSymbol([\"c\"]) (list c)))");
    assert_eq!(
        p("([k:1 2] v:3 4)"),
        "(! (flip (! vecSymbol([\"k\"]) (list vecLong([1, 2])))) (flip (! vecSymbol([\"v\"]) (list vecLong([3, 4])))))"
    );
    assert_eq!(p("([])"), "(flip (! vecSymbol([]) (list )))");
    assert_eq!(err("([]a:1").name, ")");
}

#[test]
fn newlines() {
    // Inside (), [] and indented continuations: whitespace.
    assert_eq!(p("(1;\n 2)"), "(list Long([1]) Long([2]))");
    assert_eq!(p("f[1;\n2]"), "f[Long([1]);Long([2])]");
    assert_eq!(p("{a:1;\n  a+1}"), "{(assign a Long([1]));(+ a Long([1]))}");
    assert_eq!(p("{a:1\n  +1}"), "{(assign a (+ Long([1]) Long([1])))}");
    // A column-0 line inside a lambda or at top level separates statements.
    assert_eq!(
        p("{a:1\nb:2}"),
        "{(assign a Long([1]));(assign b Long([2]))}"
    );
    assert_eq!(
        p("a:1\nb:2"),
        "(block (assign a Long([1])) (assign b Long([2])))"
    );
    assert_eq!(p("{\nx}"), "{x}");
    assert_eq!(p("{x;\ny}"), "{x;y}");
    assert_eq!(p("{x\n}"), "{x}");
}

#[test]
fn blocks() {
    assert_eq!(p("a;b"), "(block a b)");
    assert_eq!(p("a;"), "(block a _)");
    assert_eq!(p(""), "_");
    assert_eq!(p("   "), "_");
    assert_eq!(p("/ just a comment"), "_");
}

#[test]
fn control() {
    assert_eq!(p("if[a;b;c]"), "(if a b c)");
    assert_eq!(p("do[3;x+:1]"), "(do Long([3]) (assign x op=+ Long([1])))");
    assert_eq!(
        p("while[x<3;x+:1]"),
        "(while (< x Long([3])) (assign x op=+ Long([1])))"
    );
    assert_eq!(p("$[a;b;c]"), "(cond a b c)");
    assert_eq!(p("`int$x"), "($ Symbol([\"int\"]) x)");
}

#[test]
fn numbers() {
    assert_eq!(lv("1").values, LitValues::Long(vec![1]));
    assert!(lv("1").atom);
    assert_eq!(lv("1 2 3").values, LitValues::Long(vec![1, 2, 3]));
    assert!(!lv("1 2 3").atom);
    assert_eq!(lv("1 2.5").values, LitValues::Float(vec![1.0, 2.5]));
    assert_eq!(lv("1 0N 3").values, LitValues::Long(vec![1, i64::MIN, 3]));
    assert_eq!(lv("1 2 3f").values, LitValues::Float(vec![1.0, 2.0, 3.0]));
    assert_eq!(lv("1 2 3h").values, LitValues::Short(vec![1, 2, 3]));
    assert_eq!(lv("1 2i").values, LitValues::Int(vec![1, 2]));
    assert_eq!(lv("5j").values, LitValues::Long(vec![5]));
    assert_eq!(lv("1.5e").values, LitValues::Real(vec![1.5]));
    assert_eq!(
        lv("0 1 0b").values,
        LitValues::Bool(vec![false, true, false])
    );
    assert_eq!(lv("010b").values, LitValues::Bool(vec![false, true, false]));
    assert!(!lv("010b").atom);
    assert!(lv("1b").atom);
    assert_eq!(lv("1b").values, LitValues::Bool(vec![true]));
    assert_eq!(lv("0x01").values, LitValues::Byte(vec![1]));
    assert!(lv("0x01").atom);
    assert_eq!(lv("0x0102ff").values, LitValues::Byte(vec![1, 2, 255]));
    assert!(!lv("0x0102ff").atom);
    assert_eq!(lv("0x1").values, LitValues::Byte(vec![1]));
    assert_eq!(lv("0x").values, LitValues::Byte(vec![]));
    assert_eq!(lv(".5").values, LitValues::Float(vec![0.5]));
    assert_eq!(lv("1e10").values, LitValues::Float(vec![1e10]));
    assert_eq!(lv("1.5e-3").values, LitValues::Float(vec![1.5e-3]));
    assert_eq!(lv("-1.5").values, LitValues::Float(vec![-1.5]));
    assert_eq!(lv("1.").values, LitValues::Float(vec![1.0]));
    let LitValues::Float(f) = lv("0n").values else {
        panic!()
    };
    assert!(f[0].is_nan());
    assert_eq!(lv("0w").values, LitValues::Float(vec![f64::INFINITY]));
    assert_eq!(lv("-0w").values, LitValues::Float(vec![f64::NEG_INFINITY]));
    assert_eq!(lv("0N").values, LitValues::Long(vec![i64::MIN]));
    assert_eq!(lv("0W").values, LitValues::Long(vec![i64::MAX]));
    assert_eq!(lv("-0W").values, LitValues::Long(vec![-i64::MAX]));
    assert_eq!(lv("0Nh").values, LitValues::Short(vec![i16::MIN]));
    assert_eq!(lv("0Wh").values, LitValues::Short(vec![i16::MAX]));
    assert_eq!(lv("0Ni").values, LitValues::Int(vec![i32::MIN]));
    assert_eq!(lv("0Wi").values, LitValues::Int(vec![i32::MAX]));
    assert_eq!(lv("0Nj").values, LitValues::Long(vec![i64::MIN]));
    assert_eq!(lv("0Nd").values, LitValues::Date(vec![i32::MIN]));
    assert_eq!(lv("0Np").values, LitValues::Timestamp(vec![i64::MIN]));
    assert_eq!(lv("0Nn").values, LitValues::Timespan(vec![i64::MIN]));
    assert_eq!(lv("0Nm").values, LitValues::Month(vec![i32::MIN]));
    assert_eq!(lv("0Nt").values, LitValues::Time(vec![i32::MIN]));
    assert_eq!(lv("0Nu").values, LitValues::Minute(vec![i32::MIN]));
    assert_eq!(lv("0Nv").values, LitValues::Second(vec![i32::MIN]));
    assert_eq!(lv("0Ng").values, LitValues::Guid(vec![[0; 16]]));
    let LitValues::Datetime(z) = lv("0Nz").values else {
        panic!()
    };
    assert!(z[0].is_nan());
    let LitValues::Real(r) = lv("0Ne").values else {
        panic!()
    };
    assert!(r[0].is_nan());
    let LitValues::Float(v) = lv("1.5 0N").values else {
        panic!()
    };
    assert!(v[0] == 1.5 && v[1].is_nan());
    assert_eq!(lv("1 0W").values, LitValues::Long(vec![1, i64::MAX]));
    assert_eq!(
        lv("1.5 0W").values,
        LitValues::Float(vec![1.5, f64::INFINITY])
    );
}

#[test]
fn file_verbs() {
    assert_eq!(p("\"a\" 0: x"), "(0: Char([97]) x)");
    assert_eq!(p("h 1: x"), "(1: h x)");
    assert_eq!(
        p("`:f 0:(\"a\";\"b\")"),
        "(0: Symbol([\":f\"]) (list Char([97]) Char([98])))"
    );
}

#[test]
fn temporals() {
    assert_eq!(lv("2024.01.01").values, LitValues::Date(vec![8766]));
    assert_eq!(lv("2000.01.01").values, LitValues::Date(vec![0]));
    assert_eq!(lv("2024.01m").values, LitValues::Month(vec![288]));
    assert_eq!(
        lv("2000.01.01D00:00:00.000000001").values,
        LitValues::Timestamp(vec![1])
    );
    assert_eq!(
        lv("2000.01.02D").values,
        LitValues::Timestamp(vec![86_400_000_000_000])
    );
    assert_eq!(
        lv("2000.01.01D10:00").values,
        LitValues::Timestamp(vec![36_000_000_000_000])
    );
    assert_eq!(
        lv("2000.01.01D00:00:00.5").values,
        LitValues::Timestamp(vec![500_000_000])
    );
    assert_eq!(
        lv("0D01:00:00").values,
        LitValues::Timespan(vec![3_600_000_000_000])
    );
    assert_eq!(
        lv("1D02:03:04.5").values,
        LitValues::Timespan(vec![86_400_000_000_000 + 7_384_500_000_000])
    );
    assert_eq!(
        lv("1D").values,
        LitValues::Timespan(vec![86_400_000_000_000])
    );
    assert_eq!(
        lv("00:00:01.000000000").values,
        LitValues::Timespan(vec![1_000_000_000])
    );
    assert_eq!(lv("12:30").values, LitValues::Minute(vec![750]));
    assert_eq!(lv("12:30:15").values, LitValues::Second(vec![45015]));
    assert_eq!(lv("10:00:00.000").values, LitValues::Time(vec![36_000_000]));
    assert_eq!(lv("12:30v").values, LitValues::Second(vec![45000]));
    assert_eq!(lv("12:30:00t").values, LitValues::Time(vec![45_000_000]));
    assert_eq!(
        lv("2000.01.02T12:00:00.000").values,
        LitValues::Datetime(vec![1.5])
    );
    assert_eq!(
        lv("2024.01.01 2024.01.02").values,
        LitValues::Date(vec![8766, 8767])
    );
    assert_eq!(
        lv("2024.01.01 0Nd").values,
        LitValues::Date(vec![8766, i32::MIN])
    );
    assert_eq!(lv("1999.12.31").values, LitValues::Date(vec![-1]));
    assert_eq!(
        lv("-0D01:00:00").values,
        LitValues::Timespan(vec![-3_600_000_000_000])
    );
    assert!(err("2024.13.01").span == (0..10));
    assert_eq!(err("2023.02.29").name, "parse");
    assert_eq!(err("12:60").name, "parse");
}

#[test]
fn chars_and_symbols() {
    assert_eq!(lv("\"a\"").values, LitValues::Char(b"a".to_vec()));
    assert!(lv("\"a\"").atom);
    assert!(!lv("\"ab\"").atom);
    assert_eq!(lv("\"\"").values, LitValues::Char(vec![]));
    assert!(!lv("\"\"").atom);
    assert_eq!(
        lv(r#""\n\t\r\\\"\101""#).values,
        LitValues::Char(b"\n\t\r\\\"A".to_vec())
    );
    let s = |v: &[&str]| LitValues::Symbol(v.iter().map(|x| x.to_string()).collect());
    assert_eq!(lv("`a").values, s(&["a"]));
    assert!(lv("`a").atom);
    assert_eq!(lv("`a`b`c").values, s(&["a", "b", "c"]));
    assert!(!lv("`a`b`c").atom);
    assert_eq!(lv("`").values, s(&[""]));
    assert!(lv("`").atom);
    assert_eq!(lv("`a`").values, s(&["a", ""]));
    assert_eq!(lv("`:data/t").values, s(&[":data/t"]));
    assert_eq!(lv("`a.b_c1").values, s(&["a.b_c1"]));
    assert_eq!(p("`$\"x\""), "($ Symbol([\"\"]) Char([120]))");
    assert_eq!(
        p("`a`b!1 2"),
        "(! vecSymbol([\"a\", \"b\"]) vecLong([1, 2]))"
    );
}

#[test]
fn names() {
    assert_eq!(p("foo"), "foo");
    assert_eq!(p(".a.b"), ".a.b");
    assert_eq!(p(".z.p"), ".z.p");
    assert_eq!(p("x1"), "x1");
    assert_eq!(p("a_b"), "a_b");
    assert_eq!(p("x _ y"), "(_ x y)");
    assert_eq!(p("f . (1;2)"), "(. f (list Long([1]) Long([2])))");
}

#[test]
fn spans() {
    let e = parse("2+3*x").unwrap();
    assert_eq!(e.span, 0..5);
    let ExprKind::Dyadic(f, l, r) = e.kind else {
        panic!()
    };
    assert_eq!(f.span, 1..2);
    assert_eq!(l.span, 0..1);
    assert_eq!(r.span, 2..5);
    let e = parse("  f[x; y]").unwrap();
    assert_eq!(e.span, 2..9);
    let e = parse("a;b c").unwrap();
    let ExprKind::Block(s) = e.kind else { panic!() };
    assert_eq!(s[1].span, 2..5);
    let e = parse("1 2 3").unwrap();
    assert_eq!(e.span, 0..5);
    let e = parse("x:1;").unwrap();
    let ExprKind::Block(s) = e.kind else { panic!() };
    assert_eq!(s[1].kind, ExprKind::Elided);
    assert_eq!(s[0].span, 0..3);
}

#[test]
fn errors() {
    let e = err("(1;2");
    assert_eq!(e.name, ")");
    assert_eq!(e.span, 0..1);
    let e = err("f[1");
    assert_eq!(e.name, "]");
    assert_eq!(err("{x").name, "}");
    let e = err("1)");
    assert_eq!(e.name, ")");
    assert_eq!(e.span, 1..2);
    assert_eq!(err("(1]").name, "]");
    let e = err("\"abc");
    assert_eq!(e.name, "\"");
    assert_eq!(e.span, 0..4);
    assert_eq!(err("1x").name, "parse");
    assert_eq!(err("x €").span, 2..5);
    // q names a stray `\` itself (ref/system: `count \a` is '\)
    assert_eq!(err("x \\y").name, "\\");
    assert_eq!(p("+/ /"), "(+/)");
    let deep = "(".repeat(10000);
    assert_eq!(err(&deep).name, "parse");
    let deep = format!("{}1{}", "(".repeat(10000), ")".repeat(10000));
    assert_eq!(err(&deep).name, "parse");
    let chain = "1+".repeat(20000) + "1";
    assert_eq!(err(&chain).name, "parse");
    let assigns = "a:".repeat(20000) + "1";
    assert_eq!(err(&assigns).name, "parse");
    let lams = "{".repeat(5000);
    assert_eq!(err(&lams).name, "parse");
}

#[test]
fn completeness() {
    assert!(is_complete("1+2"));
    assert!(!is_complete("f:{x+"));
    assert!(!is_complete("(1;"));
    assert!(!is_complete("a[1"));
    assert!(is_complete("\"(\""));
    assert!(!is_complete("\"abc"));
    assert!(is_complete("\"a\\\"b\""));
    assert!(!is_complete("\"a\\\"b"));
    assert!(is_complete("x / ( comment"));
    assert!(!is_complete("`a(b"));
    assert!(is_complete("f[`:a/b]"));
    assert!(!is_complete("f[`:a/b"));
    assert!(!is_complete("f[`:a /b]"));
    assert!(!is_complete("x+/(1"));
    assert!(is_complete("f:{x+\n y}"));
    assert!(is_complete(")"));
    assert!(is_complete(""));
}

#[test]
fn infix_list() {
    assert!(INFIX_KEYWORDS.contains(&"xbar"));
    assert!(is_infix_keyword("within"));
    assert!(!is_infix_keyword("til"));
    assert_eq!(p("2 xbar t"), "(xbar Long([2]) t)");
}

#[test]
fn path_symbols_keep_slashes_after_a_colon() {
    assert_eq!(p("`c:/q/test.txt"), "Symbol([\"c:/q/test.txt\"])");
    assert_eq!(p("`:a/b`c"), "vecSymbol([\":a/b\", \"c\"])");
    assert_eq!(p("`host:port/x"), "Symbol([\"host:port/x\"])");
    // no colon: `/` is the over adverb, as before
    assert_ne!(p("`a/b"), "Symbol([\"a/b\"])");
}

#[test]
fn q41_forms() {
    // unary glyph forms
    assert_eq!(p("(|:)\"zero\""), "(|: vecChar([122, 101, 114, 111]))");
    assert_eq!(p("|:[x]"), "|:[x]");
    assert_eq!(p("x|:1"), "(assign x op=| Long([1]))");
    // `.` after a closing paren is the verb
    assert_eq!(p("(!).flip x"), "(. ! (flip x))");
    // patterns
    assert_eq!(p("(b;c):2 3"), "(match (list b c) vecLong([2, 3]))");
    assert_eq!(p("(1):2"), "(match Long([1]) Long([2]))");
    assert_eq!(
        p(":[v;r:`f;1;2]"),
        "(matchcond v (assign r Symbol([\"f\"])) Long([1]) Long([2]))"
    );
    assert_eq!(p("{[(a;b);c]a}"), "{[[0];c] a}");
    // dictionary literals, keyed tables with `;` after the keys
    assert_eq!(
        p("([a:1;b:2])"),
        "(! vecSymbol([\"a\", \"b\"]) (list Long([1]) Long([2])))"
    );
    assert_eq!(p("([k:1 2];a:3 4)"), p("([k:1 2]a:3 4)"));
    // blocks, iterators applied with brackets
    assert_eq!(
        p("[a:1;a+1]"),
        "(block (assign a Long([1])) (+ a Long([1])))"
    );
    assert_eq!(p("(/[+])x"), "((+/) x)");
    assert_eq!(p("(/;+)"), "(list / +)");
    assert_eq!(p("'[f;g][1;2]"), "'[f;g][Long([1]);Long([2])]");
    // literals
    assert_eq!(p("0we+5"), "(+ Real([inf]) Long([5]))");
    assert!(p("1000000000000000000000b").starts_with("vecBool"));
}
