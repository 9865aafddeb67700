//! One test per rule of the API diff: what is breaking and what is not.

use registry_core::{
    Input, InputValidation, ModuleCall, ModuleInterface, ModuleSummary, Output,
    ProviderRequirement, Resource,
};
use registry_diff::{ApiDiff, ChangeKind, Item, diff};

fn input(name: &str, ty: Option<&str>, default: Option<serde_json::Value>) -> Input {
    Input {
        name: name.into(),
        type_expr: ty.map(str::to_string),
        required: default.is_none(),
        default,
        ..Input::default()
    }
}

fn output(name: &str, sensitive: bool) -> Output {
    Output {
        name: name.into(),
        sensitive,
        ..Output::default()
    }
}

fn provider(name: &str, source: &str, version: Option<&str>) -> ProviderRequirement {
    ProviderRequirement {
        name: name.into(),
        source: Some(source.into()),
        version: version.map(str::to_string),
    }
}

fn root(f: impl FnOnce(&mut ModuleInterface)) -> ModuleSummary {
    let mut s = ModuleSummary::default();
    f(&mut s.root);
    s
}

/// The only change, as `(item, kind, breaking, detail)`.
fn only(d: &ApiDiff) -> (Item, ChangeKind, bool, &str) {
    assert_eq!(d.changes.len(), 1, "{:#?}", d.changes);
    let c = &d.changes[0];
    (c.item, c.kind, c.breaking, c.detail.as_str())
}

#[test]
fn the_same_interface_has_no_changes() {
    let s = root(|r| r.inputs.push(input("a", Some("string"), None)));
    assert_eq!(diff(&s, &s), ApiDiff::default());
}

#[test]
fn a_removed_input_breaks() {
    let old = root(|r| r.inputs.push(input("a", None, Some("x".into()))));
    let d = diff(&old, &root(|_| {}));
    assert_eq!(
        only(&d),
        (Item::Input, ChangeKind::Removed, true, "removed")
    );
}

#[test]
fn a_new_required_input_breaks_a_new_optional_one_does_not() {
    let d = diff(
        &root(|_| {}),
        &root(|r| r.inputs.push(input("a", None, None))),
    );
    assert_eq!(
        only(&d),
        (Item::Input, ChangeKind::Added, true, "new required input")
    );
    let d = diff(
        &root(|_| {}),
        &root(|r| r.inputs.push(input("a", None, Some(1.into())))),
    );
    assert_eq!(
        only(&d),
        (Item::Input, ChangeKind::Added, false, "new optional input")
    );
}

#[test]
fn a_removed_default_breaks_a_changed_one_does_not() {
    let old = root(|r| r.inputs.push(input("a", None, Some("x".into()))));
    let d = diff(&old, &root(|r| r.inputs.push(input("a", None, None))));
    assert_eq!(
        only(&d),
        (
            Item::Input,
            ChangeKind::Changed,
            true,
            "its default was removed: now required"
        )
    );
    let d = diff(
        &old,
        &root(|r| r.inputs.push(input("a", None, Some("y".into())))),
    );
    assert_eq!(
        only(&d),
        (
            Item::Input,
            ChangeKind::Changed,
            false,
            "default \"x\" → \"y\""
        )
    );
}

#[test]
fn a_narrower_input_type_breaks_a_wider_one_does_not() {
    let with = |t: &str| root(|r| r.inputs.push(input("a", Some(t), None)));
    let d = diff(&with("list(string)"), &with("list(number)"));
    assert_eq!(
        only(&d),
        (
            Item::Input,
            ChangeKind::Changed,
            true,
            "type list(string) → list(number): string values are not number"
        )
    );
    let d = diff(&with("list(string)"), &with("list(any)"));
    assert_eq!(
        only(&d),
        (
            Item::Input,
            ChangeKind::Changed,
            false,
            "type list(string) → list(any)"
        )
    );
}

#[test]
fn a_new_validation_rule_breaks_a_dropped_one_does_not() {
    let with = |conditions: Option<&[&str]>| {
        root(|r| {
            let mut i = input("cidr", Some("string"), None);
            i.validations = conditions.map(|cs| {
                cs.iter()
                    .map(|c| InputValidation {
                        condition: c.to_string(),
                        error_message: "Bad.".into(),
                    })
                    .collect()
            });
            r.inputs.push(i);
        })
    };
    let none = with(Some(&[]));
    let one = with(Some(&["can(cidrhost(var.cidr, 0))"]));
    assert_eq!(
        only(&diff(&none, &one)),
        (
            Item::Input,
            ChangeKind::Changed,
            true,
            "new validation rule: can(cidrhost(var.cidr, 0))"
        )
    );
    assert_eq!(
        only(&diff(&one, &none)),
        (
            Item::Input,
            ChangeKind::Changed,
            false,
            "validation rule dropped: can(cidrhost(var.cidr, 0))"
        )
    );
    // A version stored before rules were recorded is not read as ruleless.
    assert_eq!(diff(&with(None), &one), ApiDiff::default());
}

