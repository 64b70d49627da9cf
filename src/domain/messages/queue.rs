//! Where posts wait while the database is busy (group commit).
//!
//! A few writer tasks take turns at the queue: a free writer takes every
//! post waiting (up to [`BATCH_MAX`]) and writes them in one transaction
//! (`post::write`). A lone post goes straight through, as a batch of one;
//! under load, posts that arrive while the writers are busy share the next
//! batch's statements and commit. On PostgreSQL a batch is five round trips
//! whatever its size (BEGIN, the access check with the rate-limit locks,
//! the authors' counts, one statement that inserts the messages, counts and
//! events, COMMIT; more for mentions and replies), so this is what keeps
//! the write path from being bound by round trips.

use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::Message;
use super::post::{self, NewMessage, Pending};
use crate::auth::Viewer;
use crate::config::Limits;
use crate::error::{Error, Result};

/// Posts written in one transaction at most.
pub const BATCH_MAX: usize = 64;
/// Writers on PostgreSQL: one batch in flight while the next forms. More
/// writers make smaller batches, and a post's share of the database's work
/// grows as its batch shrinks: at 32 posts in flight, PostgreSQL spent
/// 0.21, 0.28 and 0.38 ms of CPU per post with 1, 2 and 4 writers. One
/// writer leaves the machine idle between batches; two kept the rate of
/// four (about 3,000 posts/s) with a quarter less database work. On a
/// later, less loaded machine, 1 to 4 writers gave the same rate within
/// its noise (about 4,000 posts/s): there a batch's round trips set the
/// pace, not the CPU. (SQLite writes one transaction at a time: one
/// writer.)
const POSTGRES_WRITERS: usize = 2;
/// Posts waiting at most; a request beyond waits to join the queue.
const WAITING_MAX: usize = 4096;

/// A post waiting to be written, and who waits for its outcome.
struct Job {
    post: Pending,
    outcome: oneshot::Sender<Result<Message>>,
}

/// The handle requests post through. Cloning shares the queue; the writers
/// stop when the last handle is dropped.
#[derive(Clone)]
pub struct PostQueue {
    jobs: mpsc::Sender<Job>,
}

impl PostQueue {
    /// Starts the writers (within a tokio runtime).
    pub fn start(db: DatabaseConnection, limits: Limits) -> PostQueue {
        let (jobs, waiting) = mpsc::channel(WAITING_MAX);
        let writers = match db.get_database_backend() {
            DbBackend::Sqlite => 1,
            _ => POSTGRES_WRITERS,
        };
        let waiting = Arc::new(Mutex::new(waiting));
        let limits = Arc::new(limits);
        for _ in 0..writers {
            tokio::spawn(write_in_turn(db.clone(), limits.clone(), waiting.clone()));
        }
        PostQueue { jobs }
    }

    /// Posts a message (see `post::post`), together with whatever else is
    /// being posted at the moment.
    pub async fn post(&self, viewer: &Viewer, new: NewMessage) -> Result<Message> {
        let post = Pending::new(viewer, new)?;
        let (outcome, answer) = oneshot::channel();
        self.jobs
            .send(Job { post, outcome })
            .await
            .map_err(|_| Error::internal("the post writers have stopped"))?;
        answer
            .await
            .map_err(|_| Error::internal("a post writer stopped before answering"))?
    }
}

/// One writer: waits for its turn at the queue, takes what waits there,
/// writes it and answers each post.
async fn write_in_turn(
    db: DatabaseConnection,
    limits: Arc<Limits>,
    waiting: Arc<Mutex<mpsc::Receiver<Job>>>,
) {
    loop {
        let jobs = {
            let mut waiting = waiting.lock().await;
            let Some(first) = waiting.recv().await else {
                return;
            };
            let mut jobs = vec![first];
            while jobs.len() < BATCH_MAX {
                match waiting.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            jobs
        };
        let (posts, answers): (Vec<Pending>, Vec<_>) =
            jobs.into_iter().map(|j| (j.post, j.outcome)).unzip();
        let outcomes = post::write(&db, &limits, posts).await;
        for (answer, outcome) in answers.into_iter().zip(outcomes) {
            // The request may have gone away; its post stands.
            let _ = answer.send(outcome);
        }
    }
}
