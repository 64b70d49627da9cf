//! Access tokens: short-lived JWTs.
//!
//! The algorithm comes from configuration and is the only one accepted: the
//! token's own `alg` header is never trusted. `exp`, `iat`, `iss`, `aud` and
//! `sub` are required and checked, `nbf` is checked when present, with 30 s of
//! clock leeway (docs/SECURITY.md). A token also names its session (`sid`) and the
//! user's token version (`ver`), which the server compares with the database
//! on every request so that sign-out, password change and deactivation cut
//! access at once.

use std::path::Path;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::{Config, JwtAlgorithm};

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    /// The session (refresh-token family) this token was minted for.
    pub sid: Uuid,
    /// The user's token version when minted.
    pub ver: i32,
}

pub struct JwtKeys {
    header: Header,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: i64,
}

/// The shortest HS256 secret accepted (docs/SECURITY.md: ≥ 32 random bytes).
pub const MIN_SECRET_BYTES: usize = 32;

impl JwtKeys {
    /// Builds the keys from configuration. `secret` is the HS256 secret
    /// resolved by [`resolve_secret`].
    pub fn from_config(config: &Config, secret: &[u8]) -> anyhow::Result<JwtKeys> {
        let jwt = &config.jwt;
        let (algorithm, encoding, decoding) = match jwt.algorithm {
            JwtAlgorithm::HS256 => {
                if secret.len() < MIN_SECRET_BYTES {
                    bail!("the JWT secret must be at least {MIN_SECRET_BYTES} bytes");
                }
                (
                    Algorithm::HS256,
                    EncodingKey::from_secret(secret),
                    DecodingKey::from_secret(secret),
                )
            }
            JwtAlgorithm::EdDSA => {
                let read = |path: Option<&Path>, what: &str| -> anyhow::Result<Vec<u8>> {
                    let path = path.with_context(|| {
                        format!("SYNAPS_JWT_ALGORITHM=EdDSA needs SYNAPS_JWT_{what}_KEY_FILE")
                    })?;
                    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
                };
                let private = read(jwt.private_key_file.as_deref(), "PRIVATE")?;
                let public = read(jwt.public_key_file.as_deref(), "PUBLIC")?;
                (
                    Algorithm::EdDSA,
                    EncodingKey::from_ed_pem(&private).context("invalid EdDSA private key")?,
                    DecodingKey::from_ed_pem(&public).context("invalid EdDSA public key")?,
                )
            }
        };
        let mut validation = Validation::new(algorithm);
        validation.algorithms = vec![algorithm];
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.set_issuer(&[&jwt.issuer]);
        validation.set_audience(&[&jwt.audience]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 30;
        Ok(JwtKeys {
            header: Header::new(algorithm),
            encoding,
            decoding,
            validation,
            issuer: jwt.issuer.clone(),
            audience: jwt.audience.clone(),
            ttl_secs: i64::try_from(jwt.access_ttl_secs).unwrap_or(i64::MAX),
        })
    }

    /// Mints an access token; returns it with its expiry.
    pub fn mint(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        token_version: i32,
    ) -> crate::error::Result<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires_at = now + chrono::Duration::seconds(self.ttl_secs);
        let claims = Claims {
            sub: user_id.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            sid: session_id,
            ver: token_version,
        };
        let token = jsonwebtoken::encode(&self.header, &claims, &self.encoding)
            .map_err(crate::error::Error::internal)?;
        Ok((token, expires_at))
    }

    /// Verifies signature, algorithm and claims. Any failure is `None`: the
    /// caller answers `UNAUTHENTICATED` without saying which check failed.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) => Some(data.claims),
            Err(err) => {
                tracing::debug!(error = %err, "rejected access token");
                None
            }
        }
    }
}

/// Finds the HS256 secret: configuration first; in development, a secret kept
/// in the data dir (generated on first use); in production, a missing or short
/// secret is an error.
pub fn resolve_secret(config: &Config) -> anyhow::Result<Vec<u8>> {
    if config.jwt.algorithm != JwtAlgorithm::HS256 {
        return Ok(Vec::new());
    }
    let configured = config.jwt.secret.as_bytes();
    if !configured.is_empty() {
        if configured.len() < MIN_SECRET_BYTES {
            bail!(
                "SYNAPS_JWT_SECRET is {} bytes; use at least {MIN_SECRET_BYTES} random bytes \
                 (for example: openssl rand -base64 48)",
                configured.len()
            );
        }
        return Ok(configured.to_vec());
    }
    if config.is_production() {
        bail!(
            "SYNAPS_JWT_SECRET is not set. In production synaps needs a secret of at least \
             {MIN_SECRET_BYTES} random bytes (for example: openssl rand -base64 48)"
        );
    }
    let path = config.data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= MIN_SECRET_BYTES {
            return Ok(existing.as_bytes().to_vec());
        }
    }
    let secret = generate_secret();
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    write_private_file(&path, &secret)?;
    tracing::warn!(
        path = %path.display(),
        "no SYNAPS_JWT_SECRET set: generated a development secret and kept it in the data dir"
    );
    Ok(secret.into_bytes())
}

fn generate_secret() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn write_private_file(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    // A throwaway Ed25519 key pair, for these tests only.
    const ED_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIIWHKZIK6HCTRHKzwLKKcs1FXSA/U19wHoVFbjZolab5\n-----END PRIVATE KEY-----\n";
    const ED_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAFuC/9p63PHlhT5eb9yUkhyoxALYixJ/xABj5n6aggFI=\n-----END PUBLIC KEY-----\n";
    const SECRET: &[u8] = b"a-test-secret-that-is-at-least-32-bytes";

    fn eddsa_keys() -> JwtKeys {
        let dir = tempfile::tempdir().expect("temp dir");
        let private = dir.path().join("private.pem");
        let public = dir.path().join("public.pem");
        std::fs::write(&private, ED_PRIVATE).expect("write key");
        std::fs::write(&public, ED_PUBLIC).expect("write key");
        let mut config = Config::default();
        config.jwt.algorithm = JwtAlgorithm::EdDSA;
        config.jwt.private_key_file = Some(private);
        config.jwt.public_key_file = Some(public);
        JwtKeys::from_config(&config, &[]).expect("EdDSA keys load")
    }

    fn hs256_keys() -> JwtKeys {
        JwtKeys::from_config(&Config::default(), SECRET).expect("HS256 keys")
    }

    #[test]
    fn eddsa_tokens_verify_and_carry_their_claims() {
        let keys = eddsa_keys();
        let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
        let (token, _) = keys.mint(user, session, 3).expect("mint");
        let claims = keys.verify(&token).expect("verifies");
        assert_eq!(claims.sub, user.to_string());
        assert_eq!((claims.sid, claims.ver), (session, 3));
    }

    #[test]
    fn the_configured_algorithm_is_the_only_one_accepted() {
        let (hs, ed) = (hs256_keys(), eddsa_keys());
        let (hs_token, _) = hs.mint(Uuid::now_v7(), Uuid::now_v7(), 0).expect("mint");
        let (ed_token, _) = ed.mint(Uuid::now_v7(), Uuid::now_v7(), 0).expect("mint");
        assert!(ed.verify(&hs_token).is_none());
        assert!(hs.verify(&ed_token).is_none());
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(JwtKeys::from_config(&Config::default(), b"short").is_err());
        let mut production = Config {
            env: crate::config::Environment::Production,
            ..Config::default()
        };
        assert!(resolve_secret(&production).is_err());
        production.jwt.secret = "too-short".to_owned();
        assert!(resolve_secret(&production).is_err());
    }
}
