//! Keys, certificates and the data sources through the `Provider` trait.

use x509_parser::prelude::*;

use super::*;
use crate::tftest::providers::builtin::common::{decimal, get, test_config as config};

fn create(p: &Tls, ty: &str, set: &[(&str, Value)]) -> Value {
    let c = config(p, Mode::Managed, ty, set);
    let planned = p
        .plan(&PlanRequest {
            ty,
            config: &c,
            prior: None,
        })
        .expect("plan");
    p.apply(ty, &planned.value, None).expect("apply")
}

fn s(v: &Value, k: &str) -> String {
    get_str(v, k).unwrap_or_else(|| panic!("{k} unknown"))
}

fn strings(xs: &[&str]) -> Value {
    Value::list(Type::String, xs.iter().map(|x| Value::string(*x)).collect())
}

fn subject(cn: &str) -> Value {
    let sb = subject_block();
    let mut m: std::collections::BTreeMap<String, Value> = sb
        .attributes
        .iter()
        .map(|(k, a)| (k.clone(), Value::null(a.value_type())))
        .collect();
    m.insert("common_name".into(), Value::string(cn));
    m.insert("organization".into(), Value::string("Example Ltd"));
    Value::list(sb.value_type(), vec![Value::object(m)])
}

fn der_of(pem: &str) -> Vec<u8> {
    der::pem_blocks(pem).remove(0).1
}

#[test]
fn private_keys_are_unknown_at_plan_and_consistent() {
    let p = Tls::new(1);
    let c = config(
        &p,
        Mode::Managed,
        "tls_private_key",
        &[("algorithm", Value::string("ED25519"))],
    );
    let planned = p
        .plan(&PlanRequest {
            ty: "tls_private_key",
            config: &c,
            prior: None,
        })
        .unwrap();
    assert!(get(&planned.value, "private_key_pem").is_unknown());
    assert_eq!(get(&planned.value, "rsa_bits"), Value::number(2048));
    for (alg, curve) in [("ED25519", None), ("ECDSA", Some("P384")), ("RSA", None)] {
        let mut set = vec![("algorithm", Value::string(alg))];
        if let Some(c) = curve {
            set.push(("ecdsa_curve", Value::string(c)));
        }
        let k = create(&p, "tls_private_key", &set);
        assert!(get(&k, "private_key_pem").marks().sensitive);
        let pubkey = config(
            &p,
            Mode::Data,
            "tls_public_key",
            &[("private_key_pem", get(&k, "private_key_pem"))],
        );
        let d = p.read("tls_public_key", &pubkey).unwrap();
        assert_eq!(get(&d, "public_key_pem"), get(&k, "public_key_pem"));
        assert_eq!(get(&d, "algorithm"), Value::string(alg));
        let ssh = config(
            &p,
            Mode::Data,
            "tls_public_key",
            &[("private_key_openssh", get(&k, "private_key_openssh"))],
        );
        let d = p.read("tls_public_key", &ssh).unwrap();
        assert_eq!(get(&d, "public_key_openssh"), get(&k, "public_key_openssh"));
        let spki = der_of(&s(&k, "public_key_pem"));
        assert!(SubjectPublicKeyInfo::from_der(&spki).is_ok());
        assert!(s(&k, "private_key_pem_pkcs8").starts_with("-----BEGIN PRIVATE KEY-----\n"));
    }
}

#[test]
fn keys_are_deterministic_from_the_seed() {
    let k = |seed| {
        create(
            &Tls::new(seed),
            "tls_private_key",
            &[
                ("algorithm", Value::string("ECDSA")),
                ("ecdsa_curve", Value::string("P256")),
            ],
        )
    };
    assert_eq!(get(&k(3), "private_key_pem"), get(&k(3), "private_key_pem"));
    assert_ne!(get(&k(3), "private_key_pem"), get(&k(4), "private_key_pem"));
}

