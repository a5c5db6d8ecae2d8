//! Parquet reads through the borf binary: row groups a `FILTER` rules
//! out by their statistics are never read (the progress line, forced on
//! with `PROGRESS`, counts the rows actually decoded), and the rows that
//! are read are filtered exactly.

use std::io::Write;
use std::process::{Command, Stdio};

fn run(script: &str) -> (String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_borf"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("borf runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("script written");
    let out = child.wait_with_output().expect("borf exits");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn filters_prune_row_groups_by_statistics() {
    let dir = std::env::temp_dir().join(format!("borfarrow{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let f = dir.join("g.parquet");
    let f = f.display();
    let script = format!(
        "g:([]a:til 10000;s:10000#`x`y`z;d:2024.01.01+(til 10000) div 1000)\n\
         .arrowkdb.pq.writeParquetFromTable[\"{f}\";g;(enlist`PARQUET_CHUNK_SIZE)!enlist 1000]\n\
         o:`PROGRESS`FILTER!(1b;enlist(within;`a;2500 3499))\n\
         (select from g where a within 2500 3499)~.arrowkdb.pq.readParquetToTable[\"{f}\";o]\n\
         o:`PROGRESS`FILTER!(1b;enlist(=;`d;2024.01.05))\n\
         (select from g where d=2024.01.05)~.arrowkdb.pq.readParquetToTable[\"{f}\";o]\n\
         o:`PROGRESS`FILTER!(1b;((>;`a;8999);(in;`s;enlist`x`y)))\n\
         (select from g where a>8999,s in`x`y)~.arrowkdb.pq.readParquetToTable[\"{f}\";o]\n\
         o:`PROGRESS`FILTER!(1b;enlist(like;`s;\"x\"))\n\
         (select from g where s like \"x\")~.arrowkdb.pq.readParquetToTable[\"{f}\";o]\n"
    );
    let (out, err) = run(&script);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        vec!["1b"; 4],
        "{out}\n{err}"
    );
    let finals: Vec<&str> = err
        .split(['\r', '\n'])
        .filter(|l| l.contains("100%"))
        .collect();
    // within 2500 3499: row groups 2 and 3; d=2024.01.05: row group 4;
    // a>8999: row group 9; like is not prunable: every row group
    assert!(finals[0].contains("(2000 of 2000 rows)"), "{err}");
    assert!(finals[1].contains("(1000 of 1000 rows)"), "{err}");
    assert!(finals[2].contains("(1000 of 1000 rows)"), "{err}");
    assert!(finals[3].contains("(10000 of 10000 rows)"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
