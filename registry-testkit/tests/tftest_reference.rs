//! The engine against what Terraform 1.11.4 itself printed for one suite
//! (`tests/fixtures/tftest/reference`, captured with the real binary and
//! the AWS provider): the same verdicts, the same terminal text, the same
//! JSON stream and JUnit XML (timings aside).
#![cfg(feature = "engine")]

use std::path::Path;

use registry_testkit::tftest::report::{HumanOptions, combined, human, json_stream, junit_xml};
use registry_testkit::tftest::runner::{TestOptions, run_suite};

fn reference() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tftest/reference")
}

fn suite() -> registry_testkit::tftest::runner::SuiteResult {
    run_suite(&reference().join("example"), &TestOptions::default())
}

#[test]
fn terminal_output_is_terraforms() {
    let s = suite();
    let text = combined(&human(&s, &HumanOptions::default()));
    let want = std::fs::read_to_string(reference().join("human.txt")).unwrap();
    let want = want.trim_end_matches("exit status 1\n");
    assert_eq!(text, want, "\n--- ours\n{text}\n--- terraform\n{want}");
    assert_eq!(s.exit_code(), 1);
}

/// JSON lines without their timestamps and without Terraform's 2-second
/// heartbeats (our runs take milliseconds).
fn normalised_json(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["test_run"]["progress"] != "running")
        .map(|mut v| {
            v.as_object_mut().unwrap().remove("@timestamp");
            if v["type"] == "version" {
                v.as_object_mut().unwrap().remove("registry");
            }
            v
        })
        .collect()
}

#[test]
fn json_stream_is_terraforms() {
    let ours = json_stream(&suite(), "test");
    let want = std::fs::read_to_string(reference().join("machine.jsonl")).unwrap();
    let (a, b) = (normalised_json(&ours), normalised_json(&want));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    assert_eq!(a.len(), b.len());
    // Key order and escaping too: the raw lines match once timestamps go.
    let strip = |l: &str| {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let ts = v["@timestamp"].as_str().unwrap().to_string();
        l.replace(&ts, "T").replace(",\"registry\":\"test\"", "")
    };
    let ours_lines: Vec<String> = ours.lines().map(strip).collect();
    let want_lines: Vec<String> = want
        .lines()
        .filter(|l| !l.contains("\"progress\":\"running\""))
        .map(strip)
        .collect();
    assert_eq!(ours_lines, want_lines);
}

#[test]
fn junit_xml_is_terraforms() {
    let ours = junit_xml(&suite());
    let want = std::fs::read_to_string(reference().join("junit.xml")).unwrap();
    let re = regex::Regex::new(r#" time="[^"]*" timestamp="[^"]*""#).unwrap();
    assert_eq!(re.replace_all(&ours, ""), re.replace_all(&want, ""));
    assert!(ours.contains(" time=\""), "executed runs carry their time");
}
