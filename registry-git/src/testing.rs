//! A `git daemon` on loopback serving repositories made in a temporary
//! folder, for tests here and in the crates that fetch through this one
//! (feature `testing`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `git daemon --export-all` over a temporary base folder;
/// stopped when dropped.
#[derive(Debug)]
pub struct GitDaemon {
    child: Child,
    base: tempfile::TempDir,
    port: u16,
}

/// Run git in `dir` for a test, panicking with its output on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(["-c", "tag.gpgsign=false"])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl GitDaemon {
    /// Start a daemon on a free loopback port.
    pub fn start() -> GitDaemon {
        let base = tempfile::tempdir().expect("temp dir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("git")
            .arg("daemon")
            .arg(format!("--base-path={}", base.path().display()))
            .args(["--export-all", "--reuseaddr", "--informative-errors"])
            .args(["--listen=127.0.0.1", &format!("--port={port}")])
            .arg(base.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon starts");
        let until = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < until, "git daemon did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        GitDaemon { child, base, port }
    }

    /// A new repository `name` (served as `git://…/name`), its work tree
    /// to write into; commit with [`GitDaemon::commit`].
    pub fn repository(&self, name: &str) -> PathBuf {
        let dir = self.base.path().join(name);
        std::fs::create_dir_all(&dir).expect("repo dir");
        git(&dir, &["init", "-q"]);
        dir
    }

    /// Commit everything in `repo` with `message`, tagging it `tag` if
    /// given; the commit's hash.
    pub fn commit(&self, repo: &Path, message: &str, tag: Option<&str>) -> String {
        git(repo, &["add", "-A"]);
        git(repo, &["commit", "-q", "--allow-empty", "-m", message]);
        if let Some(t) = tag {
            git(repo, &["tag", "-a", t, "-m", t]);
        }
        git(repo, &["rev-parse", "HEAD"])
    }

    /// `git://127.0.0.1:PORT/name`.
    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}", self.port)
    }

    /// The base folder the repositories are in.
    pub fn base(&self) -> &Path {
        self.base.path()
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
