//! Writing, reading and deleting files through the `Provider` trait.

use super::*;
use crate::tftest::providers::builtin::common::test_config as config;

fn local(dir: &Path) -> Local {
    Local::new(&BuiltinEnv {
        seed: 0,
        scratch_dir: Some(dir.join("scratch")),
        module_dir: Some(dir.join("module")),
    })
}

fn create(p: &Local, ty: &str, set: &[(&str, Value)]) -> Result<Value, Diagnostic> {
    let c = config(p, Mode::Managed, ty, set);
    let planned = p.plan(&PlanRequest {
        ty,
        config: &c,
        prior: None,
    })?;
    assert!(get(&planned.value, "id").is_unknown());
    p.apply(ty, &planned.value, None)
}

#[test]
fn files_are_written_in_scratch_with_their_checksums_and_deleted_on_destroy() {
    let tmp = tempfile::tempdir().unwrap();
    let p = local(tmp.path());
    let st = create(
        &p,
        "local_file",
        &[
            ("filename", Value::string("./out/hello.txt")),
            ("content", Value::string("hello")),
        ],
    )
    .unwrap();
    let path = tmp.path().join("scratch/out/hello.txt");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello");
    assert!(!tmp.path().join("module/out/hello.txt").exists());
    assert_eq!(
        get_str(&st, "id").unwrap(),
        "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
    );
    assert_eq!(
        get_str(&st, "content_md5").unwrap(),
        "5d41402abc4b2a76b9719d911017c592"
    );
    assert_eq!(
        get_str(&st, "content_base64sha256").unwrap(),
        "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
    );
    assert_eq!(get_str(&st, "file_permission").unwrap(), "0777");
    p.destroy("local_file", &st).unwrap();
    assert!(!path.exists());
}

#[test]
fn absolute_and_escaping_filenames_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let p = local(tmp.path());
    for f in ["/tmp/evil.txt", "../evil.txt", "a/../../evil.txt"] {
        let e = create(
            &p,
            "local_file",
            &[
                ("filename", Value::string(f)),
                ("content", Value::string("x")),
            ],
        )
        .unwrap_err();
        assert_eq!(e.summary, "Refused to write outside the scratch folder");
        assert!(e.detail.contains(&format!("{f:?}")), "{}", e.detail);
    }
    assert!(!tmp.path().join("evil.txt").exists());
    assert!(
        !Path::new("/tmp/evil.txt").exists() || std::fs::read("/tmp/evil.txt").unwrap() != b"x"
    );
    let ok = create(
        &p,
        "local_file",
        &[
            ("filename", Value::string("a/../b.txt")),
            ("content", Value::string("x")),
        ],
    );
    assert!(ok.is_ok());
}

#[test]
fn exactly_one_content_and_valid_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let p = local(tmp.path());
    let e = create(&p, "local_file", &[("filename", Value::string("x"))]).unwrap_err();
    assert_eq!(e.summary, "Invalid Attribute Combination");
    let e = create(
        &p,
        "local_file",
        &[
            ("filename", Value::string("x")),
            ("content", Value::string("a")),
            ("content_base64", Value::string("YQ==")),
        ],
    )
    .unwrap_err();
    assert!(e.detail.starts_with("2 attributes specified"));
    let e = create(
        &p,
        "local_file",
        &[
            ("filename", Value::string("x")),
            ("content", Value::string("a")),
            ("file_permission", Value::string("0999")),
        ],
    )
    .unwrap_err();
    assert_eq!(e.summary, "Invalid file mode");
}

#[test]
fn sensitive_files_base64_and_data_sources() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("module")).unwrap();
    std::fs::write(tmp.path().join("module/in.txt"), "from module").unwrap();
    std::fs::write(tmp.path().join("outside.txt"), "secret").unwrap();
    let p = local(tmp.path());
    let st = create(
        &p,
        "local_sensitive_file",
        &[
            ("filename", Value::string("s.bin")),
            ("content_base64", Value::string("aGk=")),
        ],
    )
    .unwrap();
    assert_eq!(get_str(&st, "file_permission").unwrap(), "0700");
    assert_eq!(
        std::fs::read(tmp.path().join("scratch/s.bin")).unwrap(),
        b"hi"
    );
    let read = |ty: &str, f: &str| {
        let c = config(&p, Mode::Data, ty, &[("filename", Value::string(f))]);
        p.read(ty, &c)
    };
    let d = read("local_file", "s.bin").unwrap();
    assert_eq!(get_str(&d, "content").unwrap(), "hi");
    assert_eq!(get(&d, "id"), get(&st, "id"));
    let d = read("local_sensitive_file", "in.txt").unwrap();
    assert!(get(&d, "content").marks().sensitive);
    assert_eq!(get_str(&d, "content").unwrap(), "from module");
    let e = read("local_file", "../outside.txt").unwrap_err();
    assert!(e.detail.contains("outside"), "{}", e.detail);
    let e = read("local_file", "missing.txt").unwrap_err();
    assert_eq!(e.summary, "Read local file data source error");
}

#[test]
fn a_changed_file_is_written_anew_and_teardown_without_folders_deletes() {
    let tmp = tempfile::tempdir().unwrap();
    let p = local(tmp.path());
    let set = [
        ("filename", Value::string("t.txt")),
        ("content", Value::string("v1")),
    ];
    let st = create(&p, "local_file", &set).unwrap();
    let c = config(&p, Mode::Managed, "local_file", &set);
    let same = p
        .plan(&PlanRequest {
            ty: "local_file",
            config: &c,
            prior: Some(&st),
        })
        .unwrap();
    assert!(!same.replace);
    std::fs::write(tmp.path().join("scratch/t.txt"), "tampered").unwrap();
    let again = p
        .plan(&PlanRequest {
            ty: "local_file",
            config: &c,
            prior: Some(&st),
        })
        .unwrap();
    assert!(again.replace);
    let st = p.apply("local_file", &again.value, None).unwrap();
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("scratch/t.txt")).unwrap(),
        "v1"
    );
    // The engine's teardown: a provider with no folders.
    let bare = Local::new(&BuiltinEnv::seeded(0));
    bare.destroy("local_file", &st).unwrap();
    assert!(!tmp.path().join("scratch/t.txt").exists());
}

#[test]
fn scratch_folders_are_per_suite_run_and_file() {
    let a = Arc::new(1u8);
    let b = Arc::new(2u8);
    let x = scratch_dir_for(&a, "f.tftest.hcl");
    assert_eq!(x, scratch_dir_for(&a, "f.tftest.hcl"));
    assert_ne!(x, scratch_dir_for(&a, "g.tftest.hcl"));
    assert_ne!(x, scratch_dir_for(&b, "f.tftest.hcl"));
    std::fs::create_dir_all(&x).unwrap();
    drop(a);
    let _ = scratch_dir_for(&b, "h.tftest.hcl");
    assert!(!x.exists(), "the folder of an ended suite run is removed");
}
