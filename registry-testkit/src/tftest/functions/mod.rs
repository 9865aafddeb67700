//! Terraform's built-in functions, those that touch neither the network
//! nor files outside the module: each declares its parameters (converted
//! to their types before the call, as Terraform does), whether it accepts
//! null or unknown arguments, and the type of its result when it cannot be
//! computed yet. Arguments arrive without marks; the result carries the
//! marks of every argument, except where a function handles marks itself
//! (`sensitive`, `nonsensitive`, `issensitive`).

mod collections;
mod crypto;
mod encoding;
mod files;
mod net;
mod numeric;
mod strings;
mod time;
mod types;

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::diag::{Diagnostic, SourceRange};
use super::value::{Marks, Type, Value, convert};

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FnError {
    /// Argument `0`-based index is unsuitable.
    Arg(usize, String),
    /// The call failed.
    Call(String),
}

impl FnError {
    /// A failure of the call.
    pub fn call(msg: impl Into<String>) -> FnError {
        FnError::Call(msg.into())
    }

    /// An unsuitable argument.
    pub fn arg(i: usize, msg: impl Into<String>) -> FnError {
        FnError::Arg(i, msg.into())
    }
}

/// A call's failure, named as Terraform names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    summary: String,
    detail: String,
}

impl CallError {
    /// As a diagnostic at the call.
    pub fn into_diagnostic(
        self,
        _name: &str,
        range: Option<SourceRange>,
        context: Option<&str>,
    ) -> Diagnostic {
        Diagnostic::error(self.summary, self.detail)
            .at(range)
            .in_context(context)
    }
}

/// The function's result, given unmarked arguments converted to the
/// parameter types.
pub type Impl = fn(&FnEnv, &[Value]) -> Result<Value, FnError>;

/// One parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// Its name (in messages: `Invalid value for "str" parameter`).
    pub name: &'static str,
    /// Its type (`dynamic`: any value as given).
    pub ty: Type,
    /// Null is a valid argument.
    pub allow_null: bool,
    /// The function sees unknown (or partly unknown) arguments instead of
    /// the call's result being unknown.
    pub allow_unknown: bool,
}

impl Param {
    /// A parameter of `ty` that takes neither null nor unknown values.
    pub fn new(name: &'static str, ty: Type) -> Param {
        Param {
            name,
            ty,
            allow_null: false,
            allow_unknown: false,
        }
    }

    /// Also accepts null.
    pub fn nullable(mut self) -> Param {
        self.allow_null = true;
        self
    }

    /// Also sees unknown values.
    pub fn unknowns(mut self) -> Param {
        self.allow_unknown = true;
        self
    }
}

/// A function.
#[derive(Debug, Clone)]
pub struct Function {
    /// Fixed parameters.
    pub params: Vec<Param>,
    /// Further arguments of one kind.
    pub variadic: Option<Param>,
    /// The result's type when some argument is unknown.
    pub ret: Type,
    /// The function handles marks itself (receives marked arguments).
    pub handles_marks: bool,
    /// The implementation.
    pub f: Impl,
}

impl Function {
    /// A function of `params` returning `ret`.
    pub fn new(params: Vec<Param>, ret: Type, f: Impl) -> Function {
        Function {
            params,
            variadic: None,
            ret,
            handles_marks: false,
            f,
        }
    }

    /// With further arguments like `p`.
    pub fn variadic(mut self, p: Param) -> Function {
        self.variadic = Some(p);
        self
    }

    /// Receiving marked arguments.
    pub fn marked(mut self) -> Function {
        self.handles_marks = true;
        self
    }
}

/// What functions may know of where they run.
#[derive(Debug, Clone)]
pub struct FnEnv {
    /// The module directory (`file`, `fileset`, `templatefile` read only inside it).
    pub module_dir: Option<PathBuf>,
    /// A scratch folder files may also be read from.
    pub scratch_dir: Option<PathBuf>,
    /// `plantimestamp()`: fixed for a run.
    pub plan_timestamp: DateTime<Utc>,
}

impl Default for FnEnv {
    fn default() -> Self {
        FnEnv {
            module_dir: None,
            scratch_dir: None,
            plan_timestamp: Utc::now(),
        }
    }
}