#[test]
fn a_removed_output_breaks_an_added_one_does_not() {
    let with = root(|r| r.outputs.push(output("id", false)));
    let d = diff(&with, &root(|_| {}));
    assert_eq!(
        only(&d),
        (Item::Output, ChangeKind::Removed, true, "removed")
    );
    let d = diff(&root(|_| {}), &with);
    assert_eq!(only(&d), (Item::Output, ChangeKind::Added, false, "added"));
}

#[test]
fn an_output_turned_sensitive_breaks() {
    let d = diff(
        &root(|r| r.outputs.push(output("id", false))),
        &root(|r| r.outputs.push(output("id", true))),
    );
    let (item, kind, breaking, _) = only(&d);
    assert_eq!(
        (item, kind, breaking),
        (Item::Output, ChangeKind::Changed, true)
    );
}

#[test]
fn an_output_whose_stated_type_changed_breaks() {
    let typed = |t: Option<&str>| Output {
        value_type: t.map(str::to_string),
        ..output("ids", false)
    };
    let d = diff(
        &root(|r| r.outputs.push(typed(Some("list(string)")))),
        &root(|r| r.outputs.push(typed(Some("string")))),
    );
    assert_eq!(
        only(&d),
        (
            Item::Output,
            ChangeKind::Changed,
            true,
            "type changed from list(string) to string"
        )
    );
    // Unknown on either side (a resource attribute, say): nothing to say.
    let d = diff(
        &root(|r| r.outputs.push(typed(None))),
        &root(|r| r.outputs.push(typed(Some("string")))),
    );
    assert!(d.changes.is_empty(), "{:?}", d.changes);
}

#[test]
fn a_narrower_provider_constraint_or_a_new_source_breaks() {
    let with = |source: &str, v: &str| root(|r| r.providers.push(provider("aws", source, Some(v))));
    let d = diff(
        &with("hashicorp/aws", ">= 4.0"),
        &with("hashicorp/aws", ">= 5.0"),
    );
    assert_eq!(
        only(&d),
        (
            Item::Provider,
            ChangeKind::Changed,
            true,
            "version >= 4.0 → >= 5.0: 4.0.0 is no longer admitted"
        )
    );
    let d = diff(
        &with("hashicorp/aws", "~> 5.1"),
        &with("hashicorp/aws", ">= 5.0"),
    );
    assert!(!d.is_breaking(), "{:?}", d.changes);
    let d = diff(
        &with("hashicorp/aws", ">= 5.0"),
        &with("acme/aws", ">= 5.0"),
    );
    assert_eq!(
        only(&d),
        (
            Item::Provider,
            ChangeKind::Changed,
            true,
            "source hashicorp/aws → acme/aws"
        )
    );
}

#[test]
fn a_narrower_terraform_constraint_breaks() {
    let with = |v: Option<&str>| root(|r| r.required_version = v.map(str::to_string));
    let d = diff(&with(Some(">= 1.3")), &with(Some(">= 1.5")));
    assert_eq!(
        only(&d),
        (
            Item::RequiredVersion,
            ChangeKind::Changed,
            true,
            ">= 1.3 → >= 1.5: Terraform 1.3.0 is no longer admitted"
        )
    );
    let d = diff(&with(Some(">= 1.5")), &with(None));
    assert!(!d.is_breaking());
}

#[test]
fn resources_data_sources_and_module_calls_are_listed_not_breaking() {
    let old = root(|r| {
        r.resources.push(Resource {
            resource_type: "aws_vpc".into(),
            name: "this".into(),
            mode: "managed".into(),
        });
        r.dependencies.push(ModuleCall {
            name: "net".into(),
            source: "acme/net/aws".into(),
            version: Some("~> 1.0".into()),
        });
    });
    let new = root(|r| {
        r.resources.push(Resource {
            resource_type: "aws_ami".into(),
            name: "this".into(),
            mode: "data".into(),
        });
        r.dependencies.push(ModuleCall {
            name: "net".into(),
            source: "acme/net/aws".into(),
            version: Some("~> 2.0".into()),
        });
    });
    let d = diff(&old, &new);
    assert!(!d.is_breaking());
    let shown: Vec<String> = d.changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "- resource aws_vpc.this: removed",
            "+ data source aws_ami.this: added",
            "~ module call net: acme/net/aws ~> 1.0 → acme/net/aws ~> 2.0",
        ]
    );
}

#[test]
fn a_removed_submodule_breaks_and_submodules_are_compared() {
    let sub = |inputs: Vec<Input>| ModuleInterface {
        path: "modules/sub".into(),
        inputs,
        ..ModuleInterface::default()
    };
    let mut old = ModuleSummary::default();
    old.submodules
        .push(sub(vec![input("a", None, Some(1.into()))]));
    let d = diff(&old, &ModuleSummary::default());
    assert_eq!(
        only(&d),
        (Item::Submodule, ChangeKind::Removed, true, "removed")
    );
    let mut new = ModuleSummary::default();
    new.submodules.push(sub(vec![]));
    let d = diff(&old, &new);
    assert_eq!(
        d.changes[0].to_string(),
        "- modules/sub: input a: removed (breaking)"
    );
}
