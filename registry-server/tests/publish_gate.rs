//! The publish gate over HTTP: a namespace policy runs the module's
//! `.tftest.hcl` tests and the engine's validation rules on publish; a
//! failing gate refuses with 422 listing every failing rule and run and
//! stores nothing; results are served per version.
#![cfg(feature = "tests")]

use registry_core::Role;
use registry_core::testing::TarBuilder;
use reqwest::StatusCode;
use serde_json::{Value, json};

mod common;

use common::Live;

const MAIN_TF: &str = r#"terraform {
  required_version = ">= 1.5"
}

variable "name" {
  type        = string
  description = "Who to greet."
}

output "greeting" {
  description = "The greeting."
  value       = "Hello, ${var.name}!"
}
"#;

const PASSING: &str = r#"variables {
  name = "world"
}

run "greets" {
  command = plan
  assert {
    condition     = output.greeting == "Hello, world!"
    error_message = "wrong greeting"
  }
}
"#;

const FAILING: &str = r#"run "passes" {
  variables {
    name = "a"
  }
  assert {
    condition     = output.greeting == "Hello, a!"
    error_message = "wrong greeting"
  }
}

run "fails" {
  variables {
    name = "b"
  }
  assert {
    condition     = output.greeting == "Hi"
    error_message = "greeting is not Hi"
  }
}
"#;

fn module(test: &str) -> Vec<u8> {
    TarBuilder::new()
        .file("main.tf", MAIN_TF)
        .file("README.md", "# greeter\n\nGreets.\n")
        .file("tests/main.tftest.hcl", test)
        .finish()
}

