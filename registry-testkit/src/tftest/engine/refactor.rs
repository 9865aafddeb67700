//! The configuration's refactoring blocks applied to the prior state
//! before planning, as Terraform applies them: `moved` renames objects
//! (a resource, an instance, or a whole module call) when nothing is at
//! the new address yet; `removed` takes objects out of the state, either
//! to be destroyed or, with `lifecycle { destroy = false }`, forgotten.
//! (`import` happens when an object is planned: see `resources.rs`.)

use crate::tftest::config::Module;

use super::State;

/// What refactoring did to a state.
#[derive(Debug, Default)]
pub struct Refactored {
    /// The state to plan from.
    pub state: State,
    /// Addresses forgotten (`removed` with `destroy = false`), for
    /// Terraform's warning.
    pub forgotten: Vec<String>,
}

/// Whether `addr` is `object` or one of its instances or contents
/// (`a.b`, `a.b[0]`, `a.b["k"]`, `module.m.x.y`).
fn within(addr: &str, object: &str) -> bool {
    addr == object
        || addr
            .strip_prefix(object)
            .is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.'))
}

/// Apply the root module's `moved` and `removed` blocks to `prior`.
pub fn refactor_state(module: &Module, prior: &State) -> Refactored {
    let mut state = prior.clone();
    for (from, to) in &module.moves {
        if state.keys().any(|k| within(k, to)) {
            continue;
        }
        let moving: Vec<String> = state.keys().filter(|k| within(k, from)).cloned().collect();
        for old in moving {
            let new = format!("{to}{}", &old[from.len()..]);
            if let Some(object) = state.remove(&old) {
                state.insert(new, object);
            }
        }
    }
    let mut forgotten = Vec::new();
    for removal in &module.removals {
        let gone: Vec<String> = state
            .keys()
            .filter(|k| within(k, &removal.from))
            .cloned()
            .collect();
        for addr in gone {
            state.remove(&addr);
            if !removal.destroy {
                forgotten.push(addr);
            }
        }
    }
    Refactored { state, forgotten }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tftest::config::{Mode, Removal};
    use crate::tftest::engine::InstanceState;
    use crate::tftest::value::Value;

    fn object() -> InstanceState {
        InstanceState {
            mode: Mode::Managed,
            ty: "terraform_data".into(),
            provider: "terraform.io/builtin/terraform".into(),
            value: Value::null_dynamic(),
        }
    }

    fn state(addrs: &[&str]) -> State {
        addrs.iter().map(|a| (a.to_string(), object())).collect()
    }

    #[test]
    fn moves_rename_instances_unless_the_target_exists_and_removals_forget() {
        let module = Module {
            moves: vec![
                ("a.x".into(), "a.y".into()),
                ("module.old".into(), "module.new".into()),
                ("a.p".into(), "a.q".into()),
            ],
            removals: vec![
                Removal {
                    from: "a.gone".into(),
                    destroy: false,
                },
                Removal {
                    from: "a.destroyed".into(),
                    destroy: true,
                },
            ],
            ..Module::default()
        };
        let prior = state(&[
            "a.x[0]",
            "a.x[1]",
            "a.xx",
            "module.old.a.b",
            "a.p",
            "a.q",
            "a.gone",
            "a.destroyed",
        ]);
        let r = refactor_state(&module, &prior);
        let keys: Vec<&str> = r.state.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["a.p", "a.q", "a.xx", "a.y[0]", "a.y[1]", "module.new.a.b"],
            "a.p stays: a.q exists already"
        );
        assert_eq!(r.forgotten, ["a.gone"]);
    }
}
