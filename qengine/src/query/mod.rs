//! qSQL: the functional forms of `select exec update delete` and `fby`
//! (`qsql`), queries over partitioned databases (`partitioned`), and the
//! compiled-expression core that runs where clauses and grouped aggregates
//! in chunks (`kernel`), and where clauses on sorted columns taken as row
//! ranges (`range`).

pub mod blocks;
pub mod fby;
pub mod groupwise;
pub mod kernel;
pub mod partitioned;
pub mod qsql;
pub mod range;
