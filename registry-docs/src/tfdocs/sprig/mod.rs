//! The sprig functions `content` templates use, with sprig's argument
//! order (the piped value last). terraform-docs exposes every sprig
//! function except where its own of the same name wins (`default`,
//! `indent`, `trim`, `trimPrefix`, `trimSuffix`, `ternary`, …, in
//! [`content`](super::content)). No Rust crate provides sprig, so these
//! are written here: this file holds the common string, list, dictionary,
//! math, regular-expression and JSON functions; [`dates`], [`encoding`],
//! [`collections`] and [`strings`] the rest. Left out on purpose: the
//! functions that read the environment, files or the network (`env`,
//! `expandenv`, `getHostByName`), the random ones (`rand*`, `uuidv4`,
//! `shuffle`) and the key and certificate generators (`genPrivateKey`,
//! `genCA`, …): a template comes with a module from anyone, and the docs
//! it renders must be reproducible for `--output-check`.

mod collections;
mod dates;
mod encoding;
mod strings;

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::{Template, TemplateError, Value};

/// The string form of a template value, as Go's `%v` prints a scalar.
pub(super) fn text(v: &Value) -> String {
    match v {
        Value::Nil => String::new(),
        Value::String(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// Argument `i` of `name`, or the arity error.
pub(super) fn arg<'a>(name: &str, args: &'a [Value], i: usize) -> gotmpl::Result<&'a Value> {
    args.get(i).ok_or_else(|| TemplateError::ArgCount {
        name: name.to_string(),
        expected: i + 1,
        got: args.len(),
    })
}

/// Argument `i` of `name` as text.
pub(super) fn str_arg(name: &str, args: &[Value], i: usize) -> gotmpl::Result<String> {
    arg(name, args, i).map(text)
}

fn int_arg(name: &str, args: &[Value], i: usize) -> gotmpl::Result<i64> {
    let v = arg(name, args, i)?;
    match v {
        Value::Int(n) => Ok(*n),
        Value::Uint(n) => Ok(i64::try_from(*n).unwrap_or(i64::MAX)),
        Value::Float(f) => Ok(*f as i64),
        Value::String(s) => Ok(s.trim().parse().unwrap_or(0)),
        Value::Bool(b) => Ok(i64::from(*b)),
        _ => Ok(0),
    }
}

fn list_arg(name: &str, args: &[Value], i: usize) -> gotmpl::Result<Vec<Value>> {
    match arg(name, args, i)? {
        Value::List(items) => Ok(items.to_vec()),
        Value::Nil => Ok(Vec::new()),
        other => Err(TemplateError::Exec(format!(
            "error calling {name}: {other} is not a list"
        ))),
    }
}

fn fail(name: &str, why: impl std::fmt::Display) -> TemplateError {
    TemplateError::Exec(format!("error calling {name}: {why}"))
}

/// Words of `s` for the case functions: split at non-alphanumerics and
/// at lower-to-upper changes.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn capitalized(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f
            .to_uppercase()
            .chain(c.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// A template value as JSON (for `toJson`).
fn json_of(v: &Value) -> serde_json::Value {
    match v {
        Value::Nil => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Int(n) => (*n).into(),
        Value::Uint(n) => (*n).into(),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Value::String(s) => serde_json::Value::String(s.to_string()),
        Value::List(items) => items.iter().map(json_of).collect(),
        Value::Map(m) => m
            .iter()
            .map(|(k, v)| (k.to_string(), json_of(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        _ => serde_json::Value::Null,
    }
}

/// JSON as a template value (for `fromJson`).
fn value_of_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(u)) => Value::Uint(u),
            _ => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(items) => {
            Value::from(items.iter().map(value_of_json).collect::<Vec<_>>())
        }
        serde_json::Value::Object(m) => Value::from(
            m.iter()
                .map(|(k, v)| (Arc::<str>::from(k.as_str()), value_of_json(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

fn number(v: &Value) -> f64 {
    match v {
        Value::Int(n) => *n as f64,
        Value::Uint(n) => *n as f64,
        Value::Float(f) => *f,
        Value::String(s) => s.trim().parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Integer arithmetic over every argument, as sprig's `add`, `mul`, … .
fn fold(t: Template, name: &'static str, f: fn(i64, i64) -> Option<i64>) -> Template {
    t.func(name, move |args| {
        let mut it = args.iter().map(|a| number(a) as i64);
        let first = it.next().ok_or_else(|| fail(name, "needs numbers"))?;
        it.try_fold(first, f)
            .map(Value::Int)
            .ok_or_else(|| fail(name, "overflow or division by zero"))
    })
}

/// A compiled regular expression, bounded in size (the pattern comes from
/// a template, which may come with a module from anyone).
fn regex(name: &str, pattern: &str) -> gotmpl::Result<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| fail(name, e))
}

/// Register the sprig functions on `t`.
pub(super) fn register(t: Template) -> Template {
    let t = dates::register(common(t));
    let t = encoding::register(t);
    strings::register(collections::register(t))
}

/// The common functions (this file's).
fn common(t: Template) -> Template {
    let t = t
        .func("upper", |a| {
            Ok(str_arg("upper", a, 0)?.to_uppercase().into())
        })
        .func("lower", |a| {
            Ok(str_arg("lower", a, 0)?.to_lowercase().into())
        })
        .func("title", |a| {
            let s = str_arg("title", a, 0)?;
            let mut out = String::with_capacity(s.len());
            let mut start = true;
            for c in s.chars() {
                if start {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                start = c.is_whitespace();
            }
            Ok(out.into())
        })
        .func("untitle", |a| {
            let s = str_arg("untitle", a, 0)?;
            let mut out = String::with_capacity(s.len());
            let mut start = true;
            for c in s.chars() {
                if start {
                    out.extend(c.to_lowercase());
                } else {
                    out.push(c);
                }
                start = c.is_whitespace();
            }
            Ok(out.into())
        })
        .func("snakecase", |a| {
            let w = words(&str_arg("snakecase", a, 0)?);
            Ok(w.iter()
                .map(|x| x.to_lowercase())
                .collect::<Vec<_>>()
                .join("_")
                .into())
        })
        .func("kebabcase", |a| {
            let w = words(&str_arg("kebabcase", a, 0)?);
            Ok(w.iter()
                .map(|x| x.to_lowercase())
                .collect::<Vec<_>>()
                .join("-")
                .into())
        })
        .func("camelcase", |a| {
            let w = words(&str_arg("camelcase", a, 0)?);
            Ok(w.iter().map(|x| capitalized(x)).collect::<String>().into())
        })
        .func("replace", |a| {
            let (old, new, s) = (
                str_arg("replace", a, 0)?,
                str_arg("replace", a, 1)?,
                str_arg("replace", a, 2)?,
            );
            Ok(s.replace(&old, &new).into())
        })
        .func("contains", |a| {
            Ok(Value::Bool(
                str_arg("contains", a, 1)?.contains(&str_arg("contains", a, 0)?),
            ))
        })
        .func("hasPrefix", |a| {
            Ok(Value::Bool(
                str_arg("hasPrefix", a, 1)?.starts_with(&str_arg("hasPrefix", a, 0)?),
            ))
        })
        .func("hasSuffix", |a| {
            Ok(Value::Bool(
                str_arg("hasSuffix", a, 1)?.ends_with(&str_arg("hasSuffix", a, 0)?),
            ))
        })
        .func("nospace", |a| {
            Ok(str_arg("nospace", a, 0)?
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .into())
        })
        .func("repeat", |a| {
            let n = int_arg("repeat", a, 0)?.clamp(0, 10_000) as usize;
            Ok(str_arg("repeat", a, 1)?.repeat(n).into())
        })
        .func("substr", |a| {
            let s: Vec<char> = str_arg("substr", a, 2)?.chars().collect();
            let start = int_arg("substr", a, 0)?.clamp(0, s.len() as i64) as usize;
            let end = int_arg("substr", a, 1)?;
            let end = if end < 0 || end as usize > s.len() {
                s.len()
            } else {
                end as usize
            };
            Ok(s[start.min(end)..end].iter().collect::<String>().into())
        })
        .func("trunc", |a| {
            let s: Vec<char> = str_arg("trunc", a, 1)?.chars().collect();
            let n = int_arg("trunc", a, 0)?;
            let out: String = if n >= 0 {
                s.iter().take(n as usize).collect()
            } else {
                s.iter()
                    .skip(s.len().saturating_sub(n.unsigned_abs() as usize))
                    .collect()
            };
            Ok(out.into())
        })
        .func("abbrev", |a| {
            let width = int_arg("abbrev", a, 0)?.max(0) as usize;
            let s: Vec<char> = str_arg("abbrev", a, 1)?.chars().collect();
            if width < 4 || s.len() <= width {
                return Ok(s.iter().collect::<String>().into());
            }
            Ok(format!("{}...", s[..width - 3].iter().collect::<String>()).into())
        })
        .func("nindent", |a| {
            let n = int_arg("nindent", a, 0)?.clamp(0, 64) as usize;
            let pad = " ".repeat(n);
            let s = str_arg("nindent", a, 1)?;
            let body: Vec<String> = s.split('\n').map(|l| format!("{pad}{l}")).collect();
            Ok(format!("\n{}", body.join("\n")).into())
        })
        .func("quote", |a| {
            Ok(a.iter()
                .filter(|v| !matches!(v, Value::Nil))
                .map(|v| format!("{:?}", text(v)))
                .collect::<Vec<_>>()
                .join(" ")
                .into())
        })
        .func("squote", |a| {
            Ok(a.iter()
                .filter(|v| !matches!(v, Value::Nil))
                .map(|v| format!("'{}'", text(v)))
                .collect::<Vec<_>>()
                .join(" ")
                .into())
        })
        .func("cat", |a| {
            Ok(a.iter()
                .filter(|v| !matches!(v, Value::Nil))
                .map(text)
                .collect::<Vec<_>>()
                .join(" ")
                .into())
        })
        .func("plural", |a| {
            let n = int_arg("plural", a, 2)?;
            Ok(str_arg("plural", a, if n == 1 { 0 } else { 1 })?.into())
        })
        .func("toString", |a| Ok(str_arg("toString", a, 0)?.into()))
        .func("toJson", |a| {
            Ok(json_of(arg("toJson", a, 0)?).to_string().into())
        })
        .func("toPrettyJson", |a| {
            serde_json::to_string_pretty(&json_of(arg("toPrettyJson", a, 0)?))
                .map(Value::from)
                .map_err(|e| fail("toPrettyJson", e))
        })
        .func("atoi", |a| Ok(Value::Int(int_arg("atoi", a, 0)?)))
        .func("int", |a| Ok(Value::Int(int_arg("int", a, 0)?)))
        .func("float64", |a| {
            Ok(Value::Float(number(arg("float64", a, 0)?)))
        })
        .func("empty", |a| {
            Ok(Value::Bool(!arg("empty", a, 0)?.is_truthy()))
        })
        .func("coalesce", |a| {
            Ok(a.iter()
                .find(|v| v.is_truthy())
                .cloned()
                .unwrap_or(Value::Nil))
        })
        // Lists.
        .func("list", |a| Ok(Value::from(a.to_vec())))
        .func("join", |a| {
            let sep = str_arg("join", a, 0)?;
            let joined = match arg("join", a, 1)? {
                Value::List(items) => items.iter().map(text).collect::<Vec<_>>().join(&sep),
                other => text(other),
            };
            Ok(joined.into())
        })
        .func("splitList", |a| {
            let (sep, s) = (str_arg("splitList", a, 0)?, str_arg("splitList", a, 1)?);
            Ok(Value::from(
                s.split(sep.as_str()).map(Value::from).collect::<Vec<_>>(),
            ))
        })
        .func("first", |a| {
            Ok(list_arg("first", a, 0)?
                .first()
                .cloned()
                .unwrap_or(Value::Nil))
        })
        .func("last", |a| {
            Ok(list_arg("last", a, 0)?
                .last()
                .cloned()
                .unwrap_or(Value::Nil))
        })
        .func("rest", |a| {
            Ok(Value::from(
                list_arg("rest", a, 0)?
                    .into_iter()
                    .skip(1)
                    .collect::<Vec<_>>(),
            ))
        })
        .func("initial", |a| {
            let mut l = list_arg("initial", a, 0)?;
            l.pop();
            Ok(Value::from(l))
        })
        .func("append", |a| {
            let mut l = list_arg("append", a, 0)?;
            l.push(arg("append", a, 1)?.clone());
            Ok(Value::from(l))
        })
        .func("prepend", |a| {
            let mut l = list_arg("prepend", a, 0)?;
            l.insert(0, arg("prepend", a, 1)?.clone());
            Ok(Value::from(l))
        })
        .func("concat", |a| {
            let mut all = Vec::new();
            for i in 0..a.len() {
                all.extend(list_arg("concat", a, i)?);
            }
            Ok(Value::from(all))
        })
        .func("reverse", |a| {
            let mut l = list_arg("reverse", a, 0)?;
            l.reverse();
            Ok(Value::from(l))
        })
        .func("uniq", |a| {
            let mut seen: Vec<Value> = Vec::new();
            for v in list_arg("uniq", a, 0)? {
                if !seen
                    .iter()
                    .any(|s| text(s) == text(&v) && s.is_truthy() == v.is_truthy())
                {
                    seen.push(v);
                }
            }
            Ok(Value::from(seen))
        })
        .func("compact", |a| {
            Ok(Value::from(
                list_arg("compact", a, 0)?
                    .into_iter()
                    .filter(Value::is_truthy)
                    .collect::<Vec<_>>(),
            ))
        })
        .func("has", |a| {
            let needle = text(arg("has", a, 0)?);
            Ok(Value::Bool(
                list_arg("has", a, 1)?.iter().any(|v| text(v) == needle),
            ))
        })
        .func("without", |a| {
            let l = list_arg("without", a, 0)?;
            let drop: Vec<String> = a.iter().skip(1).map(text).collect();
            Ok(Value::from(
                l.into_iter()
                    .filter(|v| !drop.contains(&text(v)))
                    .collect::<Vec<_>>(),
            ))
        })
        .func("sortAlpha", |a| {
            let mut l: Vec<String> = list_arg("sortAlpha", a, 0)?.iter().map(text).collect();
            l.sort();
            Ok(Value::from(
                l.into_iter().map(Value::from).collect::<Vec<_>>(),
            ))
        })
        // Dictionaries.
        .func("dict", |a| {
            let mut m: BTreeMap<Arc<str>, Value> = BTreeMap::new();
            for pair in a.chunks(2) {
                let v = pair.get(1).cloned().unwrap_or(Value::Nil);
                m.insert(text(&pair[0]).into(), v);
            }
            Ok(Value::from(m))
        })
        .func("get", |a| match arg("get", a, 0)? {
            Value::Map(m) => Ok(m
                .get(str_arg("get", a, 1)?.as_str())
                .cloned()
                .unwrap_or(Value::String("".into()))),
            _ => Ok(Value::String("".into())),
        })
        .func("hasKey", |a| match arg("hasKey", a, 0)? {
            Value::Map(m) => Ok(Value::Bool(
                m.contains_key(str_arg("hasKey", a, 1)?.as_str()),
            )),
            _ => Ok(Value::Bool(false)),
        })
        .func("keys", |a| {
            let mut all = Vec::new();
            for v in a {
                if let Value::Map(m) = v {
                    all.extend(m.keys().map(|k| Value::String(k.clone())));
                }
            }
            Ok(Value::from(all))
        })
        .func("values", |a| match arg("values", a, 0)? {
            Value::Map(m) => Ok(Value::from(m.values().cloned().collect::<Vec<_>>())),
            _ => Ok(Value::from(Vec::new())),
        })
        // Regular expressions.
        .func("regexMatch", |a| {
            let re = regex("regexMatch", &str_arg("regexMatch", a, 0)?)?;
            Ok(Value::Bool(re.is_match(&str_arg("regexMatch", a, 1)?)))
        })
        .func("regexFind", |a| {
            let re = regex("regexFind", &str_arg("regexFind", a, 0)?)?;
            let s = str_arg("regexFind", a, 1)?;
            Ok(re
                .find(&s)
                .map(|m| m.as_str().to_string())
                .unwrap_or_default()
                .into())
        })
        .func("regexReplaceAll", |a| {
            let re = regex("regexReplaceAll", &str_arg("regexReplaceAll", a, 0)?)?;
            let (s, with) = (
                str_arg("regexReplaceAll", a, 1)?,
                str_arg("regexReplaceAll", a, 2)?,
            );
            Ok(re.replace_all(&s, with.as_str()).into_owned().into())
        })
        .func("regexReplaceAllLiteral", |a| {
            let re = regex(
                "regexReplaceAllLiteral",
                &str_arg("regexReplaceAllLiteral", a, 0)?,
            )?;
            let (s, with) = (
                str_arg("regexReplaceAllLiteral", a, 1)?,
                str_arg("regexReplaceAllLiteral", a, 2)?,
            );
            Ok(re
                .replace_all(&s, regex::NoExpand(&with))
                .into_owned()
                .into())
        })
        // Math, on integers as sprig's are.
        .func("add1", |a| {
            Ok(Value::Int(
                (number(arg("add1", a, 0)?) as i64).saturating_add(1),
            ))
        })
        .func("max", |a| {
            Ok(Value::Int(
                a.iter().map(|v| number(v) as i64).max().unwrap_or(0),
            ))
        })
        .func("min", |a| {
            Ok(Value::Int(
                a.iter().map(|v| number(v) as i64).min().unwrap_or(0),
            ))
        })
        .func("floor", |a| {
            Ok(Value::Float(number(arg("floor", a, 0)?).floor()))
        })
        .func("ceil", |a| {
            Ok(Value::Float(number(arg("ceil", a, 0)?).ceil()))
        });
    // `trimall` is sprig's older name for `trimAll`.
    let t = ["trimAll", "trimall"].into_iter().fold(t, |t, name| {
        t.func(name, move |a| {
            let (cut, s) = (str_arg(name, a, 0)?, str_arg(name, a, 1)?);
            Ok(s.trim_matches(|c| cut.contains(c)).to_string().into())
        })
    });
    let t = fold(t, "add", i64::checked_add);
    let t = fold(t, "sub", i64::checked_sub);
    let t = fold(t, "mul", i64::checked_mul);
    let t = fold(t, "div", i64::checked_div);
    fold(t, "mod", i64::checked_rem)
}

/// `src` run with every sprig function (the tests of each file).
#[cfg(test)]
fn render(src: &str) -> gotmpl::Result<String> {
    register(Template::new("t"))
        .parse(src)
        .and_then(|t| t.execute_to_string(&gotmpl::tmap! {}))
}

/// [`render`], which must succeed.
#[cfg(test)]
fn run(src: &str) -> String {
    render(src).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_lists_dicts_and_math_follow_sprig() {
        assert_eq!(run(r#"{{ "hello world" | title }}"#), "Hello World");
        assert_eq!(run(r#"{{ "HelloWorld-x" | snakecase }}"#), "hello_world_x");
        assert_eq!(run(r#"{{ "hello_world" | camelcase }}"#), "HelloWorld");
        assert_eq!(run(r#"{{ "hello_world" | kebabcase }}"#), "hello-world");
        assert_eq!(
            run(r#"{{ "abcdef" | trunc 3 }}/{{ "abcdef" | trunc -2 }}"#),
            "abc/ef"
        );
        assert_eq!(run(r#"{{ "abcdefgh" | abbrev 6 }}"#), "abc...");
        assert_eq!(run(r#"{{ substr 1 3 "abcdef" }}"#), "bc");
        assert_eq!(
            run(r#"{{ list "b" "a" "b" | uniq | sortAlpha | join "," }}"#),
            "a,b"
        );
        assert_eq!(run(r#"{{ splitList "," "x,y" | last }}"#), "y");
        assert_eq!(
            run(r#"{{ $d := dict "k" "v" }}{{ get $d "k" }}{{ hasKey $d "z" }}"#),
            "vfalse"
        );
        assert_eq!(
            run(r#"{{ add 1 2 3 }} {{ sub 5 2 }} {{ mul 2 3 }} {{ div 7 2 }} {{ mod 7 2 }}"#),
            "6 3 6 3 1"
        );
        assert_eq!(
            run(r##"{{ regexReplaceAll "[0-9]+" "a1b22" "#" }}"##),
            "a#b#"
        );
        assert_eq!(run(r#"{{ list 1 "a" | toJson }}"#), r#"[1,"a"]"#);
        assert_eq!(
            run(r#"{{ trimAll "$" "$5.00$" }} {{ trimall "$" "$5$" }}"#),
            "5.00 5"
        );
        assert_eq!(
            run(r#"{{ plural "one" "many" 2 }} {{ "x" | quote }}"#),
            "many \"x\""
        );
        let e = render(r#"{{ div 1 0 }}"#).unwrap_err().to_string();
        assert!(e.contains("division by zero"), "{e}");
    }
}
