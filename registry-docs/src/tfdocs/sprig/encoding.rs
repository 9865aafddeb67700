//! sprig's encoding and checksum functions: `b64enc`, `b64dec`, `b32enc`,
//! `b32dec`, `sha1sum`, `sha256sum`, `adler32sum` and `fromJson`.

use base64::Engine as _;
use gotmpl::{Template, Value};
use sha1::Digest as _;
use sha2::Digest as _;

use super::{str_arg, value_of_json};

/// Adler-32 (RFC 1950) of `data`: eight lines, not worth a crate.
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Decoded bytes as text, or the error's text as sprig returns it.
fn decoded(result: Result<Vec<u8>, String>) -> Value {
    match result {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned().into(),
        Err(e) => e.into(),
    }
}

/// Register the encoding functions on `t`.
pub(super) fn register(t: Template) -> Template {
    t.func("b64enc", |a| {
        Ok(base64::engine::general_purpose::STANDARD
            .encode(str_arg("b64enc", a, 0)?)
            .into())
    })
    .func("b64dec", |a| {
        Ok(decoded(
            base64::engine::general_purpose::STANDARD
                .decode(str_arg("b64dec", a, 0)?)
                .map_err(|e| e.to_string()),
        ))
    })
    .func("b32enc", |a| {
        Ok(data_encoding::BASE32
            .encode(str_arg("b32enc", a, 0)?.as_bytes())
            .into())
    })
    .func("b32dec", |a| {
        Ok(decoded(
            data_encoding::BASE32
                .decode(str_arg("b32dec", a, 0)?.as_bytes())
                .map_err(|e| e.to_string()),
        ))
    })
    .func("sha1sum", |a| {
        Ok(hex::encode(sha1::Sha1::digest(str_arg("sha1sum", a, 0)?)).into())
    })
    .func("sha256sum", |a| {
        Ok(hex::encode(sha2::Sha256::digest(str_arg("sha256sum", a, 0)?)).into())
    })
    .func("adler32sum", |a| {
        Ok(adler32(str_arg("adler32sum", a, 0)?.as_bytes())
            .to_string()
            .into())
    })
    .func("fromJson", |a| {
        // sprig's fromJson yields an empty value for text that is not JSON.
        let parsed: serde_json::Value =
            serde_json::from_str(&str_arg("fromJson", a, 0)?).unwrap_or_default();
        Ok(value_of_json(&parsed))
    })
}

#[cfg(test)]
mod tests {
    use super::super::run;

    #[test]
    fn encodings_and_checksums_match_sprig() {
        assert_eq!(run(r#"{{ "hello" | b64enc }}"#), "aGVsbG8=");
        assert_eq!(run(r#"{{ "aGVsbG8=" | b64dec }}"#), "hello");
        assert_eq!(run(r#"{{ "hello" | b32enc }}"#), "NBSWY3DP");
        assert_eq!(run(r#"{{ "NBSWY3DP" | b32dec }}"#), "hello");
        assert_eq!(
            run(r#"{{ "hello" | sha1sum }}"#),
            "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
        );
        assert_eq!(
            run(r#"{{ "hello" | sha256sum }}"#),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        // zlib.adler32(b"hello") == 103547413
        assert_eq!(run(r#"{{ "hello" | adler32sum }}"#), "103547413");
        assert_eq!(
            run(r#"{{ $m := fromJson "{\"a\":[1,2]}" }}{{ index $m.a 1 }}"#),
            "2"
        );
        assert!(run(r#"{{ "!!" | b64dec }}"#).contains("Invalid"));
    }
}
