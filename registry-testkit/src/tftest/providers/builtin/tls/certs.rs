//! Certificates as the tls provider makes them (rcgen writes them, our
//! keys sign them) and reads them (x509-parser).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyUsagePurpose, SanType,
    SerialNumber,
};
use sha1::Digest as _;

use super::der::pem_blocks;
use super::keys::{Key, Signer};
use crate::tftest::providers::builtin::common::{
    decimal, get, get_bool, get_i64, get_str, get_strings,
};
use crate::tftest::providers::builtin::rng::SeededRng;
use crate::tftest::value::{Type, Value};

/// The names `allowed_uses` takes.
pub const USES: &[&str] = &[
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "cert_signing",
    "crl_signing",
    "encipher_only",
    "decipher_only",
    "any_extended",
    "server_auth",
    "client_auth",
    "code_signing",
    "email_protection",
    "ipsec_end_system",
    "ipsec_tunnel",
    "ipsec_user",
    "timestamping",
    "ocsp_signing",
    "microsoft_server_gated_crypto",
    "netscape_server_gated_crypto",
    "microsoft_commercial_code_signing",
    "microsoft_kernel_code_signing",
];

fn key_usage(u: &str) -> Option<KeyUsagePurpose> {
    Some(match u {
        "digital_signature" => KeyUsagePurpose::DigitalSignature,
        "content_commitment" => KeyUsagePurpose::ContentCommitment,
        "key_encipherment" => KeyUsagePurpose::KeyEncipherment,
        "data_encipherment" => KeyUsagePurpose::DataEncipherment,
        "key_agreement" => KeyUsagePurpose::KeyAgreement,
        "cert_signing" => KeyUsagePurpose::KeyCertSign,
        "crl_signing" => KeyUsagePurpose::CrlSign,
        "encipher_only" => KeyUsagePurpose::EncipherOnly,
        "decipher_only" => KeyUsagePurpose::DecipherOnly,
        _ => return None,
    })
}

fn ext_usage(u: &str) -> Option<ExtendedKeyUsagePurpose> {
    let other = |arcs: &[u64]| ExtendedKeyUsagePurpose::Other(arcs.to_vec());
    Some(match u {
        "any_extended" => ExtendedKeyUsagePurpose::Any,
        "server_auth" => ExtendedKeyUsagePurpose::ServerAuth,
        "client_auth" => ExtendedKeyUsagePurpose::ClientAuth,
        "code_signing" => ExtendedKeyUsagePurpose::CodeSigning,
        "email_protection" => ExtendedKeyUsagePurpose::EmailProtection,
        "ipsec_end_system" => other(&[1, 3, 6, 1, 5, 5, 7, 3, 5]),
        "ipsec_tunnel" => other(&[1, 3, 6, 1, 5, 5, 7, 3, 6]),
        "ipsec_user" => other(&[1, 3, 6, 1, 5, 5, 7, 3, 7]),
        "timestamping" => ExtendedKeyUsagePurpose::TimeStamping,
        "ocsp_signing" => ExtendedKeyUsagePurpose::OcspSigning,
        "microsoft_server_gated_crypto" => other(&[1, 3, 6, 1, 4, 1, 311, 10, 3, 3]),
        "netscape_server_gated_crypto" => other(&[2, 16, 840, 1, 113730, 4, 1]),
        "microsoft_commercial_code_signing" => other(&[1, 3, 6, 1, 4, 1, 311, 2, 1, 22]),
        "microsoft_kernel_code_signing" => other(&[1, 3, 6, 1, 4, 1, 311, 61, 1, 1]),
        _ => return None,
    })
}

/// The `subject` block as a distinguished name, in the order Go writes
/// one (C, ST, L, STREET, POSTALCODE, O, OU, CN, SERIALNUMBER).
fn subject(config: &Value) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    let Some(s) = get(config, "subject")
        .as_elements()
        .and_then(|e| e.first().cloned())
    else {
        return dn;
    };
    let one = |k: &str| get_str(&s, k).filter(|v| !v.is_empty());
    let mut push = |t: DnType, v: Option<String>| {
        if let Some(v) = v {
            dn.push(t, v);
        }
    };
    push(DnType::CountryName, one("country"));
    push(DnType::StateOrProvinceName, one("province"));
    push(DnType::LocalityName, one("locality"));
    for street in get_strings(&s, "street_address") {
        push(DnType::CustomDnType(vec![2, 5, 4, 9]), Some(street));
    }
    push(DnType::CustomDnType(vec![2, 5, 4, 17]), one("postal_code"));
    push(DnType::OrganizationName, one("organization"));
    push(DnType::OrganizationalUnitName, one("organizational_unit"));
    push(DnType::CommonName, one("common_name"));
    push(DnType::CustomDnType(vec![2, 5, 4, 5]), one("serial_number"));
    dn
}

