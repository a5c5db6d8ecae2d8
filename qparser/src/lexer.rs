//! Hand-written lexer: source text to spanned tokens.
//!
//! q's lexical rules depend on *spacing*, which a grammar over characters
//! expresses badly, so this is a small hand-written scanner (see
//! `DEPENDENCIES.md`). The rules it implements:
//!
//! - **Comments.** `/` preceded by whitespace (or at the start of the text)
//!   starts a comment to the end of the line. An attached `/` is the *over*
//!   iterator (`+/`).
//! - **Numbers.** Numeric literals separated only by spaces or tabs form one
//!   vector literal (`1 2 3`, `1 2.5` is float, `1 2 3h` is short,
//!   `2024.01.01 0Nd` is a date vector). `010b` is a boolean vector and
//!   `0x0102` a byte vector; neither merges with neighbours.
//! - **Negative literals.** `-` directly followed by a digit (or `.digit`) is
//!   the sign of a literal when it starts the text, follows whitespace, or
//!   follows anything that is not a noun end (name, literal, `)`, `]`, `}`).
//!   So `x-1` subtracts, `x -1` is `x` applied to the literal `-1`, and
//!   `1 -1` is a two-item vector.
//! - **Iterators vs signal.** `'` attached to a verb, noun or closing bracket
//!   is *each*; anywhere else it is *signal*. `':` `/:` `\:` likewise.
//! - **Newlines.** Inside `(...)` and `[...]` a newline is whitespace. At the
//!   top level and directly inside `{...}`, a newline followed by a line that
//!   starts in column 0 (with something other than a closing bracket or a
//!   comment) separates statements like `;`; an indented next line continues
//!   the statement, as in q scripts.
//!
//! Temporal literals are decoded here into q's counts from 2000.01.01 using
//! [`qcore::calendar`].

use crate::ast::{Adverb, LitValues, Literal, ParseError, Span};
use qcore::Ty;
use qcore::calendar::{NS_PER_DAY, days_from_civil, valid_civil};

/// One lexical token.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// A literal atom or vector, already typed and decoded.
    Lit(Literal),
    /// A name (`x`, `.z.p`, `til`).
    Name(String),
    /// A primitive verb glyph (`+`, `<=`, `0:` ...).
    Verb(String),
    /// An iterator glyph.
    Adverb(Adverb),
    /// `:`
    Colon,
    /// `::`
    DColon,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBrack,
    /// `]`
    RBrack,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `;` (or a statement-separating newline).
    Semi,
    /// `'` in signal position.
    Signal,
}

/// A token with its byte span and whether whitespace (or the start of the
/// text, or a comment) comes directly before it.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
    pub ws_before: bool,
}

/// Split `src` into tokens. Fails on an unterminated string (error name
/// `"`), a malformed literal or an unknown character (name `parse`).
pub fn lex(src: &str) -> Result<Vec<Token>, ParseError> {
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        i: 0,
        out: Vec::new(),
        stack: Vec::new(),
    };
    lx.run()?;
    Ok(lx.out)
}

fn perr(name: &str, message: impl Into<String>, span: Span) -> ParseError {
    ParseError {
        name: name.to_string(),
        message: message.into(),
        span,
    }
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

const VERB_CHARS: &[u8] = b"+-*%!&|<>=~,^#_$?@.";

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    out: Vec<Token>,
    /// Open brackets, innermost last (for the newline rule).
    stack: Vec<u8>,
}

