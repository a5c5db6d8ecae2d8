//! Bounded IPC load test (issue 7): 50 concurrent clients issue 10,000
//! queries in total against one `borf -p PORT`, every answer is checked, and
//! the server's resident memory must not grow across a second identical
//! round. Also measures throughput (printed; recorded in docs/PERF.md):
//! `cargo test --release -p repl --test ipc_load -- --nocapture`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::free_port;

const CLIENTS: usize = 50;
const QUERIES: usize = 10_000;

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(setup: &str) -> Server {
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_borf"))
            .arg("-p")
            .arg(port.to_string())
            .env_remove("BORF_TEST_SEPARATOR")
            .env_remove("BORF_IPC_COMPRESS")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start borf");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(setup.as_bytes()).expect("setup");
        drop(stdin);
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(20), "no listener");
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child, port }
    }

    /// Resident set size in kB (VmRSS from /proc/PID/status).
    fn rss_kb(&self) -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc status");
        s.lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }
}

struct Client {
    s: TcpStream,
}

impl Client {
    fn connect(port: u16) -> Client {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        s.set_nodelay(true).unwrap();
        s.write_all(b"load:test\x03\x00").unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).expect("capability byte");
        assert_eq!(b[0], 3);
        Client { s }
    }

    fn sync(&mut self, q: &str) -> Vec<u8> {
        let mut m = vec![1, 1, 0, 0];
        m.extend_from_slice(&((q.len() + 14) as u32).to_le_bytes());
        m.extend_from_slice(&[10, 0]);
        m.extend_from_slice(&(q.len() as u32).to_le_bytes());
        m.extend_from_slice(q.as_bytes());
        self.s.write_all(&m).unwrap();
        let mut h = [0u8; 8];
        self.s.read_exact(&mut h).expect("header");
        assert_eq!(&h[..3], &[1, 2, 0], "an uncompressed response");
        let n = u32::from_le_bytes(h[4..8].try_into().unwrap()) as usize;
        let mut body = vec![0u8; n - 8];
        self.s.read_exact(&mut body).expect("body");
        body
    }

    /// A query whose answer is a long atom.
    fn long(&mut self, q: &str) -> i64 {
        let b = self.sync(q);
        assert_eq!(b.len(), 9, "{q}: {b:?}");
        assert_eq!(b[0], 0xf9, "{q}: {b:?}");
        i64::from_le_bytes(b[1..9].try_into().unwrap())
    }
}

/// `CLIENTS` threads, `QUERIES` in all, each answer checked; returns the
/// elapsed time.
fn round(port: u16, tag: i64) -> Duration {
    let per = QUERIES / CLIENTS;
    let start = Instant::now();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            std::thread::spawn(move || {
                let mut cl = Client::connect(port);
                for i in 0..per {
                    let k = tag * 1_000_000 + (c * per + i) as i64;
                    // a tiny query with a per-query answer; every tenth one
                    // goes through a server function and a global
                    let got = if i % 10 == 0 {
                        cl.long(&format!("f[{k};1]"))
                    } else {
                        cl.long(&format!("{k}+1"))
                    };
                    assert_eq!(got, k + 1, "client {c} query {i}");
                }
                cl.long("n+:1;0")
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().expect("client thread"), 0);
    }
    start.elapsed()
}

#[test]
fn fifty_clients_ten_thousand_queries() {
    let srv = Server::start("n:0\nf:{x+y}\n");
    let port = srv.port;
    // warm up: threads, allocator, symbol table
    round(port, 1);
    let rss0 = srv.rss_kb();
    let t1 = round(port, 2);
    let t2 = round(port, 3);
    let rss1 = srv.rss_kb();
    let mut c = Client::connect(port);
    assert_eq!(c.long("n"), 3 * CLIENTS as i64, "every client finished");
    let growth = rss1 as i64 - rss0 as i64;
    eprintln!(
        "ipc load: {CLIENTS} clients x {} queries: {:.0} queries/s, {:.0} queries/s (two rounds); \
         RSS {rss0} kB -> {rss1} kB",
        QUERIES / CLIENTS,
        QUERIES as f64 / t1.as_secs_f64(),
        QUERIES as f64 / t2.as_secs_f64(),
    );
    // 20,000 more queries and 100 more connections may not leave more
    // than a few MB behind
    assert!(growth < 16 * 1024, "RSS grew by {growth} kB");

    // one client, tiny query, sequential round trips
    let n = 5_000;
    let t = Instant::now();
    for i in 0..n {
        assert_eq!(c.long(&format!("{i}+1")), i + 1);
    }
    let e = t.elapsed();
    eprintln!(
        "ipc tiny query, 1 client: {:.0} queries/s ({:.1} us/query)",
        n as f64 / e.as_secs_f64(),
        e.as_secs_f64() * 1e6 / n as f64
    );

    // a 10M-long vector (80 MB) per response
    let reps = 3;
    let t = Instant::now();
    let mut bytes = 0usize;
    for _ in 0..reps {
        let b = c.sync("til 10000000");
        assert_eq!(b.len(), 6 + 80_000_000);
        assert_eq!(&b[..6], &[7, 0, 0x80, 0x96, 0x98, 0]);
        let last = i64::from_le_bytes(b[b.len() - 8..].try_into().unwrap());
        assert_eq!(last, 9_999_999);
        bytes += b.len() + 8;
    }
    let e = t.elapsed();
    eprintln!(
        "ipc til 10000000, 1 client: {:.0} MB/s ({:.0} ms per 80 MB response)",
        bytes as f64 / 1e6 / e.as_secs_f64(),
        e.as_secs_f64() * 1e3 / reps as f64
    );
    let rss2 = srv.rss_kb();
    eprintln!("ipc RSS after the 80 MB responses: {rss2} kB");
}
