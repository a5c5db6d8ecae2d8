//! `.h.ht x`: the Marqdown documentation generator. Reads `src/x.txt` and
//! writes `x.htm`, a page of two frames: `a/_x.htm` (the section headings
//! as links) and `a/x.htm` (the text).
//!
//! q's rules: paragraph text starts at the beginning of a line; a line
//! starting with `.` is a section heading; one starting with a tab is
//! code; lines starting with a blank are shown as typed (`xmp`); a second
//! line starting with `-` puts a rule under the first (the title); lines
//! whose second column starts with a tab and a blank are aligned as a
//! two-column table. Choices: consecutive text lines make one paragraph
//! (an empty line ends it); the title is the first line; `.h.ht` returns
//! the file handle of the page it wrote.

use qcore::{QError, QResult, Value};

use super::{name, xml_escape};
use crate::builtins::io::handle::{read_all, write_all};
use crate::storage::confine;

/// `.h.ht x`.
pub fn ht(x: Value) -> QResult<Value> {
    let doc = name(&x)?;
    if doc.is_empty() || doc.contains(['/', '\\']) {
        return Err(QError::domain().with_detail(".h.ht takes a document name"));
    }
    confine::forbid(".h.ht")?;
    let src = confine::path(&format!("src/{doc}.txt"))?;
    let text = read_all(&src)?;
    let text = String::from_utf8_lossy(&text);
    let (title, nav, body) = render(&doc, &text);
    let page = confine::path(&format!("{doc}.htm"))?;
    let nav_file = confine::path(&format!("a/_{doc}.htm"))?;
    let body_file = confine::path(&format!("a/{doc}.htm"))?;
    write_all(&nav_file, &page_of(&title, &nav))?;
    write_all(&body_file, &page_of(&title, &body))?;
    let width = nav_width(&text);
    let frames = format!(
        "<html><head><title>{t}</title><frameset cols=\"{w},*\"><frame src=\"a/_{doc}.htm\"><frame name=v src=\"a/{doc}.htm\"></frameset></head></html>",
        t = esc(&title),
        w = 16 + 10 * (width + 1),
    );
    write_all(&page, frames.as_bytes())?;
    Ok(Value::sym(&format!(":{doc}.htm")))
}

fn esc(s: &str) -> String {
    String::from_utf8_lossy(&xml_escape(s.as_bytes())).into_owned()
}

fn page_of(title: &str, body: &str) -> Vec<u8> {
    format!(
        "<html><head><title>{}</title><style>{}{}</style></head><body>\n{body}</body></html>\n",
        esc(title),
        super::SA,
        super::SB
    )
    .into_bytes()
}

/// The widest section heading, for the navigation frame's width.
fn nav_width(text: &str) -> usize {
    text.lines()
        .filter_map(|l| l.strip_prefix('.'))
        .map(|h| h.trim().len())
        .max()
        .unwrap_or(0)
}

/// What is being gathered across lines.
#[derive(PartialEq)]
enum Block {
    None,
    Para,
    Xmp,
    Table,
}

/// The title, the navigation frame's body and the text frame's body.
fn render(doc: &str, text: &str) -> (String, String, String) {
    let lines: Vec<&str> = text.lines().collect();
    let title = lines
        .first()
        .map_or(String::new(), |l| l.trim().to_string());
    let mut body = String::new();
    let mut nav = String::new();
    let mut block = Block::None;
    let mut start = 0;
    if !lines.is_empty() {
        body.push_str(&format!("<h2>{}</h2>\n", esc(&title)));
        start = 1;
        if lines.get(1).is_some_and(|l| l.starts_with('-')) {
            body.push_str("<hr>\n");
            start = 2;
        }
    }
    let close = |b: &mut Block, out: &mut String| {
        match b {
            Block::Para => out.push_str("</p>\n"),
            Block::Xmp => out.push_str("</xmp>\n"),
            Block::Table => out.push_str("</table>\n"),
            Block::None => {}
        }
        *b = Block::None;
    };
    let mut section = 0;
    for l in &lines[start..] {
        let want = if l.trim().is_empty() {
            Block::None
        } else if l.starts_with(' ') {
            Block::Xmp
        } else if !l.starts_with(['.', '\t']) && l.contains("\t ") {
            Block::Table
        } else if l.starts_with(['.', '\t']) {
            Block::None
        } else {
            Block::Para
        };
        if want != block {
            close(&mut block, &mut body);
        }
        if let Some(h) = l.strip_prefix('.') {
            section += 1;
            let h = esc(h.trim());
            body.push_str(&format!("<h3><a name=\"s{section}\">{h}</a></h3>\n"));
            nav.push_str(&format!(
                "<a href=\"{doc}.htm#s{section}\" target=v>{h}</a><br>\n"
            ));
            continue;
        }
        if let Some(c) = l.strip_prefix('\t') {
            body.push_str(&format!("<code>{}</code><br>\n", esc(c)));
            continue;
        }
        match want {
            Block::None => {}
            Block::Xmp => {
                if block != Block::Xmp {
                    body.push_str("<xmp>");
                }
                body.push_str(&l[1..]);
                body.push('\n');
            }
            Block::Table => {
                if block != Block::Table {
                    body.push_str("<table>\n");
                }
                let (a, b) = l.split_once("\t ").unwrap_or((l, ""));
                body.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td></tr>\n",
                    esc(a.trim_end()),
                    esc(b.trim())
                ));
            }
            Block::Para => {
                body.push_str(if block == Block::Para { "\n" } else { "<p>" });
                body.push_str(&esc(l));
            }
        }
        block = want;
    }
    close(&mut block, &mut body);
    (title, nav, body)
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn marqdown_blocks() {
        let src = "My doc\n---\nsome text\nmore text\n\n.First\n\tcode x<1\n pre\n pre2\nkey\t value\nk2\t v2\n";
        let (title, nav, body) = render("d", src);
        assert_eq!(title, "My doc");
        assert_eq!(nav, "<a href=\"d.htm#s1\" target=v>First</a><br>\n");
        assert_eq!(
            body,
            "<h2>My doc</h2>\n<hr>\n<p>some text\nmore text</p>\n<h3><a name=\"s1\">First</a></h3>\n<code>code x&lt;1</code><br>\n<xmp>pre\npre2\n</xmp>\n<table>\n<tr><td>key</td><td>value</td></tr>\n<tr><td>k2</td><td>v2</td></tr>\n</table>\n"
        );
    }
}