impl Lexer<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    fn digit_at(&self, i: usize) -> bool {
        self.at(i).is_some_and(|c| c.is_ascii_digit())
    }

    fn push(&mut self, tok: Tok, start: usize, end: usize, ws_before: bool) {
        self.out.push(Token {
            tok,
            span: start..end,
            ws_before,
        });
    }

    /// True when the previous token ends a noun (so `-` after it subtracts).
    fn prev_is_noun_end(&self) -> bool {
        matches!(
            self.out.last().map(|t| &t.tok),
            Some(Tok::Lit(_) | Tok::Name(_) | Tok::RParen | Tok::RBrack | Tok::RBrace)
        )
    }

    /// True when an iterator glyph at this point attaches to the previous token.
    fn adverb_attaches(&self, ws: bool) -> bool {
        !ws && matches!(
            self.out.last().map(|t| &t.tok),
            Some(
                Tok::Lit(_)
                    | Tok::Name(_)
                    | Tok::Verb(_)
                    | Tok::RParen
                    | Tok::RBrack
                    | Tok::RBrace
                    | Tok::Adverb(_)
            )
        )
    }

    /// Does a numeric literal start at `i` (given whitespace before it)?
    fn number_starts(&self, i: usize, ws: bool, after_number: bool) -> bool {
        match self.at(i) {
            Some(c) if c.is_ascii_digit() => !self.file_verb_at(i),
            Some(b'.') => self.digit_at(i + 1),
            Some(b'-') => {
                let digit_next =
                    self.digit_at(i + 1) || (self.at(i + 1) == Some(b'.') && self.digit_at(i + 2));
                let hex = self.at(i + 1) == Some(b'0') && self.at(i + 2) == Some(b'x');
                digit_next
                    && !hex
                    && (ws || (!after_number && !self.prev_is_noun_end()))
                    && !self.file_verb_at(i + 1)
            }
            _ => false,
        }
    }

    /// `0:` `1:` `2:` at `i` (not a time like `1:30`; `1:0x01` is the verb
    /// applied to a byte literal).
    fn file_verb_at(&self, i: usize) -> bool {
        matches!(self.at(i), Some(b'0'..=b'2'))
            && self.at(i + 1) == Some(b':')
            && (!self.digit_at(i + 2)
                || (self.at(i + 2) == Some(b'0') && self.at(i + 3) == Some(b'x')))
    }

    fn run(&mut self) -> Result<(), ParseError> {
        let n = self.b.len();
        while self.i < n {
            let i = self.i;
            let c = self.b[i];
            match c {
                b' ' | b'\t' | b'\r' => {
                    self.i += 1;
                    continue;
                }
                b'\n' => {
                    self.newline();
                    self.i += 1;
                    continue;
                }
                _ => {}
            }
            let ws = i == 0 || is_ws(self.b[i - 1]);
            if c == b'/' && ws {
                while self.i < n && self.b[self.i] != b'\n' {
                    self.i += 1;
                }
                continue;
            }
            match c {
                b'"' => self.string(ws)?,
                b'`' => self.symbols(ws),
                b'(' | b'[' | b'{' => {
                    self.stack.push(c);
                    let t = match c {
                        b'(' => Tok::LParen,
                        b'[' => Tok::LBrack,
                        _ => Tok::LBrace,
                    };
                    self.push(t, i, i + 1, ws);
                    self.i += 1;
                }
                b')' | b']' | b'}' => {
                    self.stack.pop();
                    let t = match c {
                        b')' => Tok::RParen,
                        b']' => Tok::RBrack,
                        _ => Tok::RBrace,
                    };
                    self.push(t, i, i + 1, ws);
                    self.i += 1;
                }
                b';' => {
                    self.push(Tok::Semi, i, i + 1, ws);
                    self.i += 1;
                }
                b'0'..=b'2' if self.file_verb_at(i) => {
                    self.push(Tok::Verb(self.src[i..i + 2].to_string()), i, i + 2, ws);
                    self.i += 2;
                }
                b'0' if self.at(i + 1) == Some(b'x') => self.hex(ws)?,
                _ if self.number_starts(i, ws, false) => self.numbers(ws)?,
                // `.` right after a closing bracket is the verb (`(!).flip x`
                // is `(!) . flip x`), not the start of a dotted name
                _ if c.is_ascii_alphabetic()
                    || (c == b'.'
                        && self.at(i + 1).is_some_and(|d| d.is_ascii_alphabetic())
                        && (ws
                            || !matches!(
                                self.out.last().map(|t| &t.tok),
                                Some(Tok::RParen | Tok::RBrack | Tok::RBrace)
                            ))) =>
                {
                    self.name(ws)
                }
                b':' => {
                    if self.at(i + 1) == Some(b':') {
                        self.push(Tok::DColon, i, i + 2, ws);
                        self.i += 2;
                    } else {
                        self.push(Tok::Colon, i, i + 1, ws);
                        self.i += 1;
                    }
                }
                b'\'' => {
                    if self.adverb_attaches(ws) {
                        if self.at(i + 1) == Some(b':') {
                            self.push(Tok::Adverb(Adverb::Prior), i, i + 2, ws);
                            self.i += 2;
                        } else {
                            self.push(Tok::Adverb(Adverb::Each), i, i + 1, ws);
                            self.i += 1;
                        }
                    } else {
                        self.push(Tok::Signal, i, i + 1, ws);
                        self.i += 1;
                    }
                }
                b'/' | b'\\' => {
                    let colon = self.at(i + 1) == Some(b':');
                    let a = match (c, colon) {
                        (b'/', false) => Adverb::Over,
                        (b'/', true) => Adverb::EachRight,
                        (_, false) => Adverb::Scan,
                        (_, true) => Adverb::EachLeft,
                    };
                    let len = if colon { 2 } else { 1 };
                    self.push(Tok::Adverb(a), i, i + len, ws);
                    self.i += len;
                }
                _ if VERB_CHARS.contains(&c) => {
                    let two = matches!(
                        (c, self.at(i + 1)),
                        (b'<', Some(b'=')) | (b'>', Some(b'=')) | (b'<', Some(b'>'))
                    );
                    // `|:` `#:` ... where no noun is on the left: the unary
                    // form of the glyph as one verb (`(#:)x`, `|:[x]`); after
                    // a noun it is an assignment (`x+:1`)
                    let unary = !two
                        && self.at(i + 1) == Some(b':')
                        && self.at(i + 2) != Some(b':')
                        && !self.prev_is_noun_end();
                    let len = if two || unary { 2 } else { 1 };
                    self.push(Tok::Verb(self.src[i..i + len].to_string()), i, i + len, ws);
                    self.i += len;
                }
                _ => {
                    let len = self.src[i..].chars().next().map_or(1, char::len_utf8);
                    return Err(perr(
                        "parse",
                        format!("unexpected character `{}`", &self.src[i..i + len]),
                        i..i + len,
                    ));
                }
            }
        }
        Ok(())
    }

    /// A newline at `self.i`: emit a statement separator when the next line
    /// starts in column 0 at the top level or directly inside `{}`.
    fn newline(&mut self) {
        if !matches!(self.stack.last(), None | Some(b'{')) {
            return;
        }
        match self.at(self.i + 1) {
            None | Some(b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'}' | b')' | b']') => return,
            _ => {}
        }
        match self.out.last().map(|t| &t.tok) {
            None | Some(Tok::Semi | Tok::LParen | Tok::LBrack | Tok::LBrace) => {}
            _ => self.push(Tok::Semi, self.i, self.i + 1, true),
        }
    }

    fn name(&mut self, ws: bool) {
        let start = self.i;
        let mut j = start + 1;
        while let Some(c) = self.at(j) {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
                j += 1;
            } else {
                break;
            }
        }
        self.push(Tok::Name(self.src[start..j].to_string()), start, j, ws);
        self.i = j;
    }

    fn string(&mut self, ws: bool) -> Result<(), ParseError> {
        let start = self.i;
        let mut j = start + 1;
        let mut bytes = Vec::new();
        loop {
            let Some(c) = self.at(j) else {
                return Err(perr("\"", "unterminated string", start..self.b.len()));
            };
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(e) = self.at(j + 1) else {
                        return Err(perr("\"", "unterminated string", start..self.b.len()));
                    };
                    let octal = |k: usize| self.at(k).is_some_and(|d| (b'0'..=b'7').contains(&d));
                    if octal(j + 1) && octal(j + 2) && octal(j + 3) {
                        let v = (self.b[j + 1] - b'0') as u32 * 64
                            + (self.b[j + 2] - b'0') as u32 * 8
                            + (self.b[j + 3] - b'0') as u32;
                        bytes.push((v & 0xff) as u8);
                        j += 4;
                    } else {
                        bytes.push(match e {
                            b'n' => b'\n',
                            b't' => b'\t',
                            b'r' => b'\r',
                            other => other,
                        });
                        j += 2;
                    }
                }
                _ => {
                    bytes.push(c);
                    j += 1;
                }
            }
        }
        let atom = bytes.len() == 1;
        self.push(
            Tok::Lit(Literal {
                atom,
                values: LitValues::Char(bytes),
            }),
            start,
            j + 1,
            ws,
        );
        self.i = j + 1;
        Ok(())
    }

    fn symbols(&mut self, ws: bool) {
        let start = self.i;
        let mut j = start;
        let mut syms = Vec::new();
        while self.at(j) == Some(b'`') {
            let s = j + 1;
            let mut k = s;
            // a path (`:a/b`, `c:/q/test.txt`, `host:port/x`): `/` belongs to
            // the symbol once it holds a colon
            let mut colon = false;
            while let Some(c) = self.at(k) {
                let ok = c.is_ascii_alphanumeric()
                    || matches!(c, b'.' | b'_' | b':')
                    || (c == b'/' && colon);
                if !ok {
                    break;
                }
                colon |= c == b':';
                k += 1;
            }
            syms.push(self.src[s..k].to_string());
            j = k;
        }
        let atom = syms.len() == 1;
        self.push(
            Tok::Lit(Literal {
                atom,
                values: LitValues::Symbol(syms),
            }),
            start,
            j,
            ws,
        );
        self.i = j;
    }

    fn hex(&mut self, ws: bool) -> Result<(), ParseError> {
        let start = self.i;
        let mut j = start + 2;
        while self.at(j).is_some_and(|c| c.is_ascii_hexdigit()) {
            j += 1;
        }
        if self
            .at(j)
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            return Err(perr("parse", "bad byte literal", start..j + 1));
        }
        let digits = &self.src[start + 2..j];
        let atom = (1..=2).contains(&digits.len());
        let padded = if digits.len() % 2 == 1 {
            format!("0{digits}")
        } else {
            digits.to_string()
        };
        let bytes: Vec<u8> = padded
            .as_bytes()
            .chunks(2)
            .map(|p| (hexval(p[0]) << 4) | hexval(p[1]))
            .collect();
        self.push(
            Tok::Lit(Literal {
                atom,
                values: LitValues::Byte(bytes),
            }),
            start,
            j,
            ws,
        );
        self.i = j;
        Ok(())
    }

    /// End of the numeric word starting at `i` (after an optional `-`).
    fn word_end(&self, i: usize) -> usize {
        let mut j = if self.at(i) == Some(b'-') { i + 1 } else { i };
        while let Some(c) = self.at(j) {
            // `1e+5`, not `0we+5` (the real infinity plus 5)
            let exponent_sign = matches!(c, b'-' | b'+')
                && matches!(self.at(j.wrapping_sub(1)), Some(b'e' | b'E'))
                && self
                    .at(j.wrapping_sub(2))
                    .is_some_and(|d| d.is_ascii_digit() || d == b'.')
                && self.digit_at(j + 1);
            let time_colon = c == b':' && self.digit_at(j + 1);
            if c.is_ascii_alphanumeric() || c == b'.' || time_colon || exponent_sign {
                j += 1;
            } else {
                break;
            }
        }
        j
    }

    /// One or more numeric words separated by spaces: one literal token.
    fn numbers(&mut self, ws: bool) -> Result<(), ParseError> {
        let start = self.i;
        let mut raws = Vec::new();
        let mut words = Vec::new();
        let mut i = start;
        let mut end;
        loop {
            end = self.word_end(i);
            let raw = decode_signed(&self.src[i..end]).map_err(|m| perr("parse", m, i..end))?;
            let mergeable = matches!(raw, Raw::Num(..));
            raws.push(raw);
            words.push(i..end);
            if !mergeable {
                break;
            }
            let mut k = end;
            while matches!(self.at(k), Some(b' ' | b'\t')) {
                k += 1;
            }
            if k == end || !self.number_starts(k, true, true) {
                break;
            }
            if self.at(k) == Some(b'0') && self.at(k + 1) == Some(b'x') {
                break;
            }
            let next_end = self.word_end(k);
            match decode_signed(&self.src[k..next_end]) {
                Ok(Raw::Num(..)) => i = k,
                _ => break,
            }
        }
        // `2017.05 2017.09m`: the trailing `m` makes every `yyyy.mm` item a month.
        if raws.len() > 1 && matches!(raws.last(), Some(Raw::Num(Some(Ty::Month), _))) {
            for (raw, w) in raws.iter_mut().zip(&words) {
                let w = &self.src[w.clone()];
                if w.as_bytes().last().is_some_and(|c| c.is_ascii_digit())
                    && let Ok(m @ Raw::Num(Some(Ty::Month), _)) = decode_signed(&format!("{w}m"))
                {
                    *raw = m;
                }
            }
        }
        // `0n 2 3i`, `13:30 20:00t`: a type letter ending the last item types
        // every item, as in q; items written with another type are read
        // again with that letter.
        if raws.len() > 1
            && let (Some(Raw::Num(Some(last_ty), _)), Some(w)) = (raws.last(), words.last())
            && let Some(&c) = self.src[w.clone()].as_bytes().last()
            && c.is_ascii_alphabetic()
            && suffix_ty(c) == Some(*last_ty)
        {
            let last_ty = *last_ty;
            for (raw, w) in raws.iter_mut().zip(&words) {
                if matches!(raw, Raw::Num(Some(t), _) if *t != last_ty) {
                    let w = &self.src[w.clone()];
                    let w = match w {
                        "0n" | "0w" | "-0w" => w.to_uppercase(),
                        _ => w.to_string(),
                    };
                    if let Ok(r @ Raw::Num(Some(t), _)) =
                        decode_signed(&format!("{w}{}", c as char))
                        && t == last_ty
                    {
                        *raw = r;
                    }
                }
            }
        }
        let atom = raws.len() == 1 && matches!(raws[0], Raw::Num(..));
        let values = build(raws).map_err(|m| perr("parse", m, start..end))?;
        self.push(Tok::Lit(Literal { atom, values }), start, end, ws);
        self.i = end;
        Ok(())
    }
}

