//! Blob stores from URLs: `file:///path`, `memory://`, `s3://bucket/prefix`,
//! `az://container/prefix`, `gs://bucket/prefix`.
//!
//! Cloud builders read the usual environment variables (`AWS_*`, `AZURE_*`,
//! `GOOGLE_*`), including server-side encryption settings; query parameters on
//! the URL are passed to the builder as configuration keys
//! (`s3://b/p?endpoint=http://127.0.0.1:9000&allow_http=true&region=us-east-1`).

use std::fmt;
#[allow(unused_imports)]
use std::sync::Arc;

use object_store::path::Path;
use registry_core::{Error, Result};

use super::ObjectBlobStore;

/// A parsed blob URL. `Debug` and `Display` hide credentials and query values.
#[derive(Clone, PartialEq, Eq)]
pub struct BlobUrl {
    url: url::Url,
}

impl BlobUrl {
    /// Parse and check a blob URL.
    pub fn parse(s: &str) -> Result<Self> {
        let url = url::Url::parse(s).map_err(|e| {
            Error::invalid_input(format!("invalid blob URL {}: {e}", redact_str(s)))
        })?;
        match url.scheme() {
            "file" | "memory" | "s3" | "s3a" | "az" | "azure" | "abfs" | "abfss" | "gs" => {
                Ok(BlobUrl { url })
            }
            other => Err(Error::invalid_input(format!(
                "unsupported blob URL scheme {other:?}: use file://, memory://, s3://, az:// or gs://"
            ))),
        }
    }

    /// A `file://` URL for a local folder.
    pub fn for_dir(dir: &std::path::Path) -> Result<Self> {
        let abs = std::path::absolute(dir)?;
        let url = url::Url::from_directory_path(&abs).map_err(|_| {
            Error::invalid_input(format!("cannot make a file URL of {}", abs.display()))
        })?;
        Ok(BlobUrl { url })
    }

    /// The scheme.
    pub fn scheme(&self) -> &str {
        self.url.scheme()
    }

    /// The URL itself (may hold secrets; do not log).
    pub fn as_url(&self) -> &url::Url {
        &self.url
    }

    #[allow(dead_code)] // used by the cloud backends
    fn prefix(&self) -> Path {
        Path::from(self.url.path().trim_matches('/'))
    }

    #[allow(dead_code)] // used by the cloud backends
    fn options(&self) -> Vec<(String, String)> {
        self.url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[allow(dead_code)] // used by the cloud backends
    fn without_query(&self) -> String {
        let mut u = self.url.clone();
        u.set_query(None);
        u.to_string()
    }
}

fn redact_str(s: &str) -> String {
    match url::Url::parse(s) {
        Ok(u) => redact(&u),
        Err(_) => "<unparseable URL>".into(),
    }
}

fn redact(u: &url::Url) -> String {
    let mut u = u.clone();
    if !u.username().is_empty() {
        let _ = u.set_username("***");
    }
    if u.password().is_some() {
        let _ = u.set_password(Some("***"));
    }
    if u.query().is_some() {
        let keys: Vec<String> = u.query_pairs().map(|(k, _)| format!("{k}=***")).collect();
        u.set_query(Some(&keys.join("&")));
    }
    u.to_string()
}

impl fmt::Display for BlobUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.url))
    }
}

impl fmt::Debug for BlobUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobUrl({self})")
    }
}

#[allow(unused_macros)]
macro_rules! with_options {
    ($builder:expr, $key:ty, $opts:expr) => {{
        let mut b = $builder;
        for (k, v) in $opts {
            let key: $key = k.parse().map_err(|e| {
                Error::invalid_input(format!("unknown blob URL option {k:?}")).with_source(e)
            })?;
            b = b.with_config(key, v);
        }
        b
    }};
}

