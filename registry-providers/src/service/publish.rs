//! Publishing a provider release: the files are named as Terraform names
//! them, every zip is read (its `h1:` computed), and the release is
//! signed one of two ways: the publisher's own `SHA256SUMS` and detached
//! signature, checked against a key an admin registered for the namespace,
//! or, without them, a `SHA256SUMS` the registry writes and signs with the
//! namespace's key. The zips are stored before the release row, which is
//! written in one transaction: a refused publish leaves nothing listed.

use chrono::Utc;
use registry_core::{
    Action, Error, ErrorKind, Problem, ProviderAddress, ProviderPlatform, ProviderRelease,
    ProviderSignature, RequestContext, Result, SpooledArchive, Version,
};

use super::ProviderRegistry;
use crate::release::{Sha256Sums, h1_hash_of, platform_of, signature_name, sums_name};
use crate::signing::verify_detached_by;

/// The plugin protocol a release speaks when the publisher does not say.
pub const DEFAULT_PROTOCOLS: &[&str] = &["5.0"];

/// One file of a release as it was uploaded.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    /// Its name (`terraform-provider-null_2.1.2_linux_amd64.zip`).
    pub name: String,
    /// Its bytes, hash and size.
    pub body: SpooledArchive,
}

/// A release to publish.
#[derive(Debug, Clone)]
pub struct ReleaseUpload {
    /// The provider (of this registry: no host).
    pub address: ProviderAddress,
    /// The version (strict semver, as Terraform requires of providers).
    pub version: Version,
    /// Plugin protocol versions (`5.0`); empty for [`DEFAULT_PROTOCOLS`].
    pub protocols: Vec<String>,
    /// The zips, and optionally `…_SHA256SUMS` and `…_SHA256SUMS.sig`.
    pub files: Vec<UploadedFile>,
}

/// The files of an upload, sorted out by name.
struct Sorted<'a> {
    zips: Vec<(crate::release::Platform, &'a UploadedFile)>,
    sums: Option<&'a UploadedFile>,
    signature: Option<&'a UploadedFile>,
}

fn sort_files(upload: &ReleaseUpload) -> Result<Sorted<'_>> {
    let ty = upload.address.provider_type();
    let version = upload.version.as_str();
    let sums_file = sums_name(ty, version);
    let sig_file = signature_name(ty, version);
    let mut sorted = Sorted {
        zips: Vec::new(),
        sums: None,
        signature: None,
    };
    let mut problems = Vec::new();
    for f in &upload.files {
        if f.name == sums_file {
            sorted.sums = Some(f);
        } else if f.name == sig_file {
            sorted.signature = Some(f);
        } else if let Some(platform) = platform_of(&f.name, ty, version) {
            if sorted.zips.iter().any(|(p, _)| *p == platform) {
                problems.push(Problem::new(&f.name, "given twice"));
            }
            sorted.zips.push((platform, f));
        } else {
            problems.push(Problem::new(
                &f.name,
                format!(
                    "not a file of {} {version}: expected terraform-provider-{ty}_{version}_OS_ARCH.zip, {sums_file} or {sig_file}",
                    upload.address
                ),
            ));
        }
    }
    if sorted.zips.is_empty() {
        problems.push(Problem::new(
            "files",
            format!("no zip named terraform-provider-{ty}_{version}_OS_ARCH.zip"),
        ));
    }
    match (sorted.sums.is_some(), sorted.signature.is_some()) {
        (true, false) => problems.push(Problem::new(
            &sig_file,
            format!("{sums_file} was given without its signature"),
        )),
        (false, true) => problems.push(Problem::new(
            &sums_file,
            format!("{sig_file} was given without the {sums_file} it signs"),
        )),
        _ => {}
    }
    if problems.is_empty() {
        Ok(sorted)
    } else {
        Err(Error::validation(problems))
    }
}

