//! Terraform providers in the module registry.
//!
//! - [`release`]: a release's files as Terraform names them
//!   (`terraform-provider-TYPE_VERSION_OS_ARCH.zip`, `…_SHA256SUMS`,
//!   `…_SHA256SUMS.sig`), the `SHA256SUMS` document, and the `zh:` and
//!   `h1:` hashes lock files and network mirrors carry.
//! - [`signing`]: the OpenPGP keys a namespace's releases are signed with
//!   (RSA, v4, a signing primary and no subkeys: what Go's old
//!   `x/crypto/openpgp`, which Terraform verifies with, reads), detached
//!   binary signatures, and verification of an upstream's signature with
//!   its published keys (subkeys included, as HashiCorp signs).
//! - [`service`]: [`ProviderRegistry`], the private provider registry:
//!   publishing (the publisher's signature checked, or the registry's
//!   own), reads for the provider registry protocol, and the namespaces'
//!   signing keys (made on first use, sealed, rotated, revoked).
//!
//! ```
//! use registry_providers::release::{Platform, Sha256Sums, zip_name};
//! let zip = zip_name("null", "2.1.2", &Platform::new("linux", "amd64").unwrap());
//! let text = format!("{}  {zip}\n", "ab".repeat(32));
//! let sums = Sha256Sums::parse(&text).unwrap();
//! assert_eq!(sums.digest_of(&zip).unwrap().hex(), "ab".repeat(32));
//! assert_eq!(sums.to_text(), text);
//! ```

pub mod release;
pub mod service;
pub mod signing;

pub use service::{
    DEFAULT_PROTOCOLS, PlatformDownload, ProviderRegistry, ReleaseFile, ReleaseUpload, Revocation,
    UploadedFile, check_protocols,
};
