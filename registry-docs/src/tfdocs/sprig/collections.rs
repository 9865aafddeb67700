//! sprig's remaining list and dictionary functions: `until`, `untilStep`,
//! `seq`, `chunk`, `pick`, `omit`, `merge`, `mergeOverwrite`, `set`,
//! `unset`, `pluck`, `dig`, `deepCopy`, `toStrings`, `all`, `any`. Values
//! are immutable here, so `set`, `unset` and `merge` return the changed
//! dictionary (what templates use them for) rather than changing it in
//! place.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::{Template, Value};

use super::{arg, fail, int_arg, list_arg, str_arg, text};

/// At most this many elements from `until`, `untilStep` and `seq`: a
/// template may come with a module from anyone.
const MAX_RANGE: i64 = 100_000;

type Dict = BTreeMap<Arc<str>, Value>;

fn dict_arg(name: &str, args: &[Value], i: usize) -> gotmpl::Result<Dict> {
    match arg(name, args, i)? {
        Value::Map(m) => Ok((**m).clone()),
        Value::Nil => Ok(Dict::new()),
        other => Err(fail(name, format!("{other} is not a dictionary"))),
    }
}

/// `start, start+step, …` up to (not including) `stop`, bounded.
fn stepped(name: &str, start: i64, stop: i64, step: i64) -> gotmpl::Result<Vec<i64>> {
    if step == 0 || (stop - start).signum() != step.signum() {
        return Ok(Vec::new());
    }
    let count = (stop - start).abs() / step.abs() + 1;
    if count > MAX_RANGE {
        return Err(fail(name, format!("more than {MAX_RANGE} elements")));
    }
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i);
        i += step;
    }
    Ok(out)
}

fn ints(v: Vec<i64>) -> Value {
    Value::from(v.into_iter().map(Value::Int).collect::<Vec<_>>())
}

/// bash's `seq`: `seq END`, `seq START END`, `seq START STEP END`, ends
/// included, as one space-separated string.
fn seq(a: &[Value]) -> gotmpl::Result<Value> {
    let n = |i| int_arg("seq", a, i);
    let (start, step, end) = match a.len() {
        1 => (1, 1, n(0)?),
        2 => {
            let (s, e) = (n(0)?, n(1)?);
            (s, if e >= s { 1 } else { -1 }, e)
        }
        3 => (n(0)?, n(1)?, n(2)?),
        _ => return Err(fail("seq", "takes 1 to 3 numbers")),
    };
    let stop = end + step.signum();
    let items = stepped("seq", start, stop, step)?;
    Ok(items
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(" ")
        .into())
}

