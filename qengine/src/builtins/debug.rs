//! Errors and backtraces: `.Q.trp[f;x;g]` and `.Q.trpd[f;args;g]` (trap
//! with the backtrace handed to `g`), `.Q.bt[]` (print the stack of
//! running lambdas), `.Q.sbt` (a backtrace object as text), and
//! [`note_error`], which the evaluator calls as an error leaves a lambda
//! so the backtrace points at the first lambda it left (q's caret).
//!
//! `rand x` (`first 1?x`, `'domain` for a non-positive integer) also lives
//! here.

use crate::builtins::apply::apply;
use crate::state::Interp;
use qcore::Atom;
use qcore::ErrorInfo;
use qcore::Func;
use qcore::QError;
use qcore::QResult;
use qcore::Value;

// ---------------------------------------------------------------------------
// rand

/// `rand x`: `first 1?x` — a random number below `x`, or a random item.
pub fn rand(x: Value) -> QResult<Value> {
    if let Value::Atom(a) = &x
        && matches!(a.to_i64(), Some(n) if n <= 0)
        && a.ty().is_integral()
    {
        return Err(QError::domain());
    }
    let r = crate::builtins::list::find::find(Value::long(1), x)?;
    r.item(0).ok_or_else(QError::length)
}

// ---------------------------------------------------------------------------
// gtime, ltime

pub(crate) const NS_PER_DAY: i64 = 86_400_000_000_000;

pub(crate) fn err_key(e: &QError) -> usize {
    let info: &ErrorInfo = e;
    info as *const ErrorInfo as usize
}

/// Called when an error leaves a lambda: the first lambda it leaves (the
/// innermost) records the stack of lambdas for `.Q.trp`.
pub fn note_error(it: &mut Interp, e: &QError) {
    let key = err_key(e);
    if it.err_bt.as_ref().is_none_or(|(k, _)| *k != key) {
        it.err_bt = Some((key, it.calls.to_vec()));
    }
}

pub(crate) fn lambda_text(f: &Func) -> String {
    match f {
        Func::Lambda(l) => l.source.clone(),
        _ => String::new(),
    }
}

pub(crate) fn frame(text: &str, at: i64) -> Value {
    Value::list(vec![Value::string(text), Value::long(at)])
}