/// Plugin protocol versions, checked (`MAJOR.MINOR` each); the default
/// (`5.0`) when none are given.
pub fn check_protocols(protocols: &[String]) -> Result<Vec<String>> {
    if protocols.is_empty() {
        return Ok(DEFAULT_PROTOCOLS.iter().map(|p| p.to_string()).collect());
    }
    for p in protocols {
        let ok = p.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.chars().all(|c| c.is_ascii_digit())
                && b.chars().all(|c| c.is_ascii_digit())
        });
        if !ok {
            return Err(Error::invalid_input(format!(
                "invalid plugin protocol {p:?}: expected MAJOR.MINOR, as 5.0 or 6.0"
            )));
        }
    }
    Ok(protocols.to_vec())
}

/// `h1:` of a zip upload (read from memory or its spool file).
pub(super) async fn h1_of(file: &UploadedFile) -> Result<String> {
    let reader = file.body.body.blocking_reader()?;
    let name = file.name.clone();
    tokio::task::spawn_blocking(move || h1_hash_of(reader))
        .await
        .map_err(|e| Error::new(ErrorKind::Backend, format!("hashing failed: {e}")))?
        .map_err(|e| Error::validation(vec![Problem::new(&name, e.message())]))
}

impl ProviderRegistry {
    /// Publish a release of this registry's provider. Publishers of the
    /// namespace; audited. `AlreadyExists` when the version is taken;
    /// `ValidationFailed` naming every file that is wrong; `Integrity`
    /// naming the zip or key when the given sums or signature do not hold.
    pub async fn publish(
        &self,
        ctx: &RequestContext,
        upload: ReleaseUpload,
    ) -> Result<ProviderRelease> {
        self.authorize_publish(ctx, &upload.address, &upload.version)
            .await?;
        let target = format!("providers/{}/{}", upload.address, upload.version);
        let result = self.publish_checked(ctx, upload).await;
        self.registry
            .record_outcome(ctx, "provider.publish", &target, &result)
            .await;
        result
    }

    /// Whether the caller may publish this release (before its files are
    /// received); a refusal is audited.
    pub async fn authorize_publish(
        &self,
        ctx: &RequestContext,
        address: &ProviderAddress,
        version: &Version,
    ) -> Result<()> {
        self.registry
            .authorize_in(
                ctx,
                Action::Publish,
                address.namespace(),
                "provider.publish",
                &format!("providers/{address}/{version}"),
            )
            .await
    }

    async fn publish_checked(
        &self,
        ctx: &RequestContext,
        upload: ReleaseUpload,
    ) -> Result<ProviderRelease> {
        let address = &upload.address;
        if address.host().is_some() {
            return Err(Error::invalid_input(format!(
                "{address} belongs to another registry: publish NAMESPACE/TYPE"
            )));
        }
        if !registry_core::is_strict_semver(upload.version.as_str()) {
            return Err(Error::invalid_input(format!(
                "provider version {:?} is not MAJOR.MINOR.PATCH semver (Terraform installs no other)",
                upload.version.as_str()
            )));
        }
        // A release is never replaced, unless it was withdrawn (its
        // publisher's key revoked): then publishing it again is the fix.
        let withdrawn = match self.store.release(address, &upload.version).await? {
            None => None,
            Some(existing) => {
                let revoked = self.revoked_keys(address.namespace()).await?;
                if !super::is_withdrawn(&existing, &revoked) {
                    return Err(Error::new(
                        ErrorKind::AlreadyExists,
                        format!(
                            "provider {address} version {} exists; a release is never replaced (publish a new version)",
                            upload.version
                        ),
                    ));
                }
                existing.signature.map(|s| s.key_id)
            }
        };
        let protocols = check_protocols(&upload.protocols)?;
        let sorted = sort_files(&upload)?;
        let mut platforms = Vec::with_capacity(sorted.zips.len());
        for (platform, file) in &sorted.zips {
            platforms.push(ProviderPlatform {
                os: platform.os.clone(),
                arch: platform.arch.clone(),
                filename: file.name.clone(),
                sha256: file.body.sha256,
                size: Some(file.body.size),
                h1: Some(h1_of(file).await?),
                source_url: None,
            });
        }
        platforms.sort_by(|a, b| (&a.os, &a.arch).cmp(&(&b.os, &b.arch)));
        let signature = match (sorted.sums, sorted.signature) {
            (Some(sums), Some(sig)) => self.check_given_signature(&upload, sums, sig).await?,
            _ => {
                let mut sums = Sha256Sums::new();
                for p in &platforms {
                    sums.insert(&p.filename, p.sha256);
                }
                let shasums = sums.to_text();
                let (key, signing) = self.signing_key(address.namespace()).await?;
                ProviderSignature {
                    signature: signing.sign(shasums.as_bytes())?,
                    shasums,
                    key_id: key.key_id,
                    by_registry: true,
                }
            }
        };
        for (_, file) in &sorted.zips {
            self.blobs.put(&file.body.sha256, &file.body.body).await?;
        }
        let release = ProviderRelease {
            address: address.clone(),
            version: upload.version.clone(),
            protocols,
            platforms,
            signature: Some(signature),
            published_at: Utc::now(),
            origin: ctx.actor.audit_id(),
        };
        match &withdrawn {
            Some(old_key) => {
                self.store
                    .replace_withdrawn_release(&release, old_key)
                    .await?
            }
            None => self.store.insert_release(&release).await?,
        }
        // The key may have been revoked while this publish ran, after the
        // revocation re-signed the namespace's releases.
        let key_id = release.signature.as_ref().map(|s| s.key_id.clone());
        if let Some(k) = key_id
            && self.revoked_keys(address.namespace()).await?.contains(&k)
        {
            self.repair_signatures(address.namespace(), None).await?;
            if let Some(fresh) = self.store.release(address, &release.version).await? {
                return Ok(fresh);
            }
        }
        Ok(release)
    }

