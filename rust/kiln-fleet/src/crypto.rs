//! age encryption as the journal and the exports use it: X25519 recipients
//! (`age1…`, several allowed) or a passphrase (age's scrypt recipient), and
//! identities read from a file as `age-keygen` writes it. Passphrases come from
//! a file, never from argv. Every plaintext passes through zeroizing buffers.

use age::secrecy::{ExposeSecret, SecretString as AgeSecret};
use kiln_core::secret::SecretString;
use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;
use zeroize::Zeroizing;

/// Largest identity or passphrase file read.
const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// Why a key, identity or passphrase was not accepted. Never holds key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "no recipient and no passphrase: seeds are only ever written encrypted, so give an age \
         public key (age1…, from age-keygen) or a passphrase file"
    )]
    NoRecipient,
    #[error("recipient {index} is not an age X25519 public key (age1…): {detail}")]
    BadRecipient { index: usize, detail: String },
    #[error("the passphrase file {path} is empty (its first line is the passphrase)")]
    EmptyPassphrase { path: String },
    #[error("the passphrase is empty")]
    EmptyPassphraseText,
    #[error("could not read {what} {path}: {detail}")]
    Read {
        what: &'static str,
        path: String,
        detail: String,
    },
    #[error(
        "the identity file {path} holds no age identity (a line AGE-SECRET-KEY-1…, as age-keygen writes it)"
    )]
    NoIdentity { path: String },
    #[error("line {line} of the identity file {path} is not an age X25519 identity ({detail})")]
    BadIdentity {
        path: String,
        line: usize,
        detail: &'static str,
    },
}

/// Why encryption or decryption failed. Never holds plaintext.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("encryption failed: {0}")]
    Encrypt(String),
    #[error("{0}")]
    WrongKey(&'static str),
    #[error("the encrypted data is damaged or not age data: {0}")]
    Damaged(String),
}

fn read_key_file(path: &Path, what: &'static str) -> Result<Zeroizing<String>, KeyError> {
    crate::fsutil::read_secret_text(path, MAX_KEY_FILE_BYTES).map_err(|e| KeyError::Read {
        what,
        path: path.display().to_string(),
        detail: e.to_string(),
    })
}

/// The first line of a passphrase file (line end removed; other whitespace kept).
fn passphrase_from_file(path: &Path) -> Result<SecretString, KeyError> {
    let text = read_key_file(path, "the passphrase file")?;
    let first = text.lines().next().unwrap_or_default();
    if first.is_empty() {
        return Err(KeyError::EmptyPassphrase {
            path: path.display().to_string(),
        });
    }
    Ok(SecretString::new(first.to_owned()))
}

fn age_secret(s: &SecretString) -> AgeSecret {
    AgeSecret::from(s.expose().to_owned())
}

/// Who can read what kiln encrypts: age X25519 recipients, or a passphrase.
/// There is no way to make one without a key: seeds are never written in clear.
#[derive(Clone)]
pub struct Encryptor {
    kind: EncKind,
}

#[derive(Clone)]
enum EncKind {
    Recipients(Vec<age::x25519::Recipient>),
    Passphrase {
        passphrase: SecretString,
        log_n: Option<u8>,
    },
}

impl std::fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            EncKind::Recipients(r) => write!(f, "Encryptor(recipients: {})", r.len()),
            EncKind::Passphrase { .. } => f.write_str("Encryptor(passphrase: <redacted>)"),
        }
    }
}

impl Encryptor {
    /// age X25519 public keys (`age1…`); at least one.
    pub fn to_recipients<S: AsRef<str>>(
        keys: impl IntoIterator<Item = S>,
    ) -> Result<Self, KeyError> {
        let mut out = Vec::new();
        for (i, k) in keys.into_iter().enumerate() {
            let r = age::x25519::Recipient::from_str(k.as_ref().trim()).map_err(|e| {
                KeyError::BadRecipient {
                    index: i.saturating_add(1),
                    detail: e.to_string(),
                }
            })?;
            out.push(r);
        }
        if out.is_empty() {
            return Err(KeyError::NoRecipient);
        }
        Ok(Self {
            kind: EncKind::Recipients(out),
        })
    }

    /// A passphrase (age's scrypt recipient); not empty.
    pub fn with_passphrase(passphrase: SecretString) -> Result<Self, KeyError> {
        if passphrase.is_empty() {
            return Err(KeyError::EmptyPassphraseText);
        }
        Ok(Self {
            kind: EncKind::Passphrase {
                passphrase,
                log_n: None,
            },
        })
    }

    /// The passphrase on the first line of `path`.
    pub fn from_passphrase_file(path: &Path) -> Result<Self, KeyError> {
        Self::with_passphrase(passphrase_from_file(path)?)
    }

    /// The scrypt work factor (log2 N) for passphrase encryption; age picks one
    /// that takes about a second when unset. For tests.
    #[doc(hidden)]
    pub fn set_scrypt_work_factor(&mut self, log_n: u8) {
        if let EncKind::Passphrase { log_n: l, .. } = &mut self.kind {
            *l = Some(log_n.clamp(1, 30));
        }
    }

