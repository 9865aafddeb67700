//! Fill a data directory with module versions for load tests:
//! `seed <DATA_DIR> <MODULES> <VERSIONS_PER_MODULE>`; publishes
//! `load/mod<i>/null` versions `1.0.<j>` through the registry (so every
//! check runs, as for a real publish) and prints how long it took.

use std::time::Instant;

use registry_core::{ModuleAddress, PublishRequest, RequestContext};
use registry_server::{RegistryConfig, open_registry};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: seed <DATA_DIR> <MODULES> <VERSIONS_PER_MODULE>");
        std::process::exit(2);
    }
    let modules: usize = args[2].parse()?;
    let versions: usize = args[3].parse()?;
    let mut config = RegistryConfig::embedded(&args[1]);
    if std::env::var_os("SEED_SEARCH_IN_MEMORY").is_some() {
        config.search = registry_server::SearchLocation::InMemory;
    }
    let opened = open_registry(&config).await?;
    let ctx = RequestContext::system();
    let started = Instant::now();
    let mut n = 0;
    for m in 0..modules {
        let address: ModuleAddress = format!("load/mod{m}/null").parse()?;
        for v in 0..versions {
            let archive = registry_benches::module_archive(m * versions + v);
            let req = PublishRequest::new(address.clone(), format!("1.0.{v}"));
            match opened.registry.publish_bytes(&ctx, req, archive).await {
                Ok(_) => n += 1,
                Err(e) if e.kind() == registry_core::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let took = started.elapsed();
    println!(
        "published {n} versions in {:.1}s ({:.0}/s)",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64().max(1e-9)
    );
    Ok(())
}
