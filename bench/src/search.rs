//! `search`: the query box. Signed-in bench people run
//! `search(query: $q, first: 20) { edges { node { kind snippet node {
//! __typename } } } }` with queries from two sets, measured apart:
//!
//! - **typing**: search as you type. Each worker types a common word of the
//!   bench data (the vocabulary of `src/seed/bench.rs` and
//!   `src/seed/checkins.rs`: `onboarding`, `customer`, `webinar`, …) one
//!   letter at a time, a search per prefix from `--min-prefix` letters to
//!   the whole word (`on`, `onb`, `onbo`, …, `onboarding`), then the next
//!   word. Short prefixes match most of the index. Latencies are also
//!   reported per prefix length.
//! - **rare**: words that occur in three messages each. The bench data has
//!   none (its messages are made of a few dozen sentences), so before
//!   measuring the scenario posts `--rare-words` messages through
//!   `postMessage`, message *i* holding made-up words *i*, *i+1* and *i+2*
//!   (mod `--rare-words`), each word spelled from this run's id so no other
//!   run's words match; every word is then in exactly three messages, all
//!   visible to every bench person. The messages stay (re-seed for a clean
//!   database).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use futures_util::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::json;

use crate::graphql::Client;
use crate::stats::{self, Failure, Worker};
use crate::{Load, Target, graphql};

const SEARCH: &str = "query Search($q: String!, $first: Int!) { \
    search(query: $q, first: $first) { edges { node { kind snippet node { __typename } } } } }";

const POST: &str = "mutation Post($input: PostMessageInput!) {
  postMessage(input: $input) { message { id } }
}";

/// Common words of the bench data: every one is in thousands of messages
/// or check-ins.
const COMMON: [&str; 24] = [
    "onboarding",
    "campaign",
    "pipeline",
    "northwind",
    "renewal",
    "customer",
    "newsletter",
    "webinar",
    "pricing",
    "holiday",
    "survey",
    "results",
    "release",
    "backlog",
    "booth",
    "articles",
    "quarterly",
    "update",
    "someone",
    "feedback",
    "reminder",
    "details",
    "standup",
    "support",
];

/// Which query set to measure.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryKind {
    /// Successive prefixes of common words.
    Typing,
    /// Words in three messages each (posted first).
    Rare,
    /// Typing, then rare.
    Both,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub load: Load,
    /// Which queries: typing, rare or both (in turn, reported apart).
    #[arg(long, value_enum, default_value = "both")]
    pub kind: QueryKind,
    /// Bench people to sign in; workers take them in turn.
    #[arg(long, default_value_t = 32)]
    pub users: usize,
    /// The first of them (1-based).
    #[arg(long, default_value_t = 1)]
    pub first_user: usize,
    /// Logins at a time (each costs the server an argon2 hash).
    #[arg(long, default_value_t = 8)]
    pub login_concurrency: usize,
    /// Hits per page (`first`).
    #[arg(long, default_value_t = 20)]
    pub first: usize,
    /// `typing`: the shortest prefix searched (the server treats a query
    /// word of 2 letters or more as a prefix).
    #[arg(long, default_value_t = 2)]
    pub min_prefix: usize,
    /// `rare`: how many made-up words (and messages holding three each) to
    /// post before measuring.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(3..=216_000))]
    pub rare_words: u32,
}

/// What the bench reads of an answer: how many hits came.
#[derive(Deserialize)]
struct Found {
    search: Hits,
}

#[derive(Deserialize)]
struct Hits {
    edges: Vec<IgnoredAny>,
}

/// Latencies of the measured steps by the length of the query, in µs.
type ByLength = Arc<Mutex<BTreeMap<usize, Vec<u64>>>>;

/// The queries a worker runs in turn.
enum Queries {
    /// Types a random common word, prefix after prefix.
    Typing {
        word: &'static str,
        next: usize,
        min: usize,
    },
    /// A random one of the rare words.
    Rare(Arc<[String]>),
}

impl Queries {
    fn next(&mut self, rng: &mut StdRng) -> String {
        match self {
            Queries::Typing { word, next, min } => {
                if *next > word.len() || word.is_empty() {
                    *word = COMMON[rng.random_range(0..COMMON.len())];
                    *next = (*min).clamp(1, word.len());
                }
                let query = word[..*next].to_owned();
                *next += 1;
                query
            }
            Queries::Rare(words) => words[rng.random_range(0..words.len())].clone(),
        }
    }
}

