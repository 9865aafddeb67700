//! Storing versions mirrored from another registry: the archive an
//! upstream served, inspected with every check a publish runs on an
//! archive (limits, paths, parsing) but under none of this registry's
//! publishing policies (they are someone else's releases), stored once
//! under its host-qualified address with where it came from, and never
//! fetched again.

use bytes::Bytes;

use super::publish::describe;
use super::{Registry, RequestContext};
use crate::address::ModuleId;
use crate::archive::{inspect_archive, spool_bytes};
use crate::error::{Error, ErrorKind, Result};
use crate::module::{Lifecycle, MirrorSource, Module, ModuleMetadata, ModuleRecord};

impl Registry {
    /// The stored copy of a mirrored version, if it was fetched before.
    /// Read with the namespace's permissions, as any version is.
    pub async fn mirrored(
        &self,
        ctx: &RequestContext,
        id: &ModuleId,
    ) -> Result<Option<ModuleRecord>> {
        mirrored_id(id)?;
        self.authorize_read(ctx, &id.address, "mirror").await?;
        match self.inner.storage.get_record(id).await {
            Ok(r) => Ok(Some(r)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Store the archive an upstream served for `id` (a host-qualified
    /// address), fetched from `source.url`. With `source.subdir` the
    /// archive is the whole package Terraform's getter would install and
    /// the module is that folder of it: the docs are read from the folder,
    /// the `h1:` covers the package, and downloads name the folder. The caller needs only read
    /// access to the namespace: a pull-through fetch adds nothing anyone
    /// could not already get upstream. Two processes storing the same
    /// version at once both answer the one stored first. Audited as
    /// `mirror-fetch`.
    pub async fn store_mirrored(
        &self,
        ctx: &RequestContext,
        id: &ModuleId,
        archive: Bytes,
        source: MirrorSource,
    ) -> Result<ModuleRecord> {
        let result = self.store_mirrored_inner(ctx, id, archive, source).await;
        self.audit(ctx, "mirror-fetch", &id.to_string(), &result)
            .await;
        result
    }

    async fn store_mirrored_inner(
        &self,
        ctx: &RequestContext,
        id: &ModuleId,
        archive: Bytes,
        source: MirrorSource,
    ) -> Result<ModuleRecord> {
        mirrored_id(id)?;
        self.authorize_read(ctx, &id.address, "mirror").await?;
        if let Ok(existing) = self.inner.storage.get_record(id).await {
            return Ok(existing);
        }
        let inner = &self.inner;
        let spooled = spool_bytes(archive, inner.limits.max_compressed_bytes)
            .map_err(|e| e.with_context("module", id))?;
        let mut inspected = inspect_archive(&spooled.body, &inner.limits)
            .await
            .map_err(|e| e.with_context("module", id))?;
        // The package's manifest (the h1:) stays whole; the module's files
        // are its folder's.
        let manifest = std::mem::take(&mut inspected.manifest);
        if let Some(sub) = source.subdir.as_deref().filter(|s| *s != "*") {
            inspected.manifest = manifest.clone();
            let (files, folder) = inspected
                .module_in(sub)
                .map_err(|e| e.with_context("module", id))?;
            inspected.files = files;
            inspected.root_dir = Some(folder);
        }
        let inspection = self.inspect_files(&inspected).await?;
        check_names(id, &inspection.summary)?;
        let h1 = inner.hasher.tree_hash(&manifest)?;
        let module = Module {
            address: id.address.clone(),
            version: id.version.clone(),
            metadata: ModuleMetadata {
                description: describe(inspection.summary.root.readme.as_deref()),
                owner: Some(format!("mirror:{}", source.upstream)),
                source_url: None,
                published_at: inner.clock.now(),
                size: spooled.size,
                sha256: spooled.sha256,
                h1,
                format: inspected.format,
                root_dir: inspected.root_dir.clone(),
                signature: None,
                summary: inspection.summary,
                lifecycle: Lifecycle::default(),
                downloads: 0,
                warnings: Vec::new(),
                checks: None,
                mirrored: Some(source),
            },
            archive: spooled.body,
        };
        let stored = match inner.storage.store(&module).await {
            Ok(r) => r,
            // Another process stored it first: theirs is the copy.
            Err(e) if e.kind() == ErrorKind::AlreadyExists => inner.storage.get_record(id).await?,
            Err(e) => return Err(e),
        };
        if let Some(search) = &inner.search
            && let Err(e) = search.index(&stored).await
        {
            tracing::warn!(module = %id, error = %e, "search index not updated; run reindex");
        }
        Ok(stored)
    }
}

/// A module from elsewhere skipped our publishing rules, but its names
/// reach pages and generated code: every input and output must be an
/// identifier, as Terraform itself requires.
fn check_names(id: &ModuleId, summary: &crate::module::ModuleSummary) -> Result<()> {
    let dirs = std::iter::once(&summary.root)
        .chain(&summary.submodules)
        .chain(&summary.examples);
    for dir in dirs {
        let names = dir
            .inputs
            .iter()
            .map(|i| &i.name)
            .chain(dir.outputs.iter().map(|o| &o.name));
        for name in names {
            if !crate::traits::validation::is_identifier(name) {
                return Err(Error::new(
                    ErrorKind::Upstream,
                    format!(
                        "the upstream's {id} declares {name:?}, which is not an identifier; it is not mirrored"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Mirrored versions live under host-qualified addresses only, so they can
/// never land on (or shadow) a module published here.
fn mirrored_id(id: &ModuleId) -> Result<()> {
    if id.address.host().is_none() {
        return Err(Error::invalid_input(format!(
            "{id} names no upstream host; mirrored modules are addressed HOST/NS/NAME/SYSTEM"
        )));
    }
    Ok(())
}
