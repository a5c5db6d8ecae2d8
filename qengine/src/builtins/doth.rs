//! The `.h` namespace: HTML and XML markup, CSV/TSV/XML from data, URI
//! escapes and HTTP responses (what `.z.ph` answers with).
//!
//! The values a user may redefine in q (`.h.d`, `.h.val`, `.h.HOME`,
//! `.h.tx`, `.h.ty`) are ordinary globals set when the interpreter starts
//! ([`PRELUDE`]); the functions here read them through the interpreter.
//!
//! Choices: `.h.xs` escapes `&`, `<` and `>`; `.h.he`'s body is `'` and
//! the message with `<` escaped; `.h.fram`'s left frame is 16 pixels plus
//! 10 per character of the widest line and one more (316 for the
//! reference's 29-character lines); `.h.uh` decodes `%xx` only.

use qcore::{Atom, QError, QResult, Sym, Ty, Value, Vector};

use crate::state::Interp;

mod excel;
mod marqdown;

pub use excel::{ed, edsn};
pub use marqdown::ht;

/// q code run once when an interpreter starts: the `.h` values a user may
/// redefine. `.h.tx` maps a file type to the function that formats data
/// as it.
pub const PRELUDE: &str = concat!(
    ".h.d:\" \";.h.HOME:\"html\";.h.val:value;",
    ".h.ty:`htm`html`csv`txt`xml`xls`gif`png`jpg`jpeg`svg`ico`js`json`css`pdf`wasm!",
    "(\"text/html\";\"text/html\";\"text/comma-separated-values\";\"text/plain\";\"text/plain\";",
    "\"application/msexcel\";\"image/gif\";\"image/png\";\"image/jpeg\";\"image/jpeg\";",
    "\"image/svg+xml\";\"image/x-icon\";\"application/javascript\";\"application/json\";",
    "\"text/css\";\"application/pdf\";\"application/wasm\");",
    ".h.tx:`raw`json`csv`txt`xml!(enlist;{$[.Q.qt x;.j.j each 0!x;1=count x;.j.j first x;.j.j each x]};.h.cd;.h.td;.h.xd);",
    ".h.logo:\"<a href=\\\"https://github.com/borf-db/borf\\\" style=\\\"font:bold 12pt verdana;color:#024C7E\\\">borf</a>\""
);

/// `.h.sc`: characters a URI needs no escape for.
pub const SAFE: &str = "$-.+!*'(),abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789";
const SA: &str =
    "a{text-decoration:none}a:link{color:024C7E}a:visited{color:024C7E}a:active{color:958600}";
const SB: &str = "body{font:10pt verdana;text-align:justify}";

fn bytes(x: &Value) -> QResult<Vec<u8>> {
    match x {
        Value::Vector(v) if v.ty() == Ty::Char || v.ty() == Ty::Byte => {
            Ok(v.as_u8().unwrap_or(&[]).to_vec())
        }
        Value::Vector(v) if v.is_empty() => Ok(vec![]),
        Value::List(l) if l.is_empty() => Ok(vec![]),
        Value::Atom(Atom::Char(c)) => Ok(vec![*c]),
        _ => Err(QError::type_()),
    }
}

/// A symbol or a string, as text.
fn name(x: &Value) -> QResult<String> {
    match x {
        Value::Atom(Atom::Symbol(s)) => Ok(s.as_str().to_string()),
        _ => Ok(String::from_utf8_lossy(&bytes(x)?).into_owned()),
    }
}

fn lines(x: &Value) -> QResult<Vec<Vec<u8>>> {
    match x {
        Value::List(l) => l.iter().map(bytes).collect(),
        Value::Vector(v) if v.ty() == Ty::Char => Ok(vec![bytes(x)?]),
        Value::Vector(v) if v.is_empty() => Ok(vec![]),
        _ => Err(QError::type_()),
    }
}

fn str_value(b: Vec<u8>) -> Value {
    Value::Vector(Vector::chars(&b))
}

