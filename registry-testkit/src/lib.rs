//! registry-testkit (work in progress).
