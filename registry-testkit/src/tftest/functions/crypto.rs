//! Crypto functions: hashes (hex and Base64), bcrypt, UUIDs and RSA
//! decryption, with Terraform's messages.

use md5::Digest as _;

use super::encoding::{b64_decode, b64_encode};
use super::{FnEnv, FnError, Function, Functions, Param, str_arg};
use crate::tftest::value::{Type, Value, go_quote};

/// A digest of `data` by name (`md5`, `sha1`, `sha256`, `sha512`).
pub(crate) fn digest(alg: &str, data: &[u8]) -> Vec<u8> {
    match alg {
        "md5" => md5::Md5::digest(data).to_vec(),
        "sha1" => sha1::Sha1::digest(data).to_vec(),
        "sha256" => <sha2::Sha256 as sha2::Digest>::digest(data).to_vec(),
        _ => <sha2::Sha512 as sha2::Digest>::digest(data).to_vec(),
    }
}

fn md5(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(hex::encode(digest(
        "md5",
        str_arg(a, 0).as_bytes(),
    ))))
}

fn sha1(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(hex::encode(digest(
        "sha1",
        str_arg(a, 0).as_bytes(),
    ))))
}

fn sha256(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(hex::encode(digest(
        "sha256",
        str_arg(a, 0).as_bytes(),
    ))))
}

fn sha512(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(hex::encode(digest(
        "sha512",
        str_arg(a, 0).as_bytes(),
    ))))
}

fn base64sha256(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(b64_encode(&digest(
        "sha256",
        str_arg(a, 0).as_bytes(),
    ))))
}

fn base64sha512(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(b64_encode(&digest(
        "sha512",
        str_arg(a, 0).as_bytes(),
    ))))
}

fn bcrypt(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let mut cost = 10;
    if let Some(c) = a.get(1) {
        cost = c.as_number().and_then(|n| n.to_i64()).ok_or_else(|| {
            FnError::call(
                "value must be a whole number, between -9223372036854775808 and 9223372036854775807",
            )
        })?;
    }
    if a.len() > 2 {
        return Err(FnError::call("bcrypt() takes no more than two arguments"));
    }
    let input = str_arg(a, 0);
    if input.len() > 72 {
        return Err(FnError::call(
            "error occured generating password bcrypt: password length exceeds 72 bytes",
        ));
    }
    if cost > 31 {
        return Err(FnError::call(format!(
            "error occured generating password crypto/bcrypt: cost {cost} is outside allowed range (4,31)"
        )));
    }
    if cost < 4 {
        cost = 10;
    }
    let parts = ::bcrypt::hash_with_result(input, cost as u32)
        .map_err(|e| FnError::call(format!("error occured generating password {e}")))?;
    Ok(Value::string(
        parts.format_for_version(::bcrypt::Version::TwoA),
    ))
}

fn uuid(_: &FnEnv, _: &[Value]) -> Result<Value, FnError> {
    Ok(Value::string(::uuid::Uuid::new_v4().to_string()))
}

/// Parse a UUID as Go's `github.com/google/uuid` does, with its messages.
fn parse_uuid(s: &str) -> Result<::uuid::Uuid, String> {
    let hex_pair = |b: &[u8]| -> Option<u8> {
        let h = (b[0] as char).to_digit(16)?;
        let l = (b[1] as char).to_digit(16)?;
        Some((h * 16 + l) as u8)
    };
    let bad = || "invalid UUID format".to_string();
    let bytes = s.as_bytes();
    let body: &[u8] = match bytes.len() {
        36 => bytes,
        45 => {
            if !bytes[..9].eq_ignore_ascii_case(b"urn:uuid:") {
                return Err(format!(
                    "invalid urn prefix: {}",
                    go_quote(&String::from_utf8_lossy(&bytes[..9]))
                ));
            }
            &bytes[9..]
        }
        38 => &bytes[1..],
        32 => {
            let mut out = [0u8; 16];
            for (i, o) in out.iter_mut().enumerate() {
                *o = hex_pair(&bytes[i * 2..i * 2 + 2]).ok_or_else(bad)?;
            }
            return Ok(::uuid::Uuid::from_bytes(out));
        }
        n => return Err(format!("invalid UUID length: {n}")),
    };
    if body[8] != b'-' || body[13] != b'-' || body[18] != b'-' || body[23] != b'-' {
        return Err(bad());
    }
    const AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
    let mut out = [0u8; 16];
    for (o, &x) in out.iter_mut().zip(AT.iter()) {
        *o = hex_pair(&body[x..x + 2]).ok_or_else(bad)?;
    }
    Ok(::uuid::Uuid::from_bytes(out))
}

