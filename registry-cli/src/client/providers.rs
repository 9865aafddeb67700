//! The provider registry, locally or through a server: one
//! [`ProviderClient`] trait with the same types on both sides, as
//! [`super::RegistryClient`] is for modules.

use std::path::PathBuf;

use async_trait::async_trait;
use registry_core::{ProviderAddress, Result, Version, spool_bytes};
use registry_providers::{ReleaseUpload, UploadedFile};
use registry_server::http::providers::MAX_PROVIDER_FILE_BYTES;
use registry_server::http::views::{
    ProviderKeyView, ProviderKeysView, ProviderReleaseView, RevocationView,
};

use super::{LocalRegistry, RemoteRegistry};

/// A release's files on disk, to publish.
#[derive(Debug, Clone)]
pub struct ReleaseFiles {
    /// The provider.
    pub address: ProviderAddress,
    /// The version.
    pub version: Version,
    /// Plugin protocols (empty: the default, `5.0`).
    pub protocols: Vec<String>,
    /// Each file's name and path.
    pub files: Vec<(String, PathBuf)>,
}

/// A provider registry a command acts on.
#[async_trait]
pub trait ProviderClient: Send + Sync {
    /// Publish a release.
    async fn publish(&self, release: ReleaseFiles) -> Result<ProviderReleaseView>;
    /// Keep a copy of another registry's release (`HOST/NS/TYPE`) from its zips.
    async fn import(
        &self,
        address: &ProviderAddress,
        version: &Version,
        zips: Vec<(String, PathBuf)>,
    ) -> Result<ProviderReleaseView>;
    /// A namespace's keys (every namespace's when `None`).
    async fn keys(&self, namespace: Option<&str>) -> Result<Vec<ProviderKeyView>>;
    /// Register a publisher's public key for a namespace.
    async fn register_key(&self, namespace: &str, armored: &str) -> Result<ProviderKeyView>;
    /// Make a new registry key for a namespace.
    async fn rotate_key(&self, namespace: &str) -> Result<ProviderKeyView>;
    /// Revoke a key.
    async fn revoke_key(&self, namespace: &str, key_id: &str) -> Result<RevocationView>;
}

fn read_file(path: &PathBuf) -> Result<bytes::Bytes> {
    std::fs::read(path).map(bytes::Bytes::from).map_err(|e| {
        registry_core::Error::invalid_input(format!("cannot read {}: {e}", path.display()))
    })
}

/// Files read for an in-process call.
fn spooled(files: &[(String, PathBuf)]) -> Result<Vec<UploadedFile>> {
    files
        .iter()
        .map(|(name, path)| {
            let body = spool_bytes(read_file(path)?, MAX_PROVIDER_FILE_BYTES)
                .map_err(|e| e.with_context("file", name.clone()))?;
            Ok(UploadedFile {
                name: name.clone(),
                body,
            })
        })
        .collect()
}

/// A multipart form with one part per file, streamed from disk.
async fn form_of(files: &[(String, PathBuf)]) -> Result<reqwest::multipart::Form> {
    let mut form = reqwest::multipart::Form::new();
    for (name, path) in files {
        let file = tokio::fs::File::open(path).await.map_err(|e| {
            registry_core::Error::invalid_input(format!("cannot read {}: {e}", path.display()))
        })?;
        let len = file.metadata().await?.len();
        let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
        let part = reqwest::multipart::Part::stream_with_length(body, len)
            .file_name(name.clone())
            .mime_str("application/octet-stream")
            .map_err(|e| registry_core::Error::invalid_input(e.to_string()))?;
        form = form.part(name.clone(), part);
    }
    Ok(form)
}

#[async_trait]
impl ProviderClient for LocalRegistry {
    async fn publish(&self, release: ReleaseFiles) -> Result<ProviderReleaseView> {
        let files = spooled(&release.files)?;
        let r = self
            .opened()
            .providers
            .publish(
                self.ctx(),
                ReleaseUpload {
                    address: release.address,
                    version: release.version,
                    protocols: release.protocols,
                    files,
                },
            )
            .await?;
        Ok(ProviderReleaseView::from(&r))
    }