fn hexval(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

// ---------------------------------------------------------------------------
// Numeric and temporal literal decoding.

/// The value of one numeric item before conversion to its final type.
#[derive(Clone, Copy, Debug)]
enum V {
    I(i64),
    F(f64),
    Null,
    /// Infinity; `true` for negative.
    Inf(bool),
}

/// One decoded numeric word.
#[derive(Clone, Debug)]
enum Raw {
    /// Explicit type (suffix or temporal shape) or `None` for plain numbers.
    Num(Option<Ty>, V),
    /// `0101b`: a boolean vector written as one word.
    BoolVec(Vec<bool>),
}

/// The type a numeric literal's suffix letter names: q's type letters,
/// except those a number cannot carry (`x c s`, which are other literals).
fn suffix_ty(c: u8) -> Option<Ty> {
    Ty::from_letter(c as char).filter(|t| !matches!(t, Ty::Byte | Ty::Char | Ty::Symbol))
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

fn decode_signed(w: &str) -> Result<Raw, String> {
    let (neg, body) = match w.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, w),
    };
    let raw = decode(body)?;
    if !neg {
        return Ok(raw);
    }
    match raw {
        Raw::Num(t, v) => {
            let v = match v {
                V::I(x) => V::I(x.checked_neg().ok_or("number out of range")?),
                V::F(x) => V::F(-x),
                V::Inf(n) => V::Inf(!n),
                V::Null => V::Null,
            };
            Ok(Raw::Num(t, v))
        }
        Raw::BoolVec(_) => Err("a boolean literal cannot be negative".into()),
    }
}

