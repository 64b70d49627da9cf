//! Sessions that checked out recently, remembered in process so that a
//! request authenticates without a database round trip.
//!
//! Every request with a bearer token used to read its session joined to its
//! user: one statement out of the eight of a feed page, one of ten of a
//! post. A remembered session is still checked against the token (user,
//! token version) and forgotten:
//!
//! - at once in this process, when a session is revoked or a person's
//!   access changes ([`forget_session`], [`forget_user`], called by
//!   `sessions::revoke_*` and role changes);
//! - on every replica, when the relay delivers the `Topic::SessionsChanged`
//!   event those write in the same transaction ([`forget_on_events`]);
//! - after [`TTL`] in any case, which bounds how long a replica could trust
//!   a revoked session were that event ever missed.
//!
//! A lookup that raced a revocation must not put the old answer back: each
//! forgetting bumps a generation, and an answer read before the bump is not
//! remembered.
//!
//! Open WebSockets watch [`changes`] and check their session again when a
//! change concerns it, so a socket closes when its session is revoked or its
//! person's role changes (and the others cost nothing).
//!
//! The memory is process-wide, like `events::wake`: revocations happen in
//! domain code that has a database connection, not the server's state.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

use super::Actor;
use crate::events::{Recorded, Sessions, Topic};

/// How long a session is trusted without looking at the database.
pub const TTL: Duration = Duration::from_secs(30);
/// The most sessions remembered; beyond, new ones are looked up every time
/// until expired ones are swept.
const CAPACITY: usize = 100_000;

/// What a token must match to be let in on memory.
#[derive(Clone, Debug)]
pub struct Remembered {
    pub actor: Actor,
    pub token_version: i32,
}

struct Entry {
    remembered: Remembered,
    at: Instant,
}

#[derive(Default)]
struct SessionCache {
    entries: Mutex<HashMap<Uuid, Entry>>,
    generation: AtomicU64,
}

static CACHE: LazyLock<SessionCache> = LazyLock::new(SessionCache::default);

/// What was forgotten: open WebSockets, which checked their session once
/// when they began, check it again if it concerns them.
#[derive(Clone, Copy, Debug)]
pub enum Forgotten {
    Session(Uuid),
    User(Uuid),
    Everything,
}

impl Forgotten {
    /// Whether `actor`'s session or access may have changed.
    pub fn concerns(self, actor: &Actor) -> bool {
        match self {
            Forgotten::Session(id) => id == actor.session_id,
            Forgotten::User(id) => id == actor.user_id,
            Forgotten::Everything => true,
        }
    }

    fn matches(self, session_id: &Uuid, entry: &Entry) -> bool {
        match self {
            Forgotten::Session(id) => id == *session_id,
            Forgotten::User(id) => id == entry.remembered.actor.user_id,
            Forgotten::Everything => true,
        }
    }
}

/// Revocations are rare; a socket that falls this far behind checks again
/// whatever it missed.
const CHANGES_BUFFERED: usize = 256;

static FORGOTTEN: LazyLock<broadcast::Sender<Forgotten>> =
    LazyLock::new(|| broadcast::channel(CHANGES_BUFFERED).0);

/// Everything forgotten from now on. A receiver that lagged cannot know
/// what it missed: treat that as [`Forgotten::Everything`].
pub fn changes() -> broadcast::Receiver<Forgotten> {
    FORGOTTEN.subscribe()
}

/// The generation to pass to [`remember`] for a lookup starting now.
pub fn generation() -> u64 {
    CACHE.generation.load(Ordering::Acquire)
}

/// The session, if it checked out less than [`TTL`] ago and nothing about
/// it changed since.
pub fn recall(session_id: Uuid) -> Option<Remembered> {
    let entries = lock();
    let entry = entries.get(&session_id)?;
    (entry.at.elapsed() < TTL).then(|| entry.remembered.clone())
}

