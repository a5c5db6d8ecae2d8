//! The "known to have no nulls" fact of a vector's buffer
//! (`qcore::Buf::known_no_nulls`): each producer that knows it without a
//! scan sets it, a write drops it, arithmetic never claims it, and a
//! vector holding a null never has it. The hand-over to Arrow (Python's
//! `.pl()`, `.pa()`) skips its null scan when it is set, so a wrong fact
//! would hand out a q null as a value.

use qengine::{Interp, Value};

/// Whether `expr` evaluates to a vector known null-free (`None` when it is
/// not a vector).
fn known(it: &mut Interp, expr: &str) -> Option<bool> {
    match qengine::eval::eval_text(it, expr) {
        Ok(Value::Vector(v)) => Some(v.data().known_no_nulls()),
        Ok(other) => panic!("{expr}: not a vector: {other:?}"),
        Err(e) => panic!("{expr}: {e:?}"),
    }
}

fn run(it: &mut Interp, line: &str) {
    it.run_line(line)
        .unwrap_or_else(|e| panic!("{line}: {e:?}"));
}

#[test]
fn producers_set_the_fact() {
    let mut it = Interp::new();
    run(
        &mut it,
        "t:([]a:til 1000;j:1000?100;f:1000?1f;i:1000?50i;p:2024.01.01D+1000?1000000)",
    );
    for expr in [
        "til 10",
        "10?100",
        "10?100i",
        "10?100h",
        "10?1f",
        "10?1e",
        "10?2024.01.01",
        "10?0D01",
        // a where clause's rows (a gather by indexes in range)
        "(select from t where j<50)`a",
        "(select from t where j<50)`f",
        "exec i from t where f<0.5",
        // sorts
        "asc 100?1000",
        "desc 100?1f",
        "(`j xasc t)`a",
        // take and sublist: slices and the cyclic overtake
        "2#til 5",
        "-2#til 5",
        "12#til 5",
        "2 sublist 10?100",
        "1 2 sublist 10?100",
        // joins of two null-free vectors
        "(til 3),10?5",
        "raze(til 3;til 4;5?9)",
        // widening casts
        "`float$til 5",
        "`long$10?100i",
        // same width: the buffer itself
        "`date$10?100i",
    ] {
        assert_eq!(known(&mut it, expr), Some(true), "{expr}");
    }
}

#[test]
fn nulls_and_unknowns_never_claim_it() {
    let mut it = Interp::new();
    run(&mut it, "x:til 10;y:til 10;z:til 10");
    for expr in [
        // a null in the items
        "1 0N 3",
        "0n,1f",
        "(til 5) 1 2 10",
        "asc 3 0N 1",
        "(til 3),0N 1",
        "raze(til 3;0N 1)",
        "`float$1 0N",
        "`long$0N 1i",
        "3#0#0",
        // draws that can be null, or are not known
        "10?0n",
        "10?0w",
        "10?`a`b",
        "10?`a`",
        "10?1 0N",
        // arithmetic can overflow to a null: never propagated
        "(til 5)+1",
        "neg til 5",
        "9223372036854775806+til 3",
        // narrowing casts can make a null
        "`int$til 5",
        "`long$10?1f",
    ] {
        assert_eq!(known(&mut it, expr), Some(false), "{expr}");
    }
    // a write drops it: an amend, an append, an amend at
    run(&mut it, "x[0]:0N;y,:5;z:@[z;1;:;7]");
    for expr in ["x", "y", "z"] {
        assert_eq!(known(&mut it, expr), Some(false), "{expr}");
    }
    // the vector that was shared keeps its own
    run(&mut it, "a:til 5;b:a;b[0]:0N");
    assert_eq!(known(&mut it, "a"), Some(true));
    assert_eq!(known(&mut it, "b"), Some(false));
}

#[test]
fn parquet_columns_without_nulls_are_known_null_free() {
    let dir = std::env::temp_dir().join(format!("borfnonulls{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let f = dir.join("n.parquet");
    let f = f.display();
    let mut it = Interp::new();
    run(
        &mut it,
        "t:([]a:til 100000;b:@[til 100000;5;:;0N];p:2024.01.01D+til 100000;\
         q:@[2024.01.01D+til 100000;7;:;0Np];f:100000?1f;s:100000?`a`b)",
    );
    run(
        &mut it,
        &format!(
            ".arrowkdb.pq.writeParquetFromTable[\"{f}\";t;(enlist`PARQUET_CHUNK_SIZE)!enlist 30000]"
        ),
    );
    run(
        &mut it,
        &format!("r:.arrowkdb.pq.readParquetToTable[\"{f}\";::]"),
    );
    assert!(matches!(
        qengine::eval::eval_text(&mut it, "r~t"),
        Ok(Value::Atom(qengine::Atom::Bool(true)))
    ));
    // no Arrow null, no valid value equal to q's null: known
    assert_eq!(known(&mut it, "r`a"), Some(true));
    assert_eq!(known(&mut it, "r`p"), Some(true));
    // a null: never
    assert_eq!(known(&mut it, "r`b"), Some(false));
    assert_eq!(known(&mut it, "r`q"), Some(false));
    // floats can hold NaN as a value, symbols the empty name: not claimed
    assert_eq!(known(&mut it, "r`f"), Some(false));
    assert_eq!(known(&mut it, "r`s"), Some(false));
    let _ = std::fs::remove_dir_all(&dir);
}
