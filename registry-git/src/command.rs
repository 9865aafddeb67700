//! One sandboxed `git` run: a cleared environment (no user or system
//! configuration, no prompts), the allowed transports only, no hooks,
//! objects checked as they arrive, a deadline, and a cap on the bytes the
//! run leaves on disk, checked while it runs.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use registry_core::{Error, ErrorKind, Result};
use tokio::io::AsyncReadExt;
use tokio::process::Command;

use crate::{GitOptions, GitRemote, Transport};

/// How often a running fetch's disk use is measured.
const WATCH_EVERY: Duration = Duration::from_millis(200);

/// Most bytes of git's error output kept for a message (its tail).
const STDERR_KEPT: usize = 16 * 1024;

/// Most bytes of git's standard output read (ref and tree listings).
const STDOUT_MAX: u64 = 64 << 20;

/// What each file or folder costs on disk at least, however small: so a
/// tree of a million empty files is counted as the bomb it is.
const ENTRY_COST: u64 = 512;

/// Variables passed through from the server's environment: where the
/// system's certificates are, and the proxies operators configure.
const PASSED_THROUGH: &[&str] = &[
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The sandbox one checkout's git runs share.
pub(crate) struct Sandbox<'a> {
    pub(crate) options: &'a GitOptions,
    /// An empty home folder (no `~/.gitconfig`, no credential store).
    pub(crate) home: PathBuf,
    /// The folder whose size is capped (the repository).
    pub(crate) watched: PathBuf,
    /// A CA bundle for https, when extra certificates are trusted.
    pub(crate) ca_bundle: Option<PathBuf>,
    /// `host:port:address` for curl, when the caller pinned the address.
    pub(crate) curl_resolve: Option<String>,
    /// When the whole checkout must be done.
    pub(crate) deadline: tokio::time::Instant,
}

impl<'a> Sandbox<'a> {
    /// A fresh temporary folder for one operation on `remote` (removed
    /// with the returned handle), and the sandbox whose runs are capped at
    /// what `watched` (a folder in it, `""` for all of it) holds. Plain
    /// http is refused unless `options` allow it.
    pub(crate) fn open(
        remote: &GitRemote,
        options: &'a GitOptions,
        watched: &str,
    ) -> Result<(tempfile::TempDir, Self)> {
        if remote.transport() == Transport::Http && !options.allow_http {
            return Err(Error::invalid_input(
                "the git remote is refused: plain http is fetched only from an upstream configured with an http URL",
            ));
        }
        let dir = tempfile::Builder::new().prefix("registry-git-").tempdir()?;
        let home = dir.path().join("home");
        std::fs::create_dir(&home)?;
        let sandbox = Sandbox {
            options,
            home,
            watched: dir.path().join(watched),
            ca_bundle: ca_bundle(dir.path(), &options.ca_files)?,
            curl_resolve: curl_resolve(remote, options),
            deadline: tokio::time::Instant::now() + options.timeout,
        };
        Ok((dir, sandbox))
    }

