//! PostgreSQL restarted under load: posts fail fast with UNAVAILABLE while
//! it is down, `/readyz` says 503, and within 5 s of its return everything
//! works again; nothing acknowledged is lost, nothing is doubled, and the
//! subscribers get every message once, in order.

use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::client::{
    self, Outcomes, create_people, keep_posting, readyz, sign_in_and_open_channel,
};
use crate::cluster::Cluster;
use crate::server::Server;

const POSTERS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restarted_under_load_loses_nothing() {
    let _alone = crate::one_at_a_time().await;
    let test_started = std::time::Instant::now();
    let cluster = Cluster::start().await;
    let url = cluster.create_database("synaps").await;
    create_people(&url, POSTERS).await;
    let server = Server::start(&url, &[]).await;
    let db = cluster.connect("synaps").await;
    let (people, channel) = sign_in_and_open_channel(&server.address, &db, POSTERS).await;
    db.close().await.ok();
    let addresses = vec![server.address.clone()];
    let followers = client::follow_as(&addresses, &people[..2], &channel).await;

    let (stop, stopped) = watch::channel(false);
    let posters: Vec<_> = people
        .iter()
        .enumerate()
        .map(|(n, person)| {
            tokio::spawn(keep_posting(
                addresses.clone(),
                person.clone(),
                channel.clone(),
                format!("poster {n}"),
                usize::MAX,
                Duration::from_millis(20),
                stopped.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Down: stopped cleanly, sessions ended; posting goes on.
    let down_at = Instant::now();
    cluster.stop_fast();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("client");
    let mut probes = Vec::new();
    while down_at.elapsed() < Duration::from_secs(3) {
        let asked = Instant::now();
        probes.push((readyz(&http, &server.address).await, asked.elapsed()));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for (status, took) in &probes {
        assert_eq!(
            *status, 503,
            "/readyz while the database is down: {probes:?}"
        );
        assert!(
            *took < Duration::from_secs(5),
            "/readyz took {took:?} to answer"
        );
    }

    // Back: ready and writing within 5 s.
    cluster.start_again().await;
    let back_at = Instant::now();
    while readyz(&http, &server.address).await != 200 {
        assert!(
            back_at.elapsed() < Duration::from_secs(5),
            "/readyz not 200 within 5 s of the database's return"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ready_after = back_at.elapsed();
    for attempt in 0.. {
        let body = format!("after the restart, attempt {attempt}");
        let wrote = client::post(&http, &server.address, &people[0], &channel, &body).await;
        if wrote.is_ok() {
            break;
        }
        assert!(
            back_at.elapsed() < Duration::from_secs(5),
            "no write succeeded within 5 s of the database's return: {wrote:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let writing_after = back_at.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = stop.send(true);
    let mut outcomes = Vec::new();
    for poster in posters {
        outcomes.push(poster.await.expect("poster"));
    }

    // Refusals: fast, and UNAVAILABLE, never INTERNAL.
    let refused: Vec<_> = outcomes.iter().flat_map(|o| &o.refused).collect();
    assert!(
        !refused.is_empty(),
        "nothing was posted while the database was down"
    );
    for (body, why, took) in &refused {
        assert_eq!(why, "UNAVAILABLE", "{body:?} was refused with {why}");
        assert!(
            *took < Duration::from_secs(10),
            "{body:?} took {took:?} to be refused"
        );
    }
    let slowest = refused.iter().map(|r| r.2).max().unwrap_or_default();

    // Every acknowledged post stored once (`stored` panics on a double).
    let db = cluster.connect("synaps").await;
    let stored = client::stored(&db).await;
    check_acknowledged(&outcomes, &stored);

    // Every subscriber: every message stored, once, in order.
    let resumes = client::check_followers(followers, &stored, &db, Duration::from_secs(20), |n| {
        format!("subscriber {n}")
    })
    .await;
    eprintln!("subscribers resumed {resumes:?} times");
    server.assert_no_panic();
    eprintln!(
        "restart: {} posts acknowledged, {} refused while down (slowest refusal {slowest:?}); \
         ready {ready_after:?} and writing {writing_after:?} after the database was back",
        stored.len(),
        refused.len()
    );
    eprintln!("restart: the test took {:?}", test_started.elapsed());
}

/// Each acknowledged post is stored, under the id it was acknowledged with.
#[track_caller]
pub fn check_acknowledged(
    outcomes: &[Outcomes],
    stored: &std::collections::HashMap<String, String>,
) {
    for outcome in outcomes {
        for (body, id) in &outcome.stored {
            assert_eq!(
                stored.get(body),
                Some(id),
                "{body:?} was acknowledged as {id} but is not stored as such"
            );
        }
    }
}