fn strings_value(ls: Vec<Vec<u8>>) -> Value {
    Value::list(ls.into_iter().map(str_value).collect())
}

fn tag(t: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("<{t}>").into_bytes();
    out.extend_from_slice(body);
    out.extend_from_slice(format!("</{t}>").as_bytes());
    out
}

// --- values ---

pub fn h_br(_: Value) -> QResult<Value> {
    Ok(Value::string("<br>"))
}
pub fn h_c0(_: Value) -> QResult<Value> {
    Ok(Value::sym("024C7E"))
}
pub fn h_c1(_: Value) -> QResult<Value> {
    Ok(Value::sym("958600"))
}
pub fn h_sa(_: Value) -> QResult<Value> {
    Ok(Value::string(SA))
}
pub fn h_sb(_: Value) -> QResult<Value> {
    Ok(Value::string(SB))
}
pub fn h_sc(_: Value) -> QResult<Value> {
    Ok(Value::string(SAFE))
}

// --- markup ---

/// `.h.htc[x;y]`: element `x` around content `y`.
pub fn htc(x: Value, y: Value) -> QResult<Value> {
    Ok(str_value(tag(&name(&x)?, &bytes(&y)?)))
}

fn attrs(y: &Value) -> QResult<Vec<u8>> {
    let Value::Dict(d) = y else {
        return Err(QError::type_());
    };
    let mut out = Vec::new();
    let vals = d.values.items();
    for (k, v) in d.keys.items().iter().zip(vals.iter()) {
        out.push(b' ');
        out.extend_from_slice(name(k)?.as_bytes());
        out.push(b'=');
        match v {
            Value::Atom(Atom::Symbol(s)) => out.extend_from_slice(s.as_str().as_bytes()),
            _ => {
                out.push(b'"');
                out.extend_from_slice(&bytes(v)?);
                out.push(b'"');
            }
        }
    }
    Ok(out)
}

/// `.h.hta[x;y]`: start tag `x` with attributes `y`.
pub fn hta(x: Value, y: Value) -> QResult<Value> {
    let mut out = format!("<{}", name(&x)?).into_bytes();
    out.extend(attrs(&y)?);
    out.push(b'>');
    Ok(str_value(out))
}

/// `.h.htac[x;y;z]`: element `x`, attributes `y`, content `z`.
pub fn htac(args: Vec<Value>) -> QResult<Value> {
    let [x, y, z] = <[Value; 3]>::try_from(args).map_err(|_| QError::rank())?;
    let t = name(&x)?;
    let mut out = format!("<{t}").into_bytes();
    out.extend(attrs(&y)?);
    out.push(b'>');
    out.extend(bytes(&z)?);
    out.extend_from_slice(format!("</{t}>").as_bytes());
    Ok(str_value(out))
}

fn href(x: &Value) -> QResult<Vec<u8>> {
    Ok(match x {
        Value::Atom(Atom::Symbol(s)) => s.as_str().as_bytes().to_vec(),
        _ => {
            let mut v = vec![b'"'];
            v.extend(bytes(x)?);
            v.push(b'"');
            v
        }
    })
}

/// `.h.ha[x;y]`: anchor to `x` with text `y`.
pub fn ha(x: Value, y: Value) -> QResult<Value> {
    let mut out = b"<a href=".to_vec();
    out.extend(href(&x)?);
    out.push(b'>');
    out.extend(bytes(&y)?);
    out.extend_from_slice(b"</a>");
    Ok(str_value(out))
}

/// `.h.hb[x;y]`: anchor with `target=v`.
pub fn hb(x: Value, y: Value) -> QResult<Value> {
    let mut out = b"<a target=v href=".to_vec();
    out.extend(href(&x)?);
    out.push(b'>');
    out.extend(bytes(&y)?);
    out.extend_from_slice(b"</a>");
    Ok(str_value(out))
}

/// `.h.nbr x`
pub fn nbr(x: Value) -> QResult<Value> {
    Ok(str_value(tag("nobr", &bytes(&x)?)))
}

