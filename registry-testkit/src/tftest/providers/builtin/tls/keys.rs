//! Private keys as the tls provider makes and reads them: RSA, ECDSA
//! (P-256, P-384, P-521) and Ed25519, drawn from the seeded generator,
//! with every encoding the provider exposes (PKCS#1 / SEC1 / PKCS#8 PEM,
//! SubjectPublicKeyInfo PEM, OpenSSH public and private keys and their
//! fingerprints), and signing for certificates.

use aws_lc_rs::signature::KeyPair as _;
use rsa::pkcs1::{DecodeRsaPrivateKey as _, EncodeRsaPrivateKey as _, EncodeRsaPublicKey as _};
use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, EncodePublicKey as _};

use super::der::{self, bits, items, octets, oid, oid_arcs, pem, pem_blocks, seq, tlv};
use crate::tftest::providers::builtin::rng::SeededRng;

const EC_PUBLIC_KEY: &[u64] = &[1, 2, 840, 10045, 2, 1];
const ED25519: &[u64] = &[1, 3, 101, 112];
const RSA_ENCRYPTION: &[u64] = &[1, 2, 840, 113549, 1, 1, 1];

/// An ECDSA curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-224 (keys cannot be made here: no crate of the workspace has it).
    P224,
    /// NIST P-256.
    P256,
    /// NIST P-384.
    P384,
    /// NIST P-521.
    P521,
}

impl Curve {
    /// By the provider's name (`P256`).
    pub fn parse(s: &str) -> Option<Curve> {
        match s {
            "P224" => Some(Curve::P224),
            "P256" => Some(Curve::P256),
            "P384" => Some(Curve::P384),
            "P521" => Some(Curve::P521),
            _ => None,
        }
    }

    fn from_oid(arcs: &[u64]) -> Option<Curve> {
        [Curve::P224, Curve::P256, Curve::P384, Curve::P521]
            .into_iter()
            .find(|c| c.oid() == arcs)
    }

    fn oid(self) -> &'static [u64] {
        match self {
            Curve::P224 => &[1, 3, 132, 0, 33],
            Curve::P256 => &[1, 2, 840, 10045, 3, 1, 7],
            Curve::P384 => &[1, 3, 132, 0, 34],
            Curve::P521 => &[1, 3, 132, 0, 35],
        }
    }

    /// The size of a scalar in bytes.
    fn size(self) -> usize {
        match self {
            Curve::P224 => 28,
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    fn order(self) -> &'static str {
        match self {
            Curve::P224 => "ffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3d",
            Curve::P256 => "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
            Curve::P384 => {
                "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973"
            }
            Curve::P521 => {
                "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409"
            }
        }
    }

    pub(super) fn ssh_name(self) -> &'static str {
        match self {
            Curve::P224 => "nistp224",
            Curve::P256 => "nistp256",
            Curve::P384 => "nistp384",
            Curve::P521 => "nistp521",
        }
    }

    fn agreement(self) -> Option<&'static aws_lc_rs::agreement::Algorithm> {
        match self {
            Curve::P256 => Some(&aws_lc_rs::agreement::ECDH_P256),
            Curve::P384 => Some(&aws_lc_rs::agreement::ECDH_P384),
            Curve::P521 => Some(&aws_lc_rs::agreement::ECDH_P521),
            Curve::P224 => None,
        }
    }

    fn signing(self) -> Option<&'static aws_lc_rs::signature::EcdsaSigningAlgorithm> {
        match self {
            Curve::P256 => Some(&aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING),
            Curve::P384 => Some(&aws_lc_rs::signature::ECDSA_P384_SHA384_ASN1_SIGNING),
            Curve::P521 => Some(&aws_lc_rs::signature::ECDSA_P521_SHA512_ASN1_SIGNING),
            Curve::P224 => None,
        }
    }

    fn unsupported() -> String {
        "ECDSA curve P224 is not supported by the in-process tls provider (no P-224 implementation is available to it); use P256, P384 or P521".into()
    }

    /// The public point (uncompressed) of a scalar.
    fn public(self, d: &[u8]) -> Result<Vec<u8>, String> {
        let alg = self.agreement().ok_or_else(Curve::unsupported)?;
        let k = aws_lc_rs::agreement::PrivateKey::from_private_key(alg, d)
            .map_err(|_| "invalid ECDSA private key".to_string())?;
        let p = k
            .compute_public_key()
            .map_err(|_| "invalid ECDSA private key".to_string())?;
        Ok(p.as_ref().to_vec())
    }
}

