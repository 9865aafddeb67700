//! Followed repositories, the tags published from them and their sync
//! leases, and trusted publisher policies, in the metadata database.

use async_trait::async_trait;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use registry_core::{
    Error, ErrorKind, FollowedRepository, ModuleAddress, RepositoryRelease, RepositorySpec,
    RepositoryStatus, RepositoryStore, Result, TagPattern, TrustedPublisher, TrustedPublisherStore,
};

use super::SqlMetadataStore;
use super::engine::{Row, Sql};

const REPOSITORY_COLUMNS: &str = "module, remote, path, tag_pattern, created_at, status";

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn corrupt(what: &str) -> Error {
    Error::new(
        ErrorKind::Backend,
        format!("a stored repository row has a malformed {what}"),
    )
}

fn decode_repository(row: &Row) -> Result<FollowedRepository> {
    let module: String = row.get(0)?;
    let pattern: String = row.get(3)?;
    let status: String = row.get(5)?;
    Ok(FollowedRepository {
        spec: RepositorySpec {
            address: module
                .parse::<ModuleAddress>()
                .map_err(|_| corrupt("module address"))?,
            remote: row.get(1)?,
            path: row.get(2)?,
            tag_pattern: TagPattern::parse(&pattern).map_err(|_| corrupt("tag pattern"))?,
        },
        created_at: row.get(4)?,
        status: serde_json::from_str(&status).map_err(|_| corrupt("status"))?,
    })
}

fn encode_status(status: &RepositoryStatus) -> Result<String> {
    serde_json::to_string(status)
        .map_err(|e| Error::new(ErrorKind::Backend, format!("status not encodable: {e}")))
}

#[async_trait]
impl RepositoryStore for SqlMetadataStore {
    async fn add_repository(
        &self,
        repository: &FollowedRepository,
        sealed_hook_secret: &[u8],
    ) -> Result<()> {
        let spec = &repository.spec;
        let q = Sql::new(
            "add followed repository",
            "INSERT INTO followed_repositories (address, module, remote, path, tag_pattern, \
             sealed_secret, created_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (address) DO NOTHING",
        )
        .bind(spec.address.key())
        .bind(spec.address.to_string())
        .bind(&spec.remote)
        .bind(&spec.path)
        .bind(spec.tag_pattern.to_string())
        .bind(b64().encode(sealed_hook_secret))
        .bind(repository.created_at)
        .bind(encode_status(&repository.status)?);
        if self.pool.execute(&q).await? == 0 {
            return Err(Error::new(
                ErrorKind::AlreadyExists,
                format!(
                    "{} already follows a repository; remove it first (`registry repo remove`)",
                    spec.address
                ),
            ));
        }
        Ok(())
    }

    async fn repository(&self, address: &ModuleAddress) -> Result<Option<FollowedRepository>> {
        let q = Sql::new(
            "read followed repository",
            format!("SELECT {REPOSITORY_COLUMNS} FROM followed_repositories WHERE address = $1"),
        )
        .bind(address.key());
        self.pool
            .fetch_optional(&q)
            .await?
            .as_ref()
            .map(decode_repository)
            .transpose()
    }

    async fn repositories(&self) -> Result<Vec<FollowedRepository>> {
        let q = Sql::new(
            "list followed repositories",
            format!("SELECT {REPOSITORY_COLUMNS} FROM followed_repositories ORDER BY address"),
        );
        self.pool
            .fetch_all(&q)
            .await?
            .iter()
            .map(decode_repository)
            .collect()
    }

    async fn hook_secret(&self, address: &ModuleAddress) -> Result<Option<Vec<u8>>> {
        let q = Sql::new(
            "read repository hook secret",
            "SELECT sealed_secret FROM followed_repositories WHERE address = $1",
        )
        .bind(address.key());
        let Some(row) = self.pool.fetch_optional(&q).await? else {
            return Ok(None);
        };
        let sealed: String = row.get(0)?;
        b64()
            .decode(sealed)
            .map(Some)
            .map_err(|_| corrupt("sealed secret"))
    }

