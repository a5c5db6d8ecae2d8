//! kdb+ IPC end to end: a `borf -p PORT` server driven by a raw TCP client
//! written here (handshake, framing, sync/async, errors, malformed input),
//! and borf-to-borf with `hopen`.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::free_port;
use common::run_borf_with;
use common::wait_accepting;

/// A server process; killed on drop.
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

/// Starts `borf -p PORT` with `setup` as its standard input (which then
/// ends: the process must keep serving) and waits until it accepts.
fn server_with(setup: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_borf"));
    cmd.arg("-p")
        .arg(port.to_string())
        .args(args)
        .env_remove("BORF_TEST_SEPARATOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start borf");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(setup.as_bytes()).expect("write setup");
    drop(stdin);
    wait_accepting(port);
    Server { child, port }
}

fn server(setup: &str) -> Server {
    server_with(setup, &[], &[])
}

struct Client {
    s: TcpStream,
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

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Client {
    fn connect(port: u16, creds: &str) -> Option<Client> {
        let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
        let mut hs = creds.as_bytes().to_vec();
        hs.extend_from_slice(&[3, 0]);
        s.write_all(&hs).ok()?;
        let mut b = [0u8; 1];
        match s.read(&mut b) {
            Ok(1) => {
                assert_eq!(b[0], 3);
                Some(Client { s })
            }
            _ => None,
        }
    }

    fn read_msg(&mut self) -> Vec<u8> {
        let mut h = [0u8; 8];
        self.s.read_exact(&mut h).expect("response header");
        let n = u32::from_le_bytes(h[4..8].try_into().unwrap()) as usize;
        let mut body = vec![0u8; n - 8];
        self.s.read_exact(&mut body).expect("response body");
        let mut m = h.to_vec();
        m.extend(body);
        m
    }

    /// A sync query; the whole response message as hex.
    fn query(&mut self, q: &str) -> String {
        self.s
            .write_all(&frame(1, &string_payload(q)))
            .expect("send");
        hex(&self.read_msg())
    }

    fn send_async(&mut self, q: &str) {
        self.s
            .write_all(&frame(0, &string_payload(q)))
            .expect("send");
    }

    /// True when the server has closed this connection.
    fn is_dropped(&mut self) -> bool {
        let mut b = [0u8; 1];
        matches!(self.s.read(&mut b), Ok(0) | Err(_))
    }
}

const LONG_2: &str = "0102000011000000f90200000000000000";

#[test]
fn handshake_sync_async_and_errors() {
    let srv = server("f:{x*y}\n");
    let mut c = Client::connect(srv.port, "").expect("login");
    assert_eq!(c.query("1+1"), LONG_2);
    // async then sync: processed in order
    c.send_async("a:42");
    c.send_async("a+:1");
    assert_eq!(c.query("a"), "0102000011000000f92b00000000000000");
    // error response -128
    assert_eq!(c.query("1+`a"), "010200000e000000807479706500");
    // function call as a list ("f";6;7)
    let mut p = vec![0, 0, 3, 0, 0, 0];
    p.extend(string_payload("f"));
    p.extend_from_slice(&[0xf9, 6, 0, 0, 0, 0, 0, 0, 0]);
    p.extend_from_slice(&[0xf9, 7, 0, 0, 0, 0, 0, 0, 0]);
    c.s.write_all(&frame(1, &p)).unwrap();
    assert_eq!(hex(&c.read_msg()), "0102000011000000f92a00000000000000");
    // a user without a password and a big-endian message
    let mut c2 = Client::connect(srv.port, "anonymous").expect("login");
    let mut be = vec![0, 1, 0, 0];
    be.extend_from_slice(&14u32.to_be_bytes());
    be.extend_from_slice(&[10, 0, 0, 0, 0, 3]);
    be.extend_from_slice(b"1+1");
    // 8 + 2 + 4 + 3 = 17
    be[4..8].copy_from_slice(&17u32.to_be_bytes());
    c2.s.write_all(&be).unwrap();
    assert_eq!(hex(&c2.read_msg()), LONG_2);
    // a system command over IPC
    assert_eq!(
        c.query("\\p"),
        format!(
            "010200000d000000fa{}",
            hex(&(srv.port as i32).to_le_bytes())
        )
    );
}

#[test]
fn large_result() {
    let srv = server("");
    let mut c = Client::connect(srv.port, "").unwrap();
    let r = c.query("til 200000");
    assert_eq!(r.len() / 2, 8 + 6 + 8 * 200000);
}

#[test]
fn forced_compression_both_ways() {
    let srv = server_with("", &[], &[("BORF_IPC_COMPRESS", "1")]);
    let mut c = Client::connect(srv.port, "").unwrap();
    c.s.write_all(&frame(1, &string_payload("10000#42")))
        .unwrap();
    let m = c.read_msg();
    assert_eq!(m[2], 1, "response compressed");
    assert!(m.len() < 8000);
}

#[test]
fn compressed_request_is_accepted() {
    // a compressed sync request, built by the server's own compressor (-18!)
    let srv = server("");
    let mut c = Client::connect(srv.port, "").unwrap();
    let r = c.query("-18!\"count \",3000#\" 1\"");
    let m = r.as_bytes();
    assert_eq!(&r[..4], "0102");
    let msg: Vec<u8> = (14..m.len() / 2)
        .map(|i| u8::from_str_radix(&r[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    assert_eq!(msg[2], 1, "-18! compressed it");
    assert!(msg.len() < 1000);
    let mut msg = msg;
    msg[1] = 1; // sync
    c.s.write_all(&msg).unwrap();
    assert_eq!(hex(&c.read_msg()), "0102000011000000f9dc05000000000000");
}

#[test]
fn a_message_that_does_not_decode_goes_to_z_bm_then_closes() {
    let srv = server(".z.bm:{`bm set x}\n.z.pc:{`pc set x}\n");
    let mut good = Client::connect(srv.port, "").unwrap();
    let mut c = Client::connect(srv.port, "").unwrap();
    // an invalid type byte after a good header
    let m = frame(1, &[0x50, 0]);
    c.s.write_all(&m).unwrap();
    assert!(c.is_dropped());
    // (handle;the whole message): 10 bytes, the handle .z.pc saw
    assert_eq!(good.query("10=count last bm"), "010200000a000000ff01");
    assert_eq!(
        good.query("last bm"),
        format!("010200001800000004000a000000{}", hex(&m))
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while good.query("`pc in key`.") != "010200000a000000ff01" {
        assert!(Instant::now() < deadline, ".z.pc did not run");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(good.query("pc=first bm"), "010200000a000000ff01");
}

#[test]
fn malformed_input_drops_only_that_connection() {
    let srv = server("");
    let mut good = Client::connect(srv.port, "").unwrap();
    let bad_messages: Vec<Vec<u8>> = vec![
        // garbage header
        b"GET / HTTP/1.1\r\n\r\n".to_vec(),
        // length 2^31
        vec![1, 1, 0, 0, 0, 0, 0, 0x80, 0xfa, 1, 0, 0, 0],
        // length < 9
        vec![1, 1, 0, 0, 8, 0, 0, 0],
        // invalid type byte
        frame(1, &[0x50, 0]),
        // vector count bigger than the message
        frame(1, &[7, 0, 0xff, 0xff, 0xff, 0x7f]),
        // bad compression data
        vec![
            1, 1, 1, 0, 16, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff,
        ],
        // a "lambda" whose source is an assignment: refused, never run
        frame(1, &[100, 0, 10, 0, 3, 0, 0, 0, b'a', b':', b'1']),
        // a primitive index beyond kdb+'s table
        frame(
            1,
            &[0, 0, 2, 0, 0, 0, 102, 200, 0xf9, 1, 0, 0, 0, 0, 0, 0, 0],
        ),
    ];
    for m in bad_messages {
        let mut c = Client::connect(srv.port, "").unwrap();
        c.s.write_all(&m).unwrap();
        assert!(c.is_dropped(), "{}", hex(&m));
        assert_eq!(good.query("1+1"), LONG_2);
    }
    // `a` was never assigned: `a in key`.` is 0b
    assert_eq!(good.query("`a in key`."), "010200000a000000ff00");
    // truncated: header promises 100 bytes, client disconnects after 10
    let mut c = Client::connect(srv.port, "").unwrap();
    c.s.write_all(&[1, 1, 0, 0, 100, 0, 0, 0, 10, 0]).unwrap();
    c.s.shutdown(Shutdown::Both).unwrap();
    // handshake garbage: no NUL within 1 KB
    let mut s = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(&[b'x'; 2000]);
    let mut b = [0u8; 1];
    assert!(matches!(s.read(&mut b), Ok(0) | Err(_)));
    assert_eq!(good.query("1+1"), LONG_2);
    // a second client still gets served
    let mut c3 = Client::connect(srv.port, "").unwrap();
    assert_eq!(c3.query("1+1"), LONG_2);
}

#[test]
fn handlers_and_context() {
    let srv = server(
        ".z.pg:{(`pg;x)}\n.z.ps:{`psx set x}\n.z.po:{`opened set x}\n.z.pw:{[u;p] not u~`bob}\n",
    );
    assert!(
        Client::connect(srv.port, "bob:x").is_none(),
        ".z.pw refuses bob"
    );
    let mut c = Client::connect(srv.port, "ann:pw").unwrap();
    c.send_async("hello");
    // .z.pg wraps every sync result: (`pg;"x") as a general list
    let r = c.query("x");
    assert!(r.starts_with("01020000"), "{r}");
    assert!(r.contains("f5706700"), "symbol `pg in {r}");
    let _ = r;
}

#[test]
fn password_file() {
    let dir = std::env::temp_dir().join(format!("borf-ipc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("users.txt");
    // ann: plain; bob: md5("secret")
    std::fs::write(&f, "ann:pw\nbob:5ebe2294ecd0e0f08eab7690d2a6ee69\n").unwrap();
    let srv = server_with("", &["-u", f.to_str().unwrap()], &[]);
    assert!(Client::connect(srv.port, "ann:pw").is_some());
    assert!(Client::connect(srv.port, "bob:secret").is_some());
    assert!(Client::connect(srv.port, "bob:wrong").is_none());
    assert!(Client::connect(srv.port, "").is_none());
    assert!(Client::connect(srv.port, "eve:pw").is_none());
}

fn run_borf(stdin: &str) -> String {
    run_borf_with(&[], stdin)
}

#[test]
fn borf_to_borf() {
    let srv = server("pc:0i\n.z.po:{`po set x}\n.z.pc:{`pc set x}\nf:{x*y}\n");
    let p = srv.port;
    let out = run_borf(&format!(
        "h:hopen `:localhost:{p}\n\
         h\"1+2\"\n\
         h(`f;6;7)\n\
         h({{x-y}};10;4)\n\
         (neg h)\"b:5\"\n\
         neg[h][]\n\
         h\"b\"\n\
         h\"1+`a\"\n\
         \"after\"\n\
         h\"po=.z.w\"\n\
         h2:hopen {p}\n\
         hclose h2\n\
         r:0b; do[100000; if[not r; r:h\"pc>0\"]]; r\n\
         h\"([]a:1 2;b:`x`y)\"\n\
         hclose h\n"
    ));
    // without the frame and caret lines of q's error display
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with("  [") && l.trim() != "^")
        .collect();
    assert_eq!(lines[0], "3");
    assert_eq!(lines[1], "42");
    assert_eq!(lines[2], "6");
    assert_eq!(lines[3], "5");
    assert_eq!(lines[4], "'type");
    assert_eq!(lines[5], "\"after\"");
    assert_eq!(lines[6], "1b");
    // the server sees h2's close on its own reader thread: asked on another
    // connection, it may answer before noticing, so ask until it has
    assert_eq!(lines[7], "1b");
    assert!(out.contains("a b\n---\n1 x\n2 y"), "{out}");
    // hopen failures
    let closed = free_port();
    let out = run_borf(&format!("hopen {closed}\n"));
    assert!(out.starts_with("'hop"), "{out}");
}

#[test]
fn sync_request_on_an_incoming_handle() {
    // the server asks its client while serving the client's request; borf's
    // client answers callbacks while it waits (as q)
    let srv = server("ask:{.z.w\"cv*2\"}\nbad:{.z.w\"1+`a\"}\nwho:{.z.u}\n");
    let p = srv.port;
    let out = run_borf(&format!(
        "h:hopen `:localhost:{p}:carol:pw\n\
         cv:21\n\
         h\"ask[]\"\n\
         h\"bad[]\"\n\
         h\"who[]\"\n\
         h\".z.a\"\n"
    ));
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with("  [") && l.trim() != "^")
        .collect();
    assert_eq!(lines[0], "42", "{out}");
    assert_eq!(lines[1], "'type", "{out}");
    assert_eq!(lines[2], "`carol", "{out}");
    assert_eq!(lines[3], "2130706433i", "127.0.0.1 as an int: {out}");
}

#[test]
fn restricted_clients() {
    let dir = std::env::temp_dir().join(format!("borf-ipc-u-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let users = dir.join("users.txt");
    std::fs::write(&users, "ann:pw\n").unwrap();
    // -u 1: no system commands from clients; the console still has them
    let srv = server_with("", &["-u", "1"], &[]);
    let mut c = Client::connect(srv.port, "").unwrap();
    // the -128 error object 'access
    let access = "01020000100000008061636365737300";
    assert_eq!(c.query("\\p"), access);
    assert_eq!(c.query("system \"p\""), access);
    assert_eq!(c.query("system \"ls\""), access);
    assert_eq!(c.query("1+1"), LONG_2);
    // -u file: password file, and no \cd, shell or \l outside the directory
    let srv = server_with("", &["-u", users.to_str().unwrap()], &[]);
    assert!(Client::connect(srv.port, "").is_none());
    let mut c = Client::connect(srv.port, "ann:pw").unwrap();
    assert_eq!(c.query("\\cd /"), access);
    assert_eq!(c.query("\\l /etc/passwd"), access);
    assert_eq!(c.query("\\l ../x.q"), access);
    assert_eq!(c.query("system \"ls /\""), access);
    assert_eq!(c.query("1+1"), LONG_2);
    // -U file: the password file only
    let srv = server_with("", &["-U", users.to_str().unwrap()], &[]);
    let mut c = Client::connect(srv.port, "ann:pw").unwrap();
    assert_ne!(c.query("system \"cd\""), access);
}

#[test]
fn peach_on_secondary_processes() {
    // two secondaries; the main process runs with `-s -2` and `.z.pd`
    let s1 = server("g:{x*10}\n");
    let s2 = server("g:{x*10}\n");
    let (p1, p2) = (s1.port, s2.port);
    let input = format!(
        "\\s\n\
         @[{{x}} peach;1 2;{{\"no pd: \",x}}]\n\
         .z.pd:`u#hopen each {p1} {p2}\n\
         {{x*x}} peach til 10\n\
         count distinct {{.z.i}} peach til 20\n\
         `g peach 1 2 3\n\
         .Q.fc[{{x+1}};til 7]\n\
         @[{{'\"bad\"}} peach;til 4;{{\"err: \",x}}]\n\
         {{x+1}} peach 5 6\n\
         {{x*2}} peach `a`b!1 2\n\
         h:.z.pd; .z.pd:{{h}}\n\
         {{x-1}} peach 10 20 30\n\
         .z.pd:`a\n\
         @[{{x}} peach;1 2;{{\"err: \",x}}]\n"
    );
    let out = run_borf_with(&["-s", "-2"], &input);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "-2i",
            "\"no pd: .z.pd\"",
            "0 1 4 9 16 25 36 49 64 81",
            "2",
            "10 20 30",
            "1 2 3 4 5 6 7",
            "\"err: bad\"",
            "6 7",
            "a| 2",
            "b| 4",
            "9 19 29",
            "\"err: type\"",
        ],
        "{out}"
    );
}

#[test]
fn broadcast_and_socket_table() {
    // -25!(handles;msg): serialized once, queued async on each handle;
    // -38!: the socket table (basics/internal)
    let s1 = server("a:0\n");
    let s2 = server("a:0\n");
    let (p1, p2) = (s1.port, s2.port);
    let out = run_borf(&format!(
        "h:hopen each {p1} {p2}\n\
         -38!first h\n\
         count -38!h\n\
         -25!(h;\"a:42\")\n\
         -25!(h;::)\n\
         h@\\:\"a\"\n\
         -25!(h;(`set;`b;7))\n\
         h@\\:\"b\"\n"
    ));
    assert_eq!(
        out, "p| \"q\"\nf| \"t\"\nz| 0b\nn| 0\nm| 0\n2\n42 42\n7 7\n",
        "{out}"
    );
}

#[test]
fn deferred_response() {
    // -30!(::) in .z.pg leaves the request unanswered; another client's
    // request answers it later with -30!(h;isError;msg) (basics/internal)
    let srv = server(".z.pg:{if[x~\"wait\"; `d set .z.w; -30!(::); :0N]; value x}\n");
    let mut a = Client::connect(srv.port, "").expect("login a");
    let mut b = Client::connect(srv.port, "").expect("login b");
    a.s.write_all(&frame(1, &string_payload("wait"))).unwrap();
    // until a's request has been served (and deferred)
    let start = Instant::now();
    while b.query("d").starts_with("0102000") && b.query("d")[16..18] == *"80" {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "a's request not served"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(b.query("-30!(d;0b;42)"), "010200000a0000006500");
    assert_eq!(hex(&a.read_msg()), "0102000011000000f92a00000000000000");
    // nothing more is owed to a
    let r = b.query("@[-30!;(d;0b;1);{x}]");
    assert!(r.contains(&hex(b"was not expecting a response msg")), "{r}");
    // an error as the deferred answer
    b.query("d:0N");
    a.s.write_all(&frame(1, &string_payload("wait"))).unwrap();
    while b.query("null d") == "010200000a000000ff01" {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "a's request not served"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    b.query("-30!(d;1b;\"oops\")");
    assert_eq!(hex(&a.read_msg()), "010200000e000000806f6f707300");
    // outside a sync request (here an async one) there is nothing to defer
    b.send_async("r:@[{-30!(::)};0;{x}]");
    let r = b.query("r");
    assert_eq!(r, hex(&frame(2, &string_payload("domain"))), "{r}");
}
