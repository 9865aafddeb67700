//! sprig's remaining string functions: `initials`, `swapcase`, `wrap`,
//! `wrapWith`, `split`, `splitn`, `regexFindAll`, `regexSplit`, the path functions (`base`, `dir`, `ext`, `clean`, `isAbs`
//! and their `os` twins, the same on the Unix paths modules use), the
//! float math (`addf`, `subf`, `mulf`, `divf`, `maxf`, `minf`, `round`),
//! type tests (`kindOf`, `kindIs`, `typeOf`, `typeIs`), `semverCompare`,
//! `fail` and `required`.

use gotmpl::{Template, Value};

use super::{arg, fail, int_arg, number, regex, str_arg};

/// Word-wrap `s` at `width` columns, breaking only at spaces (long words
/// stay whole), joining lines with `sep` (goutils' `WrapCustom`).
fn wrap(s: &str, width: usize, sep: &str) -> String {
    let width = width.max(1);
    let mut out: Vec<String> = Vec::new();
    for line in s.split('\n') {
        let mut cur = String::new();
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
                out.push(std::mem::take(&mut cur));
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
        out.push(cur);
    }
    out.join(sep)
}

/// `s` split at `sep` (at most `n` pieces when given) as the dictionary
/// sprig's `split` and `splitn` return: `_0`, `_1`, … .
fn split_dict(s: &str, sep: &str, n: Option<usize>) -> Value {
    let pieces: Vec<&str> = match n {
        Some(n) => s.splitn(n, sep).collect(),
        None => s.split(sep).collect(),
    };
    Value::from(
        pieces
            .into_iter()
            .enumerate()
            .map(|(i, p)| (format!("_{i}"), Value::from(p)))
            .collect::<std::collections::BTreeMap<String, Value>>(),
    )
}

/// Go's `path.Clean`: the shortest lexically equal path.
fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `path.Base`.
fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// Go's `path.Dir`.
fn dir(p: &str) -> String {
    match p.rfind('/') {
        Some(i) => clean(&p[..=i]),
        None => ".".to_string(),
    }
}

/// Go's `path.Ext`.
fn ext(p: &str) -> String {
    let last = p.rsplit('/').next().unwrap_or(p);
    last.rfind('.')
        .map(|i| last[i..].to_string())
        .unwrap_or_default()
}

/// The Go kind of a template value (`string`, `int`, `slice`, `map`, …).
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Nil => "invalid",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Uint(_) => "uint",
        Value::Float(_) => "float64",
        Value::String(_) => "string",
        Value::List(_) => "slice",
        Value::Map(_) => "map",
        _ => "func",
    }
}

/// The Go type name `%T` prints for a template value.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "<nil>",
        Value::List(_) => "[]interface {}",
        Value::Map(_) => "map[string]interface {}",
        other => kind(other),
    }
}

