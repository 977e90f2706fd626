//! Z85 ([RFC 32](https://rfc.zeromq.org/spec/32/)): four bytes as five printable characters, the text
//! form of CURVE keys (`zmq_z85_encode` / `zmq_z85_decode`).

/// The 85 characters, in value order.
const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// The value of a Z85 character, if it is one.
fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|v| v as u32)
}

/// Encodes `data`, whose length must be a multiple of 4 (`None` otherwise).
///
/// ```
/// let text = zmtp::z85::encode(&[0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]);
/// assert_eq!(text.as_deref(), Some("HelloWorld"));
/// ```
pub fn encode(data: &[u8]) -> Option<String> {
    if data.len() % 4 != 0 {
        return None;
    }
    let mut out = String::with_capacity(data.len() / 4 * 5);
    for chunk in data.chunks_exact(4) {
        let mut v = chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        let mut group = [0u8; 5];
        for slot in group.iter_mut().rev() {
            *slot = ALPHABET[(v % 85) as usize];
            v /= 85;
        }
        out.extend(group.iter().map(|&c| char::from(c)));
    }
    Some(out)
}

/// Decodes Z85 text, whose length must be a multiple of 5; `None` for a wrong length, a character
/// outside the alphabet, or a group above `u32::MAX`.
///
/// ```
/// assert_eq!(
///     zmtp::z85::decode("HelloWorld"),
///     Some(vec![0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B])
/// );
/// assert_eq!(zmtp::z85::decode("Hello"), Some(vec![0x86, 0x4F, 0xD2, 0x6F]));
/// assert_eq!(zmtp::z85::decode("Hell"), None);
/// ```
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.len() % 5 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 5 * 4);
    for group in bytes.chunks_exact(5) {
        let mut v = 0u32;
        for &c in group {
            v = v.checked_mul(85)?.checked_add(value(c)?)?;
        }
        out.extend_from_slice(&v.to_be_bytes());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc_32_test_vector() {
        let data = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        assert_eq!(encode(&data).unwrap(), "HelloWorld");
        assert_eq!(decode("HelloWorld").unwrap(), data);
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(encode(&[1, 2, 3]), None);
        assert_eq!(decode("Hello World"), None);
        assert_eq!(decode("Hell\""), None);
        assert_eq!(decode("#####"), None, "85^5 - 1 overflows 32 bits");
        assert_eq!(decode("%nSc0"), Some(vec![0xff; 4]));
        assert_eq!(decode(""), Some(vec![]));
    }

    proptest! {
        #[test]
        fn round_trip(words in proptest::collection::vec(any::<[u8; 4]>(), 0..20)) {
            let data: Vec<u8> = words.concat();
            let text = encode(&data).unwrap();
            prop_assert_eq!(text.len(), data.len() / 4 * 5);
            prop_assert_eq!(decode(&text).unwrap(), data);
        }
    }
}
