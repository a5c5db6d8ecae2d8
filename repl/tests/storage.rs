//! Storage integration tests: round trips through `set`/`get`, zero-copy
//! mapping, corrupt files, and a crash test (a writer killed with SIGKILL
//! while appending to a splayed table).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use qengine::{Interp, Outcome, Value};

fn scratch(name: &str) -> PathBuf {
    // under the system's temp dir, not the checkout: the tests write these
    // paths into q symbol literals, which end at a `-` the checkout's path may hold
    let p = std::env::temp_dir()
        .join("borf_storage_tests")
        .join(format!("{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn q(it: &mut Interp, src: &str) -> Result<Value, String> {
    it.eval_text(src).map_err(|e| e.name.clone())
}

fn show(it: &mut Interp, src: &str) -> String {
    match it.run_line(src) {
        Ok(Outcome::Value(v)) => it.display(&v),
        Ok(_) => String::new(),
        Err(e) => format!("'{}", e.name),
    }
}

#[test]
fn every_type_round_trips_through_set_get() {
    let d = scratch("roundtrip");
    let d = d.display();
    let mut it = Interp::new();
    let values = [
        "1b",
        "0x2a",
        "42h",
        "42i",
        "42",
        "4.5e",
        "4.5",
        "\"c\"",
        "`sym",
        "2024.01.02D03:04:05.000000006",
        "2024.01m",
        "2024.01.02",
        "2024.01.02T03:04:05.006",
        "1D02:03:04.000000005",
        "12:34",
        "12:34:56",
        "12:34:56.789",
        "0N",
        "0n",
        "0Nd",
        "::",
        "101b",
        "0x0102ff",
        "1 2 0N 4h",
        "1 2 0N 4i",
        "1 2 0N 0W -0W",
        "`real$1.5 0n 0w 2.5",
        "1.5 0n 0w -0w",
        "\"hello\"",
        "`a`b``c",
        "2024.01.02D03:04:05 2025.01.01D00:00:00",
        "2024.01m,2024.02m",
        "2024.01.02 0Nd",
        "2024.01.02T03:04:05.006 0Nz",
        "1D 0Nn",
        "12:34 0Nu",
        "12:34:56 0Nv",
        "12:34:56.789 0Nt",
        "\"G\"$\"0a369037-75d3-b24d-6721-5a1d44d4bed5\"",
        "2#\"G\"$\"0a369037-75d3-b24d-6721-5a1d44d4bed5\"",
        "()",
        "`long$()",
        "0#`",
        "(1;`a;\"xy\";2.5)",
        "(1 2;3 4 5)",
        "`a`b!1 2",
        "`a`b!(1 2;\"xy\")",
        "([] a:1 2 3; b:`x`y`z; c:(\"ab\";\"c\";\"\"))",
        "([k:`a`b] v:1.5 2.5)",
        "(`a`b!1 2;([] x:1 2))",
        "`s#1 2 3",
        "`u#`a`b",
    ];
    for (i, v) in values.iter().enumerate() {
        let f = format!("`:{d}/o{i}");
        let src = format!("x:{v}; y:get {f} set x; (x~y;type[x]=type y)");
        let r = show(&mut it, &src);
        assert_eq!(r, "11b", "round trip of {v}: {r}");
    }
}

#[test]
fn splayed_table_round_trips_and_maps() {
    let d = scratch("splay");
    let d = d.display();
    let mut it = Interp::new();
    q(
        &mut it,
        "t:([] b:101b; x:0x0102ff; h:1 2 3h; i:1 0N 3i; j:1 2 0N; e:1 2 3e; f:1.5 0n 3.5; \
             c:\"abc\"; s:`a`b`a; p:3#.z.p; m:2024.01m+til 3; d:2024.01.01+til 3; \
             n:1D 2D 0Nn; u:12:00 12:01 12:02; v:12:00:00 0Nv 12:00:02; tt:3#12:00:00.001; \
             g:3#\"G\"$\"0a369037-75d3-b24d-6721-5a1d44d4bed5\"; str:(\"ab\";\"\";\"cde\"); \
             js:(1 2;`long$();3 4 5))",
    )
    .unwrap();
    q(&mut it, &format!("`:{d}/db/t/ set .Q.en[`:{d}/db;t]")).unwrap();
    // the symbol column comes back enumerated against sym (ref/match: an
    // enumeration does not match its symbols)
    assert_eq!(show(&mut it, &format!("t~get `:{d}/db/t/")), "0b");
    assert_eq!(
        show(&mut it, &format!("t~@[get `:{d}/db/t/;`s;value]")),
        "1b"
    );
    assert_eq!(
        show(&mut it, &format!("\\l {d}/db")),
        "",
        "\\l of a database"
    );
    assert_eq!(
        show(&mut it, "t~get `:target/none"),
        "'target/none: No such file or directory"
    );
    // an unenumerated symbol column is a type error, as in q
    assert_eq!(
        show(&mut it, &format!("`:{d}/db/u/ set ([] s:`new`syms)")),
        "'type"
    );
    // a keyed table cannot be splayed
    assert_eq!(
        show(&mut it, &format!("`:{d}/db/k/ set ([k:1 2] v:3 4)")),
        "'type"
    );
}

/// Resident set size of this process in bytes.
fn rss() -> usize {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = s
        .split_whitespace()
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

#[test]
fn mapping_a_large_column_does_not_copy_it() {
    let d = scratch("zerocopy");
    let path = d.join("big");
    // 400 MB of longs, written straight to a column file.
    let n: u64 = 50_000_000;
    let h = qstorage::Header::flat(7, 0, n).encode();
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        f.write_all(&h).unwrap();
        let chunk: Vec<u8> = (0..1_000_000u64).flat_map(|i| i.to_le_bytes()).collect();
        for _ in 0..n / 1_000_000 {
            f.write_all(&chunk).unwrap();
        }
    }
    let mut it = Interp::new();
    let before = rss();
    let t0 = Instant::now();
    q(&mut it, &format!("x:get `:{}", path.display())).unwrap();
    let took = t0.elapsed();
    let grew = rss().saturating_sub(before);
    assert_eq!(show(&mut it, "count x"), "50000000");
    assert_eq!(show(&mut it, "x 0 1 999999 1000000"), "0 1 999999 0");
    let after_index = rss().saturating_sub(before);
    let size = (n * 8) as usize;
    assert!(
        grew < size / 20,
        "mapping grew RSS by {grew} bytes for {size}"
    );
    assert!(
        after_index < size / 20,
        "indexing grew RSS by {after_index}"
    );
    assert!(took < Duration::from_millis(500), "mapping took {took:?}");
    let _ = std::fs::remove_file(&path);
}

fn write_bytes(p: &Path, b: &[u8]) {
    std::fs::write(p, b).unwrap();
}

#[test]
fn corrupt_files_give_errors_naming_the_file() {
    let d = scratch("corrupt");
    let ds = d.display().to_string();
    let mut it = Interp::new();
    q(
        &mut it,
        &format!(
            "`:{ds}/db/t/ set .Q.en[`:{ds}/db] ([] a:1 2 3; s:`a`b`c; c:(enlist \"x\";\"yy\";\"\"))"
        ),
    )
    .unwrap();
    q(&mut it, &format!("`:{ds}/v set 1 2 3")).unwrap();
    let good = std::fs::read(d.join("v")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..20].to_vec(), "truncated header"),
        ("short", good[..32 + 8].to_vec(), "count larger than file"),
        (
            "magic",
            {
                let mut b = good.clone();
                b[0] = b'X';
                b
            },
            "bad magic",
        ),
        (
            "version",
            {
                let mut b = good.clone();
                b[8] = 9;
                b
            },
            "unsupported format version 9 (this build reads 1)",
        ),
        (
            "count",
            {
                let mut b = good.clone();
                b[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
                b
            },
            "count larger than file",
        ),
        (
            "typecode",
            {
                let mut b = good.clone();
                b[12] = 77;
                b
            },
            "bad type code 77",
        ),
        ("empty", vec![], "bad magic"),
    ];
    for (name, bytes, msg) in cases {
        let p = d.join(name);
        write_bytes(&p, &bytes);
        let r = show(&mut it, &format!("get `:{}", p.display()));
        assert_eq!(r, format!("'{}: {msg}", p.display()), "case {name}");
    }
    // a column of a splayed table cut short
    let col = d.join("db/t/a");
    let b = std::fs::read(&col).unwrap();
    write_bytes(&col, &b[..40]);
    let r = show(&mut it, &format!("get `:{ds}/db/t/"));
    assert_eq!(r, format!("'{}: count larger than file", col.display()));
    write_bytes(&col, &b);
    // .d naming a missing column
    std::fs::remove_file(d.join("db/t/c#")).unwrap();
    let r = show(&mut it, &format!("get `:{ds}/db/t/"));
    assert_eq!(r, format!("'{}/db/t/c#: No such file or directory", ds));
    // a directory without .d
    std::fs::create_dir_all(d.join("db/empty")).unwrap();
    let r = show(&mut it, &format!("get `:{ds}/db/empty"));
    assert_eq!(r, format!("'{}/db/empty/.d: No such file or directory", ds));
    // a corrupt object file
    q(&mut it, &format!("`:{ds}/o set `a`b!1 2")).unwrap();
    let mut o = std::fs::read(d.join("o")).unwrap();
    o.truncate(o.len() - 3);
    write_bytes(&d.join("o"), &o);
    let r = show(&mut it, &format!("get `:{ds}/o"));
    assert_eq!(r, format!("'{}/o: count larger than file", ds));
}

/// A column file rewritten behind borf's back with more (or fewer) items
/// than the table's other columns is an error naming it, when the table is
/// mapped, loaded, counted or appended to; never a silently shorter table.
#[test]
fn a_column_of_another_length_is_refused() {
    let d = scratch("lengths");
    let ds = d.display().to_string();
    let mut it = Interp::new();
    q(
        &mut it,
        &format!("`:{ds}/db/t/ set ([] a:1 2 3; b:4 5 6; c:7 8 9)"),
    )
    .unwrap();
    for (items, n) in [("1 2 3 4", 4), ("enlist 1", 1)] {
        q(&mut it, &format!("`:{ds}/db/t/b set {items}")).unwrap();
        let want = format!(
            "'{}: length: column has {n} rows, the table's other columns 3",
            d.join("db/t/b").display()
        );
        assert_eq!(show(&mut it, &format!("get `:{ds}/db/t/")), want);
        assert_eq!(show(&mut it, &format!("count get `:{ds}/db/t/")), want);
        assert_eq!(
            show(
                &mut it,
                &format!("`:{ds}/db/t/ upsert ([] a:1#0; b:1#0; c:1#0)")
            ),
            want
        );
        assert_eq!(show(&mut it, &format!("\\l {ds}/db")), want);
    }
    // put right, the table maps again, and appends
    q(&mut it, &format!("`:{ds}/db/t/b set 4 5 6")).unwrap();
    q(
        &mut it,
        &format!("`:{ds}/db/t/ upsert ([] a:1#0; b:1#0; c:1#0)"),
    )
    .unwrap();
    assert_eq!(show(&mut it, &format!("count get `:{ds}/db/t/")), "4");
    assert_eq!(show(&mut it, &format!("key `:{ds}/db/t")), "`.d`a`b`c");
}

/// Two processes each upsert 1,000 one-row batches with a new-ish symbol
/// (enumerated with `.Q.en` against the shared sym file) into one splayed
/// table at the same time: every acknowledged row is there, once, with its
/// symbol.
#[test]
fn concurrent_upserts_from_two_processes_lose_nothing() {
    let d = scratch("concurrent");
    let ds = d.display().to_string();
    let mut it = Interp::new();
    q(
        &mut it,
        &format!("`:{ds}/db/t/ set .Q.en[`:{ds}/db] ([] w:`long$(); k:`long$(); s:`symbol$())"),
    )
    .unwrap();
    let script = d.join("w.q");
    std::fs::write(
        &script,
        format!(
            "w:\"J\"$.z.x 0\n\
             k:0\n\
             do[1000;k+:1;`:{ds}/db/t/ upsert .Q.en[`:{ds}/db] ([] w:enlist w; k:enlist k; s:enlist `$\"s\",string ((7*w)+k) mod 300)]\n\
             -1 \"done\";\n\
             \\\\\n"
        ),
    )
    .unwrap();
    let start = Instant::now();
    let kids: Vec<_> = ["1", "2"]
        .iter()
        .map(|w| {
            Command::new(env!("CARGO_BIN_EXE_borf"))
                .arg(&script)
                .arg(w)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for k in kids {
        let out = k.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert_eq!(text.trim(), "done", "writer output");
    }
    eprintln!("2 x 1000 concurrent upserts in {:?}", start.elapsed());
    let check = format!(
        "t:get `:{ds}/db/t/; (count t; exec count distinct k by w from t; \
         all t[`s]=`$\"s\",/:string ((7*t`w)+t`k) mod 300)"
    );
    assert_eq!(show(&mut it, &check), "2000\n1 2!1000 1000\n1b");
}

// ---------------------------------------------------------------------------
// Crash test

const BATCH: i64 = 3;

fn row_check(it: &mut Interp, dir: &str, n: i64) {
    let src = format!(
        "t:get `:{dir}/db/t/; (count t; t[`a]~til count t; t[`f]~0.5*til count t; \
         (value t`s)~`$string (til count t) mod 7; t[`c]~string til count t)"
    );
    let r = show(it, &src);
    assert_eq!(r, format!("{n}\n1b\n1b\n1b\n1b"), "table after crash");
}

/// The writer half of the crash test: runs only when `BORF_CRASH_WRITER`
/// names a directory (the test below starts this test binary in that
/// mode). Appends batches of rows forever, printing each completed count.
#[test]
fn crash_writer_entry() {
    let Ok(dir) = std::env::var("BORF_CRASH_WRITER") else {
        return;
    };
    use std::io::Write;
    let mut it = Interp::new();
    let mut n = match q(&mut it, &format!("count get `:{dir}/db/t/")) {
        Ok(Value::Atom(a)) => a.to_i64().unwrap_or(0),
        _ => 0,
    };
    loop {
        let src = format!(
            "r:{n}+til {BATCH}; `:{dir}/db/t/ upsert .Q.en[`:{dir}/db] ([] a:r; f:0.5*r; s:`$string r mod 7; c:string r)"
        );
        q(&mut it, &src).expect("append");
        n += BATCH;
        let mut o = std::io::stdout().lock();
        writeln!(o, "{n}").unwrap();
        o.flush().unwrap();
    }
}

#[test]
fn appends_survive_sigkill() {
    let d = scratch("crash");
    let ds = d.display().to_string();
    let mut it = Interp::new();
    q(
        &mut it,
        &format!("`:{ds}/db/t/ set .Q.en[`:{ds}/db] ([] a:enlist 0; f:enlist 0f; s:enlist `0; c:enlist enlist \"0\")"),
    )
    .unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut seed: u64 = Instant::now().elapsed().as_nanos() as u64 ^ 0x9E37_79B9_7F4A_7C15;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let start = Instant::now();
    let mut kills = 0;
    let mut last = 1i64;
    while kills < 60 && start.elapsed() < Duration::from_secs(25) {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_writer_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("BORF_CRASH_WRITER", &ds)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut best = -1i64;
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                // libtest prints `test crash_writer_entry ... ` without a
                // newline before the first count: take the last word.
                let w = l.split_whitespace().last().unwrap_or("");
                if let Ok(v) = w.parse::<i64>() {
                    best = v;
                }
            }
            best
        });
        std::thread::sleep(Duration::from_millis(20 + rand() % 150));
        // SIGKILL: no chance to clean up.
        child.kill().unwrap();
        child.wait().unwrap();
        let printed = reader.join().unwrap();
        let mut check = Interp::new();
        let n = match q(&mut check, &format!("count get `:{ds}/db/t/")) {
            Ok(Value::Atom(a)) => a.to_i64().unwrap(),
            other => panic!("table unreadable after kill {kills}: {other:?}"),
        };
        let floor = printed.max(last);
        assert!(
            n == floor || n == floor + BATCH,
            "kill {kills}: count {n}, last printed {printed}, previous {last}"
        );
        row_check(&mut check, &ds, n);
        last = n;
        kills += 1;
    }
    assert!(kills >= 50, "only {kills} kills in the time limit");
    assert!(last > 1, "the writer never appended");
}