/// Register the list and dictionary functions on `t`.
pub(super) fn register(t: Template) -> Template {
    t.func("until", |a| {
        let n = int_arg("until", a, 0)?;
        Ok(ints(stepped("until", 0, n, if n < 0 { -1 } else { 1 })?))
    })
    .func("untilStep", |a| {
        let (start, stop, step) = (
            int_arg("untilStep", a, 0)?,
            int_arg("untilStep", a, 1)?,
            int_arg("untilStep", a, 2)?,
        );
        Ok(ints(stepped("untilStep", start, stop, step)?))
    })
    .func("seq", seq)
    .func("chunk", |a| {
        let size = int_arg("chunk", a, 0)?;
        if size < 1 {
            return Err(fail("chunk", "size must be at least 1"));
        }
        Ok(Value::from(
            list_arg("chunk", a, 1)?
                .chunks(size as usize)
                .map(|c| Value::from(c.to_vec()))
                .collect::<Vec<_>>(),
        ))
    })
    .func("pick", |a| {
        let d = dict_arg("pick", a, 0)?;
        let keep: Vec<String> = a.iter().skip(1).map(text).collect();
        Ok(Value::from(
            d.into_iter()
                .filter(|(k, _)| keep.iter().any(|x| x == &**k))
                .collect::<Dict>(),
        ))
    })
    .func("omit", |a| {
        let d = dict_arg("omit", a, 0)?;
        let drop: Vec<String> = a.iter().skip(1).map(text).collect();
        Ok(Value::from(
            d.into_iter()
                .filter(|(k, _)| !drop.iter().any(|x| x == &**k))
                .collect::<Dict>(),
        ))
    })
    .func("merge", |a| {
        // The destination's keys win over the sources'.
        let mut out = dict_arg("merge", a, 0)?;
        for i in 1..a.len() {
            for (k, v) in dict_arg("merge", a, i)? {
                out.entry(k).or_insert(v);
            }
        }
        Ok(Value::from(out))
    })
    .func("mergeOverwrite", |a| {
        let mut out = dict_arg("mergeOverwrite", a, 0)?;
        for i in 1..a.len() {
            out.extend(dict_arg("mergeOverwrite", a, i)?);
        }
        Ok(Value::from(out))
    })
    .func("set", |a| {
        let mut d = dict_arg("set", a, 0)?;
        d.insert(str_arg("set", a, 1)?.into(), arg("set", a, 2)?.clone());
        Ok(Value::from(d))
    })
    .func("unset", |a| {
        let mut d = dict_arg("unset", a, 0)?;
        d.remove(str_arg("unset", a, 1)?.as_str());
        Ok(Value::from(d))
    })
    .func("pluck", |a| {
        let key = str_arg("pluck", a, 0)?;
        let mut out = Vec::new();
        for v in a.iter().skip(1) {
            if let Value::Map(m) = v
                && let Some(found) = m.get(key.as_str())
            {
                out.push(found.clone());
            }
        }
        Ok(Value::from(out))
    })
    .func("dig", |a| {
        // dig "k1" "k2" DEFAULT DICT
        if a.len() < 3 {
            return Err(fail("dig", "needs keys, a default and a dictionary"));
        }
        let default = a[a.len() - 2].clone();
        let mut cur = a[a.len() - 1].clone();
        for key in &a[..a.len() - 2] {
            cur = match &cur {
                Value::Map(m) => match m.get(text(key).as_str()) {
                    Some(v) => v.clone(),
                    None => return Ok(default),
                },
                _ => return Ok(default),
            };
        }
        Ok(cur)
    })
    .func("deepCopy", |a| Ok(arg("deepCopy", a, 0)?.clone()))
    .func("toStrings", |a| {
        Ok(Value::from(
            list_arg("toStrings", a, 0)?
                .iter()
                .map(|v| Value::from(text(v)))
                .collect::<Vec<_>>(),
        ))
    })
    .func("all", |a| Ok(Value::Bool(a.iter().all(Value::is_truthy))))
    .func("any", |a| Ok(Value::Bool(a.iter().any(Value::is_truthy))))
}

#[cfg(test)]
mod tests {
    use super::super::{render, run};

    #[test]
    fn ranges_and_dictionaries_follow_sprig() {
        assert_eq!(run(r#"{{ until 3 | toJson }}"#), "[0,1,2]");
        assert_eq!(run(r#"{{ untilStep 10 0 -4 | toJson }}"#), "[10,6,2]");
        assert_eq!(
            run(r#"{{ seq 3 }}|{{ seq 2 4 }}|{{ seq 5 -2 1 }}|{{ seq 3 1 }}"#),
            "1 2 3|2 3 4|5 3 1|3 2 1"
        );
        assert_eq!(
            run(r#"{{ list 1 2 3 4 5 | chunk 2 | toJson }}"#),
            "[[1,2],[3,4],[5]]"
        );
        let d = r#"{{ $d := dict "a" 1 "b" 2 "c" 3 }}"#;
        assert_eq!(
            run(&format!(r#"{d}{{{{ pick $d "a" "c" | toJson }}}}"#)),
            r#"{"a":1,"c":3}"#
        );
        assert_eq!(
            run(&format!(r#"{d}{{{{ omit $d "a" | keys | toJson }}}}"#)),
            r#"["b","c"]"#
        );
        assert_eq!(
            run(&format!(
                r#"{d}{{{{ merge (dict "a" 9) $d | toJson }}}} {{{{ mergeOverwrite (dict "a" 9) $d | toJson }}}}"#
            )),
            r#"{"a":9,"b":2,"c":3} {"a":1,"b":2,"c":3}"#
        );
        assert_eq!(
            run(&format!(
                r#"{d}{{{{ unset (set $d "z" 0) "a" | keys | toJson }}}}"#
            )),
            r#"["b","c","z"]"#
        );
        assert_eq!(
            run(r#"{{ pluck "k" (dict "k" 1) (dict "j" 2) (dict "k" 3) | toJson }}"#),
            "[1,3]"
        );
        assert_eq!(
            run(
                r#"{{ dig "a" "b" "none" (dict "a" (dict "b" "found")) }} {{ dig "x" "none" (dict) }}"#
            ),
            "found none"
        );
        assert_eq!(
            run(r#"{{ all 1 "a" true }} {{ any 0 "" false }}"#),
            "true false"
        );
        let huge = render(r#"{{ until 100000000 }}"#).unwrap_err().to_string();
        assert!(huge.contains("more than"), "{huge}");
    }
}