struct Searcher {
    client: Client,
    token: Arc<str>,
    queries: Queries,
    rng: StdRng,
    first: usize,
    /// When the measured time begins: steps from then on are also
    /// recorded by query length.
    measured_from: Instant,
    by_length: ByLength,
}

impl Worker for Searcher {
    async fn step(&mut self) -> Result<u64, Failure> {
        let q = self.queries.next(&mut self.rng);
        let began = Instant::now();
        let found: Found = self
            .client
            .execute_as(
                Some(&self.token),
                SEARCH,
                json!({ "q": q, "first": self.first }),
            )
            .await?;
        if began >= self.measured_from
            && let Ok(mut by_length) = self.by_length.lock()
        {
            let us = u64::try_from(began.elapsed().as_micros()).unwrap_or(u64::MAX);
            by_length.entry(q.chars().count()).or_default().push(us);
        }
        Ok(found.search.edges.len() as u64)
    }
}

/// `n` as `width` consonant-vowel syllables (60 to a syllable), letters
/// only: nothing in the bench data is spelled alike.
fn syllables(mut n: u64, width: usize, out: &mut String) {
    const CONSONANTS: &[u8] = b"bdfghklmnprstvz";
    const VOWELS: &[u8] = b"aiou";
    let base = (CONSONANTS.len() * VOWELS.len()) as u64;
    for _ in 0..width {
        let s = (n % base) as usize;
        out.push(CONSONANTS[s / VOWELS.len()] as char);
        out.push(VOWELS[s % VOWELS.len()] as char);
        n /= base;
    }
}

/// This run's `count` rare words: `qx`, the run's id, `qx`, the word's
/// number, each as syllables of a fixed width, so that every word has the
/// same length and none is a prefix of another (a query word is also a
/// prefix).
fn rare_words(run: u32, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let mut word = String::from("qx");
            // 60^6 > 2^32; 60^3 = 216,000 words at most.
            syllables(u64::from(run), 6, &mut word);
            word.push_str("qx");
            syllables(i as u64, 3, &mut word);
            word
        })
        .collect()
}

