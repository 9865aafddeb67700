//! Every input in `fuzz/corpus/<target>/` (seeds, and each crash a fuzzer
//! found) through its entry point: none may panic.

use std::path::Path;

#[test]
fn every_corpus_input_passes_its_parser_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (name, entry) in registry_fuzz::TARGETS {
        let dir = root.join(name);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "the {name} corpus is empty");
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            // A panic fails the test, naming the input.
            let outcome = std::panic::catch_unwind(|| entry(&data));
            assert!(outcome.is_ok(), "{name}: {} panics", input.display());
        }
    }
}
