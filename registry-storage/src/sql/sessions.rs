//! Web sessions in the metadata database, beside the tokens they act as:
//! only a hash of each session's secret is stored, and a session works
//! only while its token does (revoking a token ends its sessions).

use chrono::{DateTime, Duration, Utc};
use rand::RngCore as _;
use registry_core::{
    Error, NewSession, Result, SessionInfo, TokenInfo, constant_time_eq, hash_secret,
    invalid_session, make_session_secret, session_id_of,
};

use super::SqlMetadataStore;
use super::engine::{Row, Sql};
use super::tokens::{TOKEN_COLUMNS, decode_token_at};

const SESSION_COLUMNS: &str =
    "s.id, s.token_id, s.created_at, s.expires_at, s.revoked_at, s.client, s.secret_hash";

/// Ended sessions stay listed this long, then go at the next sign-in.
const KEEP_ENDED: Duration = Duration::days(30);

/// The most a client description keeps (it is what the browser sent).
const CLIENT_CHARS: usize = 200;

fn decode_session(row: &Row) -> Result<SessionInfo> {
    Ok(SessionInfo {
        id: row.get(0)?,
        token_id: row.get(1)?,
        created_at: row.get(2)?,
        expires_at: row.get(3)?,
        revoked_at: row.get(4)?,
        client: row.get(5)?,
    })
}

impl SqlMetadataStore {
    pub(super) async fn open_session_row(
        &self,
        token_id: &str,
        expires_at: DateTime<Utc>,
        client: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<NewSession> {
        let purge = Sql::new(
            "purge ended sessions",
            "DELETE FROM web_sessions WHERE token_id = $1 AND (expires_at < $2 OR revoked_at < $2)",
        )
        .bind(token_id)
        .bind(now - KEEP_ENDED);
        self.pool.execute(&purge).await?;
        let mut random = [0u8; 32];
        rand::rng().fill_bytes(&mut random);
        let (id, secret) = make_session_secret(&random);
        let client: Option<String> = client.map(|c| {
            c.chars()
                .filter(|ch| !ch.is_control())
                .take(CLIENT_CHARS)
                .collect()
        });
        let q = Sql::new(
            "open session",
            "INSERT INTO web_sessions (id, secret_hash, token_id, created_at, expires_at, client) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(hash_secret(&secret))
        .bind(token_id)
        .bind(now)
        .bind(expires_at)
        .bind(&client);
        self.pool.execute(&q).await?;
        Ok(NewSession {
            info: SessionInfo {
                id,
                token_id: token_id.to_string(),
                created_at: now,
                expires_at,
                revoked_at: None,
                client,
            },
            secret,
        })
    }

    pub(super) async fn session_row(
        &self,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<(SessionInfo, TokenInfo)> {
        let id = session_id_of(secret).ok_or_else(invalid_session)?;
        let q = Sql::new(
            "read session",
            format!(
                "SELECT {SESSION_COLUMNS}, {TOKEN_COLUMNS} FROM web_sessions s \
                 JOIN api_tokens t ON t.id = s.token_id WHERE s.id = $1"
            ),
        )
        .bind(id);
        let row = self
            .pool
            .fetch_optional(&q)
            .await?
            .ok_or_else(invalid_session)?;
        let stored: String = row.get(6)?;
        if !constant_time_eq(stored.as_bytes(), hash_secret(secret).as_bytes()) {
            return Err(invalid_session());
        }
        let session = decode_session(&row)?;
        let token = decode_token_at(&row, 7)?;
        if !session.is_usable(now) || !token.is_usable(now) {
            return Err(invalid_session());
        }
        Ok((session, token))
    }

    pub(super) async fn revoke_session_row(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<SessionInfo> {
        let q = Sql::new(
            "end session",
            "UPDATE web_sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id);
        if self.pool.execute(&q).await? == 0 {
            let shown = match session_id_of(id) {
                Some(part) => format!("{part:?} (given as a whole secret)"),
                None => format!("{id:?}"),
            };
            return Err(Error::not_found(format!("no open session with id {shown}")));
        }
        let read = Sql::new(
            "read session",
            format!("SELECT {SESSION_COLUMNS} FROM web_sessions s WHERE s.id = $1"),
        )
        .bind(id);
        decode_session(&self.pool.fetch_one(&read).await?)
    }

    pub(super) async fn session_rows(&self, token_id: &str) -> Result<Vec<SessionInfo>> {
        let q = Sql::new(
            "list sessions",
            format!(
                "SELECT {SESSION_COLUMNS} FROM web_sessions s WHERE s.token_id = $1 \
                 ORDER BY s.created_at DESC, s.id"
            ),
        )
        .bind(token_id);
        self.pool
            .fetch_all(&q)
            .await?
            .iter()
            .map(decode_session)
            .collect()
    }
}
