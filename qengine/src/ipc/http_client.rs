//! The HTTP client: `.Q.hg` (GET), `.Q.hp` (POST) and the raw form
//! `` `:http://host:port "request text" `` (kb/http.md).
//!
//! Plain HTTP/1.1 over a socket, one request per connection
//! (`Connection: close`), the body read to its `Content-Length`, its last
//! chunk (chunked transfer) or the end of the stream, and inflated when the
//! server gzipped it (requests say `Accept-Encoding: gzip`, as q's do).
//! `http_proxy`/`no_proxy` from the environment are honoured as q does.
//! There is no TLS: an `https` URL is refused with `'https`.
//!
//! Reads wait in slices of [`SLICE`] so that Ctrl-C and `\T` stop a request
//! to a server that never answers (`'stop`).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use qcore::{Atom, QError, QResult, Ty, Value, Vector};

use crate::state::Interp;

/// How long one read waits before the stop signals are checked again.
const SLICE: Duration = Duration::from_millis(200);

/// The most a response may hold (headers and body): beyond it `'limit`.
const MAX_RESPONSE: usize = 1 << 31;

/// A URL split into what a request needs.
#[derive(Debug, PartialEq)]
struct Url {
    host: String,
    port: u16,
    /// The path and query, `/` when the URL has none.
    path: String,
    /// `user:password` before an `@`, sent as basic authorization.
    creds: Option<String>,
}

/// The URL text of `x`: a symbol `` `:http://... `` or a string, with or
/// without the leading colon.
fn url_text(x: &Value) -> QResult<String> {
    let text = match x {
        Value::Atom(Atom::Symbol(s)) => s.as_str().to_string(),
        other => other
            .as_string()
            .ok_or_else(|| QError::type_().with_detail("a URL is a symbol or a string"))?,
    };
    Ok(text.strip_prefix(':').unwrap_or(&text).to_string())
}

/// Splits `http://[user:pass@]host[:port][/path]`.
fn parse_url(text: &str) -> QResult<Url> {
    let bad = || QError::new("url").with_detail(format!("not an http URL: {text}"));
    let rest = match text.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) if scheme.eq_ignore_ascii_case("https") => {
            return Err(QError::new("https")
                .with_detail("borf has no TLS: reach https servers through a TLS proxy"));
        }
        _ => return Err(bad()),
    };
    // `http:///host` (a third slash, as one of q's examples) is the same host
    let rest = rest.trim_start_matches('/');
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_string()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_string()),
    };
    let (creds, hostport) = match authority.rsplit_once('@') {
        Some((c, h)) => (Some(c.to_string()), h),
        None => (None, authority),
    };
    // a colon inside brackets is an IPv6 address's, not the port's
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || h.ends_with(']') => {
            (h, p.parse::<u16>().map_err(|_| bad())?)
        }
        _ => (hostport, 80),
    };
    if host.is_empty() {
        return Err(bad());
    }
    Ok(Url {
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        port,
        path,
        creds,
    })
}

/// The proxy to send a request for `host` through: `http_proxy` (or
/// `HTTP_PROXY`) unless `host` matches `no_proxy` (or `NO_PROXY`); the
/// lower-case names win, as q's do.
fn proxy_for(host: &str) -> QResult<Option<Url>> {
    let var = |lower: &str, upper: &str| {
        std::env::var(lower)
            .ok()
            .or_else(|| std::env::var(upper).ok())
            .filter(|v| !v.is_empty())
    };
    let Some(proxy) = var("http_proxy", "HTTP_PROXY") else {
        return Ok(None);
    };
    if let Some(skip) = var("no_proxy", "NO_PROXY") {
        let excluded = skip.split(',').map(str::trim).any(|d| {
            let d = d.trim_start_matches('.');
            d == "*" || (!d.is_empty() && (host == d || host.ends_with(&format!(".{d}"))))
        });
        if excluded {
            return Ok(None);
        }
    }
    let text = if proxy.contains("://") {
        proxy
    } else {
        format!("http://{proxy}")
    };
    parse_url(&text).map(Some)
}

/// `.Q.hg x`: the body of a GET of URL `x`, as a string.
pub fn q_hg(it: &mut Interp, x: Value) -> QResult<Value> {
    let url = parse_url(&url_text(&x)?)?;
    let body = fetch(it, &url, "GET", None)?;
    Ok(Value::Vector(Vector::chars(&body)))
}

