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

/// Seals with the master keys, or with the data directory's key file;
/// opens with either (so turning master keys on later still opens what the
/// key file sealed).
pub struct KeySealer {
    master: Option<Arc<Vec<MasterKey>>>,
    file: PathBuf,
    /// The key file's keys once read or made (a failure is not kept: the
    /// next call tries again).
    file_keys: OnceLock<Arc<Vec<MasterKey>>>,
}

impl std::fmt::Debug for KeySealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySealer")
            .field("master_keys", &self.master.as_ref().map(|k| k.len()))
            .field("key_file", &self.file)
            .finish()
    }
}

impl KeySealer {
    /// Seal with `keys` (the first seals; any opens), opening with the key
    /// file at `fallback` too when it exists.
    pub fn with_master_keys(keys: Vec<MasterKey>, fallback: &Path) -> Self {
        KeySealer {
            master: Some(Arc::new(keys)),
            file: fallback.to_path_buf(),
            file_keys: OnceLock::new(),
        }
    }

    /// Seal with the key in `path`, made (mode 0600) when first needed.
    pub fn with_key_file(path: &Path) -> Self {
        KeySealer {
            master: None,
            file: path.to_path_buf(),
            file_keys: OnceLock::new(),
        }
    }

    /// The key file's keys, made when `create` and there is none.
    fn file_keys(&self, create: bool) -> Result<Option<Arc<Vec<MasterKey>>>> {
        if let Some(k) = self.file_keys.get() {
            return Ok(Some(k.clone()));
        }
        if !create && !self.file.exists() {
            return Ok(None);
        }
        let keys = Arc::new(load_or_create(&self.file)?);
        Ok(Some(self.file_keys.get_or_init(|| keys).clone()))
    }
}

impl SecretSealer for KeySealer {
    fn seal(&self, plain: &[u8]) -> Result<Vec<u8>> {
        match &self.master {
            Some(keys) => seal_with(keys, plain),
            None => {
                let keys = self.file_keys(true)?.expect("made when missing");
                seal_with(&keys, plain)
            }
        }
    }

    fn open(&self, sealed: &[u8]) -> Result<Vec<u8>> {
        let mut last = None;
        if let Some(keys) = &self.master {
            match open_with(keys, sealed) {
                Ok(plain) => return Ok(plain),
                Err(e) => last = Some(e),
            }
        }
        if let Some(keys) = self.file_keys(false)? {
            match open_with(&keys, sealed) {
                Ok(plain) => return Ok(plain),
                Err(e) => last = Some(e),
            }
        }
        let tried = match (&self.master, self.file.exists()) {
            (Some(_), true) => format!(
                "the configured encryption keys or the key file {}",
                self.file.display()
            ),
            (Some(_), false) => "the configured encryption keys".to_string(),
            (None, _) => format!("the key file {}", self.file.display()),
        };
        let why = last.map(|e| e.message().to_string()).unwrap_or_default();
        Err(Error::new(
            registry_core::ErrorKind::Integrity,
            format!(
                "a sealed secret does not open with {tried}: {why}. Every server process of one registry must seal with the same key: give them all the same REGISTRY_ENCRYPTION_KEYS, or the same secrets.key"
            ),
        ))
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
        let elsewhere = d.path().join("none").join(SECRETS_KEY_FILE);
        let other =
            KeySealer::with_master_keys(vec![MasterKey::new(&[7u8; 32]).unwrap()], &elsewhere);
        let err = other.open(&sealed).unwrap_err();
        assert!(err.to_string().contains("same key"), "{err}");
        assert!(!elsewhere.exists(), "opening never makes a key file");
        // Master keys turned on later still open what the key file sealed.
        let switched = KeySealer::with_master_keys(vec![MasterKey::new(&[7u8; 32]).unwrap()], &p);
        assert_eq!(switched.open(&sealed).unwrap(), b"private key");
        let resealed = switched.seal(b"next").unwrap();
        assert_eq!(other.open(&resealed).unwrap(), b"next");
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(b.open(&tampered).is_err());
    }
}