/// The writer half of the two-writer crash test: runs only when
/// `BORF_CRASH_WRITER2` names a directory; `BORF_WRITER_ID` numbers the
/// writer. Appends batches whose `a` is unique to the writer and run,
/// printing `ok` after each acknowledged append.
#[test]
fn crash_writer2_entry() {
    let Ok(dir) = std::env::var("BORF_CRASH_WRITER2") else {
        return;
    };
    use std::io::Write;
    let id: i64 = std::env::var("BORF_WRITER_ID")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut it = Interp::new();
    let mut k = 0i64;
    loop {
        let src = format!(
            "r:{}+til {BATCH}; `:{dir}/db/t/ upsert .Q.en[`:{dir}/db] ([] a:r; f:0.5*r; s:`$string r mod 7; c:string r)",
            id * 1_000_000_000 + k
        );
        q(&mut it, &src).expect("append");
        k += BATCH;
        let mut o = std::io::stdout().lock();
        writeln!(o, "ok").unwrap();
        o.flush().unwrap();
    }
}

/// Two writers append to one table at once and are killed with SIGKILL at
/// random moments, again and again: the table always maps, its columns
/// agree row by row, and it holds every acknowledged append (plus at most
/// the one in flight per writer).
#[test]
fn appends_from_two_writers_survive_sigkill() {
    let d = scratch("crash2");
    let ds = d.display().to_string();
    let mut it = Interp::new();
    q(
        &mut it,
        &format!("`:{ds}/db/t/ set .Q.en[`:{ds}/db] ([] a:enlist 0; f:enlist 0f; s:enlist `0; c:enlist enlist \"0\")"),
    )
    .unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D ^ std::process::id() as u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let start = Instant::now();
    let mut rounds = 0;
    let mut last = 1i64;
    let mut run = 0i64;
    while rounds < 30 && start.elapsed() < Duration::from_secs(20) {
        let kids: Vec<_> = (0..2)
            .map(|w| {
                run += 1;
                let mut child = Command::new(&exe)
                    .args([
                        "--exact",
                        "crash_writer2_entry",
                        "--nocapture",
                        "--test-threads=1",
                    ])
                    .env("BORF_CRASH_WRITER2", &ds)
                    .env("BORF_WRITER_ID", (run * 2 + w).to_string())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                let out = child.stdout.take().unwrap();
                let reader = std::thread::spawn(move || {
                    BufReader::new(out)
                        .lines()
                        .map_while(Result::ok)
                        .filter(|l| l.ends_with("ok"))
                        .count() as i64
                });
                (child, reader)
            })
            .collect();
        std::thread::sleep(Duration::from_millis(30 + rand() % 150));
        let mut acked = 0;
        for (mut child, reader) in kids {
            child.kill().unwrap();
            child.wait().unwrap();
            acked += reader.join().unwrap() * BATCH;
        }
        let mut check = Interp::new();
        let n = match q(&mut check, &format!("count get `:{ds}/db/t/")) {
            Ok(Value::Atom(a)) => a.to_i64().unwrap(),
            other => panic!("table unreadable after round {rounds}: {other:?}"),
        };
        assert!(
            n >= last + acked && n <= last + acked + 2 * BATCH,
            "round {rounds}: count {n}, before {last}, acknowledged {acked}"
        );
        let rows = show(
            &mut check,
            &format!(
                "t:get `:{ds}/db/t/; (t[`f]~0.5*t`a; (value t`s)~`$string t[`a] mod 7; t[`c]~string t`a; count[t]=count distinct t`a)"
            ),
        );
        assert_eq!(rows, "1111b", "round {rounds}: rows disagree");
        last = n;
        rounds += 1;
    }
    assert!(rounds >= 15, "only {rounds} rounds in the time limit");
    assert!(last > 1, "the writers never appended");
}