    /// `git -C dir ARGS…`; its standard output on success.
    pub(crate) async fn git(&self, dir: &Path, args: &[&str]) -> Result<Vec<u8>> {
        let mut cmd = Command::new("git");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("LC_ALL", "C")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "/bin/false")
            .env("SSH_ASKPASS", "/bin/false")
            .env("GIT_PROTOCOL_FROM_USER", "0")
            .env("GIT_ALLOW_PROTOCOL", self.allowed_protocols())
            .env("GIT_SSH_COMMAND", self.ssh_command());
        for name in PASSED_THROUGH {
            if let Some(v) = std::env::var_os(name) {
                cmd.env(name, v);
            }
        }
        for c in self.config() {
            cmd.arg("-c").arg(c);
        }
        cmd.arg("-C")
            .arg(dir)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so a stop reaches its helpers too
            // (git-remote-https, index-pack, ssh).
            .process_group(0)
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|e| {
            Error::new(
                ErrorKind::Backend,
                format!("could not run git (is it installed?): {e}"),
            )
        })?;
        let group = child.id();
        let stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let out = tokio::spawn(async move {
            let mut buf = Vec::new();
            let mut limited = stdout.take(STDOUT_MAX + 1);
            limited.read_to_end(&mut buf).await.map(|_| buf)
        });
        // All of it is read (git must not die of a closed pipe); its tail is kept.
        let err = tokio::spawn(async move {
            let mut tail = Vec::new();
            let mut chunk = vec![0u8; 8192];
            while let Ok(n) = stderr.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                tail.extend_from_slice(&chunk[..n]);
                if tail.len() > 2 * STDERR_KEPT {
                    tail.drain(..tail.len() - STDERR_KEPT);
                }
            }
            tail
        });
        let verb = args.first().copied().unwrap_or("git");
        let stop = |child: &mut tokio::process::Child| {
            if let Some(pid) = group {
                // SAFETY: signalling a process group we started; no memory is touched.
                unsafe {
                    libc::kill(-(pid as i32), libc::SIGKILL);
                }
            }
            let _ = child.start_kill();
        };
        let status = loop {
            tokio::select! {
                status = child.wait() => break status?,
                _ = tokio::time::sleep_until(self.deadline) => {
                    stop(&mut child);
                    return Err(self.overtime(verb));
                }
                _ = tokio::time::sleep(WATCH_EVERY) => {
                    let checked = tokio::time::timeout_at(self.deadline, self.check_size(verb)).await;
                    match checked {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => {
                            stop(&mut child);
                            return Err(e);
                        }
                        Err(_) => {
                            stop(&mut child);
                            return Err(self.overtime(verb));
                        }
                    }
                }
            }
        };
        // A run quicker than the watch is measured once it is done.
        self.check_size(verb).await?;
        let stdout = out
            .await
            .map_err(|e| Error::new(ErrorKind::Backend, format!("git output: {e}")))??;
        if stdout.len() as u64 > STDOUT_MAX {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!("git {verb} printed more than {STDOUT_MAX} bytes"),
            ));
        }
        let stderr = err.await.unwrap_or_default();
        if !status.success() {
            return Err(Error::new(
                ErrorKind::Upstream,
                format!("git {verb} failed: {}", last_words(&stderr)),
            ));
        }
        Ok(stdout)
    }

    fn overtime(&self, verb: &str) -> Error {
        Error::new(
            ErrorKind::Upstream,
            format!(
                "git {verb} took longer than {}s and was stopped",
                self.options.timeout.as_secs()
            ),
        )
    }

    /// ssh without the server's own identity unless one is given, without
    /// `~/.ssh/config` or an agent, never prompting, host keys checked.
    fn ssh_command(&self) -> OsString {
        let identity = match &self.options.ssh_identity {
            Some(key) => format!(
                "-o IdentityFile='{}'",
                key.display().to_string().replace('\'', "")
            ),
            None => "-o IdentityFile=/dev/null".to_string(),
        };
        format!(
            "ssh -F /dev/null -o BatchMode=yes -o ConnectTimeout=15 -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o IdentityAgent=none {identity}"
        )
        .into()
    }

    /// A `TooLarge` error once the watched folder holds more than allowed.
    async fn check_size(&self, verb: &str) -> Result<()> {
        if disk_use(self.watched.clone()).await > self.options.max_bytes {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "git {verb} wrote more than {} bytes and was stopped",
                    self.options.max_bytes
                ),
            ));
        }
        Ok(())
    }

    /// `GIT_ALLOW_PROTOCOL`: what git itself refuses beyond, redirects and
    /// nested fetches included.
    fn allowed_protocols(&self) -> OsString {
        let mut p = String::from("https:ssh:git");
        if self.options.allow_http {
            p.push_str(":http");
        }
        p.into()
    }

    /// `-c` settings of every run.
    fn config(&self) -> Vec<OsString> {
        let mut c: Vec<OsString> = [
            "protocol.allow=never",
            "protocol.https.allow=always",
            "protocol.ssh.allow=always",
            "protocol.git.allow=always",
            "core.hooksPath=/dev/null",
            "core.fsmonitor=false",
            "core.askPass=/bin/false",
            "credential.helper=",
            "transfer.fsckObjects=true",
            "submodule.recurse=false",
            "advice.detachedHead=false",
            // A redirect could lead anywhere the caller did not check.
            "http.followRedirects=false",
            "init.defaultBranch=main",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        if self.options.allow_http {
            c.push("protocol.http.allow=always".into());
        }
        if let Some(r) = &self.curl_resolve {
            c.push(format!("http.curloptResolve={r}").into());
        }
        if let Some(bundle) = &self.ca_bundle {
            let mut s = OsString::from("http.sslCAInfo=");
            s.push(bundle);
            c.push(s);
        }
        c
    }
}

