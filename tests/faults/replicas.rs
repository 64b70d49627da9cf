//! Three replicas on one database, 10,000 messages posted across them while
//! one replica's LISTEN connection is terminated five times: every
//! subscriber on every replica receives all of them, once, in order.

use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::client::{self, Follower, create_people, keep_posting, sign_in_and_open_channel};
use crate::cluster::{Cluster, scalar};
use crate::server::Server;

const MESSAGES: usize = 10_000;
/// Each posts as someone else: posts of one author take turns on the
/// author's rate-limit lock, across replicas.
const POSTERS: usize = 24;
const CUTS: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_deliver_everything_while_a_listener_is_cut() {
    let _alone = crate::one_at_a_time().await;
    let test_started = std::time::Instant::now();
    let cluster = Cluster::start().await;
    let url = cluster.create_database("synaps").await;
    create_people(&url, POSTERS).await;
    let mut servers = Vec::new();
    for _ in 0..3 {
        servers.push(Server::start(&url, &[]).await);
    }
    let db = cluster.connect("synaps").await;
    let (people, channel) = sign_in_and_open_channel(&servers[0].address, &db, POSTERS).await;
    // Two subscribers on each replica.
    let mut followers = Vec::new();
    for (n, person) in people[..6].iter().enumerate() {
        let address = servers[n % 3].address.clone();
        followers.push(Follower::start(vec![address], person.token.clone(), channel.clone()).await);
    }

    let started = Instant::now();
    let (_stop, stopped) = watch::channel(false);
    let posters: Vec<_> = (0..POSTERS)
        .map(|n| {
            let share = MESSAGES / POSTERS + usize::from(n < MESSAGES % POSTERS);
            tokio::spawn(keep_posting(
                vec![servers[n % 3].address.clone()],
                people[n].clone(),
                channel.clone(),
                format!("poster {n}"),
                share,
                Duration::ZERO,
                stopped.clone(),
            ))
        })
        .collect();

    // Cut the second replica's listener five times while the posts flow,
    // each time once it is listening again.
    let listening = format!(
        "SELECT count(*)::text FROM pg_stat_activity WHERE application_name = 'synaps {}' \
         AND query ILIKE 'LISTEN%'",
        servers[1].pid()
    );
    let cut = format!(
        "SELECT count(pg_terminate_backend(pid))::text FROM pg_stat_activity \
         WHERE application_name = 'synaps {}' AND query ILIKE 'LISTEN%'",
        servers[1].pid()
    );
    for n in 0..CUTS {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while scalar(&db, &listening).await != "1" {
            assert!(Instant::now() < deadline, "the listener did not come back");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            scalar(&db, &cut).await,
            "1",
            "cut {n}: no listener to terminate"
        );
        assert!(
            posters.iter().any(|p| !p.is_finished()),
            "the posts were all made before cut {n}: cut sooner"
        );
    }
    let outcomes = client::none_refused(posters).await;
    let posting = started.elapsed();
    let stored = client::stored(&db).await;
    crate::restart::check_acknowledged(&outcomes, &stored);
    assert_eq!(stored.len(), MESSAGES);

    let resumes: usize =
        client::check_followers(followers, &stored, &db, Duration::from_secs(60), |n| {
            format!("subscriber {n} (replica {})", n % 3)
        })
        .await
        .iter()
        .sum();
    for server in &servers {
        server.assert_no_panic();
    }
    eprintln!(
        "replicas: {MESSAGES} messages posted in {posting:?}, all delivered {:?} after the start; \
         the listener cut {CUTS} times; subscribers resumed {resumes} times",
        started.elapsed()
    );
    eprintln!("replicas: the test took {:?}", test_started.elapsed());
}