    async fn remove_repository(&self, address: &ModuleAddress) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        let removed = tx
            .execute(
                &Sql::new(
                    "remove followed repository",
                    "DELETE FROM followed_repositories WHERE address = $1",
                )
                .bind(address.key()),
            )
            .await?;
        tx.execute(
            &Sql::new(
                "forget repository releases",
                "DELETE FROM repository_releases WHERE address = $1",
            )
            .bind(address.key()),
        )
        .await?;
        tx.commit().await?;
        Ok(removed > 0)
    }

    async fn record_status(
        &self,
        address: &ModuleAddress,
        status: &RepositoryStatus,
    ) -> Result<()> {
        let q = Sql::new(
            "record repository status",
            "UPDATE followed_repositories SET status = $1 WHERE address = $2",
        )
        .bind(encode_status(status)?)
        .bind(address.key());
        self.pool.execute(&q).await?;
        Ok(())
    }

    async fn record_release(
        &self,
        address: &ModuleAddress,
        release: &RepositoryRelease,
    ) -> Result<()> {
        let q = Sql::new(
            "record repository release",
            "INSERT INTO repository_releases (address, tag, commit_hash, version, sha256, published_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (address, tag) DO NOTHING",
        )
        .bind(address.key())
        .bind(&release.tag)
        .bind(&release.commit)
        .bind(&release.version)
        .bind(&release.sha256)
        .bind(release.published_at);
        self.pool.execute(&q).await?;
        Ok(())
    }

    async fn releases(&self, address: &ModuleAddress) -> Result<Vec<RepositoryRelease>> {
        let q = Sql::new(
            "list repository releases",
            "SELECT tag, commit_hash, version, sha256, published_at FROM repository_releases \
             WHERE address = $1 ORDER BY published_at, tag",
        )
        .bind(address.key());
        self.pool
            .fetch_all(&q)
            .await?
            .iter()
            .map(|row| {
                Ok(RepositoryRelease {
                    tag: row.get(0)?,
                    commit: row.get(1)?,
                    version: row.get(2)?,
                    sha256: row.get(3)?,
                    published_at: row.get(4)?,
                })
            })
            .collect()
    }

    async fn try_lease(
        &self,
        address: &ModuleAddress,
        holder: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        // One statement: the database decides between racing processes.
        let q = Sql::new(
            "take repository sync lease",
            "UPDATE followed_repositories SET lease_holder = $1, lease_until = $2 \
             WHERE address = $3 AND (lease_until IS NULL OR lease_until < $4 OR lease_holder = $1)",
        )
        .bind(holder)
        .bind(until)
        .bind(address.key())
        .bind(now);
        Ok(self.pool.execute(&q).await? > 0)
    }

    async fn release_lease(&self, address: &ModuleAddress, holder: &str) -> Result<()> {
        let q = Sql::new(
            "give back repository sync lease",
            "UPDATE followed_repositories SET lease_holder = NULL, lease_until = NULL \
             WHERE address = $1 AND lease_holder = $2",
        )
        .bind(address.key())
        .bind(holder);
        self.pool.execute(&q).await?;
        Ok(())
    }
}

fn decode_publisher(row: &Row) -> Result<TrustedPublisher> {
    let claims: String = row.get(4)?;
    Ok(TrustedPublisher {
        id: row.get(0)?,
        namespace: row.get(1)?,
        issuer: row.get(2)?,
        audience: row.get(3)?,
        claims: serde_json::from_str(&claims).map_err(|_| corrupt("claims"))?,
        created_at: row.get(5)?,
    })
}

const PUBLISHER_COLUMNS: &str = "id, namespace, issuer, audience, claims, created_at";

#[async_trait]
impl TrustedPublisherStore for SqlMetadataStore {
    async fn add_trusted_publisher(&self, publisher: &TrustedPublisher) -> Result<()> {
        let claims = serde_json::to_string(&publisher.claims)
            .map_err(|e| Error::new(ErrorKind::Backend, format!("claims not encodable: {e}")))?;
        let q = Sql::new(
            "add trusted publisher",
            "INSERT INTO trusted_publishers (id, namespace, issuer, audience, claims, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&publisher.id)
        .bind(publisher.namespace.to_ascii_lowercase())
        .bind(&publisher.issuer)
        .bind(&publisher.audience)
        .bind(claims)
        .bind(publisher.created_at);
        self.pool.execute(&q).await?;
        Ok(())
    }

    async fn trusted_publishers(&self) -> Result<Vec<TrustedPublisher>> {
        let q = Sql::new(
            "list trusted publishers",
            format!("SELECT {PUBLISHER_COLUMNS} FROM trusted_publishers ORDER BY created_at, id"),
        );
        self.pool
            .fetch_all(&q)
            .await?
            .iter()
            .map(decode_publisher)
            .collect()
    }

    async fn remove_trusted_publisher(&self, id: &str) -> Result<TrustedPublisher> {
        let mut tx = self.pool.begin_write().await?;
        let found = tx
            .fetch_optional(
                &Sql::new(
                    "read trusted publisher",
                    format!("SELECT {PUBLISHER_COLUMNS} FROM trusted_publishers WHERE id = $1"),
                )
                .bind(id),
            )
            .await?;
        let Some(row) = found else {
            return Err(Error::not_found(format!("no trusted publisher {id:?}")));
        };
        let publisher = decode_publisher(&row)?;
        tx.execute(
            &Sql::new(
                "remove trusted publisher",
                "DELETE FROM trusted_publishers WHERE id = $1",
            )
            .bind(id),
        )
        .await?;
        tx.commit().await?;
        Ok(publisher)
    }
}
