//! Running one query in each partition, several partitions at once.
//! [`PartQuery`] is what a partitioned select does per partition
//! (`?[partition;rest;b;a]`); [`each_partition`] runs it over the surviving
//! partitions and hands back results in partition order.
//!
//! Why the split of work: compiling a query for the compiled core
//! (`query::kernel`) reads globals and the storage trace is per thread, so
//! mapping a partition and compiling its query ([`Job`]) happen on the
//! interpreter thread; the compiled run happens on the rayon pool
//! ([`Flight`]), a bounded number of partitions (and rows) in flight so
//! memory stays bounded. A partition the compiled core does not take (or
//! whose compiled run hands back) runs on the interpreter thread, in order.
//! Results are consumed strictly in partition order, so the answer is the
//! sequential one; `\compile 0` makes this the sequential loop. Ctrl-C and
//! `\T` are checked around each batch ([`stop_check`]), since nothing
//! ticks on the pool.

use super::select::{Parts, Strip, put_key};
use crate::ops::index::take_idx;
use crate::query::kernel::compile;
use crate::query::kernel::compile::Program;
use crate::query::kernel::compile::SelectQ;
use crate::query::kernel::exec;
use crate::state::Interp;
use crate::storage::db::field_col;
use qcore::QError;
use qcore::QResult;
use qcore::Sym;
use qcore::Table;
use qcore::Ty;
use qcore::Value;
use std::sync::Arc;
use std::sync::mpsc;

/// What a query does in each partition: `?[partition;rest;b;a]`.
pub(super) struct PartQuery {
    /// The constraints left after pruning, and them as one where clause.
    pub(crate) cs: Vec<Value>,
    pub(crate) rest: Value,
    pub(crate) b: Value,
    pub(crate) a: Value,
    /// The select, by or order phrase names `i`.
    pub(crate) uses_i: bool,
    /// The where clause names the partition field.
    pub(crate) field_in_where: bool,
}

/// The compiled core's part of one partition's query, decided on the
/// interpreter thread (compiling reads globals) and run on the rayon pool.
pub(super) enum Job {
    /// The whole select (`kernel::exec::run_select`).
    Select(SelectQ),
    /// The where clause (`kernel::exec::run_narrow`); the interpreter runs
    /// the rest over the surviving rows. With a [`Fill`], the partition was
    /// mapped without its field, which is put in front of the surviving
    /// rows.
    Narrow(Program, Option<Fill>),
    /// The select by the keys after the partition field, over a partition
    /// mapped without it ([`Strip`]): the key's name and type, and the
    /// partition (its index and value).
    Keyed(SelectQ, Sym, Ty, usize, i64),
    /// Nothing compiled: the interpreter runs the partition.
    Interp,
}

/// A partition after its job ran on the pool.
pub(super) enum Done {
    /// The select's result.
    Value(QResult<Value>),
    /// The surviving rows, gathered, for the interpreter to finish.
    Narrowed(Table),
    /// The partition, for the interpreter.
    Interp(Table),
    /// Partition `k`, to map with its field for the interpreter.
    Remap(usize),
}

/// Partitions in flight on the pool at once: at most this many per pool
/// thread, and at most [`FLIGHT_ROWS`] rows (a mapped partition holds its
/// symbol columns and partition field in memory until it is done).
const FLIGHT_PER_THREAD: usize = 2;

const FLIGHT_ROWS: usize = 1 << 24;

impl PartQuery {
    /// `?[tb;c;b;a(;n(;o))]` by the ordinary (in-memory) path.
    pub(crate) fn run(
        &self,
        it: &mut Interp,
        tb: Table,
        c: &Value,
        n: Option<Value>,
        order: Option<Value>,
    ) -> QResult<Value> {
        let mut args = vec![
            Value::Table(Arc::new(tb)),
            c.clone(),
            self.b.clone(),
            self.a.clone(),
        ];
        match (n, order) {
            (Some(n), Some(o)) => args.extend([n, o]),
            (Some(n), None) => args.push(n),
            (None, Some(o)) => args.extend([Value::long(i64::MAX), o]),
            (None, None) => {}
        }
        crate::query::qsql::select_n(it, args)
    }

    /// The job of one partition of a plain or grouped select. The whole
    /// select when the compiled core takes it (as `crate::query::qsql::select_n` would
    /// for the partition); else its where clause, when it compiles and
    /// narrowing first cannot change the rest (no `i`).
    pub(crate) fn plan(&self, it: &Interp, tb: &Table) -> Job {
        if matches!(self.a, Value::Dict(_))
            && let Some(q) = compile::compile_select(it, tb, &self.rest, &self.b, &self.a)
        {
            return Job::Select(q);
        }
        if !self.cs.is_empty()
            && !self.uses_i
            && let Some(p) = compile::compile_where(it, tb, &self.cs)
        {
            return Job::Narrow(p, None);
        }
        Job::Interp
    }
}