    /// The publisher's `SHA256SUMS` must list exactly the uploaded zips with
    /// their digests, and its signature verify with an active key the
    /// namespace registered.
    async fn check_given_signature(
        &self,
        upload: &ReleaseUpload,
        sums_file: &UploadedFile,
        sig_file: &UploadedFile,
    ) -> Result<ProviderSignature> {
        let sums_bytes = sums_file.body.body.to_bytes().await?;
        let text = std::str::from_utf8(&sums_bytes)
            .map_err(|_| Error::invalid_input(format!("{} is not text", sums_file.name)))?;
        let sums =
            Sha256Sums::parse(text).map_err(|e| e.with_context("file", sums_file.name.clone()))?;
        let mut problems = Vec::new();
        for f in &upload.files {
            if f.name == sums_file.name || f.name == sig_file.name {
                continue;
            }
            match sums.digest_of(&f.name) {
                None => problems.push(Problem::new(
                    &f.name,
                    format!("not listed in {}", sums_file.name),
                )),
                Some(d) if *d != f.body.sha256 => problems.push(Problem::new(
                    &f.name,
                    format!(
                        "its sha256 is {}, but {} lists {}",
                        f.body.sha256.hex(),
                        sums_file.name,
                        d.hex()
                    ),
                )),
                Some(_) => {}
            }
        }
        for (name, _) in sums.iter() {
            if !upload.files.iter().any(|f| f.name == name) {
                problems.push(Problem::new(
                    name,
                    format!("listed in {} but not uploaded", sums_file.name),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(Error::validation(problems));
        }
        let signature = sig_file.body.body.to_bytes().await?.to_vec();
        let namespace = upload.address.namespace();
        let keys: Vec<_> = self
            .store
            .provider_keys(Some(namespace))
            .await?
            .into_iter()
            .filter(|k| k.is_active())
            .collect();
        if keys.is_empty() {
            return Err(Error::new(
                ErrorKind::Integrity,
                format!(
                    "namespace {namespace:?} has no provider key to check {} with: an admin registers one with `registry provider keys add`, or publish without the signature and the registry signs",
                    sig_file.name
                ),
            ));
        }
        let armored: Vec<&str> = keys.iter().map(|k| k.public_key.as_str()).collect();
        let (index, _) = verify_detached_by(&armored, &signature, &sums_bytes).map_err(|e| {
            Error::new(
                ErrorKind::Integrity,
                format!(
                    "{} does not verify {} with any active key of namespace {namespace:?}: {}",
                    sig_file.name,
                    sums_file.name,
                    e.message()
                ),
            )
        })?;
        // The signer may be a subkey; the namespace's key is its primary.
        let key = &keys[index];
        Ok(ProviderSignature {
            shasums: text.to_string(),
            signature,
            key_id: key.key_id.clone(),
            by_registry: false,
        })
    }
}
