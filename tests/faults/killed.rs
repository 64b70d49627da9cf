//! A replica killed with SIGKILL mid-stream: its subscribers reconnect to
//! another replica with their `after` cursor and miss nothing.

use std::time::Duration;

use tokio::sync::watch;

use crate::client::{self, create_people, keep_posting, sign_in_and_open_channel};
use crate::cluster::Cluster;
use crate::server::Server;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_replica_s_subscribers_resume_on_another_and_miss_nothing() {
    let _alone = crate::one_at_a_time().await;
    let test_started = std::time::Instant::now();
    let cluster = Cluster::start().await;
    let url = cluster.create_database("synaps").await;
    create_people(&url, 4).await;
    let mut doomed = Server::start(&url, &[]).await;
    let survivor = Server::start(&url, &[]).await;
    let db = cluster.connect("synaps").await;
    let (people, channel) = sign_in_and_open_channel(&survivor.address, &db, 4).await;
    // Subscribed on the doomed replica; the survivor is where they go next.
    let addresses = vec![doomed.address.clone(), survivor.address.clone()];
    let followers = client::follow_as(&addresses, &people[..2], &channel).await;

    let (stop, stopped) = watch::channel(false);
    let posters: Vec<_> = people
        .iter()
        .enumerate()
        .map(|(n, person)| {
            tokio::spawn(keep_posting(
                vec![survivor.address.clone()],
                person.clone(),
                channel.clone(),
                format!("poster {n}"),
                usize::MAX,
                Duration::from_millis(5),
                stopped.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = followers[0].received().len();
    doomed.kill();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = stop.send(true);
    let outcomes = client::none_refused(posters).await;
    let stored = client::stored(&db).await;
    crate::restart::check_acknowledged(&outcomes, &stored);
    assert!(before > 0, "nothing was delivered before the kill");

    let resumes = client::check_followers(followers, &stored, &db, Duration::from_secs(20), |n| {
        format!("subscriber {n}")
    })
    .await;
    for (n, resumed) in resumes.iter().enumerate() {
        assert!(*resumed > 0, "subscriber {n} never reconnected");
    }
    survivor.assert_no_panic();
    eprintln!(
        "killed: {} messages, {before} delivered before the kill, every subscriber resumed on the survivor",
        stored.len()
    );
    eprintln!("killed: the test took {:?}", test_started.elapsed());
}
