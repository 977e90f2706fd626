//! CURVE keys: the long-term key pair of a socket, in raw (32 bytes) and Z85 (40 characters) form,
//! as `zmq_curve_keypair` / `zmq_curve_public` make them.

use crypto_box::{PublicKey, SecretKey};
use zeroize::Zeroizing;

use crate::z85;

/// Length of a CURVE key in bytes.
pub const KEY_LEN: usize = 32;
/// Length of a CURVE key in Z85 characters.
pub const Z85_KEY_LEN: usize = 40;

/// A CURVE secret key; wiped from memory when dropped, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct CurveSecretKey(Zeroizing<[u8; KEY_LEN]>);

impl CurveSecretKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// A fresh random key from the operating system's generator.
    ///
    /// # Errors
    /// When the operating system has no randomness to give.
    pub fn generate() -> std::io::Result<Self> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::getrandom(&mut bytes[..])?;
        Ok(Self(bytes))
    }

    /// The 32 bytes of the key.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The public key that goes with this secret key.
    pub fn public_key(&self) -> [u8; KEY_LEN] {
        self.to_box_key().public_key().to_bytes()
    }

    /// The key as the box crate uses it (also wiped on drop).
    pub(crate) fn to_box_key(&self) -> SecretKey {
        SecretKey::from_bytes(*self.0)
    }
}

impl std::fmt::Debug for CurveSecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CurveSecretKey(..)")
    }
}

/// A key given as a socket option value: 32 raw bytes, or 40 Z85 characters (optionally followed by
/// the NUL libzmq's C API writes). `None` for anything else.
pub fn parse_key(value: &[u8]) -> Option<[u8; KEY_LEN]> {
    let text = match value.len() {
        KEY_LEN => return value.try_into().ok(),
        Z85_KEY_LEN => value,
        41 if value.last() == Some(&0) => value.get(..Z85_KEY_LEN)?,
        _ => return None,
    };
    let decoded = Zeroizing::new(z85::decode(std::str::from_utf8(text).ok()?)?);
    decoded.as_slice().try_into().ok()
}

/// A new random key pair as Z85 text: `(public, secret)`, like pyzmq's `zmq.curve_keypair()`.
///
/// # Errors
/// When the operating system has no randomness to give.
///
/// ```
/// let (public, secret) = zmtp::curve_keypair()?;
/// assert_eq!((public.len(), secret.len()), (40, 40));
/// assert_eq!(zmtp::curve_public(&secret).as_deref(), Some(public.as_str()));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn curve_keypair() -> std::io::Result<(String, Zeroizing<String>)> {
    let secret = CurveSecretKey::generate()?;
    let public = z85::encode(&secret.public_key()).unwrap_or_default();
    let secret = Zeroizing::new(z85::encode(secret.as_bytes()).unwrap_or_default());
    Ok((public, secret))
}

/// The Z85 public key of a Z85 (or raw) secret key, like `zmq_curve_public`; `None` if `secret` is
/// not a key.
pub fn curve_public(secret: impl AsRef<[u8]>) -> Option<String> {
    let secret = CurveSecretKey::from_bytes(parse_key(secret.as_ref())?);
    z85::encode(&secret.public_key())
}

/// A public key in the box crate's form.
pub(crate) fn box_public(key: &[u8; KEY_LEN]) -> PublicKey {
    PublicKey::from_bytes(*key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_from_option_values() {
        let raw = [7u8; 32];
        let text = z85::encode(&raw).unwrap();
        assert_eq!(parse_key(&raw), Some(raw));
        assert_eq!(parse_key(text.as_bytes()), Some(raw));
        let mut with_nul = text.into_bytes();
        with_nul.push(0);
        assert_eq!(parse_key(&with_nul), Some(raw));
        assert_eq!(parse_key(&raw[..31]), None);
        assert_eq!(parse_key(&[b'"'; 40]), None);
    }

    #[test]
    fn libzmq_test_keys() {
        // The key pair of libzmq's tests/testutil_security.cpp.
        let public = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
        let secret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
        assert_eq!(curve_public(secret).as_deref(), Some(public));
        assert_eq!(curve_public("short"), None);
    }

    #[test]
    fn debug_hides_the_secret() {
        let key = CurveSecretKey::from_bytes([0x41; 32]);
        assert_eq!(format!("{key:?}"), "CurveSecretKey(..)");
    }
}
