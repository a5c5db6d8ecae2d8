//! ARCHITECTURE.md's invariant "kernels never allocate inside their loop; a
//! result is allocated once at its final size", checked on the interpreter's
//! own kernels (the compiled core has its own check, `kernel::chunk_allocs`).
//!
//! Each expression is evaluated over a small and a large input; the number
//! of blocks the allocator hands out must not grow with the input. A kernel
//! that pushes into a growing `Vec`, boxes per item, or collects through an
//! iterator without a size hint makes the large run allocate more and fails.
//!
//! One test function only: the counter is process-wide, and the test harness
//! would otherwise run tests on parallel threads.

use qengine::Interp;

#[global_allocator]
static COUNTING: qengine::alloc::Counting = qengine::alloc::Counting;

/// Expressions over `x` and `y` (long vectors of the same length, values in
/// 0..999, `x` with some nulls) and `f` (floats), `b` (booleans) and `s`
/// (symbols).
const EXPRESSIONS: &[&str] = &[
    "sum x",
    "sum f",
    "avg f",
    "max x",
    "min f",
    "count x",
    "x+y",
    "x*2",
    "f%3",
    "x-f",
    "neg x",
    "x=y",
    "x<500",
    "not b",
    "b&x>3",
    "where b",
    "where x>500",
    "asc x",
    "desc f",
    "iasc x",
    "idesc s",
    "asc s",
    "null x",
    "abs x",
    "x within 100 200",
    "x in 1 2 3",
    "1_x",
    "-5#x",
    "reverse x",
    "til count x",
    "sums x",
    "deltas x",
    "fills x",
    "x xbar 10",
    "x|y",
    "x^0",
    "`float$x",
    "`int$x",
    "x@y",
    "x[y]",
];

/// The input sizes compared. Both are above every size where a kernel
/// switches algorithm (radix grading starts at 4,096 items), so the two runs
/// take the same path; a growing `Vec` would reallocate four or five more
/// times over the 20-fold step.
const SMALL: usize = 20_000;
const LARGE: usize = 400_000;

/// Blocks allocated while evaluating `expr` over inputs of length `n`
/// (after one warm-up run, so interned symbols and caches are in place).
fn blocks(it: &mut Interp, expr: &str, n: usize) -> usize {
    let setup = format!(
        "x:{n}?1000;x[til 10]:0N;y:{n}?1000;f:{n}?100f;b:{n}?01b;s:{n}?`a`b`c`d;\
         y:y mod {n}"
    );
    it.run_line(&setup).expect("setup runs");
    let line = format!("r:{expr}");
    it.run_line(&line).expect("warm-up runs");
    it.run_line("r:()").expect("clear");
    let before = qengine::alloc::blocks();
    it.run_line(&line).expect("expression runs");
    let after = qengine::alloc::blocks();
    it.run_line("r:()").expect("clear");
    after - before
}

#[test]
fn allocations_do_not_grow_with_the_input() {
    let mut it = Interp::new();
    let mut grew = vec![];
    for expr in EXPRESSIONS {
        let small = blocks(&mut it, expr, SMALL);
        let large = blocks(&mut it, expr, LARGE);
        if large > small {
            grew.push(format!(
                "{expr}: {small} blocks at n={SMALL}, {large} at n={LARGE}"
            ));
        }
    }
    assert!(
        grew.is_empty(),
        "allocations grow with n:\n{}",
        grew.join("\n")
    );
}