fn uuidv5(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    let ns_text = str_arg(a, 0);
    let ns = match ns_text {
        "dns" => ::uuid::Uuid::NAMESPACE_DNS,
        "url" => ::uuid::Uuid::NAMESPACE_URL,
        "oid" => ::uuid::Uuid::NAMESPACE_OID,
        "x500" => ::uuid::Uuid::NAMESPACE_X500,
        other => parse_uuid(other).map_err(|e| {
            FnError::call(format!(
                "uuidv5() doesn't support namespace {ns_text} ({e})"
            ))
        })?,
    };
    Ok(Value::string(
        ::uuid::Uuid::new_v5(&ns, str_arg(a, 1).as_bytes()).to_string(),
    ))
}

fn rsadecrypt(_: &FnEnv, a: &[Value]) -> Result<Value, FnError> {
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::pkcs8::DecodePrivateKey as _;
    let text = str_arg(a, 0);
    let cipher = b64_decode(text).map_err(|_| {
        FnError::arg(
            0,
            format!(
                "failed to decode input {}: cipher text must be base64-encoded",
                go_quote(text)
            ),
        )
    })?;
    let pem = str_arg(a, 1);
    let asn1 = |e: String| {
        FnError::arg(
            1,
            format!("invalid ASN1 data in the given private key: {e}"),
        )
    };
    let key = if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
        rsa::PrivateKey::from_pkcs1_pem(pem.trim()).map_err(|e| asn1(e.to_string()))?
    } else if pem.contains("-----BEGIN PRIVATE KEY-----") {
        rsa::PrivateKey::from_pkcs8_pem(pem.trim()).map_err(|e| asn1(e.to_string()))?
    } else if let Some(kind) = pem
        .split("-----BEGIN ")
        .nth(1)
        .and_then(|r| r.split("-----").next())
    {
        return Err(FnError::arg(
            1,
            format!(
                "invalid private key: ssh: unsupported key type {}",
                go_quote(kind)
            ),
        ));
    } else {
        return Err(FnError::arg(1, "invalid private key: ssh: no key found"));
    };
    let failed = || FnError::call("failed to decrypt: crypto/rsa: decryption error");
    // The rsa crate rejects bad padding implicitly (a synthetic message
    // rather than an error); such a message is almost never UTF-8.
    let out = key
        .decrypt(rsa::Pkcs1v15Encrypt, &cipher)
        .map_err(|_| failed())?;
    String::from_utf8(out)
        .map(Value::string)
        .map_err(|_| failed())
}

/// Register the crypto functions.
pub fn register(f: &mut Functions) {
    let s = |name: &'static str| Param::new(name, Type::String);
    let one = |imp: super::Impl| Function::new(vec![s("str")], Type::String, imp);
    f.add("md5", one(md5));
    f.add("sha1", one(sha1));
    f.add("sha256", one(sha256));
    f.add("sha512", one(sha512));
    f.add("base64sha256", one(base64sha256));
    f.add("base64sha512", one(base64sha512));
    f.add(
        "bcrypt",
        one(bcrypt).variadic(Param::new("cost", Type::Number)),
    );
    f.add("uuid", Function::new(vec![], Type::String, uuid));
    f.add(
        "uuidv5",
        Function::new(vec![s("namespace"), s("name")], Type::String, uuidv5),
    );
    f.add(
        "rsadecrypt",
        Function::new(
            vec![s("ciphertext"), s("privatekey")],
            Type::String,
            rsadecrypt,
        ),
    );
}

#[cfg(test)]
mod tests {
    use crate::tftest::eval::{MapScope, eval_text};
    use crate::tftest::functions::Functions;
    use crate::tftest::value::Value;

    const KEY_PKCS1: &str = "-----BEGIN RSA PRIVATE KEY-----
MIICXAIBAAKBgQC2TEST
-----END RSA PRIVATE KEY-----
";