/// Parse `yyyy.mm.dd` into days since 2000.01.01.
fn parse_date(s: &str) -> Result<Option<i64>, String> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 3
        || !parts.iter().all(|p| all_digits(p))
        || parts[0].len() != 4
        || parts[1].len() != 2
        || parts[2].len() != 2
    {
        return Ok(None);
    }
    let y: i64 = parts[0].parse().map_err(|_| "bad year")?;
    let m: u32 = parts[1].parse().map_err(|_| "bad month")?;
    let d: u32 = parts[2].parse().map_err(|_| "bad day")?;
    if !valid_civil(y, m, d) {
        return Err(format!("invalid date {s}"));
    }
    Ok(Some(days_from_civil(y, m, d)))
}

/// Parse a time of day `hh[:mm[:ss[.fffffffff]]]` into nanoseconds; also
/// returns the number of `:`-separated parts and of fraction digits.
fn parse_tod(s: &str) -> Result<(i64, usize, usize), String> {
    let bad = || format!("invalid time {s}");
    let (hms, frac) = match s.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (s, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if parts.len() > 3 || !all_digits(parts[0]) || parts[0].len() > 9 {
        return Err(bad());
    }
    let mut ns: i64 = parts[0]
        .parse::<i64>()
        .ok()
        .filter(|h| *h < 2_000_000) // larger hours overflow nanoseconds
        .map(|h| h * 3_600_000_000_000)
        .ok_or_else(bad)?;
    for (k, p) in parts.iter().enumerate().skip(1) {
        if p.len() != 2 || !all_digits(p) {
            return Err(bad());
        }
        let v: i64 = p.parse().map_err(|_| bad())?;
        if v >= 60 {
            return Err(bad());
        }
        ns += v * if k == 1 {
            60_000_000_000
        } else {
            1_000_000_000
        };
    }
    let mut fdigits = 0;
    if let Some(f) = frac {
        if parts.len() != 3 || f.len() > 9 || !(f.is_empty() || all_digits(f)) {
            return Err(bad());
        }
        fdigits = f.len();
        if !f.is_empty() {
            let v: i64 = f.parse().map_err(|_| bad())?;
            ns += v * 10i64.pow((9 - f.len()) as u32);
        }
    }
    Ok((ns, parts.len(), fdigits))
}

fn decode(w: &str) -> Result<Raw, String> {
    let b = w.as_bytes();
    let bad = || format!("bad number `{w}`");
    if b.is_empty() {
        return Err(bad());
    }
    // Nulls and infinities: 0N 0W 0n 0w with an optional type letter.
    if b.len() <= 3 && b[0] == b'0' && matches!(b.get(1), Some(b'N' | b'W' | b'n' | b'w')) {
        let kind = b[1];
        let v = if kind == b'N' || kind == b'n' {
            V::Null
        } else {
            V::Inf(false)
        };
        return match (kind, b.get(2)) {
            (b'n' | b'w', None) => Ok(Raw::Num(Some(Ty::Float), v)),
            (b'N' | b'W', None) => Ok(Raw::Num(None, v)),
            // `0we` `0ne`: the real infinity and null
            (b'n' | b'w', Some(b'e')) => Ok(Raw::Num(Some(Ty::Real), v)),
            (b'n' | b'w', Some(b'f')) => Ok(Raw::Num(Some(Ty::Float), v)),
            (b'N' | b'W', Some(&s)) => match suffix_ty(s) {
                Some(Ty::Bool) | None => Err(bad()),
                Some(Ty::Guid) if kind == b'W' => Err(bad()),
                Some(t) => Ok(Raw::Num(Some(t), v)),
            },
            _ => Err(bad()),
        };
    }
    // Timestamp / timespan: `date D time`, `days D time`.
    if let Some(p) = w.find('D') {
        let (left, right) = (&w[..p], &w[p + 1..]);
        let ns = if right.is_empty() {
            0
        } else {
            parse_tod(right)?.0
        };
        if let Some(days) = parse_date(left)? {
            return Ok(Raw::Num(Some(Ty::Timestamp), V::I(days * NS_PER_DAY + ns)));
        }
        if all_digits(left) && left.len() <= 6 {
            let days: i64 = left.parse().map_err(|_| bad())?;
            return Ok(Raw::Num(Some(Ty::Timespan), V::I(days * NS_PER_DAY + ns)));
        }
        return Err(bad());
    }
    // Datetime: `date T time`.
    if let Some(p) = w.find('T') {
        let (left, right) = (&w[..p], &w[p + 1..]);
        let ns = if right.is_empty() {
            0
        } else {
            parse_tod(right)?.0
        };
        let days = parse_date(left)?.ok_or_else(bad)?;
        return Ok(Raw::Num(
            Some(Ty::Datetime),
            V::F(days as f64 + ns as f64 / NS_PER_DAY as f64),
        ));
    }
    // Times: hh:mm, hh:mm:ss, hh:mm:ss.fff, hh:mm:ss.fffffffff [u v t n].
    if w.contains(':') {
        let (body, suf) = match b[b.len() - 1] {
            c @ (b'u' | b'v' | b't' | b'n') => (&w[..w.len() - 1], Some(c)),
            _ => (w, None),
        };
        let (ns, parts, fdigits) = parse_tod(body)?;
        if parts < 2 {
            return Err(bad());
        }
        let ty = match suf {
            Some(c) => suffix_ty(c).ok_or_else(bad)?,
            None if parts == 2 => Ty::Minute,
            None if fdigits == 0 && !body.contains('.') => Ty::Second,
            None if fdigits <= 3 => Ty::Time,
            None => Ty::Timespan,
        };
        let unit = match ty {
            Ty::Minute => 60_000_000_000,
            Ty::Second => 1_000_000_000,
            Ty::Time => 1_000_000,
            _ => 1,
        };
        return Ok(Raw::Num(Some(ty), V::I(ns / unit)));
    }
    // Date.
    if let Some(days) = parse_date(w)? {
        return Ok(Raw::Num(Some(Ty::Date), V::I(days)));
    }
    // Month: yyyy.mmm
    if let Some(body) = w.strip_suffix('m')
        && let Some((y, m)) = body.split_once('.')
        && y.len() == 4
        && m.len() == 2
        && all_digits(y)
        && all_digits(m)
    {
        let y: i64 = y.parse().map_err(|_| bad())?;
        let m: i64 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&m) {
            return Err(format!("invalid month {w}"));
        }
        return Ok(Raw::Num(Some(Ty::Month), V::I((y - 2000) * 12 + m - 1)));
    }
    // Plain numbers with an optional type suffix.
    let last = b[b.len() - 1];
    let (body, suf) = if last.is_ascii_lowercase() {
        (&w[..w.len() - 1], Some(last))
    } else {
        (w, None)
    };
    if body.is_empty()
        || !body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
        || !(body.as_bytes()[0].is_ascii_digit() || body.as_bytes()[0] == b'.')
    {
        return Err(bad());
    }
    // a boolean vector is a digit string of any length (`0b sv 1000..b`)
    if suf == Some(b'b') && body.len() > 1 && body.bytes().all(|c| c == b'0' || c == b'1') {
        return Ok(Raw::BoolVec(body.bytes().map(|c| c == b'1').collect()));
    }
    let int = if all_digits(body) {
        Some(
            body.parse::<i64>()
                .map_err(|_| format!("number out of range `{w}`"))?,
        )
    } else {
        None
    };
    let float = || body.parse::<f64>().map_err(|_| bad());
    let Some(s) = suf else {
        return Ok(match int {
            Some(i) => Raw::Num(None, V::I(i)),
            None => Raw::Num(None, V::F(float()?)),
        });
    };
    let ty = suffix_ty(s).ok_or_else(bad)?;
    match ty {
        Ty::Bool => {
            if !body.bytes().all(|c| c == b'0' || c == b'1') {
                return Err(bad());
            }
            if body.len() == 1 {
                Ok(Raw::Num(Some(Ty::Bool), V::I((body == "1") as i64)))
            } else {
                Ok(Raw::BoolVec(body.bytes().map(|c| c == b'1').collect()))
            }
        }
        Ty::Guid => Err(bad()),
        Ty::Real | Ty::Float | Ty::Datetime => Ok(Raw::Num(Some(ty), V::F(float()?))),
        _ => Ok(Raw::Num(Some(ty), V::I(int.ok_or_else(bad)?))),
    }
}

