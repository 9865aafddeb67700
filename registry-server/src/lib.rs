//! registry-server (work in progress).
