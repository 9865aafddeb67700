//! Probe: time unified resolution on graphs of growing size (memory watch).
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let g = registry_benches::RandomGraph::generate(42, n, 30, 5);
    let (catalog, roots) = g.to_catalog();
    let t = std::time::Instant::now();
    let theirs = pubgrub::resolve(
        &g.to_pubgrub(),
        "root".to_string(),
        pubgrub::SemanticVersion::new(1, 0, 0),
    );
    println!("pubgrub: {:?} ok={}", t.elapsed(), theirs.is_ok());
    let t = std::time::Instant::now();
    let ours = registry_resolve::resolve_unified(&roots, &catalog);
    println!("ours: {:?} ok={}", t.elapsed(), ours.is_ok());
}
