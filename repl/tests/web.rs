//! HTTP on the IPC port end to end: `curl` (GET, POST, basic auth,
//! keep-alive) and raw sockets (malformed requests, pipelining, a kdb+
//! client on the same port at the same time).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod common;
use common::free_port;
use common::wait_accepting;

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

fn server_with(setup: &str, args: &[&str]) -> Server {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_borf"))
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .env_remove("BORF_TEST_SEPARATOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start borf");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(setup.as_bytes()).expect("setup");
    drop(stdin);
    wait_accepting(port);
    // let the setup lines run before the first request
    std::thread::sleep(Duration::from_millis(200));
    Server { child, port }
}

fn have_curl() -> bool {
    Command::new("curl").arg("--version").output().is_ok()
}

/// `curl -s -i args...`: the whole response (head and body).
fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-s", "-i", "--max-time", "10"])
        .args(args)
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
}

/// Sends `data` on a fresh socket and reads until the server closes (or
/// 3 s pass).
fn raw(port: u16, data: &[u8]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    s.write_all(data).unwrap();
    let mut out = Vec::new();
    let mut b = [0u8; 65536];
    loop {
        match s.read(&mut b) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&b[..n]),
        }
    }
    String::from_utf8_lossy(&out).replace("\r\n", "\n")
}

#[test]
fn get_uses_the_default_handler() {
    if !have_curl() {
        eprintln!("skipped: no curl");
        return;
    }
    let s = server_with("t:([]a:1 2 3)\n", &[]);
    let url = format!("http://127.0.0.1:{}/?1+til%205", s.port);
    let r = curl(&[&url]);
    assert!(r.starts_with("HTTP/1.1 200 OK\n"), "{r}");
    assert!(r.contains("Content-Type: text/html\n"), "{r}");
    assert!(r.contains("<pre>1 2 3 4 5\n</pre>"), "{r}");
    // errors are 400 with q's name
    let url = format!("http://127.0.0.1:{}/?1+`a", s.port);
    let r = curl(&[&url]);
    assert!(r.starts_with("HTTP/1.1 400 Bad Request\n"), "{r}");
    assert!(r.ends_with("\n'type"), "{r}");
    // a table's console text, < escaped
    let url = format!(
        "http://127.0.0.1:{}/?select%20from%20t%20where%20a%3C3",
        s.port
    );
    let r = curl(&[&url]);
    assert!(r.contains("<pre>a\n-\n1\n2\n</pre>"), "{r}");
}

#[test]
fn user_handlers_get_text_and_headers() {
    if !have_curl() {
        eprintln!("skipped: no curl");
        return;
    }
    let s = server_with(
        ".z.ph:{.h.hy[`json] .j.j (x 0;x[1]`Host)}\n.z.pp:{.h.hy[`txt] string value x 0}\n",
        &[],
    );
    let url = format!("http://127.0.0.1:{}/abc?d", s.port);
    let r = curl(&[&url]);
    let host = format!("[\"abc?d\",\"127.0.0.1:{}\"]", s.port);
    assert!(r.contains("Content-Type: application/json\n"), "{r}");
    assert!(r.ends_with(&host), "{r}");
    let url = format!("http://127.0.0.1:{}/", s.port);
    let r = curl(&["-d", "2*21", &url]);
    assert!(r.starts_with("HTTP/1.1 200 OK\n"), "{r}");
    assert!(r.ends_with("\n42"), "{r}");
}

#[test]
fn post_without_handler_is_501() {
    if !have_curl() {
        return;
    }
    let s = server_with("", &[]);
    let url = format!("http://127.0.0.1:{}/", s.port);
    let r = curl(&["-d", "1+1", &url]);
    assert!(r.starts_with("HTTP/1.1 501"), "{r}");
}

