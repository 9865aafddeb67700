//! Short-lived signed grants for archive URLs.
//!
//! Terraform does not send its registry token when it fetches the archive URL
//! returned by `/download`, so when reads need authentication that URL
//! carries a grant: `?grant=<expiry>.<signature>`, an HMAC-SHA256 over the
//! path and the expiry with a key every server process shares.

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use registry_core::{Error, Result, constant_time_eq};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How long a grant stays valid by default.
pub const DEFAULT_GRANT_TTL: Duration = Duration::from_secs(300);

/// The shared key that signs and checks grants. `Debug` never shows it.
#[derive(Clone)]
pub struct GrantKey {
    key: Vec<u8>,
    ttl: Duration,
}

impl std::fmt::Debug for GrantKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrantKey")
            .field("key", &"***")
            .field("ttl", &self.ttl)
            .finish()
    }
}

impl GrantKey {
    /// A key from raw bytes (at least 32).
    pub fn new(key: Vec<u8>) -> Result<Self> {
        if key.len() < 32 {
            return Err(Error::invalid_input(
                "the grant key must be at least 32 bytes",
            ));
        }
        Ok(GrantKey {
            key,
            ttl: DEFAULT_GRANT_TTL,
        })
    }

    /// A key from text: base64 of at least 32 bytes, or any text of at least 32 characters.
    pub fn from_text(text: &str) -> Result<Self> {
        let t = text.trim();
        match base64::engine::general_purpose::STANDARD.decode(t) {
            Ok(bytes) if bytes.len() >= 32 => Self::new(bytes),
            _ => Self::new(t.as_bytes().to_vec()),
        }
    }

    /// Read a key file, or create one with a fresh random key (mode 0600) if
    /// it does not exist (the embedded default keeps it in the data directory).
    pub fn load_or_create(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_text(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                let text = base64::engine::general_purpose::STANDARD.encode(key);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                match opts.open(path) {
                    Ok(mut f) => {
                        use std::io::Write;
                        f.write_all(text.as_bytes())?;
                        f.sync_all()?;
                        Self::new(key.to_vec())
                    }
                    // Another process created it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::from_text(&std::fs::read_to_string(path)?)
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Change the lifetime of new grants.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    fn mac(&self, path: &str, expiry: i64) -> Vec<u8> {
        let mut m = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        m.update(path.as_bytes());
        m.update(b"\n");
        m.update(expiry.to_string().as_bytes());
        m.finalize().into_bytes().to_vec()
    }

    /// A grant for `path`, valid from `now` for the key's TTL.
    pub fn sign(&self, path: &str, now: chrono::DateTime<chrono::Utc>) -> String {
        let expiry = now.timestamp() + self.ttl.as_secs() as i64;
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.mac(path, expiry));
        format!("{expiry}.{sig}")
    }

    /// Whether `grant` is a valid, unexpired grant for `path`.
    pub fn verify(&self, path: &str, grant: &str, now: chrono::DateTime<chrono::Utc>) -> bool {
        let Some((exp, sig)) = grant.split_once('.') else {
            return false;
        };
        let Ok(expiry) = exp.parse::<i64>() else {
            return false;
        };
        if expiry < now.timestamp() {
            return false;
        }
        let Ok(sig) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig) else {
            return false;
        };
        constant_time_eq(&sig, &self.mac(path, expiry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_bind_path_and_expire() {
        let k = GrantKey::new(vec![1u8; 32]).unwrap();
        let now = chrono::Utc::now();
        let g = k.sign("/v1/modules/a/b/c/1.0.0/archive.tar.gz", now);
        assert!(k.verify("/v1/modules/a/b/c/1.0.0/archive.tar.gz", &g, now));
        assert!(!k.verify("/v1/modules/a/b/c/2.0.0/archive.tar.gz", &g, now));
        assert!(!k.verify(
            "/v1/modules/a/b/c/1.0.0/archive.tar.gz",
            &g,
            now + chrono::Duration::minutes(10)
        ));
        let other = GrantKey::new(vec![2u8; 32]).unwrap();
        assert!(!other.verify("/v1/modules/a/b/c/1.0.0/archive.tar.gz", &g, now));
        assert!(!k.verify("/x", "garbage", now));
        assert!(GrantKey::new(vec![0; 8]).is_err());
        assert!(!format!("{k:?}").contains("1, 1"));
    }

    #[test]
    fn key_file_is_created_once_and_reused() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("grant.key");
        let a = GrantKey::load_or_create(&p).unwrap();
        let b = GrantKey::load_or_create(&p).unwrap();
        let now = chrono::Utc::now();
        assert!(b.verify("/p", &a.sign("/p", now), now));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
