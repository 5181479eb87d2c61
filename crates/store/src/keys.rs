//! The installation's secret key, kept outside the database (a key file or an environment
//! variable). It signs the audit trail's anchor, so that removing the trail's newest entries
//! is found out, and it derives the secrets of links sent by mail from a random nonce, so
//! that the outbox (and any copy or backup of the database) holds only the nonce: the link
//! itself is made when the mail is sent, and the database keeps only its hash.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::StoreError;

/// At least this many characters of key text.
const MIN_KEY_CHARS: usize = 32;

/// A secret key. Its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct SecretKey(Vec<u8>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([hidden])")
    }
}

impl SecretKey {
    /// A key from its text (a key file's first line or an environment variable).
    pub fn from_text(text: &str) -> Result<SecretKey, String> {
        let t = text.trim();
        if t.chars().count() < MIN_KEY_CHARS {
            return Err(format!(
                "the secret key must be at least {MIN_KEY_CHARS} characters (make one with: openssl rand -hex 32)"
            ));
        }
        Ok(SecretKey(t.as_bytes().to_vec()))
    }

    /// A new random key (for a process that needs one only while it runs, such as tests).
    pub fn random() -> SecretKey {
        SecretKey(crate::accounts::new_secret().into_bytes())
    }

    /// Reads the key file, or makes one (readable by its owner alone) where there is none.
    pub fn load_or_create(path: &std::path::Path) -> Result<SecretKey, StoreError> {
        match std::fs::read_to_string(path) {
            Ok(text) => SecretKey::from_text(&text).map_err(StoreError::Config),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let text = crate::accounts::new_secret();
                write_private(path, &format!("{text}\n")).map_err(|e| {
                    StoreError::Config(format!("cannot write {}: {e}", path.display()))
                })?;
                SecretKey::from_text(&text).map_err(StoreError::Config)
            }
            Err(e) => Err(StoreError::Config(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    /// Reads an existing key file.
    pub fn load(path: &std::path::Path) -> Result<SecretKey, StoreError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| StoreError::Config(format!("cannot read {}: {e}", path.display())))?;
        SecretKey::from_text(&text).map_err(StoreError::Config)
    }

    /// HMAC-SHA256 of a message for one purpose, in hex. The purpose keeps the uses apart: a
    /// link's secret can never stand for an anchor's signature.
    pub fn mac(&self, purpose: &str, message: &str) -> String {
        // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
        let Ok(mut m) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return String::new();
        };
        m.update(purpose.as_bytes());
        m.update(&[0]);
        m.update(message.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }

    /// Whether `mac` is this key's signature of the message, compared in constant time.
    pub fn verify(&self, purpose: &str, message: &str, mac: &str) -> bool {
        let Ok(mut m) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return false;
        };
        m.update(purpose.as_bytes());
        m.update(&[0]);
        m.update(message.as_bytes());
        hex::decode(mac).is_ok_and(|b| m.verify_slice(&b).is_ok())
    }

    /// The secret of a link sent by mail, from the nonce kept in the outbox.
    pub fn link_secret(&self, nonce: &str) -> String {
        self.mac("link", nonce)
    }
}

impl SecretKey {
    /// A second factor's secret sealed for storage: XORed with a pad made from the key, the
    /// person and a fresh nonce, as `nonce:cipher` in hex. A copy of the database alone
    /// cannot make codes.
    pub fn seal(&self, person_id: &str, secret: &[u8]) -> String {
        let nonce = crate::accounts::new_secret();
        let pad = self.pad(person_id, &nonce, secret.len());
        let cipher: Vec<u8> = secret.iter().zip(pad).map(|(a, b)| a ^ b).collect();
        format!("{nonce}:{}", hex::encode(cipher))
    }

    /// The secret a [`SecretKey::seal`] sealed, or None when it is not one.
    pub fn open(&self, person_id: &str, sealed: &str) -> Option<Vec<u8>> {
        let (nonce, cipher) = sealed.split_once(':')?;
        let cipher = hex::decode(cipher).ok()?;
        let pad = self.pad(person_id, nonce, cipher.len());
        Some(cipher.iter().zip(pad).map(|(a, b)| a ^ b).collect())
    }

    fn pad(&self, person_id: &str, nonce: &str, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        let mut block = 0u32;
        while out.len() < len {
            let h = self.mac("totp-seal", &format!("{person_id}:{nonce}:{block}"));
            out.extend(hex::decode(h).unwrap_or_default());
            block += 1;
        }
        out.truncate(len);
        out
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// The marker a mail's body holds where a link's secret goes: `{{secret:NONCE}}`.
pub fn secret_marker(nonce: &str) -> String {
    format!("{{{{secret:{nonce}}}}}")
}

/// A mail's body with each secret marker replaced by the link secret it stands for: done by
/// the mail worker as the mail goes, never stored.
pub fn fill_secrets(body: &str, key: &SecretKey) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find("{{secret:") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 9..];
        match after.find("}}") {
            Some(j) if j <= 64 && after[..j].bytes().all(|b| b.is_ascii_hexdigit()) => {
                out.push_str(&key.link_secret(&after[..j]));
                rest = &after[j + 2..];
            }
            _ => {
                out.push_str("{{secret:");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_link_secret_is_made_only_with_the_key() {
        let k = SecretKey::from_text(&"k".repeat(40)).unwrap();
        let other = SecretKey::from_text(&"j".repeat(40)).unwrap();
        let body = format!(
            "Use https://x/set-password/{} soon",
            secret_marker("abc123")
        );
        let filled = fill_secrets(&body, &k);
        assert_eq!(
            filled,
            format!(
                "Use https://x/set-password/{} soon",
                k.link_secret("abc123")
            )
        );
        assert_ne!(filled, fill_secrets(&body, &other));
        assert!(!filled.contains("abc123"));
        // Anything that is not a marker is left as it was.
        assert_eq!(
            fill_secrets("{{secret:zz}} {{secret:", &k),
            "{{secret:zz}} {{secret:"
        );
    }

    #[test]
    fn a_sealed_secret_opens_only_with_the_key_and_for_its_person() {
        let k = SecretKey::random();
        let secret = b"twenty bytes secret!".to_vec();
        let sealed = k.seal("p1", &secret);
        assert!(!sealed.contains(&hex::encode(&secret)));
        assert_eq!(k.open("p1", &sealed), Some(secret.clone()));
        assert_ne!(k.open("p2", &sealed), Some(secret.clone()));
        assert_ne!(
            SecretKey::random().open("p1", &sealed),
            Some(secret.clone())
        );
        assert_ne!(k.seal("p1", &secret), sealed, "a fresh nonce each time");
        assert_eq!(k.open("p1", "garbage"), None);
    }

    #[test]
    fn signatures_check_in_their_own_purpose_only() {
        let k = SecretKey::random();
        let mac = k.mac("anchor", "12 abc");
        assert!(k.verify("anchor", "12 abc", &mac));
        assert!(!k.verify("anchor", "13 abc", &mac));
        assert!(!k.verify("link", "12 abc", &mac));
        assert!(!SecretKey::random().verify("anchor", "12 abc", &mac));
        assert!(!k.verify("anchor", "12 abc", "not hex"));
        assert!(SecretKey::from_text("short").is_err());
    }
}