    /// The recipients as text (`age1…`); empty for a passphrase.
    pub fn recipients(&self) -> Vec<String> {
        match &self.kind {
            EncKind::Recipients(r) => r.iter().map(ToString::to_string).collect(),
            EncKind::Passphrase { .. } => Vec::new(),
        }
    }

    pub fn is_passphrase(&self) -> bool {
        matches!(self.kind, EncKind::Passphrase { .. })
    }

    pub(crate) fn passphrase(&self) -> Option<&SecretString> {
        match &self.kind {
            EncKind::Passphrase { passphrase, .. } => Some(passphrase),
            EncKind::Recipients(_) => None,
        }
    }

    /// One X25519 recipient (the journal's own key in passphrase mode).
    pub(crate) fn to_key(recipient: age::x25519::Recipient) -> Self {
        Self {
            kind: EncKind::Recipients(vec![recipient]),
        }
    }

    /// `plaintext` as a standard age file (ASCII-armored when `armor`).
    pub fn encrypt(&self, plaintext: &[u8], armor: bool) -> Result<Vec<u8>, CryptoError> {
        let enc = match &self.kind {
            EncKind::Recipients(r) => {
                age::Encryptor::with_recipients(r.iter().map(|x| x as &dyn age::Recipient))
                    .map_err(|e| CryptoError::Encrypt(e.to_string()))?
            }
            EncKind::Passphrase { passphrase, log_n } => {
                let mut r = age::scrypt::Recipient::new(age_secret(passphrase));
                if let Some(n) = log_n {
                    r.set_work_factor(*n);
                }
                age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
                    .map_err(|e| CryptoError::Encrypt(e.to_string()))?
            }
        };
        let err = |e: std::io::Error| CryptoError::Encrypt(e.to_string());
        let mut out = Vec::with_capacity(plaintext.len().saturating_add(512));
        if armor {
            let a =
                age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
                    .map_err(err)?;
            let mut w = enc.wrap_output(a).map_err(err)?;
            w.write_all(plaintext).map_err(err)?;
            w.finish().and_then(|a| a.finish()).map_err(err)?;
        } else {
            let mut w = enc.wrap_output(&mut out).map_err(err)?;
            w.write_all(plaintext).map_err(err)?;
            w.finish().map_err(err)?;
        }
        Ok(out)
    }
}

/// What can open kiln's age data: identities from an identity file, or a passphrase.
pub struct Decryptor {
    identities: Vec<age::x25519::Identity>,
    passphrase: Option<SecretString>,
}

impl std::fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Decryptor(identities: {}, passphrase: {})",
            self.identities.len(),
            if self.passphrase.is_some() {
                "<redacted>"
            } else {
                "none"
            }
        )
    }
}

impl Decryptor {
    /// The identities of an identity file as `age-keygen` writes it (`#` comments,
    /// one `AGE-SECRET-KEY-1…` per line).
    pub fn from_identity_file(path: &Path) -> Result<Self, KeyError> {
        let text = read_key_file(path, "the identity file")?;
        Self::from_identity_text(&text, &path.display().to_string())
    }

