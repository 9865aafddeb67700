//! `/modules/NS/NAME/SYSTEM/VERSION/files/PATH`: one file of a version's
//! archive, for the README's relative links and images. Module files are
//! hostile: only images and text are served, text as `text/plain`, every
//! answer under a sandboxing Content-Security-Policy with `nosniff`, so an
//! SVG or HTML file cannot run anything on this origin.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use registry_core::Error;

use crate::http::Ctx;
use crate::state::AppState;
use crate::ui::UiResult;
use crate::ui::paths::{PageRest, PageVersion};

/// The largest file served (READMEs link diagrams, not datasets).
pub const MAX_FILE_BYTES: u64 = 8 << 20;

/// The policy on every file: nothing loads, nothing runs, no same origin.
const FILE_CSP: &str =
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

/// The media type a file is served as, by its extension; `None` for kinds
/// not served.
fn media_type(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    Some(match ext {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "md" | "markdown" | "txt" | "tf" | "tofu" | "hcl" | "json" | "yml" | "yaml" | "tfvars"
        | "sh" | "py" => "text/plain; charset=utf-8",
        _ if name == "license" || name == "makefile" || name.starts_with("readme") => {
            "text/plain; charset=utf-8"
        }
        _ => return None,
    })
}

/// `GET …/{version}/files/{*path}`.
pub async fn file(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    PageVersion(id): PageVersion,
    PageRest(path): PageRest,
) -> UiResult {
    let not_here = || Error::not_found(format!("{id} has no file {path:?} to show"));
    let Some(kind) = media_type(&path) else {
        return Err(not_here().into());
    };
    let bytes = state
        .registry()
        .archive_file(&ctx, &id, &path, MAX_FILE_BYTES)
        .await?
        .ok_or_else(not_here)?;
    let mut response: Response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(FILE_CSP),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::media_type;

    #[test]
    fn only_images_and_text_are_served() {
        assert_eq!(media_type("docs/a.PNG"), Some("image/png"));
        assert_eq!(media_type("main.tf"), Some("text/plain; charset=utf-8"));
        assert_eq!(media_type("LICENSE"), Some("text/plain; charset=utf-8"));
        for refused in ["index.html", "x.js", "a.htm", "b.exe", "noext"] {
            assert_eq!(media_type(refused), None, "{refused}");
        }
    }
}
