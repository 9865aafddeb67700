//! `hashicorp/local` (2.x): the resources `local_file` and
//! `local_sensitive_file`, and the data sources of the same names.
//!
//! Files are written only inside the scratch folder the engine gives the
//! provider: a relative `filename` is written under it, an absolute one or
//! one that climbs out with `..` is refused with an error naming it. The
//! data sources read inside the scratch folder (first) or the module
//! directory. Destroying an instance deletes its file. The engine's
//! teardown builds providers from a seed alone (no folders), so every
//! file written is also recorded here, and a provider without a scratch
//! folder deletes the file it finds recorded for the instance (when its
//! content is still the instance's).

use std::any::Any;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use base64::Engine as _;
use md5::Digest as _;
use md5::Md5;
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use super::BuiltinEnv;
use super::common::{
    PlanRules, Set, Table, error, fill, get, get_str, mark_sensitive, plan_resource, schema,
};
use crate::tftest::config::Mode;
use crate::tftest::diag::Diagnostic;
use crate::tftest::providers::schema::Schema;
use crate::tftest::providers::{PlanRequest, Planned, Provider};
use crate::tftest::value::{Type, Value};

const HASHES: [&str; 7] = [
    "id",
    "content_md5",
    "content_sha1",
    "content_sha256",
    "content_base64sha256",
    "content_sha512",
    "content_base64sha512",
];

fn resources() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let hashes = || HASHES.map(|h| (h, Type::String, Set::Computed, false));
        let mut file = vec![
            ("filename", Type::String, Set::Required, false),
            ("content", Type::String, Set::Optional, false),
            ("sensitive_content", Type::String, Set::Optional, true),
            ("content_base64", Type::String, Set::Optional, false),
            ("source", Type::String, Set::Optional, false),
            (
                "file_permission",
                Type::String,
                Set::OptionalComputed,
                false,
            ),
            (
                "directory_permission",
                Type::String,
                Set::OptionalComputed,
                false,
            ),
        ];
        file.extend(hashes());
        let mut sensitive = vec![
            ("filename", Type::String, Set::Required, false),
            ("content", Type::String, Set::Optional, true),
            ("content_base64", Type::String, Set::Optional, true),
            ("source", Type::String, Set::Optional, false),
            (
                "file_permission",
                Type::String,
                Set::OptionalComputed,
                false,
            ),
            (
                "directory_permission",
                Type::String,
                Set::OptionalComputed,
                false,
            ),
        ];
        sensitive.extend(hashes());
        Table::from([
            ("local_file", Arc::new(schema(&file))),
            ("local_sensitive_file", Arc::new(schema(&sensitive))),
        ])
    })
}

fn data_sources() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let sens = |s: bool| {
            let mut rows = vec![
                ("filename", Type::String, Set::Required, false),
                ("content", Type::String, Set::Computed, s),
                ("content_base64", Type::String, Set::Computed, s),
            ];
            rows.extend(HASHES.map(|h| (h, Type::String, Set::Computed, false)));
            Arc::new(schema(&rows))
        };
        Table::from([
            ("local_file", sens(false)),
            ("local_sensitive_file", sens(true)),
        ])
    })
}

/// A scratch folder handed out for one test file of one suite run.
struct Scratch {
    owner: Weak<dyn Any + Send + Sync>,
    file: String,
    dir: PathBuf,
}

fn scratches() -> &'static Mutex<Vec<Scratch>> {
    static S: OnceLock<Mutex<Vec<Scratch>>> = OnceLock::new();
    S.get_or_init(|| Mutex::new(Vec::new()))
}

