use super::*;
use crate::interp::Interp;

const SETUP: &[&str] = &[
    "n:50000",
    "t:([] sym:n?`a`b`c`d; size:n?1000; price:n?100f; d:2024.01.01+n?30; k:n?10i; b:n?01b; ts:2024.01.01D0+n?1000000000000)",
    "t:update size:0N from t where 0=i mod 97",
    "t:update price:0n from t where 0=i mod 89",
    "t:update k:0Ni from t where 0=i mod 83",
];

const QUERIES: &[&str] = &[
    "select from t where size>500",
    "select from t where size>500, price<50",
    "select from t where size>500, price<50.5, sym=`b",
    "select sym, size from t where sym in `a`c, not b",
    "select from t where price within 10 20",
    "select from t where (size>100)&price<10",
    "select from t where (size<100)|price>90",
    "select from t where k>5i, d>=2024.01.10",
    "select from t where size=0N",
    "select from t where price=0n",
    "select from t where (size+1)>900",
    "select from t where (price*2)>size",
    "select from t where (size%3)<50",
    "select sum size, c:count i, a:avg price, mn:min price, mx:max size, f:first sym, l:last price by sym from t where d within 2024.01.05 2024.01.20",
    "select sum price by sym, k from t where not b",
    "select count i by d from t where sym in `a`c",
    "select avg size, sum k, max d, min k, mx:max ts by b from t",
    "select s:sum size*2, p:sum price+size, a:avg k from t",
    "select sum size, sum price, avg price, min d, max k, first ts, last sym from t where size>10",
    "select sum size by sym from t where size>2000",
    "select sum size from t where size>2000",
    "select sum size by sym, b, k from t",
    "select max price, min price by k from t where price>50",
];

fn run(it: &mut Interp, q: &str) -> Value {
    it.eval_str(q).unwrap_or_else(|e| panic!("{q}: {e:?}"))
}

#[test]
fn compiled_matches_interpreter() {
    let mut it = Interp::new();
    for s in SETUP {
        run(&mut it, s);
    }
    for q in QUERIES {
        set_enabled(false);
        let a = run(&mut it, q);
        set_enabled(true);
        let before = compiled_runs();
        let b = run(&mut it, q);
        assert!(
            compiled_runs() > before || q.contains(">2000"),
            "not compiled: {q}"
        );
        assert!(
            crate::builtins::compare::values_match(&a, &b),
            "{q}:\n{a:?}\n{b:?}"
        );
        // identical bits for floats too (same summation order)
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{q}");
    }
}

#[test]
fn parallel_split_matches_interpreter() {
    let mut it = Interp::new();
    for s in SETUP {
        run(&mut it, s);
    }
    for q in QUERIES {
        set_enabled(false);
        let a = run(&mut it, q);
        set_enabled(true);
        set_par_min_rows(CHUNK);
        let b = run(&mut it, q);
        set_par_min_rows(PAR_MIN_ROWS);
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{q}");
    }
}

#[test]
fn no_chunk_loop_allocations() {
    let mut it = Interp::new();
    for s in SETUP {
        run(&mut it, s);
    }
    // warm-up, then the counter must not move
    run(&mut it, QUERIES[13]);
    let before = chunk_allocs();
    for q in QUERIES {
        run(&mut it, q);
    }
    assert_eq!(chunk_allocs(), before);
}

#[test]
fn event_row_insert() {
    let mut it = Interp::new();
    run(
        &mut it,
        "e:([] s:`symbol$(); p:`float$(); n:`long$(); d:`date$())",
    );
    run(&mut it, "`e insert (`a; 1.5; 3; 2024.01.02)");
    run(&mut it, "`e upsert (`b; 2.5; 4; 2024.01.03)");
    let v = run(
        &mut it,
        "e~([] s:`a`b; p:1.5 2.5; n:3 4; d:2024.01.02 2024.01.03)",
    );
    assert!(matches!(v, Value::Atom(crate::value::Atom::Bool(true))));
    // a mismatched row still reports q's error through the general path
    assert!(it.eval_str("`e insert (`a; 1; 3; 2024.01.02)").is_err());
}
