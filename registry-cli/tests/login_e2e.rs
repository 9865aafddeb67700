//! `terraform login` against `registry serve` with Terraform v1.0.3: it
//! finds `login.v1`, prints the authorization URL (BROWSER opens
//! nothing), the test plays the browser (signs in with a token, allows
//! the request), Terraform's listener gets the code, trades it for a
//! token and stores it, and `terraform init` installs a private module
//! with that token under `--require-auth`.
//!
//! Runs when `REGISTRY_TEST_TERRAFORM` is set (`eval "$(scripts/install-terraform.sh)"`);
//! required under `CI=true`.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;
use common::{loopback_certificate, ok, registry, serve};
use registry_testkit::env::service_url;

fn http_client(cert: &Path) -> reqwest::blocking::Client {
    let pem = std::fs::read(cert).unwrap();
    reqwest::blocking::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The session cookie a sign-in with `token` sets.
fn sign_in(http: &reqwest::blocking::Client, base: &str, token: &str) -> String {
    let r = http
        .post(format!("{base}/sign-in"))
        .header("origin", base)
        .form(&[("token", token), ("next", "/")])
        .send()
        .unwrap();
    assert!(r.status().is_redirection(), "sign-in: {}", r.status());
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("registry_session="))
        .expect("a session cookie");
    cookie.split(';').next().unwrap().to_string()
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"));
    let rest = &html[at + marker.len()..];
    rest[..rest.find('"').unwrap()].replace("&amp;", "&")
}

