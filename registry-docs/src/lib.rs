//! registry-docs (work in progress).