/// The scratch folder of test file `file` in the suite run that `owner`
/// (any value living as long as the suite run, and only as long) belongs
/// to: the same folder for every run of the file, a new one for the next
/// suite run. Folders of suite runs that have ended are removed. The
/// folder itself is created when a file is first written into it.
pub fn scratch_dir_for<T: Any + Send + Sync>(owner: &Arc<T>, file: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut all = scratches().lock().unwrap_or_else(|p| p.into_inner());
    all.retain(|s| {
        let alive = s.owner.strong_count() > 0;
        if !alive {
            let _ = std::fs::remove_dir_all(&s.dir);
        }
        alive
    });
    let addr = Arc::as_ptr(owner) as *const ();
    if let Some(s) = all
        .iter()
        .find(|s| s.owner.as_ptr() as *const () == addr && s.file == file)
    {
        return s.dir.clone();
    }
    let dir = std::env::temp_dir().join(format!(
        "registry-testkit-tftest-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let any: Arc<dyn Any + Send + Sync> = owner.clone();
    all.push(Scratch {
        owner: Arc::downgrade(&any),
        file: file.to_string(),
        dir: dir.clone(),
    });
    dir
}

/// A file some `local` provider wrote: where, as which `filename`, with
/// which content (its SHA-1, the instance's id).
struct Written {
    path: PathBuf,
    filename: String,
    id: String,
}

fn written() -> &'static Mutex<Vec<Written>> {
    static W: OnceLock<Mutex<Vec<Written>>> = OnceLock::new();
    W.get_or_init(|| Mutex::new(Vec::new()))
}

/// `hashicorp/local`.
#[derive(Debug)]
pub struct Local {
    scratch: Option<PathBuf>,
    module: Option<PathBuf>,
}

impl Local {
    /// The provider, writing under `env.scratch_dir` and reading there or
    /// in `env.module_dir`.
    pub fn new(env: &BuiltinEnv) -> Self {
        Local {
            scratch: env.scratch_dir.clone(),
            module: env.module_dir.clone(),
        }
    }

    /// Where a resource's `filename` is written, or why it is not.
    fn target(&self, filename: &str) -> Result<PathBuf, Diagnostic> {
        let refuse = |why: &str| {
            error(
                "Refused to write outside the scratch folder",
                format!(
                    "The in-process local provider writes files only inside the test's scratch folder, and the filename {filename:?} {why}. Use a relative filename: it is written under the scratch folder."
                ),
            )
        };
        let p = Path::new(filename);
        if p.is_absolute() || p.has_root() {
            return Err(refuse("is absolute"));
        }
        let mut depth = 0i32;
        for c in p.components() {
            match c {
                Component::ParentDir => depth -= 1,
                Component::Normal(_) => depth += 1,
                Component::CurDir => {}
                _ => return Err(refuse("is not a plain relative path")),
            }
            if depth < 0 {
                return Err(refuse("leaves it with \"..\""));
            }
        }
        if depth == 0 {
            return Err(refuse("names no file"));
        }
        let Some(scratch) = &self.scratch else {
            return Err(error(
                "No scratch folder",
                format!(
                    "The in-process local provider has no scratch folder to write {filename:?} into."
                ),
            ));
        };
        Ok(scratch.join(p))
    }

    /// A file the data sources (and `source`) may read: inside the scratch
    /// folder or the module directory.
    fn readable(&self, filename: &str) -> Result<PathBuf, String> {
        let roots: Vec<PathBuf> = [&self.scratch, &self.module]
            .into_iter()
            .flatten()
            .filter_map(|d| d.canonicalize().ok())
            .collect();
        let p = Path::new(filename);
        let candidates: Vec<PathBuf> = if p.is_absolute() {
            vec![p.to_path_buf()]
        } else {
            [&self.scratch, &self.module]
                .into_iter()
                .flatten()
                .map(|d| d.join(p))
                .collect()
        };
        for c in &candidates {
            if let Ok(real) = c.canonicalize() {
                if roots.iter().any(|r| real.starts_with(r)) {
                    return Ok(real);
                }
                return Err(format!(
                    "the path {filename} is outside the module directory and the test's scratch folder; the in-process local provider reads only inside them"
                ));
            }
        }
        Err(format!("open {filename}: no such file or directory"))
    }

    fn content_of(&self, p: &Value) -> Result<Vec<u8>, Diagnostic> {
        let fail = |d: String| error("Create local file error", d);
        for k in ["content", "sensitive_content"] {
            if let Some(s) = get_str(p, k) {
                return Ok(s.into_bytes());
            }
        }
        if let Some(b) = get_str(p, "content_base64") {
            return base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .map_err(|e| fail(format!("Error decoding base64 content: {e}")));
        }
        if let Some(src) = get_str(p, "source") {
            let path = self
                .readable(&src)
                .map_err(|e| fail(format!("Error reading source file: {e}")))?;
            return std::fs::read(&path)
                .map_err(|e| fail(format!("Error reading source file {src:?}: {e}")));
        }
        Ok(Vec::new())
    }
}

/// The checksums the provider keeps (`id` is the SHA-1).
fn hashes(content: &[u8]) -> Vec<(&'static str, Value)> {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let sha1 = hex::encode(Sha1::digest(content));
    let sha256 = <Sha256 as sha2::Digest>::digest(content);
    let sha512 = <Sha512 as sha2::Digest>::digest(content);
    vec![
        ("id", Value::string(sha1.clone())),
        (
            "content_md5",
            Value::string(hex::encode(Md5::digest(content))),
        ),
        ("content_sha1", Value::string(sha1)),
        ("content_sha256", Value::string(hex::encode(sha256))),
        ("content_base64sha256", Value::string(b64(&sha256))),
        ("content_sha512", Value::string(hex::encode(sha512))),
        ("content_base64sha512", Value::string(b64(&sha512))),
    ]
}

fn exactly_one(c: &Value, ty: &str) -> Result<(), Diagnostic> {
    let keys: &[&str] = if ty == "local_file" {
        &["content", "sensitive_content", "content_base64", "source"]
    } else {
        &["content", "content_base64", "source"]
    };
    let set = keys.iter().filter(|k| !get(c, k).is_null()).count();
    let list = format!("[{}]", keys.join(","));
    match set {
        1 => Ok(()),
        0 => Err(error(
            "Invalid Attribute Combination",
            format!("No attribute specified when one (and only one) of {list} is required"),
        )),
        n => Err(error(
            "Invalid Attribute Combination",
            format!("{n} attributes specified when one (and only one) of {list} is required"),
        )),
    }
}

fn mode_of(c: &Value, k: &str) -> Result<Option<u32>, Diagnostic> {
    let Some(m) = get_str(c, k) else {
        return Ok(None);
    };
    if !(3..=4).contains(&m.len()) {
        return Err(error(
            "Invalid file mode",
            format!("bad mode for file - string length should be 3 or 4 digits: {m}"),
        ));
    }
    match u32::from_str_radix(&m, 8) {
        Ok(n) if n <= 0o777 => Ok(Some(n)),
        _ => Err(error(
            "Invalid file mode",
            format!("bad mode for file - must be three octal digits: {m}"),
        )),
    }
}

fn unsupported(ty: &str) -> Diagnostic {
    error(
        "Invalid resource type",
        format!("The provider hashicorp/local does not support resource type {ty:?}."),
    )
}

#[cfg(unix)]
fn set_mode(p: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_p: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

impl Local {
    fn write(&self, ty: &str, planned: &Value) -> Result<Value, Diagnostic> {
        let s = resources().get(ty).ok_or_else(|| unsupported(ty))?;
        let filename = get_str(planned, "filename").unwrap_or_default();
        let path = self.target(&filename)?;
        let content = self.content_of(planned)?;
        let fail = |e: std::io::Error| {
            error(
                "Create local file error",
                format!(
                    "An unexpected error occurred while writing the file\n\n+Original Error: {e}"
                ),
            )
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
            if let Some(m) = mode_of(planned, "directory_permission")?
                && dir != self.scratch.as_deref().unwrap_or(Path::new(""))
            {
                // The owner keeps access, so the engine can clean up.
                let _ = set_mode(dir, m | 0o700);
            }
        }
        std::fs::write(&path, &content).map_err(fail)?;
        if let Some(m) = mode_of(planned, "file_permission")? {
            set_mode(&path, m).map_err(fail)?;
        }
        let computed = hashes(&content);
        let id = computed[0].1.as_str().unwrap_or_default().to_string();
        let mut all = written().lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|w| w.path != path);
        all.push(Written {
            path: path.clone(),
            filename,
            id,
        });
        Ok(fill(s, planned, |k| {
            computed
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.clone())
        }))
    }

    /// Whether the file of a state is still there, as written.
    fn intact(&self, state: &Value) -> bool {
        let (Some(f), Some(id)) = (get_str(state, "filename"), get_str(state, "id")) else {
            return false;
        };
        let Ok(path) = self.target(&f) else {
            return false;
        };
        std::fs::read(path).is_ok_and(|c| hex::encode(Sha1::digest(&c)) == id)
    }
}

