//! qstorage on its own: headers, mapping bounds, nested columns, splay
//! appends and the table count after a torn publish.

use std::borrow::Cow;
use std::path::PathBuf;

use qstorage::column::{Nested, write_flat};
use qstorage::splay::{ColData, append_splay, open_splay, write_splay};
use qstorage::{Header, Kind, Mapped};

fn scratch(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/qstorage_tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn longs(v: &[i64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

#[test]
fn header_round_trips_and_is_checked() {
    let h = Header::flat(7, 1, 42);
    let b = h.encode();
    assert_eq!(b.len(), 32);
    assert_eq!(Header::decode(&b, "x".as_ref()).unwrap(), h);
    let mut bad = b;
    bad[15] = 4;
    assert!(
        Header::decode(&bad, "x".as_ref())
            .unwrap_err()
            .msg
            .contains("width")
    );
    assert_eq!(
        Header::decode(&b[..31], "x".as_ref()).unwrap_err().msg,
        "truncated header"
    );
}

#[test]
fn mapping_is_bounded_by_the_file() {
    let d = scratch("bounds");
    let p = d.join("c");
    write_flat(&p, 7, 0, &longs(&[1, 2, 3])).unwrap();
    let m = Mapped::open(&p).unwrap();
    assert_eq!(m.items::<i64>().unwrap(), &[1, 2, 3]);
    assert!(
        m.items::<i32>().is_err(),
        "wrong width is an error, not a panic"
    );
    // count one past the data
    let mut b = std::fs::read(&p).unwrap();
    b[16..24].copy_from_slice(&5u64.to_le_bytes());
    std::fs::write(&p, &b).unwrap();
    assert_eq!(
        Mapped::open(&p).err().unwrap().msg,
        "count larger than file"
    );
}

#[test]
fn nested_columns_and_torn_appends() {
    let d = scratch("splay");
    let t = d.join("t");
    let rows: Vec<&[u8]> = vec![b"ab", b"", b"cde"];
    write_splay(
        &t,
        &[
            (
                "a".into(),
                ColData::Flat {
                    ty: 7,
                    attr: 0,
                    bytes: Cow::Owned(longs(&[1, 2, 3])),
                },
            ),
            (
                "s".into(),
                ColData::Nested {
                    ty: 10,
                    rows: rows.clone(),
                },
            ),
        ],
    )
    .unwrap();
    let sp = open_splay(&t).unwrap();
    assert_eq!(sp.count, 3);
    let n = append_splay(
        &t,
        &[
            (
                "a".into(),
                ColData::Flat {
                    ty: 7,
                    attr: 0,
                    bytes: Cow::Owned(longs(&[4])),
                },
            ),
            (
                "s".into(),
                ColData::Nested {
                    ty: 10,
                    rows: vec![b"xy"],
                },
            ),
        ],
    )
    .unwrap();
    assert_eq!(n, 4);
    let nested = Nested::open(&t.join("s")).unwrap();
    assert_eq!(nested.ranges(), vec![0..2, 2..2, 2..5, 5..7]);
    // A torn publish: column a says 6 rows (and has the data), s says 4.
    let pa = t.join("a");
    let mut b = std::fs::read(&pa).unwrap();
    b.truncate(32 + 4 * 8);
    b.extend(longs(&[9, 9]));
    b[16..24].copy_from_slice(&6u64.to_le_bytes());
    std::fs::write(&pa, &b).unwrap();
    // without the marker an append writes first, the counts are corruption
    let marker = t.join(qstorage::splay::APPENDING);
    let _ = std::fs::remove_file(&marker);
    let e = open_splay(&t)
        .err()
        .expect("counts that disagree are refused");
    assert!(e.to_string().contains("column has 6 rows"), "{e}");
    // with it (the append 4 -> 6 was publishing), the table is at 4
    let mut m = 4u64.to_le_bytes().to_vec();
    m.extend(6u64.to_le_bytes());
    std::fs::write(&marker, &m).unwrap();
    let sp = open_splay(&t).unwrap();
    assert_eq!(sp.count, 4, "table count is the smallest column count");
    assert!(matches!(sp.cols[1], qstorage::splay::ColMap::Nested(_)));
    assert_eq!(Mapped::open(&pa).unwrap().header.kind, Kind::Flat);
    // the next append overwrites the unpublished rows
    let n = append_splay(
        &t,
        &[
            (
                "a".into(),
                ColData::Flat {
                    ty: 7,
                    attr: 0,
                    bytes: Cow::Owned(longs(&[5])),
                },
            ),
            (
                "s".into(),
                ColData::Nested {
                    ty: 10,
                    rows: vec![b"z"],
                },
            ),
        ],
    )
    .unwrap();
    assert_eq!(n, 5);
    assert_eq!(
        Mapped::open(&pa).unwrap().items::<i64>().unwrap(),
        &[1, 2, 3, 4, 5]
    );
    // a type mismatch is refused before anything is written
    let e = append_splay(
        &t,
        &[
            (
                "a".into(),
                ColData::Flat {
                    ty: 9,
                    attr: 0,
                    bytes: Cow::Owned(longs(&[5])),
                },
            ),
            (
                "s".into(),
                ColData::Nested {
                    ty: 10,
                    rows: vec![b"z"],
                },
            ),
        ],
    )
    .unwrap_err();
    assert!(e.is_type);
}

fn idx(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// An enumerated column of a domain other than `sym` records the domain's
/// name after the header (version 2); its items stay aligned, appends go
/// past them, and rows of another domain are refused.
#[test]
fn enumerations_record_their_domain() {
    let d = scratch("domain");
    let t = d.join("t");
    let cols = vec![(
        "s".to_string(),
        ColData::Enum {
            domain: "mysym",
            attr: 0,
            bytes: Cow::Owned(idx(&[2, 0, 1])),
        },
    )];
    write_splay(&t, &cols).unwrap();
    let m = Mapped::open(&t.join("s")).unwrap();
    assert_eq!(m.domain(), Some("mysym"));
    assert_eq!(m.header.ty, 20);
    assert_eq!(m.header.data_offset(), 48);
    assert_eq!(m.items::<u32>().unwrap(), &[2, 0, 1]);
    let raw = std::fs::read(t.join("s")).unwrap();
    assert_eq!(&raw[8..12], &2u32.to_le_bytes(), "version 2");
    assert_eq!(&raw[32..38], b"mysym\0");
    // an append goes after the items, not over the name
    let more = vec![(
        "s".to_string(),
        ColData::Enum {
            domain: "mysym",
            attr: 0,
            bytes: Cow::Owned(idx(&[3])),
        },
    )];
    assert_eq!(append_splay(&t, &more).unwrap(), 4);
    let m = Mapped::open(&t.join("s")).unwrap();
    assert_eq!(m.items::<u32>().unwrap(), &[2, 0, 1, 3]);
    // rows of `sym` (or another domain) are a type error
    let sym = vec![(
        "s".to_string(),
        ColData::Flat {
            ty: 20,
            attr: 0,
            bytes: Cow::Owned(idx(&[0])),
        },
    )];
    let e = append_splay(&t, &sym).unwrap_err();
    assert!(e.is_type && e.msg.contains("`mysym"), "{}", e.msg);
    // `sym` itself needs no name: version 1, items right after the header
    qstorage::column::write_enum(&d.join("plain"), "sym", 0, &idx(&[1])).unwrap();
    let p = Mapped::open(&d.join("plain")).unwrap();
    assert_eq!((p.domain(), p.header.data_offset()), (None, 32));
    // a name that is no file of the database is refused, never written
    for bad in ["", ".d", "a/b", "x\0y"] {
        assert!(qstorage::column::write_enum(&d.join("bad"), bad, 0, &idx(&[1])).is_err());
    }
    // a corrupt block length or name is an error, not a panic
    let mut b = raw.clone();
    b[24..32].copy_from_slice(&24u64.to_le_bytes());
    std::fs::write(d.join("c1"), &b).unwrap();
    assert!(Mapped::open(&d.join("c1")).is_err());
    let mut b = raw.clone();
    b[32..38].copy_from_slice(b"../x\0\0");
    std::fs::write(d.join("c2"), &b).unwrap();
    assert!(Mapped::open(&d.join("c2")).is_err());
    let mut b = raw;
    b[24..32].copy_from_slice(&4096u64.to_le_bytes());
    std::fs::write(d.join("c3"), &b).unwrap();
    assert!(Mapped::open(&d.join("c3")).is_err());
}