    /// Identities from text (`origin` names it in errors).
    pub fn from_identity_text(text: &str, origin: &str) -> Result<Self, KeyError> {
        let mut identities = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let l = line.trim().trim_start_matches('\u{FEFF}');
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let id =
                age::x25519::Identity::from_str(l).map_err(|detail| KeyError::BadIdentity {
                    path: origin.to_owned(),
                    line: i.saturating_add(1),
                    detail,
                })?;
            identities.push(id);
        }
        if identities.is_empty() {
            return Err(KeyError::NoIdentity {
                path: origin.to_owned(),
            });
        }
        Ok(Self {
            identities,
            passphrase: None,
        })
    }

    pub(crate) fn from_identity(id: age::x25519::Identity) -> Self {
        Self {
            identities: vec![id],
            passphrase: None,
        }
    }

    pub fn with_passphrase(passphrase: SecretString) -> Result<Self, KeyError> {
        if passphrase.is_empty() {
            return Err(KeyError::EmptyPassphraseText);
        }
        Ok(Self {
            identities: Vec::new(),
            passphrase: Some(passphrase),
        })
    }

    pub fn from_passphrase_file(path: &Path) -> Result<Self, KeyError> {
        Self::with_passphrase(passphrase_from_file(path)?)
    }

    pub(crate) fn passphrase(&self) -> Option<&SecretString> {
        self.passphrase.as_ref()
    }

    /// An encryptor that this decryptor opens: the identities' public keys, or
    /// the same passphrase.
    pub fn matching_encryptor(&self) -> Encryptor {
        match &self.passphrase {
            Some(p) => Encryptor {
                kind: EncKind::Passphrase {
                    passphrase: p.clone(),
                    log_n: None,
                },
            },
            None => Encryptor {
                kind: EncKind::Recipients(self.identities.iter().map(|i| i.to_public()).collect()),
            },
        }
    }

    /// Opens age data (binary or ASCII-armored).
    pub fn decrypt(&self, data: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let reader = age::armor::ArmoredReader::new(data);
        let dec = age::Decryptor::new(reader).map_err(|e| CryptoError::Damaged(e.to_string()))?;
        let scrypt = dec.is_scrypt();
        let result = match (&self.passphrase, scrypt) {
            (Some(p), true) => {
                let id = age::scrypt::Identity::new(age_secret(p));
                dec.decrypt(std::iter::once(&id as &dyn age::Identity))
            }
            (None, false) => dec.decrypt(self.identities.iter().map(|i| i as &dyn age::Identity)),
            (Some(_), false) => {
                return Err(CryptoError::WrongKey(
                    "this was encrypted to age public keys, not with a passphrase: give the identity file (--identity)",
                ))
            }
            (None, true) => {
                return Err(CryptoError::WrongKey(
                    "this was encrypted with a passphrase: give the passphrase file (--passphrase-file)",
                ))
            }
        };
        let mut reader = result.map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => CryptoError::WrongKey(
                "none of the given identities opens it (encrypted to other age public keys)",
            ),
            age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed
                if scrypt =>
            {
                CryptoError::WrongKey("the passphrase is wrong")
            }
            other => CryptoError::Damaged(other.to_string()),
        })?;
        let mut out = Zeroizing::new(Vec::with_capacity(data.len()));
        reader
            .read_to_end(&mut out)
            .map_err(|e| CryptoError::Damaged(e.to_string()))?;
        Ok(out)
    }
}

/// A fresh X25519 identity (the journal's own key in passphrase mode).
pub(crate) fn generate_identity() -> age::x25519::Identity {
    age::x25519::Identity::generate()
}

/// The identity's text (`AGE-SECRET-KEY-1…`) in a zeroizing string.
pub(crate) fn identity_text(id: &age::x25519::Identity) -> Zeroizing<String> {
    Zeroizing::new(id.to_string().expose_secret().to_owned())
}

/// A new X25519 key pair as `age-keygen` makes one: the identity
/// (`AGE-SECRET-KEY-1…`, secret) and its public key (`age1…`). For front ends
/// and tests that need a key without the age tool.
pub fn generate_key_pair() -> (Zeroizing<String>, String) {
    let id = generate_identity();
    (identity_text(&id), id.to_public().to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn fast(mut e: Encryptor) -> Encryptor {
        e.set_scrypt_work_factor(2);
        e
    }

    #[test]
    fn recipients_round_trip_armored_and_binary() {
        let id = generate_identity();
        let text = identity_text(&id);
        let dec =
            Decryptor::from_identity_text(&format!("# created: now\n{}\n", *text), "t").unwrap();
        let enc = Encryptor::to_recipients([id.to_public().to_string()]).unwrap();
        for armor in [false, true] {
            let c = enc.encrypt(b"seed bytes", armor).unwrap();
            assert_eq!(c.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"), armor);
            assert_eq!(&dec.decrypt(&c).unwrap()[..], b"seed bytes");
        }
        let other = Decryptor::from_identity(generate_identity());
        let c = enc.encrypt(b"x", false).unwrap();
        assert!(matches!(other.decrypt(&c), Err(CryptoError::WrongKey(_))));
    }

    #[test]
    fn passphrase_round_trip_and_wrong_passphrase() {
        let enc =
            fast(Encryptor::with_passphrase(SecretString::new("correct horse".into())).unwrap());
        let c = enc.encrypt(b"hello", true).unwrap();
        let ok = Decryptor::with_passphrase(SecretString::new("correct horse".into())).unwrap();
        assert_eq!(&ok.decrypt(&c).unwrap()[..], b"hello");
        let bad = Decryptor::with_passphrase(SecretString::new("wrong".into())).unwrap();
        let e = bad.decrypt(&c).unwrap_err();
        assert!(e.to_string().contains("passphrase is wrong"), "{e}");
    }

    #[test]
    fn no_key_no_encryptor() {
        let none: [&str; 0] = [];
        assert!(matches!(
            Encryptor::to_recipients(none),
            Err(KeyError::NoRecipient)
        ));
        assert!(matches!(
            Encryptor::to_recipients(["age1notakey"]),
            Err(KeyError::BadRecipient { index: 1, .. })
        ));
        assert!(Encryptor::with_passphrase(SecretString::new(String::new())).is_err());
        let e = Decryptor::from_identity_text("# only a comment\n", "k.txt").unwrap_err();
        assert!(e.to_string().contains("no age identity"), "{e}");
        let e = Decryptor::from_identity_text("AGE-SECRET-KEY-1XYZ\n", "k.txt").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        assert!(!e.to_string().contains("XYZ"), "{e}");
    }
}