/// Open the blob store a URL names. Local folders are created if missing.
pub async fn open_blob_url(url: &BlobUrl) -> Result<ObjectBlobStore> {
    #[allow(unused)]
    let backend_err = |b: &'static str| {
        move |e: object_store::Error| crate::error::from_object_store(b, "configure", e)
    };
    match url.scheme() {
        #[cfg(feature = "fs")]
        "file" => {
            let dir = url
                .url
                .to_file_path()
                .map_err(|_| Error::invalid_input(format!("invalid file URL {url}")))?;
            crate::private_dir::create_private_dir(&dir).await?;
            let fs = object_store::local::LocalFileSystem::new_with_prefix(&dir)
                .map_err(backend_err("fs"))?;
            Ok(ObjectBlobStore::new(Arc::new(fs), Path::default(), "fs"))
        }
        #[cfg(feature = "memory")]
        "memory" => Ok(ObjectBlobStore::new(
            Arc::new(object_store::memory::InMemory::new()),
            url.prefix(),
            "memory",
        )),
        #[cfg(feature = "s3")]
        "s3" | "s3a" => {
            let b = object_store::aws::AmazonS3Builder::from_env()
                .with_url(url.without_query())
                .with_retry(bounded_retries());
            let b = with_options!(b, object_store::aws::AmazonS3ConfigKey, url.options());
            let s3 = b.build().map_err(backend_err("s3"))?;
            Ok(ObjectBlobStore::new(Arc::new(s3), url.prefix(), "s3"))
        }
        #[cfg(feature = "azure")]
        "az" | "azure" | "abfs" | "abfss" => {
            let b = object_store::azure::MicrosoftAzureBuilder::from_env()
                .with_url(url.without_query())
                .with_retry(bounded_retries());
            let b = with_options!(b, object_store::azure::AzureConfigKey, url.options());
            let az = b.build().map_err(backend_err("azure"))?;
            Ok(ObjectBlobStore::new(Arc::new(az), url.prefix(), "azure"))
        }
        #[cfg(feature = "gcs")]
        "gs" => {
            let b = object_store::gcp::GoogleCloudStorageBuilder::from_env()
                .with_url(url.without_query())
                .with_retry(bounded_retries());
            let b = with_options!(b, object_store::gcp::GoogleConfigKey, url.options());
            let gcs = b.build().map_err(backend_err("gcs"))?;
            Ok(ObjectBlobStore::new(Arc::new(gcs), url.prefix(), "gcs"))
        }
        #[cfg(not(feature = "fs"))]
        "file" => Err(super::feature_off("file", "fs")),
        #[cfg(not(feature = "memory"))]
        "memory" => Err(super::feature_off("memory", "memory")),
        #[cfg(not(feature = "s3"))]
        "s3" | "s3a" => Err(super::feature_off("s3", "s3")),
        #[cfg(not(feature = "gcs"))]
        "gs" => Err(super::feature_off("gs", "gcs")),
        #[cfg(not(feature = "azure"))]
        "az" | "azure" | "abfs" | "abfss" => Err(super::feature_off("az", "azure")),
        other => Err(Error::invalid_input(format!(
            "unsupported blob URL scheme {other:?}"
        ))),
    }
}

/// Retries of a cloud store's requests, bounded so that an outage is
/// answered (503) in seconds, not after object_store's default three
/// minutes of backing off. Its requests are idempotent, so retrying is safe.
/// (Connections and requests keep object_store's own timeouts, 5 s and
/// 30 s, and the URL's `connect_timeout` / `timeout` options.)
#[cfg(any(feature = "s3", feature = "azure", feature = "gcs"))]
fn bounded_retries() -> object_store::RetryConfig {
    object_store::RetryConfig {
        max_retries: 2,
        retry_timeout: std::time::Duration::from_secs(10),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_debug_hide_secrets() {
        let u =
            BlobUrl::parse("s3://AKIA:supersecret@bucket/prefix?token=abc123&region=x").unwrap();
        let shown = format!("{u} {u:?}");
        assert!(!shown.contains("supersecret"), "{shown}");
        assert!(!shown.contains("abc123"), "{shown}");
        assert!(!shown.contains("AKIA"), "{shown}");
        assert!(shown.contains("bucket"));
    }

    #[test]
    fn unknown_schemes_are_refused_by_name() {
        let e = BlobUrl::parse("ftp://x/y").unwrap_err();
        assert!(e.to_string().contains("ftp"), "{e}");
    }
}