/// `.Q.hp[x;y;z]`: the body of a POST to URL `x` of content type `y` with
/// body `z`, as a string.
pub fn q_hp(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let [x, y, z]: [Value; 3] = args.try_into().map_err(|_| QError::rank())?;
    let url = parse_url(&url_text(&x)?)?;
    let mime = y
        .as_string()
        .ok_or_else(|| QError::type_().with_detail(".Q.hp: the MIME type is a string"))?;
    let body =
        text_bytes(&z).ok_or_else(|| QError::type_().with_detail(".Q.hp: the body is a string"))?;
    let out = fetch(it, &url, "POST", Some((&mime, &body)))?;
    Ok(Value::Vector(Vector::chars(&out)))
}

/// `` `:http://host:port "text" ``: sends `text` as it is and answers the
/// whole response (status line, headers, body), a chunked body joined.
pub fn raw_request(it: &mut Interp, target: &str, request: &Value) -> QResult<Value> {
    let url = parse_url(target.strip_prefix(':').unwrap_or(target))?;
    let text = text_bytes(request)
        .ok_or_else(|| QError::type_().with_detail("an HTTP request is a string"))?;
    let response = exchange(it, &url.host, url.port, &text)?;
    let (head, body) = split_response(it, &response)?;
    let mut out = head.to_vec();
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(&body);
    Ok(Value::Vector(Vector::chars(&out)))
}

/// The bytes of a string (or a char atom, or bytes).
fn text_bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Atom(Atom::Char(c)) => Some(vec![*c]),
        Value::Vector(x) if matches!(x.ty(), Ty::Char | Ty::Byte) => x.as_u8().map(<[u8]>::to_vec),
        Value::List(l) if l.is_empty() => Some(Vec::new()),
        _ => None,
    }
}

/// A GET or POST of `url`: the response body, decoded.
fn fetch(
    it: &mut Interp,
    url: &Url,
    method: &str,
    post: Option<(&str, &[u8])>,
) -> QResult<Vec<u8>> {
    let proxy = proxy_for(&url.host)?;
    // through a proxy the request line names the whole URL
    let target = match &proxy {
        Some(_) => format!("http://{}:{}{}", url.host, url.port, url.path),
        None => url.path.clone(),
    };
    let mut req = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAccept-Encoding: gzip\r\n",
        host_header(url)
    );
    if let Some(c) = &url.creds {
        req.push_str(&format!(
            "Authorization: Basic {}\r\n",
            crate::ops::digest::base64(c.as_bytes())
        ));
    }
    let mut bytes = match post {
        Some((mime, body)) => {
            req.push_str(&format!(
                "Content-Type: {mime}\r\nContent-Length: {}\r\n\r\n",
                body.len()
            ));
            let mut b = req.into_bytes();
            b.extend_from_slice(body);
            b
        }
        None => {
            req.push_str("\r\n");
            req.into_bytes()
        }
    };
    let (host, port) = match &proxy {
        Some(p) => (p.host.as_str(), p.port),
        None => (url.host.as_str(), url.port),
    };
    let response = exchange(it, host, port, &bytes)?;
    bytes.clear();
    let (_, body) = split_response(it, &response)?;
    Ok(body)
}

/// The Host header: the port only when it is not 80.
fn host_header(url: &Url) -> String {
    if url.port == 80 {
        url.host.clone()
    } else {
        format!("{}:{}", url.host, url.port)
    }
}

/// Connects, sends `request`, and reads until the server closes or the
/// response is complete.
fn exchange(it: &mut Interp, host: &str, port: u16, request: &[u8]) -> QResult<Vec<u8>> {
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| QError::new("hop").with_detail(format!("{host}: {e}")))?
        .collect();
    let mut last = None;
    let mut stream = None;
    for a in &addrs {
        match TcpStream::connect_timeout(a, Duration::from_secs(30)) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let mut s = stream.ok_or_else(|| {
        QError::new("hop").with_detail(match last {
            Some(e) => format!("{host}:{port}: {e}"),
            None => format!("{host}: no address"),
        })
    })?;
    let io = |e: std::io::Error| QError::new("os").with_detail(e.to_string());
    s.set_read_timeout(Some(SLICE)).map_err(io)?;
    s.set_write_timeout(Some(Duration::from_secs(30)))
        .map_err(io)?;
    s.write_all(request).map_err(io)?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if out.len() > MAX_RESPONSE {
                    return Err(QError::new("limit").with_detail("HTTP response over 2 GB"));
                }
                if complete(&out) {
                    break;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                it.check_stop()?;
            }
            Err(e) => return Err(io(e)),
        }
    }
    Ok(out)
}

/// The header block's end (the index of the blank line), if received.
fn head_end(r: &[u8]) -> Option<usize> {
    r.windows(4).position(|w| w == b"\r\n\r\n")
}

