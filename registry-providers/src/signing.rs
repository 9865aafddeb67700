//! The OpenPGP side of the provider registry protocol: a namespace's
//! signing key (RSA 4096, v4, one primary that certifies and signs, no
//! subkeys: what Go's old `x/crypto/openpgp`, Terraform's verifier, reads;
//! it has no Ed25519), binary detached signatures over `SHA256SUMS`, and
//! verification with the keys an upstream publishes (subkeys included:
//! HashiCorp signs with a subkey).

use pgp::composed::{
    ArmorOptions, Deserializable, DetachedSignature, EncryptionCaps, KeyType,
    SecretKeyParamsBuilder, SignedPublicKey, SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::SignatureType;
use pgp::ser::Serialize;
use pgp::types::{KeyDetails, KeyId, KeyVersion, Password};
use registry_core::{Error, ErrorKind, Result};

/// Bits of a generated RSA key.
pub const KEY_BITS: usize = 4096;

fn pgp_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::invalid_input(format!("{what}: {e}"))
}

fn hex_id(id: &KeyId) -> String {
    hex::encode_upper(id.as_ref())
}

/// A private signing key the registry holds for a namespace. Its secret
/// never leaves through `Debug` or `Display`.
#[derive(Clone)]
pub struct SigningKey {
    secret: SignedSecretKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

/// A public key as the provider registry protocol's download answer
/// carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// The 64-bit key id, 16 uppercase hex digits.
    pub key_id: String,
    /// The ASCII-armored public key.
    pub ascii_armor: String,
}

impl SigningKey {
    /// A new key whose user id is `user_id` (`Registry provider key for acme`).
    pub fn generate(user_id: &str) -> Result<Self> {
        let mut params = SecretKeyParamsBuilder::default();
        params
            .version(KeyVersion::V4)
            .key_type(KeyType::Rsa(KEY_BITS as u32))
            .can_certify(true)
            .can_sign(true)
            .can_encrypt(EncryptionCaps::None)
            .primary_user_id(user_id.into());
        let params = params
            .build()
            .map_err(|e| pgp_error("provider key parameters", e))?;
        let secret = params
            .generate(rand08::thread_rng())
            .map_err(|e| pgp_error("generating the provider key", e))?;
        Ok(SigningKey { secret })
    }

    /// A key from its armored secret form ([`SigningKey::to_armored`]).
    pub fn from_armored(text: &str) -> Result<Self> {
        let (secret, _) = SignedSecretKey::from_string(text)
            .map_err(|e| pgp_error("not an armored OpenPGP secret key", e))?;
        secret
            .verify_bindings()
            .map_err(|e| pgp_error("the secret key's self-signatures do not verify", e))?;
        Ok(SigningKey { secret })
    }

    /// The armored secret key, for a store that keeps it encrypted.
    pub fn to_armored(&self) -> Result<String> {
        self.secret
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| pgp_error("armoring the provider key", e))
    }

    /// The 64-bit key id, 16 uppercase hex digits.
    pub fn key_id(&self) -> String {
        hex_id(&self.secret.legacy_key_id())
    }

    /// The public half, armored, as Terraform reads it.
    pub fn public_key(&self) -> Result<PublicKey> {
        let public = self.secret.to_public_key();
        Ok(PublicKey {
            key_id: self.key_id(),
            ascii_armor: public
                .to_armored_string(ArmorOptions::default())
                .map_err(|e| pgp_error("armoring the public key", e))?,
        })
    }

    /// A binary detached signature over `data` (a `SHA256SUMS` document),
    /// SHA-256, with the issuer subpackets Go's verifier looks for.
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>> {
        let sig = DetachedSignature::sign_binary_data(
            rand08::thread_rng(),
            &self.secret.primary_key,
            &Password::empty(),
            HashAlgorithm::Sha256,
            data,
        )
        .map_err(|e| pgp_error("signing", e))?;
        sig.to_bytes()
            .map_err(|e| pgp_error("writing the signature", e))
    }
}

/// The key id of an armored public key (16 uppercase hex digits), with
/// its self-signatures checked.
pub fn public_key_id(armored: &str) -> Result<String> {
    let (key, _) = SignedPublicKey::from_string(armored)
        .map_err(|e| pgp_error("not an armored OpenPGP public key", e))?;
    key.verify_bindings()
        .map_err(|e| pgp_error("the public key's self-signatures do not verify", e))?;
    Ok(hex_id(&key.legacy_key_id()))
}