// ---------------------------------------------------------------------------
// Partitioned databases

/// Writes a three-day partitioned `trade` with `.Q.dpft`.
fn write_trades(it: &mut Interp, db: &str) {
    for (d, k) in [("2024.01.02", 0), ("2024.01.03", 1), ("2024.01.05", 2)] {
        q(
            it,
            &format!(
                "trade:([] sym:`c`a`b`a; time:09:30:00.000+til 4; price:{k}+1.5 2.5 3.5 4.5; size:{k}+100 200 300 400); \
                 .Q.dpft[`:{db};{d};`sym;`trade]"
            ),
        )
        .unwrap();
    }
    q(it, "trade:0").unwrap();
}

#[test]
fn partitioned_query_maps_only_the_partitions_it_needs() {
    let d = scratch("prune");
    let db = format!("{}/db", d.display());
    let mut it = Interp::new();
    write_trades(&mut it, &db);
    assert_eq!(show(&mut it, &format!("\\l {db}")), "");
    let touched = |it: &mut Interp, src: &str| -> (String, Vec<PathBuf>, Vec<PathBuf>) {
        qstorage::trace::start();
        let r = show(it, src);
        let log = qstorage::trace::stop();
        let all = log.iter().map(|o| o.path.clone()).collect();
        let mapped = log
            .into_iter()
            .filter(|o| o.mapped)
            .map(|o| o.path)
            .collect();
        (r, all, mapped)
    };
    let (r, files, _) = touched(&mut it, "select from trade where date=2024.01.02, sym=`a");
    assert_eq!(
        r,
        "date       sym time         price size\n\
         --------------------------------------\n\
         2024.01.02 a   09:30:00.001 2.5   200 \n\
         2024.01.02 a   09:30:00.003 4.5   400 "
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(!files.is_empty());
    for f in &files {
        let s = f.display().to_string();
        assert!(
            s.contains("/2024.01.02/") || s.ends_with("/db/sym"),
            "date= query opened {s}"
        );
    }
    // only the columns named are mapped (the others' headers are read for
    // the table count)
    let (r, files, mapped) = touched(&mut it, "select sum size from trade where date=2024.01.03");
    assert_eq!(r, "size\n----\n1004");
    let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    assert!(
        files.iter().all(|s| s.contains("/2024.01.03/")),
        "{files:?}"
    );
    let mapped: Vec<String> = mapped.iter().map(|f| f.display().to_string()).collect();
    assert!(
        mapped
            .iter()
            .all(|s| s.ends_with("/trade/size") || s.ends_with("/.d")),
        "{mapped:?}"
    );
    // within and in open only the partitions in range
    for (src, want) in [
        (
            "select count i by date from trade where date within 2024.01.03 2024.01.04",
            vec!["2024.01.03"],
        ),
        (
            "select sum size from trade where date in 2024.01.02 2024.01.05",
            vec!["2024.01.02", "2024.01.05"],
        ),
    ] {
        let (_, files, _) = touched(&mut it, src);
        for f in &files {
            let s = f.display().to_string();
            assert!(
                want.iter().any(|w| s.contains(&format!("/{w}/"))) || s.ends_with("/db/sym"),
                "{src} opened {s}"
            );
        }
    }
    // without a date constraint every partition is read
    assert_eq!(
        show(&mut it, "select count i by date from trade"),
        "date      | x\n----------| -\n2024.01.02| 4\n2024.01.03| 4\n2024.01.05| 4"
    );
    assert_eq!(show(&mut it, "count trade"), "12");
    assert_eq!(show(&mut it, "exec sum size from trade"), "3012");
    assert_eq!(
        show(&mut it, "select sum size by sym from trade"),
        "sym| size\n---| ----\na  | 1806\nb  | 903\nc  | 303"
    );
    assert_eq!(
        show(
            &mut it,
            "select count i by date from trade where date=2024.01.04"
        ),
        "date| x\n----| -"
    );
}

#[test]
fn partitioned_db_is_queried_in_a_new_process() {
    let d = scratch("newproc");
    let db = format!("{}/db", d.display());
    let mut it = Interp::new();
    write_trades(&mut it, &db);
    drop(it);
    let input = format!(
        "\\l {db}\ncount trade\ncols trade\n.Q.pv\nselect from trade where date=2024.01.05, sym=`b\n\
         select max price by date from trade\nselect sum size from trade where date within 2024.01.03 2024.01.05\n"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_borf"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let got: Vec<&str> = text.lines().map(str::trim_end).collect();
    let want = [
        "12",
        "`date`sym`time`price`size",
        "2024.01.02 2024.01.03 2024.01.05",
        "date       sym time         price size",
        "--------------------------------------",
        "2024.01.05 b   09:30:00.002 5.5   302",
        "date      | price",
        "----------| -----",
        "2024.01.02| 4.5",
        "2024.01.03| 5.5",
        "2024.01.05| 6.5",
        "size",
        "----",
        "2012",
    ];
    assert_eq!(
        got,
        want,
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes a partitioned database of `parts` partitions of `rows` longs
/// each (`size` is `til rows`), straight through qstorage.
fn write_long_db(db: &Path, parts: usize, rows: usize) {
    let bytes: Vec<u8> = (0..rows as i64).flat_map(|i| i.to_le_bytes()).collect();
    for k in 0..parts {
        let dir = db.join(format!("2024.01.{:02}", k + 1)).join("trade");
        let cols = vec![(
            "size".to_string(),
            qstorage::splay::ColData::Flat {
                ty: 7,
                attr: 0,
                bytes: std::borrow::Cow::Borrowed(&bytes[..]),
            },
        )];
        qstorage::splay::write_splay(&dir, &cols).unwrap();
    }
}

#[test]
fn loading_a_partitioned_db_maps_nothing_and_does_not_scale_with_rows() {
    let d = scratch("partzero");
    let (small, large) = (d.join("small"), d.join("large"));
    write_long_db(&small, 4, 500_000);
    write_long_db(&large, 4, 5_000_000);
    let time_load = |db: &Path| {
        let mut best = Duration::MAX;
        for _ in 0..5 {
            let mut it = Interp::new();
            let t0 = Instant::now();
            assert_eq!(show(&mut it, &format!("\\l {}", db.display())), "");
            best = best.min(t0.elapsed());
        }
        best
    };
    let ts = time_load(&small);
    let tl = time_load(&large);
    // ten times the rows: a load proportional to rows would take ~10x
    assert!(
        tl < ts * 4 + Duration::from_millis(5),
        "\\l took {tl:?} for 20M rows vs {ts:?} for 2M"
    );
    assert!(tl < Duration::from_millis(200), "\\l took {tl:?}");
    let mut it = Interp::new();
    let before = rss();
    show(&mut it, &format!("\\l {}", large.display()));
    let grew = rss().saturating_sub(before);
    let size = 4 * 5_000_000 * 8;
    assert!(grew < size / 20, "\\l grew RSS by {grew} for {size} bytes");
    let n: i64 = 5_000_000;
    assert_eq!(show(&mut it, "count trade"), (4 * n).to_string());
    assert_eq!(
        show(&mut it, "exec sum size from trade"),
        (4 * n * (n - 1) / 2).to_string()
    );
    assert_eq!(
        show(&mut it, "select sum size from trade where date=2024.01.02"),
        format!("size\n--------------\n{}", n * (n - 1) / 2)
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// Many small partitions (12 dates, 6000 to 21000 rows, nulls, symbols
/// including the empty one, a string column) and the same rows as one
/// in-memory table `mem`: every query gives the same result with the
/// compiled core off, on (partitions on the rayon pool), and on with the
/// kernel's own chunk split forced inside each partition; and, where the
/// partitioned plan is q's (no float sums recombined, no `i`, no
/// per-partition aggregate in a where clause), what the in-memory table
/// gives.
#[test]
fn partitioned_queries_in_parallel_match_the_interpreter_and_memory() {
    let d = scratch("parpart");
    let db = format!("{}/db", d.display());
    let mut it = Interp::new();
    q(
        &mut it,
        &format!(
            "db:`:{db}; ds:2024.01.01+0 1 2 3 6 7 8 9 10 13 14 15; \
             mk:{{[k;d] n:6000+1370*k; j:til n; \
             t:([] sym:(`a`b`c`d`e`)[(j*7+k) mod 6]; price:?[0=j mod 17;0n;10+((j*31+k) mod 1000)%10]; \
             size:?[0=j mod 23;0N;(j*13+k*5) mod 1000]; qty:`int$(j*3+k) mod 50; ex:string (`x`yy`zzz)[j mod 3]; \
             z:?[0=j mod 5;0f;?[1=j mod 5;neg 0f;(j mod 7)-3f]]); \
             trade::t; .Q.dpft[db;d;`sym;`trade]; update date:d from `sym xasc t}}; \
             mem:`date xcols raze mk'[til 12;ds]; trade:0"
        ),
    )
    .unwrap();
    assert_eq!(show(&mut it, &format!("\\l {db}")), "");
    q(
        &mut it,
        "d1:2024.01.02; d2:2024.01.03; d5:2024.01.07; d9:2024.01.11; dsel:2024.01.04 2024.01.08 2024.01.16; lim:100; sset:`a`c`",
    )
    .unwrap();
    assert_eq!(show(&mut it, "count trade"), "162420");
    assert_eq!(show(&mut it, "count mem"), "162420");
    // queries also compared with the in-memory table (`false`: not, the
    // plan differs from one select over all the rows there)
    let queries: &[(&str, bool)] = &[
        // plain row-wise selects, concatenated per partition
        (
            "select from trade where date within (d2;d9), size>500",
            true,
        ),
        (
            "select sym, price, size from trade where date in dsel, price>50.5",
            true,
        ),
        (
            "select sym, px:price*2, ex from trade where size within (lim;200), sym<>`b",
            true,
        ),
        ("select from trade where date within (d1;d2), price<0", true),
        ("select from trade where qty=7", true),
        (
            "select sym, size from trade where date>=d5, size>lim, not null price",
            true,
        ),
        // grouped by the partition field first
        ("select count i by date from trade", true),
        (
            "select n:count i, s:sum size, q:sum qty, hi:max price, lo:min price, mx:max size by date from trade where date>d2",
            true,
        ),
        (
            "select last price, first sym, mn:min qty by date, sym from trade where date<>d5, size within 100 200",
            true,
        ),
        (
            "select vwap:size wavg price, w:size wsum price by date from trade where sym=`a",
            true,
        ),
        (
            "select avg price, sum price by date from trade where size>300",
            true,
        ),
        ("select count i by date from trade where sym=`zz", true),
        (
            "select count i by date, sym from trade where sym in sset, size>900",
            true,
        ),
        ("select by date from trade where size>990", true),
        ("select by date, sym from trade where qty<2", true),
        (
            "select n:count i by d:date, s:sym from trade where price>95",
            true,
        ),
        (
            "select max date, count i by date from trade where size>995",
            true,
        ),
        (
            "select sum size by date from trade where price>avg price",
            false,
        ),
        // map-reduce over partitions
        (
            "select sum size, n:count i, hi:max price, lo:min price, q:sum qty from trade where date within (d1;d9), sym in `a`b`c",
            true,
        ),
        ("select sum size, n:count i from trade where price>50", true),
        ("select sum size, mx:max size, mn:min size from trade", true),
        ("select sum price from trade where size>10", false),
        ("select count i from trade where sym=`zz", true),
        // general: gathered (narrowed first when the where clause compiles)
        (
            "select sum size, max price by sym from trade where price>20",
            true,
        ),
        (
            "select avg price by sym, date from trade where size<300",
            true,
        ),
        (
            "select sum size by sym from trade where date within (d2;d9)",
            true,
        ),
        ("select count i by ex from trade where size>990", true),
        ("exec sum size from trade where size>100", true),
        ("exec price from trade where date in dsel, size>995", true),
        ("select distinct sym from trade where size>900", true),
        // grouped by other keys: merged from per-partition groups
        (
            "select first price, last size, n:count i, mn:min qty, mx:max price by sym from trade where size>500",
            true,
        ),
        (
            "select n:count i, s:sum size, q:sum qty by sym, qty from trade where price<20",
            true,
        ),
        (
            "select max price, min price, max size by sym from trade",
            true,
        ),
        (
            "select s:sum size by 10 xbar size from trade where sym in `a`b",
            true,
        ),
        ("select count i by sym from trade where sym=`zz", true),
        ("select mx:max i by sym from trade where size>990", false),
        (
            "select n:count i, s:sum size by ex, sym from trade where price<15",
            true,
        ),
        (
            "select first z, last z, lo:min z, hi:max z by sym from trade",
            true,
        ),
        ("select hi:max z by sym from trade where z<=0", true),
        (
            "select lo:min z, n:count i by qty from trade where z>=0",
            true,
        ),
        ("select[5] from trade where size>500", true),
        (
            "select[>price] sym, price from trade where date within (d1;d2), size>995",
            true,
        ),
        ("select[3;<size] from trade where price>99.5", true),
        (
            "select sum size by sym from trade where price>avg price",
            true,
        ),
        ("select from trade where date within (d1;d2), i<3", false),
    ];
    let run = |it: &mut Interp, tag: &str| {
        for (k, (src, _)) in queries.iter().enumerate() {
            q(
                it,
                &format!("r{k}{tag}:@[{{value x}};\"{src}\";{{`err,`$x}}]"),
            )
            .unwrap();
        }
    };
    assert_eq!(show(&mut it, "\\compile 0"), "");
    run(&mut it, "i");
    assert_eq!(show(&mut it, "\\compile 1"), "");
    let before = qengine::query::kernel::compiled_runs();
    run(&mut it, "c");
    assert!(
        qengine::query::kernel::compiled_runs() >= before + 12,
        "the compiled core answered the partitions"
    );
    qengine::query::kernel::set_par_min_rows(qengine::query::kernel::CHUNK);
    run(&mut it, "s");
    qengine::query::kernel::set_par_min_rows(qengine::query::kernel::PAR_MIN_ROWS);
    for (k, (src, mem)) in queries.iter().enumerate() {
        let r = show(&mut it, &format!("r{k}c"));
        assert!(!r.contains("`err"), "{src}: {r}");
        assert!(!r.is_empty(), "{src}");
        for tag in ["i", "s"] {
            assert_eq!(
                show(&mut it, &format!("(-8!r{k}c)~-8!r{k}{tag}")),
                "1b",
                "{src} compiled vs {tag}:\n{r}\n{}",
                show(&mut it, &format!("r{k}{tag}"))
            );
        }
        if *mem {
            let msrc = src.replace("from trade", "from mem");
            assert_eq!(
                show(&mut it, &format!("r{k}c~{msrc}")),
                "1b",
                "{src} vs in memory:\n{r}\n{}",
                show(&mut it, &msrc)
            );
        }
    }
    // a few results by hand
    assert_eq!(
        show(
            &mut it,
            "select count i by date from trade where date within (d1;d2)"
        ),
        "date      | x\n----------| ----\n2024.01.02| 7370\n2024.01.03| 8740"
    );
    assert_eq!(show(&mut it, "count r11c"), "0");
    // Ctrl-C before a parallel query: 'stop, and the next query runs
    it.interrupt
        .store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        show(&mut it, "select sum size by date from trade where size>10"),
        "'stop"
    );
    assert_eq!(
        show(
            &mut it,
            "exec sum x from select x:count i by date from trade"
        ),
        "162420"
    );
    let _ = std::fs::remove_dir_all(&d);
}
