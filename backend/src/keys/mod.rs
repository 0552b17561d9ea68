//! Key material: the token keyring (AES-256-GCM at rest, [`crypto`]) and the cookie-signing key.
//!
//! Production refuses to start without `TOKEN_ENCRYPTION_KEY` and `SESSION_SECRET`, or with one
//! that is low-entropy (a placeholder such as all zeros or `aaaa…`). In
//! development, missing keys are generated once and kept in `DATA_DIR/dev-keys.json` (mode 0600)
//! with a warning, so restarts keep sessions and tokens readable.

pub mod crypto;

use std::path::Path;

use axum_extra::extract::cookie::Key;
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha512};

pub use self::crypto::{CryptoError, TokenKey, TokenKeyring};
use crate::config::Config;

/// Everything secret the app needs at run time.
#[derive(Clone)]
pub struct Keys {
    pub tokens: TokenKeyring,
    pub cookies: Key,
}

#[derive(Serialize, Deserialize)]
struct DevKeys {
    token_encryption_key: String,
    session_secret: String,
}

impl Keys {
    /// Reads keys from the configuration (or the development key file).
    pub fn load(config: &Config) -> anyhow::Result<Self> {
        let s = &config.secrets;
        let (token_key, session_secret) = match (&s.token_encryption_key, &s.session_secret) {
            (Some(t), Some(c)) => (t.clone(), c.clone()),
            _ if config.is_production() => anyhow::bail!(
                "TOKEN_ENCRYPTION_KEY and SESSION_SECRET must be set in production \
                 (generate each with `openssl rand -base64 32`)"
            ),
            (t, c) => {
                let dev = load_or_create_dev_keys(&config.data_dir)?;
                tracing::warn!(
                    path = %config.data_dir.join("dev-keys.json").display(),
                    "using development keys from DATA_DIR; set TOKEN_ENCRYPTION_KEY and SESSION_SECRET for real deployments"
                );
                (
                    t.clone().unwrap_or_else(|| SecretString::from(dev.token_encryption_key)),
                    c.clone().unwrap_or_else(|| SecretString::from(dev.session_secret)),
                )
            }
        };
        if config.is_production() {
            let raw = B64.decode(token_key.expose_secret().trim()).unwrap_or_default();
            refuse_low_entropy("TOKEN_ENCRYPTION_KEY", &raw)?;
            refuse_low_entropy("SESSION_SECRET", session_secret.expose_secret().as_bytes())?;
        }
        let current = TokenKey::from_base64(&token_key)
            .map_err(|e| anyhow::anyhow!("invalid TOKEN_ENCRYPTION_KEY: {e}"))?;
        let previous = s
            .token_encryption_key_previous
            .as_ref()
            .map(TokenKey::from_base64)
            .transpose()
            .map_err(|e| anyhow::anyhow!("invalid TOKEN_ENCRYPTION_KEY_PREVIOUS: {e}"))?;
        let secret = session_secret.expose_secret().as_bytes();
        if secret.len() < 32 {
            anyhow::bail!("invalid SESSION_SECRET: expected at least 32 characters");
        }
        Ok(Self { tokens: TokenKeyring { current, previous }, cookies: Key::from(&Sha512::digest(secret)) })
    }
}

/// Fewest distinct byte values a production secret may have. Random keys have about 30 of their
/// 32 bytes distinct (base64 text about 26); a key made of one or a few repeated symbols (an
/// all-zero key, `aaaa…`, `abab…`) is a placeholder, not a secret.
const MIN_DISTINCT_BYTES: usize = 8;

/// Refuses a secret that is obviously not random, naming the variable.
fn refuse_low_entropy(var: &str, secret: &[u8]) -> anyhow::Result<()> {
    let distinct = secret.iter().collect::<std::collections::BTreeSet<_>>().len();
    if distinct < MIN_DISTINCT_BYTES {
        anyhow::bail!(
            "invalid {var}: it is low-entropy ({distinct} distinct byte values); \
             generate a random one with `openssl rand -base64 32`"
        );
    }
    Ok(())
}

fn load_or_create_dev_keys(dir: &Path) -> anyhow::Result<DevKeys> {
    let path = dir.join("dev-keys.json");
    if let Ok(raw) = std::fs::read_to_string(&path) {
        return serde_json::from_str(&raw).map_err(|e| anyhow::anyhow!("{} is corrupt: {e}", path.display()));
    }
    crate::files::private_dir(dir, true)?;
    let mut secret = [0u8; 48];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
    let keys =
        DevKeys { token_encryption_key: TokenKey::generate_base64(), session_secret: B64.encode(secret) };
    write_private(&path, &serde_json::to_string_pretty(&keys)?)?;
    Ok(keys)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_entropy_secrets_are_refused_by_name() {
        let err = refuse_low_entropy("SESSION_SECRET", &[b'a'; 32]).unwrap_err();
        assert!(err.to_string().contains("SESSION_SECRET"), "{err}");
        assert!(refuse_low_entropy("TOKEN_ENCRYPTION_KEY", &[0; 32]).is_err());
        assert!(refuse_low_entropy("SESSION_SECRET", &b"abcabcabcabcabcabcabcabcabcabcab"[..]).is_err());
        assert!(refuse_low_entropy("SESSION_SECRET", b"0123456789abcdef0123456789abcdef").is_ok());
    }
}
