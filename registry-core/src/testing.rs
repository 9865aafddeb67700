//! Helpers for tests and examples: build `.tar.gz` and `.zip` archives in
//! memory, including malformed ones that a registry must refuse.

use std::io::Write;

/// Builds a `.tar.gz` archive entry by entry. Entry names are written into
/// the header as given (no sanitising), so hostile archives can be made too.
pub struct TarBuilder {
    builder: tar::Builder<Vec<u8>>,
}

impl Default for TarBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for TarBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TarBuilder")
    }
}

fn header(name: &str, kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_mtime(0);
    let bytes = name.as_bytes();
    assert!(
        bytes.len() < 100,
        "TarBuilder names must be under 100 bytes"
    );
    let field = &mut h.as_old_mut().name;
    field.fill(0);
    field[..bytes.len()].copy_from_slice(bytes);
    h.set_cksum();
    h
}

impl TarBuilder {
    /// An empty archive.
    pub fn new() -> Self {
        TarBuilder {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    /// A regular file.
    pub fn file(self, name: &str, contents: impl AsRef<[u8]>) -> Self {
        self.raw_file(name, contents.as_ref())
    }

    /// A regular file with the name written verbatim (may be hostile).
    pub fn raw_file(mut self, name: &str, contents: &[u8]) -> Self {
        let h = header(name, tar::EntryType::Regular, contents.len() as u64, 0o644);
        self.builder.append(&h, contents).expect("append");
        self
    }

    /// A folder entry.
    pub fn dir(mut self, name: &str) -> Self {
        let h = header(name, tar::EntryType::Directory, 0, 0o755);
        self.builder.append(&h, std::io::empty()).expect("append");
        self
    }

    /// A symbolic link.
    pub fn symlink(mut self, name: &str, target: &str) -> Self {
        let mut h = header(name, tar::EntryType::Symlink, 0, 0o777);
        h.set_link_name(target).expect("link name");
        h.set_cksum();
        self.builder.append(&h, std::io::empty()).expect("append");
        self
    }

    /// A hard link.
    pub fn hardlink(mut self, name: &str, target: &str) -> Self {
        let mut h = header(name, tar::EntryType::Link, 0, 0o644);
        h.set_link_name(target).expect("link name");
        h.set_cksum();
        self.builder.append(&h, std::io::empty()).expect("append");
        self
    }

    /// A fifo.
    pub fn fifo(mut self, name: &str) -> Self {
        let h = header(name, tar::EntryType::Fifo, 0, 0o644);
        self.builder.append(&h, std::io::empty()).expect("append");
        self
    }

    /// The gzip-compressed archive.
    pub fn finish(self) -> Vec<u8> {
        let tar = self.builder.into_inner().expect("finish tar");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).expect("gzip");
        gz.finish().expect("gzip")
    }
}

/// A `.zip` archive of the given files (names written as given).
pub fn zip_archive(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, contents) in files {
        w.start_file(*name, opts).expect("zip entry");
        w.write_all(contents).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

/// A small valid module as a `.tar.gz`: one variable, one output, optional extra files.
pub fn simple_module(extra: &[(&str, &str)]) -> Vec<u8> {
    let mut b = TarBuilder::new()
        .file(
            "main.tf",
            "variable \"name\" {\n  type        = string\n  description = \"A name.\"\n}\n\noutput \"greeting\" {\n  value       = \"hello ${var.name}\"\n  description = \"A greeting.\"\n}\n",
        )
        .file("README.md", "# Example\n\nA tiny example module.\n");
    for (name, contents) in extra {
        b = b.file(name, contents);
    }
    b.finish()
}
