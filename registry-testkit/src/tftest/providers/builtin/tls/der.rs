//! Just enough DER and PEM for the tls provider's keys: writing the
//! structures Go writes (PKCS#8, SEC1, SubjectPublicKeyInfo) and reading
//! them back.

use base64::Engine as _;

/// A DER element: tag and content.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A SEQUENCE of encoded elements.
pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// An OBJECT IDENTIFIER.
pub fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &a in &arcs[2..] {
        let mut chunk = vec![(a & 0x7f) as u8];
        let mut x = a >> 7;
        while x > 0 {
            chunk.push(0x80 | (x & 0x7f) as u8);
            x >>= 7;
        }
        chunk.reverse();
        body.extend(chunk);
    }
    tlv(0x06, &body)
}

/// An OCTET STRING.
pub fn octets(b: &[u8]) -> Vec<u8> {
    tlv(0x04, b)
}

/// A BIT STRING of whole bytes.
pub fn bits(b: &[u8]) -> Vec<u8> {
    let mut c = vec![0];
    c.extend_from_slice(b);
    tlv(0x03, &c)
}

/// One element read: its tag, its content, and what follows it.
pub fn read(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&len, rest) = rest.split_first()?;
    let (len, rest) = if len < 0x80 {
        (len as usize, rest)
    } else {
        let n = (len & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let l = rest[..n].iter().fold(0usize, |a, b| a << 8 | *b as usize);
        (l, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The elements inside a constructed element's content.
pub fn items(mut content: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (t, c, rest) = read(content)?;
        out.push((t, c));
        content = rest;
    }
    Some(out)
}

/// The content of an OBJECT IDENTIFIER as its arcs.
pub fn oid_arcs(c: &[u8]) -> Vec<u64> {
    let Some((&first, rest)) = c.split_first() else {
        return Vec::new();
    };
    let mut out = vec![(first / 40) as u64, (first % 40) as u64];
    let mut x = 0u64;
    for &b in rest {
        x = x << 7 | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            out.push(x);
            x = 0;
        }
    }
    out
}

/// PEM as Go's `pem.EncodeToMemory` writes it: 64-character lines and a
/// final newline.
pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Every PEM block of a text: label and decoded content.
pub fn pem_blocks(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(end_label) = after.find("-----") else {
            break;
        };
        let label = after[..end_label].to_string();
        let body_start = &after[end_label + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_start.find(&end_marker) else {
            break;
        };
        let body: String = body_start[..end]
            .lines()
            .filter(|l| !l.contains(':'))
            .flat_map(|l| l.chars())
            .filter(|c| !c.is_whitespace())
            .collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(body) {
            out.push((label, der));
        }
        rest = &body_start[end + end_marker.len()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_and_lengths_round_trip() {
        let o = oid(&[1, 2, 840, 10045, 3, 1, 7]);
        assert_eq!(hex::encode(&o), "06082a8648ce3d030107");
        let (t, c, rest) = read(&o).unwrap();
        assert_eq!((t, rest.len()), (6, 0));
        assert_eq!(oid_arcs(c), [1, 2, 840, 10045, 3, 1, 7]);
        let long = octets(&[7; 300]);
        let (_, c, _) = read(&long).unwrap();
        assert_eq!(c.len(), 300);
        let p = pem("X", &[1, 2, 3]);
        assert_eq!(
            pem_blocks(&format!("junk\n{p}{p}")),
            vec![("X".into(), vec![1, 2, 3]); 2]
        );
    }
}
