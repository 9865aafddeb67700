//! An output's type, where its `value` expression says it without a plan:
//! a literal, a template, an operator, a conversion or another function
//! whose result type is fixed, a `for` expression, or an input variable
//! with a declared type. Anything else (a resource attribute, a local, a
//! module output) is unknown, and the module API diff compares only
//! outputs whose types are known on both sides.

use hcl::edit::expr::{BinaryOperator, Expression, TraversalOperator, UnaryOperator};

/// What an output's expression says about its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeHint {
    /// This type (`string`, `number`, `bool`, `tuple`, `object`, `list`,
    /// `set`, `map`).
    Known(&'static str),
    /// The type of input variable `var.NAME`, resolved once every file is read.
    Input(String),
    /// Only a plan would know.
    Unknown,
}

/// Result types of functions that always return one type.
fn function_type(name: &str) -> Option<&'static str> {
    Some(match name {
        "tostring" | "format" | "formatdate" | "join" | "jsonencode" | "yamlencode" | "upper"
        | "lower" | "title" | "replace" | "trimspace" | "trim" | "trimprefix" | "trimsuffix"
        | "substr" | "chomp" | "indent" | "base64encode" | "base64decode" | "md5" | "sha1"
        | "sha256" | "sha512" | "uuid" | "timestamp" | "templatefile" | "file" | "abspath"
        | "basename" | "dirname" | "cidrhost" | "cidrnetmask" | "cidrsubnet" | "urlencode" => {
            "string"
        }
        "tonumber" | "length" | "max" | "min" | "abs" | "ceil" | "floor" | "log" | "pow"
        | "signum" | "parseint" | "sum" => "number",
        "tobool" | "contains" | "can" | "startswith" | "endswith" | "alltrue" | "anytrue" => "bool",
        "tolist" | "keys" | "values" | "split" | "compact" | "distinct" | "flatten" | "sort"
        | "reverse" | "range" | "cidrsubnets" | "formatlist" | "chunklist" => "list",
        "toset" | "setunion" | "setintersection" | "setsubtract" | "setproduct" => "set",
        "tomap" | "zipmap" => "map",
        _ => return None,
    })
}

/// The type hint of an output's `value`.
pub fn hint(e: &Expression) -> TypeHint {
    use TypeHint::{Input, Known, Unknown};
    match e {
        Expression::Bool(_) => Known("bool"),
        Expression::Number(_) => Known("number"),
        Expression::String(_) | Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => {
            Known("string")
        }
        Expression::Array(_) => Known("tuple"),
        Expression::Object(_) => Known("object"),
        Expression::Parenthesis(p) => hint(p.inner()),
        Expression::Conditional(c) => match (hint(&c.true_expr), hint(&c.false_expr)) {
            (a, b) if a == b => a,
            _ => Unknown,
        },
        Expression::FuncCall(f) if f.name.namespace.is_empty() => {
            function_type(f.name.name.as_str())
                .map(Known)
                .unwrap_or(Unknown)
        }
        Expression::UnaryOp(u) => match u.operator.value() {
            UnaryOperator::Not => Known("bool"),
            UnaryOperator::Neg => Known("number"),
        },
        Expression::BinaryOp(b) => match b.operator.value() {
            BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Mul
            | BinaryOperator::Div
            | BinaryOperator::Mod => Known("number"),
            _ => Known("bool"),
        },
        Expression::ForExpr(f) => Known(if f.key_expr.is_some() {
            "object"
        } else {
            "tuple"
        }),
        Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
            (Expression::Variable(v), [op]) if v.as_str() == "var" => match op.value() {
                TraversalOperator::GetAttr(name) => Input(name.as_str().to_string()),
                _ => Unknown,
            },
            _ => Unknown,
        },
        _ => Unknown,
    }
}

/// A declared type expression, written the one way (`list(string)`, no spaces).
pub fn normalized(type_expr: &str) -> String {
    type_expr.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(src: &str) -> TypeHint {
        hint(&hcl::edit::parser::parse_expr(src).unwrap())
    }

    #[test]
    fn types_the_expression_states() {
        use TypeHint::*;
        assert_eq!(of("\"x\""), Known("string"));
        assert_eq!(of("\"${var.a}-b\""), Known("string"));
        assert_eq!(of("42"), Known("number"));
        assert_eq!(of("[1, 2]"), Known("tuple"));
        assert_eq!(of("{ a = 1 }"), Known("object"));
        assert_eq!(of("[for x in var.l : x]"), Known("tuple"));
        assert_eq!(of("{ for k, v in var.m : k => v }"), Known("object"));
        assert_eq!(of("join(\",\", var.l)"), Known("string"));
        assert_eq!(of("length(var.l) + 1"), Known("number"));
        assert_eq!(of("var.a == \"x\""), Known("bool"));
        assert_eq!(of("(tolist(var.s))"), Known("list"));
        assert_eq!(of("var.c ? \"a\" : \"b\""), Known("string"));
        assert_eq!(of("var.name"), Input("name".into()));
        assert_eq!(of("var.c ? \"a\" : 1"), Unknown);
        assert_eq!(of("aws_vpc.this.id"), Unknown);
        assert_eq!(of("var.obj.field"), Unknown);
        assert_eq!(of("provider::x::f()"), Unknown);
        assert_eq!(normalized("list( string )"), "list(string)");
    }

    #[test]
    fn the_summary_carries_the_type_inputs_resolved() {
        let mut files = registry_core::ModuleFiles::new();
        files.insert(
            "main.tf".to_string(),
            b"variable \"l\" {\n  type = list( string )\n}\noutput \"a\" {\n  value = join(\",\", var.l)\n}\noutput \"b\" {\n  value = var.l\n}\noutput \"c\" {\n  value = var.undeclared\n}\n".to_vec(),
        );
        let i = crate::parse_module_dir(&files, "").interface();
        let types: Vec<Option<&str>> = i.outputs.iter().map(|o| o.value_type.as_deref()).collect();
        assert_eq!(types, [Some("string"), Some("list(string)"), None]);
    }
}
