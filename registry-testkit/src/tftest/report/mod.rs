//! Reports of a test run: the terminal text, Terraform's JSON stream and
//! JUnit XML, GitHub annotations and a Markdown summary.

mod ci;
mod core;
pub mod diagnostic;
mod human;
mod json;
mod junit;

pub use ci::{github_annotations, markdown};
pub use core::{core_junit, core_text};
pub use human::{HumanOptions, Stream, combined, conclusion, human, notes};
pub use json::{TERRAFORM_VERSION, json_stream};
pub use junit::junit_xml;
