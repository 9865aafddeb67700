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

use crate::GitOptions;

/// How often a running fetch's disk use is measured.
const WATCH_EVERY: Duration = Duration::from_millis(200);

/// Most bytes of git's error output kept for a message.
const STDERR_KEPT: u64 = 64 * 1024;

/// The sandbox one checkout's git runs share.
pub(crate) struct Sandbox<'a> {
    pub(crate) options: &'a GitOptions,
    /// An empty home folder (no `~/.gitconfig`, no credential store).
    pub(crate) home: PathBuf,
    /// The folder whose size is capped (the repository).
    pub(crate) watched: PathBuf,
    /// A CA bundle for https, when extra certificates are trusted.
    pub(crate) ca_bundle: Option<PathBuf>,
    /// When the whole checkout must be done.
    pub(crate) deadline: tokio::time::Instant,
}

impl Sandbox<'_> {
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
            .env(
                "GIT_SSH_COMMAND",
                "ssh -o BatchMode=yes -o ConnectTimeout=15 -o StrictHostKeyChecking=yes",
            );
        for c in self.config() {
            cmd.arg("-c").arg(c);
        }
        cmd.arg("-C")
            .arg(dir)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|e| {
            Error::new(
                ErrorKind::Backend,
                format!("could not run git (is it installed?): {e}"),
            )
        })?;
        let mut stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let out = tokio::spawn(async move {
            let mut buf = Vec::new();
            stdout.read_to_end(&mut buf).await.map(|_| buf)
        });
        let err = tokio::spawn(async move {
            let mut buf = Vec::new();
            let mut limited = stderr.take(STDERR_KEPT);
            let _ = limited.read_to_end(&mut buf).await;
            buf
        });
        let verb = args.first().copied().unwrap_or("git");
        let status = loop {
            tokio::select! {
                status = child.wait() => break status?,
                _ = tokio::time::sleep_until(self.deadline) => {
                    let _ = child.kill().await;
                    return Err(Error::new(ErrorKind::Upstream, format!(
                        "git {verb} took longer than {}s and was stopped",
                        self.options.timeout.as_secs()
                    )));
                }
                _ = tokio::time::sleep(WATCH_EVERY) => {
                    if let Err(e) = self.check_size(verb).await {
                        let _ = child.kill().await;
                        return Err(e);
                    }
                }
            }
        };
        // A run quicker than the watch is measured once it is done.
        self.check_size(verb).await?;
        let stdout = out
            .await
            .map_err(|e| Error::new(ErrorKind::Backend, format!("git output: {e}")))??;
        let stderr = err.await.unwrap_or_default();
        if !status.success() {
            return Err(Error::new(
                ErrorKind::Upstream,
                format!("git {verb} failed: {}", last_words(&stderr)),
            ));
        }
        Ok(stdout)
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
            "init.defaultBranch=main",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        if self.options.allow_http {
            c.push("protocol.http.allow=always".into());
        }
        if let Some(bundle) = &self.ca_bundle {
            let mut s = OsString::from("http.sslCAInfo=");
            s.push(bundle);
            c.push(s);
        }
        c
    }
}

/// Bytes under `dir`, counted on a blocking thread (0 if it is gone).
async fn disk_use(dir: PathBuf) -> u64 {
    tokio::task::spawn_blocking(move || size_of(&dir))
        .await
        .unwrap_or(0)
}

fn size_of(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => size_of(&e.path()),
            Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        })
        .sum()
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
}
