//! Filesystem functions: path manipulation (`abspath`, `basename`,
//! `dirname`, `pathexpand`), and reading files (`file`, `fileexists`,
//! `fileset`, the `file*` hashes, `templatefile`).
//!
//! Reading is confined: a path (relative to the module directory, as
//! Terraform's `path.module` is `.`) must resolve, symlinks followed, to a
//! file inside the module directory or the scratch directory. Anything
//! else is refused with an error naming the path, and no file larger than
//! [`MAX_FILE_SIZE`] is read.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

use super::crypto::digest;
use super::encoding::{b64_encode, valid_identifier};
use super::{FnEnv, FnError, Function, Functions, Param, str_arg};
use crate::tftest::diag::SourceFile;
use crate::tftest::eval::{EvalCtx, MapScope, eval_template_file, references};
use crate::tftest::value::{Kind, Marks, Type, Value, go_quote};

/// The largest file the file functions read (4 MiB).
pub const MAX_FILE_SIZE: u64 = 4 * 1024 * 1024;

/// Entries `fileset` visits at most.
const MAX_WALK: usize = 100_000;

/// A path as Go's `filepath.Clean` leaves it.
fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn home() -> Option<String> {
    std::env::var("HOME").ok().filter(|h| !h.is_empty())
}

/// `~` expanded as `go-homedir` expands it.
fn expand_home(p: &str) -> Result<String, String> {
    if !p.starts_with('~') {
        return Ok(p.to_string());
    }
    if p.len() > 1 && !p[1..].starts_with('/') && !p[1..].starts_with('\\') {
        return Err("cannot expand user-specific home dir".into());
    }
    let h = home().ok_or_else(|| "cannot expand ~: no home directory".to_string())?;
    Ok(format!("{h}{}", &p[1..]))
}

/// How a path appears in a message (redacted when sensitive).
fn shown(p: &str, marks: Marks) -> String {
    if marks.sensitive {
        "(sensitive value)".into()
    } else {
        go_quote(p)
    }
}

/// A path the functions may read, and how messages name it.
struct Resolved {
    /// The canonical path on disk.
    real: PathBuf,
    /// The path as Terraform names it (`sub/x.txt`).
    display: String,
}

/// The roots files may be read from, canonicalized.
fn roots(env: &FnEnv) -> Vec<PathBuf> {
    [&env.module_dir, &env.scratch_dir]
        .into_iter()
        .flatten()
        .filter_map(|d| std::fs::canonicalize(d).ok())
        .collect()
}

fn lexically_inside(p: &Path, roots: &[PathBuf], env: &FnEnv) -> bool {
    let raw_roots: Vec<PathBuf> = [&env.module_dir, &env.scratch_dir]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let normal = Path::new(&clean(&p.to_string_lossy())).to_path_buf();
    roots
        .iter()
        .chain(raw_roots.iter())
        .any(|r| normal.starts_with(Path::new(&clean(&r.to_string_lossy()))))
}

fn outside(display: &str, marks: Marks) -> String {
    format!(
        "the path {} is outside the module directory; file functions may only read files inside it (or the test's scratch directory)",
        shown(display, marks)
    )
}

/// Where `path` (relative to the module directory) leads, if the
/// functions may look there. `Ok(None)`: nothing exists there.
fn resolve(env: &FnEnv, path: &str, marks: Marks) -> Result<Option<Resolved>, String> {
    let expanded = expand_home(path).map_err(|e| format!("failed to expand ~: {e}"))?;
    let Some(module) = &env.module_dir else {
        return Err(format!(
            "cannot read {}: no module directory is available to file functions",
            shown(path, marks)
        ));
    };
    let display = clean(&expanded);
    let joined = if Path::new(&expanded).is_absolute() {
        PathBuf::from(&display)
    } else {
        module.join(&display)
    };
    let roots = roots(env);
    if joined
        .components()
        .any(|c| matches!(c, Component::ParentDir))
        && !lexically_inside(&joined, &roots, env)
    {
        return Err(outside(&display, marks));
    }
    match std::fs::canonicalize(&joined) {
        Ok(real) => {
            if roots.iter().any(|r| real.starts_with(r)) {
                Ok(Some(Resolved { real, display }))
            } else {
                Err(outside(&display, marks))
            }
        }
        Err(_) if lexically_inside(&joined, &roots, env) => {
            // A dangling symlink inside the module may still point out.
            if std::fs::symlink_metadata(&joined).is_ok() {
                return Err(outside(&display, marks));
            }
            Ok(None)
        }
        Err(_) => Err(outside(&display, marks)),
    }
}

enum ReadError {
    /// Refused or not found: the message for an argument error.
    Arg(String),
    /// An I/O failure, as Go words it (`read sub: is a directory`).
    Io(String),
}