/// A private key.
#[derive(Debug, Clone)]
pub enum Key {
    /// RSA.
    Rsa(Box<rsa::PrivateKey>),
    /// ECDSA: the scalar (big-endian, the curve's size) and public point.
    Ecdsa {
        /// The curve.
        curve: Curve,
        /// The private scalar.
        d: Vec<u8>,
        /// The public point, uncompressed.
        public: Vec<u8>,
    },
    /// Ed25519: the seed and public key.
    Ed25519 {
        /// The 32-byte seed.
        seed: [u8; 32],
        /// The 32-byte public key.
        public: [u8; 32],
    },
}

pub(super) fn ed25519(seed: [u8; 32]) -> Result<Key, String> {
    let kp = aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(&seed)
        .map_err(|e| format!("invalid ED25519 key: {e}"))?;
    let mut public = [0u8; 32];
    public.copy_from_slice(kp.public_key().as_ref());
    Ok(Key::Ed25519 { seed, public })
}

pub(super) fn ecdsa(curve: Curve, d: &[u8]) -> Result<Key, String> {
    let mut padded = vec![0u8; curve.size().saturating_sub(d.len())];
    padded.extend_from_slice(d);
    let public = curve.public(&padded)?;
    Ok(Key::Ecdsa {
        curve,
        d: padded,
        public,
    })
}

/// The INTEGER contents of a DER SEQUENCE of integers (PKCS#1 keys).
pub(super) fn integers(der_bytes: &[u8]) -> Vec<Vec<u8>> {
    der::read(der_bytes)
        .and_then(|(_, c, _)| items(c))
        .map(|is| is.into_iter().map(|(_, c)| c.to_vec()).collect())
        .unwrap_or_default()
}

impl Key {
    /// A new key, as `tls_private_key` makes one.
    pub fn generate(
        algorithm: &str,
        rsa_bits: usize,
        curve: &str,
        rng: &mut SeededRng,
    ) -> Result<Key, String> {
        match algorithm {
            "RSA" => rsa::PrivateKey::new(rng, rsa_bits)
                .map(|k| Key::Rsa(Box::new(k)))
                .map_err(|e| format!("failed to generate RSA key: {e}")),
            "ECDSA" => {
                let c = Curve::parse(curve).ok_or_else(|| {
                    "invalid ECDSA curve; supported values are: [P224 P256 P384 P521]".to_string()
                })?;
                if c == Curve::P224 {
                    return Err(Curve::unsupported());
                }
                let order = hex::decode(c.order()).map_err(|e| e.to_string())?;
                loop {
                    let mut d = rng.bytes(c.size());
                    if c == Curve::P521 {
                        d[0] &= 0x01;
                    }
                    if d.iter().any(|b| *b != 0) && d < order {
                        return ecdsa(c, &d);
                    }
                }
            }
            "ED25519" => {
                let mut seed = [0u8; 32];
                rng.fill(&mut seed);
                ed25519(seed)
            }
            other => Err(format!("unsupported algorithm {other:?}")),
        }
    }

    /// A key from PEM: PKCS#1 (`RSA PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`)
    /// or PKCS#8 (`PRIVATE KEY`), as Go's parsers read them.
    pub fn from_pem(text: &str) -> Result<Key, String> {
        let Some((label, der_bytes)) = pem_blocks(text).into_iter().next() else {
            return Err(format!(
                "failed to decode PEM block: decoded bytes 0, undecoded {}",
                text.len()
            ));
        };
        match label.as_str() {
            "RSA PRIVATE KEY" => rsa::PrivateKey::from_pkcs1_der(&der_bytes)
                .map(|k| Key::Rsa(Box::new(k)))
                .map_err(|e| {
                    format!("failed to parse private key given PEM preamble '{label}': {e}")
                }),
            "EC PRIVATE KEY" => Key::from_sec1(&der_bytes, None),
            "PRIVATE KEY" => Key::from_pkcs8(&der_bytes),
            "OPENSSH PRIVATE KEY" => Key::from_openssh(&der_bytes),
            other => Err(format!(
                "failed to identify PEM preamble: unsupported PEM block type {other:?}"
            )),
        }
    }

    fn from_sec1(der_bytes: &[u8], curve: Option<Curve>) -> Result<Key, String> {
        let bad = || "failed to parse EC private key".to_string();
        let (_, c, _) = der::read(der_bytes).ok_or_else(bad)?;
        let parts = items(c).ok_or_else(bad)?;
        let d = parts.get(1).filter(|(t, _)| *t == 0x04).ok_or_else(bad)?.1;
        let mut curve = curve;
        for (t, c) in &parts[2..] {
            if *t == 0xa0
                && let Some((0x06, o, _)) = der::read(c)
            {
                curve = Curve::from_oid(&oid_arcs(o));
            }
        }
        let curve = curve.ok_or_else(|| "unknown elliptic curve".to_string())?;
        if curve == Curve::P224 {
            return Err(Curve::unsupported());
        }
        ecdsa(curve, d)
    }