impl Provider for Local {
    fn source(&self) -> &str {
        "hashicorp/local"
    }

    fn schema(&self, mode: Mode, ty: &str) -> Option<Arc<Schema>> {
        match mode {
            Mode::Managed => resources().get(ty).cloned(),
            Mode::Data => data_sources().get(ty).cloned(),
            Mode::Ephemeral => None,
        }
    }

    fn has(&self, mode: Mode, ty: &str) -> bool {
        self.schema(mode, ty).is_some()
    }

    fn plan(&self, req: &PlanRequest<'_>) -> Result<Planned, Diagnostic> {
        let s = resources().get(req.ty).ok_or_else(|| unsupported(req.ty))?;
        exactly_one(req.config, req.ty)?;
        mode_of(req.config, "file_permission")?;
        mode_of(req.config, "directory_permission")?;
        let perm = if req.ty == "local_file" {
            "0777"
        } else {
            "0700"
        };
        let defaults = [
            ("file_permission", Value::string(perm)),
            ("directory_permission", Value::string(perm)),
        ];
        let rules = PlanRules {
            defaults: &defaults,
            in_place: &[],
        };
        // A file removed or changed since is gone from state (the
        // provider's read): it is written anew.
        let prior = req.prior.filter(|p| self.intact(p));
        let mut planned = plan_resource(s, req.config, prior, &rules);
        planned.replace |= req.prior.is_some() && prior.is_none();
        Ok(planned)
    }

