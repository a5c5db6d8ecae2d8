//! `.h.ed` and `.h.edsn`: tables as an Excel workbook in SpreadsheetML
//! (the XML workbook format Excel opens as `.xls`), one string per line.
//!
//! Choices (q shows only the first two lines): one row per line after the
//! workbook's and sheet's opening lines; the header row holds the column
//! names; numbers and booleans are `Number`/`Boolean` cells, everything
//! else (symbols, strings, temporal values in q's text) a `String` cell;
//! a null is an empty cell; `.h.ed`'s sheet is named `Sheet1`.

use qcore::{Atom, QError, QResult, Sym, Ty, Value};

use super::{strings_value, xml_escape};
use crate::state::Interp;

const HEAD: &str = "<?xml version=\"1.0\"?><?mso-application progid=\"Excel.Sheet\"?>";

/// `.h.ed x`: the workbook of table `x`.
pub fn ed(it: &mut Interp, x: Value) -> QResult<Value> {
    let mut out = vec![
        HEAD.as_bytes().to_vec(),
        b"<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:x=\"urn:schemas-microsoft-com:office:excel\" xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\" xmlns:html=\"http://www.w3.org/TR/REC-html40\">".to_vec(),
    ];
    sheet(it, "Sheet1", &x, &mut out)?;
    out.push(b"</Workbook>".to_vec());
    Ok(strings_value(out))
}

/// `.h.edsn x!y`: a workbook of one sheet per table, named by the keys.
pub fn edsn(it: &mut Interp, x: Value) -> QResult<Value> {
    let Value::Dict(d) = &x else {
        return Err(QError::type_());
    };
    let names: Vec<Sym> = match &d.keys {
        Value::Vector(k) => k.as_sym().ok_or_else(QError::type_)?.to_vec(),
        _ => return Err(QError::type_()),
    };
    let tables = d.values.items();
    if tables.len() != names.len() {
        return Err(QError::length());
    }
    let mut out = vec![
        HEAD.as_bytes().to_vec(),
        b"<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">".to_vec(),
    ];
    for (n, t) in names.iter().zip(&tables) {
        sheet(it, n.as_str(), t, &mut out)?;
    }
    out.push(b"</Workbook>".to_vec());
    Ok(strings_value(out))
}

/// One worksheet: its opening line, a header row, a line per row.
fn sheet(it: &mut Interp, name: &str, x: &Value, out: &mut Vec<Vec<u8>>) -> QResult<()> {
    let t = crate::builtins::table::unkeyed(x).ok_or_else(QError::type_)?;
    let p = it.settings.console.precision;
    let mut open = b"<Worksheet ss:Name=\"".to_vec();
    open.extend(xml_escape(name.as_bytes()));
    open.extend_from_slice(b"\"><Table>");
    out.push(open);
    let mut header = b"<Row>".to_vec();
    for n in &t.names {
        header.extend(cell("String", n.as_str().as_bytes()));
    }
    header.extend_from_slice(b"</Row>");
    out.push(header);
    for r in 0..t.len() {
        if r & 1023 == 1023 {
            it.tick()?;
        }
        let mut row = b"<Row>".to_vec();
        for c in &t.columns {
            row.extend(match c.item(r).unwrap_or(Value::Nil) {
                Value::Atom(a) if a.is_null() => b"<Cell/>".to_vec(),
                Value::Atom(Atom::Bool(b)) => cell("Boolean", if b { b"1" } else { b"0" }),
                Value::Atom(a) if let Some(n) = number(&a) => cell("Number", n.as_bytes()),
                Value::Atom(Atom::Symbol(s)) => cell("String", s.as_str().as_bytes()),
                Value::Atom(Atom::Char(ch)) => cell("String", &[ch]),
                Value::Atom(a) => cell("String", crate::display::atom_text(&a, p).as_bytes()),
                Value::Vector(v) if v.ty() == Ty::Char => cell("String", v.as_u8().unwrap_or(&[])),
                other => cell("String", crate::display::one_line(&other, p).as_bytes()),
            });
        }
        row.extend_from_slice(b"</Row>");
        out.push(row);
    }
    out.push(b"</Table></Worksheet>".to_vec());
    Ok(())
}

/// The text of a numeric cell: integers in decimal, finite floats in
/// their shortest form (`0w` and other non-numbers are strings).
fn number(a: &Atom) -> Option<String> {
    match *a {
        Atom::Byte(_) | Atom::Short(_) | Atom::Int(_) | Atom::Long(_) => {
            a.to_i64().map(|v| v.to_string())
        }
        Atom::Real(f) if f.is_finite() => Some(f.to_string()),
        Atom::Float(f) if f.is_finite() => Some(f.to_string()),
        _ => None,
    }
}

fn cell(ty: &str, text: &[u8]) -> Vec<u8> {
    let mut c = format!("<Cell><Data ss:Type=\"{ty}\">").into_bytes();
    c.extend(xml_escape(text));
    c.extend_from_slice(b"</Data></Cell>");
    c
}