    fn from_pkcs8(der_bytes: &[u8]) -> Result<Key, String> {
        let bad = || "failed to parse PKCS#8 private key".to_string();
        let (_, c, _) = der::read(der_bytes).ok_or_else(bad)?;
        let parts = items(c).ok_or_else(bad)?;
        let alg = items(parts.get(1).ok_or_else(bad)?.1).ok_or_else(bad)?;
        let alg_oid = oid_arcs(alg.first().ok_or_else(bad)?.1);
        let inner = parts.get(2).ok_or_else(bad)?.1;
        if alg_oid == RSA_ENCRYPTION {
            return rsa::PrivateKey::from_pkcs8_der(der_bytes)
                .map(|k| Key::Rsa(Box::new(k)))
                .map_err(|e| format!("{}: {e}", bad()));
        }
        if alg_oid == EC_PUBLIC_KEY {
            let curve = alg.get(1).and_then(|(_, o)| Curve::from_oid(&oid_arcs(o)));
            return Key::from_sec1(inner, curve);
        }
        if alg_oid == ED25519 {
            let (_, seed, _) = der::read(inner).ok_or_else(bad)?;
            let seed: [u8; 32] = seed.try_into().map_err(|_| bad())?;
            return ed25519(seed);
        }
        Err(format!(
            "PKCS#8 wrapping contained private key with unknown algorithm: {alg_oid:?}"
        ))
    }

    /// `RSA`, `ECDSA` or `ED25519`.
    pub fn algorithm(&self) -> &'static str {
        match self {
            Key::Rsa(_) => "RSA",
            Key::Ecdsa { .. } => "ECDSA",
            Key::Ed25519 { .. } => "ED25519",
        }
    }

    fn sec1(&self, with_curve: bool) -> Vec<u8> {
        let Key::Ecdsa { curve, d, public } = self else {
            return Vec::new();
        };
        let mut parts = vec![tlv(0x02, &[1]), octets(d)];
        if with_curve {
            parts.push(tlv(0xa0, &oid(curve.oid())));
        }
        parts.push(tlv(0xa1, &bits(public)));
        seq(&parts)
    }

    /// The private key in PKCS#8 DER.
    pub fn pkcs8_der(&self) -> Vec<u8> {
        match self {
            Key::Rsa(k) => k
                .to_pkcs8_der()
                .map(|d| d.as_bytes().to_vec())
                .unwrap_or_default(),
            Key::Ecdsa { curve, .. } => seq(&[
                tlv(0x02, &[0]),
                seq(&[oid(EC_PUBLIC_KEY), oid(curve.oid())]),
                octets(&self.sec1(false)),
            ]),
            Key::Ed25519 { seed, .. } => {
                seq(&[tlv(0x02, &[0]), seq(&[oid(ED25519)]), octets(&octets(seed))])
            }
        }
    }

    /// `private_key_pem`: PKCS#1 for RSA, SEC1 for ECDSA, PKCS#8 for Ed25519.
    pub fn private_pem(&self) -> String {
        match self {
            Key::Rsa(k) => pem(
                "RSA PRIVATE KEY",
                k.to_pkcs1_der()
                    .map(|d| d.as_bytes().to_vec())
                    .unwrap_or_default()
                    .as_slice(),
            ),
            Key::Ecdsa { .. } => pem("EC PRIVATE KEY", &self.sec1(true)),
            Key::Ed25519 { .. } => pem("PRIVATE KEY", &self.pkcs8_der()),
        }
    }

    /// `private_key_pem_pkcs8`.
    pub fn pkcs8_pem(&self) -> String {
        pem("PRIVATE KEY", &self.pkcs8_der())
    }

    /// The contents of the SubjectPublicKeyInfo's BIT STRING.
    pub fn public_bits(&self) -> Vec<u8> {
        match self {
            Key::Rsa(k) => k
                .to_public_key()
                .to_pkcs1_der()
                .map(|d| d.as_bytes().to_vec())
                .unwrap_or_default(),
            Key::Ecdsa { public, .. } => public.clone(),
            Key::Ed25519 { public, .. } => public.to_vec(),
        }
    }

    /// The SubjectPublicKeyInfo (PKIX) DER.
    pub fn spki_der(&self) -> Vec<u8> {
        match self {
            Key::Rsa(k) => k
                .to_public_key()
                .to_public_key_der()
                .map(|d| d.as_bytes().to_vec())
                .unwrap_or_default(),
            Key::Ecdsa { curve, public, .. } => {
                seq(&[seq(&[oid(EC_PUBLIC_KEY), oid(curve.oid())]), bits(public)])
            }
            Key::Ed25519 { public, .. } => seq(&[seq(&[oid(ED25519)]), bits(public)]),
        }
    }

    /// `public_key_pem`.
    pub fn public_pem(&self) -> String {
        pem("PUBLIC KEY", &self.spki_der())
    }

    /// The signature algorithm certificates signed by this key use (Go's
    /// defaults: SHA-256 with RSA; ECDSA with the curve's hash; Ed25519).
    pub fn signature_algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        match self {
            Key::Rsa(_) => &rcgen::PKCS_RSA_SHA256,
            Key::Ecdsa {
                curve: Curve::P384, ..
            } => &rcgen::PKCS_ECDSA_P384_SHA384,
            Key::Ecdsa {
                curve: Curve::P521, ..
            } => &rcgen::PKCS_ECDSA_P521_SHA512,
            Key::Ecdsa { .. } => &rcgen::PKCS_ECDSA_P256_SHA256,
            Key::Ed25519 { .. } => &rcgen::PKCS_ED25519,
        }
    }

    /// A signature of `msg` with this key.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            Key::Rsa(k) => {
                let digest = <rsa::sha2::Sha256 as rsa::sha2::Digest>::digest(msg);
                k.sign(rsa::Pkcs1v15Sign::new::<rsa::sha2::Sha256>(), &digest)
                    .map_err(|e| e.to_string())
            }
            Key::Ecdsa { curve, d, public } => {
                let alg = curve.signing().ok_or_else(Curve::unsupported)?;
                let kp = aws_lc_rs::signature::EcdsaKeyPair::from_private_key_and_public_key(
                    alg, d, public,
                )
                .map_err(|e| e.to_string())?;
                kp.sign(&aws_lc_rs::rand::SystemRandom::new(), msg)
                    .map(|s| s.as_ref().to_vec())
                    .map_err(|e| e.to_string())
            }
            Key::Ed25519 { seed, .. } => {
                let kp = aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(seed)
                    .map_err(|e| e.to_string())?;
                Ok(kp.sign(msg).as_ref().to_vec())
            }
        }
    }
}

