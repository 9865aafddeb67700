//! Custom conditions (`validation`, pre- and postconditions, `check`
//! asserts, test assertions): the error message is evaluated first, then
//! the condition, recording the values it refers to for the values box.

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::tftest::config::Rule;
use crate::tftest::config::body::Expr;
use crate::tftest::diag::Diagnostic;
use crate::tftest::eval::{EvalCtx, Locals, Scope, eval, values_box};
use crate::tftest::functions::Functions;
use crate::tftest::value::{Type, Value, convert};

/// How a condition came out.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// It held.
    Pass,
    /// It did not: the error message and the values box.
    Fail {
        /// The evaluated error message (empty when it refers to sensitive values).
        message: String,
        /// The values the condition referred to.
        values: BTreeMap<String, String>,
        /// The message refers to sensitive values (Terraform then warns and hides it).
        sensitive_message: bool,
    },
    /// Not known yet.
    Unknown {
        /// The values the condition referred to.
        values: BTreeMap<String, String>,
    },
    /// Evaluating it failed.
    Error(Diagnostic),
}

/// Evaluate a rule in `scope` (with `locals`, such as `self`).
pub fn check(
    rule: &Rule,
    scope: &dyn Scope,
    functions: &Functions,
    locals: Option<&Locals<'_>>,
    context: Option<&str>,
) -> Outcome {
    let trace = RefCell::new(BTreeMap::new());
    let message = match in_scope(
        &rule.error_message,
        scope,
        functions,
        locals,
        context,
        |cx| eval(&rule.error_message.expr, cx),
    ) {
        Ok(v) => v,
        Err(d) => return Outcome::Error(d),
    };
    let cond = {
        let cx = EvalCtx::new(&rule.condition.file, scope, functions)
            .in_block(context)
            .tracing(&trace);
        let cx = match locals {
            Some(l) => cx.with_locals(l),
            None => cx,
        };
        match eval(&rule.condition.expr, &cx) {
            Ok(v) => v,
            Err(d) => return Outcome::Error(d),
        }
    };
    let values = trace.into_inner();
    // Terraform's own errors about a condition or message show the values
    // the whole expression refers to.
    let boxed = |e: &Expr| {
        in_scope(e, scope, functions, locals, context, |cx| {
            values_box(&e.expr, cx)
        })
    };
    if cond.is_null() {
        return Outcome::Error(
            Diagnostic::error(
                "Invalid condition run",
                "Condition expression must return either true or false, not null.",
            )
            .at(rule.condition.range())
            .in_context(context)
            .with_values(boxed(&rule.condition)),
        );
    }
    if cond.is_unknown() {
        return Outcome::Unknown { values };
    }
    let b = match convert(&cond, &Type::Bool) {
        Ok(b) => b,
        Err(e) => {
            return Outcome::Error(
                Diagnostic::error(
                    "Invalid condition run",
                    format!("Invalid condition run value: {e}."),
                )
                .at(rule.condition.range())
                .in_context(context)
                .with_values(boxed(&rule.condition)),
            );
        }
    };
    if b.as_bool() == Some(true) {
        return Outcome::Pass;
    }
    let sensitive_message = message.deep_marks().sensitive;
    let text = if message.is_unknown() {
        String::new()
    } else {
        match convert(&message, &Type::String) {
            Ok(s) => s.as_str().unwrap_or_default().to_string(),
            Err(_) => {
                return Outcome::Error(
                    Diagnostic::error(
                        "Invalid error message",
                        "Unsuitable value for error message: string required.",
                    )
                    .at(rule.error_message.range())
                    .in_context(context)
                    .with_values(boxed(&rule.error_message)),
                );
            }
        }
    };
    Outcome::Fail {
        message: if sensitive_message {
            String::new()
        } else {
            text
        },
        values,
        sensitive_message,
    }
}

/// `f` with an evaluation context for `e` in `scope` (with `locals`).
fn in_scope<T>(
    e: &Expr,
    scope: &dyn Scope,
    functions: &Functions,
    locals: Option<&Locals<'_>>,
    context: Option<&str>,
    f: impl FnOnce(&EvalCtx<'_>) -> T,
) -> T {
    let cx = EvalCtx::new(&e.file, scope, functions).in_block(context);
    match locals {
        Some(l) => f(&cx.with_locals(l)),
        None => f(&cx),
    }
}

/// `self` bound for a postcondition.
pub fn self_locals(v: &Value) -> Locals<'static> {
    let mut l = Locals::new();
    l.set("self", v.clone());
    l
}
