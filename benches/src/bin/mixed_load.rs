//! A bounded mixed load on a running server (#12): concurrent downloads
//! (digest checked), version listings, module listings, searches and
//! publishes (with duplicates that must be refused 409) for a fixed time,
//! sampling the server's resident memory every second; then every version
//! a publish was told was stored is checked to be listed exactly once.
//!
//! `mixed-load <URL> <TOKEN> <SERVER_PID> <SECONDS> <WORKERS> <MODULES> <VERSIONS>`
//! against a server seeded with `seed` (`load/mod<i>/null` `1.0.<j>`);
//! prints a markdown table. `benches/load/mixed.sh` runs it all.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

#[derive(Default)]
struct Kind {
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, usize>,
    failures: Vec<String>,
}

type Stats = Arc<Mutex<BTreeMap<&'static str, Kind>>>;

struct Load {
    http: reqwest::Client,
    url: String,
    token: String,
    modules: usize,
    versions: usize,
    stats: Stats,
    published: Mutex<Vec<(String, String)>>,
    counter: AtomicUsize,
}

impl Load {
    async fn record(
        &self,
        kind: &'static str,
        took: Duration,
        status: u16,
        failure: Option<String>,
    ) {
        let mut s = self.stats.lock().await;
        let k = s.entry(kind).or_default();
        k.latencies.push(took);
        *k.statuses.entry(status).or_default() += 1;
        if let Some(f) = failure {
            k.failures.push(f);
        }
    }

    fn pick(&self, n: usize) -> (usize, usize) {
        (n % self.modules, (n / self.modules) % self.versions)
    }