fn joined_lines(x: &Value) -> QResult<Vec<u8>> {
    let mut body = Vec::new();
    for l in lines(x)? {
        body.extend(l);
        body.push(b'\n');
    }
    Ok(body)
}

/// `.h.pre x`: lines in a `pre` element.
pub fn pre(x: Value) -> QResult<Value> {
    Ok(str_value(tag("pre", &joined_lines(&x)?)))
}

/// `.h.xmp x`: lines in an `xmp` element.
pub fn xmp(x: Value) -> QResult<Value> {
    Ok(str_value(tag("xmp", &joined_lines(&x)?)))
}

/// `.h.text x`: each line a paragraph.
pub fn text(x: Value) -> QResult<Value> {
    let mut out = Vec::new();
    for l in lines(&x)? {
        out.extend(tag("p", &l));
        out.push(b'\n');
    }
    Ok(str_value(out))
}

/// `.h.hr x`: as many `-` as `x` has characters.
pub fn hr(x: Value) -> QResult<Value> {
    Ok(str_value(vec![b'-'; x.count()]))
}

/// `.h.code x`: after each tab, alternately code and plain text.
pub fn code(x: Value) -> QResult<Value> {
    let s = bytes(&x)?;
    let mut out = Vec::new();
    for (i, part) in s.split(|&c| c == b'\t').enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        if i % 2 == 1 {
            out.extend(tag("code", &tag("nobr", part)));
        } else {
            out.extend_from_slice(part);
        }
    }
    Ok(str_value(out))
}

/// `.h.hc x`: `<` escaped.
pub fn hc(x: Value) -> QResult<Value> {
    Ok(str_value(escape_lt(&bytes(&x)?)))
}

fn escape_lt(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        if c == b'<' {
            out.extend_from_slice(b"&lt;");
        } else {
            out.push(c);
        }
    }
    out
}

