//! `hashicorp/tls` (4.x): `tls_private_key`, `tls_self_signed_cert`,
//! `tls_cert_request` and `tls_locally_signed_cert`, and the data sources
//! `tls_public_key` and `tls_certificate` (from `content` only: the engine
//! has no network). Keys are drawn from the engine's seed; certificates
//! are real (rcgen writes them, x509-parser reads them) and chain.

mod certs;
mod der;
mod keys;
mod ssh;

use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Duration, Utc};

use super::common::{
    PlanRules, Set, Table, error, fill, get_i64, get_str, get_strings, mark_sensitive,
    plan_resource, schema, with_block,
};
use super::rng::SeededRng;
use crate::tftest::config::Mode;
use crate::tftest::diag::Diagnostic;
use crate::tftest::providers::schema::{Nesting, Schema};
use crate::tftest::providers::{PlanRequest, Planned, Provider};
use crate::tftest::value::{Type, Value};
pub use keys::Key;

const S: Type = Type::String;

fn public_rows() -> Vec<(&'static str, Type, Set, bool)> {
    vec![
        ("public_key_pem", S, Set::Computed, false),
        ("public_key_openssh", S, Set::Computed, false),
        ("public_key_fingerprint_md5", S, Set::Computed, false),
        ("public_key_fingerprint_sha256", S, Set::Computed, false),
        ("id", S, Set::Computed, false),
    ]
}

fn subject_block() -> Schema {
    let mut rows: Vec<(&str, Type, Set, bool)> = [
        "common_name",
        "organization",
        "organizational_unit",
        "locality",
        "province",
        "country",
        "postal_code",
        "serial_number",
    ]
    .into_iter()
    .map(|k| (k, S, Set::Optional, false))
    .collect();
    rows.push(("street_address", Type::list(S), Set::Optional, false));
    schema(&rows)
}

fn cert_rows() -> Vec<(&'static str, Type, Set, bool)> {
    vec![
        ("validity_period_hours", Type::Number, Set::Required, false),
        ("allowed_uses", Type::list(S), Set::Required, false),
        (
            "early_renewal_hours",
            Type::Number,
            Set::OptionalComputed,
            false,
        ),
        (
            "is_ca_certificate",
            Type::Bool,
            Set::OptionalComputed,
            false,
        ),
        (
            "set_subject_key_id",
            Type::Bool,
            Set::OptionalComputed,
            false,
        ),
        ("cert_pem", S, Set::Computed, false),
        ("validity_start_time", S, Set::Computed, false),
        ("validity_end_time", S, Set::Computed, false),
        ("ready_for_renewal", Type::Bool, Set::Computed, false),
        ("id", S, Set::Computed, false),
    ]
}

fn names_rows() -> Vec<(&'static str, Type, Set, bool)> {
    ["dns_names", "ip_addresses", "uris"]
        .into_iter()
        .map(|k| (k, Type::list(S), Set::Optional, false))
        .collect()
}

fn resources() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut key = vec![
            ("algorithm", S, Set::Required, false),
            ("rsa_bits", Type::Number, Set::OptionalComputed, false),
            ("ecdsa_curve", S, Set::OptionalComputed, false),
            ("private_key_pem", S, Set::Computed, true),
            ("private_key_pem_pkcs8", S, Set::Computed, true),
            ("private_key_openssh", S, Set::Computed, true),
        ];
        key.extend(public_rows());
        let mut selfsigned = vec![
            ("private_key_pem", S, Set::Required, true),
            (
                "set_authority_key_id",
                Type::Bool,
                Set::OptionalComputed,
                false,
            ),
            ("key_algorithm", S, Set::Computed, false),
        ];
        selfsigned.extend(cert_rows());
        selfsigned.extend(names_rows());
        let mut request = vec![
            ("private_key_pem", S, Set::Required, true),
            ("cert_request_pem", S, Set::Computed, false),
            ("key_algorithm", S, Set::Computed, false),
            ("id", S, Set::Computed, false),
        ];
        request.extend(names_rows());
        let mut local = vec![
            ("cert_request_pem", S, Set::Required, false),
            ("ca_private_key_pem", S, Set::Required, true),
            ("ca_cert_pem", S, Set::Required, false),
            ("ca_key_algorithm", S, Set::Computed, false),
        ];
        local.extend(cert_rows());
        let subject =
            |s: Schema| Arc::new(with_block(s, "subject", Nesting::List, subject_block()));
        Table::from([
            ("tls_private_key", Arc::new(schema(&key))),
            ("tls_self_signed_cert", subject(schema(&selfsigned))),
            ("tls_cert_request", subject(schema(&request))),
            ("tls_locally_signed_cert", Arc::new(schema(&local))),
        ])
    })
}