impl Job {
    /// Runs on a worker thread: no interpreter.
    pub(crate) fn run(self, tb: Table) -> (Done, Option<Table>) {
        match self {
            Job::Select(q) => match exec::run_select(&tb, &q) {
                Some(r) => {
                    crate::query::kernel::note_run();
                    (Done::Value(r), Some(tb))
                }
                None => (Done::Interp(tb), None),
            },
            Job::Narrow(p, fill) => match (exec::run_narrow(&tb, &p), fill) {
                (Some(rows), fill) => {
                    crate::query::kernel::note_run();
                    let mut nt = take_rows(&tb, &rows);
                    if let Some(f) = fill {
                        f.put(&mut nt, rows.len());
                    }
                    (Done::Narrowed(nt), Some(tb))
                }
                (None, Some(f)) => (Done::Remap(f.k), Some(tb)),
                (None, None) => (Done::Interp(tb), None),
            },
            Job::Keyed(q, key, ty, k, v) => match exec::run_select(&tb, &q) {
                Some(r) => {
                    crate::query::kernel::note_run();
                    (
                        Done::Value(r.and_then(|r| put_key(r, key, ty, v))),
                        Some(tb),
                    )
                }
                None => (Done::Remap(k), Some(tb)),
            },
            Job::Interp => (Done::Interp(tb), None),
        }
    }
}

/// The partition field of partition `k`, put in front of rows narrowed
/// from the partition mapped without it (the same table as narrowing the
/// partition mapped with it: the field's column is constant).
#[derive(Clone, Copy)]
pub(super) struct Fill {
    pub(crate) k: usize,
    pub(crate) name: Sym,
    pub(crate) ty: Ty,
    pub(crate) v: i64,
    /// No other column was asked for (`part_table` then drops the one it
    /// mapped for the row count).
    pub(crate) alone: bool,
}

impl Fill {
    pub(crate) fn put(self, tb: &mut Table, n: usize) {
        if self.alone {
            tb.names.clear();
            tb.columns.clear();
        }
        tb.names.insert(0, self.name);
        tb.columns
            .insert(0, Value::Vector(field_col(self.ty, self.v, n)));
    }
}

/// Rows `rows` of every column of `tb`.
fn take_rows(tb: &Table, rows: &[i64]) -> Table {
    Table {
        names: tb.names.clone(),
        columns: tb.columns.iter().map(|c| take_idx(c, rows)).collect(),
    }
}

/// `'stop` when Ctrl-C was pressed or the deadline passed: what
/// `Interp::tick` checks every 4096 ticks, checked now (before and after a
/// batch of partitions runs on the pool, where nothing ticks).
pub(super) fn stop_check(it: &Interp) -> QResult<()> {
    use std::sync::atomic::Ordering;
    if it.interrupt.swap(false, Ordering::Relaxed) {
        return Err(QError::new("stop").with_detail("interrupted"));
    }
    if let Some(d) = it.deadline
        && std::time::Instant::now() >= d
    {
        return Err(QError::new("stop").with_detail("time limit reached"));
    }
    qcore::budget::poll()
}

/// A finished job: its position, and its result with the partition to free
/// (or the panic it raised).
type Landed = (usize, std::thread::Result<(Done, Option<Table>)>);

/// Partition jobs running on the rayon pool while the interpreter thread
/// maps and compiles the next partitions; results are handed back in
/// partition order.
pub(super) struct Flight {
    pub(crate) tx: mpsc::Sender<Landed>,
    pub(crate) rx: mpsc::Receiver<Landed>,
    /// Results by position, until handed out.
    pub(crate) slots: Vec<Option<Done>>,
    pub(crate) rows: Vec<usize>,
    /// The position handed out next.
    pub(crate) next: usize,
    pub(crate) flying: usize,
    pub(crate) flying_rows: usize,
    pub(crate) max: usize,
}

impl Flight {
    pub(crate) fn new(n: usize) -> Self {
        let (tx, rx) = mpsc::channel();
        Flight {
            tx,
            rx,
            slots: (0..n).map(|_| None).collect(),
            rows: vec![0; n],
            next: 0,
            flying: 0,
            flying_rows: 0,
            max: rayon::current_num_threads().max(1) * FLIGHT_PER_THREAD,
        }
    }

    /// Whether every position before `pos` has been handed out.
    pub(crate) fn caught_up(&self, pos: usize) -> bool {
        self.next == pos
    }

    /// Position `pos` was dealt with by the caller.
    pub(crate) fn skip(&mut self, pos: usize) {
        debug_assert_eq!(self.next, pos);
        self.next = pos + 1;
    }

