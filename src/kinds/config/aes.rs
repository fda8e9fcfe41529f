//! AES encryption of Htek per-phone configs, byte for byte what
//! `openssl enc -aes-128-cbc -K KEY -iv 0B1E1D000F0B07091D1F04071F1E0407` does (Htek guide §3.1).
//!
//! AES-128-CBC, PKCS#7 padding, the vendor's fixed IV (that one, read from `htek-config.toml
//! [encryption]`), no salt header. The key is 1–16 hex digits; like
//! OpenSSL's `-K`, it fills the 16-byte key nibble by nibble from the left and the rest is zero nibbles
//! (`1234` → `12340000…`, `123` → bytes `12 30 00 …`).

use crate::rules::layout::HtekData;
use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use anyhow::{bail, Result};

type Encryptor = cbc::Encryptor<aes::Aes128>;
type Decryptor = cbc::Decryptor<aes::Aes128>;

/// An Htek common AES key (P8631).
#[derive(Clone)]
pub struct AesKey {
    bytes: [u8; 16],
    /// The key as the phone's P8631 setting takes it: the hex digits, upper case.
    text: String,
    /// The vendor's fixed IV (`htek-config.toml [encryption] iv`).
    iv: [u8; 16],
}

impl std::fmt::Debug for AesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AesKey(…)")
    }
}

impl AesKey {
    /// Reads a key of 1–16 hex digits (`[0-9A-Fa-f]`) for the IV of `data`; anything else is refused.
    pub fn parse(text: &str, data: &HtekData) -> Result<AesKey> {
        if text.is_empty() || text.len() > 16 {
            bail!("the AES key must be 1 to 16 hex digits (0-9, A-F), not {} characters", text.chars().count());
        }
        if let Some(bad) = text.chars().find(|c| !c.is_ascii_hexdigit()) {
            bail!("the AES key must be 1 to 16 hex digits (0-9, A-F); '{bad}' is not one");
        }
        let mut bytes = [0u8; 16];
        for (i, c) in text.bytes().enumerate() {
            let nibble = (c as char).to_digit(16).unwrap_or(0) as u8;
            bytes[i / 2] |= if i % 2 == 0 { nibble << 4 } else { nibble };
        }
        Ok(AesKey { bytes, text: text.to_ascii_uppercase(), iv: data.iv })
    }

    /// The key as written into P8631 (upper-case hex digits, as the guide spells them).
    pub fn as_setting(&self) -> &str {
        &self.text
    }

    /// Encrypts `plaintext` exactly as `openssl enc -aes-128-cbc -K KEY -iv <Htek IV>`.
    pub fn encrypt(&self, plaintext: &[u8]) -> Vec<u8> {
        let len = plaintext.len();
        let mut buf = vec![0u8; (len / 16 + 1) * 16];
        buf[..len].copy_from_slice(plaintext);
        let out_len = Encryptor::new(&self.bytes.into(), &self.iv.into())
            .encrypt_padded_mut::<Pkcs7>(&mut buf, len)
            .map(|c| c.len())
            .unwrap_or(buf.len()); // The buffer always has room for the padding block.
        buf.truncate(out_len);
        buf
    }

    /// Decrypts what [`AesKey::encrypt`] (or `openssl enc`) made. A wrong key almost always shows as
    /// invalid padding; the error says so.
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>> {
        if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(16) {
            bail!(
                "{} bytes is not a whole number of 16-byte AES blocks: not an encrypted config (plain XML?)",
                ciphertext.len()
            );
        }
        let mut buf = ciphertext.to_vec();
        let len = match Decryptor::new(&self.bytes.into(), &self.iv.into()).decrypt_padded_mut::<Pkcs7>(&mut buf) {
            Ok(plain) => plain.len(),
            Err(_) => bail!("padding invalid: wrong key?"),
        };
        buf.truncate(len);
        Ok(buf)
    }
}

/// Whether a config file's bytes look AES-encrypted rather than XML text: whole 16-byte blocks
/// that are not readable text.
pub fn looks_encrypted(bytes: &[u8]) -> bool {
    if bytes.is_empty() || !bytes.len().is_multiple_of(16) {
        return false;
    }
    match std::str::from_utf8(bytes) {
        Err(_) => true,
        Ok(text) => text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::layout::htek_config::builtin as data;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn formats_md_test_vector() {
        // FORMATS.md §1: computed with OpenSSL 3.
        let key = AesKey::parse("1234", &data()).unwrap();
        let c = key.encrypt(b"hello htek config");
        assert_eq!(hex(&c), "d1685746de67ddc96edeb9530003374aae56cb2671acc6865a11b741183a3790");
        assert_eq!(key.decrypt(&c).unwrap(), b"hello htek config");
    }

    #[test]
    fn key_nibbles_fill_from_the_left() {
        assert_eq!(hex(&AesKey::parse("1234", &data()).unwrap().bytes), "12340000000000000000000000000000");
        assert_eq!(hex(&AesKey::parse("123", &data()).unwrap().bytes), "12300000000000000000000000000000");
        assert_eq!(hex(&AesKey::parse("001fc1bc", &data()).unwrap().bytes), "001fc1bc000000000000000000000000");
        assert_eq!(AesKey::parse("001fc1bc", &data()).unwrap().as_setting(), "001FC1BC");
        assert_eq!(hex(&AesKey::parse("0123456789ABCDEF", &data()).unwrap().bytes), "0123456789abcdef0000000000000000");
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(AesKey::parse("", &data()).is_err());
        assert!(AesKey::parse("12345678901234567", &data()).unwrap_err().to_string().contains("17 characters"));
        assert!(AesKey::parse("12G4", &data()).unwrap_err().to_string().contains("'G'"));
        assert!(AesKey::parse("0x12", &data()).is_err());
    }

    #[test]
    fn whole_blocks_and_wrong_key() {
        let key = AesKey::parse("1234", &data()).unwrap();
        assert_eq!(key.encrypt(b"").len(), 16);
        assert_eq!(key.encrypt(&[b'a'; 16]).len(), 32);
        let c = key.encrypt(b"<?xml version=\"1.0\"?><hl_provision/>");
        assert!(looks_encrypted(&c));
        assert!(!looks_encrypted(b"<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<a/>\n123456789"));
        let wrong = AesKey::parse("4321", &data()).unwrap();
        // A wrong key gives valid padding about once in 256 tries; this pair does not.
        let e = wrong.decrypt(&c).unwrap_err().to_string();
        assert!(e.contains("wrong key"), "{e}");
        assert!(key.decrypt(b"short").unwrap_err().to_string().contains("16-byte"));
    }
}
