//! The README's shell blocks, run as a user would: every `registry`
//! command in them, in order, block by block, on the embedded default (a
//! real `registry serve` over HTTPS stands in for `registry.example.com`),
//! must succeed. Each block runs in a fresh folder holding what its
//! commands name (`./vpc`, `./infra`, a test suite), a data directory with
//! an admin token and, unless the block publishes it itself,
//! `acme/vpc/aws 1.2.0`. Placeholders (`…`, `rgt_…`, `[optional flags]`)
//! are filled or dropped; commands that need Terraform's own state
//! (`registry verify` after `terraform init`) are named and skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{Served, copy_dir};

/// One `sh` block and the heading it sits under.
struct Block {
    section: String,
    lines: Vec<String>,
}

fn readme_blocks() -> Vec<Block> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let mut out = Vec::new();
    let mut section = String::new();
    let mut current: Option<Vec<String>> = None;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_string();
        }
        match (&mut current, line.trim()) {
            (None, "```sh") => current = Some(Vec::new()),
            (Some(_), "```") => out.push(Block {
                section: section.clone(),
                lines: current.take().unwrap(),
            }),
            (Some(lines), _) => lines.push(line.to_string()),
            _ => {}
        }
    }
    out
}

/// The block's commands: continuation lines joined, comments and
/// `[optional]` groups removed.
fn commands(lines: &[String]) -> Vec<String> {
    let mut joined = Vec::new();
    let mut acc = String::new();
    for l in lines {
        let l = match l.find(" # ") {
            Some(i) if !l[..i].contains('"') || l[..i].matches('"').count() % 2 == 0 => &l[..i],
            _ => l.as_str(),
        };
        let l = l.trim_end();
        if let Some(stripped) = l.strip_suffix('\\') {
            acc.push_str(stripped);
            acc.push(' ');
        } else {
            acc.push_str(l);
            if !acc.trim().is_empty() {
                joined.push(acc.trim().to_string());
            }
            acc.clear();
        }
    }
    joined
        .into_iter()
        .map(|c| {
            let mut s = c.clone();
            while let (Some(a), Some(b)) = (s.find(" ["), s.find(']')) {
                if b < a {
                    break;
                }
                s.replace_range(a..=b, "");
            }
            s
        })
        .collect()
}

fn certificate(dir: &Path) {
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
}

struct World {
    dir: tempfile::TempDir,
    port: u16,
    token: String,
    server: Option<Served>,
    /// A git daemon standing in for the README's GitHub repository.
    git: Option<registry_git::testing::GitDaemon>,
}

fn bin_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_registry"))
        .parent()
        .unwrap()
        .to_path_buf()
}

