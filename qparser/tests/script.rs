//! `qparser::script::chunks`.

use qparser::script::{Chunk, ChunkKind, chunks};

fn code(text: &str, line: usize) -> Chunk {
    Chunk {
        kind: ChunkKind::Code,
        text: text.into(),
        line,
    }
}

fn sys(text: &str, line: usize) -> Chunk {
    Chunk {
        kind: ChunkKind::System,
        text: text.into(),
        line,
    }
}

#[test]
fn basic_script() {
    let src = "/ header comment\na:1\nf:{[x]\n  x+1}\n  / indented comment\nb:f a / trailing\n\\l other.q\n\\d .foo\nc:2\n";
    assert_eq!(
        chunks(src),
        vec![
            code("a:1", 2),
            code("f:{[x]\n  x+1}\n  / indented comment", 3),
            code("b:f a / trailing", 6),
            sys("\\l other.q", 7),
            sys("\\d .foo", 8),
            code("c:2", 9),
        ]
    );
}

#[test]
fn continuation_and_brackets() {
    let src = "x:1\n  +2\ny:(1;\n2)\nz:\"a\nb\"\n";
    assert_eq!(
        chunks(src),
        vec![
            code("x:1\n  +2", 1),
            code("y:(1;\n2)", 3),
            code("z:\"a\nb\"", 5)
        ]
    );
    // Brackets inside strings and comments do not count.
    assert_eq!(
        chunks("a:\"(\"\nb:1 / (\nc:3"),
        vec![code("a:\"(\"", 1), code("b:1 / (", 2), code("c:3", 3)]
    );
}

#[test]
fn block_comments_and_end() {
    let src = "a:1\n/\nthis is ignored\n(((\n\\\nb:2\n\\\nignored:3\n";
    assert_eq!(chunks(src), vec![code("a:1", 1), code("b:2", 6)]);
    assert_eq!(
        chunks("a:1\r\n\\\\\r\nb:2"),
        vec![code("a:1", 1), sys("\\\\", 2), code("b:2", 3)]
    );
    assert_eq!(chunks("#!/usr/bin/env borf\na:1"), vec![code("a:1", 2)]);
    assert_eq!(chunks(""), vec![]);
    assert_eq!(chunks("\n\n  \n/x\n"), vec![]);
}

#[test]
fn chunks_parse() {
    let src = "f:{[a;b]\n  c:a+b;\n  c*2}\nr:f[1;2]\n";
    for c in chunks(src) {
        assert!(qparser::parse(&c.text).is_ok(), "{c:?}");
    }
}
