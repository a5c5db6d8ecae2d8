//! Storage integration tests: round trips through `set`/`get`, zero-copy
//! mapping, corrupt files, and a crash test (a writer killed with SIGKILL
//! while appending to a splayed table).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use qengine::{Interp, Outcome, Value};

fn scratch(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."));
    let p = root.join("target/storage_tests").join(name);
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn q(it: &mut Interp, src: &str) -> Result<Value, String> {
    it.eval_str(src).map_err(|e| e.name.clone())
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
    assert_eq!(show(&mut it, &format!("t~get `:{d}/db/t/")), "1b");
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

// ---------------------------------------------------------------------------
// Crash test

const BATCH: i64 = 3;

fn row_check(it: &mut Interp, dir: &str, n: i64) {
    let src = format!(
        "t:get `:{dir}/db/t/; (count t; t[`a]~til count t; t[`f]~0.5*til count t; \
         t[`s]~`$string (til count t) mod 7; t[`c]~string til count t)"
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