fn read_bytes(env: &FnEnv, path: &str, marks: Marks) -> Result<Vec<u8>, ReadError> {
    let r = resolve(env, path, marks).map_err(ReadError::Arg)?;
    let Some(r) = r else {
        return Err(ReadError::Arg(format!(
            "no file exists at {}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource",
            shown(path, marks)
        )));
    };
    let name = if marks.sensitive {
        "(sensitive value)".to_string()
    } else {
        r.display.clone()
    };
    let meta =
        std::fs::metadata(&r.real).map_err(|e| ReadError::Io(format!("stat {name}: {e}")))?;
    if meta.is_dir() {
        return Err(ReadError::Io(format!("read {name}: is a directory")));
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(ReadError::Arg(format!(
            "the file {} is larger than the {} MiB the file functions read",
            shown(&r.display, marks),
            MAX_FILE_SIZE / (1024 * 1024)
        )));
    }
    let f = std::fs::File::open(&r.real).map_err(|e| ReadError::Io(format!("open {name}: {e}")))?;
    let mut buf = Vec::new();
    f.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ReadError::Io(format!("read {name}: {e}")))?;
    if buf.len() as u64 > MAX_FILE_SIZE {
        return Err(ReadError::Arg(format!(
            "the file {} is larger than the {} MiB the file functions read",
            shown(&r.display, marks),
            MAX_FILE_SIZE / (1024 * 1024)
        )));
    }
    Ok(buf)
}

/// `file` and `filebase64`'s reading: failures are argument errors.
fn read_for_file(env: &FnEnv, path: &str, marks: Marks) -> Result<Vec<u8>, FnError> {
    read_bytes(env, path, marks).map_err(|e| match e {
        ReadError::Arg(m) => FnError::arg(0, m),
        ReadError::Io(m) => FnError::arg(0, format!("failed to read file: {m}")),
    })
}

fn utf8_contents(bytes: Vec<u8>, path: &str, marks: Marks) -> Result<String, FnError> {
    String::from_utf8(bytes).map_err(|_| {
        FnError::call(format!(
            "contents of {} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead",
            shown(path, marks)
        ))
    })
}

fn file(env: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let marks = a[0].deep_marks();
    let path = str_arg(a, 0);
    let bytes = read_for_file(env, path, marks)?;
    Ok(Value::string(utf8_contents(bytes, path, marks)?).with_marks(marks))
}

fn filebase64(env: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let marks = a[0].deep_marks();
    let bytes = read_for_file(env, str_arg(a, 0), marks)?;
    Ok(Value::string(b64_encode(&bytes)).with_marks(marks))
}

/// The hash functions report failures as Go's `os.Open` does.
fn file_hash(env: &FnEnv, a: &[Value], alg: &str, base64: bool) -> Result<Value, FnError> {
    let marks = a[0].deep_marks();
    let path = str_arg(a, 0);
    let bytes = read_bytes(env, path, marks).map_err(|e| match e {
        ReadError::Arg(m) if m.starts_with("no file exists") => FnError::call(format!(
            "open {}: no such file or directory",
            if marks.sensitive {
                "(sensitive value)".to_string()
            } else {
                clean(path)
            }
        )),
        ReadError::Arg(m) => FnError::arg(0, m),
        ReadError::Io(m) => FnError::call(m),
    })?;
    let d = digest(alg, &bytes);
    let text = if base64 {
        b64_encode(&d)
    } else {
        hex::encode(d)
    };
    Ok(Value::string(text).with_marks(marks))
}

fn filemd5(env: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    file_hash(env, a, "md5", false)
}

fn filesha1(env: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    file_hash(env, a, "sha1", false)
}

fn filesha256(env: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    file_hash(env, a, "sha256", false)
}

fn filesha512(env: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    file_hash(env, a, "sha512", false)
}

fn filebase64sha256(env: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    file_hash(env, a, "sha256", true)
}

fn filebase64sha512(env: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    file_hash(env, a, "sha512", true)
}

fn fileexists(env: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let marks = a[0].deep_marks();
    let path = str_arg(a, 0);
    let Some(r) = resolve(env, path, marks).map_err(|e| FnError::arg(0, e))? else {
        return Ok(Value::bool(false).with_marks(marks));
    };
    let name = shown(&r.display, marks);
    let meta =
        std::fs::metadata(&r.real).map_err(|_| FnError::call(format!("failed to stat {name}")))?;
    if meta.is_file() {
        return Ok(Value::bool(true).with_marks(marks));
    }
    Err(FnError::call(if meta.is_dir() {
        format!("{name} is a directory, not a file")
    } else {
        format!("{name} is not a regular file")
    }))
}

// ------------------------------------------------------------- fileset

