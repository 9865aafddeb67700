//! A live server on a fresh embedded data directory, shared by the
//! integration tests (each test binary uses part of it).
#![allow(dead_code)]

use std::net::SocketAddr;

use registry_core::{Role, TokenRequest};
use registry_server::{RunningServer, ServeConfig, start};

/// A running server, an HTTP client that does not follow redirects (so
/// tests see them), and the data directory kept alive with it.
pub struct Live {
    pub server: RunningServer,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// Start a server on 127.0.0.1 (a free port) over a fresh data directory,
/// after `tweak` adjusted its configuration.
pub async fn live(tweak: impl FnOnce(&mut ServeConfig)) -> Live {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServeConfig::default();
    config.registry.storage.data_dir = dir.path().to_path_buf();
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    tweak(&mut config);
    let server = start(config).await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Live {
        server,
        http,
        _dir: dir,
    }
}

impl Live {
    /// The server's data directory.
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// An absolute URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// `PUT` an archive to a version path with a token (a publish).
    pub async fn put_archive(&self, token: &str, path: &str, body: Vec<u8>) -> reqwest::Response {
        self.http
            .put(self.url(path))
            .bearer_auth(token)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// A fresh token with `role` in namespace `ns` (`*` for all).
    pub async fn token(&self, ns: &str, role: Role) -> String {
        let req = TokenRequest {
            namespace: ns.into(),
            role,
            description: None,
            expires_at: None,
            also: Vec::new(),
        };
        self.server
            .opened
            .storage
            .metadata
            .as_token_store()
            .create(&req, chrono::Utc::now())
            .await
            .unwrap()
            .secret
    }
}
