//! The values box of a diagnostic raised while evaluating an expression,
//! as Terraform builds it: every static traversal in the expression that
//! failed, evaluated again in the same scope (dropping trailing steps
//! until it evaluates), described compactly, sorted by traversal.

use std::collections::BTreeMap;

use hcl_edit::expr::Expression;

use super::refs::{Step, references};
use super::{EvalCtx, ops};
use crate::tftest::value::{Type, Value, go_quote};

/// The values box for a diagnostic about `expr`. Unknown values of no
/// type yet and sensitive values are left out, as Terraform leaves them
/// out of diagnostics not caused by them.
pub fn values_box(expr: &Expression, cx: &EvalCtx<'_>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for r in references(expr) {
        // A lone name (`count`, `var`) is never shown.
        for n in (1..=r.steps.len()).rev() {
            let Some(v) = traverse(cx, &r.root, &r.steps[..n]) else {
                continue;
            };
            let text = traversal_string(&r.root, &r.steps[..n]);
            if !out.contains_key(&text) && shown(&v) {
                out.insert(text, v.describe());
            }
            break;
        }
    }
    out
}

/// Whether a value is described in a values box.
pub(super) fn shown(v: &Value) -> bool {
    !(v.deep_marks().sensitive || v.is_unknown() && v.ty() == Type::Dynamic)
}

/// `root.a[0]["k"]`, as Terraform writes a traversal.
fn traversal_string(root: &str, steps: &[Step]) -> String {
    let mut s = root.to_string();
    for step in steps {
        match step {
            Step::Attr(a) => {
                s.push('.');
                s.push_str(a);
            }
            Step::Index(i) => s.push_str(&format!("[{i}]")),
            Step::Key(k) => s.push_str(&format!("[{}]", go_quote(k))),
        }
    }
    s
}

/// The value of a static traversal, or `None` when any step fails.
fn traverse(cx: &EvalCtx<'_>, root: &str, steps: &[Step]) -> Option<Value> {
    let range = cx.file.range(0..0);
    let (mut v, used) = match cx.local(root) {
        Some(v) => (v.clone(), 0),
        None => {
            let attrs: Vec<&str> = steps
                .iter()
                .map_while(|s| match s {
                    Step::Attr(a) => Some(a.as_str()),
                    _ => None,
                })
                .collect();
            cx.scope.reference(root, &attrs, &range).ok()?
        }
    };
    let at = Expression::null();
    for step in &steps[used.min(steps.len())..] {
        v = match step {
            Step::Attr(a) => ops::get_attr(&v, a, cx, &at).ok()?,
            Step::Index(i) => ops::index(&v, &Value::number(*i as u64), cx, &at).ok()?,
            Step::Key(k) => ops::index(&v, &Value::string(k.clone()), cx, &at).ok()?,
        };
    }
    Some(v)
}
