//! Client-side TLS trust, one for every outbound connection: the CLI's
//! calls to a registry, and what the server itself will dial (upstream
//! registries, OIDC discovery and JWKS, git over HTTPS).
//!
//! Trusted roots are the platform's, or the certificates in `SSL_CERT_FILE`
//! (and `SSL_CERT_DIR`) in their place, as Terraform (Go) reads them, plus
//! any given as `--ca-cert` / `REGISTRY_CA_CERT`. A certificate given that
//! way is trusted as given, including as its own leaf: the self-signed
//! certificates most how-tos make are marked `CA:TRUE`, which webpki
//! refuses as an end-entity certificate (`CaUsedAsEndEntity`) while
//! Terraform, curl and Go accept them. Such a certificate is still checked
//! for the host name and its validity dates.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use registry_core::{Error, Result};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

/// The environment variable naming extra CA certificates for the CLI.
pub const CA_CERT_ENV: &str = "REGISTRY_CA_CERT";

/// The trust every outbound TLS connection uses.
#[derive(Debug, Clone)]
pub struct ClientTrust {
    config: Arc<ClientConfig>,
    given: usize,
    files: Vec<PathBuf>,
}

fn read_pem_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    use rustls::pki_types::pem::PemObject as _;
    let bytes = std::fs::read(path).map_err(|e| {
        Error::invalid_input(format!(
            "cannot read CA certificate file {}: {e}",
            path.display()
        ))
    })?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::invalid_input(format!(
                "{} is not a PEM certificate file: {e}",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(Error::invalid_input(format!(
            "{} holds no PEM certificate (BEGIN CERTIFICATE)",
            path.display()
        )));
    }
    Ok(certs)
}

impl ClientTrust {
    /// The platform's roots (or `SSL_CERT_FILE`'s in their place) plus the
    /// certificates in `ca_cert_files`.
    pub fn new(ca_cert_files: &[PathBuf]) -> Result<Self> {
        crate::install_crypto_provider();
        let mut given = Vec::new();
        for f in ca_cert_files {
            given.extend(read_pem_certs(f)?);
        }
        // Certificates named by SSL_CERT_FILE are given too, as Go reads them.
        if let Some(f) = std::env::var_os("SSL_CERT_FILE").filter(|f| !f.is_empty()) {
            given.extend(read_pem_certs(Path::new(&f))?);
        }
        let native = rustls_native_certs::load_native_certs();
        let mut roots = RootCertStore::empty();
        let (_added, _ignored) = roots.add_parsable_certificates(native.certs);
        for cert in &given {
            // A leaf that is not a valid anchor is still trusted as given.
            let _ = roots.add(cert.clone());
        }
        if roots.is_empty() && given.is_empty() {
            return Err(Error::new(
                registry_core::ErrorKind::Misconfigured,
                "no trusted root certificates: the platform store is empty; give --ca-cert or set SSL_CERT_FILE",
            ));
        }
        let inner = WebPkiServerVerifier::builder(Arc::new(roots))
            .build()
            .map_err(|e| Error::invalid_input(format!("cannot build the TLS verifier: {e}")))?;
        let verifier = GivenCertVerifier {
            inner,
            given: given.clone(),
        };
        let config = ClientConfig::builder()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(ClientTrust {
            config: Arc::new(config),
            given: given.len(),
            files: ca_cert_files.to_vec(),
        })
    }

    /// The rustls configuration to connect with (HTTP/1.1 and HTTP/2 are
    /// offered by the HTTP client that takes it).
    pub fn rustls_config(&self) -> ClientConfig {
        self.config.as_ref().clone()
    }

    /// The certificate files given (`--ca-cert`), for clients that read
    /// files themselves (git).
    pub fn given_files(&self) -> &[PathBuf] {
        &self.files
    }

    /// How many certificates were given (files and `SSL_CERT_FILE`).
    pub fn given_certificates(&self) -> usize {
        self.given
    }
}

/// webpki's verification, and for a certificate given as trusted that
/// webpki refuses as a leaf: the host name and validity dates.
#[derive(Debug)]
struct GivenCertVerifier {
    inner: Arc<WebPkiServerVerifier>,
    given: Vec<CertificateDer<'static>>,
}

