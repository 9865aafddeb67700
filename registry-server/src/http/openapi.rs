//! The OpenAPI 3.1 description of the HTTP API. Routes are registered with
//! `utoipa_axum::routes!` from the handlers' own `#[utoipa::path]`
//! attributes, so the document and the router come from one source.

use utoipa::Modify;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Every error response: `{"errors": ["…"]}`.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    /// What went wrong, one message per problem.
    errors: Vec<String>,
}

/// A module's path parameters.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct ModuleParams {
    /// Namespace (letters, digits, `-`, `_`; case-insensitive).
    ns: String,
    /// Module name.
    name: String,
    /// Target system (provider), e.g. `aws`.
    system: String,
}

/// A module version's path parameters.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct VersionParams {
    /// Namespace (letters, digits, `-`, `_`; case-insensitive).
    ns: String,
    /// Module name.
    name: String,
    /// Target system (provider), e.g. `aws`.
    system: String,
    /// Version, e.g. `1.2.0`.
    version: String,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("rgt_<id>_<secret>")
                    .description(Some("An API token from `registry token create`"))
                    .build(),
            ),
        );
    }
}

/// The document's frame; the paths come from the router.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Terraform/OpenTofu module registry",
        description = "The Terraform Module Registry Protocol, the public registry's read API, publishing, lifecycle, docs, search, audit and operations endpoints."
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "protocol", description = "Terraform Module Registry Protocol (what `terraform init` calls)"),
        (name = "modules", description = "Read API with the public registry's JSON shapes and paging"),
        (name = "docs", description = "Generated documentation, schemas and examples"),
        (name = "publish", description = "Publishing and lifecycle (tokens required)"),
        (name = "admin", description = "Administration: search index, audit log"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;
