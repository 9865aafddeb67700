//! The index's schema: one document per module version, and how a
//! record becomes one.

use registry_core::{ModuleRecord, TestOutcome};
use tantivy::TantivyDocument;
use tantivy::schema::{FAST, Facet, FacetOptions, Field, INDEXED, STORED, STRING, Schema, TEXT};

use super::doc_id;

/// Bumped whenever [`schema`] changes: an on-disk index is kept per
/// schema version, so a new build never opens an older layout (it builds
/// its own beside it).
pub(super) const SCHEMA_VERSION: u32 = 2;

/// The schema's fields.
#[derive(Clone, Copy)]
pub(super) struct Fields {
    pub(super) id: Field,
    pub(super) module: Field,
    pub(super) address: Field,
    pub(super) version: Field,
    pub(super) namespace: Field,
    pub(super) namespace_text: Field,
    pub(super) name: Field,
    pub(super) system: Field,
    pub(super) description: Field,
    pub(super) readme: Field,
    pub(super) interface: Field,
    pub(super) resources: Field,
    pub(super) providers: Field,
    pub(super) provider_exact: Field,
    pub(super) facets: Field,
    pub(super) latest: Field,
    pub(super) listed: Field,
}

pub(super) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let f = Fields {
        id: b.add_text_field("id", STRING | STORED),
        module: b.add_text_field("module", STRING | STORED),
        address: b.add_text_field("address", STORED),
        // A fast field: a module's versions are read from it to choose
        // the latest, with no stored document decoded.
        version: b.add_text_field("version", STRING | STORED | FAST),
        namespace: b.add_text_field("namespace", STRING | STORED),
        namespace_text: b.add_text_field("namespace_text", TEXT | STORED),
        name: b.add_text_field("name", TEXT | STORED),
        system: b.add_text_field("system", STRING | STORED),
        description: b.add_text_field("description", TEXT | STORED),
        readme: b.add_text_field("readme", TEXT | STORED),
        interface: b.add_text_field("interface", TEXT | STORED),
        resources: b.add_text_field("resources", TEXT | STORED),
        providers: b.add_text_field("providers", TEXT | STORED),
        provider_exact: b.add_text_field("provider_exact", STRING | STORED),
        facets: b.add_facet_field("facets", FacetOptions::default().set_stored()),
        latest: b.add_u64_field("latest", INDEXED),
        listed: b.add_u64_field("listed", INDEXED | STORED | FAST),
    };
    (b.build(), f)
}

impl Fields {
    /// The document of `r`, labelled `latest` or not.
    pub(super) fn document(&self, r: &ModuleRecord, latest: bool) -> TantivyDocument {
        let f = *self;
        let m = &r.metadata;
        let s = &m.summary;
        let mut d = TantivyDocument::default();
        d.add_text(f.id, doc_id(&r.id()));
        d.add_text(f.module, r.address.key());
        d.add_text(f.address, r.address.to_string());
        d.add_text(f.version, r.version.as_str());
        d.add_text(f.namespace, r.address.namespace_key());
        d.add_text(f.namespace_text, r.address.namespace());
        d.add_text(f.name, r.address.name());
        d.add_text(f.system, r.address.system());
        d.add_text(f.description, m.description.clone().unwrap_or_default());
        d.add_text(f.readme, s.root.readme.clone().unwrap_or_default());
        for iface in std::iter::once(&s.root).chain(&s.submodules) {
            for i in &iface.inputs {
                d.add_text(
                    f.interface,
                    format!("{} {}", i.name, i.description.clone().unwrap_or_default()),
                );
            }
            for o in &iface.outputs {
                d.add_text(
                    f.interface,
                    format!("{} {}", o.name, o.description.clone().unwrap_or_default()),
                );
            }
            for res in &iface.resources {
                d.add_text(f.resources, &res.resource_type);
            }
            for p in &iface.providers {
                d.add_text(
                    f.providers,
                    format!("{} {}", p.name, p.source.clone().unwrap_or_default()),
                );
                d.add_text(f.provider_exact, p.name.to_ascii_lowercase());
                d.add_facet(
                    f.facets,
                    Facet::from_path(["provider", p.name.to_ascii_lowercase().as_str()]),
                );
            }
        }
        d.add_facet(
            f.facets,
            Facet::from_path(["namespace", r.address.namespace_key().as_str()]),
        );
        d.add_facet(f.facets, Facet::from_path(["system", r.address.system()]));
        d.add_facet(f.facets, signed_facet(m.signature.is_some()));
        d.add_facet(f.facets, tests_facet(tests_outcome(m)));
        d.add_u64(f.latest, u64::from(latest));
        d.add_u64(f.listed, u64::from(m.lifecycle.is_listed()));
        d
    }
}

/// The facet groups counted for every search, in the order shown.
pub(super) const FACET_GROUPS: [&str; 5] = ["namespace", "system", "provider", "signed", "tests"];

/// The facet of signed or unsigned versions.
pub(super) fn signed_facet(signed: bool) -> Facet {
    Facet::from_path(["signed", if signed { "yes" } else { "no" }])
}

/// The facet of a checks outcome.
pub(super) fn tests_facet(outcome: TestOutcome) -> Facet {
    Facet::from_path(["tests", outcome.as_str()])
}

/// How a version's checks on publish came out (`not_run` when none ran).
fn tests_outcome(m: &registry_core::ModuleMetadata) -> TestOutcome {
    m.checks.as_ref().map_or(TestOutcome::NotRun, |c| c.status)
}