fn to_int(v: V, null: i64, inf: i64) -> Result<i64, String> {
    match v {
        V::I(x) if x >= -inf && x <= inf => Ok(x),
        V::I(_) => Err("number out of range".into()),
        V::F(_) => Err("a float cannot be an item of an integral literal".into()),
        V::Null => Ok(null),
        V::Inf(neg) => Ok(if neg { -inf } else { inf }),
    }
}

fn to_float(v: V) -> f64 {
    match v {
        V::I(x) => x as f64,
        V::F(x) => x,
        V::Null => f64::NAN,
        V::Inf(neg) => {
            if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        }
    }
}

/// Build the values of a literal from its decoded words.
fn build(raws: Vec<Raw>) -> Result<LitValues, String> {
    let mut nums = Vec::with_capacity(raws.len());
    for r in raws {
        match r {
            Raw::BoolVec(v) => return Ok(LitValues::Bool(v)),
            Raw::Num(t, v) => nums.push((t, v)),
        }
    }
    let mut target: Option<Ty> = None;
    for (t, _) in &nums {
        if let Some(t) = t {
            match target {
                None => target = Some(*t),
                Some(x) if x == *t => {}
                Some(_) => return Err("mixed types in one vector literal".into()),
            }
        }
    }
    let target = target.unwrap_or_else(|| {
        if nums.iter().any(|(_, v)| matches!(v, V::F(_))) {
            Ty::Float
        } else {
            Ty::Long
        }
    });
    let vals = nums.into_iter().map(|(_, v)| v);
    let i32s = |vals: &mut dyn Iterator<Item = V>| -> Result<Vec<i32>, String> {
        vals.map(|v| to_int(v, i32::MIN as i64, i32::MAX as i64).map(|x| x as i32))
            .collect()
    };
    let i64s = |vals: &mut dyn Iterator<Item = V>| -> Result<Vec<i64>, String> {
        vals.map(|v| to_int(v, i64::MIN, i64::MAX)).collect()
    };
    let mut vals = vals;
    Ok(match target {
        Ty::Bool => LitValues::Bool(
            vals.map(|v| match v {
                V::I(0) => Ok(false),
                V::I(1) => Ok(true),
                _ => Err("a boolean is 0 or 1".to_string()),
            })
            .collect::<Result<_, _>>()?,
        ),
        Ty::Guid => LitValues::Guid(
            vals.map(|v| match v {
                V::Null => Ok([0u8; 16]),
                _ => Err("only the null guid 0Ng can be written".to_string()),
            })
            .collect::<Result<_, _>>()?,
        ),
        Ty::Short => LitValues::Short(
            vals.map(|v| to_int(v, i16::MIN as i64, i16::MAX as i64).map(|x| x as i16))
                .collect::<Result<_, _>>()?,
        ),
        Ty::Int => LitValues::Int(i32s(&mut vals)?),
        Ty::Long => LitValues::Long(i64s(&mut vals)?),
        Ty::Real => LitValues::Real(vals.map(|v| to_float(v) as f32).collect()),
        Ty::Float => LitValues::Float(vals.map(to_float).collect()),
        Ty::Datetime => LitValues::Datetime(vals.map(to_float).collect()),
        Ty::Timestamp => LitValues::Timestamp(i64s(&mut vals)?),
        Ty::Timespan => LitValues::Timespan(i64s(&mut vals)?),
        Ty::Month => LitValues::Month(i32s(&mut vals)?),
        Ty::Date => LitValues::Date(i32s(&mut vals)?),
        Ty::Minute => LitValues::Minute(i32s(&mut vals)?),
        Ty::Second => LitValues::Second(i32s(&mut vals)?),
        Ty::Time => LitValues::Time(i32s(&mut vals)?),
        Ty::Byte | Ty::Char | Ty::Symbol => return Err("not a numeric type".to_string()),
    })
}

