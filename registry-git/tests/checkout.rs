//! Checkouts from a real `git daemon` on loopback.

use registry_core::ErrorKind;
use registry_git::testing::{GitDaemon, git};
use registry_git::{GitOptions, GitRemote, checkout, remote_tags};

fn remote(url: &str) -> GitRemote {
    GitRemote::parse(url).unwrap()
}

#[tokio::test]
async fn a_tag_a_commit_and_the_default_branch_check_out_without_dot_git() {
    let d = GitDaemon::start();
    let repo = d.repository("modules");
    std::fs::create_dir_all(repo.join("modules/vpc")).unwrap();
    std::fs::write(repo.join("modules/vpc/main.tf"), "variable \"cidr\" {}\n").unwrap();
    let first = d.commit(&repo, "first", Some("v1.0.0"));
    std::fs::write(repo.join("modules/vpc/main.tf"), "variable \"cidr2\" {}\n").unwrap();
    let second = d.commit(&repo, "second", Some("v1.1.0"));
    std::fs::write(repo.join("README.md"), "tip\n").unwrap();
    let tip = d.commit(&repo, "third", None);
    let opts = GitOptions::default();
    let r = remote(&d.url("modules"));

    let at_tag = checkout(&r, Some("v1.0.0"), &opts).await.unwrap();
    assert_eq!(at_tag.commit(), first);
    assert_eq!(
        std::fs::read_to_string(at_tag.path().join("modules/vpc/main.tf")).unwrap(),
        "variable \"cidr\" {}\n"
    );
    assert!(!at_tag.path().join(".git").exists());
    assert!(!at_tag.path().join("README.md").exists());

    let by_hash = checkout(&r, Some(&second), &opts).await.unwrap();
    assert_eq!(by_hash.commit(), second);
    assert!(
        std::fs::read_to_string(by_hash.path().join("modules/vpc/main.tf"))
            .unwrap()
            .contains("cidr2")
    );

    // An abbreviated hash, as `git log --oneline` shows it, finds the
    // commit among the branches and tags (no server fetches by one).
    let by_short = checkout(&r, Some(&first[..7]), &opts).await.unwrap();
    assert_eq!(by_short.commit(), first);
    assert!(checkout(&r, Some("0000000"), &opts).await.is_err());

    let default = checkout(&r, None, &opts).await.unwrap();
    assert_eq!(default.commit(), tip);
    assert!(default.path().join("README.md").exists());
    let kept = default.path().to_path_buf();
    drop(default);
    assert!(!kept.exists(), "the checkout is removed when dropped");
}

#[tokio::test]
async fn a_missing_reference_is_an_upstream_error_naming_the_fetch() {
    let d = GitDaemon::start();
    let repo = d.repository("x");
    std::fs::write(repo.join("main.tf"), "").unwrap();
    d.commit(&repo, "one", Some("v1.0.0"));
    let e = checkout(&remote(&d.url("x")), Some("v9.9.9"), &GitOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Upstream, "{e}");
    assert!(e.to_string().contains("git fetch failed"), "{e}");
    let e = checkout(&remote(&d.url("nope")), None, &GitOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Upstream, "{e}");
}

#[tokio::test]
async fn a_fetch_past_the_size_bound_is_stopped() {
    let d = GitDaemon::start();
    let repo = d.repository("big");
    // Incompressible bytes, so the pack is as large as the file.
    let mut bytes = vec![0u8; 4 << 20];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for b in bytes.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(repo.join("blob.bin"), &bytes).unwrap();
    d.commit(&repo, "big", None);
    let opts = GitOptions {
        max_bytes: 512 * 1024,
        ..GitOptions::default()
    };
    let e = checkout(&remote(&d.url("big")), None, &opts)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge, "{e}");
}

#[tokio::test]
async fn submodules_and_plain_http_are_refused() {
    let d = GitDaemon::start();
    let inner = d.repository("inner");
    std::fs::write(inner.join("x.tf"), "").unwrap();
    d.commit(&inner, "inner", None);
    let outer = d.repository("outer");
    std::fs::write(outer.join("main.tf"), "").unwrap();
    git(
        &outer,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            inner.to_str().unwrap(),
            "inner",
        ],
    );
    d.commit(&outer, "with a submodule", None);
    let e = checkout(&remote(&d.url("outer")), None, &GitOptions::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("submodules"), "{e}");

    let e = checkout(
        &remote("http://127.0.0.1:9/x.git"),
        None,
        &GitOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("plain http"), "{e}");
}

#[tokio::test]
async fn tags_are_listed_with_their_commits_without_fetching() {
    let d = GitDaemon::start();
    let repo = d.repository("tags");
    std::fs::write(repo.join("main.tf"), "").unwrap();
    let one = d.commit(&repo, "one", Some("v1.0.0"));
    std::fs::write(repo.join("main.tf"), "# two").unwrap();
    let two = d.commit(&repo, "two", None);
    git(&repo, &["tag", "vpc-v2.0.0"]);
    let tags = remote_tags(&remote(&d.url("tags")), &GitOptions::default())
        .await
        .unwrap();
    let got: Vec<(&str, &str)> = tags
        .iter()
        .map(|t| (t.name.as_str(), t.commit.as_str()))
        .collect();
    assert_eq!(
        got,
        [("v1.0.0", one.as_str()), ("vpc-v2.0.0", two.as_str())]
    );
}

#[tokio::test]
async fn a_tree_with_too_many_entries_is_refused_before_checkout() {
    let d = GitDaemon::start();
    let repo = d.repository("many");
    for i in 0..50 {
        std::fs::write(repo.join(format!("f{i}.tf")), "").unwrap();
    }
    d.commit(&repo, "many", None);
    let opts = GitOptions {
        max_entries: 10,
        ..GitOptions::default()
    };
    let e = checkout(&remote(&d.url("many")), None, &opts)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge, "{e}");
    assert!(e.to_string().contains("50 files and folders"), "{e}");
}

#[tokio::test]
async fn a_pinned_address_is_the_one_dialled() {
    let d = GitDaemon::start();
    let repo = d.repository("pinned");
    std::fs::write(repo.join("main.tf"), "").unwrap();
    d.commit(&repo, "one", None);
    // By name, pinned to where the daemon listens: fetched.
    let by_name = remote(&d.url("pinned").replace("127.0.0.1", "localhost"));
    let pinned = GitOptions {
        pin: Some("127.0.0.1".parse().unwrap()),
        ..GitOptions::default()
    };
    checkout(&by_name, None, &pinned).await.unwrap();
    // Pinned elsewhere: whatever the name resolves to, that is where git goes.
    let elsewhere = GitOptions {
        pin: Some("127.0.0.2".parse().unwrap()),
        ..GitOptions::default()
    };
    let e = checkout(&by_name, None, &elsewhere).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Upstream, "{e}");
}
