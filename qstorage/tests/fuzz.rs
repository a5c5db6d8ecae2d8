//! Fuzzing the column-file reader: valid column files (flat of every
//! width, nested, symbol lists) and a splayed table are mutated — bytes
//! flipped and replaced, files cut and grown, header fields (type, count,
//! attribute, version) set to extremes — and then mapped, read, listed and
//! opened as a table. Every case must give a value or an error naming the
//! file; nothing may panic or read outside the mapping.
//!
//! `FUZZ_CASES` sets the number of cases per property (default 500);
//! `scripts/fuzz` runs it for longer.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use qstorage::Mapped;
use qstorage::column::{Nested, read_syms, write_flat, write_nested, write_syms};
use qstorage::splay::{DOT_D, open_splay, table_count};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500)
}

fn scratch() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."));
    let p = root
        .join("target/storage_fuzz")
        .join(std::process::id().to_string());
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// Valid files to mutate, by name: (file name, bytes). Written once (the
/// writers fsync); cases then write their mutations plainly.
fn seeds() -> &'static [(String, Vec<u8>)] {
    static SEEDS: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| make_seeds(&scratch().join("seeds")))
}

fn make_seeds(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::create_dir_all(dir).unwrap();
    let longs: Vec<u8> = (0..40i64).flat_map(|x| x.to_le_bytes()).collect();
    let ints: Vec<u8> = (0..40i32).flat_map(|x| x.to_le_bytes()).collect();
    let bytes: Vec<u8> = (0..40u8).collect();
    let guids = vec![7u8; 16 * 5];
    let mut out = Vec::new();
    let mut put = |name: &str, write: &dyn Fn(&Path)| {
        let p = dir.join(format!("seed_{name}"));
        write(&p);
        out.push((name.to_string(), std::fs::read(&p).unwrap()));
    };
    put("a", &|p| write_flat(p, 7, 0, &longs).unwrap());
    put("b", &|p| write_flat(p, 6, 1, &ints).unwrap());
    put("c", &|p| write_flat(p, 4, 0, &bytes).unwrap());
    put("g", &|p| write_flat(p, 2, 0, &guids).unwrap());
    put("e", &|p| write_flat(p, 20, 0, &ints).unwrap());
    put("sym", &|p| write_syms(p, &["a", "bb", "", "dddd"]).unwrap());
    put("n", &|p| {
        write_nested(p, 10, &[b"ab", b"", b"cde"]).unwrap()
    });
    let data = dir.join("seed_n#");
    out.push(("n#".to_string(), std::fs::read(data).unwrap()));
    out
}

/// Applies mutations (kind, position, byte) to `b`.
fn mutate(b: &mut Vec<u8>, ops: &[(u8, usize, u8)]) {
    for &(kind, pos, byte) in ops {
        if b.is_empty() {
            b.push(byte);
            continue;
        }
        let p = pos % b.len();
        match kind % 6 {
            0 => b[p] = byte,
            1 => b[p] ^= 1 << (byte % 8),
            2 => b.truncate(p),
            3 => b.extend(std::iter::repeat_n(byte, p % 64)),
            // a header field (type 12, attribute 13, version 8, count
            // 16..24) set to an extreme
            4 => {
                let field = [8usize, 12, 13, 16][byte as usize % 4];
                if field < b.len() {
                    b[field] = [0u8, 1, 0x7f, 0x80, 0xff][p % 5];
                }
            }
            _ => {
                let v = [u64::MAX, 1 << 40, 0, 41, i64::MAX as u64][byte as usize % 5];
                if b.len() >= 24 {
                    b[16..24].copy_from_slice(&v.to_le_bytes());
                }
            }
        }
    }
}

/// Reads `path` every way the engine does.
fn read_all(path: &Path) {
    if let Ok(m) = Mapped::open(path) {
        let _ = m.items::<u8>();
        let _ = m.items::<i16>();
        let _ = m.items::<i32>();
        let _ = m
            .items::<i64>()
            .map(|x| x.iter().copied().fold(0i64, i64::wrapping_add));
        let _ = m.items::<f64>();
        let _ = m.items::<[u8; 16]>();
        let _ = m.names();
        let count = m.header.count;
        let _ = Nested::open_limit(path, m, count).map(|n| n.ranges());
    }
    let _ = Nested::open(path).map(|n| n.ranges());
    let _ = read_syms(path);
}

/// The files of a valid splayed table (`a` longs, `b` floats, `c` nested
/// chars, `.d`), written once.
fn table() -> &'static [(String, Vec<u8>)] {
    static TABLE: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let dir = scratch().join("table");
        std::fs::create_dir_all(&dir).unwrap();
        let longs: Vec<u8> = (0..10i64).flat_map(|x| x.to_le_bytes()).collect();
        write_flat(&dir.join("a"), 7, 0, &longs).unwrap();
        write_flat(&dir.join("b"), 9, 0, &longs).unwrap();
        write_nested(&dir.join("c"), 10, &[&b"x"[..]; 10]).unwrap();
        write_syms(&dir.join(DOT_D), &["a", "b", "c"]).unwrap();
        ["a", "b", "c", "c#", DOT_D]
            .iter()
            .map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap()))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// One mutated file, read as every kind of column.
    #[test]
    fn mutated_column_files_never_panic(
        seed in 0usize..16,
        ops in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 1..5),
    ) {
        let dir = scratch();
        let seeds = seeds();
        let (name, mut b) = seeds[seed % seeds.len()].clone();
        mutate(&mut b, &ops);
        let p = dir.join(format!("m_{name}"));
        std::fs::write(&p, &b).unwrap();
        read_all(&p);
        if name == "n" {
            // the mutated offsets file of the nested column, with its data
            let data = &seeds.iter().find(|s| s.0 == "n#").unwrap().1;
            std::fs::write(dir.join("m_n#"), data).unwrap();
            read_all(&p);
        }
    }

    /// A splayed table with one mutated column (or `.d`) maps or is an
    /// error; its count is never larger than a column it maps.
    #[test]
    fn mutated_splayed_tables_never_panic(
        which in 0usize..4,
        ops in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 1..5),
    ) {
        let dir = scratch().join("t");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, b) in table() {
            std::fs::write(dir.join(name), b).unwrap();
        }
        let target = dir.join(["a", "b", "c", DOT_D][which]);
        let mut b = std::fs::read(&target).unwrap();
        mutate(&mut b, &ops);
        std::fs::write(&target, &b).unwrap();
        if let Ok(t) = open_splay(&dir) {
            for c in &t.cols {
                if let qstorage::splay::ColMap::Flat(m) = c {
                    let n = m.items::<i64>().map(|x| x.len()).unwrap_or(usize::MAX);
                    prop_assert!(t.count as usize <= n);
                }
            }
        }
        let counts = [3u64, 3, 4];
        let names = ["a".to_string(), "b".to_string(), "c".to_string()];
        let _ = table_count(&dir, &names, &counts);
    }
}