fn sans(config: &Value) -> Result<Vec<SanType>, String> {
    let mut out = Vec::new();
    for d in get_strings(config, "dns_names") {
        out.push(SanType::DnsName(
            d.clone()
                .try_into()
                .map_err(|_| format!("invalid DNS name {d:?}"))?,
        ));
    }
    for ip in get_strings(config, "ip_addresses") {
        out.push(SanType::IpAddress(
            ip.parse()
                .map_err(|_| format!("invalid IP address {ip:?}"))?,
        ));
    }
    for u in get_strings(config, "uris") {
        out.push(SanType::URI(
            u.clone()
                .try_into()
                .map_err(|_| format!("invalid URI {u:?}"))?,
        ));
    }
    Ok(out)
}

/// The timestamps a certificate's validity is kept as (RFC 3339, UTC).
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// What a new certificate's attributes are.
pub struct Made {
    /// `cert_pem` (or `cert_request_pem`).
    pub pem: String,
    /// The serial number in decimal (the id).
    pub serial: String,
    /// `validity_start_time`.
    pub start: String,
    /// `validity_end_time`.
    pub end: String,
}

/// The parameters every certificate of the provider shares: validity,
/// serial number, uses, CA flag and key identifiers.
fn params(
    config: &Value,
    rng: &mut SeededRng,
    subject_bits: &[u8],
    base: CertificateParams,
) -> Result<(CertificateParams, Made), String> {
    let mut p = base;
    let now = Utc::now();
    let now = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    let hours = get_i64(config, "validity_period_hours").unwrap_or(0);
    let end = now + Duration::hours(hours);
    p.not_before =
        time::OffsetDateTime::from_unix_timestamp(now.timestamp()).map_err(|e| e.to_string())?;
    p.not_after =
        time::OffsetDateTime::from_unix_timestamp(end.timestamp()).map_err(|e| e.to_string())?;
    let mut serial = rng.bytes(16);
    serial[0] &= 0x7f;
    p.serial_number = Some(SerialNumber::from_slice(&serial));
    p.key_usages = Vec::new();
    p.extended_key_usages = Vec::new();
    for u in get_strings(config, "allowed_uses") {
        if let Some(k) = key_usage(&u) {
            p.key_usages.push(k);
        } else if let Some(e) = ext_usage(&u) {
            p.extended_key_usages.push(e);
        }
    }
    p.is_ca = if get_bool(config, "is_ca_certificate").unwrap_or(false) {
        IsCa::Ca(BasicConstraints::Unconstrained)
    } else {
        IsCa::ExplicitNoCa
    };
    // Go's subject key identifier: the SHA-1 of the public key's bits.
    p.key_identifier_method = KeyIdMethod::PreSpecified(sha1::Sha1::digest(subject_bits).to_vec());
    Ok((
        p,
        Made {
            pem: String::new(),
            serial: decimal(&serial),
            start: stamp(now),
            end: stamp(end),
        },
    ))
}

/// A `tls_self_signed_cert`.
pub fn self_signed(config: &Value, key: &Key, rng: &mut SeededRng) -> Result<Made, String> {
    let mut base = CertificateParams::default();
    base.distinguished_name = subject(config);
    base.subject_alt_names = sans(config)?;
    let (mut p, mut made) = params(config, rng, &key.public_bits(), base)?;
    p.use_authority_key_identifier_extension =
        get_bool(config, "set_authority_key_id").unwrap_or(false);
    let signer = Signer::new(key.clone());
    let cert = p.self_signed(&signer).map_err(|e| e.to_string())?;
    made.pem = cert.pem();
    Ok(made)
}

/// A `tls_cert_request`'s PEM.
pub fn request(config: &Value, key: &Key) -> Result<String, String> {
    let mut p = CertificateParams::default();
    p.distinguished_name = subject(config);
    p.subject_alt_names = sans(config)?;
    let signer = Signer::new(key.clone());
    let csr = p.serialize_request(&signer).map_err(|e| e.to_string())?;
    csr.pem().map_err(|e| e.to_string())
}

/// A `tls_locally_signed_cert`: the request's subject and names, signed by
/// the CA.
pub fn locally_signed(config: &Value, ca_key: &Key, rng: &mut SeededRng) -> Result<Made, String> {
    let csr_pem = get_str(config, "cert_request_pem").unwrap_or_default();
    let csr = CertificateSigningRequestParams::from_pem(&csr_pem)
        .map_err(|e| format!("failed to parse certificate request: {e}"))?;
    let ca_pem = get_str(config, "ca_cert_pem").unwrap_or_default();
    let ca_signer = Signer::new(ca_key.clone());
    let issuer = Issuer::from_ca_cert_pem(&ca_pem, &ca_signer)
        .map_err(|e| format!("failed to parse CA certificate: {e}"))?;
    // The subject key identifier comes from the requester's public key.
    let bits = rcgen::PublicKeyData::der_bytes(&csr.public_key).to_vec();
    let mut base = csr.params;
    base.use_authority_key_identifier_extension = true;
    let (p, mut made) = params(config, rng, &bits, base)?;
    let cert = p
        .signed_by(&csr.public_key, &issuer)
        .map_err(|e| e.to_string())?;
    made.pem = cert.pem();
    Ok(made)
}

