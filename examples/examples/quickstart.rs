//! The whole flow in-process on the embedded default (SQLite + a local
//! folder): publish two versions of an example module, list versions, pick
//! one with a Terraform constraint, download and verify it.
//!
//! Run: `cargo run -p registry-examples --example quickstart [-- DATA_DIR]`
//! (default: a fresh temporary directory, removed on exit).

use registry_core::pack_dir;
use registry_core::{PublishRequest, RequestContext};
use registry_server::{RegistryConfig, open_registry};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let data_dir = std::env::args()
        .nth(1)
        .map(Into::into)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    println!("data directory: {}", data_dir.display());
    let opened = open_registry(&RegistryConfig::embedded(&data_dir)).await?;
    let registry = &opened.registry;
    let publisher = RequestContext::system();
    let reader = RequestContext::anonymous();
    let address: registry_core::ModuleAddress = "example/greeting/null".parse()?;

    for version in ["1.0.0", "1.1.0"] {
        let dir = registry_examples::modules_dir()
            .join("greeting")
            .join(format!("v{version}"));
        let archive = pack_dir(&dir)?;
        let request = PublishRequest::new(address.clone(), version);
        match registry.publish_bytes(&publisher, request, archive).await {
            Ok(r) => println!(
                "published {}/{}  sha256:{}  {} bytes",
                r.address, r.version, r.metadata.sha256, r.metadata.size
            ),
            Err(e) if e.kind() == registry_core::ErrorKind::AlreadyExists => {
                println!("already published {address}/{version} (immutable)")
            }
            Err(e) => return Err(e.into()),
        }
    }

    let versions = registry.versions(&reader, &address).await?;
    let listed: Vec<&str> = versions.iter().map(|r| r.version.as_str()).collect();
    println!("versions of {address}: {}", listed.join(", "));

    for constraint in ["~> 1.0", "1.0.0", "< 1.1"] {
        let chosen = registry.resolve(&reader, &address, constraint).await?;
        println!("resolved {constraint:?} -> {}", chosen.version);
    }

    let chosen = registry.resolve(&reader, &address, "~> 1.0").await?;
    let module = registry.download(&reader, &chosen.id()).await?;
    registry.version_manager().verify(&module).await?;
    let m = &module.metadata;
    println!(
        "downloaded {}/{}: {} bytes, sha256:{} verified, {}",
        module.address, module.version, m.size, m.sha256, m.h1
    );
    for input in &m.summary.root.inputs {
        let ty = input.type_expr.as_deref().unwrap_or("any");
        match &input.default {
            Some(d) => println!("  input  {} ({ty}, default {d})", input.name),
            None => println!("  input  {} ({ty}, required)", input.name),
        }
    }
    for output in &m.summary.root.outputs {
        println!("  output {}", output.name);
    }
    for sub in &m.summary.submodules {
        println!("  submodule {}", sub.path);
    }
    Ok(())
}
