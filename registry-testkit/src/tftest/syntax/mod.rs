//! Syntax helpers below the evaluator: hcl-edit's parsers behind the
//! bracket pre-check ([`parse`]), a tolerant outline of an HCL
//! file's top-level blocks and a JSON parser that keeps byte ranges and
//! written order, for what hcl-edit and serde do not give (the block a
//! diagnostic is in, JSON expressions' source ranges).

pub mod json;
pub mod outline;
pub mod parse;

pub use outline::{OutlineBlock, outline};