    fn scope() -> MapScope {
        let mut names = MapScope::default();
        names.0.insert(
            "k".into(),
            Value::object_from([
                ("pkcs1", Value::string(TEST_KEY_PKCS1)),
                ("pkcs8", Value::string(TEST_KEY_PKCS8)),
                ("other", Value::string(TEST_KEY_OTHER)),
                ("bad", Value::string(KEY_PKCS1)),
                ("ct", Value::string(TEST_CIPHERTEXT)),
            ]),
        );
        names
    }

    fn ev(text: &str) -> Value {
        eval_text(text, &scope(), &Functions::default()).unwrap_or_else(|d| panic!("{text}: {d}"))
    }

    fn st(text: &str) -> String {
        ev(text).as_str().expect("a string").to_string()
    }

    fn err(text: &str) -> (String, String) {
        let d = eval_text(text, &scope(), &Functions::default()).expect_err(text);
        (d.summary, d.detail)
    }

    #[test]
    fn hashes_match_terraform() {
        assert_eq!(st(r#"md5("hello")"#), "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(
            st(r#"sha1("hello")"#),
            "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
        );
        assert_eq!(
            st(r#"sha256("hello")"#),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(
            st(r#"sha512("hello")"#),
            "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"
        );
        assert_eq!(
            st(r#"base64sha256("hello")"#),
            "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
        );
        assert_eq!(
            st(r#"base64sha512("hello")"#),
            "m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw=="
        );
    }

    #[test]
    fn bcrypt_hashes_verify() {
        let h = st(r#"bcrypt("x", 4)"#);
        assert_eq!(h.len(), 60);
        assert!(h.starts_with("$2a$04$"), "{h}");
        assert!(::bcrypt::verify("x", &h).unwrap());
        assert!(
            st(r#"bcrypt("x", 3)"#).starts_with("$2a$10$"),
            "low cost is the default"
        );
        assert_ne!(st(r#"bcrypt("x", 4)"#), h, "salted");
        let (summary, detail) = err(r#"bcrypt("x", 32)"#);
        assert_eq!(summary, "Error in function call");
        assert_eq!(
            detail,
            "Call to function \"bcrypt\" failed: error occured generating password crypto/bcrypt: cost 32 is outside allowed range (4,31)."
        );
        assert_eq!(
            err(r#"bcrypt("x", 1.5)"#).1,
            "Call to function \"bcrypt\" failed: value must be a whole number, between -9223372036854775808 and 9223372036854775807."
        );
        assert_eq!(
            err(r#"bcrypt("x", 4, 5)"#).1,
            "Call to function \"bcrypt\" failed: bcrypt() takes no more than two arguments."
        );
        assert_eq!(
            err(&format!("bcrypt(\"{}\", 4)", "a".repeat(73))).1,
            "Call to function \"bcrypt\" failed: error occured generating password bcrypt: password length exceeds 72 bytes."
        );
    }

    #[test]
    fn uuids() {
        let u = st("uuid()");
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_ne!(u, st("uuid()"));
        assert_eq!(
            st(r#"uuidv5("dns", "www.terraform.io")"#),
            "a5008fae-b28c-5ba5-96cd-82b4c53552d6"
        );
        assert_eq!(
            st(r#"uuidv5("url", "x")"#),
            "4cd605e7-afa2-5360-b5b9-c5e9fb5c76f4"
        );
        assert_eq!(
            st(r#"uuidv5("oid", "x")"#),
            "8558d34a-d3c6-5881-a6e3-bf8f3e6110ea"
        );
        assert_eq!(
            st(r#"uuidv5("x500", "x")"#),
            "456e503f-63e3-56c1-b807-4cd79bf8cc22"
        );
        assert_eq!(
            st(r#"uuidv5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.terraform.io")"#),
            "a5008fae-b28c-5ba5-96cd-82b4c53552d6"
        );
        for ns in [
            "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
            "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
            "6ba7b8109dad11d180b400c04fd430c8",
        ] {
            assert_eq!(
                st(&format!("uuidv5(\"{ns}\", \"x\")")),
                "05b16a01-46c6-56dd-bd6e-c6dfb4a1427a"
            );
        }
        assert_eq!(
            err(r#"uuidv5("nope", "x")"#).1,
            "Call to function \"uuidv5\" failed: uuidv5() doesn't support namespace nope (invalid UUID length: 4)."
        );
        assert_eq!(
            err(r#"uuidv5("6ba7b810-9dad-11d1-80b4-00c04fd430cZ", "x")"#).1,
            "Call to function \"uuidv5\" failed: uuidv5() doesn't support namespace 6ba7b810-9dad-11d1-80b4-00c04fd430cZ (invalid UUID format)."
        );
        assert_eq!(
            err(r#"uuidv5("urn:uuix:6ba7b810-9dad-11d1-80b4-00c04fd430c8", "x")"#).1,
            "Call to function \"uuidv5\" failed: uuidv5() doesn't support namespace urn:uuix:6ba7b810-9dad-11d1-80b4-00c04fd430c8 (invalid urn prefix: \"urn:uuix:\")."
        );
    }

    #[test]
    fn rsadecrypt_matches_terraform() {
        assert_eq!(st("rsadecrypt(k.ct, k.pkcs1)"), "hello world");
        assert_eq!(st("rsadecrypt(k.ct, k.pkcs8)"), "hello world");
        assert_eq!(
            err("rsadecrypt(k.ct, k.other)"),
            (
                "Error in function call".to_string(),
                "Call to function \"rsadecrypt\" failed: failed to decrypt: crypto/rsa: decryption error."
                    .to_string()
            )
        );
        assert_eq!(
            err(r#"rsadecrypt("!!", "x")"#),
            (
                "Invalid function argument".to_string(),
                "Invalid value for \"ciphertext\" parameter: failed to decode input \"!!\": cipher text must be base64-encoded.".to_string()
            )
        );
        assert_eq!(
            err(r#"rsadecrypt("aGVsbG8=", "x")"#).1,
            "Invalid value for \"privatekey\" parameter: invalid private key: ssh: no key found."
        );
        assert!(
            err(r#"rsadecrypt("aGVsbG8=", k.bad)"#)
                .1
                .starts_with("Invalid value for \"privatekey\" parameter: invalid ASN1 data in the given private key: ")
        );
    }

    // Test-only 1024-bit keys (openssl genrsa); the ciphertext is
    // "hello world" encrypted to the first with PKCS#1 v1.5 padding, which
    // `terraform console` decrypts with either encoding of the key.
    const TEST_CIPHERTEXT: &str = "eTLbVGMG9JD9/YeNbLgpwiVGnpCVthgPPloW43bIGVjXin8MgKoSZtlyHnf8hPo+7Uc73z5ZCG6++m5ZSE/u1h9RWGse0g6goSBosXmZ07UVMd7PfrvnXKT5xWGONKGTZE6afKSbN9+IhBzJ1b5WZVWZjs1SZ7KkoAIkD+OiqA0=";
    const TEST_KEY_PKCS1: &str = "-----BEGIN RSA PRIVATE KEY-----
MIICXQIBAAKBgQDnD1XaDldXPpMOkvv/BPcG2sA4xqBr1wMf93pB9gcVlskmA5ME
BFBlL/PbTmuj8Xdnmukp4wJr/lNTr0eWSrb779chIVArgBrGUmt6S/ofH1gM7WW4
z/fZkNwKc7lws5B0Cau5jmSGr1xFWX1QrGRSrw+WE1RNsT+urTDwlmbflQIDAQAB
AoGBALD6AQL82w8bAZ43HMbO8bqRUIvsLzGKRX11m3HsVK7HiJgSQsff2gg2+2vt
m+q9Z3y2nYKUuuUmroI5jfZikdXf3oUZIw/NB/P+/aBseMonIevkVaGukQW9xPfv
4dksEav7/Jj758D2vr+7ZdlbVLHsJMrM5Kwsk1jKRXaKU++hAkEA9ZsQwVLfBK3h
VZPQv7Fm47KFxzUC63X4plQi37RRP/Fk4b/yVg75X8ykMfABVJybnM61IZdMLLl1
Z9rgtuRnOQJBAPDWrZDm3qPOxEMIzDtgyG5B96l5eIZAm8CUnXT5DmNFlg92yAng
GMKUqSKWOc9nPSirQgcYJBLIlkEYzDvtfz0CQFfrHmBV7geaxuL/euZj9tTjfwgE
bfsjy9Keo604uy0MmHRHZdRwn8wvUUefBprnRL0pMaXIpzgLW3/F1lMiB+ECQH1z
tjGWsT6uw/kPKiN8BKu6XSHAjpGQMhGc2HBIE8COTN59RzIts3gYLApCKpbo9iir
HNfJMXE/X1VFb41/5xkCQQC9iHlm85F3pvQfigJ+Yt4E1qxkElZlYwnQLpZHBmhr
I12jtY2lYwtVHSlqYyU5whprluz9iYYTie+PQjwiT11h
-----END RSA PRIVATE KEY-----
";
    const TEST_KEY_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAOcPVdoOV1c+kw6S
+/8E9wbawDjGoGvXAx/3ekH2BxWWySYDkwQEUGUv89tOa6Pxd2ea6SnjAmv+U1Ov
R5ZKtvvv1yEhUCuAGsZSa3pL+h8fWAztZbjP99mQ3ApzuXCzkHQJq7mOZIavXEVZ
fVCsZFKvD5YTVE2xP66tMPCWZt+VAgMBAAECgYEAsPoBAvzbDxsBnjccxs7xupFQ
i+wvMYpFfXWbcexUrseImBJCx9/aCDb7a+2b6r1nfLadgpS65SaugjmN9mKR1d/e
hRkjD80H8/79oGx4yich6+RVoa6RBb3E9+/h2SwRq/v8mPvnwPa+v7tl2VtUsewk
yszkrCyTWMpFdopT76ECQQD1mxDBUt8EreFVk9C/sWbjsoXHNQLrdfimVCLftFE/
8WThv/JWDvlfzKQx8AFUnJuczrUhl0wsuXVn2uC25Gc5AkEA8NatkObeo87EQwjM
O2DIbkH3qXl4hkCbwJSddPkOY0WWD3bICeAYwpSpIpY5z2c9KKtCBxgkEsiWQRjM
O+1/PQJAV+seYFXuB5rG4v965mP21ON/CARt+yPL0p6jrTi7LQyYdEdl1HCfzC9R
R58GmudEvSkxpcinOAtbf8XWUyIH4QJAfXO2MZaxPq7D+Q8qI3wEq7pdIcCOkZAy
EZzYcEgTwI5M3n1HMi2zeBgsCkIqluj2KKsc18kxcT9fVUVvjX/nGQJBAL2IeWbz
kXem9B+KAn5i3gTWrGQSVmVjCdAulkcGaGsjXaO1jaVjC1UdKWpjJTnCGmuW7P2J
hhOJ749CPCJPXWE=
-----END PRIVATE KEY-----
";
    const TEST_KEY_OTHER: &str = "-----BEGIN PRIVATE KEY-----
MIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBALELQ6DfzlZBXKd0
HUF55sDBnMBGKaApnf78iPlVhlVge95HmXQFUiR11ozR8nJxWfebn7LXSYc3keUm
O0775iKz76gBaKbw3DC5ILoGJ4rXYrARk1SIf/V9zLrzm/BCc3rYcHUU81iZ0G46
1SVpMzWf83zLHfxp3rY3ENygclphAgMBAAECgYBZirLnmIoJQgGUh7uMNBUrBEE9
Vb8TzDimkB7OzBym7ad4YooQDejfm+GpUz3l98Ji4wjAMPZ1NvvJA68XYXug1g6W
na6ExarD209XQ1WSgY8+BAmRe+9qRQvh9w0ZTVP/9guh0YeDeWTntQCJi80sUN6d
JkEFESvUE00tq8xR6QJBAN2oi1xdaDvqCs6V7K8Db/yvEOBa04K/ZmVrN23DmuZi
TqLRVmmQzEYKvS7AS44hDNImEbo4HL5Bop2vOaWczRcCQQDMeTdVr1U6EfD6uKDd
Irs61D+wsOZvQyz1ROYBJhMS9nSH9MnzP6lYQ6rSpfg0w9fYyxne8Q/8jEa4KD6F
i+9HAkBNKiKx2fayfOycNIc7+idfQRbP8+6UIsuj3Opj9OeU8n5LojLB912VuKFZ
iCoFZa4P7p7XRDeFaFYTLPAVnnurAkAH6LxqNRD/4QfIOvIF+7zwRpt8EyumrBuG
FTcsXjOorR3O0HorTZAYWO23njHeoKCtwxVqGTr8EtT9dJkOg14rAkBpn1SI8GBF
MjZ6RQwIcoz+r0ACuiRiw5ezV9xrM6gIkqR6EqWjifrYVyJXXgp4RT45fMf4WNm6
eN0XpGrQxy3W
-----END PRIVATE KEY-----
";
}
