//! A module's downloads over the last 30 days: the count and a small bar
//! chart (inline SVG, so no script and no style attribute, which the
//! page's Content-Security-Policy forbids), each bar titled with its day.

use maud::{Markup, html};
use registry_core::{DailyDownloads, ErrorKind, ModuleAddress, RequestContext, Result};

use crate::state::AppState;

/// How many days the header shows.
pub const DAYS: u32 = 30;

/// The last [`DAYS`] days of a module's downloads; `None` when the store
/// keeps only totals.
pub async fn recent(
    state: &AppState,
    ctx: &RequestContext,
    address: &ModuleAddress,
) -> Result<Option<Vec<DailyDownloads>>> {
    match state.registry().downloads_by_day(ctx, address, DAYS).await {
        Ok(days) => Ok(Some(days)),
        Err(e) if e.kind() == ErrorKind::Unsupported => Ok(None),
        Err(e) => Err(e),
    }
}

/// `N in the last 30 days` and the chart.
pub fn summary(days: &[DailyDownloads]) -> Markup {
    let total: u64 = days.iter().map(|d| d.downloads).sum();
    let peak = days.iter().map(|d| d.downloads).max().unwrap_or(0).max(1);
    let (bar, gap, height) = (6u32, 2u32, 24u64);
    let width = days.len() as u32 * (bar + gap);
    html! {
        (total) " in the last " (DAYS) " days "
        svg class="spark" role="img" width=(width) height=(height) viewBox=(format!("0 0 {width} {height}")) {
            title { (total) " downloads in the last " (DAYS) " days" }
            @for (i, d) in days.iter().enumerate() {
                @let h = (d.downloads * height).div_ceil(peak).max(1);
                rect x=(i as u32 * (bar + gap)) y=(height - h) width=(bar) height=(h) {
                    title { (d.day.format("%Y-%m-%d")) ": " (d.downloads) }
                }
            }
        }
    }
}