/// The backtrace object: frames innermost first, each `(text;caret)` with
/// caret `-1` where no position is known.
pub(crate) fn backtrace(e: Option<&QError>, stack: &[Func]) -> Value {
    let mut frames = Vec::new();
    let mut lambdas = stack.iter().rev();
    if let Some(loc) = e.and_then(|e| e.location.as_ref()) {
        let src: &str = &loc.source;
        let line_start = src[..loc.span.start.min(src.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let line_end = src[line_start..]
            .find('\n')
            .map_or(src.len(), |i| line_start + i);
        frames.push(frame(
            &src[line_start..line_end],
            (loc.span.start - line_start) as i64,
        ));
        // the innermost lambda is the located frame
        if !stack.is_empty() {
            lambdas.next();
        }
    }
    for f in lambdas {
        frames.push(frame(&lambda_text(f), -1));
    }
    Value::list(frames)
}

pub(crate) fn sbt_text(x: &Value) -> QResult<String> {
    let frames = match x {
        Value::List(l) => l.clone(),
        _ => return Err(QError::type_()),
    };
    let n = frames.len();
    let mut s = String::new();
    for (i, f) in frames.iter().enumerate() {
        let (Some(text), Some(at)) = (f.item(0), f.item(1)) else {
            return Err(QError::type_());
        };
        let text = text.as_string().ok_or_else(QError::type_)?;
        let head = format!("  [{}]  ", n - 1 - i);
        s.push_str(&head);
        s.push_str(&text);
        s.push('\n');
        if let Some(Atom::Long(p)) = at.as_atom()
            && *p >= 0
        {
            s.push_str(&" ".repeat(head.len() + *p as usize));
            s.push('^');
        }
        s.push('\n');
    }
    Ok(s)
}

/// `.Q.sbt x`: a backtrace object as display text.
pub fn q_sbt(x: Value) -> QResult<Value> {
    Ok(Value::string(&sbt_text(&x)?))
}

/// `.Q.bt[]`: writes the stack of running lambdas to stdout, innermost
/// first, as q shows it: each lambda named (`f:`, `f@:` for one inside
/// `f`), the caret under the call running in it, then the top-level line.
/// The call is found in the text: the callee's name, or its text for an
/// anonymous lambda (no caret when not found).
pub fn q_bt(it: &mut Interp, _: Value) -> QResult<Value> {
    if !it.debug.levels.is_empty() {
        print!("{}", suspended_stack(it));
        return Ok(Value::Nil);
    }
    let stack = it.calls.to_vec();
    let mut frames = Vec::new();
    for i in (0..stack.len()).rev() {
        let text = lambda_text(&stack[i]);
        let name = it.lambda_name(&stack[i], &stack[..i]);
        let head = if name.is_empty() {
            String::new()
        } else {
            format!("{name}:")
        };
        let callee = match stack.get(i + 1) {
            Some(f) => callee_text(it, f, &stack[..=i]),
            None => ".Q.bt".to_string(),
        };
        let at = find_call(&text, &callee).map_or(-1, |p| (p + head.len()) as i64);
        frames.push(frame(&format!("{head}{text}"), at));
    }
    if let Some(top) = it.top_source.clone() {
        let callee = match stack.first() {
            Some(f) => callee_text(it, f, &[]),
            None => ".Q.bt".to_string(),
        };
        let line = top.lines().next().unwrap_or("");
        let at = find_call(line, &callee).map_or(-1, |p| p as i64);
        let keep = if at < 0 { line.len() } else { at as usize };
        frames.push(frame(qcore::error::without_comment(line, keep), at));
    }
    print!("{}", sbt_text(&Value::list(frames))?);
    Ok(Value::Nil)
}

/// `.Q.bt[]` at the `q))` prompt: the suspended stack, innermost first,
/// the failing primitive's caret in the suspended frame, `>>` on the frame
/// `` ` `` and `.` have moved to (basics/debug.md, "Backtrace").
fn suspended_stack(it: &Interp) -> String {
    let Some(level) = it.debug.levels.last() else {
        return String::new();
    };
    let stack = it.calls.to_vec();
    let base = level.base.min(stack.len());
    let mut out = String::new();
    for k in (0..base).rev() {
        out.push_str(&stack_frame(it, &stack, Some(k), level.at == Some(k)));
    }
    out.push_str(&stack_frame(it, &stack, None, level.at.is_none()));
    out
}

/// One frame of the innermost suspended evaluation as the debugger shows
/// it (`&`, `` ` ``, `.`, `.Q.bt[]`): `k` is the running lambda's index
/// (`None`: the console line, frame 0), `>>` in place of the indent when
/// `current`. The caret is under the failing primitive in the suspended
/// frame, under the call of the next frame in the others.
pub(crate) fn stack_frame(it: &Interp, stack: &[Func], k: Option<usize>, current: bool) -> String {
    let Some(level) = it.debug.levels.last() else {
        return String::new();
    };
    let e = &level.error;
    // where the suspended frame failed: the call site a signal left
    // through, else the error's own place
    let loc = e
        .callers
        .first()
        .and_then(Option::as_ref)
        .or(e.location.as_ref());
    let number = k.map_or(0, |k| it.frame_number(k));
    let mark = if current { ">>" } else { "  " };
    let (name, text, at) = match k {
        Some(k) => {
            let f = &stack[k];
            let name = it.lambda_name(f, &stack[..k]);
            let text = lambda_text(f);
            let at = if k + 1 == level.base {
                loc.and_then(|l| it.caret_in(f, l))
            } else {
                stack
                    .get(k + 1)
                    .and_then(|g| find_call(&text, &callee_text(it, g, &stack[..=k])))
            };
            (name, text, at)
        }
        None => {
            let line = it
                .top_source
                .as_deref()
                .and_then(|t| t.lines().next())
                .unwrap_or("")
                .to_string();
            let at = match stack.first() {
                Some(f) => find_call(&line, &callee_text(it, f, &[])),
                None => loc.map(|l| l.span.start).filter(|&p| p < line.len()),
            };
            (String::new(), line, at)
        }
    };
    let mut head = format!("{mark}[{number}]  ");
    if !name.is_empty() {
        head.push_str(&name);
        head.push(':');
    }
    let mut out = String::new();
    match at {
        Some(p) if p <= text.len() && text.is_char_boundary(p) => {
            qcore::error::caret_frame(&mut out, &head, &text, p)
        }
        _ => {
            out.push_str(&head);
            out.push_str(text.lines().next().unwrap_or(""));
        }
    }
    out.push('\n');
    out
}

/// `.z.ex`: the primitive whose failure suspended the evaluation at the
/// `q))` prompt (`::` when nothing is suspended).
pub fn z_ex(it: &mut Interp, _: Value) -> QResult<Value> {
    Ok(it.debug.levels.last().map_or(Value::Nil, |l| l.ex.clone()))
}

/// `.z.ey`: the argument (a list of them for more than one) of the
/// primitive whose failure suspended the evaluation.
pub fn z_ey(it: &mut Interp, _: Value) -> QResult<Value> {
    Ok(it.debug.levels.last().map_or(Value::Nil, |l| l.ey.clone()))
}

/// What a call of lambda `f` looks like in its caller: the global's name,
/// else the lambda's text.
fn callee_text(it: &Interp, f: &Func, stack: &[Func]) -> String {
    let name = it.lambda_name(f, stack);
    if !name.is_empty() && !name.ends_with('@') {
        return name;
    }
    lambda_text(f)
}

/// Where `callee` first occurs in `text` as a whole name (or anywhere, for
/// a lambda's text).
fn find_call(text: &str, callee: &str) -> Option<usize> {
    if callee.is_empty() {
        return None;
    }
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    let is_name = callee.chars().all(word);
    text.match_indices(callee).map(|(o, _)| o).find(|&o| {
        !is_name || (!text[..o].ends_with(word) && !text[o + callee.len()..].starts_with(word))
    })
}

pub(crate) fn trap_bt(it: &mut Interp, f: &Value, args: Vec<Value>, g: &Value) -> QResult<Value> {
    it.err_bt = None;
    // an error under a trap is caught, never suspended
    let armed = std::mem::replace(&mut it.debug.armed, false);
    let r = apply(it, f, args);
    it.debug.armed = armed;
    match r {
        Ok(v) => Ok(v),
        Err(e) if e.name == "stop" || it.exit_request.is_some() => Err(e),
        Err(e) => {
            let stack = match it.err_bt.take() {
                Some((k, s)) if k == err_key(&e) => s,
                _ => Vec::new(),
            };
            let bt = backtrace(Some(&e), &stack);
            apply(it, g, vec![Value::string(&e.name), bt])
        }
    }
}

/// `.Q.trp[f;x;g]`: `@[f;x;g]` where `g` also gets the backtrace.
pub fn q_trp(it: &mut Interp, a: Vec<Value>) -> QResult<Value> {
    let [f, x, g]: [Value; 3] = a.try_into().map_err(|_| QError::rank())?;
    trap_bt(it, &f, vec![x], &g)
}

/// `.Q.trpd[f;args;g]`: `.[f;args;g]` where `g` also gets the backtrace.
pub fn q_trpd(it: &mut Interp, a: Vec<Value>) -> QResult<Value> {
    let [f, x, g]: [Value; 3] = a.try_into().map_err(|_| QError::rank())?;
    let args = x.items();
    trap_bt(it, &f, args, &g)
}

#[cfg(test)]
mod tests {
    use crate::ops::digest::sha1_digest;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn sha1_rfc3174_vectors() {
        assert_eq!(
            hex(&sha1_digest(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&sha1_digest(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        assert_eq!(
            hex(&sha1_digest(&b"a".repeat(1_000_000))),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        );
        assert_eq!(
            hex(&sha1_digest(
                &b"0123456701234567012345670123456701234567012345670123456701234567".repeat(10)
            )),
            "dea356a2cddd90c7a7ecedc5ebb563934f460452"
        );
        assert_eq!(
            hex(&sha1_digest(b"")),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
    }
}
