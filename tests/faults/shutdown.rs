//! Graceful shutdown: SIGTERM stops accepting, closes sockets with 1001,
//! lets requests in flight finish within the grace period, and leaves
//! nothing claimed; a post in flight is either stored and acknowledged or
//! refused and not stored, never stored without an answer.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use tokio::sync::watch;

use crate::client::{self, Follower, Outcomes, Person, create_people, keep_posting};
use crate::cluster::{Cluster, scalar};
use crate::server::Server;

const POSTERS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_answers_what_it_started_and_stores_nothing_unanswered() {
    let _alone = crate::one_at_a_time().await;
    let test_started = std::time::Instant::now();
    let cluster = Cluster::start().await;
    let url = cluster.create_database("synaps").await;
    create_people(&url, POSTERS).await;
    let db = cluster.connect("synaps").await;
    let first = Server::start(&url, &[]).await;
    let (people, channel) = client::sign_in_and_open_channel(&first.address, &db, POSTERS).await;

    // Requests in flight at SIGTERM are answered, even when they wait for
    // the database well after it.
    let follower = Follower::start(
        vec![first.address.clone()],
        people[0].token.clone(),
        channel.clone(),
    )
    .await;
    let (mut first, run) = terminate_while_posting(
        first,
        &db,
        &people,
        &channel,
        "first",
        Duration::from_millis(1500),
    )
    .await;
    assert!(
        !run.gone_before_unlock,
        "the server exited while requests were in flight"
    );
    let terminated_at = run.terminated_at;
    let status = first.wait(Duration::from_secs(10)).await;
    let outcomes = run.finish().await;
    assert_eq!(
        status.map(|s| s.success()),
        Some(true),
        "the server did not exit cleanly within 10 s of the database letting go"
    );
    assert!(
        outcomes
            .iter()
            .flat_map(|o| &o.acknowledged_at)
            .any(|at| *at > terminated_at + Duration::from_millis(1000)),
        "no post in flight at SIGTERM was answered once the database let it through"
    );
    let ended = follower.ended();
    follower.stop().await;
    assert!(
        ended.first().is_some_and(|why| why == "closed 1001"),
        "the subscriber's socket was not closed with 1001: {ended:?}"
    );
    first.assert_no_panic();
    let answered = outcomes.iter().map(|o| o.stored.len()).sum::<usize>();
    check_nothing_unanswered(&db, &outcomes, &HashSet::new(), first.pid()).await;

    // Requests still waiting when the grace period ends are cut off: not
    // answered, and not stored either.
    let second = Server::start(&url, &[("SYNAPS_SHUTDOWN_GRACE_SECS", "1")]).await;
    let before: HashSet<String> = client::stored(&db).await.into_keys().collect();
    let (mut second, run) = terminate_while_posting(
        second,
        &db,
        &people,
        &channel,
        "second",
        Duration::from_secs(4),
    )
    .await;
    assert!(
        run.gone_before_unlock,
        "the server still ran 4 s after SIGTERM with a 1 s grace period"
    );
    let stopped_after = run.terminated_at.elapsed();
    let status = second.wait(Duration::from_secs(1)).await;
    let outcomes = run.finish().await;
    assert_eq!(
        status.map(|s| s.success()),
        Some(true),
        "the server did not exit cleanly at the end of its grace period"
    );
    let cut_off = outcomes.iter().map(|o| o.refused.len()).sum::<usize>();
    assert!(
        cut_off > 0,
        "no post was in flight when the grace period ended"
    );
    second.assert_no_panic();
    check_nothing_unanswered(&db, &outcomes, &before, second.pid()).await;
    eprintln!(
        "shutdown: {answered} posts answered across a SIGTERM; with a 1 s grace, {cut_off} cut off \
         and not stored, the process gone {stopped_after:?} after SIGTERM"
    );
    eprintln!("shutdown: the test took {:?}", test_started.elapsed());
}

/// Posting in progress against a server being shut down.
struct Run {
    stop: watch::Sender<bool>,
    posters: Vec<tokio::task::JoinHandle<Outcomes>>,
    terminated_at: Instant,
    /// Whether the process had exited when the lock was let go.
    gone_before_unlock: bool,
}

impl Run {
    async fn finish(self) -> Vec<Outcomes> {
        let _ = self.stop.send(true);
        let mut outcomes = Vec::new();
        for poster in self.posters {
            outcomes.push(poster.await.expect("poster"));
        }
        outcomes
    }
}

/// Starts posting to `server`, takes a lock that holds every post at its
/// INSERT, sends SIGTERM while posts wait on it, and lets go of the lock
/// `hold` after SIGTERM (or when the process has exited, if sooner).
async fn terminate_while_posting(
    server: Server,
    db: &DatabaseConnection,
    people: &[Person],
    channel: &str,
    tag: &str,
    hold: Duration,
) -> (Server, Run) {
    let (stop, stopped) = watch::channel(false);
    let posters = people
        .iter()
        .enumerate()
        .map(|(n, person)| {
            tokio::spawn(keep_posting(
                vec![server.address.clone()],
                person.clone(),
                channel.to_owned(),
                format!("{tag} {n}"),
                usize::MAX,
                Duration::ZERO,
                stopped.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let lock = db.begin().await.expect("transaction");
    lock.execute_unprepared("LOCK TABLE messages IN SHARE ROW EXCLUSIVE MODE")
        .await
        .expect("lock");
    // Let posts pile up at the lock (each poster has one in flight).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let waiting = scalar(
        db,
        "SELECT count(*)::text FROM pg_locks WHERE relation = 'messages'::regclass AND NOT granted",
    )
    .await;
    assert_ne!(waiting, "0", "no post is waiting at the lock");
    server.terminate();
    let terminated_at = Instant::now();
    let mut server = server;
    let gone_before_unlock = server.wait(hold).await.is_some();
    lock.commit().await.expect("unlock");
    (
        server,
        Run {
            stop,
            posters,
            terminated_at,
            gone_before_unlock,
        },
    )
}

/// Every stored post of this run was acknowledged (and as stored); the
/// process left nothing behind in the database.
async fn check_nothing_unanswered(
    db: &DatabaseConnection,
    outcomes: &[Outcomes],
    before: &HashSet<String>,
    pid: u32,
) {
    let stored = client::stored(db).await;
    crate::restart::check_acknowledged(outcomes, &stored);
    let acknowledged: HashSet<&String> = outcomes.iter().flat_map(|o| o.stored.keys()).collect();
    for body in stored.keys() {
        assert!(
            before.contains(body) || acknowledged.contains(body),
            "{body:?} is stored but its request got no answer"
        );
    }
    // A backend notices its client is gone when it next talks to it.
    let connections = format!(
        "SELECT count(*)::text FROM pg_stat_activity WHERE application_name = 'synaps {pid}'"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while scalar(db, &connections).await != "0" {
        assert!(
            Instant::now() < deadline,
            "the stopped server's connections are still open"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let claims = scalar(
        db,
        "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory'",
    )
    .await;
    assert_eq!(
        claims, "0",
        "advisory locks (scheduler claims) are still held"
    );
}