/// XML escapes of `&`, `<` and `>`.
pub fn xml_escape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        match c {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// `.h.xs x`
pub fn xs(x: Value) -> QResult<Value> {
    Ok(str_value(xml_escape(&bytes(&x)?)))
}

/// `.h.http x`: `http://` links marked up as anchors.
pub fn http(x: Value) -> QResult<Value> {
    let s = bytes(&x)?;
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(b"http://") || s[i..].starts_with(b"https://") {
            let end = s[i..]
                .iter()
                .position(|c| c.is_ascii_whitespace() || *c == b'"' || *c == b'<')
                .map_or(s.len(), |p| i + p);
            let url = &s[i..end];
            out.extend_from_slice(b"<a href=\"");
            out.extend_from_slice(url);
            out.extend_from_slice(b"\">");
            out.extend_from_slice(url);
            out.extend_from_slice(b"</a>");
            i = end;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Ok(str_value(out))
}

/// `.h.html x`: a page around body `x`.
pub fn html(x: Value) -> QResult<Value> {
    Ok(str_value(html_page(&bytes(&x)?)))
}

/// The page `.h.html` makes around `body`.
pub fn html_page(body: &[u8]) -> Vec<u8> {
    let style = format!("{SA}{SB}");
    let mut head = tag("style", style.as_bytes());
    head = tag("head", &head);
    head.extend(tag("body", body));
    tag("html", &head)
}

/// `.h.fram[t;s;(l;r)]`: a page of two frames.
pub fn fram(args: Vec<Value>) -> QResult<Value> {
    let [t, s, lr] = <[Value; 3]>::try_from(args).map_err(|_| QError::rank())?;
    let title = bytes(&t)?;
    let width = lines(&s)?.iter().map(Vec::len).max().unwrap_or(0);
    let srcs = lr.items();
    if srcs.len() != 2 {
        return Err(QError::length());
    }
    let (l, r) = (bytes(&srcs[0])?, bytes(&srcs[1])?);
    let mut out = b"<html><head><title>".to_vec();
    out.extend(title);
    out.extend_from_slice(
        format!(
            "</title><frameset cols=\"{},*\"><frame src=\"",
            16 + 10 * (width + 1)
        )
        .as_bytes(),
    );
    out.extend(l);
    out.extend_from_slice(b"\"><frame name=v src=\"");
    out.extend(r);
    out.extend_from_slice(b"\"></frameset></head></html>");
    Ok(str_value(out))
}

// --- URIs ---

/// `%xx` escapes of every character not in `safe`.
pub fn uri_escape(s: &[u8], safe: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        if safe.contains(&c) {
            out.push(c);
        } else {
            out.extend_from_slice(format!("%{c:02x}").as_bytes());
        }
    }
    out
}

/// `.h.hu x`
pub fn hu(x: Value) -> QResult<Value> {
    Ok(str_value(uri_escape(&bytes(&x)?, SAFE.as_bytes())))
}

/// `.h.hug[x;y]`: `y` with every character not in `x` escaped (`.h.hug x`
/// is that escape as a function).
pub fn hug(x: Value, y: Value) -> QResult<Value> {
    Ok(str_value(uri_escape(&bytes(&y)?, &bytes(&x)?)))
}

/// `%xx` sequences decoded.
pub fn uri_unescape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3)
            && let Ok(t) = std::str::from_utf8(h)
            && let Ok(b) = u8::from_str_radix(t, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// `.h.uh x`
pub fn uh(x: Value) -> QResult<Value> {
    Ok(str_value(uri_unescape(&bytes(&x)?)))
}

// --- data ---

/// `.h.iso8601 x`: nanoseconds from 2000.01.01 as ISO 8601 text.
pub fn iso8601(it: &mut Interp, x: Value) -> QResult<Value> {
    let n = match x {
        Value::Atom(a @ (Atom::Long(_) | Atom::Int(_) | Atom::Short(_) | Atom::Timestamp(_))) => {
            a.to_i64().ok_or_else(QError::type_)?
        }
        _ => return Err(QError::type_()),
    };
    let mut s = String::new();
    crate::builtins::dotj::atom_json(
        &Atom::Timestamp(n),
        crate::builtins::dotj::JsonOpts {
            precision: it.settings.console.precision,
            null0w: false,
        },
        &mut s,
    );
    Ok(Value::string(s.trim_matches('"')))
}

/// The current `.h.d`.
fn delim(it: &Interp) -> Vec<u8> {
    it.get_global(Sym::new(".h.d"))
        .and_then(|v| bytes(&v).ok())
        .unwrap_or_else(|| b" ".to_vec())
}

/// Nested columns (lists of vectors) as strings, items joined by `.h.d`.
fn flat_columns(it: &mut Interp, x: &Value) -> QResult<Value> {
    let d = delim(it);
    let p = it.settings.console.precision;
    let fix = |c: &Value| -> Value {
        if let Value::List(l) = c
            && l.iter()
                .any(|i| matches!(i, Value::Vector(v) if v.ty() != Ty::Char))
        {
            let items = l
                .iter()
                .map(|i| match i {
                    Value::Vector(v) if v.ty() != Ty::Char => {
                        let parts: Vec<String> = (0..v.len())
                            .map(|k| crate::display::atom_text(&v.get(k), p))
                            .collect();
                        let mut b = Vec::new();
                        for (k, s) in parts.iter().enumerate() {
                            if k > 0 {
                                b.extend_from_slice(&d);
                            }
                            b.extend_from_slice(s.as_bytes());
                        }
                        str_value(b)
                    }
                    other => other.clone(),
                })
                .collect();
            return Value::list(items);
        }
        c.clone()
    };
    Ok(match crate::builtins::table::unkeyed(x) {
        Some(t) => Value::table(t.names.clone(), t.columns.iter().map(fix).collect()),
        None => match x {
            Value::List(l) => Value::list(l.iter().map(fix).collect()),
            _ => return Err(QError::type_()),
        },
    })
}

/// `.h.cd x`: CSV lines of a table or list of columns.
pub fn cd(it: &mut Interp, x: Value) -> QResult<Value> {
    let t = flat_columns(it, &x)?;
    Ok(strings_value(crate::builtins::io::text::prepare_text(
        it, b',', &t,
    )?))
}

/// `.h.td x`: tab-separated lines.
pub fn td(it: &mut Interp, x: Value) -> QResult<Value> {
    let t = flat_columns(it, &x)?;
    Ok(strings_value(crate::builtins::io::text::prepare_text(
        it, b'\t', &t,
    )?))
}

/// `.h.xd x`: a table as XML lines.
pub fn xd(it: &mut Interp, x: Value) -> QResult<Value> {
    let t = crate::builtins::table::unkeyed(&x).ok_or_else(QError::type_)?;
    let p = it.settings.console.precision;
    let mut out = vec![b"<R>".to_vec()];
    for r in 0..t.len() {
        if r & 1023 == 1023 {
            it.tick()?;
        }
        let mut line = b"<r>".to_vec();
        for (n, c) in t.names.iter().zip(t.columns.iter()) {
            let cell = match c.item(r).unwrap_or(Value::Nil) {
                Value::Atom(a) => crate::display::atom_text(&a, p).into_bytes(),
                Value::Vector(v) if v.ty() == Ty::Char => v.as_u8().unwrap_or(&[]).to_vec(),
                other => crate::display::one_line(&other, p).into_bytes(),
            };
            line.extend(tag(n.as_str(), &xml_escape(&cell)));
        }
        line.extend_from_slice(b"</r>");
        out.push(line);
    }
    out.push(b"</R>".to_vec());
    Ok(strings_value(out))
}

/// `.h.xt[`json;lines]`: each JSON line parsed.
pub fn xt(x: Value, y: Value) -> QResult<Value> {
    match x {
        Value::Atom(Atom::Symbol(s)) if s.as_str() == "json" => {
            let items = lines(&y)?
                .into_iter()
                .map(|l| crate::builtins::dotj::parse_json(&l))
                .collect::<QResult<Vec<_>>>()?;
            // q's `.j.k each y`: dictionaries with one set of keys are a table
            Ok(Value::from_items(items))
        }
        // json is the one format q documents for .h.xt (DECISIONS.md)
        Value::Atom(Atom::Symbol(_)) => Err(QError::domain()),
        _ => Err(QError::type_()),
    }
}

/// `.h.jx[j;t]`: the web console's page of table `t` (a name) from row
/// `j`: a line of links (home, up, down, end: `?[row`), the row count and
/// `[j]`, an empty line, then the rows' console text, as many rows as the
/// `\C` height leaves room for (4 lines for the links and the header).
pub fn jx(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let j = match &x {
        Value::Atom(a) if a.ty().is_integral() && !a.is_null() => {
            a.to_i64().ok_or_else(QError::type_)?
        }
        _ => return Err(QError::type_()),
    };
    let t = match &y {
        Value::Atom(Atom::Symbol(s)) => crate::builtins::interpret::resolve_name(it, *s)?,
        _ => return Err(QError::type_()),
    };
    let t = crate::builtins::table::unkeyed(&t).ok_or_else(QError::type_)?;
    let n = t.len() as i64;
    let (rows, cols) = it.settings.http_console;
    let page = (rows as i64 - 4).max(1);
    let j = j.clamp(0, n);
    let end = (n - page).max(0);
    let up = (j - page).max(0);
    let down = (j + page).min(end).max(j.min(end));
    let mut nav = String::new();
    for (label, row) in [("home", 0), ("up", up), ("down", down), ("end", end)] {
        nav.push_str(&format!("<a href=\"?[{row}\">{label}</a> "));
    }
    nav.push_str(&format!("{n}[{j}]"));
    let shown = crate::builtins::list::take::take(
        Value::long(page.min(n - j)),
        crate::builtins::list::take::drop(Value::long(j), Value::Table(t))?,
    )?;
    let size = crate::display::Console {
        rows: usize::MAX / 2,
        cols,
        precision: it.settings.console.precision,
    };
    let text = crate::display::console(&shown, &size);
    let mut out = vec![nav.into_bytes(), Vec::new()];
    out.extend(text.lines().map(|l| l.as_bytes().to_vec()));
    Ok(strings_value(out))
}

/// `.h.ka x`: `"keep-alive"`, and the current HTTP connection closes after
/// `x` milliseconds without a request (from its next read on); `0`:
/// `"close"` (a response with it closes the connection once written).
pub fn ka(it: &mut Interp, x: Value) -> QResult<Value> {
    let ms = match &x {
        Value::Atom(a) if a.ty().is_integral() => a.to_i64().unwrap_or(0),
        _ => return Err(QError::type_()),
    };
    if ms <= 0 {
        return Ok(Value::string("close"));
    }
    let h = it.ipc.current;
    crate::ipc::set_idle_timeout(&it.ipc, h, std::time::Duration::from_millis(ms as u64));
    Ok(Value::string("keep-alive"))
}

// --- HTTP ---

/// The MIME type of `t` from `.h.ty` (`application/octet-stream` when
/// missing).
pub fn mime(it: &Interp, t: &Value) -> Vec<u8> {
    let key = match t {
        Value::Atom(Atom::Symbol(s)) => *s,
        _ => return b"application/octet-stream".to_vec(),
    };
    if let Some(Value::Dict(d)) = it.get_global(Sym::new(".h.ty"))
        && let Value::Vector(k) = &d.keys
        && let Some(ks) = k.as_sym()
        && let Some(i) = ks.iter().position(|s| *s == key)
        && let Some(v) = d.values.item(i)
        && let Ok(b) = bytes(&v)
    {
        return b;
    }
    b"application/octet-stream".to_vec()
}

/// An HTTP response: status line `status`, content type, body.
pub fn response(status: &str, ctype: &[u8], body: &[u8], keep_alive: bool) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Type: ").into_bytes();
    out.extend_from_slice(ctype);
    out.extend_from_slice(
        format!(
            "\r\nConnection: {}\r\nContent-Length: {}\r\n\r\n",
            if keep_alive { "keep-alive" } else { "close" },
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}

/// `.h.hy[x;y]`: a 200 response of type `x`.
pub fn hy(it: &mut Interp, x: Value, y: Value) -> QResult<Value> {
    let body = bytes(&y)?;
    Ok(str_value(response("200 OK", &mime(it, &x), &body, false)))
}

/// `.h.hn[x;y;z]`: a response with status `x`, type `y`, content `z`.
pub fn hn(it: &mut Interp, args: Vec<Value>) -> QResult<Value> {
    let [x, y, z] = <[Value; 3]>::try_from(args).map_err(|_| QError::rank())?;
    let status = name(&x)?;
    let body = bytes(&z)?;
    Ok(str_value(response(&status, &mime(it, &y), &body, false)))
}

/// `.h.he x`: a 400 response carrying the error text.
pub fn he(x: Value) -> QResult<Value> {
    Ok(str_value(error_response(&bytes(&x)?)))
}

/// What `.h.he` answers for error text `msg`.
pub fn error_response(msg: &[u8]) -> Vec<u8> {
    let mut body = vec![b'\''];
    body.extend(escape_lt(msg));
    response("400 Bad Request", b"text/plain", &body, false)
}

/// The HTML page `.h.hp` puts lines in.
pub fn pre_page(ls: &[Vec<u8>]) -> Vec<u8> {
    let mut body = b"<html><head><style>".to_vec();
    body.extend_from_slice(SB.as_bytes());
    body.extend_from_slice(b"</style></head><body><pre>");
    for l in ls {
        body.extend_from_slice(l);
        body.push(b'\n');
    }
    body.extend_from_slice(b"</pre></body></html>");
    body
}

/// `.h.hp x`: a 200 HTML response showing lines `x`.
pub fn hp(x: Value) -> QResult<Value> {
    let body = pre_page(&lines(&x)?);
    Ok(str_value(response("200 OK", b"text/html", &body, false)))
}