    async fn download(&self, n: usize) {
        let (m, v) = self.pick(n);
        let base = format!("{}/v1/modules/load/mod{m}/null/1.0.{v}", self.url);
        let started = Instant::now();
        let r = match self.http.get(format!("{base}/download")).send().await {
            Ok(r) => r,
            Err(e) => {
                return self
                    .record("download", started.elapsed(), 0, Some(e.to_string()))
                    .await;
            }
        };
        let status = r.status().as_u16();
        let Some(loc) = r
            .headers()
            .get("x-terraform-get")
            .and_then(|v| v.to_str().ok())
        else {
            return self
                .record(
                    "download",
                    started.elapsed(),
                    status,
                    Some(format!("{base}: no location")),
                )
                .await;
        };
        let archive = format!("{base}/{}", loc.trim_start_matches("./"));
        let r = match self.http.get(&archive).send().await {
            Ok(r) => r,
            Err(e) => {
                return self
                    .record("download", started.elapsed(), 0, Some(e.to_string()))
                    .await;
            }
        };
        let status = r.status().as_u16();
        let want = r
            .headers()
            .get("x-content-sha256")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim_start_matches("sha-256=").to_string());
        let body = r.bytes().await.unwrap_or_default();
        let got = hex(&Sha256::digest(&body));
        let failure = (status != 200 || want.as_deref() != Some(got.as_str()))
            .then(|| format!("{archive}: {status}, digest {got} != {want:?}"));
        self.record("download", started.elapsed(), status, failure)
            .await;
    }

    async fn get(&self, kind: &'static str, path: String) {
        let started = Instant::now();
        let (status, failure) = match self.http.get(format!("{}{path}", self.url)).send().await {
            Ok(r) => {
                let s = r.status().as_u16();
                let ok = r.bytes().await.is_ok();
                (s, (s != 200 || !ok).then(|| format!("{path}: {s}")))
            }
            Err(e) => (0, Some(e.to_string())),
        };
        self.record(kind, started.elapsed(), status, failure).await;
    }

    async fn publish(&self, worker: usize) {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        // Every fifth publish repeats a version already stored: it must be 409.
        let earlier = if n % 5 == 4 {
            self.published.lock().await.last().cloned()
        } else {
            None
        };
        let duplicate = earlier.is_some();
        let (module, version) =
            earlier.unwrap_or_else(|| (format!("load/pub{}/null", worker % 4), format!("2.0.{n}")));
        let path = format!("/v1/modules/{module}/{version}");
        let started = Instant::now();
        let archive = registry_benches::module_archive(100_000 + n);
        let r = self
            .http
            .put(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .body(archive)
            .send()
            .await;
        let (status, failure) = match r {
            Ok(r) => {
                let s = r.status().as_u16();
                let expected = if duplicate { [409, 409] } else { [201, 201] };
                if s == 201 {
                    self.published
                        .lock()
                        .await
                        .push((module.clone(), version.clone()));
                }
                (
                    s,
                    (!expected.contains(&s) && s != 429).then(|| format!("PUT {path}: {s}")),
                )
            }
            Err(e) => (0, Some(e.to_string())),
        };
        self.record("publish", started.elapsed(), status, failure)
            .await;
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn rss_mib(pid: u32) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = s
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 8 {
        eprintln!(
            "usage: mixed-load <URL> <TOKEN> <SERVER_PID> <SECONDS> <WORKERS> <MODULES> <VERSIONS>"
        );
        std::process::exit(2);
    }
    let pid: u32 = a[3].parse()?;
    let seconds: u64 = a[4].parse()?;
    let workers: usize = a[5].parse()?;
    let load = Arc::new(Load {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(workers)
            .build()?,
        url: a[1].trim_end_matches('/').to_string(),
        token: a[2].clone(),
        modules: a[6].parse()?,
        versions: a[7].parse()?,
        stats: Stats::default(),
        published: Mutex::new(Vec::new()),
        counter: AtomicUsize::new(0),
    });
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (load, stop) = (load.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = w * 7919;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                match n % 10 {
                    0 => load.publish(w).await,
                    1..=4 => load.download(n).await,
                    5 | 6 => {
                        let (m, _) = load.pick(n);
                        load.get("versions", format!("/v1/modules/load/mod{m}/null/versions"))
                            .await
                    }
                    7 => {
                        load.get(
                            "list",
                            format!("/v1/modules/load?offset={}&limit=20", n % 50),
                        )
                        .await
                    }
                    _ => {
                        load.get("search", format!("/v1/modules/search?q=mod{}", n % 97))
                            .await
                    }
                }
            }
        }));
    }
    let started = Instant::now();
    let mut rss = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        if let Some(m) = rss_mib(pid) {
            rss.push((started.elapsed().as_secs(), m));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();

    // Every version a publish was told was stored is listed exactly once.
    let published = load.published.lock().await.clone();
    let mut lost_or_doubled = Vec::new();
    let mut by_module: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (m, v) in &published {
        by_module.entry(m.clone()).or_default().push(v.clone());
    }
    for (module, versions) in &by_module {
        let body: serde_json::Value = load
            .http
            .get(format!("{}/v1/modules/{module}/versions", load.url))
            .send()
            .await?
            .json()
            .await?;
        let listed: Vec<String> = body["modules"][0]["versions"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v["version"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        for v in versions {
            let n = listed.iter().filter(|l| *l == v).count();
            if n != 1 {
                lost_or_doubled.push(format!("{module} {v}: listed {n} times"));
            }
        }
    }

    let stats = load.stats.lock().await;
    println!("| kind | requests | per s | p50 | p99 | statuses | unexpected |");
    println!("|---|---|---|---|---|---|---|");
    let mut total = 0;
    let mut unexpected = 0;
    for (kind, k) in stats.iter() {
        let mut l = k.latencies.clone();
        l.sort();
        total += l.len();
        unexpected += k.failures.len();
        let statuses: Vec<String> = k
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect();
        println!(
            "| {kind} | {} | {:.0} | {:.1} ms | {:.1} ms | {} | {} |",
            l.len(),
            l.len() as f64 / elapsed,
            quantile(&l, 0.5).as_secs_f64() * 1e3,
            quantile(&l, 0.99).as_secs_f64() * 1e3,
            statuses.join(", "),
            k.failures.len()
        );
    }
    let first = rss.first().map(|r| r.1).unwrap_or_default();
    let peak = rss.iter().map(|r| r.1).fold(0.0, f64::max);
    let last = rss.last().map(|r| r.1).unwrap_or_default();
    let tenth = rss.len() / 10;
    let early = rss.get(tenth).map(|r| r.1).unwrap_or(first);
    println!();
    println!(
        "{total} requests in {elapsed:.0} s with {workers} workers; {unexpected} unexpected answers; \
         {} versions published, {} lost or doubled; server RSS {first:.0} MiB at start, {early:.0} MiB after 10% of the run, {last:.0} MiB at the end, peak {peak:.0} MiB",
        published.len(),
        lost_or_doubled.len()
    );
    let samples: Vec<String> = rss
        .iter()
        .step_by((rss.len() / 12).max(1))
        .map(|(t, m)| format!("{t}s {m:.0}"))
        .collect();
    println!("RSS over time (MiB): {}", samples.join(", "));
    for f in stats.values().flat_map(|k| k.failures.iter()).take(10) {
        println!("unexpected: {f}");
    }
    for f in lost_or_doubled.iter().take(10) {
        println!("lost or doubled: {f}");
    }
    if unexpected > 0 || !lost_or_doubled.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}
