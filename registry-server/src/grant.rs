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
use registry_core::{Error, Result};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How long a grant stays valid by default.
pub const DEFAULT_GRANT_TTL: Duration = Duration::from_secs(300);

/// The shared key that signs and checks grants. `Debug` never shows it.
#[derive(Clone)]
pub struct GrantKey {
    key: SecretSlice<u8>,
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
            key: key.into(),
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
    ///
    /// Creation is atomic: the key is written and synced under a temporary
    /// name, then linked into place only if no other process got there
    /// first, so a process starting beside another never reads a key file
    /// that is still being written.
    pub fn load_or_create(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_text(&text),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                Err(Error::invalid_input(format!(
                    "grant key file {} is not text: it must hold the key as base64 (32 bytes or more, e.g. `openssl rand -base64 32`) or as a passphrase",
                    path.display()
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                let text = base64::engine::general_purpose::STANDARD.encode(key);
                let dir = path.parent().unwrap_or(Path::new("."));
                std::fs::create_dir_all(dir)?;
                let mut tmp = tempfile::Builder::new()
                    .prefix(".grant.key.")
                    .tempfile_in(dir)?;
                {
                    use std::io::Write;
                    tmp.write_all(text.as_bytes())?;
                    tmp.as_file().sync_all()?;
                }
                // tempfile creates the file 0600 on unix.
                match std::fs::hard_link(tmp.path(), path) {
                    Ok(()) => Self::new(key.to_vec()),
                    // Another process linked its key first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::from_text(&std::fs::read_to_string(path)?)
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Err(e) => Err(Error::invalid_input(format!(
                "cannot read grant key file {}: {e}",
                path.display()
            ))),
        }
    }

    /// Change the lifetime of new grants.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    fn mac(&self, path: &str, expiry: i64, holder: Option<&str>) -> HmacSha256 {
        let mut m = HmacSha256::new_from_slice(self.key.expose_secret())
            .expect("HMAC takes any key length");
        m.update(path.as_bytes());
        m.update(b"\n");
        m.update(expiry.to_string().as_bytes());
        if let Some(h) = holder {
            m.update(b"\n");
            m.update(h.as_bytes());
        }
        m
    }

    /// A grant for `path`, valid from `now` for the key's TTL.
    pub fn sign(&self, path: &str, now: chrono::DateTime<chrono::Utc>) -> String {
        self.sign_for(path, now, None)
    }

    /// A grant for `path` on behalf of the token `holder` (its id), which
    /// ends when that token does: `<expiry>.<holder>.<signature>`.
    pub fn sign_for(
        &self,
        path: &str,
        now: chrono::DateTime<chrono::Utc>,
        holder: Option<&str>,
    ) -> String {
        self.sign_for_ttl(path, now, holder, self.ttl)
    }

    /// As [`GrantKey::sign_for`], valid for `ttl` rather than the key's TTL
    /// (a sign-in at an OpenID provider takes longer than a download).
    pub fn sign_for_ttl(
        &self,
        path: &str,
        now: chrono::DateTime<chrono::Utc>,
        holder: Option<&str>,
        ttl: Duration,
    ) -> String {
        let expiry = now.timestamp() + ttl.as_secs() as i64;
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(self.mac(path, expiry, holder).finalize().into_bytes());
        match holder {
            Some(h) => format!("{expiry}.{h}.{sig}"),
            None => format!("{expiry}.{sig}"),
        }
    }

    /// Whether `grant` is a valid, unexpired grant for `path`.
    pub fn verify(&self, path: &str, grant: &str, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.verify_holder(path, grant, now).is_some()
    }

    /// The holder of a valid, unexpired grant for `path` (`Some(None)` for
    /// a grant without one); `None` when the grant is not valid.
    pub fn verify_holder(
        &self,
        path: &str,
        grant: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<Option<String>> {
        let mut parts = grant.split('.');
        let (exp, holder, sig) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(e), Some(s), None, None) => (e, None, s),
            (Some(e), Some(h), Some(s), None) if !h.is_empty() => (e, Some(h), s),
            _ => return None,
        };
        let expiry = exp.parse::<i64>().ok()?;
        if expiry < now.timestamp() {
            return None;
        }
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(sig)
            .ok()?;
        // The MAC's own constant-time check.
        self.mac(path, expiry, holder)
            .verify_slice(&sig)
            .ok()
            .map(|()| holder.map(str::to_string))
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
        let held = k.sign_for("/p", now, Some("abc123"));
        assert_eq!(
            k.verify_holder("/p", &held, now),
            Some(Some("abc123".into()))
        );
        let forged = held.replace("abc123", "abc124");
        assert_eq!(
            k.verify_holder("/p", &forged, now),
            None,
            "the holder is signed"
        );
        let unheld = held.replacen(".abc123", "", 1);
        assert_eq!(k.verify_holder("/p", &unheld, now), None);
        assert!(GrantKey::new(vec![0; 8]).is_err());
        assert!(!format!("{k:?}").contains("1, 1"));
    }

    #[test]
    fn processes_racing_to_create_the_key_all_get_the_same_one() {
        for _ in 0..20 {
            let d = tempfile::tempdir().unwrap();
            let p = d.path().join("grant.key");
            let keys: Vec<GrantKey> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|_| s.spawn(|| GrantKey::load_or_create(&p).unwrap()))
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let now = chrono::Utc::now();
            let g = keys[0].sign("/p", now);
            assert!(keys.iter().all(|k| k.verify("/p", &g, now)));
            let names: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
            assert_eq!(names.len(), 1, "no temporary files are left behind");
        }
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