#[test]
fn terraform_login_obtains_a_token_that_installs_private_modules() {
    let Some(bin) = service_url("REGISTRY_TEST_TERRAFORM", "terraform login") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = loopback_certificate(dir.path());
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let module = dir.path().join("module");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(
        module.join("main.tf"),
        "variable \"name\" {\n  default = \"x\"\n}\noutput \"name\" {\n  value = var.name\n}\n",
    )
    .unwrap();
    let publisher = ok(registry(&[
        "token",
        "create",
        "--data-dir",
        data_arg,
        "--namespace",
        "acme",
        "--role",
        "reader",
    ]))
    .trim()
    .to_string();
    ok(registry(&[
        "publish",
        "acme/greeting/null",
        "1.0.0",
        module.to_str().unwrap(),
        "--data-dir",
        data_arg,
    ]));
    let server = serve(&data, &cert, &key, &["--require-auth"]);
    let base = server.url.clone();
    let host = format!("127.0.0.1:{}", server.port());
    let http = http_client(&cert);

    // The discovery document offers login.v1.
    let discovery: serde_json::Value = http
        .get(format!("{base}/.well-known/terraform.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        discovery["login.v1"]["client"], "terraform-cli",
        "{discovery}"
    );

    let home = dir.path().join("home");
    // Terraform 1.0.3 writes the credentials file into ~/.terraform.d but
    // does not make the folder.
    std::fs::create_dir_all(home.join(".terraform.d")).unwrap();
    let mut login = Command::new(&bin)
        .args(["login", &host])
        .env("HOME", &home)
        .env("SSL_CERT_FILE", &cert)
        // Credentials go to (and are read from) ~/.terraform.d only when
        // no TF_CLI_CONFIG_FILE overrides the configuration's location.
        .env_remove("TF_CLI_CONFIG_FILE")
        .env("BROWSER", "true")
        .env("CHECKPOINT_DISABLE", "1")
        .env_remove("TF_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    login.stdin.take().unwrap().write_all(b"yes\n").unwrap();
    let stdout = login.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.find("https://")
                && line.contains("/oauth/authorization?")
            {
                let _ = tx.send(line[at..].trim().to_string());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let authz = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(url) => url,
        Err(_) => {
            let _ = login.kill();
            let said = reader.join().unwrap();
            panic!("terraform login printed no authorization URL:\n{said}");
        }
    };

    // Signed out, the page sends the browser to sign in and come back.
    let r = http.get(&authz).send().unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.starts_with("/sign-in?next=%2Foauth%2Fauthorization"),
        "{to}"
    );

    // Signed in, it asks; allowing sends the browser to Terraform's listener.
    let cookie = sign_in(&http, &base, &publisher);
    let page = http.get(&authz).header("cookie", &cookie).send().unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = page.text().unwrap();
    assert!(html.contains("Allow terraform login?"), "{html}");
    assert!(
        csp.contains("form-action 'self' http://localhost:"),
        "{csp}"
    );
    let params: Vec<(String, String)> = reqwest::Url::parse(&authz)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut form = params.clone();
    form.push(("csrf".into(), hidden(&html, "csrf")));
    form.push(("decision".into(), "allow".into()));
    let r = http
        .post(format!("{base}/oauth/authorization"))
        .header("cookie", &cookie)
        .header("origin", &base)
        .form(&form)
        .send()
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let listener = r.headers()["location"].to_str().unwrap().to_string();
    assert!(listener.starts_with("http://localhost:"), "{listener}");
    assert!(
        listener.contains("code=") && listener.contains("state="),
        "{listener}"
    );
    // Terraform's listener may close the connection as it stops, before
    // its answer is complete; whether it got the code shows in its exit
    // and in the credentials it stores.
    match reqwest::blocking::get(listener.replacen("localhost", "127.0.0.1", 1)) {
        Ok(r) => assert!(r.status().is_success(), "{}", r.status()),
        Err(e) => println!("the listener closed early: {e}"),
    }

    let status = login.wait().unwrap();
    let said = reader.join().unwrap();
    let stderr = {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut login.stderr.take().unwrap(), &mut s).unwrap();
        s
    };
    assert!(
        status.success(),
        "terraform login failed:\n{said}\n{stderr}"
    );
    let credentials = std::fs::read_to_string(home.join(".terraform.d/credentials.tfrc.json"))
        .unwrap_or_else(|e| panic!("no credentials file ({e}):\n{said}"));
    let stored: serde_json::Value = serde_json::from_str(&credentials).unwrap();
    let token = stored["credentials"][&host]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token for {host}: {credentials}"))
        .to_string();
    assert!(token.starts_with("rgt_"), "{token}");
    assert_ne!(token, publisher, "Terraform has a token of its own");
    let versions = http
        .get(format!("{base}/v1/modules/acme/greeting/null/versions"))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(
        versions.status(),
        200,
        "the token reads acme: {credentials}"
    );

    // The code works once.
    let code = reqwest::Url::parse(&listener)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let redirect = params
        .iter()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .clone();
    let replay = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "terraform-cli"),
            ("code", &code),
            ("redirect_uri", &redirect),
            ("code_verifier", &"a".repeat(43)),
        ])
        .send()
        .unwrap();
    assert_eq!(replay.status(), 400);
    let body: serde_json::Value = replay.json().unwrap();
    assert_eq!(body["error"], "invalid_grant");

    // terraform init installs the private module with the stored token.
    let root = dir.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("main.tf"),
        format!("module \"greeting\" {{\n  source  = \"{host}/acme/greeting/null\"\n  version = \"1.0.0\"\n}}\n"),
    )
    .unwrap();
    let init = |home: &Path| {
        Command::new(&bin)
            .args(["init", "-input=false", "-no-color"])
            .current_dir(&root)
            .env("HOME", home)
            .env("SSL_CERT_FILE", &cert)
            .env_remove("TF_CLI_CONFIG_FILE")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env_remove("TF_LOG")
            .output()
            .unwrap()
    };
    let stranger = dir.path().join("stranger");
    std::fs::create_dir_all(&stranger).unwrap();
    let refused = init(&stranger);
    assert!(
        !refused.status.success(),
        "without the token the module is private"
    );
    let installed = init(&home);
    assert!(
        installed.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&installed.stdout),
        String::from_utf8_lossy(&installed.stderr)
    );
    assert!(root.join(".terraform/modules/greeting/main.tf").is_file());

    // A request for any other redirect is refused by name, never redirected.
    let evil = authz.replace(
        "redirect_uri=http%3A%2F%2Flocalhost",
        "redirect_uri=https%3A%2F%2Fevil.example",
    );
    let r = http.get(&evil).header("cookie", &cookie).send().unwrap();
    assert_eq!(r.status(), 400, "{evil}");
    assert!(r.text().unwrap().contains("local listener"));
}
