//! The qSQL templates inside a statement: `select`, `exec`, `update`,
//! `delete` with their phrases (`[limit]`, `distinct`, columns, `by`,
//! `from`, `where`), each phrase a comma-separated list of statements.

use super::*;

/// True when the next token ends a statement inside a qSQL phrase with
/// these `stop` bits: a top-level `,` (not `,'` or another derived verb)
/// or one of the names `by`, `from`, `where`.
pub(super) fn phrase_end<'a>(inp: &mut InputRef<'a, '_, In<'a>, Ex<'a>>, stop: u8) -> bool {
    let Some(t) = inp.peek_ref() else {
        return false;
    };
    match &t.tok {
        Tok::Verb(v) if v == "," && stop & STOP_COMMA != 0 => {
            let cp = inp.save();
            inp.next_ref();
            let derived = matches!(
                inp.peek_ref(),
                Some(Token {
                    tok: Tok::Adverb(_),
                    ws_before: false,
                    ..
                })
            );
            inp.rewind(cp);
            !derived
        }
        Tok::Name(n) => {
            (n == "by" && stop & STOP_BY != 0)
                || (n == "from" && stop & STOP_FROM != 0)
                || (n == "where" && stop & STOP_WHERE != 0)
        }
        _ => false,
    }
}

/// True when the next token is the name `name`.
pub(super) fn peek_name<'a>(inp: &mut InputRef<'a, '_, In<'a>, Ex<'a>>, name: &str) -> bool {
    matches!(inp.peek_ref(), Some(Token { tok: Tok::Name(n), .. }) if n == name)
}

/// Phrase items (optional name, expression), their depth and end.
type Phrase = (Vec<(Option<String>, Expr)>, u32, usize);

/// A qSQL phrase: comma-separated items, each optionally named (`a:expr`
/// when `named`), read with `item` (a statement parser that stops at the
/// phrase's separators). Returns the items, their depth and end.
pub(super) fn phrase<'a>(
    inp: &mut InputRef<'a, '_, In<'a>, Ex<'a>>,
    item: &P<'a, (Expr, u32)>,
    named: bool,
    src_len: usize,
) -> Result<Phrase, QErr> {
    let mut out = Vec::new();
    let mut d = 1;
    let mut end = 0;
    loop {
        let at = inp.peek_ref().map_or(src_len..src_len, |t| t.span.clone());
        let mut name = None;
        if named {
            let cp = inp.save();
            let n = match (inp.next_ref(), inp.peek_ref()) {
                (
                    Some(Token {
                        tok: Tok::Name(n), ..
                    }),
                    Some(Token {
                        tok: Tok::Colon, ..
                    }),
                ) => Some(n.clone()),
                _ => None,
            };
            match n {
                Some(n) => {
                    inp.next_ref();
                    name = Some(n);
                }
                None => inp.rewind(cp),
            }
        }
        let (e, ed) = inp.parse(item)?;
        if e.kind == ExprKind::Elided {
            inp.emit(QErr::new("parse", "empty qSQL phrase item", at));
        }
        d = d.max(ed);
        end = end.max(e.span.end);
        out.push((name, e));
        match inp.peek_ref() {
            Some(Token {
                tok: Tok::Verb(v),
                span,
                ..
            }) if v == "," => {
                end = end.max(span.end);
                inp.next_ref();
            }
            _ => break,
        }
    }
    Ok((out, d, end))
}

/// A qSQL statement after its keyword (`kw` is the keyword's span):
/// `select[limit] [distinct] cols [by b] from t [where c]`, and likewise
/// `exec`, `update`, `delete`. It takes the rest of the statement.
pub(super) fn sql<'a>(
    inp: &mut InputRef<'a, '_, In<'a>, Ex<'a>>,
    kind: SqlKind,
    kw: Span,
    sub: &Sub<'a>,
    attached_args: &P<'a, (Vec<Expr>, u32, usize)>,
    src_len: usize,
) -> Result<Item, QErr> {
    let mut d = 1;
    let mut end = kw.end;
    let mut limit = None;
    let mut order = None;
    if kind == SqlKind::Select
        && matches!(
            inp.peek_ref(),
            Some(Token {
                tok: Tok::LBrack,
                ws_before: false,
                ..
            })
        )
    {
        let (xs, ad, e) = inp.parse(attached_args)?;
        d = d.max(ad);
        end = e;
        for x in xs {
            match &x.kind {
                ExprKind::Elided => {}
                ExprKind::Monadic(f, c) => match (&f.kind, &c.kind) {
                    (ExprKind::Verb(v), ExprKind::Name(n)) if v == "<" || v == ">" => {
                        order = Some((v == ">", n.clone()));
                    }
                    _ => limit = Some(x),
                },
                _ => limit = Some(x),
            }
        }
    }
    let distinct = matches!(kind, SqlKind::Select | SqlKind::Exec) && peek_name(inp, "distinct");
    if distinct {
        inp.next_ref();
    }
    let mut columns = Vec::new();
    if !peek_name(inp, "by") && !peek_name(inp, "from") {
        let (xs, cd, e) = phrase(inp, &sub.cols, true, src_len)?;
        columns = xs;
        d = d.max(cd);
        end = end.max(e);
    }
    let mut by = Vec::new();
    if peek_name(inp, "by") {
        inp.next_ref();
        let (xs, bd, e) = phrase(inp, &sub.by, true, src_len)?;
        by = xs;
        d = d.max(bd);
        end = end.max(e);
    }
    let at = inp.peek_ref().map_or(src_len..src_len, |t| t.span.clone());
    if peek_name(inp, "from") {
        inp.next_ref();
    } else {
        inp.emit(QErr::new(
            "parse",
            format!("`{}` without `from`", kind.keyword()),
            at.clone(),
        ));
    }
    let (from, fd) = inp.parse(&sub.from)?;
    if from.kind == ExprKind::Elided {
        inp.emit(QErr::new("parse", "`from` needs a table", at));
    }
    d = d.max(fd);
    end = end.max(from.span.end);
    let mut where_ = Vec::new();
    if peek_name(inp, "where") {
        inp.next_ref();
        let (xs, wd, e) = phrase(inp, &sub.where_, false, src_len)?;
        where_ = xs.into_iter().map(|x| x.1).collect();
        d = d.max(wd);
        end = end.max(e);
    }
    let q = SqlQuery {
        kind,
        distinct,
        limit,
        order,
        columns,
        by,
        from,
        where_,
    };
    Ok(Item::new(
        ExprKind::Sql(Box::new(q)),
        kw.start..end.max(kw.end),
        false,
        d + 2,
    ))
}

