//! Tokens at rest: AES-256-GCM with a fresh random nonce per ciphertext and associated data that
//! binds each ciphertext to its account, so a ciphertext copied into another account's row fails
//! to decrypt. The key id is stored beside the ciphertext so keys can be rotated online.

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// One 256-bit token key and its id (a short fingerprint, safe to store and log).
#[derive(Clone)]
pub struct TokenKey {
    id: String,
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKey").field("id", &self.id).finish_non_exhaustive()
    }
}

/// A key or ciphertext problem. Never carries key or token material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the key must be base64 of exactly 32 bytes")]
    BadKey,
    #[error("no key with id {0} is configured (set TOKEN_ENCRYPTION_KEY_PREVIOUS to the old key)")]
    UnknownKey(String),
    #[error("the ciphertext is malformed")]
    Malformed,
    #[error("the ciphertext does not decrypt for this account")]
    Decrypt,
}

impl TokenKey {
    /// Parses base64 of 32 bytes.
    pub fn from_base64(encoded: &SecretString) -> Result<Self, CryptoError> {
        let bytes = B64.decode(encoded.expose_secret().trim()).map_err(|_| CryptoError::BadKey)?;
        Self::from_bytes(&bytes)
    }

    /// Builds a key from raw bytes (32).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        let cipher = Aes256Gcm::new_from_slice(bytes).map_err(|_| CryptoError::BadKey)?;
        let digest = Sha256::digest([b"jobber-app token key id:".as_slice(), bytes].concat());
        let id = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self { id, cipher })
    }

    /// A new random key, base64-encoded (for `DATA_DIR` development keys and docs).
    pub fn generate_base64() -> String {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        B64.encode(bytes)
    }

    /// The key id stored beside each ciphertext.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Encrypts `plaintext` for `account_id`: base64(nonce ‖ ciphertext ‖ tag).
    pub fn encrypt(&self, account_id: &str, plaintext: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: &aad(account_id) })
            .expect("AES-GCM encryption of a short token cannot fail");
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        B64.encode(out)
    }

    /// Decrypts what [`encrypt`](Self::encrypt) produced for the same account.
    pub fn decrypt(&self, account_id: &str, encoded: &str) -> Result<SecretString, CryptoError> {
        let raw = B64.decode(encoded).map_err(|_| CryptoError::Malformed)?;
        if raw.len() < 12 + 16 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ct) = raw.split_at(12);
        let pt = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: &aad(account_id) })
            .map_err(|_| CryptoError::Decrypt)?;
        String::from_utf8(pt).map(SecretString::from).map_err(|_| CryptoError::Malformed)
    }
}

fn aad(account_id: &str) -> Vec<u8> {
    format!("jobber-app/token/v1/account:{account_id}").into_bytes()
}

/// The current key (encrypts and decrypts) and the previous one (decrypts only).
#[derive(Clone, Debug)]
pub struct TokenKeyring {
    pub current: TokenKey,
    pub previous: Option<TokenKey>,
}

impl TokenKeyring {
    /// The key with this id.
    pub fn by_id(&self, id: &str) -> Result<&TokenKey, CryptoError> {
        if self.current.id == id {
            return Ok(&self.current);
        }
        self.previous.as_ref().filter(|k| k.id == id).ok_or_else(|| CryptoError::UnknownKey(id.to_owned()))
    }

    /// Decrypts with whichever configured key has `key_id`.
    pub fn decrypt(
        &self,
        key_id: &str,
        account_id: &str,
        encoded: &str,
    ) -> Result<SecretString, CryptoError> {
        self.by_id(key_id)?.decrypt(account_id, encoded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> TokenKey {
        TokenKey::from_base64(&SecretString::from(TokenKey::generate_base64())).unwrap()
    }

    #[test]
    fn round_trips_and_is_not_plaintext() {
        let k = key();
        let ct = k.encrypt("acct-1", "secret-token");
        assert!(!ct.contains("secret-token"));
        assert_eq!(k.decrypt("acct-1", &ct).unwrap().expose_secret(), "secret-token");
        assert_ne!(ct, k.encrypt("acct-1", "secret-token"), "nonces are fresh");
    }

    #[test]
    fn ciphertext_is_bound_to_its_account() {
        let k = key();
        let ct = k.encrypt("acct-1", "secret-token");
        assert_eq!(k.decrypt("acct-2", &ct).unwrap_err(), CryptoError::Decrypt);
    }

    #[test]
    fn wrong_key_and_garbage_fail_cleanly() {
        let ct = key().encrypt("a", "t");
        assert_eq!(key().decrypt("a", &ct).unwrap_err(), CryptoError::Decrypt);
        assert_eq!(key().decrypt("a", "!!").unwrap_err(), CryptoError::Malformed);
        assert_eq!(key().decrypt("a", "AAAA").unwrap_err(), CryptoError::Malformed);
        assert!(TokenKey::from_base64(&SecretString::from("c2hvcnQ=")).is_err());
    }

    #[test]
    fn keyring_finds_previous_key_by_id() {
        let (old, new) = (key(), key());
        let ct = old.encrypt("a", "t");
        let ring = TokenKeyring { current: new.clone(), previous: Some(old.clone()) };
        assert_eq!(ring.decrypt(old.id(), "a", &ct).unwrap().expose_secret(), "t");
        let ring = TokenKeyring { current: new, previous: None };
        assert!(matches!(ring.decrypt(old.id(), "a", &ct), Err(CryptoError::UnknownKey(_))));
    }
}