/// Remembers a session that checked out, unless something was forgotten
/// since `generation` was read (the lookup may have seen the old state).
pub fn remember(generation: u64, remembered: Remembered) {
    let mut entries = lock();
    // Under the lock: a forgetting bumps the generation under it too.
    if CACHE.generation.load(Ordering::Acquire) != generation {
        return;
    }
    if entries.len() >= CAPACITY {
        entries.retain(|_, entry| entry.at.elapsed() < TTL);
        if entries.len() >= CAPACITY {
            return;
        }
    }
    let session_id = remembered.actor.session_id;
    entries.insert(
        session_id,
        Entry {
            remembered,
            at: Instant::now(),
        },
    );
}

/// Forgets one session.
pub fn forget_session(session_id: Uuid) {
    forget(Forgotten::Session(session_id));
}

/// Forgets every session of one person.
pub fn forget_user(user_id: Uuid) {
    forget(Forgotten::User(user_id));
}

fn forget(what: Forgotten) {
    {
        let mut entries = lock();
        CACHE.generation.fetch_add(1, Ordering::AcqRel);
        entries.retain(|id, entry| !what.matches(id, entry));
    }
    // No receivers (no open socket) is fine.
    let _ = FORGOTTEN.send(what);
}

fn lock() -> std::sync::MutexGuard<'static, HashMap<Uuid, Entry>> {
    // A panic while holding the lock leaves a consistent map: entries are
    // only inserted or removed whole.
    CACHE
        .entries
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Forgets the sessions that `Topic::SessionsChanged` events delivered by
/// the relay name,
/// until `events` closes: revocations made by other replicas (and by the
/// command line) reach this one. A subscriber that lagged forgets
/// everything, since it cannot know what it missed.
pub async fn forget_on_events(mut events: broadcast::Receiver<Arc<Recorded>>) {
    loop {
        match events.recv().await {
            Ok(event) => {
                if let Topic::SessionsChanged { sessions } = event.topic {
                    match sessions {
                        Sessions::One(session_id) => forget_session(session_id),
                        Sessions::OfUser(user_id) => forget_user(user_id),
                        Sessions::All => forget(Forgotten::Everything),
                    }
                }
            }
            Err(RecvError::Lagged(_)) => forget(Forgotten::Everything),
            Err(RecvError::Closed) => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    /// The cache is process-wide: a test that forgets bumps the generation
    /// under another test's `remember`, which then (rightly) remembers
    /// nothing. The tests that touch it take turns.
    static TURNS: Mutex<()> = Mutex::new(());

    fn my_turn() -> std::sync::MutexGuard<'static, ()> {
        TURNS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn session(user_id: Uuid) -> Remembered {
        Remembered {
            actor: Actor {
                user_id,
                role: Role::Staff,
                session_id: Uuid::now_v7(),
            },
            token_version: 0,
        }
    }

    #[test]
    fn remembers_and_forgets_by_session_and_by_user() {
        let _turn = my_turn();
        let (a, b) = (session(Uuid::now_v7()), session(Uuid::now_v7()));
        remember(generation(), a.clone());
        remember(generation(), b.clone());
        assert!(recall(a.actor.session_id).is_some());
        forget_session(a.actor.session_id);
        assert!(recall(a.actor.session_id).is_none());
        assert!(recall(b.actor.session_id).is_some());
        forget_user(b.actor.user_id);
        assert!(recall(b.actor.session_id).is_none());
    }

    #[test]
    fn a_change_concerns_only_the_session_or_person_it_names() {
        let a = session(Uuid::now_v7()).actor;
        assert!(Forgotten::Session(a.session_id).concerns(&a));
        assert!(Forgotten::User(a.user_id).concerns(&a));
        assert!(Forgotten::Everything.concerns(&a));
        assert!(!Forgotten::Session(Uuid::now_v7()).concerns(&a));
        assert!(!Forgotten::User(Uuid::now_v7()).concerns(&a));
    }

    #[test]
    fn an_answer_read_before_a_forgetting_is_not_remembered() {
        let _turn = my_turn();
        let a = session(Uuid::now_v7());
        let before = generation();
        forget_user(Uuid::now_v7());
        remember(before, a.clone());
        assert!(recall(a.actor.session_id).is_none());
    }
}