/// A version as Masterminds/semver reads one loosely: `v` prefix and
/// missing minor or patch allowed.
fn loose_version(s: &str) -> Option<semver::Version> {
    let s = s.trim().trim_start_matches(['v', 'V']);
    let (core, rest) = match s.find(['-', '+']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let mut parts: Vec<&str> = core.split('.').collect();
    while parts.len() < 3 {
        parts.push("0");
    }
    semver::Version::parse(&format!("{}{rest}", parts.join("."))).ok()
}

/// Masterminds' constraint syntax on the semver crate's: `||` between
/// alternatives, `,` or spaces between conditions, a bare version meaning
/// exactly that version.
fn satisfies(constraint: &str, version: &semver::Version) -> Result<bool, String> {
    for alternative in constraint.split("||") {
        let mut conditions: Vec<String> = Vec::new();
        let mut pending_op = String::new();
        for token in alternative.split([',', ' ']).filter(|t| !t.is_empty()) {
            if token.chars().all(|c| "<>=!~^".contains(c)) {
                pending_op = token.to_string();
                continue;
            }
            let mut cond = format!("{pending_op}{token}");
            pending_op.clear();
            let op_len = cond.find(|c: char| !"<>=!~^".contains(c)).unwrap_or(0);
            let (op, ver) = cond.split_at(op_len);
            let ver = ver.trim_start_matches(['v', 'V']);
            cond = match op {
                "" => format!("={ver}"),
                "!=" => return Err(format!("`!=` in {constraint:?} is not supported")),
                op => format!("{op}{ver}"),
            };
            conditions.push(cond);
        }
        let req = semver::VersionReq::parse(&conditions.join(", "))
            .map_err(|e| format!("{constraint:?}: {e}"))?;
        if req.matches(version) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn float_fold(t: Template, name: &'static str, f: fn(f64, f64) -> f64) -> Template {
    t.func(name, move |args| {
        let mut it = args.iter().map(number);
        let first = it.next().ok_or_else(|| fail(name, "needs numbers"))?;
        Ok(Value::Float(it.fold(first, f)))
    })
}

/// Register the string, path, type and version functions on `t`.
pub(super) fn register(t: Template) -> Template {
    let t = t
        .func("initials", |a| {
            Ok(str_arg("initials", a, 0)?
                .split_whitespace()
                .filter_map(|w| w.chars().next())
                .collect::<String>()
                .into())
        })
        .func("swapcase", |a| {
            Ok(str_arg("swapcase", a, 0)?
                .chars()
                .flat_map(|c| -> Vec<char> {
                    if c.is_uppercase() {
                        c.to_lowercase().collect()
                    } else {
                        c.to_uppercase().collect()
                    }
                })
                .collect::<String>()
                .into())
        })
        .func("wrap", |a| {
            let width = int_arg("wrap", a, 0)?.max(1) as usize;
            Ok(wrap(&str_arg("wrap", a, 1)?, width, "\n").into())
        })
        .func("wrapWith", |a| {
            let width = int_arg("wrapWith", a, 0)?.max(1) as usize;
            let sep = str_arg("wrapWith", a, 1)?;
            Ok(wrap(&str_arg("wrapWith", a, 2)?, width, &sep).into())
        })
        .func("split", |a| {
            Ok(split_dict(
                &str_arg("split", a, 1)?,
                &str_arg("split", a, 0)?,
                None,
            ))
        })
        .func("splitn", |a| {
            let n = int_arg("splitn", a, 1)?.max(1) as usize;
            Ok(split_dict(
                &str_arg("splitn", a, 2)?,
                &str_arg("splitn", a, 0)?,
                Some(n),
            ))
        })
        .func("regexFindAll", |a| {
            let re = regex("regexFindAll", &str_arg("regexFindAll", a, 0)?)?;
            let s = str_arg("regexFindAll", a, 1)?;
            let n = int_arg("regexFindAll", a, 2)?;
            let limit = if n < 0 { usize::MAX } else { n as usize };
            Ok(Value::from(
                re.find_iter(&s)
                    .take(limit)
                    .map(|m| Value::from(m.as_str()))
                    .collect::<Vec<_>>(),
            ))
        })
        .func("regexSplit", |a| {
            let re = regex("regexSplit", &str_arg("regexSplit", a, 0)?)?;
            let s = str_arg("regexSplit", a, 1)?;
            let n = int_arg("regexSplit", a, 2)?;
            let pieces: Vec<Value> = if n < 0 {
                re.split(&s).map(Value::from).collect()
            } else {
                re.splitn(&s, n as usize).map(Value::from).collect()
            };
            Ok(Value::from(pieces))
        })
        .func("round", |a| {
            let x = number(arg("round", a, 0)?);
            let places = if a.len() > 1 {
                int_arg("round", a, 1)?.clamp(0, 15)
            } else {
                0
            };
            let scale = 10f64.powi(places as i32);
            Ok(Value::Float((x * scale).round() / scale))
        })
        .func("int64", |a| Ok(Value::Int(int_arg("int64", a, 0)?)))
        .func("kindOf", |a| Ok(kind(arg("kindOf", a, 0)?).into()))
        .func("kindIs", |a| {
            Ok(Value::Bool(
                str_arg("kindIs", a, 0)? == kind(arg("kindIs", a, 1)?),
            ))
        })
        .func("typeOf", |a| Ok(type_name(arg("typeOf", a, 0)?).into()))
        .func("typeIs", |a| {
            Ok(Value::Bool(
                str_arg("typeIs", a, 0)? == type_name(arg("typeIs", a, 1)?),
            ))
        })
        .func("semverCompare", |a| {
            let constraint = str_arg("semverCompare", a, 0)?;
            let v = str_arg("semverCompare", a, 1)?;
            let version = loose_version(&v)
                .ok_or_else(|| fail("semverCompare", format!("{v:?} is not a version")))?;
            satisfies(&constraint, &version)
                .map(Value::Bool)
                .map_err(|e| fail("semverCompare", e))
        })
        .func("fail", |a| Err(fail("fail", str_arg("fail", a, 0)?)))
        .func("required", |a| {
            let v = arg("required", a, 1)?;
            if matches!(v, Value::Nil) || matches!(v, Value::String(s) if s.is_empty()) {
                return Err(fail("required", str_arg("required", a, 0)?));
            }
            Ok(v.clone())
        });
    let t = float_fold(t, "addf", |x, y| x + y);
    let t = float_fold(t, "subf", |x, y| x - y);
    let t = float_fold(t, "mulf", |x, y| x * y);
    let t = float_fold(t, "divf", |x, y| x / y);
    let t = float_fold(t, "maxf", f64::max);
    let t = float_fold(t, "minf", f64::min);
    // (name, its `os` twin, the function): Unix paths are the same to both.
    type PathFn = fn(&str) -> String;
    let path_fns: [(&'static str, &'static str, PathFn); 4] = [
        ("base", "osBase", base),
        ("dir", "osDir", dir),
        ("ext", "osExt", ext),
        ("clean", "osClean", clean),
    ];
    let mut t = t;
    for (name, os_name, f) in path_fns {
        t = t
            .func(name, move |a| Ok(f(&str_arg(name, a, 0)?).into()))
            .func(os_name, move |a| Ok(f(&str_arg(os_name, a, 0)?).into()));
    }
    t.func("isAbs", |a| {
        Ok(Value::Bool(str_arg("isAbs", a, 0)?.starts_with('/')))
    })
    .func("osIsAbs", |a| {
        Ok(Value::Bool(str_arg("osIsAbs", a, 0)?.starts_with('/')))
    })
}

#[cfg(test)]
mod tests {
    use super::super::{render, run};

    #[test]
    fn strings_paths_and_types_follow_sprig() {
        assert_eq!(run(r#"{{ "First Try" | initials }}"#), "FT");
        assert_eq!(
            run(r#"{{ "This Is A.Test" | swapcase }}"#),
            "tHIS iS a.tEST"
        );
        assert_eq!(
            run(r#"{{ wrap 10 "the quick brown fox jumps" }}"#),
            "the quick\nbrown fox\njumps"
        );
        assert_eq!(
            run(r#"{{ wrapWith 5 "\t" "Hello World" }}"#),
            "Hello\tWorld"
        );
        assert_eq!(
            run(r#"{{ $a := split "$" "foo$bar$baz" }}{{ $a._2 }}"#),
            "baz"
        );
        assert_eq!(
            run(r#"{{ $a := splitn "$" 2 "foo$bar$baz" }}{{ $a._1 }}"#),
            "bar$baz"
        );
        assert_eq!(
            run(r#"{{ regexFindAll "[2,4,6,8]" "123456789" -1 | toJson }}"#),
            r#"["2","4","6","8"]"#
        );
        assert_eq!(
            run(r#"{{ regexSplit "z+" "pizza" -1 | toJson }}"#),
            r#"["pi","a"]"#
        );
        assert_eq!(
            run(
                r#"{{ base "foo/bar/baz.tf" }} {{ dir "foo/bar/baz" }} {{ ext "a/b.tf" }} {{ clean "foo/../bar//./x" }} {{ isAbs "/x" }}"#
            ),
            "baz.tf foo/bar .tf bar/x true"
        );
        assert_eq!(run(r#"{{ round 3.14159 2 }} {{ addf 1.5 2 }}"#), "3.14 3.5");
        assert_eq!(
            run(
                r#"{{ kindOf "x" }} {{ kindOf (list 1) }} {{ typeOf (dict) }} {{ kindIs "int" 3 }}"#
            ),
            "string slice map[string]interface {} true"
        );
        assert_eq!(
            run(
                r#"{{ semverCompare ">=1.2, <2" "1.4.0" }} {{ semverCompare "~1.2" "v1.3" }} {{ semverCompare "1.0.0 || >= 3" "3.1.0" }} {{ semverCompare "1.0.0" "1.0.1" }}"#
            ),
            "true false true false"
        );
        let failed = render(r#"{{ required "name is required" "" }}"#)
            .unwrap_err()
            .to_string();
        assert!(failed.contains("name is required"), "{failed}");
    }
}
