//! Filters and keyset paging for listings.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::module::{LifecycleState, ModuleRecord};

/// The default and largest page size.
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// An opaque position in a listing: the (address key, version key) of the
/// last item of the previous page. Listings are ordered by that pair, so a
/// page is one index range scan whatever the offset.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cursor {
    /// Address key of the last item.
    pub address_key: String,
    /// Version key of the last item.
    pub version_key: String,
}

impl Cursor {
    /// The cursor after `record`.
    pub fn after(record: &ModuleRecord) -> Self {
        Cursor {
            address_key: record.address.key(),
            version_key: record.version.key(),
        }
    }

    /// Encode as URL-safe text.
    pub fn encode(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("{}\n{}", self.address_key, self.version_key))
    }

    /// Decode text made by [`Cursor::encode`].
    pub fn decode(s: &str) -> Result<Self> {
        let bad = || Error::invalid_input(format!("invalid page cursor {s:?}"));
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| bad())?;
        let text = String::from_utf8(raw).map_err(|_| bad())?;
        let (a, v) = text.split_once('\n').ok_or_else(bad)?;
        Ok(Cursor {
            address_key: a.to_string(),
            version_key: v.to_string(),
        })
    }
}

impl TryFrom<String> for Cursor {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Cursor::decode(&s)
    }
}

impl From<Cursor> for String {
    fn from(c: Cursor) -> String {
        c.encode()
    }
}

/// Which versions a listing returns. Fields are ANDed; `None` means any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    /// Namespace (case-insensitive).
    pub namespace: Option<String>,
    /// Module name (case-insensitive).
    pub name: Option<String>,
    /// Target system.
    pub system: Option<String>,
    /// Publisher.
    pub owner: Option<String>,
    /// Only versions in this lifecycle state.
    pub state: Option<LifecycleState>,
    /// Include yanked versions (default false).
    pub include_yanked: bool,
    /// Page size (1 to [`DEFAULT_PAGE_SIZE`]; 0 means the default).
    pub limit: usize,
    /// Continue after this position.
    pub after: Option<Cursor>,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            namespace: None,
            name: None,
            system: None,
            owner: None,
            state: None,
            include_yanked: false,
            limit: DEFAULT_PAGE_SIZE,
            after: None,
        }
    }
}

impl Filter {
    /// Everything, first page.
    pub fn all() -> Self {
        Self::default()
    }

    /// Only one namespace.
    pub fn namespace(mut self, ns: impl Into<String>) -> Self {
        self.namespace = Some(ns.into());
        self
    }

    /// The page size actually used.
    pub fn page_size(&self) -> usize {
        if self.limit == 0 {
            DEFAULT_PAGE_SIZE
        } else {
            self.limit.min(DEFAULT_PAGE_SIZE)
        }
    }

    /// Whether a record passes the filter (ignoring paging). Backends that
    /// cannot push a condition down use this to stay consistent.
    pub fn matches(&self, r: &ModuleRecord) -> bool {
        let eq = |want: &Option<String>, have: &str| {
            want.as_deref().is_none_or(|w| w.eq_ignore_ascii_case(have))
        };
        let state = r.metadata.lifecycle.state();
        // A namespace is matched with its host: `hashicorp` is this
        // registry's, `registry.terraform.io/hashicorp` a mirrored one.
        eq(&self.namespace, &r.address.namespace_key())
            && eq(&self.name, r.address.name())
            && eq(&self.system, r.address.system())
            && self
                .owner
                .as_deref()
                .is_none_or(|o| r.metadata.owner.as_deref() == Some(o))
            && self.state.is_none_or(|s| s == state)
            && (self.include_yanked
                || self.state == Some(LifecycleState::Yanked)
                || state != LifecycleState::Yanked)
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// A page with no items and no next page.
    pub fn empty() -> Self {
        Page {
            items: Vec::new(),
            next: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor {
            address_key: "acme/vpc/aws".into(),
            version_key: "1.2-rc.1".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert!(Cursor::decode("!!!").is_err());
        assert!(Cursor::decode("bm8tbmV3bGluZQ").is_err());
    }

    #[test]
    fn page_size_is_capped() {
        let mut f = Filter::all();
        f.limit = 1000;
        assert_eq!(f.page_size(), DEFAULT_PAGE_SIZE);
        f.limit = 0;
        assert_eq!(f.page_size(), DEFAULT_PAGE_SIZE);
        f.limit = 5;
        assert_eq!(f.page_size(), 5);
    }
}