    async fn import(
        &self,
        address: &ProviderAddress,
        version: &Version,
        zips: Vec<(String, PathBuf)>,
    ) -> Result<ProviderReleaseView> {
        let files = spooled(&zips)?;
        let r = self
            .opened()
            .providers
            .import_copy(self.ctx(), address, version, files)
            .await?;
        Ok(ProviderReleaseView::from(&r))
    }

    async fn keys(&self, namespace: Option<&str>) -> Result<Vec<ProviderKeyView>> {
        let keys = self.opened().providers.keys(self.ctx(), namespace).await?;
        Ok(keys.iter().map(ProviderKeyView::from).collect())
    }

    async fn register_key(&self, namespace: &str, armored: &str) -> Result<ProviderKeyView> {
        let k = self
            .opened()
            .providers
            .register_key(self.ctx(), namespace, armored)
            .await?;
        Ok(ProviderKeyView::from(&k))
    }

    async fn rotate_key(&self, namespace: &str) -> Result<ProviderKeyView> {
        let k = self
            .opened()
            .providers
            .rotate_key(self.ctx(), namespace)
            .await?;
        Ok(ProviderKeyView::from(&k))
    }

    async fn revoke_key(&self, namespace: &str, key_id: &str) -> Result<RevocationView> {
        let r = self
            .opened()
            .providers
            .revoke_key(self.ctx(), namespace, key_id)
            .await?;
        Ok(RevocationView {
            key_id: r.key_id,
            resigned: r.resigned,
            withdrawn: r.withdrawn,
        })
    }
}

#[async_trait]
impl ProviderClient for RemoteRegistry {
    async fn publish(&self, release: ReleaseFiles) -> Result<ProviderReleaseView> {
        let a = &release.address;
        let mut url = self.at(&format!(
            "/v1/providers/{}/{}/{}",
            a.namespace(),
            a.provider_type(),
            release.version
        ))?;
        if !release.protocols.is_empty() {
            url.query_pairs_mut()
                .append_pair("protocols", &release.protocols.join(","));
        }
        let form = form_of(&release.files).await?;
        self.json(self.http().post(url).multipart(form), "publish provider")
            .await
    }

    async fn import(
        &self,
        address: &ProviderAddress,
        version: &Version,
        zips: Vec<(String, PathBuf)>,
    ) -> Result<ProviderReleaseView> {
        let host = address.host().unwrap_or_default();
        let url = self.at(&format!(
            "/v1/mirror/providers/{host}/{}/{}/{version}",
            address.namespace(),
            address.provider_type()
        ))?;
        let form = form_of(&zips).await?;
        self.json(self.http().post(url).multipart(form), "import provider")
            .await
    }

    async fn keys(&self, namespace: Option<&str>) -> Result<Vec<ProviderKeyView>> {
        let mut url = self.at("/v1/provider-keys")?;
        if let Some(ns) = namespace {
            url.query_pairs_mut().append_pair("namespace", ns);
        }
        let view: ProviderKeysView = self
            .json(self.http().get(url), "list provider keys")
            .await?;
        Ok(view.keys)
    }

    async fn register_key(&self, namespace: &str, armored: &str) -> Result<ProviderKeyView> {
        registry_core::validate_namespace(namespace)?;
        let url = self.at(&format!("/v1/provider-keys/{namespace}"))?;
        let body = serde_json::json!({ "public_key": armored });
        self.json(self.http().post(url).json(&body), "register provider key")
            .await
    }

    async fn rotate_key(&self, namespace: &str) -> Result<ProviderKeyView> {
        registry_core::validate_namespace(namespace)?;
        let url = self.at(&format!("/v1/provider-keys/{namespace}/rotate"))?;
        self.json(self.http().post(url), "rotate provider key")
            .await
    }

    async fn revoke_key(&self, namespace: &str, key_id: &str) -> Result<RevocationView> {
        registry_core::validate_namespace(namespace)?;
        if key_id.is_empty() || !key_id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(registry_core::Error::invalid_input(format!(
                "key id {key_id:?} is not hex"
            )));
        }
        let url = self.at(&format!("/v1/provider-keys/{namespace}/{key_id}/revoke"))?;
        self.json(self.http().post(url), "revoke provider key")
            .await
    }
}