/// A key with its public bits at hand, as rcgen signs with it.
#[derive(Debug, Clone)]
pub struct Signer {
    /// The key.
    pub key: Key,
    bits: Vec<u8>,
}

impl Signer {
    /// The signer of a key.
    pub fn new(key: Key) -> Self {
        let bits = key.public_bits();
        Signer { key, bits }
    }
}

impl rcgen::PublicKeyData for Signer {
    fn der_bytes(&self) -> &[u8] {
        &self.bits
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        self.key.signature_algorithm()
    }
}

impl rcgen::SigningKey for Signer {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.key.sign(msg).map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_their_encodings() {
        let mut rng = SeededRng::new(1, "keys");
        for (alg, curve) in [
            ("ED25519", ""),
            ("ECDSA", "P256"),
            ("ECDSA", "P384"),
            ("ECDSA", "P521"),
            ("RSA", ""),
        ] {
            let k = Key::generate(alg, 1024, curve, &mut rng).unwrap();
            for text in [k.private_pem(), k.pkcs8_pem(), k.private_openssh(&mut rng)] {
                let back =
                    Key::from_pem(&text).unwrap_or_else(|e| panic!("{alg} {curve}: {e}\n{text}"));
                assert_eq!(back.spki_der(), k.spki_der(), "{alg} {curve}");
            }
            let der_bytes = k.spki_der();
            let spki = x509_parser::prelude::FromDer::from_der(&der_bytes[..]);
            let (_, spki): (_, x509_parser::x509::SubjectPublicKeyInfo) = spki.unwrap();
            assert_eq!(
                spki.subject_public_key.data.as_ref(),
                k.public_bits().as_slice()
            );
            assert!(k.public_openssh().ends_with('\n'));
            assert!(k.fingerprint_sha256().starts_with("SHA256:"));
            assert_eq!(k.fingerprint_md5().len(), 47);
        }
        assert!(
            Key::generate("ECDSA", 0, "P224", &mut rng)
                .unwrap_err()
                .contains("P224")
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_key() {
        let a = Key::generate("ECDSA", 0, "P256", &mut SeededRng::new(5, "k")).unwrap();
        let b = Key::generate("ECDSA", 0, "P256", &mut SeededRng::new(5, "k")).unwrap();
        assert_eq!(a.private_pem(), b.private_pem());
        let a = Key::generate("RSA", 1024, "", &mut SeededRng::new(5, "k")).unwrap();
        let b = Key::generate("RSA", 1024, "", &mut SeededRng::new(5, "k")).unwrap();
        assert_eq!(a.private_pem(), b.private_pem());
    }
}
