//! A server nobody can freeze or read through (issue 14), end to end:
//! a client that stops reading is dropped (with `.z.pc`) within the stall
//! time or at once when its queue overflows, while another client keeps
//! being answered (its worst latency is printed and bounded); half-open
//! connections (a login that never comes, a message that stops part way)
//! are dropped; under `-u` every file-touching builtin stays inside the
//! server's directory tree and a stored digest is not a password; `-b`
//! blocks client writes; `-T` limits client requests.
//!
//! Loopback only, every wait bounded, servers killed by PID on drop.
//! `cargo test --release -p repl --test reliability_server -- --nocapture`
//! prints the latency figures.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::free_port;

/// A server process, killed (by its PID) on drop.
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

/// Starts `borf SCRIPT -p PORT ARGS` in `dir` with `env`, and waits until
/// it accepts. The script runs before any client is served.
fn start(dir: &Path, script: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
    std::fs::create_dir_all(dir).expect("server dir");
    let port = free_port();
    let file = dir.join("setup.q");
    std::fs::write(&file, script).expect("setup script");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_borf"));
    cmd.arg(&file)
        .arg("-p")
        .arg(format!("127.0.0.1:{port}"))
        .args(args)
        .current_dir(dir)
        .env_remove("BORF_TEST_SEPARATOR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("start borf");
    let srv = Server { child, port };
    let t0 = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    srv
}

fn scratch(name: &str) -> PathBuf {
    // under the system's temp dir, not the checkout: the tests write these
    // paths into q symbol literals, which end at a `-` the checkout's path may hold
    let d = std::env::temp_dir()
        .join("borf_reliability")
        .join(format!("{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn frame(msgtype: u8, payload: &[u8]) -> Vec<u8> {
    let mut m = vec![1, msgtype, 0, 0];
    m.extend_from_slice(&((payload.len() + 8) as u32).to_le_bytes());
    m.extend_from_slice(payload);
    m
}

fn string_payload(s: &str) -> Vec<u8> {
    let mut p = vec![10, 0];
    p.extend_from_slice(&(s.len() as i32).to_le_bytes());
    p.extend_from_slice(s.as_bytes());
    p
}

struct Client {
    s: TcpStream,
}

/// What a response holds, as far as these tests look.
#[derive(Debug, PartialEq)]
enum Reply {
    Long(i64),
    Error(String),
    Other(Vec<u8>),
}

impl Client {
    fn connect(port: u16, creds: &str) -> Option<Client> {
        let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
        let mut hs = creds.as_bytes().to_vec();
        hs.extend_from_slice(&[3, 0]);
        s.write_all(&hs).ok()?;
        let mut b = [0u8; 1];
        match s.read(&mut b) {
            Ok(1) => Some(Client { s }),
            _ => None,
        }
    }

    fn send(&mut self, msgtype: u8, q: &str) {
        self.s
            .write_all(&frame(msgtype, &string_payload(q)))
            .expect("send");
    }

    fn reply(&mut self) -> Reply {
        let mut h = [0u8; 8];
        self.s.read_exact(&mut h).expect("response header");
        let n = u32::from_le_bytes(h[4..8].try_into().unwrap()) as usize;
        let mut body = vec![0u8; n - 8];
        self.s.read_exact(&mut body).expect("response body");
        match body.first() {
            Some(0xf9) if body.len() == 9 => {
                Reply::Long(i64::from_le_bytes(body[1..9].try_into().unwrap()))
            }
            Some(0x80) => Reply::Error(
                String::from_utf8_lossy(&body[1..body.len().saturating_sub(1)]).into_owned(),
            ),
            _ => Reply::Other(body),
        }
    }

    fn query(&mut self, q: &str) -> Reply {
        self.send(1, q);
        self.reply()
    }

    /// Reads (and discards) until the server closes the connection, up to
    /// `limit`; true when it did.
    fn closed_within(&mut self, limit: Duration) -> bool {
        let t0 = Instant::now();
        let _ = self.s.set_read_timeout(Some(Duration::from_millis(100)));
        let mut buf = vec![0u8; 1 << 20];
        while t0.elapsed() < limit {
            match self.s.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return true,
            }
        }
        false
    }
}

fn access() -> Reply {
    Reply::Error("access".into())
}

/// Polls `count closed` (the handles `.z.pc` saw) on `c` until it reaches
/// `n`; the worst latency of those queries and when it got there.
fn wait_closed(c: &mut Client, n: i64, limit: Duration) -> (Duration, Option<Duration>, usize) {
    let t0 = Instant::now();
    let mut worst = Duration::ZERO;
    let mut queries = 0;
    while t0.elapsed() < limit {
        let q0 = Instant::now();
        let r = c.query("count closed");
        worst = worst.max(q0.elapsed());
        queries += 1;
        if r == Reply::Long(n) {
            return (worst, Some(t0.elapsed()), queries);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    (worst, None, queries)
}

const CLOSED: &str = "closed:0#0i\n.z.pc:{closed,:x}\n";

#[test]
fn a_client_that_stops_reading_is_dropped_and_others_are_served() {
    let stall = 1500;
    let dir = scratch("slow");
    let srv = start(
        &dir,
        CLOSED,
        &[],
        &[("BORF_IPC_STALL_MS", &stall.to_string())],
    );
    let mut fast = Client::connect(srv.port, "").expect("fast login");
    let mut slow = Client::connect(srv.port, "").expect("slow login");
    // a 32 MB result that is never read: more than the kernel buffers hold
    slow.send(1, "til 4000000");
    let (worst, dropped, n) = wait_closed(&mut fast, 1, Duration::from_secs(30));
    let dropped = dropped.expect("the client that stopped reading was not dropped");
    println!(
        "non-reading client dropped after {} ms (stall time {stall} ms); \
         the other client's worst latency over {n} queries: {} ms",
        dropped.as_millis(),
        worst.as_millis()
    );
    // the drop: the stall time after the writer blocks, plus the time to
    // build and start sending the result on a busy machine
    assert!(dropped < Duration::from_millis(stall + 8000), "{dropped:?}");
    // the other client waits at most for the big query's evaluation
    assert!(worst < Duration::from_secs(4), "worst latency {worst:?}");
    assert!(slow.closed_within(Duration::from_secs(10)));
    // the server still answers, and the queue is gone from .z.W
    assert_eq!(fast.query("count .z.W"), Reply::Long(1));
}

#[test]
fn a_client_whose_queue_overflows_is_dropped_at_once() {
    let dir = scratch("queue");
    let srv = start(
        &dir,
        CLOSED,
        &[],
        &[
            ("BORF_IPC_STALL_MS", "60000"),
            ("BORF_IPC_QUEUE_BYTES", "1000000"),
        ],
    );
    let mut fast = Client::connect(srv.port, "").expect("fast login");
    let mut slow = Client::connect(srv.port, "").expect("slow login");
    for _ in 0..3 {
        slow.send(1, "til 4000000");
    }
    let (worst, dropped, _) = wait_closed(&mut fast, 1, Duration::from_secs(20));
    let dropped = dropped.expect("the client over its queue bound was not dropped");
    println!(
        "client over its queue bound dropped after {} ms; other client's worst latency {} ms",
        dropped.as_millis(),
        worst.as_millis()
    );
    // long before the 60 s stall time
    assert!(dropped < Duration::from_secs(15), "{dropped:?}");
    assert!(slow.closed_within(Duration::from_secs(10)));
    assert_eq!(fast.query("1+1"), Reply::Long(2));
}

/// q sends no pending data on `hclose`: closing a client that does not
/// read returns at once (the queue is dropped), not after the stall time.
#[test]
fn hclose_of_a_client_that_does_not_read_does_not_wait() {
    let dir = scratch("hclose");
    let srv = start(
        &dir,
        "hs:0#0i\n.z.po:{hs,:x}\n",
        &[],
        &[("BORF_IPC_STALL_MS", "60000")],
    );
    let mut slow = Client::connect(srv.port, "").expect("slow login");
    let mut fast = Client::connect(srv.port, "").expect("fast login");
    slow.send(1, "til 4000000");
    // wait until the slow client's result is queued behind a full socket
    let t0 = Instant::now();
    let mut queued = false;
    while !queued && t0.elapsed() < Duration::from_secs(20) {
        queued = fast.query("0<sum .z.W first hs") == Reply::Other(vec![0xff, 1]);
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(queued, "the slow client's result never queued");
    let q0 = Instant::now();
    assert_eq!(fast.query("hclose first hs;1"), Reply::Long(1));
    let took = q0.elapsed();
    println!(
        "hclose of a non-reading client took {} ms",
        took.as_millis()
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(slow.closed_within(Duration::from_secs(10)));
}

/// A connection the server opened whose peer sends bytes that do not
/// decode is shut, and `.z.pc` runs for it as for any closed connection.
#[test]
fn an_outgoing_connection_dropped_for_bad_bytes_runs_zpc() {
    let dir = scratch("outpc");
    let srv = start(&dir, CLOSED, &[], &[]);
    let peer = TcpListener::bind("127.0.0.1:0").expect("peer listener");
    let peer_port = peer.local_addr().expect("peer addr").port();
    let fake = std::thread::spawn(move || {
        let (mut s, _) = peer.accept().expect("accept");
        s.set_read_timeout(Some(Duration::from_secs(20))).ok();
        // the login: credentials, capability, NUL
        let mut b = [0u8; 1];
        loop {
            match s.read(&mut b) {
                Ok(1) if b[0] == 0 => break,
                Ok(1) => {}
                _ => return,
            }
        }
        s.write_all(&[3]).expect("capability");
        std::thread::sleep(Duration::from_millis(200));
        // an async message whose body has no q type
        s.write_all(&frame(0, &[80, 1, 2, 3])).expect("garbage");
        // stay open until the server shuts the connection
        let mut buf = [0u8; 64];
        while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
    });
    let mut c = Client::connect(srv.port, "").expect("login");
    let h = match c.query(&format!("h:hopen `::{peer_port};h")) {
        Reply::Other(b) if b.len() == 5 && b[0] == 0xfa => {
            i32::from_le_bytes(b[1..5].try_into().unwrap())
        }
        r => panic!("hopen: {r:?}"),
    };
    let (_, seen, _) = wait_closed(&mut c, 1, Duration::from_secs(20));
    assert!(
        seen.is_some(),
        ".z.pc did not run for the dropped connection"
    );
    assert_eq!(
        c.query("first closed"),
        Reply::Other(vec![
            0xfa,
            h as u8,
            (h >> 8) as u8,
            (h >> 16) as u8,
            (h >> 24) as u8
        ])
    );
    fake.join().expect("fake peer");
}

#[test]
fn half_open_connections_are_dropped() {
    let dir = scratch("halfopen");
    let srv = start(&dir, CLOSED, &[], &[("BORF_IPC_STALL_MS", "1000")]);
    let mut watch = Client::connect(srv.port, "").expect("login");
    // connected, no login ever sent
    let mut silent = Client {
        s: TcpStream::connect(("127.0.0.1", srv.port)).unwrap(),
    };
    // a login trickling in a byte at a time, never finished
    let mut trickle = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    let t0 = Instant::now();
    let mut cut = false;
    while t0.elapsed() < Duration::from_secs(5) {
        if trickle.write_all(b"u").is_err() {
            cut = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        cut || {
            let mut c = Client { s: trickle };
            c.closed_within(Duration::from_secs(3))
        }
    );
    assert!(silent.closed_within(Duration::from_secs(5)));
    // logged in, then a message that stops part way: a header for 100
    // bytes and 10 of them
    let mut partial = Client::connect(srv.port, "").expect("login");
    let mut m = vec![1, 1, 0, 0];
    m.extend_from_slice(&100u32.to_le_bytes());
    m.extend_from_slice(&[0u8; 10]);
    partial.s.write_all(&m).unwrap();
    let (_, dropped, _) = wait_closed(&mut watch, 1, Duration::from_secs(10));
    let dropped = dropped.expect("a message stalled part way was not dropped");
    println!("stalled message dropped after {} ms", dropped.as_millis());
    assert!(partial.closed_within(Duration::from_secs(5)));
    assert_eq!(watch.query("1+1"), Reply::Long(2));
}

#[test]
fn restricted_clients_stay_inside_the_directory_tree() {
    let root = scratch("confine");
    let tree = root.join("tree");
    let out = root.join("out");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("secret.txt"), "secret\n").unwrap();
    let out_abs = out.canonicalize().unwrap();
    let out_s = out_abs.to_str().unwrap().to_string();
    let tree_s = tree.canonicalize().unwrap().to_str().unwrap().to_string();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&out_abs, tree.join("link")).unwrap();
        std::os::unix::fs::symlink(out_abs.join("made"), tree.join("dangle")).unwrap();
    }
    // ann: md5 "secret"; bob: sha1 "pw2"; cat: plain
    let users = "ann:5ebe2294ecd0e0f08eab7690d2a6ee69\n\
                 bob:f16ca2dfa3688bf08c7a4e21544af15bd598cb70\n\
                 cat:plain\n";
    std::fs::write(tree.join("users.txt"), users).unwrap();
    let script = "t:([]a:1 2;s:`x`y)\n";
    let srv = start(&tree, script, &["-u", "users.txt"], &[]);

    // logins: the password, never its stored digest
    assert!(Client::connect(srv.port, "ann:5ebe2294ecd0e0f08eab7690d2a6ee69").is_none());
    assert!(Client::connect(srv.port, "bob:f16ca2dfa3688bf08c7a4e21544af15bd598cb70").is_none());
    assert!(Client::connect(srv.port, "ann:wrong").is_none());
    assert!(Client::connect(srv.port, "").is_none());
    assert!(Client::connect(srv.port, "cat:plain").is_some());
    assert!(Client::connect(srv.port, "bob:pw2").is_some());
    let mut c = Client::connect(srv.port, "ann:secret").expect("ann logs in");

    // inside the tree: allowed
    assert_eq!(c.query("count `:in.txt 0: enlist \"ok\""), Reply::Long(1));
    assert_eq!(c.query("count read0 `:in.txt"), Reply::Long(1));
    assert_eq!(c.query("count get `:v set 1 2 3"), Reply::Long(3));
    assert!(matches!(c.query("key `:."), Reply::Other(_)));

    // every file-touching builtin, by an absolute path, by `..`, and
    // through a link that leads out
    let outside = [
        format!("read0 `:{out_s}/secret.txt"),
        "read0 `:../out/secret.txt".into(),
        "read0 `:link/secret.txt".into(),
        "read0 (`:link/secret.txt;0;3)".into(),
        "read1 `:link/secret.txt".into(),
        format!("read1 (`:{out_s}/secret.txt;0;3)"),
        "read0 `:users.txt".into(),
        "`:link/x.txt 0: enlist \"x\"".into(),
        "`:dangle 0: enlist \"x\"".into(),
        "(\"*\";enlist \",\") 0: `:link/secret.txt".into(),
        "`:../out/b 1: 0x0102".into(),
        "(enlist \"x\";enlist 1) 1: `:link/secret.txt".into(),
        format!("get `:{out_s}/secret.txt"),
        "value `:link/secret.txt".into(),
        "`:link/v set 1 2 3".into(),
        "`:link/t/ set t".into(),
        // the tree itself splayed: its symbols would go to ../sym
        format!("`:{tree_s}/ set t"),
        "hcount `:link/secret.txt".into(),
        "hdel `:link/secret.txt".into(),
        "key `:link".into(),
        format!("key `:{out_s}"),
        "hopen `:link/log".into(),
        "save `:../out/t".into(),
        "save `:link/t.csv".into(),
        "load `:link/secret.txt".into(),
        "rsave `:link/t".into(),
        "rload `:link/t".into(),
        "`:link dsave `t".into(),
        "`:link/t/ upsert ([]a:enlist 3;s:enlist `z)".into(),
        "`:link/t/ insert ([]a:enlist 3;s:enlist `z)".into(),
        ".Q.en[`:link;t]".into(),
        ".Q.dpft[`:link;2024.01.01;`a;`t]".into(),
        ".Q.par[`:link;2024.01.01;`t]".into(),
        "-11!`:link/secret.txt".into(),
        "-11!(-2;`:link/secret.txt)".into(),
    ];
    for q in &outside {
        assert_eq!(c.query(q), access(), "{q}");
    }
    // what a client may not do at all under -u
    for q in [
        "hdel `:in.txt",
        "hopen `:in.txt",
        "exit 0",
        "\\l in.txt",
        "\\1 in.txt",
        "\\2 in.txt",
        "\\cd /",
        "\\p",
        "system \"ls\"",
        "value \"\\\\p\"",
        "\\x t",
        "\\\\",
    ] {
        assert_eq!(c.query(q), access(), "{q}");
    }
    // nothing outside was written, the dangling link made nothing, and
    // the server is still there
    let mut names: Vec<String> = std::fs::read_dir(&out_abs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["secret.txt"]);
    assert!(tree.join("in.txt").exists());
    assert_eq!(c.query("1+1"), Reply::Long(2));

    // -u 1: the same confinement, no password file
    let srv = start(&tree, script, &["-u", "1"], &[]);
    let mut c = Client::connect(srv.port, "anyone").expect("login");
    assert_eq!(c.query("read0 `:link/secret.txt"), access());
    assert_eq!(c.query(&format!("read0 `:{out_s}/secret.txt")), access());
    assert_eq!(c.query("count read0 `:in.txt"), Reply::Long(1));
}

#[test]
fn block_writes_and_client_timeout() {
    let dir = scratch("blocked");
    std::fs::write(dir.join("f.txt"), "x\n").unwrap();
    let srv = start(&dir, "a:1\n", &["-b", "-T", "1"], &[]);
    let mut c = Client::connect(srv.port, "").expect("login");
    assert_eq!(c.query("a:2"), Reply::Error("noupdate".into()));
    assert_eq!(c.query("`a set 2"), Reply::Error("noupdate".into()));
    assert_eq!(c.query("hdel `:f.txt"), access());
    assert_eq!(c.query("hopen `:f.txt"), access());
    assert_eq!(c.query("a"), Reply::Long(1));
    // -T 1: a request that runs on is stopped after a second
    let t0 = Instant::now();
    assert_eq!(c.query("{while[1b;]}[]"), Reply::Error("stop".into()));
    let took = t0.elapsed();
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(
        c.query("system \"T\""),
        Reply::Other(vec![0xfa, 1, 0, 0, 0])
    );
}

#[test]
fn password_file_reloads_and_disables_expunge() {
    let dir = scratch("reload");
    std::fs::write(dir.join("users.txt"), "dan:one\n").unwrap();
    // -U: a password file only; clients keep their system commands
    let srv = start(&dir, "a:1\n", &["-U", "users.txt"], &[]);
    let mut c = Client::connect(srv.port, "dan:one").expect("login");
    // \x is disabled by a password file, even where system commands run
    assert_eq!(c.query("\\x a"), access());
    assert_eq!(c.query("a"), Reply::Long(1));
    // \u reloads the file
    std::fs::write(dir.join("users.txt"), "dan:two\n").unwrap();
    assert!(Client::connect(srv.port, "dan:two").is_none());
    assert!(matches!(c.query("\\u"), Reply::Other(_)));
    assert!(Client::connect(srv.port, "dan:two").is_some());
    assert!(Client::connect(srv.port, "dan:one").is_none());
}

#[test]
fn the_console_answers_while_a_client_does_not_read() {
    use std::io::BufRead;
    let dir = scratch("console");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_borf"))
        .arg("-p")
        .arg(format!("127.0.0.1:{port}"))
        .current_dir(&dir)
        .env("BORF_IPC_STALL_MS", "60000")
        .env_remove("BORF_TEST_SEPARATOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start borf");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let srv = Server { child, port };
    let t0 = Instant::now();
    let slow = loop {
        if let Some(c) = Client::connect(srv.port, "") {
            break c;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut slow = slow;
    slow.send(1, "til 4000000");
    // let the result be built and the writer block on the full socket
    std::thread::sleep(Duration::from_millis(1500));
    let mut worst = Duration::ZERO;
    for i in 0..20 {
        let q0 = Instant::now();
        writeln!(stdin, "{i}+1").unwrap();
        let got = lines.next().expect("console output").unwrap();
        assert_eq!(got, (i + 1).to_string());
        worst = worst.max(q0.elapsed());
    }
    println!(
        "console worst latency while a client reads nothing: {} ms",
        worst.as_millis()
    );
    assert!(worst < Duration::from_secs(1), "{worst:?}");
    drop(slow);
    drop(srv);
}