/// `host:port:address` pinning an https or http remote's name for curl.
fn curl_resolve(remote: &GitRemote, options: &GitOptions) -> Option<String> {
    let ip = options.pin?;
    let url = remote.url();
    if !matches!(remote.transport(), Transport::Https | Transport::Http) {
        return None;
    }
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    let addr = match ip {
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        v4 => v4.to_string(),
    };
    Some(format!("{host}:{port}:{addr}"))
}

/// One PEM file of the given certificates and the system's, for git's
/// `http.sslCAInfo` (which replaces the system's when set).
fn ca_bundle(dir: &Path, given: &[PathBuf]) -> Result<Option<PathBuf>> {
    if given.is_empty() {
        return Ok(None);
    }
    let mut pem = Vec::new();
    let system = std::env::var_os("SSL_CERT_FILE")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            [
                "/etc/ssl/certs/ca-certificates.crt",
                "/etc/pki/tls/certs/ca-bundle.crt",
            ]
            .map(PathBuf::from),
        )
        .find(|p| p.is_file());
    for f in given.iter().chain(system.iter()) {
        let bytes = std::fs::read(f).map_err(|e| {
            Error::invalid_input(format!("cannot read CA certificates {}: {e}", f.display()))
        })?;
        pem.extend_from_slice(&bytes);
        pem.push(b'\n');
    }
    let path = dir.join("ca.pem");
    std::fs::write(&path, pem)?;
    Ok(Some(path))
}

/// Bytes under `dir` (each entry costing at least [`ENTRY_COST`]),
/// counted on a blocking thread; a folder that cannot be read counts as
/// over any limit (fail closed).
async fn disk_use(dir: PathBuf) -> u64 {
    tokio::task::spawn_blocking(move || size_of(&dir).unwrap_or(u64::MAX))
        .await
        .unwrap_or(u64::MAX)
}

fn size_of(root: &Path) -> std::io::Result<u64> {
    if !root.exists() {
        return Ok(0);
    }
    let mut total: u64 = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir)? {
            let e = e?;
            let t = e.file_type()?;
            total = total.saturating_add(ENTRY_COST);
            if t.is_dir() {
                stack.push(e.path());
            } else {
                total = total.saturating_add(e.metadata()?.len());
            }
        }
    }
    Ok(total)
}

/// The last lines of git's error output, printable and short: it is the
/// remote's words as much as git's.
fn last_words(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let tail = lines[lines.len().saturating_sub(2)..].join(" / ");
    let clean: String = tail
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    if clean.is_empty() {
        "no message".to_string()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_output_is_cut_to_its_last_printable_lines() {
        let s = last_words(b"remote: a\nremote: b\x1b[31m\nfatal: c\n");
        assert_eq!(s, "remote: b [31m / fatal: c");
        assert_eq!(last_words(b""), "no message");
        assert!(last_words("x".repeat(1000).as_bytes()).len() <= 300);
    }

    #[test]
    fn every_entry_costs_and_unreadable_folders_fail_closed() {
        let d = tempfile::tempdir().unwrap();
        for i in 0..10 {
            std::fs::write(d.path().join(format!("f{i}")), "").unwrap();
        }
        assert_eq!(size_of(d.path()).unwrap(), 10 * ENTRY_COST);
        assert_eq!(size_of(&d.path().join("gone")).unwrap(), 0);
        std::fs::write(d.path().join("file"), "x").unwrap();
        assert!(size_of(&d.path().join("file")).is_err());
    }
}