/// Posts message *i* with words *i*, *i+1*, *i+2*: each word in three
/// messages.
async fn post_rare(
    client: &Client,
    tokens: &[String],
    channels: &[String],
    words: &[String],
    seed: u64,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let n = words.len();
    let posts: Vec<(String, String, String)> = (0..n)
        .map(|i| {
            let body = format!(
                "synaps-bench search: {} {} {} (rare words)",
                words[i],
                words[(i + 1) % n],
                words[(i + 2) % n]
            );
            let token = tokens[i % tokens.len()].clone();
            let channel = channels[rng.random_range(0..channels.len())].clone();
            (token, channel, body)
        })
        .collect();
    let results: Vec<Result<serde_json::Value, Failure>> = futures_util::stream::iter(posts)
        .map(|(token, channel, body)| async move {
            client
                .execute(
                    Some(&token),
                    POST,
                    json!({ "input": { "channelId": channel, "body": body } }),
                )
                .await
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let failed: Vec<String> = results
        .into_iter()
        .filter_map(|r| r.err().map(|e| e.to_string()))
        .collect();
    if let Some(first) = failed.first() {
        anyhow::bail!(
            "{} of {n} posts with rare words failed, e.g. {first} (RATE_LIMITED: pass more \
             --users or fewer --rare-words)",
            failed.len()
        );
    }
    println!(
        "posted {n} messages with {n} rare words (three each) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let target = &args.target;
    let load = &args.load;
    let concurrency = load.workers();
    let first_user = args.first_user.max(1);
    let emails: Vec<String> = (first_user..first_user + args.users.max(1))
        .map(|i| target.email(i))
        .collect();
    // Only to warn about a database without planner statistics: search has
    // no raw SQL phase.
    let db = load.database().await?;
    let client = target.client(concurrency)?;
    let tokens: Vec<String> =
        graphql::login_all(&client, &emails, &target.password, args.login_concurrency).await?;
    let shared: Vec<Arc<str>> = tokens.iter().map(|t| Arc::from(t.as_str())).collect();

    let phases: &[QueryKind] = match args.kind {
        QueryKind::Both => &[QueryKind::Typing, QueryKind::Rare],
        QueryKind::Typing => &[QueryKind::Typing],
        QueryKind::Rare => &[QueryKind::Rare],
    };
    let rare: Option<Arc<[String]>> = if phases.contains(&QueryKind::Rare) {
        let run = rand::random::<u32>();
        let words = rare_words(run, args.rare_words as usize);
        let slugs = target.slugs();
        anyhow::ensure!(!slugs.is_empty(), "no channels to post the rare words to");
        let channels = client
            .channel_ids(tokens.first().context("no users")?, &slugs)
            .await?;
        post_rare(&client, &tokens, &channels, &words, target.seed).await?;
        Some(words.into())
    } else {
        None
    };

    for phase in phases {
        let rare = rare.clone();
        let (title, described) = match phase {
            QueryKind::Typing => (
                "search, typing (prefixes of common words)",
                format!(
                    "prefixes of {} common words, {} letters to the whole word",
                    COMMON.len(),
                    args.min_prefix
                ),
            ),
            _ => (
                "search, rare words (each in 3 messages)",
                format!(
                    "a random one of {} rare words",
                    rare.as_ref().map_or(0, |r| r.len())
                ),
            ),
        };
        println!(
            "{title}: {described}; first {}; {concurrency} workers as {} people; {} s warm-up, \
             then {} s measured",
            args.first,
            shared.len(),
            load.warmup,
            load.duration().as_secs()
        );
        let by_length: ByLength = Arc::default();
        let measured_from = Instant::now() + load.warmup();
        let workers = (0..concurrency)
            .map(|w| Searcher {
                client: client.clone(),
                token: shared[w % shared.len()].clone(),
                queries: match &rare {
                    Some(words) if *phase == QueryKind::Rare => Queries::Rare(words.clone()),
                    _ => Queries::Typing {
                        word: "",
                        next: 0,
                        min: args.min_prefix,
                    },
                },
                rng: StdRng::seed_from_u64(
                    target.seed.wrapping_mul(1_000_037).wrapping_add(w as u64),
                ),
                first: args.first,
                measured_from,
                by_length: by_length.clone(),
            })
            .collect();
        let mut run = stats::drive(workers, load.warmup(), load.duration(), load.pid).await?;
        run.print(title);
        if *phase == QueryKind::Typing {
            print_by_length(&by_length);
        }
    }
    if let Some(db) = db {
        db.close().await;
    }
    Ok(())
}

/// One line per query length: how many, p50, p95 and p99.
fn print_by_length(by_length: &ByLength) {
    let Ok(mut by_length) = by_length.lock() else {
        return;
    };
    println!("  by prefix length (successful requests in the measured time):");
    for (length, latencies) in by_length.iter_mut() {
        latencies.sort_unstable();
        println!(
            "    {length:>2} letters  {:>6} requests  p50 {}  p95 {}  p99 {}",
            latencies.len(),
            stats::ms(stats::percentile(latencies, 50.0)),
            stats::ms(stats::percentile(latencies, 95.0)),
            stats::ms(stats::percentile(latencies, 99.0)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_walks_each_word_prefix_by_prefix() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut queries = Queries::Typing {
            word: "",
            next: 0,
            min: 2,
        };
        let first = queries.next(&mut rng);
        assert_eq!(first.len(), 2);
        let word = COMMON
            .iter()
            .find(|w| w.starts_with(&first))
            .copied()
            .unwrap_or_default();
        let typed: Vec<String> = std::iter::once(first)
            .chain((3..=word.len()).map(|_| queries.next(&mut rng)))
            .collect();
        let expected: Vec<String> = (2..=word.len()).map(|n| word[..n].to_owned()).collect();
        assert_eq!(typed, expected);
        // Then another word, from its first two letters again.
        assert_eq!(queries.next(&mut rng).len(), 2);
    }

    #[test]
    fn rare_words_are_distinct_letters_only() {
        let words = rare_words(0xdead_beef, 300);
        let distinct: std::collections::BTreeSet<&String> = words.iter().collect();
        assert_eq!(distinct.len(), 300);
        assert!(
            words
                .iter()
                .all(|w| w.chars().all(|c| c.is_ascii_lowercase()))
        );
        // No word is a prefix of another: a search for one finds its own
        // three messages only.
        for a in &words {
            assert_eq!(
                words.iter().filter(|b| b.starts_with(a.as_str())).count(),
                1
            );
        }
    }
}
