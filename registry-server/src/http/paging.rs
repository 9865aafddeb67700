//! Paging of module listings: by `offset`, as the public registry pages,
//! or by an opaque `cursor` from the previous page's `meta.next_cursor`,
//! whose pages cost the same at any depth (one keyset query of modules
//! joined to their stored latest versions).

use base64::Engine as _;
use registry_core::{Cursor, Error, Filter, ModuleRecord, RequestContext, Result};

use super::error::ApiResult;
use crate::state::AppState;

/// The most modules one store query returns while paging.
const QUERY_PAGE: usize = 100;
/// The longest cursor accepted (an address key and a number, encoded).
const MAX_CURSOR_LEN: usize = 1024;

/// Where a listing page starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct PagePosition {
    /// How many modules come before the page (reported in `meta`).
    pub offset: usize,
    /// The address key of the module just before the page, when reached by
    /// cursor; without it the first `offset` modules are skipped.
    pub after: Option<String>,
}

impl PagePosition {
    /// The page after the first `offset` modules.
    pub fn at_offset(offset: usize) -> Self {
        PagePosition {
            offset,
            after: None,
        }
    }

    /// The position a query names: `cursor` or `offset`, not both.
    pub fn from_query(offset: Option<usize>, cursor: Option<&str>) -> Result<Self> {
        match (offset, cursor) {
            (Some(_), Some(_)) => Err(Error::invalid_input(
                "give offset or cursor, not both (a cursor knows its offset)",
            )),
            (_, Some(c)) => Self::decode(c),
            (o, None) => Ok(Self::at_offset(o.unwrap_or(0))),
        }
    }

    /// The cursor text: URL-safe, opaque to clients.
    pub fn encode(&self) -> String {
        let after = self.after.as_deref().unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}\n{after}", self.offset))
    }

    fn decode(text: &str) -> Result<Self> {
        let bad = || {
            let shown: String = text.chars().take(64).collect();
            Error::invalid_input(format!(
                "invalid page cursor {shown:?}: pass meta.next_cursor of the previous page as it is"
            ))
        };
        if text.len() > MAX_CURSOR_LEN {
            return Err(bad());
        }
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| bad())?;
        let raw = String::from_utf8(raw).map_err(|_| bad())?;
        let (offset, after) = raw.split_once('\n').ok_or_else(bad)?;
        Ok(PagePosition {
            offset: offset.parse().map_err(|_| bad())?,
            after: Some(after.to_string()),
        })
    }
}

/// One page of modules, each with its latest listed version.
#[derive(Debug)]
pub(crate) struct LatestPage {
    /// The modules, by address.
    pub modules: Vec<ModuleRecord>,
    /// Where the next page starts, when there is one.
    pub next: Option<PagePosition>,
}

/// Modules matching `filter` from `start` on, at most `limit`, each with
/// its latest listed version. Modules the caller may not read are not
/// counted, nor copies mirrored from other registries (they live under
/// `/v1/mirror`).
pub(crate) async fn latest_modules(
    state: &AppState,
    ctx: &RequestContext,
    mut filter: Filter,
    start: &PagePosition,
    limit: usize,
) -> ApiResult<LatestPage> {
    let registry = state.registry();
    registry.authorize_listing(ctx, filter.namespace.as_deref())?;
    filter.include_yanked = false;
    filter.limit = QUERY_PAGE;
    filter.after = match &start.after {
        Some(key) => Some(after_key(key.clone())),
        None => match skip_modules(state, ctx, &filter, start.offset).await? {
            Skipped::To(after) => after,
            Skipped::PastTheEnd => {
                return Ok(LatestPage {
                    modules: Vec::new(),
                    next: None,
                });
            }
        },
    };
    let mut modules: Vec<ModuleRecord> = Vec::new();
    loop {
        let page = registry.list_latest(ctx, &filter).await?;
        for record in page.items {
            if record.address.host().is_some() {
                continue;
            }
            if modules.len() == limit {
                let next = PagePosition {
                    offset: start.offset.saturating_add(limit),
                    after: modules.last().map(|m| m.address.key()),
                };
                return Ok(LatestPage {
                    modules,
                    next: Some(next),
                });
            }
            modules.push(record);
        }
        match page.next {
            Some(c) => filter.after = Some(c),
            None => {
                return Ok(LatestPage {
                    modules,
                    next: None,
                });
            }
        }
    }
}

/// Where skipping modules ended.
enum Skipped {
    /// The page starts after this cursor (`None`: at the first module).
    To(Option<Cursor>),
    /// Fewer modules than the offset: the page is empty.
    PastTheEnd,
}

/// Skip the first `offset` modules the caller sees, reading addresses
/// only, a keyset page at a time.
async fn skip_modules(
    state: &AppState,
    ctx: &RequestContext,
    filter: &Filter,
    offset: usize,
) -> ApiResult<Skipped> {
    let registry = state.registry();
    let mut filter = filter.clone();
    let mut skipped = 0;
    while skipped < offset {
        let page = registry.storage().list_modules(&filter).await?;
        for addr in &page.items {
            if addr.host().is_some() || !registry.can_read(ctx, addr.namespace()) {
                continue;
            }
            skipped += 1;
            if skipped == offset {
                return Ok(Skipped::To(Some(after_key(addr.key()))));
            }
        }
        match page.next {
            Some(c) => filter.after = Some(c),
            None => return Ok(Skipped::PastTheEnd),
        }
    }
    Ok(Skipped::To(None))
}

fn after_key(address_key: String) -> Cursor {
    Cursor {
        address_key,
        version_key: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_named() {
        let p = PagePosition {
            offset: 30,
            after: Some("acme/net/aws".into()),
        };
        let text = p.encode();
        assert_eq!(PagePosition::from_query(None, Some(&text)).unwrap(), p);
        assert_eq!(
            PagePosition::from_query(Some(5), None).unwrap(),
            PagePosition::at_offset(5)
        );
        for bad in ["%%%", "bm90IGEgY3Vyc29y", &"A".repeat(2000)] {
            let e = PagePosition::from_query(None, Some(bad)).unwrap_err();
            assert!(e.to_string().contains("invalid page cursor"), "{e}");
        }
        let both = PagePosition::from_query(Some(1), Some(&text)).unwrap_err();
        assert!(both.to_string().contains("not both"), "{both}");
    }
}