async fn json_of(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

struct Gate {
    live: Live,
    admin: String,
    publisher: String,
}

impl Gate {
    async fn start() -> Gate {
        let live = common::live(|_| {}).await;
        let admin = live.token("acme", Role::Admin).await;
        let publisher = live.token("acme", Role::Publisher).await;
        Gate {
            live,
            admin,
            publisher,
        }
    }

    async fn policy(&self, body: Value) {
        let r = self
            .live
            .http
            .put(self.live.url("/v1/namespaces/acme/policy"))
            .bearer_auth(&self.admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }

    async fn publish(&self, name: &str, archive: Vec<u8>) -> reqwest::Response {
        self.live
            .http
            .put(
                self.live
                    .url(&format!("/v1/modules/acme/{name}/null/1.0.0")),
            )
            .bearer_auth(&self.publisher)
            .body(archive)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.live
            .http
            .get(self.live.url(path))
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn required_tests_refuse_a_failing_module_and_store_a_passing_ones_results() {
    let gate = Gate::start().await;
    gate.policy(json!({"tests": "require"})).await;

    // A failing run refuses the publish, naming the run, its file and line.
    let r = gate.publish("failing", module(FAILING)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json_of(r).await;
    let problems = body["problems"].as_array().expect("problems listed");
    assert_eq!(problems.len(), 1, "{body}");
    assert_eq!(problems[0]["id"], "tests");
    assert_eq!(problems[0]["file"], "tests/main.tftest.hcl");
    assert_eq!(problems[0]["line"], 16, "{body}");
    let message = problems[0]["message"].as_str().unwrap();
    assert!(
        message.contains("run \"fails\" failed") && message.contains("greeting is not Hi"),
        "{message}"
    );
    // Nothing stored.
    assert_eq!(
        gate.get("/v1/modules/acme/failing/null/versions")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // A passing module is published with its results.
    let r = gate.publish("passing", module(PASSING)).await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let report = json_of(gate.get("/v1/modules/acme/passing/null/1.0.0/tests").await).await;
    assert_eq!(report["status"], "passed", "{report}");
    assert!(
        report["engine"]
            .as_str()
            .unwrap()
            .contains("terraform 1.11")
    );
    assert!(report["ran_at"].is_string());
    assert_eq!(report["files"][0]["path"], "tests/main.tftest.hcl");
    assert_eq!(report["files"][0]["runs"][0]["name"], "greets");
    assert_eq!(report["files"][0]["runs"][0]["status"], "pass");
    assert!(report["files"][0]["runs"][0]["duration_ms"].is_u64());
    assert!(report["validation"].is_array());
    // Version details summarise them.
    let detail = json_of(gate.get("/v1/modules/acme/passing/null/1.0.0").await).await;
    assert_eq!(detail["checks"]["status"], "passed", "{detail}");
    assert_eq!(detail["checks"]["passed"], 1);
    assert_eq!(detail["checks"]["failed"], 0);

    // A module with no tests at all does not pass a `require` gate.
    let untested = TarBuilder::new()
        .file("main.tf", MAIN_TF)
        .file("README.md", "# x\n\nx\n")
        .finish();
    let r = gate.publish("untested", untested).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json_of(r).await.to_string().contains("no run blocks"));
}

#[tokio::test]
async fn tests_that_run_record_failures_without_refusing() {
    let gate = Gate::start().await;
    gate.policy(json!({"tests": "run"})).await;
    let r = gate.publish("failing", module(FAILING)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let doc = json_of(r).await;
    assert!(
        doc["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["id"] == "tests" && w["severity"] == "warning"),
        "{doc}"
    );
    let report = json_of(gate.get("/v1/modules/acme/failing/null/1.0.0/tests").await).await;
    assert_eq!(report["status"], "failed");
    let runs = report["files"][0]["runs"].as_array().unwrap();
    assert_eq!(runs[0]["status"], "pass");
    assert_eq!(runs[1]["status"], "fail");
    let d = &runs[1]["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["summary"], "Test assertion failed");
    assert_eq!(d["detail"], "greeting is not Hi");
    assert_eq!(d["file"], "tests/main.tftest.hcl");
    assert_eq!(d["line"], 16);
}

#[tokio::test]
async fn validation_refuses_errors_with_positions_and_keeps_warnings() {
    let gate = Gate::start().await;
    // The default policy: error findings refuse, listed with position and hint.
    let archive = TarBuilder::new()
        .file(
            "main.tf",
            "variable \"size\" {\n  type    = number\n  default = \"big\"\n}\n\noutput \"x\" {\n  value = var.sise\n}\n",
        )
        .finish();
    let r = gate.publish("broken", archive).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json_of(r).await;
    let problems = body["problems"].as_array().unwrap();
    let by_id = |id: &str| problems.iter().find(|p| p["id"] == id).cloned();
    let undeclared = by_id("undeclared-reference").expect("undeclared reference found");
    assert_eq!(undeclared["file"], "main.tf");
    assert_eq!(undeclared["line"], 7);
    assert_eq!(undeclared["column"], 11);
    assert!(undeclared["hint"].is_string());
    let default = by_id("variable-default-type").expect("bad default found");
    assert_eq!(default["line"], 3);
    // Warnings alone do not refuse: they are kept with the version and in its checks.
    for p in problems {
        assert_eq!(p["severity"], "error", "only errors refuse: {p}");
    }
    let warned = TarBuilder::new()
        .file("main.tf", "variable \"unused\" {\n  type = string\n}\n")
        .finish();
    let r = gate.publish("warned", warned).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let doc = json_of(r).await;
    let ids: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    for id in [
        "unused-declaration",
        "missing-description",
        "required-version",
        "readme",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    let report = json_of(gate.get("/v1/modules/acme/warned/null/1.0.0/tests").await).await;
    assert_eq!(report["status"], "not_run");
    assert_eq!(report["validation"].as_array().unwrap().len(), ids.len());

    // validation=warning refuses warnings too.
    gate.policy(json!({"validation": "warning"})).await;
    let again = TarBuilder::new()
        .file("main.tf", "variable \"unused\" {\n  type = string\n}\n")
        .finish();
    let r = gate.publish("strict", again).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn test_results_are_read_with_the_namespace_read_rules() {
    let live = common::live(|c| c.registry.require_auth = true).await;
    let publisher = live.token("acme", Role::Publisher).await;
    let r = live
        .http
        .put(live.url("/v1/modules/acme/m/null/1.0.0"))
        .bearer_auth(&publisher)
        .body(module(PASSING))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let path = live.url("/v1/modules/acme/m/null/1.0.0/tests");
    let anonymous = live.http.get(&path).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let stranger = live.token("other", Role::Reader).await;
    let r = live
        .http
        .get(&path)
        .bearer_auth(&stranger)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let reader = live.token("acme", Role::Reader).await;
    let r = live
        .http
        .get(&path)
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json_of(r).await["status"], "not_run");
}