    /// Starts the job of position `pos` on the pool (an interpreter job is
    /// ready at once).
    pub(crate) fn submit(&mut self, pos: usize, tb: Table, job: Job) {
        if matches!(job, Job::Interp) {
            self.slots[pos] = Some(Done::Interp(tb));
            return;
        }
        self.flying += 1;
        self.rows[pos] = tb.len();
        self.flying_rows += tb.len();
        let tx = self.tx.clone();
        rayon::spawn(move || {
            // a panic goes back to the interpreter thread (the console
            // catches it per line); on the pool it would abort
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(tb)));
            let _ = tx.send((pos, r));
        });
    }

    pub(crate) fn land(&mut self, (pos, r): Landed) {
        self.flying -= 1;
        self.flying_rows -= self.rows[pos];
        match r {
            // (the partition's columns are freed here, on the thread that
            // allocated them)
            Ok((d, _spent)) => self.slots[pos] = Some(d),
            Err(p) => std::panic::resume_unwind(p),
        }
    }

    /// The next result in partition order: waiting for it when `wait`
    /// (checking for Ctrl-C between partitions), else only if it is there.
    pub(crate) fn take(&mut self, it: &Interp, wait: bool) -> QResult<Option<Done>> {
        while let Ok(m) = self.rx.try_recv() {
            self.land(m);
        }
        loop {
            if let Some(d) = self.slots.get_mut(self.next).and_then(Option::take) {
                self.next += 1;
                return Ok(Some(d));
            }
            if !wait || self.flying == 0 {
                return Ok(None);
            }
            stop_check(it)?;
            match self.rx.recv() {
                Ok(m) => self.land(m),
                Err(_) => return Ok(None),
            }
        }
    }

    /// Too much in flight to start another partition.
    pub(crate) fn full(&self) -> bool {
        self.flying >= self.max || self.flying_rows >= FLIGHT_ROWS
    }
}

/// `q` over each partition of `p`, results in partition order, each exactly
/// what `?[partition;rest;b;a]` gives. Partitions whose query the compiled
/// core takes (wholly — by the keys after the partition field with `strip`
/// —, or its where clause) are mapped and compiled on the interpreter
/// thread and run on the rayon pool, several at once; the others, and
/// those whose compiled run hands back to the interpreter (an empty
/// result), run on the interpreter thread, in order, as before. `rowwise`:
/// the phrases are row-wise (only the where clause can compile). With
/// `\compile 0` (or when nothing compiles) this is the sequential loop.
pub(super) fn each_partition(
    it: &mut Interp,
    p: &Parts,
    q: &PartQuery,
    strip: Option<&Strip>,
    rowwise: bool,
) -> QResult<Vec<Value>> {
    let compiled = crate::query::kernel::enabled();
    let mut strip = strip.filter(|_| compiled);
    // a select of row-wise phrases (nothing for the compiled core but the
    // where clause) whose where clause does not name the partition field:
    // narrowed without mapping the field
    let mut lazy =
        compiled && rowwise && p.field && !q.cs.is_empty() && !q.uses_i && !q.field_in_where;
    let mut out = Vec::with_capacity(p.sel.len());
    let mut fl = Flight::new(p.sel.len());
    let none = Value::list(vec![]);
    let finish = |it: &mut Interp, d: Done, out: &mut Vec<Value>| -> QResult<()> {
        out.push(match d {
            Done::Value(r) => r?,
            Done::Narrowed(tb) => q.run(it, tb, &none, None, None)?,
            Done::Interp(tb) => q.run(it, tb, &q.rest, None, None)?,
            Done::Remap(k) => q.run(it, p.table(k)?, &q.rest, None, None)?,
        });
        Ok(())
    };
    // map (and compile) partition k on this thread
    let mut plan = |it: &mut Interp, k: usize| -> QResult<(Table, Job)> {
        if let Some(s) = strip {
            let tb = p.db.part_table(k, p.t, p.need, false)?;
            match compile::compile_select(it, &tb, &q.rest, &s.b, &q.a) {
                Some(sq) => {
                    let v = p.db.layout.parts[k].0;
                    return Ok((tb, Job::Keyed(sq, s.key, p.db.field_ty(), k, v)));
                }
                // (the same schema in the next partitions: stop trying)
                None => strip = None,
            }
        }
        if lazy {
            let (tb, fill) = p.to_narrow(k, true)?;
            match compile::compile_where(it, &tb, &q.cs) {
                Some(prog) => return Ok((tb, Job::Narrow(prog, fill))),
                None => lazy = false,
            }
        }
        let tb = p.table(k)?;
        let job = if compiled {
            q.plan(it, &tb)
        } else {
            Job::Interp
        };
        Ok((tb, job))
    };
    for (pos, &k) in p.sel.iter().enumerate() {
        it.tick()?;
        let (tb, job) = match plan(it, k) {
            Ok(x) => x,
            Err(e) => {
                // the partitions before this one first, as in order
                while let Some(d) = fl.take(it, true)? {
                    finish(it, d, &mut out)?;
                }
                return Err(e);
            }
        };
        if fl.caught_up(pos) && matches!(job, Job::Interp) {
            fl.skip(pos);
            out.push(q.run(it, tb, &q.rest, None, None)?);
            continue;
        }
        fl.submit(pos, tb, job);
        loop {
            while let Some(d) = fl.take(it, false)? {
                finish(it, d, &mut out)?;
            }
            if !fl.full() {
                break;
            }
            if let Some(d) = fl.take(it, true)? {
                finish(it, d, &mut out)?;
            }
        }
    }
    while let Some(d) = fl.take(it, true)? {
        finish(it, d, &mut out)?;
    }
    stop_check(it)?;
    Ok(out)
}
