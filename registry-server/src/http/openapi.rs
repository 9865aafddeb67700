//! The OpenAPI 3.1 frame of the HTTP API: info, tags, the bearer scheme,
//! the error body and path parameters. Routes and their bodies come from
//! the handlers (`utoipa_axum::routes!`); the responses the guard itself
//! gives (401, 429) are declared on every guarded operation here.

use utoipa::Modify;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, ResponseBuilder, content::ContentBuilder};

/// Every error response: `{"errors": ["…"]}`.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    /// What went wrong, one message per problem.
    errors: Vec<String>,
    /// Each validation finding or failing test run that refused a publish.
    problems: Option<Vec<super::views::ProblemView>>,
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

/// A namespace path parameter.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct NamespaceParams {
    /// Namespace.
    ns: String,
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

/// Paths the guard does not stand in front of.
const UNGUARDED: &[&str] = &["/healthz", "/readyz", "/metrics"];

/// Declare on every guarded operation the refusals the guard gives before
/// a handler runs: 401 for a token that does not authenticate, 429 over a
/// rate limit (or after too many failed authentications).
pub fn declare_guard_responses(doc: &mut utoipa::openapi::OpenApi) {
    let error = || {
        ContentBuilder::new()
            .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                "ErrorBody",
            ))))
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        if UNGUARDED.contains(&path.as_str()) {
            continue;
        }
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.head,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let responses = &mut op.responses.responses;
            responses.entry("401".into()).or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description("The token does not authenticate (or reads need one)")
                        .content("application/json", error())
                        .build(),
                )
            });
            responses.entry("429".into()).or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description("Rate limited; see `Retry-After`")
                        .content("application/json", error())
                        .build(),
                )
            });
        }
    }
}

/// The document's frame; the paths come from the router.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Terraform/OpenTofu module registry",
        description = "The Terraform Module Registry Protocol, the public registry's read API, publishing, lifecycle, docs, search, namespace policies, audit and operations endpoints."
    ),
    modifiers(&BearerAuth),
    components(schemas(ErrorBody)),
    tags(
        (name = "protocol", description = "Terraform Module Registry Protocol (what `terraform init` calls)"),
        (name = "modules", description = "Read API with the public registry's JSON shapes and paging"),
        (name = "docs", description = "Generated documentation, schemas and examples"),
        (name = "publish", description = "Publishing and lifecycle (tokens required)"),
        (name = "admin", description = "Administration: namespace policies, search index, audit log"),
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "repositories", description = "Modules that follow a git repository: each matching tag published as a version; webhooks"),
        (name = "login", description = "The token endpoint `terraform login` calls (the authorization page is the web UI's)"),
        (name = "trusted-publishing", description = "CI jobs' OIDC identity tokens exchanged for short-lived publish tokens"),
    )
)]
pub struct ApiDoc;