/// The function table.
#[derive(Debug, Clone)]
pub struct Functions {
    table: HashMap<&'static str, Function>,
    env: FnEnv,
}

impl Default for Functions {
    fn default() -> Self {
        Functions::builtin(FnEnv::default())
    }
}

impl Functions {
    /// Every built-in function, running in `env`.
    pub fn builtin(env: FnEnv) -> Functions {
        let mut f = Functions {
            table: HashMap::new(),
            env,
        };
        strings::register(&mut f);
        collections::register(&mut f);
        numeric::register(&mut f);
        encoding::register(&mut f);
        crypto::register(&mut f);
        time::register(&mut f);
        net::register(&mut f);
        types::register(&mut f);
        files::register(&mut f);
        f
    }

    /// Add (or replace) a function.
    pub fn add(&mut self, name: &'static str, f: Function) {
        self.table.insert(name, f);
    }

    /// The environment.
    pub fn env(&self) -> &FnEnv {
        &self.env
    }

    /// Whether a function exists.
    pub fn has(&self, name: &str) -> bool {
        self.table.contains_key(name)
    }

    /// Every function's name, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self.table.keys().copied().collect();
        v.sort_unstable();
        v
    }

    /// Call `name` with evaluated arguments.
    pub fn call(&self, name: &str, args: Vec<Value>, _file: &str) -> Result<Value, CallError> {
        let Some(func) = self.table.get(name) else {
            return Err(CallError {
                summary: "Call to unknown function".into(),
                detail: format!("There is no function named {name:?}."),
            });
        };
        if args.len() < func.params.len() {
            return Err(CallError {
                summary: "Not enough function arguments".into(),
                detail: format!(
                    "Function {name:?} expects {}{} argument(s). Missing value for {:?}.",
                    if func.variadic.is_some() {
                        "at least "
                    } else {
                        ""
                    },
                    func.params.len(),
                    func.params[args.len()].name
                ),
            });
        }
        if func.variadic.is_none() && args.len() > func.params.len() {
            return Err(CallError {
                summary: "Too many function arguments".into(),
                detail: format!(
                    "Function {name:?} expects only {} argument(s).",
                    func.params.len()
                ),
            });
        }
        let mut marks = Marks::NONE;
        let mut ready = Vec::with_capacity(args.len());
        for (i, arg) in args.into_iter().enumerate() {
            let p = func
                .params
                .get(i)
                .or(func.variadic.as_ref())
                .expect("arity checked");
            marks = marks.union(arg.deep_marks());
            if !p.allow_unknown && !arg.is_wholly_known() {
                return Ok(Value::unknown_not_null(func.ret.clone()).with_marks(marks));
            }
            if arg.is_null() && !p.allow_null {
                return Err(arg_error(name, p.name, "argument must not be null"));
            }
            let arg = if func.handles_marks {
                arg
            } else {
                arg.deep_unmarked()
            };
            let converted =
                convert(&arg, &p.ty).map_err(|e| arg_error(name, p.name, &e.to_string()))?;
            ready.push(converted);
        }
        match (func.f)(&self.env, &ready) {
            Ok(v) if func.handles_marks => Ok(v),
            Ok(v) => Ok(v.with_marks(marks)),
            Err(FnError::Arg(i, msg)) => {
                let p = func
                    .params
                    .get(i)
                    .or(func.variadic.as_ref())
                    .map(|p| p.name)
                    .unwrap_or("argument");
                Err(arg_error(name, p, &msg))
            }
            Err(FnError::Call(msg)) => Err(CallError {
                summary: "Error in function call".into(),
                detail: format!("Call to function {name:?} failed: {msg}."),
            }),
        }
    }
}

fn arg_error(_name: &str, param: &str, msg: &str) -> CallError {
    CallError {
        summary: "Invalid function argument".into(),
        detail: format!("Invalid value for {param:?} parameter: {msg}."),
    }
}

/// A required string argument.
pub(crate) fn str_arg(args: &[Value], i: usize) -> &str {
    args[i].as_str().unwrap_or_default()
}

/// A required number argument.
pub(crate) fn num_arg(args: &[Value], i: usize) -> super::value::Number {
    args[i]
        .as_number()
        .cloned()
        .unwrap_or_else(super::value::Number::zero)
}