/// The value of header `name` (case-insensitive) in a header block.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// True when `r` holds a whole response by its own framing (a server may
/// keep the connection open despite `Connection: close`).
fn complete(r: &[u8]) -> bool {
    let Some(end) = head_end(r) else {
        return false;
    };
    let head = String::from_utf8_lossy(&r[..end]);
    let body = &r[end + 4..];
    if let Some(n) = header(&head, "content-length").and_then(|v| v.parse::<usize>().ok()) {
        return body.len() >= n;
    }
    if header(&head, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        return body.ends_with(b"0\r\n\r\n");
    }
    // a status without a body
    head.split(' ')
        .nth(1)
        .is_some_and(|c| c.starts_with('1') || c == "204" || c == "304")
}

/// The header block and the decoded body of a response: chunks joined,
/// gzip inflated, cut to `Content-Length`.
fn split_response<'a>(it: &mut Interp, r: &'a [u8]) -> QResult<(&'a [u8], Vec<u8>)> {
    let end = head_end(r)
        .ok_or_else(|| QError::new("http").with_detail("no complete response headers"))?;
    let head = String::from_utf8_lossy(&r[..end]).into_owned();
    let mut body = r[end + 4..].to_vec();
    if header(&head, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body)?;
    } else if let Some(n) = header(&head, "content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.truncate(n);
    }
    if header(&head, "content-encoding").is_some_and(|v| v.eq_ignore_ascii_case("gzip")) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut out)
            .map_err(|e| QError::new("http").with_detail(format!("gzip body: {e}")))?;
        it.check_stop()?;
        body = out;
    }
    Ok((&r[..end], body))
}

/// Joins the chunks of a chunked body.
fn dechunk(mut b: &[u8]) -> QResult<Vec<u8>> {
    let bad = || QError::new("http").with_detail("bad chunked body");
    let mut out = Vec::new();
    loop {
        let line = b.windows(2).position(|w| w == b"\r\n").ok_or_else(bad)?;
        let size_text = std::str::from_utf8(&b[..line]).map_err(|_| bad())?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let n = usize::from_str_radix(size_text, 16).map_err(|_| bad())?;
        b = &b[line + 2..];
        if n == 0 {
            return Ok(out);
        }
        let chunk = b.get(..n).ok_or_else(bad)?;
        out.extend_from_slice(chunk);
        b = b.get(n + 2..).ok_or_else(bad)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_as_q_writes_them() {
        let u = parse_url("http://user:pw@example.com:8080/a/b?x=1").unwrap();
        assert_eq!(
            u,
            Url {
                host: "example.com".into(),
                port: 8080,
                path: "/a/b?x=1".into(),
                creds: Some("user:pw".into())
            }
        );
        let u = parse_url("http:///www.example.com").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("www.example.com", 80, "/")
        );
        let u = parse_url("http://h?q=1").unwrap();
        assert_eq!(u.path, "/?q=1");
        assert_eq!(parse_url("https://h").unwrap_err().name, "https");
        assert_eq!(parse_url("ftp://h").unwrap_err().name, "url");
        assert_eq!(parse_url("http://").unwrap_err().name, "url");
        assert_eq!(parse_url("http://h:99999").unwrap_err().name, "url");
    }

    #[test]
    fn chunked_bodies_join_and_bad_ones_are_errors() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n").unwrap(),
            b"abcde"
        );
        assert_eq!(dechunk(b"zz\r\n").unwrap_err().name, "http");
        assert_eq!(dechunk(b"5\r\nab").unwrap_err().name, "http");
        assert_eq!(dechunk(b"").unwrap_err().name, "http");
    }

    #[test]
    fn gzip_and_chunked_bodies_are_decoded() {
        use std::io::Write;
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"inflated text").unwrap();
        let gz = z.finish().unwrap();
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            gz.len()
        )
        .into_bytes();
        r.extend_from_slice(&gz);
        r.extend_from_slice(b"\r\n0\r\n\r\n");
        let mut it = Interp::new();
        let (head, body) = split_response(&mut it, &r).unwrap();
        assert!(head.starts_with(b"HTTP/1.1 200"));
        assert_eq!(body, b"inflated text");
        // a body cut to its Content-Length
        let (_, body) =
            split_response(&mut it, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabcd").unwrap();
        assert_eq!(body, b"ab");
    }

    #[test]
    fn responses_are_complete_by_their_own_framing() {
        assert!(!complete(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab"));
        assert!(complete(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc"));
        assert!(complete(b"HTTP/1.1 204 No Content\r\n\r\n"));
        assert!(!complete(b"HTTP/1.1 200 OK\r\n\r\nabc"));
        assert!(complete(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n"
        ));
    }
}