#[test]
fn basic_auth_with_a_password_file() {
    if !have_curl() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("borfweb{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("users.txt");
    std::fs::write(&f, "bob:secret\n").unwrap();
    let s = server_with("", &["-U", f.to_str().unwrap()]);
    let url = format!("http://127.0.0.1:{}/?.z.u", s.port);
    let r = curl(&[&url]);
    assert!(r.starts_with("HTTP/1.1 401"), "{r}");
    assert!(r.contains("WWW-Authenticate: Basic"), "{r}");
    let r = curl(&["-u", "bob:wrong", &url]);
    assert!(r.starts_with("HTTP/1.1 401"), "{r}");
    let r = curl(&["-u", "bob:secret", &url]);
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(r.contains("<pre>`bob\n</pre>"), "{r}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn z_ac_decides_access_by_cookie() {
    if !have_curl() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("borfwebac{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("users.txt");
    std::fs::write(&f, "bob:secret\n").unwrap();
    let setup = concat!(
        "c:{$[`Cookie in key x 1;x[1]`Cookie;\"\"]}\n",
        ".z.ac:{$[\"id=alice\"~c x;(1;\"alice\");\"id=custom\"~c x;",
        "(2;\"HTTP/1.1 403 Forbidden\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nno\");",
        "\"id=basic\"~c x;(4;\"\");\"id=odd\"~c x;`odd;(0;\"\")]}\n",
    );
    let s = server_with(setup, &["-U", f.to_str().unwrap()]);
    let url = format!("http://127.0.0.1:{}/?.z.u", s.port);
    // (1;"alice"): served as alice, no password asked
    let r = curl(&["-H", "Cookie: id=alice", &url]);
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(r.contains("<pre>`alice\n</pre>"), "{r}");
    // (2;response): that response, no handler
    let r = curl(&["-H", "Cookie: id=custom", &url]);
    assert!(r.starts_with("HTTP/1.1 403 Forbidden"), "{r}");
    assert!(r.ends_with("\nno"), "{r}");
    // (0;""), and a result of another shape: the default 401
    for cookie in ["Cookie: id=none", "Cookie: id=odd"] {
        let r = curl(&["-H", cookie, &url]);
        assert!(r.starts_with("HTTP/1.1 401"), "{cookie}: {r}");
    }
    // (4;""): basic authentication against -U
    let r = curl(&["-H", "Cookie: id=basic", &url]);
    assert!(r.starts_with("HTTP/1.1 401"), "{r}");
    let r = curl(&["-H", "Cookie: id=basic", "-u", "bob:secret", &url]);
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(r.contains("<pre>`bob\n</pre>"), "{r}");
    // asked again on a kept connection: the second request is refused
    let req = |cookie: &str| format!("GET /?.z.u HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n");
    let both = req("id=alice") + &req("id=none");
    let r = raw(s.port, both.as_bytes());
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(r.contains("HTTP/1.1 401"), "{r}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn keep_alive_and_pipelining() {
    let s = server_with("", &[]);
    let r = raw(
        s.port,
        b"GET /?1 HTTP/1.1\r\nHost: x\r\n\r\nGET /?2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.matches("HTTP/1.1 200 OK").count(), 2, "{r}");
    assert!(r.contains("Connection: keep-alive\n"), "{r}");
    assert!(
        r.contains("<pre>1\n</pre>") && r.contains("<pre>2\n</pre>"),
        "{r}"
    );
    // curl reuses the connection for two URLs
    if have_curl() {
        let u1 = format!("http://127.0.0.1:{}/?1", s.port);
        let u2 = format!("http://127.0.0.1:{}/?2", s.port);
        let out = Command::new("curl")
            .args(["-s", "-v", "--max-time", "10", &u1, &u2])
            .output()
            .expect("curl");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("Re-using existing connection") || err.contains("Reusing existing"),
            "{err}"
        );
    }
}

#[test]
fn malformed_requests_get_400_and_harm_no_one() {
    let s = server_with("x:42\n", &[]);
    // a kdb+ client logged in before and used after
    let mut k = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    k.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    k.write_all(b"u:p\x03\x00").unwrap();
    let mut cap = [0u8; 1];
    k.read_exact(&mut cap).unwrap();
    let bad: [&[u8]; 4] = [
        b"GET /?1 HTTP/1.1\r\nHo st: x\r\n\r\n",
        b"GET /?1 HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
        b"GET /?1 HTTP/1.1\r\nHost: x\r\n\r\nGET /\x00\x01 junk\r\n\r\n",
    ];
    for b in bad {
        let r = raw(s.port, b);
        assert!(r.contains("HTTP/1.1 400 Bad Request"), "{r}");
    }
    // a head that never ends is cut at 64 KB
    let mut long = b"GET /?".to_vec();
    long.extend(std::iter::repeat_n(b'1', 70 << 10));
    let r = raw(s.port, &long);
    assert!(r.contains("400 Bad Request"), "{r}");
    // the kdb+ client is still served: sync "x"
    let mut p = vec![10u8, 0];
    p.extend_from_slice(&1i32.to_le_bytes());
    p.push(b'x');
    let mut m = vec![1u8, 1, 0, 0];
    m.extend_from_slice(&((p.len() + 8) as u32).to_le_bytes());
    m.extend_from_slice(&p);
    k.write_all(&m).unwrap();
    let mut resp = [0u8; 17];
    k.read_exact(&mut resp).unwrap();
    assert_eq!(resp[8], 0xf9, "long atom");
    assert_eq!(i64::from_le_bytes(resp[9..17].try_into().unwrap()), 42);
}