    fn apply(&self, ty: &str, planned: &Value, prior: Option<&Value>) -> Result<Value, Diagnostic> {
        if planned.is_wholly_known() {
            return Ok(planned.clone());
        }
        if let Some(p) = prior {
            self.destroy(ty, p)?;
        }
        self.write(ty, planned)
    }

    fn read(&self, ty: &str, config: &Value) -> Result<Value, Diagnostic> {
        let s = data_sources().get(ty).ok_or_else(|| {
            error(
                "Unsupported data source",
                format!("The local provider has no data source {ty:?}."),
            )
        })?;
        let filename = get_str(config, "filename").unwrap_or_default();
        let summary = if ty == "local_file" {
            "Read local file data source error"
        } else {
            "Read local sensitive file data source error"
        };
        let fail = |e: String| {
            error(
                summary,
                format!("The file at given path cannot be read.\n\n+Original Error: {e}"),
            )
        };
        let path = self.readable(&filename).map_err(fail)?;
        let content = std::fs::read(&path).map_err(|e| fail(format!("open {filename}: {e}")))?;
        let mut out = config.as_entries().cloned().unwrap_or_default();
        out.insert(
            "content".into(),
            Value::string(String::from_utf8_lossy(&content).into_owned()),
        );
        out.insert(
            "content_base64".into(),
            Value::string(base64::engine::general_purpose::STANDARD.encode(&content)),
        );
        for (k, v) in hashes(&content) {
            out.insert(k.into(), v);
        }
        Ok(mark_sensitive(s, &Value::object(out)))
    }

    fn destroy(&self, _ty: &str, state: &Value) -> Result<(), Diagnostic> {
        let (Some(filename), Some(id)) = (get_str(state, "filename"), get_str(state, "id")) else {
            return Ok(());
        };
        let mut all = written().lock().unwrap_or_else(|p| p.into_inner());
        let path = match &self.scratch {
            Some(_) => self.target(&filename).ok(),
            None => all
                .iter()
                .rev()
                .find(|w| w.filename == filename && w.id == id)
                .map(|w| w.path.clone()),
        };
        let Some(path) = path else {
            return Ok(());
        };
        all.retain(|w| w.path != path);
        let ours = std::fs::read(&path).is_ok_and(|c| hex::encode(Sha1::digest(&c)) == id);
        if ours {
            std::fs::remove_file(&path).map_err(|e| {
                error(
                    "Delete local file error",
                    format!("Failed to delete {filename:?}: {e}"),
                )
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