// ---------------------------------------------------------------------------
// Bracket balance, for `is_complete` and script splitting.

/// Incremental scanner that tracks open brackets and strings while ignoring
/// brackets inside strings, comments and symbols.
#[derive(Clone, Debug, Default)]
pub(crate) struct Balance {
    depth: usize,
    in_string: bool,
    escape: bool,
    in_comment: bool,
    in_symbol: bool,
    symbol_file: bool,
    symbol_len: usize,
    /// Previous character (None at the start).
    prev: Option<char>,
}

impl Balance {
    /// Feed more text (continuing from what was fed before).
    pub(crate) fn feed(&mut self, s: &str) {
        for c in s.chars() {
            self.step(c);
            self.prev = Some(c);
        }
    }

    fn step(&mut self, c: char) {
        if self.in_string {
            if self.escape {
                self.escape = false;
            } else if c == '\\' {
                self.escape = true;
            } else if c == '"' {
                self.in_string = false;
            }
            return;
        }
        if self.in_comment {
            if c == '\n' {
                self.in_comment = false;
            }
            return;
        }
        if self.in_symbol {
            let ok = c.is_ascii_alphanumeric()
                || matches!(c, '.' | '_' | ':')
                || (c == '/' && self.symbol_file);
            if ok {
                if c == ':' {
                    self.symbol_file = true;
                }
                self.symbol_len += 1;
                return;
            }
            self.in_symbol = false;
        }
        match c {
            '"' => self.in_string = true,
            '`' => {
                self.in_symbol = true;
                self.symbol_file = false;
                self.symbol_len = 0;
            }
            '/' if self.prev.is_none_or(|p| p.is_whitespace()) => self.in_comment = true,
            '(' | '[' | '{' => self.depth += 1,
            ')' | ']' | '}' => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
    }

    /// No bracket open and no string open.
    pub(crate) fn complete(&self) -> bool {
        self.depth == 0 && !self.in_string
    }
}
