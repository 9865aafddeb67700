//! Keys in OpenSSH's formats: the wire form of public keys (authorized
//! keys lines and their fingerprints) and unencrypted `openssh-key-v1`
//! private keys, written as Go's `x/crypto/ssh` writes them and read back.

use base64::Engine as _;
use md5::Digest as _;
use rsa::pkcs1::EncodeRsaPrivateKey as _;

use super::der::pem;
use super::keys::{Curve, Key, ecdsa, ed25519, integers};
use crate::tftest::providers::builtin::rng::SeededRng;

/// A reader of SSH wire data.
struct SshReader<'a>(&'a [u8]);

impl SshReader<'_> {
    fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(u32::from_be_bytes(*head))
    }

    fn string(&mut self) -> Option<Vec<u8>> {
        let n = self.u32()? as usize;
        let v = self.0.get(..n)?.to_vec();
        self.0 = &self.0[n..];
        Some(v)
    }
}

/// The bytes of an SSH wire `string`.
fn ssh_string(b: &[u8]) -> Vec<u8> {
    let mut out = (b.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(b);
    out
}

/// An SSH `mpint` from big-endian unsigned bytes.
fn ssh_mpint(b: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = b.iter().copied().skip_while(|x| *x == 0).collect();
    if v.first().is_some_and(|x| x & 0x80 != 0) {
        v.insert(0, 0);
    }
    ssh_string(&v)
}

impl Key {
    /// A key from the content of an `OPENSSH PRIVATE KEY` PEM block.
    pub(super) fn from_openssh(blob: &[u8]) -> Result<Key, String> {
        let bad = || "failed to parse openssh private key".to_string();
        let mut r = SshReader(blob.strip_prefix(b"openssh-key-v1\0").ok_or_else(bad)?);
        if r.string().ok_or_else(bad)? != b"none" {
            return Err("openssh private keys protected by a passphrase are not supported".into());
        }
        let _kdf = r.string().ok_or_else(bad)?;
        let _kdf_opts = r.string().ok_or_else(bad)?;
        let _count = r.u32().ok_or_else(bad)?;
        let _public = r.string().ok_or_else(bad)?;
        let private = r.string().ok_or_else(bad)?;
        let mut p = SshReader(private.get(8..).ok_or_else(bad)?);
        let mut field = || p.string().ok_or_else(bad);
        let kind = String::from_utf8(field()?).map_err(|_| bad())?;
        match kind.as_str() {
            "ssh-ed25519" => {
                let _pub = field()?;
                let both = field()?;
                let seed: [u8; 32] = both
                    .get(..32)
                    .ok_or_else(bad)?
                    .try_into()
                    .map_err(|_| bad())?;
                ed25519(seed)
            }
            "ssh-rsa" => {
                let (n, e, d, _iqmp, p1, q) =
                    (field()?, field()?, field()?, field()?, field()?, field()?);
                let u = |b: &[u8]| rsa::BoxedUint::from_be_slice_vartime(b);
                rsa::PrivateKey::from_components(u(&n), u(&e), u(&d), vec![u(&p1), u(&q)])
                    .map(|k| Key::Rsa(Box::new(k)))
                    .map_err(|e| format!("{}: {e}", bad()))
            }
            k if k.starts_with("ecdsa-sha2-") => {
                let curve = match String::from_utf8(field()?).unwrap_or_default().as_str() {
                    "nistp256" => Curve::P256,
                    "nistp384" => Curve::P384,
                    "nistp521" => Curve::P521,
                    _ => return Err(bad()),
                };
                let _point = field()?;
                let d: Vec<u8> = field()?.into_iter().skip_while(|b| *b == 0).collect();
                ecdsa(curve, &d)
            }
            _ => Err(format!("{}: unsupported key type {kind:?}", bad())),
        }
    }

    fn ssh_type(&self) -> String {
        match self {
            Key::Rsa(_) => "ssh-rsa".into(),
            Key::Ecdsa { curve, .. } => format!("ecdsa-sha2-{}", curve.ssh_name()),
            Key::Ed25519 { .. } => "ssh-ed25519".into(),
        }
    }

    /// The public key in SSH wire format.
    fn ssh_wire(&self) -> Vec<u8> {
        let mut out = ssh_string(self.ssh_type().as_bytes());
        match self {
            Key::Rsa(_) => {
                let ints = integers(&self.public_bits());
                out.extend(ssh_mpint(ints.get(1).map_or(&[][..], |v| v)));
                out.extend(ssh_mpint(ints.first().map_or(&[][..], |v| v)));
            }
            Key::Ecdsa { curve, public, .. } => {
                out.extend(ssh_string(curve.ssh_name().as_bytes()));
                out.extend(ssh_string(public));
            }
            Key::Ed25519 { public, .. } => out.extend(ssh_string(public)),
        }
        out
    }

    /// `public_key_openssh`: an authorized_keys line with its newline.
    pub fn public_openssh(&self) -> String {
        format!(
            "{} {}\n",
            self.ssh_type(),
            base64::engine::general_purpose::STANDARD.encode(self.ssh_wire())
        )
    }

    /// `public_key_fingerprint_md5` (`aa:bb:...`).
    pub fn fingerprint_md5(&self) -> String {
        md5::Md5::digest(self.ssh_wire())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// `public_key_fingerprint_sha256` (`SHA256:...`, unpadded base64).
    pub fn fingerprint_sha256(&self) -> String {
        let h = <sha2::Sha256 as sha2::Digest>::digest(self.ssh_wire());
        format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(h)
        )
    }

    /// `private_key_openssh`: OpenSSH's own format, unencrypted, as Go's
    /// `ssh.MarshalPrivateKey` writes it (check bytes from `rng`).
    pub fn private_openssh(&self, rng: &mut SeededRng) -> String {
        let check = rng.bytes(4);
        let mut body = check.clone();
        body.extend(check);
        body.extend(ssh_string(self.ssh_type().as_bytes()));
        match self {
            Key::Rsa(k) => {
                let der_bytes = k
                    .to_pkcs1_der()
                    .map(|d| d.as_bytes().to_vec())
                    .unwrap_or_default();
                // version, n, e, d, p, q, dp, dq, qinv
                let i = integers(&der_bytes);
                let g = |n: usize| i.get(n).cloned().unwrap_or_default();
                for v in [g(1), g(2), g(3), g(8), g(4), g(5)] {
                    body.extend(ssh_mpint(&v));
                }
            }
            Key::Ecdsa { curve, d, public } => {
                body.extend(ssh_string(curve.ssh_name().as_bytes()));
                body.extend(ssh_string(public));
                body.extend(ssh_mpint(d));
            }
            Key::Ed25519 { seed, public } => {
                body.extend(ssh_string(public));
                let mut both = seed.to_vec();
                both.extend_from_slice(public);
                body.extend(ssh_string(&both));
            }
        }
        body.extend(ssh_string(b""));
        let mut pad = 1u8;
        while !body.len().is_multiple_of(8) {
            body.push(pad);
            pad += 1;
        }
        let mut blob = b"openssh-key-v1\0".to_vec();
        blob.extend(ssh_string(b"none"));
        blob.extend(ssh_string(b"none"));
        blob.extend(ssh_string(b""));
        blob.extend(1u32.to_be_bytes());
        blob.extend(ssh_string(&self.ssh_wire()));
        blob.extend(ssh_string(&body));
        pem("OPENSSH PRIVATE KEY", &blob)
    }
}