/// Brace alternatives expanded: `a{b,c}d` → `abd`, `acd`.
fn expand_braces(p: &str) -> Result<Vec<String>, ()> {
    let b = p.as_bytes();
    let mut depth = 0;
    let mut start = None;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'{' => {
                if depth == 0 {
                    start = Some(i);
                }
                depth += 1;
            }
            b'}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let s = start.unwrap_or(0);
                    let inner = &p[s + 1..i];
                    let mut alts = Vec::new();
                    let mut d = 0;
                    let mut last = 0;
                    let ib = inner.as_bytes();
                    let mut k = 0;
                    while k < ib.len() {
                        match ib[k] {
                            b'\\' => k += 1,
                            b'{' => d += 1,
                            b'}' => d -= 1,
                            b',' if d == 0 => {
                                alts.push(&inner[last..k]);
                                last = k + 1;
                            }
                            _ => {}
                        }
                        k += 1;
                    }
                    alts.push(&inner[last..]);
                    let mut out = Vec::new();
                    for alt in alts {
                        for rest in expand_braces(&format!("{}{alt}{}", &p[..s], &p[i + 1..]))? {
                            out.push(rest);
                        }
                    }
                    return Ok(out);
                }
            }
            _ => {}
        }
        i += 1;
    }
    if depth > 0 {
        return Err(());
    }
    Ok(vec![p.to_string()])
}

/// Whether one path component matches one pattern component (`*`, `?`,
/// `[...]`, `\` escapes). `Err` for a malformed pattern.
fn match_component(pat: &[char], name: &[char]) -> Result<bool, ()> {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p < pat.len() {
            match pat[p] {
                '*' => {
                    star = Some((p, n));
                    p += 1;
                    continue;
                }
                '?' if n < name.len() => {
                    p += 1;
                    n += 1;
                    continue;
                }
                '[' => {
                    let (matched, len) = match_class(&pat[p..], name.get(n).copied())?;
                    if matched {
                        p += len;
                        n += 1;
                        continue;
                    }
                }
                '\\' => {
                    let c = *pat.get(p + 1).ok_or(())?;
                    if name.get(n) == Some(&c) {
                        p += 2;
                        n += 1;
                        continue;
                    }
                }
                c if c != '?' && name.get(n) == Some(&c) => {
                    p += 1;
                    n += 1;
                    continue;
                }
                _ => {}
            }
        } else if n == name.len() {
            return Ok(true);
        }
        match star {
            Some((sp, sn)) if sn < name.len() => {
                star = Some((sp, sn + 1));
                p = sp + 1;
                n = sn + 1;
            }
            _ => {
                // Validate the rest of the pattern before answering.
                validate(&pat[p.min(pat.len())..])?;
                return Ok(false);
            }
        }
    }
}

fn validate(pat: &[char]) -> Result<(), ()> {
    let mut i = 0;
    while i < pat.len() {
        match pat[i] {
            '[' => {
                let (_, len) = match_class(&pat[i..], None)?;
                i += len;
            }
            '\\' => i += 2,
            _ => i += 1,
        }
    }
    if i > pat.len() { Err(()) } else { Ok(()) }
}

