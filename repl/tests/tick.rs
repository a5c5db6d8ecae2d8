//! A tickerplant end to end, every process a `borf` on 127.0.0.1: the
//! project's own tickerplant, RDB, feeds and subscriber in `tests/tick/`
//! (written for borf in the manner of KX's kdb+tick and cookbook feed).
//! Covers: a zero-latency and a batched (`-t`) tickerplant creating their
//! logs; an RDB that subscribes, replays the log (`-11!`) and grows while
//! idle; feeds publishing in a loop and from a timer, every message
//! delivered in order; a subscriber filtering symbols, seen in `.u.w` and
//! removed when killed (`.z.pc`); an RDB restart replaying to the same
//! counts; a torn log's valid prefix; end of day (`.Q.hdpf`) and an HDB
//! started on the directory answering a query. Processes are stopped by
//! PID; every wait is bounded.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::free_port;

const SEP: &str = "@@tick-test@@";
/// Every wait for a condition gives up after this.
const WAIT: Duration = Duration::from_secs(30);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn script(name: &str) -> String {
    root()
        .join("tests/tick")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A process of the plant; killed (by its PID) on drop. Its standard input
/// stays open, so feeds without a port keep running.
struct Proc {
    child: Child,
    port: Option<u16>,
    _stdin: Option<ChildStdin>,
    log: PathBuf,
}

impl Proc {
    fn start(dir: &Path, name: &str, args: &[String], port: Option<u16>) -> Proc {
        let log = dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_borf"));
        cmd.args(args)
            .current_dir(dir)
            .env_remove("BORF_TEST_SEPARATOR")
            .stdin(Stdio::piped())
            .stdout(out.try_clone().expect("log"))
            .stderr(out);
        if let Some(p) = port {
            cmd.arg("-p").arg(p.to_string());
        }
        let mut child = cmd.spawn().expect("start borf");
        let stdin = child.stdin.take();
        if let Some(p) = port {
            let t = Instant::now();
            while TcpStream::connect(("127.0.0.1", p)).is_err() {
                assert!(t.elapsed() < WAIT, "{name} did not listen on {p}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Proc {
            child,
            port,
            _stdin: stdin,
            log,
        }
    }

    fn port(&self) -> u16 {
        self.port.expect("a port")
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A borf console driven line by line (results split by a separator):
/// the test's q client.
struct Console {
    child: Child,
    stdin: ChildStdin,
    out: BufReader<ChildStdout>,
}

impl Console {
    fn new(dir: &Path) -> Console {
        let mut child = Command::new(env!("CARGO_BIN_EXE_borf"))
            .current_dir(dir)
            .env("BORF_TEST_SEPARATOR", SEP)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start borf");
        let stdin = child.stdin.take().expect("stdin");
        let out = BufReader::new(child.stdout.take().expect("stdout"));
        Console { child, stdin, out }
    }

    /// Runs one line, returns what it printed (trimmed).
    fn q(&mut self, line: &str) -> String {
        writeln!(self.stdin, "{line}").expect("write");
        self.stdin.flush().expect("flush");
        let mut text = String::new();
        loop {
            let mut l = String::new();
            let n = self.out.read_line(&mut l).expect("read");
            assert!(n > 0, "console ended after {line}: {text}");
            if l.trim_end() == SEP {
                break;
            }
            // the frame and caret lines of q's error display
            if l.starts_with("  [") || l.trim() == "^" {
                continue;
            }
            text.push_str(&l);
        }
        text.trim_end().to_string()
    }

    /// Repeats `line` until it prints `want` (bounded).
    fn wait_for(&mut self, line: &str, want: &str) {
        let t = Instant::now();
        loop {
            let got = self.q(line);
            if got == want {
                return;
            }
            assert!(
                t.elapsed() < WAIT,
                "{line}: wanted {want}, still {got} after {WAIT:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn workdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("borftick{}{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("work dir");
    d
}

fn s(x: impl ToString) -> String {
    x.to_string()
}

fn today_log(dir: &Path) -> PathBuf {
    let logs: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("tp2"))
        })
        .collect();
    assert_eq!(logs.len(), 1, "one log in {dir:?}: {logs:?}");
    logs[0].clone()
}

#[test]
fn zero_latency_plant_end_to_end() {
    let dir = workdir("zero");
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let hdbdir = dir.join("hdb");
    std::fs::create_dir_all(&hdbdir).unwrap();
    let schema = script("schema.q");
    let logs_s = logs.to_string_lossy().into_owned();
    let hdb_s = hdbdir.to_string_lossy().into_owned();

    // 1. the tickerplant creates its log
    let tp = Proc::start(
        &dir,
        "tp",
        &[script("tp.q"), schema.clone(), logs_s.clone()],
        Some(free_port()),
    );
    let mut c = Console::new(&dir);
    let tpp = tp.port();
    assert_eq!(c.q(&format!("t:hopen {tpp}")), "");
    assert_eq!(c.q("t\".u.i\""), "0");
    let log = today_log(&logs);
    assert_eq!(std::fs::read(&log).unwrap(), [0xff, 1, 0, 0, 0, 0, 0, 0]);

    // 2. an HDB on the (empty) directory, an RDB and a filtering subscriber
    let hdb = Proc::start(&dir, "hdb", std::slice::from_ref(&hdb_s), Some(free_port()));
    let rdb_args = vec![script("rdb.q"), s(tpp), s(hdb.port()), hdb_s.clone()];
    let rdb = Proc::start(&dir, "rdb", &rdb_args, Some(free_port()));
    let sub = Proc::start(
        &dir,
        "sub",
        &[script("sub.q"), s(tpp), s("IBM"), s("MSFT")],
        Some(free_port()),
    );
    assert_eq!(c.q(&format!("r:hopen {}", rdb.port())), "");
    assert_eq!(c.q(&format!("u:hopen {}", sub.port())), "");
    c.wait_for("count t\".u.w`trade\"", "2");
    assert_eq!(c.q("r\"count trade\""), "0");

    // 3. a feed in a loop: 2000 single rows then 20 batches of 100; every
    // row reaches the RDB in order while it is idle; the subscriber gets
    // only its symbols, in order
    let feed = Proc::start(
        &dir,
        "feed",
        &[script("feed.q"), s(tpp), s("loop"), s(2000)],
        None,
    );
    c.wait_for("r\"count trade\"", "4000");
    assert_eq!(c.q("r\"(exec price from trade)~`float$til 4000\""), "1b");
    assert_eq!(
        c.q("r\"exec (size~til 4000)&all time>=prev time from trade\""),
        "1b"
    );
    c.wait_for("u\"count trade\"", "1600");
    assert_eq!(
        c.q("u\"(asc exec distinct sym from trade)~`IBM`MSFT\""),
        "1b"
    );
    assert_eq!(c.q("u\"exec all 0<1_deltas price from trade\""), "1b");
    assert_eq!(c.q("t\".u.i\""), "2020");
    feed.kill();

    // 4. killing the subscriber removes it (.z.pc)
    sub.kill();
    c.wait_for("count t\".u.w`trade\"", "1");

    // 5. a restarted RDB replays the log to the same counts
    rdb.kill();
    let rdb = Proc::start(&dir, "rdb2", &rdb_args, Some(free_port()));
    assert_eq!(c.q(&format!("r:hopen {}", rdb.port())), "");
    assert_eq!(c.q("r\"count trade\""), "4000");
    assert_eq!(c.q("r\"(exec price from trade)~`float$til 4000\""), "1b");

    // a feed on the timer: the idle RDB grows
    let feed = Proc::start(
        &dir,
        "feedt",
        &[script("feed.q"), s(tpp), s("timer"), s(10), s("-t"), s(20)],
        None,
    );
    c.wait_for("r\"4100<count trade\"", "1b");
    feed.kill();
    // settled: the count stops changing
    let n: usize = c_count(&mut c).parse().unwrap();
    // the timer feed numbers its rows from 0 again
    assert_eq!(
        c.q("r\"(exec price from trade)~`float$(til 4000),til count[trade]-4000\""),
        "1b"
    );

    // 6. end of day: the RDB saves to the HDB and empties its tables; the
    // HDB (started on the directory) reloads and answers
    assert_eq!(c.q("t\".u.endofday[];\""), "");
    c.wait_for("r\"count trade\"", "0");
    assert!(hdbdir.join("sym").exists(), "{}", rdb.output());
    assert_eq!(c.q(&format!("d:hopen {}", hdb.port())), "");
    c.wait_for("d\"count trade\"", &s(n));
    let by_sym = c.q("d\"exec x from select count i by sym from trade\"");
    let fifth = s(n / 5);
    assert_eq!(by_sym, [fifth.as_str(); 5].join(" "));
    // a new day: the tickerplant rolled to a new log
    let n_logs = std::fs::read_dir(&logs).unwrap().count();
    assert_eq!(n_logs, 2, "{}", tp.output());
    drop(hdb);
    drop(tp);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The RDB's current count, for waiting until it stops changing.
fn c_count(c: &mut Console) -> String {
    let mut last = c.q("r\"count trade\"");
    let t = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let now = c.q("r\"count trade\"");
        if now == last || t.elapsed() > WAIT {
            return now;
        }
        last = now;
    }
}

#[test]
fn batched_plant_cookbook_feed_and_torn_log() {
    let dir = workdir("batch");
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let hdbdir = dir.join("hdb");
    let logs_s = logs.to_string_lossy().into_owned();

    // a batched tickerplant (-t): the timer publishes; it creates its log
    let tp = Proc::start(
        &dir,
        "tp",
        &[script("tp.q"), script("schema.q"), logs_s, s("-t"), s(50)],
        Some(free_port()),
    );
    let tpp = tp.port();
    let mut c = Console::new(&dir);
    assert_eq!(c.q(&format!("t:hopen {tpp}")), "");
    assert_eq!(c.q("t\"system\\\"t\\\"\""), "50i");
    let log = today_log(&logs);
    let rdb_args = vec![
        script("rdb.q"),
        s(tpp),
        s(free_port()),
        hdbdir.to_string_lossy().into_owned(),
    ];
    let rdb = Proc::start(&dir, "rdb", &rdb_args, Some(free_port()));
    assert_eq!(c.q(&format!("r:hopen {}", rdb.port())), "");
    c.wait_for("count t\".u.w`trade\"", "1");

    // the cookbook-style feed: random trades and quotes from its timer
    let feed = Proc::start(
        &dir,
        "feed2",
        &[script("feed2.q"), s(tpp), s("-t"), s(20)],
        None,
    );
    c.wait_for("r\"(10<count trade)&10<count quote\"", "1b");
    // and a loop feed: 500 rows in order among them
    let feed1 = Proc::start(
        &dir,
        "feed",
        &[script("feed.q"), s(tpp), s("loop"), s(500)],
        None,
    );
    c.wait_for("r\"count select from trade where size<1000\"", "1000");
    feed1.kill();
    feed.kill();
    // everything published: the tickerplant's count is the log's
    c.wait_for("t\".u.i=.u.j\"", "1b");
    let i = c.q("t\".u.i\"");
    let rows = c.q("r\"count[trade],count quote\"");
    assert_eq!(
        c.q("r\"exec (price~`float$til 1000)&size~til 1000 from trade where size<1000\""),
        "1b"
    );

    // the log replays to the same counts; its layout is q's
    let l = log.to_string_lossy().into_owned();
    assert_eq!(c.q(&format!("-11!(-2;`:{l})")), i);
    assert_eq!(
        c.q(&format!(
            "trade:0#value t\"trade\";quote:0#value t\"quote\";upd:insert;-11!`:{l};count[trade],count quote"
        )),
        rows
    );
    let bytes = std::fs::read(&log).unwrap();
    assert_eq!(&bytes[..4], &[0xff, 1, 0, 0]);
    assert_eq!(s(u32::from_le_bytes(bytes[4..8].try_into().unwrap())), i);

    // a torn copy: the valid prefix replays, -11!(-2;L) reports where the
    // tail starts, -11! signals 'badtail
    let torn = dir.join("torn");
    std::fs::write(&torn, &bytes[..bytes.len() - 5]).unwrap();
    let t = torn.to_string_lossy().into_owned();
    let n: i64 = i.parse().unwrap();
    let valid = c.q(&format!("-11!(-2;`:{t})"));
    let parts: Vec<i64> = valid.split(' ').map(|x| x.parse().unwrap()).collect();
    assert_eq!(parts[0], n - 1, "{valid}");
    assert!(parts[1] < bytes.len() as i64 - 5 && parts[1] > 8, "{valid}");
    assert_eq!(c.q("upd:{[t;x]}"), "");
    assert_eq!(c.q(&format!("-11!`:{t}")), "'badtail");
    assert_eq!(c.q(&format!("-11!({};`:{t})", n - 1)), s(n - 1));
    // a prefix cut at the valid length is a whole log again
    std::fs::write(&torn, &bytes[..parts[1] as usize]).unwrap();
    assert_eq!(c.q(&format!("-11!(-2;`:{t})")), s(n - 1));
    drop(rdb);
    drop(tp);
    let _ = std::fs::remove_dir_all(&dir);
}