#[test]
fn bad_algorithms_are_refused_at_plan() {
    let p = Tls::new(1);
    let c = config(
        &p,
        Mode::Managed,
        "tls_private_key",
        &[("algorithm", Value::string("DSA"))],
    );
    let e = p
        .plan(&PlanRequest {
            ty: "tls_private_key",
            config: &c,
            prior: None,
        })
        .unwrap_err();
    assert_eq!(e.summary, "Invalid Attribute Value Match");
    assert!(
        e.detail.contains(r#"["RSA" "ECDSA" "ED25519"]"#),
        "{}",
        e.detail
    );
}

#[test]
fn a_locally_signed_certificate_chains_to_its_ca() {
    let p = Tls::new(2);
    let ca_key = create(
        &p,
        "tls_private_key",
        &[
            ("algorithm", Value::string("ECDSA")),
            ("ecdsa_curve", Value::string("P256")),
        ],
    );
    let ca = create(
        &p,
        "tls_self_signed_cert",
        &[
            ("private_key_pem", get(&ca_key, "private_key_pem")),
            ("subject", subject("Example CA")),
            ("validity_period_hours", Value::number(24)),
            ("is_ca_certificate", Value::bool(true)),
            ("allowed_uses", strings(&["cert_signing", "crl_signing"])),
        ],
    );
    assert_eq!(s(&ca, "key_algorithm"), "ECDSA");
    assert_eq!(get(&ca, "ready_for_renewal"), Value::bool(false));
    let ca_der = der_of(&s(&ca, "cert_pem"));
    let (_, ca_cert) = parse_x509_certificate(&ca_der).unwrap();
    assert!(ca_cert.is_ca());
    assert_eq!(
        ca_cert.subject().to_string(),
        "O=Example Ltd, CN=Example CA"
    );
    ca_cert.verify_signature(None).expect("self-signed");
    assert_eq!(decimal(ca_cert.raw_serial()), s(&ca, "id"));

    let leaf_key = create(
        &p,
        "tls_private_key",
        &[("algorithm", Value::string("RSA"))],
    );
    let csr = create(
        &p,
        "tls_cert_request",
        &[
            ("private_key_pem", get(&leaf_key, "private_key_pem")),
            ("subject", subject("www.example.com")),
            ("dns_names", strings(&["www.example.com", "example.com"])),
            ("ip_addresses", strings(&["127.0.0.1"])),
        ],
    );
    assert!(s(&csr, "cert_request_pem").starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
    assert_eq!(s(&csr, "key_algorithm"), "RSA");
    let leaf = create(
        &p,
        "tls_locally_signed_cert",
        &[
            ("cert_request_pem", get(&csr, "cert_request_pem")),
            ("ca_private_key_pem", get(&ca_key, "private_key_pem")),
            ("ca_cert_pem", get(&ca, "cert_pem")),
            ("validity_period_hours", Value::number(12)),
            (
                "allowed_uses",
                strings(&["digital_signature", "key_encipherment", "server_auth"]),
            ),
        ],
    );
    assert_eq!(s(&leaf, "ca_key_algorithm"), "ECDSA");
    let leaf_der = der_of(&s(&leaf, "cert_pem"));
    let (_, leaf_cert) = parse_x509_certificate(&leaf_der).unwrap();
    leaf_cert
        .verify_signature(Some(ca_cert.public_key()))
        .expect("the leaf verifies against the CA");
    assert_eq!(leaf_cert.issuer(), ca_cert.subject());
    assert!(!leaf_cert.is_ca());
    let san = leaf_cert.subject_alternative_name().unwrap().unwrap();
    assert_eq!(san.value.general_names.len(), 3);
    let eku = leaf_cert.extended_key_usage().unwrap().unwrap();
    assert!(eku.value.server_auth);
    let validity = leaf_cert.validity();
    assert_eq!(
        validity.not_after.timestamp() - validity.not_before.timestamp(),
        12 * 3600
    );
    assert_eq!(
        s(&leaf, "validity_end_time"),
        certs::stamp(DateTime::from_timestamp(validity.not_after.timestamp(), 0).unwrap())
    );

    // The certificate data source reads the chain from content.
    let chain = format!("{}{}", s(&leaf, "cert_pem"), s(&ca, "cert_pem"));
    let d = p
        .read(
            "tls_certificate",
            &config(
                &p,
                Mode::Data,
                "tls_certificate",
                &[("content", Value::string(chain))],
            ),
        )
        .unwrap();
    let certs = get(&d, "certificates");
    let certs = certs.as_elements().unwrap();
    assert_eq!(certs.len(), 2);
    assert_eq!(s(&certs[0], "subject"), "CN=www.example.com,O=Example Ltd");
    assert_eq!(s(&certs[0], "issuer"), "CN=Example CA,O=Example Ltd");
    assert_eq!(s(&certs[0], "signature_algorithm"), "ECDSA-SHA256");
    assert_eq!(s(&certs[0], "public_key_algorithm"), "RSA");
    assert_eq!(get(&certs[1], "is_ca"), Value::bool(true));
    assert_eq!(s(&certs[0], "serial_number"), s(&leaf, "id"));
}

#[test]
fn the_certificate_data_source_has_no_network() {
    let p = Tls::new(1);
    let c = config(
        &p,
        Mode::Data,
        "tls_certificate",
        &[("url", Value::string("https://example.com"))],
    );
    let e = p.read("tls_certificate", &c).unwrap_err();
    assert!(e.detail.contains("no network"), "{}", e.detail);
}

#[test]
fn ed25519_and_p521_certificates_parse() {
    let p = Tls::new(3);
    for (alg, curve, sig) in [
        ("ED25519", "P256", "1.3.101.112"),
        ("ECDSA", "P521", "1.2.840.10045.4.3.4"),
    ] {
        let k = create(
            &p,
            "tls_private_key",
            &[
                ("algorithm", Value::string(alg)),
                ("ecdsa_curve", Value::string(curve)),
            ],
        );
        let c = create(
            &p,
            "tls_self_signed_cert",
            &[
                ("private_key_pem", get(&k, "private_key_pem")),
                ("validity_period_hours", Value::number(1)),
                ("allowed_uses", strings(&["digital_signature"])),
                ("dns_names", strings(&["a.example"])),
            ],
        );
        let der = der_of(&s(&c, "cert_pem"));
        let (_, cert) = parse_x509_certificate(&der).unwrap();
        assert_eq!(cert.signature_algorithm.algorithm.to_id_string(), sig);
        if sig == "1.3.101.112" {
            cert.verify_signature(None).expect(alg);
        } else {
            // x509-parser does not verify P-521 signatures: aws-lc-rs does.
            let key = aws_lc_rs::signature::UnparsedPublicKey::new(
                &aws_lc_rs::signature::ECDSA_P521_SHA512_ASN1,
                cert.public_key().subject_public_key.data.as_ref(),
            );
            key.verify(
                cert.tbs_certificate.as_ref(),
                cert.signature_value.data.as_ref(),
            )
            .expect("the P-521 signature verifies");
        }
    }
}

#[test]
fn argument_changes_replace_certificates() {
    let p = Tls::new(4);
    let k = create(
        &p,
        "tls_private_key",
        &[("algorithm", Value::string("ED25519"))],
    );
    let set = |h: i64| {
        vec![
            ("private_key_pem", get(&k, "private_key_pem")),
            ("validity_period_hours", Value::number(h)),
            ("allowed_uses", strings(&["digital_signature"])),
        ]
    };
    let c = create(&p, "tls_self_signed_cert", &set(10));
    let same = config(&p, Mode::Managed, "tls_self_signed_cert", &set(10));
    let pl = p
        .plan(&PlanRequest {
            ty: "tls_self_signed_cert",
            config: &same,
            prior: Some(&c),
        })
        .unwrap();
    assert!(!pl.replace);
    let changed = config(&p, Mode::Managed, "tls_self_signed_cert", &set(20));
    let pl = p
        .plan(&PlanRequest {
            ty: "tls_self_signed_cert",
            config: &changed,
            prior: Some(&c),
        })
        .unwrap();
    assert!(pl.replace && get(&pl.value, "cert_pem").is_unknown());
}
