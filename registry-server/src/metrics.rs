//! Prometheus metrics: downloads and uploads by module, version resolution
//! and docs generation times, cache hits and misses by tier, and HTTP
//! requests by route and status with latency histograms.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry as PromRegistry;
use registry_core::{CacheTierStats, ModuleAddress, ModuleId, RegistryObserver};

type Labels = Vec<(&'static str, String)>;

fn latency_histogram() -> Histogram {
    // 50 µs .. ~13 s
    Histogram::new(exponential_buckets(0.00005, 2.0, 19))
}

/// Reads cache statistics at scrape time.
pub type CacheStatsFn = Arc<dyn Fn() -> Vec<CacheTierStats> + Send + Sync>;

struct CacheCollector(Arc<std::sync::OnceLock<CacheStatsFn>>);

impl std::fmt::Debug for CacheCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheCollector")
    }
}

impl Collector for CacheCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let stats = self.0.get().map(|f| f()).unwrap_or_default();
        for (name, help, pick) in [
            (
                "registry_cache_hits",
                "Cache lookups answered, by tier.",
                (|s: &CacheTierStats| s.hits) as fn(&CacheTierStats) -> u64,
            ),
            (
                "registry_cache_misses",
                "Cache lookups not answered, by tier.",
                |s: &CacheTierStats| s.misses,
            ),
        ] {
            let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            for s in &stats {
                let labels: Labels = vec![("tier", s.tier.clone())];
                ConstCounter::new(pick(s)).encode(metric.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}

/// The registry's metrics; also the [`RegistryObserver`] that feeds them.
pub struct Metrics {
    registry: PromRegistry,
    downloads: Family<Labels, Counter>,
    uploads: Family<Labels, Counter>,
    upload_bytes: Family<Labels, Counter>,
    resolve_seconds: Histogram,
    docs_seconds: Histogram,
    http_requests: Family<Labels, Counter>,
    http_seconds: Family<Labels, Histogram, fn() -> Histogram>,
    rate_limited: Family<Labels, Counter>,
    mirror: Family<Labels, Counter>,
    providers: Family<Labels, Counter>,
    cache_stats: Arc<std::sync::OnceLock<CacheStatsFn>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// Fresh metrics.
    pub fn new() -> Self {
        let cache_stats: Arc<std::sync::OnceLock<CacheStatsFn>> = Arc::default();
        let mut registry = PromRegistry::default();
        let downloads = Family::<Labels, Counter>::default();
        let uploads = Family::<Labels, Counter>::default();
        let upload_bytes = Family::<Labels, Counter>::default();
        let resolve_seconds = latency_histogram();
        let docs_seconds = latency_histogram();
        let http_requests = Family::<Labels, Counter>::default();
        let http_seconds =
            Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        registry.register(
            "registry_module_downloads",
            "Module versions downloaded, by module.",
            downloads.clone(),
        );
        registry.register(
            "registry_module_uploads",
            "Module versions published, by module.",
            uploads.clone(),
        );
        registry.register(
            "registry_module_upload_bytes",
            "Archive bytes published, by module.",
            upload_bytes.clone(),
        );
        registry.register(
            "registry_resolve_seconds",
            "Time to resolve a version constraint.",
            resolve_seconds.clone(),
        );
        registry.register(
            "registry_docs_generation_seconds",
            "Time to generate module documentation.",
            docs_seconds.clone(),
        );
        registry.register(
            "registry_http_requests",
            "HTTP requests, by route, method and status.",
            http_requests.clone(),
        );
        registry.register(
            "registry_http_request_seconds",
            "HTTP request latency, by route and method.",
            http_seconds.clone(),
        );
        let rate_limited = Family::<Labels, Counter>::default();
        registry.register(
            "registry_rate_limited",
            "Requests refused by a rate limit, by class (read, write, auth_failure).",
            rate_limited.clone(),
        );
        let mirror = Family::<Labels, Counter>::default();
        registry.register(
            "registry_mirror_events",
            "Mirror requests by upstream host and outcome: hit (served from what is stored), miss (fetched upstream), stale (versions served from the cache while upstream failed), error (upstream failed, nothing to serve).",
            mirror.clone(),
        );
        let providers = Family::<Labels, Counter>::default();
        registry.register(
            "registry_provider_events",
            "Provider releases published and platform downloads answered, by provider and event (publish, download).",
            providers.clone(),
        );
        registry.register_collector(Box::new(CacheCollector(cache_stats.clone())));
        Metrics {
            registry,
            downloads,
            uploads,
            upload_bytes,
            resolve_seconds,
            docs_seconds,
            http_requests,
            http_seconds,
            rate_limited,
            mirror,
            providers,
            cache_stats,
        }
    }

    /// Where cache hit/miss counts come from (set once, when the storage is open).
    pub fn set_cache_stats(&self, f: CacheStatsFn) {
        let _ = self.cache_stats.set(f);
    }

    /// Count one request refused by a rate limit.
    pub fn rate_limited(&self, class: &'static str) {
        self.rate_limited
            .get_or_create(&vec![("class", class.to_string())])
            .inc();
    }

    /// Count one mirror event (`hit`, `miss`, `stale`, `error`) for an upstream.
    pub fn mirror(&self, host: &str, event: &'static str) {
        self.mirror
            .get_or_create(&vec![
                ("host", host.to_string()),
                ("event", event.to_string()),
            ])
            .inc();
    }

    /// Count one provider event (`publish`, `download`) for `NS/TYPE`.
    pub fn provider(&self, provider: &str, event: &'static str) {
        self.providers
            .get_or_create(&vec![
                ("provider", provider.to_string()),
                ("event", event.to_string()),
            ])
            .inc();
    }

    /// Count one HTTP request.
    pub fn http(&self, route: &str, method: &str, status: u16, took: Duration) {
        self.http_requests
            .get_or_create(&vec![
                ("route", route.to_string()),
                ("method", method.to_string()),
                ("status", status.to_string()),
            ])
            .inc();
        self.http_seconds
            .get_or_create(&vec![
                ("route", route.to_string()),
                ("method", method.to_string()),
            ])
            .observe(took.as_secs_f64());
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

fn module_label(address: &ModuleAddress) -> Labels {
    vec![("module", address.to_string())]
}

impl RegistryObserver for Metrics {
    fn published(&self, id: &ModuleId, bytes: u64, _took: Duration) {
        self.uploads.get_or_create(&module_label(&id.address)).inc();
        self.upload_bytes
            .get_or_create(&module_label(&id.address))
            .inc_by(bytes);
    }

    fn downloaded(&self, id: &ModuleId, _bytes: u64) {
        self.downloads
            .get_or_create(&module_label(&id.address))
            .inc();
    }

    fn resolved(&self, _address: &ModuleAddress, took: Duration) {
        self.resolve_seconds.observe(took.as_secs_f64());
    }

    fn docs_generated(&self, _id: &ModuleId, took: Duration) {
        self.docs_seconds.observe(took.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_family() {
        let m = Metrics::new();
        m.set_cache_stats(Arc::new(|| {
            vec![CacheTierStats {
                tier: "memory".into(),
                hits: 3,
                misses: 1,
            }]
        }));
        let id: ModuleId = "acme/vpc/aws/1.0.0".parse().unwrap();
        m.published(&id, 100, Duration::from_millis(5));
        m.downloaded(&id, 100);
        m.resolved(&id.address, Duration::from_micros(20));
        m.http(
            "/v1/modules/{ns}/{name}/{system}/versions",
            "GET",
            200,
            Duration::from_millis(1),
        );
        let text = m.render();
        for needle in [
            "registry_module_downloads_total{module=\"acme/vpc/aws\"} 1",
            "registry_module_uploads_total{module=\"acme/vpc/aws\"} 1",
            "registry_cache_hits_total{tier=\"memory\"} 3",
            "registry_cache_misses_total{tier=\"memory\"} 1",
            "registry_resolve_seconds_count 1",
            "registry_http_requests_total{route=\"/v1/modules/{ns}/{name}/{system}/versions\",method=\"GET\",status=\"200\"} 1",
            "registry_http_request_seconds_bucket",
        ] {
            assert!(text.contains(needle), "missing {needle} in\n{text}");
        }
    }
}
