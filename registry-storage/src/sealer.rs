//! Sealing the secrets the registry keeps in its database (provider
//! signing keys) with a key that is not there: the envelope-encryption
//! master keys when they are configured, else a random key in a 0600 file
//! of the data directory (`secrets.key`), made on first use. A copy of the
//! database alone then gives away no private key.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use rand::RngCore as _;
use registry_core::{Error, Result, SecretSealer};

use crate::blob::{MasterKey, open_with, parse_keys, seal_with};

/// The key file's name in the data directory.
pub const SECRETS_KEY_FILE: &str = "secrets.key";

/// Seals with the master keys, or with the data directory's key file.
pub struct KeySealer {
    source: Source,
    keys: OnceLock<std::result::Result<Arc<Vec<MasterKey>>, String>>,
}

enum Source {
    Keys(Arc<Vec<MasterKey>>),
    File(PathBuf),
}

impl std::fmt::Debug for KeySealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            Source::Keys(k) => f
                .debug_struct("KeySealer")
                .field("master_keys", &k.len())
                .finish(),
            Source::File(p) => f.debug_struct("KeySealer").field("key_file", p).finish(),
        }
    }
}

impl KeySealer {
    /// Seal with `keys` (the first seals; any opens).
    pub fn with_master_keys(keys: Vec<MasterKey>) -> Self {
        KeySealer {
            source: Source::Keys(Arc::new(keys)),
            keys: OnceLock::new(),
        }
    }

    /// Seal with the key in `path`, made (mode 0600) when first needed.
    pub fn with_key_file(path: &Path) -> Self {
        KeySealer {
            source: Source::File(path.to_path_buf()),
            keys: OnceLock::new(),
        }
    }

    fn keys(&self) -> Result<Arc<Vec<MasterKey>>> {
        let loaded = self.keys.get_or_init(|| match &self.source {
            Source::Keys(k) => Ok(k.clone()),
            Source::File(p) => load_or_create(p)
                .map(Arc::new)
                .map_err(|e| e.message().to_string()),
        });
        loaded.clone().map_err(Error::invalid_input)
    }
}

impl SecretSealer for KeySealer {
    fn seal(&self, plain: &[u8]) -> Result<Vec<u8>> {
        seal_with(&self.keys()?, plain)
    }

    fn open(&self, sealed: &[u8]) -> Result<Vec<u8>> {
        open_with(&self.keys()?, sealed).map_err(|e| {
            let hint = match &self.source {
                Source::Keys(_) => "the configured encryption keys".to_string(),
                Source::File(p) => format!("the key file {}", p.display()),
            };
            Error::new(
                e.kind(),
                format!("a sealed secret does not open with {hint}: {}", e.message()),
            )
        })
    }
}

/// Read the key file, or make it: written under a temporary name (0600)
/// and linked into place unless another process got there first.
fn load_or_create(path: &Path) -> Result<Vec<MasterKey>> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_keys(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut raw = [0u8; 32];
            rand::rng().fill_bytes(&mut raw);
            let text = base64::engine::general_purpose::STANDARD.encode(raw);
            let dir = path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)?;
            let mut tmp = tempfile::Builder::new()
                .prefix(".secrets.key.")
                .tempfile_in(dir)?;
            {
                use std::io::Write;
                tmp.write_all(text.as_bytes())?;
                tmp.as_file().sync_all()?;
            }
            match std::fs::hard_link(tmp.path(), path) {
                Ok(()) => Ok(vec![MasterKey::new(&raw)?]),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    parse_keys(&std::fs::read_to_string(path)?)
                }
                Err(e) => Err(e.into()),
            }
        }
        Err(e) => Err(Error::invalid_input(format!(
            "cannot read the secrets key file {}: {e}",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_made_once_private_and_opens_what_it_sealed() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(SECRETS_KEY_FILE);
        let a = KeySealer::with_key_file(&p);
        let sealed = a.seal(b"private key").unwrap();
        assert!(!sealed.windows(11).any(|w| w == b"private key"));
        let b = KeySealer::with_key_file(&p);
        assert_eq!(b.open(&sealed).unwrap(), b"private key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let other = KeySealer::with_master_keys(vec![MasterKey::new(&[7u8; 32]).unwrap()]);
        let err = other.open(&sealed).unwrap_err();
        assert!(err.to_string().contains("encryption keys"), "{err}");
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(b.open(&tampered).is_err());
    }
}
