//! What the CLI's integration tests share: a `registry serve` child that is
//! known to be listening, because it said so.
//!
//! Waiting for a connect to succeed is not enough: between picking a free
//! port and the child binding it, another test may take the port, and the
//! connect then reaches that test's server. The child prints
//! `registry listening on URL` once it holds its socket, so that line is
//! what we wait for, and a child that exits first fails with its output.

// Each test binary uses part of this module.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// A running `registry serve`, killed and reaped when dropped.
pub struct Served {
    child: Child,
    /// Its base URL as it printed it: `http://127.0.0.1:PORT` or `https://…`.
    pub url: String,
    output: Arc<Mutex<String>>,
    drains: Vec<JoinHandle<()>>,
}

impl Served {
    /// Spawn `cmd` (a `registry serve …` command; `--listen 127.0.0.1:0`
    /// lets the system pick the port) with its stdout and stderr captured,
    /// and return once it prints that it listens. Panics, with everything
    /// it printed, when it exits first or stays silent for 30 s.
    pub fn start(cmd: &mut Command) -> Served {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn registry serve");
        let output = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let drains = vec![
            drain(stdout, output.clone(), None),
            drain(stderr, output.clone(), Some(tx)),
        ];
        // The sender goes when stderr closes, so an early exit ends the wait too.
        let Ok(url) = rx.recv_timeout(std::time::Duration::from_secs(30)) else {
            let _ = child.kill();
            let status = child.wait().ok();
            let said = output.lock().unwrap().clone();
            panic!("registry serve never said it listens (exit: {status:?}); it printed:\n{said}");
        };
        Served {
            child,
            url,
            output,
            drains,
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {}", self.url))
    }

    /// Stop it (SIGKILL) and return everything it printed.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for d in self.drains.drain(..) {
            let _ = d.join();
        }
        self.output.lock().unwrap().clone()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copy `from` line by line into `into` until it closes, sending the URL
/// of a `registry listening on URL` line to `listening`.
fn drain(
    from: impl Read + Send + 'static,
    into: Arc<Mutex<String>>,
    listening: Option<std::sync::mpsc::Sender<String>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            if let (Some(tx), Some(url)) = (&listening, line.strip_prefix("registry listening on "))
            {
                let _ = tx.send(url.trim().to_string());
            }
            let mut all = into.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    })
}

/// A throwaway self-signed certificate for `127.0.0.1` and `localhost`
/// (Terraform speaks only HTTPS to registries), written as `cert.pem` and
/// `key.pem` in `dir`: their paths.
pub fn loopback_certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    (cert, key)
}

/// Run the `registry` binary with no server or token from the environment.
pub fn registry(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(args)
        .env_remove("REGISTRY_SERVER")
        .env_remove("REGISTRY_TOKEN")
        .output()
        .expect("run registry")
}

/// The stdout of a command that must succeed (else a panic with all it printed).
pub fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `registry serve` over TLS on a free loopback port with `extra` flags.
pub fn serve(data: &Path, cert: &Path, key: &Path, extra: &[&str]) -> Served {
    let mut args = vec![
        "serve".to_string(),
        "--data-dir".into(),
        data.display().to_string(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--tls-cert".into(),
        cert.display().to_string(),
        "--tls-key".into(),
        key.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    Served::start(
        Command::new(env!("CARGO_BIN_EXE_registry"))
            .args(&args)
            .env_remove("SSL_CERT_FILE")
            .env_remove("REGISTRY_CA_CERT"),
    )
}

/// Run Terraform in `dir` with a CLI configuration, trusting `cert`, HOME at `home`.
pub fn terraform(
    bin: &str,
    home: &Path,
    cert: &Path,
    dir: &Path,
    cli_config: &Path,
    args: &[&str],
) -> Output {
    Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("CHECKPOINT_DISABLE", "1")
        .env("SSL_CERT_FILE", cert)
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .env("TF_IN_AUTOMATION", "1")
        .env("HOME", home)
        .env_remove("TF_LOG")
        .output()
        .expect("run terraform")
}

/// Copy a folder tree (a module, the examples) into a test's folder.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}