/// A `[...]` class at the start of `pat`: whether `c` is in it, and its length.
fn match_class(pat: &[char], c: Option<char>) -> Result<(bool, usize), ()> {
    let mut i = 1;
    let negate = matches!(pat.get(1), Some('^') | Some('!'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let Some(&lo) = pat.get(i) else {
            return Err(());
        };
        if lo == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        let lo = if lo == '\\' {
            i += 1;
            *pat.get(i).ok_or(())?
        } else {
            lo
        };
        i += 1;
        let mut hi = lo;
        if pat.get(i) == Some(&'-') && pat.get(i + 1).is_some_and(|&x| x != ']') {
            hi = pat[i + 1];
            if hi == '\\' {
                hi = *pat.get(i + 2).ok_or(())?;
                i += 1;
            }
            i += 2;
        }
        if let Some(c) = c
            && lo <= c
            && c <= hi
        {
            matched = true;
        }
    }
    Ok((c.is_some() && matched != negate, i))
}

fn match_path(pat: &[Vec<char>], path: &[Vec<char>]) -> Result<bool, ()> {
    let Some((first, rest)) = pat.split_first() else {
        return Ok(path.is_empty());
    };
    if first.iter().collect::<String>() == "**" {
        for i in 0..=path.len() {
            if match_path(rest, &path[i..])? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    let Some((name, prest)) = path.split_first() else {
        validate(first)?;
        return Ok(false);
    };
    if !match_component(first, name)? {
        return Ok(false);
    }
    match_path(rest, prest)
}

fn has_meta(s: &str) -> bool {
    s.contains(['*', '?', '[', '{', '\\'])
}

/// Every regular file below `dir` (within the roots), as paths relative
/// to `dir` split into components.
fn walk(dir: &Path, roots: &[PathBuf], out: &mut Vec<Vec<String>>, prefix: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut names: Vec<_> = entries.filter_map(|e| e.ok()).collect();
    names.sort_by_key(|e| e.file_name());
    for e in names {
        if out.len() >= MAX_WALK || prefix.len() > 64 {
            return;
        }
        let path = e.path();
        let Ok(real) = std::fs::canonicalize(&path) else {
            continue;
        };
        if !roots.iter().any(|r| real.starts_with(r)) {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&real) else {
            continue;
        };
        prefix.push(e.file_name().to_string_lossy().into_owned());
        if meta.is_file() {
            out.push(prefix.clone());
        }
        // Directories reached through symlinks are matched but not
        // descended into, so a link cycle cannot recurse.
        let is_link = e.file_type().map(|t| t.is_symlink()).unwrap_or(true);
        if meta.is_dir() && !is_link {
            walk(&path, roots, out, prefix);
        }
        prefix.pop();
    }
}

fn fileset(env: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let marks = a[0].deep_marks().union(a[1].deep_marks());
    let path = str_arg(a, 0);
    let pattern = str_arg(a, 1);
    let Some(module) = &env.module_dir else {
        return Err(FnError::arg(
            0,
            "no module directory is available to file functions",
        ));
    };
    let base_text = clean(path);
    let full = clean(&format!("{base_text}/{pattern}"));
    let bad = || {
        FnError::call(format!(
            "failed to glob pattern {}: syntax error in pattern",
            shown(&full, marks)
        ))
    };
    let abs = |p: &str| -> PathBuf {
        if Path::new(p).is_absolute() {
            PathBuf::from(p)
        } else {
            module.join(p)
        }
    };
    let roots = roots(env);
    let mut files: Vec<String> = Vec::new();
    for alt in expand_braces(&full).map_err(|_| bad())? {
        let alt = clean(&alt);
        let comps: Vec<&str> = alt.split('/').collect();
        let literal = comps.iter().take_while(|c| !has_meta(c)).count();
        let (lit, rest) = comps.split_at(literal);
        let mut start = lit.join("/");
        if alt.starts_with('/') && start.is_empty() {
            start = "/".into();
        }
        let start_abs = abs(if start.is_empty() { "." } else { &start });
        let pat: Vec<Vec<char>> = rest.iter().map(|c| c.chars().collect()).collect();
        for p in &pat {
            validate(p).map_err(|_| bad())?;
        }
        // The walk begins where the pattern's literal part leads, which
        // must be inside the module (or scratch) directory.
        let real_start = match std::fs::canonicalize(&start_abs) {
            Ok(r) => r,
            Err(_) => continue,
        };
        if !roots.iter().any(|r| real_start.starts_with(r)) {
            return Err(FnError::arg(0, outside(&start, marks)));
        }
        let mut found = Vec::new();
        if pat.is_empty() {
            if real_start.is_file() {
                found.push(Vec::new());
            }
        } else {
            walk(&start_abs, &roots, &mut found, &mut Vec::new());
        }
        for comps in found {
            let chars: Vec<Vec<char>> = comps.iter().map(|c| c.chars().collect()).collect();
            if !match_path(&pat, &chars).map_err(|_| bad())? {
                continue;
            }
            let mut full_path = start.clone();
            for c in &comps {
                if !full_path.is_empty() && !full_path.ends_with('/') {
                    full_path.push('/');
                }
                full_path.push_str(c);
            }
            files.push(relative(&base_text, &clean(&full_path)));
        }
    }
    let items = files.into_iter().map(Value::string).collect();
    Ok(Value::set(Type::String, items).with_marks(marks))
}

/// `target` relative to `base` (both cleaned), as `filepath.Rel` gives it.
fn relative(base: &str, target: &str) -> String {
    let split = |s: &str| -> Vec<String> {
        if s == "." {
            Vec::new()
        } else {
            s.split('/')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        }
    };
    let (b, t) = (split(base), split(target));
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(t[common..].iter().cloned());
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

// ------------------------------------------------------- path functions

fn abspath(env: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let p = str_arg(a, 0);
    if p.starts_with('/') {
        return Ok(Value::string(clean(p)));
    }
    let cwd = env
        .module_dir
        .clone()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("/"));
    let joined = format!("{}/{p}", cwd.to_string_lossy());
    Ok(Value::string(clean(&joined)))
}

fn basename(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let p = str_arg(a, 0);
    if p.is_empty() {
        return Ok(Value::string("."));
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(Value::string("/"));
    }
    Ok(Value::string(
        trimmed.rsplit('/').next().unwrap_or(trimmed).to_string(),
    ))
}

fn dirname(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let p = str_arg(a, 0);
    let dir = match p.rfind('/') {
        Some(i) => clean(&p[..=i]),
        None => ".".to_string(),
    };
    Ok(Value::string(dir))
}

fn pathexpand(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    expand_home(str_arg(a, 0))
        .map(Value::string)
        .map_err(FnError::call)
}

// --------------------------------------------------------- templatefile

fn templatefile(env: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let marks = a[0].deep_marks();
    let path = str_arg(a, 0).to_string();
    let bytes = read_for_file(env, &path, marks)?;
    let text = utf8_contents(bytes, &path, marks)?;
    let file = SourceFile::new(path.clone(), text.clone());
    let template = crate::tftest::syntax::parse::parse_template(&text).map_err(|e| {
        FnError::call(format!(
            "{path}:{},{}-{}: Invalid template; {}.",
            e.line(),
            e.column(),
            e.column(),
            e.message()
        ))
    })?;
    let vars = &a[1];
    if vars.is_unknown() {
        return Ok(Value::unknown(Type::Dynamic).with_marks(marks));
    }
    let marks = marks.union(vars.marks());
    let Some(entries) = (match vars.kind() {
        Kind::Map(_, m) | Kind::Object(m) => Some(m),
        _ => None,
    }) else {
        return Err(FnError::arg(1, "invalid vars value: must be a map"));
    };
    for name in entries.keys() {
        if !valid_identifier(name) {
            return Err(FnError::arg(
                1,
                format!(
                    "invalid template variable name {}: must start with a letter, followed by zero or more letters, digits, and underscores",
                    go_quote(name)
                ),
            ));
        }
    }
    let template = hcl_edit::template::StringTemplate::from(template);
    let expr = hcl_edit::expr::Expression::StringTemplate(template.clone());
    for r in references(&expr) {
        if !entries.contains_key(&r.root) {
            let span = r.span.clone().unwrap_or(0..0);
            let root_span = span.start..(span.start + r.root.len()).min(span.end.max(span.start));
            return Err(FnError::arg(
                1,
                format!(
                    "vars map does not contain key {}, referenced at {}",
                    go_quote(&r.root),
                    file.range(root_span)
                ),
            ));
        }
    }
    let scope = MapScope(entries.clone().into_iter().collect::<BTreeMap<_, _>>());
    let mut functions = Functions::builtin(env.clone());
    functions.add(
        "templatefile",
        Function::new(
            vec![
                Param::new("path", Type::String),
                Param::new("vars", Type::Dynamic),
            ],
            Type::Dynamic,
            |_, _| {
                Err(FnError::call(
                    "cannot recursively call templatefile from inside another template function",
                ))
            },
        ),
    );
    let cx = EvalCtx::new(&file, &scope, &functions);
    let v = eval_template_file(&template, &cx).map_err(|d| {
        let at = d
            .range
            .as_ref()
            .map(|r| format!("{r}: "))
            .unwrap_or_default();
        FnError::call(format!("{at}{}; {}", d.summary, d.detail))
    })?;
    Ok(v.with_marks(marks))
}

/// Register the filesystem functions.
pub fn register(f: &mut Functions) {
    let path = || Param::new("path", Type::String);
    let reader = |imp: super::Impl, ret: Type| Function::new(vec![path()], ret, imp).marked();
    f.add("file", reader(file, Type::String));
    f.add("filebase64", reader(filebase64, Type::String));
    f.add("filemd5", reader(filemd5, Type::String));
    f.add("filesha1", reader(filesha1, Type::String));
    f.add("filesha256", reader(filesha256, Type::String));
    f.add("filesha512", reader(filesha512, Type::String));
    f.add("filebase64sha256", reader(filebase64sha256, Type::String));
    f.add("filebase64sha512", reader(filebase64sha512, Type::String));
    f.add("fileexists", reader(fileexists, Type::Bool));
    f.add(
        "fileset",
        Function::new(
            vec![path(), Param::new("pattern", Type::String)],
            Type::set(Type::String),
            fileset,
        )
        .marked(),
    );
    f.add(
        "templatefile",
        Function::new(
            vec![path(), Param::new("vars", Type::Dynamic).unknowns()],
            Type::Dynamic,
            templatefile,
        )
        .marked(),
    );
    f.add(
        "abspath",
        Function::new(vec![path()], Type::String, abspath),
    );
    f.add(
        "basename",
        Function::new(vec![path()], Type::String, basename),
    );
    f.add(
        "dirname",
        Function::new(vec![path()], Type::String, dirname),
    );
    f.add(
        "pathexpand",
        Function::new(vec![path()], Type::String, pathexpand),
    );
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::tftest::diag::Diagnostic;
    use crate::tftest::eval::{MapScope, eval_text};
    use crate::tftest::functions::{FnEnv, Functions};
    use crate::tftest::value::{Type, Value};

    struct Fixture {
        _root: tempfile::TempDir,
        module: std::path::PathBuf,
        outside: std::path::PathBuf,
        functions: Functions,
    }

    fn write(p: &Path, bytes: &[u8]) {
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(p, bytes).unwrap();
    }

    fn fixture() -> Fixture {
        let root = tempfile::tempdir().unwrap();
        let module = root.path().join("module");
        let outside = root.path().join("outside");
        write(&outside.join("secret.txt"), b"top secret");
        write(&module.join("sub/a.txt"), b"abc");
        write(&module.join("sub/bin"), b"\xff\xfe");
        write(&module.join("sub/t.tftpl"), b"hi ${name}!");
        write(
            &module.join("sub/l.tftpl"),
            b"%{ for x in xs }${x},%{ endfor }",
        );
        write(
            &module.join("sub/rec.tftpl"),
            b"${templatefile(\"sub/t.tftpl\", {name=\"x\"})}",
        );
        write(&module.join("sub/bad.tftpl"), b"${upper(1, 2)}");
        write(&module.join("sub/obj.tftpl"), b"${x}");
        write(
            &module.join("sub/fn.tftpl"),
            b"${upper(name)}-${file(\"sub/a.txt\")}",
        );
        write(&module.join("sub/d/deep.txt"), b"deep");
        write(&module.join("sub/d/e/deeper.md"), b"deeper");
        write(&module.join(".hidden"), b"h");
        std::os::unix::fs::symlink(outside.join("secret.txt"), module.join("link-out")).unwrap();
        std::os::unix::fs::symlink(&outside, module.join("dir-out")).unwrap();
        std::os::unix::fs::symlink(module.join("sub/a.txt"), module.join("link-in")).unwrap();
        let functions = Functions::builtin(FnEnv {
            module_dir: Some(module.clone()),
            ..FnEnv::default()
        });
        Fixture {
            _root: root,
            module,
            outside,
            functions,
        }
    }

    fn scope() -> MapScope {
        let mut names = MapScope::default();
        names.0.insert(
            "var".into(),
            Value::object_from([
                ("secret_path", Value::string("sub/nope").sensitive()),
                ("pw", Value::string("hunter2").sensitive()),
            ]),
        );
        names
    }

    impl Fixture {
        fn ev(&self, text: &str) -> Value {
            eval_text(text, &scope(), &self.functions).unwrap_or_else(|d| panic!("{text}: {d}"))
        }

        fn st(&self, text: &str) -> String {
            self.ev(text).as_str().expect("a string").to_string()
        }

        fn err(&self, text: &str) -> Diagnostic {
            match eval_text(text, &scope(), &self.functions) {
                Ok(v) => panic!("{text}: expected an error, got {v}"),
                Err(d) => d,
            }
        }

        fn refused(&self, text: &str) {
            let d = self.err(text);
            assert_eq!(
                d.summary, "Invalid function argument",
                "{text}: {}",
                d.detail
            );
            assert!(
                d.detail.contains("is outside the module directory"),
                "{text}: {}",
                d.detail
            );
        }
    }

    fn set(items: &[&str]) -> Value {
        Value::set(
            Type::String,
            items.iter().map(|s| Value::string(*s)).collect(),
        )
    }

    #[test]
    fn reads_files_in_the_module() {
        let f = fixture();
        assert_eq!(f.st(r#"file("sub/a.txt")"#), "abc");
        assert_eq!(f.st(r#"file("./sub/../sub/a.txt")"#), "abc");
        assert_eq!(f.st(r#"file("link-in")"#), "abc", "links inside are fine");
        let abs = f.module.join("sub/a.txt");
        assert_eq!(f.st(&format!("file({:?})", abs.to_str().unwrap())), "abc");
        assert_eq!(f.st(r#"filebase64("sub/bin")"#), "//4=");
        assert_eq!(
            f.st(r#"filemd5("sub/a.txt")"#),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            f.st(r#"filesha1("sub/a.txt")"#),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            f.st(r#"filesha256("sub/a.txt")"#),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(
            f.st(r#"filesha512("sub/a.txt")"#)
                .starts_with("ddaf35a193617aba")
        );
        assert_eq!(
            f.st(r#"filebase64sha256("sub/a.txt")"#),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        assert!(
            f.st(r#"filebase64sha512("sub/a.txt")"#)
                .starts_with("3a81oZNherrMQXNJriBBMRLm")
        );
        assert_eq!(f.ev(r#"fileexists("sub/a.txt")"#), Value::bool(true));
        assert_eq!(f.ev(r#"fileexists("sub/zz")"#), Value::bool(false));
    }

    #[test]
    fn errors_match_terraform() {
        let f = fixture();
        let d = f.err(r#"file("sub/nope.txt")"#);
        assert_eq!(d.summary, "Invalid function argument");
        assert_eq!(
            d.detail,
            "Invalid value for \"path\" parameter: no file exists at \"sub/nope.txt\"; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource."
        );
        assert_eq!(
            f.err(r#"file("sub")"#).detail,
            "Invalid value for \"path\" parameter: failed to read file: read sub: is a directory."
        );
        let d = f.err(r#"file("sub/bin")"#);
        assert_eq!(d.summary, "Error in function call");
        assert_eq!(
            d.detail,
            "Call to function \"file\" failed: contents of \"sub/bin\" are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead."
        );
        assert_eq!(
            f.err(r#"filemd5("sub/nope")"#).detail,
            "Call to function \"filemd5\" failed: open sub/nope: no such file or directory."
        );
        assert_eq!(
            f.err(r#"filemd5("sub")"#).detail,
            "Call to function \"filemd5\" failed: read sub: is a directory."
        );
        assert_eq!(
            f.err(r#"fileexists("sub")"#).detail,
            "Call to function \"fileexists\" failed: \"sub\" is a directory, not a file."
        );
        let d = f.err("file(var.secret_path)");
        assert!(d.detail.contains("(sensitive value)"), "{}", d.detail);
        assert!(!d.detail.contains("sub/nope"), "{}", d.detail);
        assert_eq!(f.ev(r#"can(file("sub/nope"))"#), Value::bool(false));
    }

    #[test]
    fn escapes_are_refused() {
        let f = fixture();
        f.refused(r#"file("../outside/secret.txt")"#);
        f.refused(r#"file("sub/../../outside/secret.txt")"#);
        f.refused(r#"file("../x")"#);
        let abs = f.outside.join("secret.txt");
        f.refused(&format!("file({:?})", abs.to_str().unwrap()));
        f.refused(r#"file("/etc/passwd")"#);
        f.refused(r#"file("link-out")"#);
        f.refused(r#"file("dir-out/secret.txt")"#);
        f.refused(r#"filebase64("link-out")"#);
        f.refused(r#"filesha256("link-out")"#);
        f.refused(r#"fileexists("link-out")"#);
        f.refused(r#"fileexists("/etc/passwd")"#);
        f.refused(r#"templatefile("link-out", {})"#);
        f.refused(r#"fileset("..", "*")"#);
        f.refused(r#"fileset(".", "../outside/*")"#);
        f.refused(r#"fileset("dir-out", "*")"#);
        assert_eq!(f.ev(r#"can(file("link-out"))"#), Value::bool(false));
        let d = f.err(r#"file("link-out")"#);
        assert!(
            d.detail.contains("\"link-out\""),
            "names the path: {}",
            d.detail
        );
        assert!(!f.st(r#"jsonencode(fileset(".", "**"))"#).contains("secret"));
        let none = Functions::default();
        assert!(eval_text(r#"file("x")"#, &scope(), &none).is_err());
    }

    #[test]
    fn large_files_are_refused() {
        let f = fixture();
        write(
            &f.module.join("big.bin"),
            &vec![b'a'; (super::MAX_FILE_SIZE + 1) as usize],
        );
        let d = f.err(r#"filemd5("big.bin")"#);
        assert!(d.detail.contains("larger than the 4 MiB"), "{}", d.detail);
        f.err(r#"file("big.bin")"#);
    }

    #[test]
    fn fileset_globs() {
        let f = fixture();
        assert_eq!(
            f.ev(r#"fileset("sub", "*")"#),
            set(&[
                "a.txt",
                "bad.tftpl",
                "bin",
                "fn.tftpl",
                "l.tftpl",
                "obj.tftpl",
                "rec.tftpl",
                "t.tftpl"
            ])
        );
        assert_eq!(
            f.ev(r#"fileset("sub", "**/*.{txt,md}")"#),
            set(&["a.txt", "d/deep.txt", "d/e/deeper.md"])
        );
        assert_eq!(
            f.ev(r#"fileset(".", "sub/{a,t}.*")"#),
            set(&["sub/a.txt", "sub/t.tftpl"])
        );
        assert_eq!(f.ev(r#"fileset("sub", "?.txt")"#), set(&["a.txt"]));
        assert_eq!(
            f.ev(r#"fileset("sub", "[a-b]*")"#),
            set(&["a.txt", "bad.tftpl", "bin"])
        );
        assert_eq!(f.ev(r#"fileset("sub", "[!a-b]n*")"#), set(&["fn.tftpl"]));
        assert_eq!(
            f.ev(r#"fileset("sub/d", "**")"#),
            set(&["deep.txt", "e/deeper.md"])
        );
        assert_eq!(f.ev(r#"fileset(".", ".*")"#), set(&[".hidden"]));
        assert_eq!(f.ev(r#"fileset(".", "link-*")"#), set(&["link-in"]));
        assert_eq!(f.ev(r#"fileset("nosuch", "*")"#), set(&[]));
        assert_eq!(f.ev(r#"fileset("sub", "a.txt")"#), set(&["a.txt"]));
        assert_eq!(f.ev(r#"fileset("sub/d", "../a.*")"#), set(&["../a.txt"]));
        assert_eq!(
            f.err(r#"fileset("sub", "[")"#).detail,
            "Call to function \"fileset\" failed: failed to glob pattern \"sub/[\": syntax error in pattern."
        );
    }

    #[test]
    fn templatefile_renders_with_the_evaluator() {
        let f = fixture();
        assert_eq!(
            f.st(r#"templatefile("sub/t.tftpl", {name = "bob"})"#),
            "hi bob!"
        );
        assert_eq!(
            f.st(r#"templatefile("./sub/l.tftpl", {xs = [1, 2]})"#),
            "1,2,"
        );
        assert_eq!(
            f.st(r#"templatefile("sub/fn.tftpl", {name = "x"})"#),
            "X-abc",
            "functions, file ones too, are available"
        );
        assert_eq!(
            f.ev(r#"templatefile("sub/obj.tftpl", {x = [1]})"#),
            Value::tuple(vec![Value::number(1)]),
            "a lone interpolation keeps its type"
        );
        assert!(
            f.ev(r#"templatefile("sub/t.tftpl", {name = var.pw})"#)
                .marks()
                .sensitive
        );
        let d = f.err(r#"templatefile("sub/t.tftpl", {})"#);
        assert_eq!(d.summary, "Invalid function argument");
        assert_eq!(
            d.detail,
            "Invalid value for \"vars\" parameter: vars map does not contain key \"name\", referenced at sub/t.tftpl:1,6-10."
        );
        assert_eq!(
            f.err(r#"templatefile("sub/t.tftpl", ["x"])"#).detail,
            "Invalid value for \"vars\" parameter: invalid vars value: must be a map."
        );
        assert_eq!(
            f.err(r#"templatefile("sub/t.tftpl", {"1x" = 1, name = 1})"#)
                .detail,
            "Invalid value for \"vars\" parameter: invalid template variable name \"1x\": must start with a letter, followed by zero or more letters, digits, and underscores."
        );
        let d = f.err(r#"templatefile("sub/rec.tftpl", {})"#).detail;
        assert!(
            d.starts_with("Call to function \"templatefile\" failed: sub/rec.tftpl:1,3-"),
            "{d}"
        );
        assert!(
            d.ends_with(": Error in function call; Call to function \"templatefile\" failed: cannot recursively call templatefile from inside another template function.."),
            "{d}"
        );
        let d = f.err(r#"templatefile("sub/bad.tftpl", {})"#);
        assert_eq!(d.summary, "Error in function call");
        assert!(
            d.detail
                .starts_with("Call to function \"templatefile\" failed: sub/bad.tftpl:1,"),
            "{}",
            d.detail
        );
        assert!(
            d.detail.contains("Too many function arguments"),
            "{}",
            d.detail
        );
        assert_eq!(
            f.err(r#"templatefile("sub/nope", {})"#).detail,
            "Invalid value for \"path\" parameter: no file exists at \"sub/nope\"; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource."
        );
    }

    #[test]
    fn path_functions() {
        let f = fixture();
        assert_eq!(f.st(r#"basename("/a/b/")"#), "b");
        assert_eq!(f.st(r#"basename("")"#), ".");
        assert_eq!(f.st(r#"basename("/")"#), "/");
        assert_eq!(f.st(r#"dirname("a/b/c")"#), "a/b");
        assert_eq!(f.st(r#"dirname("a")"#), ".");
        assert_eq!(f.st(r#"dirname("/a//b/")"#), "/a/b");
        assert_eq!(f.st(r#"dirname("/")"#), "/");
        assert_eq!(
            f.st(r#"abspath("sub/../x")"#),
            format!("{}/x", f.module.to_str().unwrap())
        );
        assert_eq!(f.st(r#"abspath("/a/./b/../c")"#), "/a/c");
        if let Ok(home) = std::env::var("HOME") {
            assert_eq!(f.st(r#"pathexpand("~/x")"#), format!("{home}/x"));
        }
        assert_eq!(f.st(r#"pathexpand("x/~")"#), "x/~");
        assert_eq!(
            f.err(r#"pathexpand("~bob/x")"#).detail,
            "Call to function \"pathexpand\" failed: cannot expand user-specific home dir."
        );
    }
}
