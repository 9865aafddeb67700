//! registry-storage (work in progress).
