//! borf as a client: `.Q.hg`, `.Q.hp` and the raw HTTP form against a
//! server written here (it records each request and answers a canned
//! response), and the one-shot IPC request `` `:host:port "query" ``
//! against a `borf -p` server.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

mod common;
use common::{free_port, wait_accepting};

/// A server answering each connection with the next of `responses`; the
/// requests it read come back on the channel.
fn canned(responses: Vec<Vec<u8>>) -> (u16, mpsc::Receiver<String>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for resp in responses {
            let Ok((mut s, _)) = l.accept() else { return };
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let req = read_request(&mut s);
            let _ = s.write_all(&resp);
            drop(s);
            let _ = tx.send(req);
        }
    });
    (port, rx)
}

/// Reads one request: its head and a body of its Content-Length.
fn read_request(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut b = [0u8; 4096];
    while let Ok(n) = s.read(&mut b) {
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&b[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
    }
    String::from_utf8_lossy(&buf).to_string()
}

/// Runs `script` through `borf -q`; its standard output.
fn borf(script: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_borf"))
        .arg("-q")
        .env_remove("BORF_TEST_SEPARATOR")
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start borf");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn ok(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn get_and_post_send_q_requests_and_answer_the_body() {
    let chunked =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            .to_vec();
    let (port, requests) = canned(vec![ok("got it"), ok("posted"), chunked, ok("raw")]);
    let out = borf(&format!(
        ".Q.hg `$\":http://u:pw@127.0.0.1:{port}/a/b\"\n\
         .Q.hp[\"http://127.0.0.1:{port}/p\";\"application/json\";\"{{\\\"k\\\":1}}\"]\n\
         .Q.hg \"http://127.0.0.1:{port}\"\n\
         (`$\":http://127.0.0.1:{port}\") \"DELETE /x HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n\"\n"
    ));
    assert_eq!(
        out,
        "\"got it\"\n\"posted\"\n\"hello world\"\n\
         \"HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: 3\\r\\n\\r\\nraw\"\n",
        "{out}"
    );
    let get = requests.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(get.starts_with("GET /a/b HTTP/1.1\r\n"), "{get}");
    assert!(
        get.contains(&format!("Host: 127.0.0.1:{port}\r\n")),
        "{get}"
    );
    assert!(get.contains("Accept-Encoding: gzip\r\n"), "{get}");
    // u:pw in base64
    assert!(get.contains("Authorization: Basic dTpwdw==\r\n"), "{get}");
    let post = requests.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(post.starts_with("POST /p HTTP/1.1\r\n"), "{post}");
    assert!(
        post.contains("Content-Type: application/json\r\n"),
        "{post}"
    );
    assert!(
        post.ends_with("Content-Length: 7\r\n\r\n{\"k\":1}"),
        "{post}"
    );
    let plain = requests.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(plain.starts_with("GET / HTTP/1.1\r\n"), "{plain}");
    // the raw form sends the text as it is
    let raw = requests.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(raw, "DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n");
}

#[test]
fn bad_urls_and_dead_servers_are_q_errors() {
    let port = free_port();
    let out = borf(&format!(
        "@[.Q.hg;\"https://example.com\";{{x}}]\n\
         @[.Q.hg;\"ftp://example.com\";{{x}}]\n\
         @[.Q.hg;1;{{x}}]\n\
         @[.Q.hg;\"http://127.0.0.1:{port}/\";{{x}}]\n\
         .[.Q.hp;(\"http://127.0.0.1:{port}/\";1;\"x\");{{x}}]\n"
    ));
    assert_eq!(
        out, "\"https\"\n\"url\"\n\"type\"\n\"hop\"\n\"type\"\n",
        "{out}"
    );
}

#[test]
fn a_garbled_response_is_an_error_not_a_crash() {
    let (port, _requests) = canned(vec![
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
        b"no headers at all".to_vec(),
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc".to_vec(),
    ]);
    let out = borf(&format!(
        "@[.Q.hg;\"http://127.0.0.1:{port}/\";{{x}}]\n\
         @[.Q.hg;\"http://127.0.0.1:{port}/\";{{x}}]\n\
         @[.Q.hg;\"http://127.0.0.1:{port}/\";{{x}}]\n\
         1+1\n"
    ));
    assert_eq!(out, "\"http\"\n\"http\"\n\"http\"\n2\n", "{out}");
}

#[test]
fn a_one_shot_request_opens_queries_and_closes() {
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_borf"))
        .args(["-p", &port.to_string()])
        .env_remove("BORF_TEST_SEPARATOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start borf");
    let mut stdin = server.stdin.take().unwrap();
    stdin.write_all(b"opened:0\n.z.po:{opened+:1}\n").unwrap();
    drop(stdin);
    wait_accepting(port);
    std::thread::sleep(Duration::from_millis(200));
    let out = borf(&format!(
        "`::{port} \"1+1\"\n\
         (`$\":localhost:{port}\") \"til 3\"\n\
         @[{{`::{port} x}};\"1+`a\";{{x}}]\n\
         count .z.W\n\
         `::{port} \"opened\"\n"
    ));
    let _ = server.kill();
    let _ = server.wait();
    // the probe connections of the wait above count as opens too
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(&lines[..4], ["2", "0 1 2", "\"type\"", "0"], "{out}");
    assert!(lines[4].parse::<i64>().unwrap() >= 4, "{out}");
}