/// Go's `x509.SignatureAlgorithm.String()` for an OID.
fn signature_name(oid: &str) -> &'static str {
    match oid {
        "1.2.840.113549.1.1.5" => "SHA1-RSA",
        "1.2.840.113549.1.1.11" => "SHA256-RSA",
        "1.2.840.113549.1.1.12" => "SHA384-RSA",
        "1.2.840.113549.1.1.13" => "SHA512-RSA",
        "1.2.840.113549.1.1.10" => "SHA256-RSAPSS",
        "1.2.840.10045.4.1" => "ECDSA-SHA1",
        "1.2.840.10045.4.3.2" => "ECDSA-SHA256",
        "1.2.840.10045.4.3.3" => "ECDSA-SHA384",
        "1.2.840.10045.4.3.4" => "ECDSA-SHA512",
        "1.3.101.112" => "Ed25519",
        _ => "0",
    }
}

fn public_key_name(oid: &str) -> &'static str {
    match oid {
        "1.2.840.113549.1.1.1" => "RSA",
        "1.2.840.10045.2.1" => "ECDSA",
        "1.3.101.112" => "Ed25519",
        "1.2.840.10040.4.1" => "DSA",
        _ => "0",
    }
}

/// Go's `pkix.Name.String()`: the RDNs last first, comma separated.
fn name_string(n: &x509_parser::x509::X509Name<'_>) -> String {
    let short = |oid: &str| -> String {
        match oid {
            "2.5.4.3" => "CN".into(),
            "2.5.4.5" => "SERIALNUMBER".into(),
            "2.5.4.6" => "C".into(),
            "2.5.4.7" => "L".into(),
            "2.5.4.8" => "ST".into(),
            "2.5.4.9" => "STREET".into(),
            "2.5.4.10" => "O".into(),
            "2.5.4.11" => "OU".into(),
            "2.5.4.17" => "POSTALCODE".into(),
            o => o.to_string(),
        }
    };
    let mut rdns: Vec<String> = n
        .iter()
        .map(|rdn| {
            rdn.iter()
                .map(|a| {
                    let v = a.as_str().unwrap_or_default().replace(',', "\\,");
                    format!("{}={v}", short(&a.attr_type().to_id_string()))
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.reverse();
    rdns.join(",")
}

/// The type of one entry of `tls_certificate.certificates`.
pub fn certificate_type() -> Type {
    Type::Object(
        [
            ("cert_pem", Type::String),
            ("is_ca", Type::Bool),
            ("issuer", Type::String),
            ("not_after", Type::String),
            ("not_before", Type::String),
            ("public_key_algorithm", Type::String),
            ("serial_number", Type::String),
            ("sha1_fingerprint", Type::String),
            ("signature_algorithm", Type::String),
            ("subject", Type::String),
            ("version", Type::Number),
        ]
        .into_iter()
        .map(|(k, t)| (k.to_string(), t))
        .collect(),
    )
}

/// The certificates of a PEM text, as `tls_certificate` describes them,
/// in the order given.
pub fn describe(content: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for (label, der) in pem_blocks(content) {
        if label != "CERTIFICATE" {
            continue;
        }
        let (_, cert) = x509_parser::parse_x509_certificate(&der)
            .map_err(|e| format!("failed to parse certificate: {e}"))?;
        let time = |t: x509_parser::time::ASN1Time| {
            DateTime::from_timestamp(t.timestamp(), 0)
                .map(stamp)
                .unwrap_or_default()
        };
        let is_ca = cert
            .basic_constraints()
            .ok()
            .flatten()
            .is_some_and(|b| b.value.ca);
        out.push(Value::object_from([
            (
                "cert_pem",
                Value::string(super::der::pem("CERTIFICATE", &der)),
            ),
            ("is_ca", Value::bool(is_ca)),
            ("issuer", Value::string(name_string(cert.issuer()))),
            ("not_after", Value::string(time(cert.validity().not_after))),
            (
                "not_before",
                Value::string(time(cert.validity().not_before)),
            ),
            (
                "public_key_algorithm",
                Value::string(public_key_name(
                    &cert.public_key().algorithm.algorithm.to_id_string(),
                )),
            ),
            ("serial_number", Value::string(decimal(cert.raw_serial()))),
            (
                "sha1_fingerprint",
                Value::string(hex::encode(sha1::Sha1::digest(&der))),
            ),
            (
                "signature_algorithm",
                Value::string(signature_name(
                    &cert.signature_algorithm.algorithm.to_id_string(),
                )),
            ),
            ("subject", Value::string(name_string(cert.subject()))),
            ("version", Value::number(cert.version().0 as i64 + 1)),
        ]));
    }
    if out.is_empty() {
        return Err("no certificate was found in the content".into());
    }
    Ok(out)
}
