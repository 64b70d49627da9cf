//! Password hashing with argon2id, off the async runtime, in bounded memory.
//!
//! A hash costs ~19 MiB and tens of milliseconds by design (docs/SECURITY.md).
//! It runs on `spawn_blocking` behind a semaphore, so a burst of logins
//! queues instead of exhausting CPU or memory. The argon2 memory itself comes
//! from a small pool of buffers, one per permit, reused across hashes: letting
//! argon2 allocate its own left the blocks in glibc's per-thread arenas, and
//! idle RSS grew to ~250 MB after twenty hashes (measured with `serve
//! --demo`). With the pool it stays at permits × 19 MiB at most, and once no
//! hash is running the pool is emptied, so a server that signed someone in
//! does not keep 19–38 MiB resident for the next login (docs/PERFORMANCE.md,
//! "Memory under feed load").

use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OnceCell, Semaphore};

use crate::config::PasswordConfig;
use crate::error::{Error, Result};

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    /// How many permits there are.
    permit_count: usize,
    buffers: Arc<Mutex<Vec<Vec<Block>>>>,
    /// A hash of a random password, verified when the account does not exist
    /// so that "no such account" takes as long as "wrong password".
    dummy_hash: Arc<OnceCell<String>>,
}

impl PasswordHasher {
    pub fn new(config: &PasswordConfig) -> anyhow::Result<Self> {
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            None,
        )
        .map_err(|e| anyhow::anyhow!("invalid password hashing parameters: {e}"))?;
        let permits = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(PasswordHasher {
            params,
            permits: Arc::new(Semaphore::new(permits)),
            permit_count: permits,
            buffers: Arc::new(Mutex::new(Vec::new())),
            dummy_hash: Arc::new(OnceCell::new()),
        })
    }

    /// A PHC string (`$argon2id$v=19$m=…`) for `password`.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let params = self.params.clone();
        let password = password.to_owned();
        self.run(move |memory| hash_with(&params, memory, password.as_bytes()))
            .await?
    }

    /// Whether `password` matches `hash`. `None` verifies against a dummy
    /// hash and returns false, taking the same time.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool> {
        let (hash, real) = match hash {
            Some(hash) => (hash.to_owned(), true),
            None => {
                let dummy = self
                    .dummy_hash
                    .get_or_try_init(|| async { self.hash(&random_password()).await })
                    .await?;
                (dummy.clone(), false)
            }
        };
        let password = password.to_owned();
        let matches = self
            .run(move |memory| verify_with(memory, password.as_bytes(), &hash))
            .await?;
        Ok(real && matches)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(Error::internal)?;
        let buffers = self.buffers.clone();
        let (permits, permit_count) = (self.permits.clone(), self.permit_count);
        tokio::task::spawn_blocking(move || {
            // Each permit holder takes one buffer, so the pool never holds
            // more buffers than there are permits.
            let take = || buffers.lock().unwrap_or_else(PoisonError::into_inner).pop();
            let mut memory = take().unwrap_or_default();
            let result = work(&mut memory);
            let mut pool = buffers.lock().unwrap_or_else(PoisonError::into_inner);
            // Every other permit free: no hash runs or waits (a hash waits
            // only when none is free), so nothing is kept for one.
            if permits.available_permits() + 1 == permit_count {
                pool.clear();
            } else {
                pool.push(memory);
            }
            drop(permit);
            result
        })
        .await
        .map_err(Error::internal)
    }
}

/// The first `count` blocks of the pooled buffer, growing it if needed.
fn blocks(memory: &mut Vec<Block>, count: usize) -> &mut [Block] {
    if memory.len() < count {
        memory.resize(count, Block::default());
    }
    &mut memory[..count]
}

fn hash_with(params: &Params, memory: &mut Vec<Block>, password: &[u8]) -> Result<String> {
    let fail = |e: &dyn std::fmt::Display| Error::internal(format!("password hashing failed: {e}"));
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(|e| fail(&e))?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password,
            salt_bytes,
            &mut out,
            blocks(memory, params.block_count()),
        )
        .map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(phc.to_string())
}

fn verify_with(memory: &mut Vec<Block>, password: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let hashed = Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password,
        salt_bytes,
        &mut out,
        blocks(memory, params.block_count()),
    );
    // `Output`'s equality is constant-time.
    hashed.is_ok() && Output::new(&out).is_ok_and(|out| out == expected)
}

fn random_password() -> String {
    use rand::Rng;
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;

    fn cheap() -> PasswordHasher {
        PasswordHasher::new(&PasswordConfig {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .expect("valid params")
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let hasher = cheap();
        let hash = hasher.hash("correct horse").await.expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
        assert!(
            hasher
                .verify("correct horse", Some(&hash))
                .await
                .expect("verify")
        );
        assert!(
            !hasher
                .verify("wrong horse", Some(&hash))
                .await
                .expect("verify")
        );
        assert!(!hasher.verify("correct horse", None).await.expect("verify"));
        assert!(
            !hasher
                .verify("x", Some("not a hash"))
                .await
                .expect("verify")
        );
    }

    #[tokio::test]
    async fn hashes_are_standard_phc_strings() {
        let hash = cheap().hash("correct horse").await.expect("hash");
        let parsed = PasswordHash::new(&hash).expect("PHC string");
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
    }

    #[tokio::test]
    async fn the_buffer_pool_never_outgrows_the_permits() {
        let hasher = cheap();
        let hashes = futures_util::future::join_all((0..16).map(|i| {
            let hasher = hasher.clone();
            async move { hasher.hash(&format!("password {i}")).await }
        }))
        .await;
        assert!(hashes.iter().all(Result::is_ok));
        let pooled = hasher.buffers.lock().map(|b| b.len()).unwrap_or(usize::MAX);
        assert!(
            pooled <= hasher.permits.available_permits(),
            "{pooled} buffers"
        );
        // Nothing hashes now: the last hash to finish emptied the pool.
        assert_eq!(pooled, 0, "buffers kept while idle");
    }
}
