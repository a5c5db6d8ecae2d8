//! q's math keywords: arithmetic operators, aggregates, statistics,
//! moving-window and series functions, float functions, matrices.

pub mod agg;
pub mod arith;
pub mod float;
pub mod matrix;
pub mod moving;
pub mod series;
pub mod stats;