impl World {
    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, line: &str) -> Command {
        let mut c = Command::new("bash");
        c.arg("-c").arg(line).current_dir(self.path());
        let path = format!(
            "{}:{}",
            bin_dir().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.env("PATH", path)
            .env("REGISTRY_DATA_DIR", self.path().join("data"))
            .env("SSL_CERT_FILE", self.path().join("cert.pem"))
            .env("GITHUB_STEP_SUMMARY", self.path().join("summary.md"))
            .env_remove("REGISTRY_SERVER")
            .env_remove("REGISTRY_TOKEN");
        c
    }

    fn run(&self, line: &str) -> std::process::Output {
        self.command(line).output().unwrap()
    }

    fn new(publish_vpc: bool) -> World {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        copy_dir(
            &root.join("examples/modules"),
            &dir.path().join("examples/modules"),
        );
        copy_dir(
            &root.join("examples/modules/greeting/v1.1.0"),
            &dir.path().join("vpc"),
        );
        certificate(dir.path());
        // `registry docs ./vpc` reads the module's terraform-docs configuration.
        std::fs::write(
            dir.path().join("vpc/.terraform-docs.yml"),
            "formatter: markdown table\noutput:\n  file: README.md\n  mode: inject\n",
        )
        .unwrap();
        // A module at the folder's root for `registry test .` lines.
        std::fs::write(
            dir.path().join("main.tf"),
            "variable \"env\" {\n  type        = string\n  description = \"Environment.\"\n}\n\noutput \"env\" {\n  description = \"The environment.\"\n  value       = var.env\n}\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("tests")).unwrap();
        std::fs::write(
            dir.path().join("tests/main.tftest.hcl"),
            "variables {\n  env = \"prod\"\n}\n\nrun \"env\" {\n  command = plan\n  assert {\n    condition     = output.env == \"prod\"\n    error_message = \"env\"\n  }\n}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("prod.tfvars"), "env = \"prod\"\n").unwrap();
        // The OpenID client secret `registry serve --oidc-client-secret-file` reads.
        std::fs::write(dir.path().join("client-secret.txt"), "s3cret\n").unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::fs::create_dir_all(dir.path().join("infra")).unwrap();
        std::fs::write(
            dir.path().join("infra/main.tf"),
            format!("module \"vpc\" {{\n  source  = \"127.0.0.1:{port}/acme/vpc/aws\"\n  version = \"~> 1.2\"\n}}\n"),
        )
        .unwrap();
        let mut w = World {
            dir,
            port,
            token: String::new(),
            server: None,
            git: None,
        };
        let out = w.run("registry token create --data-dir ./data --namespace '*' --role admin");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        w.token = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if publish_vpc {
            let out = w.run("registry publish acme/vpc/aws 1.2.0 ./vpc --data-dir ./data");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        w
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// `git://…/infra` on a local daemon: the README's monorepo, its
    /// `modules/vpc` folder tagged `vpc-v1.0.0`.
    fn git_url(&mut self) -> String {
        if self.git.is_none() {
            let d = registry_git::testing::GitDaemon::start();
            let repo = d.repository("infra");
            copy_dir(&self.path().join("vpc"), &repo.join("modules/vpc"));
            d.commit(&repo, "vpc 1.0.0", Some("vpc-v1.0.0"));
            self.git = Some(d);
        }
        self.git.as_ref().unwrap().url("infra")
    }

    /// Fill the README's placeholders with this world's server, token and
    /// git repository (a local one: a local sync reaches it with
    /// `--upstream-private`, as the README says).
    fn fill(&mut self, cmd: &str) -> String {
        let mut cmd = cmd.to_string();
        if cmd.contains("https://github.com/acme/infra.git") {
            cmd = cmd.replace("https://github.com/acme/infra.git", &self.git_url());
        }
        if cmd.starts_with("registry repo sync") && !cmd.contains("--server") {
            cmd.push_str(" --upstream-private 127.0.0.0/8");
        }
        if cmd.starts_with("registry trusted-publisher remove ID") {
            let listed = self.run("registry trusted-publisher list");
            let id = String::from_utf8_lossy(&listed.stdout)
                .split_whitespace()
                .next()
                .unwrap_or("none")
                .to_string();
            cmd = cmd.replace("remove ID", &format!("remove {id}"));
        }
        cmd.replace("cargo run -p registry-cli --", "registry")
            .replace("https://registry.example.com", &self.url())
            // `--server …` stands for the remote target flags: URL and token.
            .replace(
                "--server …",
                &format!("--server {} --token {}", self.url(), self.token),
            )
            .replace("--token …", &format!("--token {}", self.token))
            .replace("rgt_…", &self.token)
            .replace("127.0.0.1:8443", &format!("127.0.0.1:{}", self.port))
    }

    /// Run the README's serve command and wait until it says it listens
    /// (on this world's port: if another process took it, this fails with
    /// the server's own words rather than talking to someone else's server).
    fn start_server(&mut self, line: &str) {
        let server = Served::start(&mut self.command(line));
        assert_eq!(server.port(), self.port, "`{line}` listens elsewhere");
        self.server = Some(server);
    }
}

#[test]
fn every_registry_command_in_the_readme_works_as_written() {
    let blocks = readme_blocks();
    assert!(blocks.len() >= 8, "README blocks found: {}", blocks.len());
    let mut ran = 0;
    let mut failures = Vec::new();
    let mut world: Option<World> = None;
    let mut last_section = String::new();
    let section_publishes = |section: &str| {
        blocks
            .iter()
            .filter(|b| b.section == section)
            .any(|b| b.lines.iter().any(|l| l.contains(" publish ")))
    };
    for block in &blocks {
        let cmds: Vec<String> = commands(&block.lines)
            .into_iter()
            .filter(|c| {
                c.starts_with("registry ")
                    || c.starts_with("cargo run -p registry-cli")
                    || c.starts_with("REGISTRY_")
            })
            .collect();
        if cmds.is_empty() {
            continue;
        }
        let text = cmds.join("\n");
        let needs_server = text.contains("--server") || text.contains("registry.example.com");
        let has_serve = text.contains(" serve ");
        // "Serving"'s second block publishes to the server its first started.
        let keep = block.section == "Serving" && last_section == "Serving";
        if !keep {
            let publishes = if block.section == "Serving" {
                section_publishes(&block.section)
            } else {
                text.contains(" publish ")
            };
            world = Some(World::new(!publishes));
        }
        last_section = block.section.clone();
        let w = world.as_mut().unwrap();
        if needs_server && !has_serve && w.server.is_none() {
            let line = format!(
                "registry serve --data-dir ./data --listen 127.0.0.1:{} --tls-cert cert.pem --tls-key key.pem",
                w.port
            );
            w.start_server(&line);
        }
        for cmd in &cmds {
            let filled = w.fill(cmd);
            if filled.starts_with("registry verify") {
                println!(
                    "SKIPPED  {filled}: needs `terraform init`'s .terraform/modules (terraform_e2e.rs runs it)"
                );
                continue;
            }
            if filled.contains(" serve ") {
                w.start_server(&filled);
                println!("ok       {filled} (serving)");
                ran += 1;
                continue;
            }
            let out = w.run(&filled);
            ran += 1;
            if out.status.success() {
                println!("ok       {filled}");
            } else {
                failures.push(format!(
                    "[{}] {cmd}\n  ran: {filled}\n  exit {:?}\n  stdout: {}\n  stderr: {}",
                    block.section,
                    out.status.code(),
                    String::from_utf8_lossy(&out.stdout).trim(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
    }
    assert!(ran >= 20, "only {ran} README commands ran");
    assert!(
        failures.is_empty(),
        "{} README commands failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
