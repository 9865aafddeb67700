//! Provider releases, their platforms and the namespaces' signing keys in
//! the metadata database. A release and its platforms are written in one
//! transaction, so a failed publish leaves no row behind.

use async_trait::async_trait;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use registry_core::{
    Error, ErrorKind, ProviderAddress, ProviderKey, ProviderKeyOrigin, ProviderPlatform,
    ProviderRelease, ProviderSignature, ProviderStore, Result, Sha256Digest, Version,
};

use super::SqlMetadataStore;
use super::engine::{Row, Sql};

const RELEASE_COLUMNS: &str = "id, host, namespace, provider_type, version, protocols, shasums, \
     signature, key_id, signed_by_registry, published_at, origin";

const PLATFORM_COLUMNS: &str = "os, arch, filename, sha256, size, h1, source_url";

const KEY_COLUMNS: &str =
    "namespace, key_id, public_key, origin, sealed_secret, created_at, revoked_at";

/// This registry's own providers are stored with the empty host.
fn host_key(address: &ProviderAddress) -> String {
    address.host().unwrap_or_default().to_string()
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn corrupt(what: &str) -> Error {
    Error::new(
        ErrorKind::Backend,
        format!("a stored provider row has a malformed {what}"),
    )
}

/// A release row, without its platforms; and its row id.
fn decode_release(row: &Row) -> Result<(i64, ProviderRelease)> {
    let host: String = row.get(1)?;
    let namespace: String = row.get(2)?;
    let provider_type: String = row.get(3)?;
    let mut address = ProviderAddress::new(&namespace, &provider_type)?;
    if !host.is_empty() {
        address = address.with_host(&host)?;
    }
    let version: String = row.get(4)?;
    let protocols: String = row.get(5)?;
    let shasums: Option<String> = row.get(6)?;
    let signature: Option<String> = row.get(7)?;
    let key_id: Option<String> = row.get(8)?;
    let signature = match (shasums, signature, key_id) {
        (Some(shasums), Some(sig), Some(key_id)) => Some(ProviderSignature {
            shasums,
            signature: b64().decode(sig).map_err(|_| corrupt("signature"))?,
            key_id,
            by_registry: row.get(9)?,
        }),
        _ => None,
    };
    Ok((
        row.get(0)?,
        ProviderRelease {
            address,
            version: Version::parse(&version).map_err(|_| corrupt("version"))?,
            protocols: protocols
                .split(',')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
            platforms: Vec::new(),
            signature,
            published_at: row.get(10)?,
            origin: row.get(11)?,
        },
    ))
}

fn decode_platform(row: &Row) -> Result<ProviderPlatform> {
    let sha: String = row.get(3)?;
    let size: Option<i64> = row.get(4)?;
    Ok(ProviderPlatform {
        os: row.get(0)?,
        arch: row.get(1)?,
        filename: row.get(2)?,
        sha256: sha.parse::<Sha256Digest>().map_err(|_| corrupt("sha256"))?,
        size: size.map(|s| s as u64),
        h1: row.get(5)?,
        source_url: row.get(6)?,
    })
}

fn decode_key(row: &Row) -> Result<ProviderKey> {
    let origin: String = row.get(3)?;
    let sealed: Option<String> = row.get(4)?;
    Ok(ProviderKey {
        namespace: row.get(0)?,
        key_id: row.get(1)?,
        public_key: row.get(2)?,
        origin: ProviderKeyOrigin::parse(&origin)?,
        sealed_secret: sealed
            .map(|s| b64().decode(s).map_err(|_| corrupt("sealed key")))
            .transpose()?,
        created_at: row.get(5)?,
        revoked_at: row.get(6)?,
    })
}

impl SqlMetadataStore {
    async fn platforms_of(&self, release_id: i64) -> Result<Vec<ProviderPlatform>> {
        let q = Sql::new(
            "read provider platforms",
            format!(
                "SELECT {PLATFORM_COLUMNS} FROM provider_platforms WHERE release_id = $1 \
                 ORDER BY os, arch"
            ),
        )
        .bind(release_id);
        self.pool
            .fetch_all(&q)
            .await?
            .iter()
            .map(decode_platform)
            .collect()
    }

    async fn with_platforms(&self, row: &Row) -> Result<ProviderRelease> {
        let (id, mut release) = decode_release(row)?;
        release.platforms = self.platforms_of(id).await?;
        Ok(release)
    }

    async fn release_id(&self, address: &ProviderAddress, version: &Version) -> Result<i64> {
        let q = Sql::new(
            "find provider release",
            "SELECT id FROM provider_releases WHERE host = $1 AND namespace = $2 \
             AND provider_type = $3 AND version = $4",
        )
        .bind(host_key(address))
        .bind(address.namespace())
        .bind(address.provider_type())
        .bind(version.as_str());
        match self.pool.fetch_optional(&q).await? {
            Some(row) => row.get(0),
            None => Err(Error::not_found(format!(
                "provider {address} has no version {version}"
            ))),
        }
    }
}

fn platform_insert(release_id: i64, p: &ProviderPlatform) -> Sql {
    Sql::new(
        "insert provider platform",
        "INSERT INTO provider_platforms (release_id, os, arch, filename, sha256, size, h1, source_url) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(release_id)
    .bind(&p.os)
    .bind(&p.arch)
    .bind(&p.filename)
    .bind(p.sha256.hex())
    .bind(p.size.map(|s| s as i64))
    .bind(&p.h1)
    .bind(&p.source_url)
}

/// The insert of a release row, answering its id (none when the version
/// is taken).
fn release_insert(release: &ProviderRelease) -> Sql {
    let address = &release.address;
    let sig = release.signature.as_ref();
    Sql::new(
        "insert provider release",
        "INSERT INTO provider_releases (host, namespace, provider_type, version, protocols, \
         shasums, signature, key_id, signed_by_registry, published_at, origin) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (host, namespace, provider_type, version) DO NOTHING RETURNING id",
    )
    .bind(host_key(address))
    .bind(address.namespace())
    .bind(address.provider_type())
    .bind(release.version.as_str())
    .bind(release.protocols.join(","))
    .bind(sig.map(|s| s.shasums.clone()))
    .bind(sig.map(|s| b64().encode(&s.signature)))
    .bind(sig.map(|s| s.key_id.clone()))
    .bind(sig.is_some_and(|s| s.by_registry))
    .bind(release.published_at)
    .bind(&release.origin)
}

#[async_trait]
impl ProviderStore for SqlMetadataStore {
    async fn insert_release(&self, release: &ProviderRelease) -> Result<()> {
        let address = &release.address;
        let insert = release_insert(release);
        let mut tx = self.pool.begin_write().await?;
        let Some(row) = tx.fetch_optional(&insert).await? else {
            return Err(Error::new(
                ErrorKind::AlreadyExists,
                format!(
                    "provider {address} version {} exists; a release is never replaced (publish a new version)",
                    release.version
                ),
            ));
        };
        let id: i64 = row.get(0)?;
        for p in &release.platforms {
            tx.execute(&platform_insert(id, p)).await?;
        }
        tx.commit().await
    }

    async fn replace_withdrawn_release(
        &self,
        release: &ProviderRelease,
        withdrawn_key: &str,
    ) -> Result<()> {
        let address = &release.address;
        let mut tx = self.pool.begin_write().await?;
        let old = tx
            .fetch_optional(
                &Sql::new(
                    "find withdrawn provider release",
                    "SELECT id FROM provider_releases WHERE host = $1 AND namespace = $2 \
                     AND provider_type = $3 AND version = $4 AND key_id = $5 \
                     AND signed_by_registry = FALSE",
                )
                .bind(host_key(address))
                .bind(address.namespace())
                .bind(address.provider_type())
                .bind(release.version.as_str())
                .bind(withdrawn_key),
            )
            .await?;
        let Some(old) = old else {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "provider {address} version {} is not the withdrawn release signed with key {withdrawn_key}",
                    release.version
                ),
            ));
        };
        let old_id: i64 = old.get(0)?;
        tx.execute(
            &Sql::new(
                "remove withdrawn provider platforms",
                "DELETE FROM provider_platforms WHERE release_id = $1",
            )
            .bind(old_id),
        )
        .await?;
        tx.execute(
            &Sql::new(
                "remove withdrawn provider release",
                "DELETE FROM provider_releases WHERE id = $1",
            )
            .bind(old_id),
        )
        .await?;
        let Some(row) = tx.fetch_optional(&release_insert(release)).await? else {
            return Err(Error::new(
                ErrorKind::Conflict,
                "the release changed meanwhile",
            ));
        };
        let id: i64 = row.get(0)?;
        for p in &release.platforms {
            tx.execute(&platform_insert(id, p)).await?;
        }
        tx.commit().await
    }

    async fn release(
        &self,
        address: &ProviderAddress,
        version: &Version,
    ) -> Result<Option<ProviderRelease>> {
        let q = Sql::new(
            "read provider release",
            format!(
                "SELECT {RELEASE_COLUMNS} FROM provider_releases WHERE host = $1 AND namespace = $2 \
                 AND provider_type = $3 AND version = $4"
            ),
        )
        .bind(host_key(address))
        .bind(address.namespace())
        .bind(address.provider_type())
        .bind(version.as_str());
        match self.pool.fetch_optional(&q).await? {
            Some(row) => Ok(Some(self.with_platforms(&row).await?)),
            None => Ok(None),
        }
    }

    async fn releases(&self, address: &ProviderAddress) -> Result<Vec<ProviderRelease>> {
        let q = Sql::new(
            "list provider releases",
            format!(
                "SELECT {RELEASE_COLUMNS} FROM provider_releases WHERE host = $1 AND namespace = $2 \
                 AND provider_type = $3"
            ),
        )
        .bind(host_key(address))
        .bind(address.namespace())
        .bind(address.provider_type());
        let mut out = Vec::new();
        for row in self.pool.fetch_all(&q).await? {
            out.push(self.with_platforms(&row).await?);
        }
        out.sort_by(|a, b| b.version.cmp(&a.version));
        Ok(out)
    }

    async fn providers(&self, host: Option<&str>) -> Result<Vec<ProviderAddress>> {
        let q = Sql::new(
            "list providers",
            "SELECT DISTINCT namespace, provider_type FROM provider_releases WHERE host = $1 \
             ORDER BY namespace, provider_type",
        )
        .bind(host.unwrap_or_default().to_ascii_lowercase());
        self.pool
            .fetch_all(&q)
            .await?
            .iter()
            .map(|row| {
                let ns: String = row.get(0)?;
                let ty: String = row.get(1)?;
                let a = ProviderAddress::new(&ns, &ty)?;
                match host {
                    Some(h) => a.with_host(h),
                    None => Ok(a),
                }
            })
            .collect()
    }

    async fn platform_stored(
        &self,
        address: &ProviderAddress,
        version: &Version,
        platform: &ProviderPlatform,
    ) -> Result<()> {
        let id = self.release_id(address, version).await?;
        let q = Sql::new(
            "record provider zip",
            "UPDATE provider_platforms SET size = $1, h1 = $2 \
             WHERE release_id = $3 AND os = $4 AND arch = $5 AND sha256 = $6",
        )
        .bind(platform.size.map(|s| s as i64))
        .bind(&platform.h1)
        .bind(id)
        .bind(&platform.os)
        .bind(&platform.arch)
        .bind(platform.sha256.hex());
        if self.pool.execute(&q).await? == 0 {
            return Err(Error::not_found(format!(
                "provider {address} {version} has no platform {}_{} with that sha256",
                platform.os, platform.arch
            )));
        }
        Ok(())
    }

    async fn replace_signature(
        &self,
        address: &ProviderAddress,
        version: &Version,
        signature: &ProviderSignature,
    ) -> Result<()> {
        let id = self.release_id(address, version).await?;
        let q = Sql::new(
            "re-sign provider release",
            "UPDATE provider_releases SET shasums = $1, signature = $2, key_id = $3, \
             signed_by_registry = $4 WHERE id = $5",
        )
        .bind(&signature.shasums)
        .bind(b64().encode(&signature.signature))
        .bind(&signature.key_id)
        .bind(signature.by_registry)
        .bind(id);
        self.pool.execute(&q).await.map(drop)
    }

    async fn add_provider_key(&self, key: &ProviderKey) -> Result<()> {
        let q = Sql::new(
            "add provider key",
            format!(
                "INSERT INTO provider_keys ({KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            ),
        )
        .bind(key.namespace.to_ascii_lowercase())
        .bind(&key.key_id)
        .bind(&key.public_key)
        .bind(key.origin.as_str())
        .bind(key.sealed_secret.as_ref().map(|s| b64().encode(s)))
        .bind(key.created_at)
        .bind(key.revoked_at);
        match self.pool.execute(&q).await {
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(Error::new(
                ErrorKind::AlreadyExists,
                format!(
                    "namespace {:?} already has provider key {}",
                    key.namespace, key.key_id
                ),
            )),
            done => done.map(drop),
        }
    }

    async fn provider_keys(&self, namespace: Option<&str>) -> Result<Vec<ProviderKey>> {
        let mut q = Sql::new(
            "list provider keys",
            format!("SELECT {KEY_COLUMNS} FROM provider_keys"),
        );
        if let Some(ns) = namespace {
            q.push(" WHERE namespace = ")
                .push_bind(ns.to_ascii_lowercase());
        }
        q.push(" ORDER BY namespace, created_at DESC, key_id");
        self.pool
            .fetch_all(&q)
            .await?
            .iter()
            .map(decode_key)
            .collect()
    }

    async fn revoke_provider_key(
        &self,
        namespace: &str,
        key_id: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let q = Sql::new(
            "revoke provider key",
            "UPDATE provider_keys SET revoked_at = $1 \
             WHERE namespace = $2 AND key_id = $3 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(namespace.to_ascii_lowercase())
        .bind(key_id.to_ascii_uppercase());
        if self.pool.execute(&q).await? == 0 {
            return Err(Error::not_found(format!(
                "namespace {namespace:?} has no active provider key {key_id}"
            )));
        }
        Ok(())
    }
}