/// Check a detached signature (binary, or armored) over `data` against
/// any of `armored_keys` (primary keys and signing subkeys), as Terraform
/// does; the id of the key that made it. A signature by none of them, or
/// one that does not verify, is a `Forbidden`-free `InvalidInput` naming
/// why: nothing signed by it may be trusted.
pub fn verify_detached(armored_keys: &[&str], signature: &[u8], data: &[u8]) -> Result<String> {
    verify_detached_by(armored_keys, signature, data).map(|(_, id)| id)
}

/// [`verify_detached`], also saying which of `armored_keys` holds the key
/// that signed (its index), since the signer may be one of its subkeys.
pub fn verify_detached_by(
    armored_keys: &[&str],
    signature: &[u8],
    data: &[u8],
) -> Result<(usize, String)> {
    let sig = if signature.starts_with(b"-----BEGIN") {
        DetachedSignature::from_armor_single(signature)
            .map(|(s, _)| s)
            .map_err(|e| pgp_error("not an OpenPGP signature", e))?
    } else {
        DetachedSignature::from_bytes(signature)
            .map_err(|e| pgp_error("not an OpenPGP signature", e))?
    };
    if !matches!(
        sig.signature.typ(),
        Some(SignatureType::Binary | SignatureType::Text)
    ) {
        return Err(Error::invalid_input(
            "the signature is not a signature over a document",
        ));
    }
    let issuers: Vec<KeyId> = sig.signature.issuer_key_id().into_iter().cloned().collect();
    for (index, armored) in armored_keys.iter().enumerate() {
        let (key, _) = SignedPublicKey::from_string(armored)
            .map_err(|e| pgp_error("not an armored OpenPGP public key", e))?;
        if issuers.contains(&key.legacy_key_id()) {
            key.verify_bindings()
                .map_err(|e| pgp_error("the signing key's self-signatures do not verify", e))?;
            sig.verify(&key.primary_key, data)
                .map_err(|_| bad_signature())?;
            return Ok((index, hex_id(&key.legacy_key_id())));
        }
        for sub in &key.public_subkeys {
            let may_sign = sub.signatures.iter().any(|b| b.key_flags().sign());
            if may_sign && issuers.contains(&sub.key.legacy_key_id()) {
                sub.verify_bindings(&key.primary_key)
                    .map_err(|e| pgp_error("the signing subkey's binding does not verify", e))?;
                sig.verify(&sub.key, data).map_err(|_| bad_signature())?;
                return Ok((index, hex_id(&sub.key.legacy_key_id())));
            }
        }
    }
    Err(Error::new(
        ErrorKind::InvalidInput,
        format!(
            "the signature was made by key {} which is none of the keys given",
            issuers
                .first()
                .map(hex_id)
                .unwrap_or_else(|| "(no issuer)".into())
        ),
    ))
}

fn bad_signature() -> Error {
    Error::invalid_input(
        "the signature does not verify: the document is not the one that was signed",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_signs_and_its_public_key_verifies() {
        let key = SigningKey::generate("Registry provider key for acme").unwrap();
        let public = key.public_key().unwrap();
        assert_eq!(public.key_id.len(), 16);
        assert!(
            public
                .ascii_armor
                .starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----")
        );
        assert_eq!(public_key_id(&public.ascii_armor).unwrap(), public.key_id);
        assert!(!format!("{key:?}").contains("BEGIN"), "no secret in Debug");

        let sums = b"abc  terraform-provider-x_1.0.0_linux_amd64.zip\n";
        let sig = key.sign(sums).unwrap();
        assert_eq!(
            verify_detached(&[&public.ascii_armor], &sig, sums).unwrap(),
            public.key_id
        );
        // Changed bytes, another key, garbage: all refused.
        let e = verify_detached(&[&public.ascii_armor], &sig, b"abd").unwrap_err();
        assert!(e.to_string().contains("does not verify"), "{e}");
        let other = SigningKey::generate("other").unwrap().public_key().unwrap();
        let e = verify_detached(&[&other.ascii_armor], &sig, sums).unwrap_err();
        assert!(e.to_string().contains("none of the keys given"), "{e}");
        assert!(verify_detached(&[&public.ascii_armor], b"junk", sums).is_err());

        // The armored secret round-trips.
        let again = SigningKey::from_armored(&key.to_armored().unwrap()).unwrap();
        assert_eq!(again.key_id(), key.key_id());
        let sig2 = again.sign(sums).unwrap();
        verify_detached(&[&other.ascii_armor, &public.ascii_armor], &sig2, sums).unwrap();
    }
}