fn data_sources() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut public = vec![
            ("private_key_pem", S, Set::Optional, true),
            ("private_key_openssh", S, Set::Optional, true),
            ("algorithm", S, Set::Computed, false),
        ];
        public.extend(public_rows());
        let certificate = vec![
            ("content", S, Set::Optional, false),
            ("url", S, Set::Optional, false),
            ("verify_chain", Type::Bool, Set::Optional, false),
            (
                "certificates",
                Type::list(certs::certificate_type()),
                Set::Computed,
                false,
            ),
            ("id", S, Set::Computed, false),
        ];
        Table::from([
            ("tls_public_key", Arc::new(schema(&public))),
            ("tls_certificate", Arc::new(schema(&certificate))),
        ])
    })
}

/// `hashicorp/tls`.
#[derive(Debug)]
pub struct Tls {
    rng: Mutex<SeededRng>,
}

impl Tls {
    /// The provider, its keys and serial numbers drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        Tls {
            rng: Mutex::new(SeededRng::new(seed, "hashicorp/tls")),
        }
    }

    fn fork(&self, label: &str) -> SeededRng {
        self.rng
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .fork(label)
    }
}

fn one_of(attr: &str, v: Option<String>, allowed: &[&str]) -> Result<(), Diagnostic> {
    match v {
        Some(v) if !allowed.contains(&v.as_str()) => Err(error(
            "Invalid Attribute Value Match",
            format!(
                "Attribute {attr} value must be one of: [{}], got: {v:?}",
                allowed
                    .iter()
                    .map(|a| format!("{a:?}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        )),
        _ => Ok(()),
    }
}

fn validate(ty: &str, c: &Value) -> Result<(), Diagnostic> {
    match ty {
        "tls_private_key" => {
            one_of(
                "algorithm",
                get_str(c, "algorithm"),
                &["RSA", "ECDSA", "ED25519"],
            )?;
            one_of(
                "ecdsa_curve",
                get_str(c, "ecdsa_curve"),
                &["P224", "P256", "P384", "P521"],
            )
        }
        "tls_self_signed_cert" | "tls_locally_signed_cert" => {
            for u in get_strings(c, "allowed_uses") {
                one_of(
                    &format!("allowed_uses[Value({u:?})]"),
                    Some(u.clone()),
                    certs::USES,
                )?;
            }
            match get_i64(c, "validity_period_hours") {
                Some(h) if h < 0 => Err(error(
                    "Invalid Attribute Value",
                    format!("Attribute validity_period_hours value must be at least 0, got: {h}"),
                )),
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

fn parse_key(pem: &str, what: &str) -> Result<Key, Diagnostic> {
    Key::from_pem(pem).map_err(|e| error(&format!("Failed to parse {what}"), e))
}

fn unsupported(ty: &str) -> Diagnostic {
    error(
        "Invalid resource type",
        format!("The provider hashicorp/tls does not support resource type {ty:?}."),
    )
}

fn key_attrs(k: &Key) -> Vec<(&'static str, Value)> {
    let spki = k.spki_der();
    vec![
        ("public_key_pem", Value::string(k.public_pem())),
        ("public_key_openssh", Value::string(k.public_openssh())),
        (
            "public_key_fingerprint_md5",
            Value::string(k.fingerprint_md5()),
        ),
        (
            "public_key_fingerprint_sha256",
            Value::string(k.fingerprint_sha256()),
        ),
        (
            "id",
            Value::string(hex::encode(<sha1::Sha1 as sha1::Digest>::digest(&spki))),
        ),
    ]
}

fn ready_for_renewal(end: &str, early_hours: i64) -> bool {
    DateTime::parse_from_rfc3339(end)
        .map(|e| Utc::now() >= e.with_timezone(&Utc) - Duration::hours(early_hours))
        .unwrap_or(true)
}

impl Tls {
    fn create(&self, ty: &str, p: &Value) -> Result<Vec<(&'static str, Value)>, Diagnostic> {
        let cert_attrs = |m: certs::Made, early: i64| {
            let ready = ready_for_renewal(&m.end, early);
            vec![
                ("cert_pem", Value::string(m.pem)),
                ("validity_start_time", Value::string(m.start)),
                ("validity_end_time", Value::string(m.end)),
                ("ready_for_renewal", Value::bool(ready)),
                ("id", Value::string(m.serial)),
            ]
        };
        let early = get_i64(p, "early_renewal_hours").unwrap_or(0);
        Ok(match ty {
            "tls_private_key" => {
                let alg = get_str(p, "algorithm").unwrap_or_default();
                let bits = get_i64(p, "rsa_bits").unwrap_or(2048).max(0) as usize;
                let curve = get_str(p, "ecdsa_curve").unwrap_or_else(|| "P224".into());
                let mut rng = self.fork(ty);
                let k = Key::generate(&alg, bits, &curve, &mut rng)
                    .map_err(|e| error("Unable to generate Key from configuration", e))?;
                let mut out = vec![
                    ("private_key_pem", Value::string(k.private_pem())),
                    ("private_key_pem_pkcs8", Value::string(k.pkcs8_pem())),
                    (
                        "private_key_openssh",
                        Value::string(k.private_openssh(&mut rng)),
                    ),
                ];
                out.extend(key_attrs(&k));
                out
            }
            "tls_self_signed_cert" => {
                let k = parse_key(
                    &get_str(p, "private_key_pem").unwrap_or_default(),
                    "private key PEM",
                )?;
                let m = certs::self_signed(p, &k, &mut self.fork(ty))
                    .map_err(|e| error("Failed to create self-signed certificate", e))?;
                let mut out = cert_attrs(m, early);
                out.push(("key_algorithm", Value::string(k.algorithm())));
                out
            }
            "tls_cert_request" => {
                let k = parse_key(
                    &get_str(p, "private_key_pem").unwrap_or_default(),
                    "private key PEM",
                )?;
                let pem = certs::request(p, &k)
                    .map_err(|e| error("Error creating certificate request", e))?;
                let (_, der_bytes) = der::pem_blocks(&pem).into_iter().next().unwrap_or_default();
                vec![
                    ("key_algorithm", Value::string(k.algorithm())),
                    (
                        "id",
                        Value::string(hex::encode(<sha1::Sha1 as sha1::Digest>::digest(
                            &der_bytes,
                        ))),
                    ),
                    ("cert_request_pem", Value::string(pem)),
                ]
            }
            "tls_locally_signed_cert" => {
                let k = parse_key(
                    &get_str(p, "ca_private_key_pem").unwrap_or_default(),
                    "CA private key PEM",
                )?;
                let m = certs::locally_signed(p, &k, &mut self.fork(ty))
                    .map_err(|e| error("Failed to create locally signed certificate", e))?;
                let mut out = cert_attrs(m, early);
                out.push(("ca_key_algorithm", Value::string(k.algorithm())));
                out
            }
            _ => return Err(unsupported(ty)),
        })
    }
}

impl Provider for Tls {
    fn source(&self) -> &str {
        "hashicorp/tls"
    }

    fn schema(&self, mode: Mode, ty: &str) -> Option<Arc<Schema>> {
        match mode {
            Mode::Managed => resources().get(ty).cloned(),
            Mode::Data => data_sources().get(ty).cloned(),
            Mode::Ephemeral => None,
        }
    }

    fn has(&self, mode: Mode, ty: &str) -> bool {
        self.schema(mode, ty).is_some()
    }

    fn plan(&self, req: &PlanRequest<'_>) -> Result<Planned, Diagnostic> {
        let s = resources().get(req.ty).ok_or_else(|| unsupported(req.ty))?;
        validate(req.ty, req.config)?;
        let defaults = [
            ("rsa_bits", Value::number(2048)),
            ("ecdsa_curve", Value::string("P224")),
            ("early_renewal_hours", Value::number(0)),
            ("is_ca_certificate", Value::bool(false)),
            ("set_subject_key_id", Value::bool(false)),
            ("set_authority_key_id", Value::bool(false)),
        ];
        let rules = PlanRules {
            defaults: &defaults,
            in_place: &["early_renewal_hours"],
        };
        // A certificate due for renewal is replaced.
        let due = req.prior.is_some_and(|p| {
            get_str(p, "validity_end_time").is_some_and(|end| {
                ready_for_renewal(
                    &end,
                    get_i64(req.config, "early_renewal_hours").unwrap_or(0),
                )
            })
        });
        let prior = if due { None } else { req.prior };
        let mut planned = plan_resource(s, req.config, prior, &rules);
        planned.replace |= due;
        Ok(planned)
    }

    fn apply(
        &self,
        ty: &str,
        planned: &Value,
        _prior: Option<&Value>,
    ) -> Result<Value, Diagnostic> {
        let s = resources().get(ty).ok_or_else(|| unsupported(ty))?;
        if planned.is_wholly_known() {
            return Ok(planned.clone());
        }
        let computed = self.create(ty, planned)?;
        Ok(fill(s, planned, |k| {
            computed
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.clone())
        }))
    }

    fn read(&self, ty: &str, config: &Value) -> Result<Value, Diagnostic> {
        let s = data_sources().get(ty).ok_or_else(|| {
            error(
                "Unsupported data source",
                format!("The tls provider has no data source {ty:?}."),
            )
        })?;
        let mut out = config.as_entries().cloned().unwrap_or_default();
        match ty {
            "tls_public_key" => {
                let (pem, ssh) = (
                    get_str(config, "private_key_pem"),
                    get_str(config, "private_key_openssh"),
                );
                let text = match (pem, ssh) {
                    (Some(p), None) | (None, Some(p)) => p,
                    (a, _) => {
                        let n = if a.is_some() {
                            "2 attributes"
                        } else {
                            "No attribute"
                        };
                        return Err(error(
                            "Invalid Attribute Combination",
                            format!(
                                "{n} specified when one (and only one) of [private_key_pem,private_key_openssh] is required"
                            ),
                        ));
                    }
                };
                let k = parse_key(&text, "private key")?;
                out.insert("algorithm".into(), Value::string(k.algorithm()));
                for (n, v) in key_attrs(&k) {
                    out.insert(n.into(), v);
                }
            }
            _ => {
                if get_str(config, "url").is_some() {
                    return Err(error(
                        "Unable to fetch certificate",
                        "The in-process tls provider cannot fetch a certificate from a url: the test engine has no network. Read it from a file with content = file(...), or mock the data source with override_data.",
                    ));
                }
                let Some(content) = get_str(config, "content") else {
                    return Err(error(
                        "Invalid Attribute Combination",
                        "No attribute specified when one (and only one) of [content,url] is required",
                    ));
                };
                let list = certs::describe(&content)
                    .map_err(|e| error("Unable to parse certificate", e))?;
                let ids: String = list
                    .iter()
                    .filter_map(|c| get_str(c, "sha1_fingerprint"))
                    .collect();
                out.insert(
                    "certificates".into(),
                    Value::list(certs::certificate_type(), list),
                );
                out.insert(
                    "id".into(),
                    Value::string(hex::encode(<sha1::Sha1 as sha1::Digest>::digest(
                        ids.as_bytes(),
                    ))),
                );
            }
        }
        Ok(mark_sensitive(s, &Value::object(out)))
    }
}

#[cfg(test)]
mod tests;