fn check_given(
    cert: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> std::result::Result<(), rustls::Error> {
    let bad = |e: CertificateError| rustls::Error::InvalidCertificate(e);
    let ee =
        webpki::EndEntityCert::try_from(cert).map_err(|_| bad(CertificateError::BadEncoding))?;
    ee.verify_is_valid_for_subject_name(server_name)
        .map_err(|_| bad(CertificateError::NotValidForName))?;
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref())
        .map_err(|_| bad(CertificateError::BadEncoding))?;
    let validity = parsed.validity();
    let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    if now < validity.not_before.timestamp() {
        return Err(bad(CertificateError::NotValidYet));
    }
    if now > validity.not_after.timestamp() {
        return Err(bad(CertificateError::Expired));
    }
    Ok(())
}

impl ServerCertVerifier for GivenCertVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(v) => Ok(v),
            Err(e) => {
                if self.given.iter().any(|g| g.as_ref() == end_entity.as_ref()) {
                    check_given(end_entity, server_name, now)?;
                    Ok(ServerCertVerified::assertion())
                } else {
                    Err(e)
                }
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Made {
        der: CertificateDer<'static>,
    }

    fn self_signed(is_ca: bool, names: &[&str], days: (i64, i64)) -> Made {
        let mut p =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        if is_ca {
            p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        }
        let now = time::OffsetDateTime::now_utc();
        p.not_before = now + time::Duration::days(days.0);
        p.not_after = now + time::Duration::days(days.1);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = p.self_signed(&key).unwrap();
        Made {
            der: cert.der().clone(),
        }
    }

    fn verifier(given: &[&Made]) -> GivenCertVerifier {
        crate::install_crypto_provider();
        let mut roots = RootCertStore::empty();
        for g in given {
            let _ = roots.add(g.der.clone());
        }
        GivenCertVerifier {
            inner: WebPkiServerVerifier::builder(Arc::new(roots))
                .build()
                .unwrap(),
            given: given.iter().map(|g| g.der.clone()).collect(),
        }
    }

    fn check(
        v: &GivenCertVerifier,
        leaf: &Made,
        host: &str,
    ) -> std::result::Result<(), rustls::Error> {
        let name = ServerName::try_from(host.to_string()).unwrap();
        v.verify_server_cert(&leaf.der, &[], &name, &[], UnixTime::now())
            .map(drop)
    }

    #[test]
    fn a_ca_true_self_signed_certificate_given_as_trusted_is_accepted_as_its_own_leaf() {
        let cert = self_signed(true, &["localhost", "127.0.0.1"], (-1, 30));
        let v = verifier(&[&cert]);
        // webpki alone refuses it; the given-certificate path accepts it.
        let name = ServerName::try_from("localhost").unwrap();
        assert!(
            v.inner
                .verify_server_cert(&cert.der, &[], &name, &[], UnixTime::now())
                .is_err()
        );
        check(&v, &cert, "localhost").unwrap();
        check(&v, &cert, "127.0.0.1").unwrap();
    }

    #[test]
    fn given_certificates_are_still_checked_for_host_and_dates() {
        let cert = self_signed(true, &["localhost"], (-1, 30));
        let v = verifier(&[&cert]);
        let e = check(&v, &cert, "example.com").unwrap_err();
        assert!(
            matches!(
                e,
                rustls::Error::InvalidCertificate(CertificateError::NotValidForName)
            ),
            "{e:?}"
        );
        let expired = self_signed(true, &["localhost"], (-30, -1));
        let e = check(&verifier(&[&expired]), &expired, "localhost").unwrap_err();
        assert!(
            matches!(
                e,
                rustls::Error::InvalidCertificate(CertificateError::Expired)
            ),
            "{e:?}"
        );
        let early = self_signed(true, &["localhost"], (2, 30));
        let e = check(&verifier(&[&early]), &early, "localhost").unwrap_err();
        assert!(
            matches!(
                e,
                rustls::Error::InvalidCertificate(CertificateError::NotValidYet)
            ),
            "{e:?}"
        );
    }

    #[test]
    fn a_leaf_signed_by_a_given_ca_is_verified_by_webpki_and_strangers_are_refused() {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf = rcgen::CertificateParams::new(vec!["registry.example.com".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        let ca = Made {
            der: ca.der().clone(),
        };
        let leaf = Made {
            der: leaf.der().clone(),
        };
        let v = verifier(&[&ca]);
        check(&v, &leaf, "registry.example.com").unwrap();
        assert!(check(&v, &leaf, "other.example.com").is_err());
        let stranger = self_signed(false, &["registry.example.com"], (-1, 30));
        assert!(
            check(&v, &stranger, "registry.example.com").is_err(),
            "a certificate nobody gave is refused"
        );
    }
}
