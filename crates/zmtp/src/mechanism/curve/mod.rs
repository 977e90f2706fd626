//! CURVE (RFC 25 on the wire, RFC 26 CurveZMQ for the cryptography), as libzmq does it: every box is
//! XSalsa20-Poly1305 keyed by X25519 (NaCl's `crypto_box`, here RustCrypto's `crypto_box`), written
//! as 16-byte tag then ciphertext; every nonce is a 16- or 8-byte ASCII prefix plus a counter or
//! random bytes.
//!
//! | Command  | Body size | Layout after the name                                                  |
//! |----------|-----------|------------------------------------------------------------------------|
//! | HELLO    | 200       | version `01 00`, 72 × 0, C′, short nonce, Box\[64 × 0\](C′→S)           |
//! | WELCOME  | 168       | long nonce, Box\[S′ + cookie\](S→C′); cookie = nonce + SecretBox\[C′ + s′\](K) |
//! | INITIATE | ≥ 257     | cookie, short nonce, Box\[C + vouch + metadata\](C′→S′); vouch = nonce + Box\[C′ + S\](C→S′) |
//! | READY    | ≥ 30      | short nonce, Box\[metadata\](S′→C′)                                     |
//! | MESSAGE  | ≥ 33      | short nonce, Box\[flags + data\] (flags: 0x01 MORE, 0x02 COMMAND)        |

mod client;
mod message;
mod server;

use bytes::{BufMut, BytesMut};
use crypto_box::aead::consts::U24;
use crypto_box::aead::generic_array::GenericArray;
use crypto_box::aead::{AeadCore, AeadInPlace};
use crypto_box::SecretKey;
use zeroize::Zeroizing;

use crate::error::Error;

pub(crate) use client::CurveClient;
pub(crate) use server::CurveServer;

/// Poly1305 tag length: a box is this much longer than its plaintext.
const TAG_LEN: usize = 16;
/// A short (counter) nonce on the wire.
const SHORT_NONCE_LEN: usize = 8;
/// A long (random) nonce on the wire.
const LONG_NONCE_LEN: usize = 16;

/// Nonce prefixes (RFC 26).
const HELLO_PREFIX: &[u8; 16] = b"CurveZMQHELLO---";
const WELCOME_PREFIX: &[u8; 8] = b"WELCOME-";
const COOKIE_PREFIX: &[u8; 8] = b"COOKIE--";
const INITIATE_PREFIX: &[u8; 16] = b"CurveZMQINITIATE";
const VOUCH_PREFIX: &[u8; 8] = b"VOUCH---";
const READY_PREFIX: &[u8; 16] = b"CurveZMQREADY---";
const MESSAGE_FROM_CLIENT: &[u8; 16] = b"CurveZMQMESSAGEC";
const MESSAGE_FROM_SERVER: &[u8; 16] = b"CurveZMQMESSAGES";

/// A 24-byte nonce: `prefix` then `tail`.
fn nonce(prefix: &[u8], tail: &[u8]) -> GenericArray<u8, U24> {
    let mut n = GenericArray::default();
    for (dst, src) in n.iter_mut().zip(prefix.iter().chain(tail)) {
        *dst = *src;
    }
    n
}

/// Appends the box of `plaintext` (tag, then ciphertext) to `out`.
fn seal_into<C: AeadInPlace + AeadCore<NonceSize = U24>>(
    cipher: &C,
    nonce: &GenericArray<u8, U24>,
    plaintext: &[u8],
    out: &mut BytesMut,
) -> Result<(), Error> {
    let start = out.len();
    out.put_bytes(0, TAG_LEN);
    out.put_slice(plaintext);
    let sealed = out.get_mut(start + TAG_LEN..).ok_or(Error::Cryptographic)?;
    let tag = cipher
        .encrypt_in_place_detached(nonce, b"", sealed)
        .map_err(|_| Error::Cryptographic)?;
    if let Some(slot) = out.get_mut(start..start + TAG_LEN) {
        slot.copy_from_slice(&tag);
    }
    Ok(())
}

/// Appends the next short nonce of `counter` (which moves on) and the box of `plaintext` under it
/// (`prefix` + nonce) to `body`: how HELLO, INITIATE and READY end.
fn put_short_box<C: AeadInPlace + AeadCore<NonceSize = U24>>(
    body: &mut BytesMut,
    cipher: &C,
    prefix: &[u8; 16],
    counter: &mut u64,
    plaintext: &[u8],
) -> Result<(), Error> {
    let n = counter.to_be_bytes();
    *counter += 1;
    body.put_slice(&n);
    seal_into(cipher, &nonce(prefix, &n), plaintext, body)
}

/// Opens a box (tag, then ciphertext) into a buffer wiped on drop.
fn open<C: AeadInPlace + AeadCore<NonceSize = U24>>(
    cipher: &C,
    nonce: &GenericArray<u8, U24>,
    boxed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let (tag, ciphertext) = boxed
        .split_at_checked(TAG_LEN)
        .ok_or(Error::Cryptographic)?;
    let mut plain = Zeroizing::new(ciphertext.to_vec());
    cipher
        .decrypt_in_place_detached(nonce, b"", &mut plain, GenericArray::from_slice(tag))
        .map_err(|_| Error::Cryptographic)?;
    Ok(plain)
}

/// `N` random bytes from the operating system.
fn random<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|_| Error::RandomUnavailable)?;
    Ok(bytes)
}

/// A fresh short-term (ephemeral) secret key.
fn ephemeral_key() -> Result<SecretKey, Error> {
    let bytes = Zeroizing::new(random::<32>()?);
    Ok(SecretKey::from_bytes(*bytes))
}

/// A `u64` from 8 big-endian bytes at the start of `data`.
fn read_u64(data: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(data.get(..8)?.try_into().ok()?))
}
