//! For tests here and in the crates that fetch through this one (feature
//! `testing`): a `git daemon` on loopback serving repositories made in a
//! temporary folder, and a registry upstream whose modules point at them.

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

/// A registry upstream whose modules point at sources elsewhere, as the
/// public registry's point at git: service discovery, `versions` and
/// `download` (a 204 with the given `X-Terraform-Get`) of the Module
/// Registry Protocol over plain HTTP on loopback, answered by a thread;
/// stopped when dropped. Our own registry serves the archives it holds,
/// so it cannot stand in for such an upstream.
#[derive(Debug)]
pub struct PointingRegistry {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PointingRegistry {
    /// Serve `modules`: (`NS/NAME/SYSTEM`, version, `X-Terraform-Get`).
    pub fn start(modules: Vec<(String, String, String)>) -> PointingRegistry {
        use std::io::{BufRead, BufReader, Write};
        use std::sync::atomic::Ordering;
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let mut reader = BufReader::new(conn.try_clone().expect("clone"));
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    continue;
                }
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if line == "\r\n" || line == "\n" => break,
                        Ok(_) => {}
                    }
                }
                let path = first.split_whitespace().nth(1).unwrap_or("/");
                let answer = answer(&modules, path);
                let _ = conn.write_all(answer.as_bytes());
            }
        });
        PointingRegistry {
            port,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT` (its service discovery is below it).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn answer(modules: &[(String, String, String)], path: &str) -> String {
    let reply = |status: &str, headers: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n{headers}\r\n{body}",
            body.len()
        )
    };
    if path == "/.well-known/terraform.json" {
        return reply(
            "200 OK",
            "Content-Type: application/json\r\n",
            r#"{"modules.v1":"/v1/modules/"}"#,
        );
    }
    let Some(rest) = path.strip_prefix("/v1/modules/") else {
        return reply("404 Not Found", "", "");
    };
    if let Some(address) = rest.strip_suffix("/versions") {
        let versions: Vec<String> = modules
            .iter()
            .filter(|(a, _, _)| a == address)
            .map(|(_, v, _)| format!(r#"{{"version":"{v}"}}"#))
            .collect();
        if versions.is_empty() {
            return reply("404 Not Found", "", "");
        }
        // The protocol's minimum, as some registries answer.
        let body = format!(r#"{{"modules":[{{"versions":[{}]}}]}}"#, versions.join(","));
        return reply("200 OK", "Content-Type: application/json\r\n", &body);
    }
    if let Some(at) = rest.strip_suffix("/download")
        && let Some((address, version)) = at.rsplit_once('/')
        && let Some((_, _, get)) = modules
            .iter()
            .find(|(a, v, _)| a == address && v == version)
    {
        return reply("204 No Content", &format!("X-Terraform-Get: {get}\r\n"), "");
    }
    reply("404 Not Found", "", "")
}

impl Drop for PointingRegistry {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