#[cfg(test)]
mod sql_tests {
    use crate::ast::*;
    use crate::parse;

    fn q(src: &str) -> SqlQuery {
        match parse(src).expect("parses").kind {
            ExprKind::Sql(q) => *q,
            other => panic!("not a query: {other:?}"),
        }
    }

    fn name(e: &Expr) -> &str {
        match &e.kind {
            ExprKind::Name(n) => n,
            other => panic!("not a name: {other:?}"),
        }
    }

    fn err(src: &str) -> String {
        parse(src).expect_err("fails").name
    }

    #[test]
    fn select_phrases() {
        let s = q("select a, b:sum c by d, e:5 xbar f from t where g>1, h<2");
        assert_eq!(s.kind, SqlKind::Select);
        assert_eq!(s.columns.len(), 2);
        assert_eq!(s.columns[0].0, None);
        assert_eq!(name(&s.columns[0].1), "a");
        assert_eq!(s.columns[1].0.as_deref(), Some("b"));
        assert!(matches!(s.columns[1].1.kind, ExprKind::Monadic(..)));
        assert_eq!(s.by.len(), 2);
        assert_eq!(s.by[1].0.as_deref(), Some("e"));
        assert!(matches!(s.by[1].1.kind, ExprKind::Dyadic(..)));
        assert_eq!(name(&s.from), "t");
        assert_eq!(s.where_.len(), 2);
        let s = q("select from t");
        assert!(s.columns.is_empty() && s.by.is_empty() && s.where_.is_empty());
        let s = q("select by a from t");
        assert_eq!(s.by.len(), 1);
    }

    #[test]
    fn commas_split_only_at_the_top() {
        let s = q("select (x,y), f[a,b], {x,y}[a;b] from t where a in (1,2)");
        assert_eq!(s.columns.len(), 3);
        assert_eq!(s.where_.len(), 1);
        // `,'` is a derived verb, not a separator
        assert_eq!(q("select x,'y from t").columns.len(), 1);
    }

    #[test]
    fn limits_and_distinct() {
        let s = q("select[2] from t");
        assert!(s.limit.is_some() && s.order.is_none());
        let s = q("select[>p] from t");
        assert!(s.limit.is_none());
        assert_eq!(s.order, Some((true, "p".to_string())));
        let s = q("select[2;<p] a from t");
        assert!(s.limit.is_some());
        assert_eq!(s.order, Some((false, "p".to_string())));
        assert!(q("select distinct a from t").distinct);
        assert!(q("select distinct from t").distinct);
    }

    #[test]
    fn other_templates() {
        assert_eq!(q("exec a from t").kind, SqlKind::Exec);
        let u = q("update a:1 from t where b");
        assert_eq!(u.kind, SqlKind::Update);
        assert_eq!(u.columns[0].0.as_deref(), Some("a"));
        let d = q("delete from t where a=1");
        assert!(d.columns.is_empty() && d.where_.len() == 1);
        assert_eq!(q("delete a,b from t").columns.len(), 2);
    }

    #[test]
    fn from_takes_an_expression_and_nests() {
        let s = q("select a from t,u where b");
        assert!(matches!(s.from.kind, ExprKind::Dyadic(..)));
        let s = q("select a from select from t where b>1");
        assert!(s.where_.is_empty());
        assert!(matches!(&s.from.kind, ExprKind::Sql(i) if i.where_.len() == 1));
        // a query inside another statement takes the rest of it
        match parse("x:count select from t where a;1")
            .expect("parses")
            .kind
        {
            ExprKind::Block(v) => assert_eq!(v.len(), 2),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("f[select from t;2]").expect("parses").kind,
            ExprKind::Call(_, ref a) if a.len() == 2
        ));
    }

    #[test]
    fn errors() {
        assert_eq!(err("select a"), "parse");
        assert_eq!(err("select from"), "parse");
        assert_eq!(err("select from t where"), "parse");
        assert_eq!(err("select a, from t"), "parse");
    }
}
