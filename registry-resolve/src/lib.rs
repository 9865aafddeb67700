//! registry-resolve (work in progress).
