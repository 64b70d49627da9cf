//! `search` through the real server: word forms in English and Swedish,
//! diacritics, prefixes, URLs and ids, phrases, exclusions, filters and
//! their in-query forms, ranking, edits and deletes at once, who sees what,
//! and odd input answered fast with a clear error or nothing.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use synaps::auth::Role;

use crate::db_test;
use crate::helpers::{Actor, TestApp};

const SEARCH: &str = "query($query: String!, $kinds: [SearchKind!], $channel: String, $department: String, $author: String, $from: NaiveDate, $to: NaiveDate, $first: Int, $after: String) { search(query: $query, kinds: $kinds, channel: $channel, department: $department, author: $author, from: $from, to: $to, first: $first, after: $after) { edges { cursor node { kind snippet matchedIn matchedWords node { __typename ... on Message { id body } ... on GuestPost { id title } ... on Checkin { id wins } ... on User { handle } ... on Channel { slug } } } } pageInfo { hasNextPage endCursor } } }";
const EDIT: &str =
    "mutation($input: EditMessageInput!) { editMessage(input: $input) { message { id } } }";
const DELETE: &str =
    "mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { message { id } } }";
const DEACTIVATE: &str =
    "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) { user { handle } } }";

/// The hits of `query` (with extra `arguments`) as `viewer` sees them.
async fn hits(app: &TestApp, viewer: &Actor, query: &str, arguments: Value) -> Vec<Value> {
    let mut variables = json!({ "query": query });
    if let Value::Object(extra) = arguments {
        variables.as_object_mut().expect("object").extend(extra);
    }
    let response = app.gql(Some(viewer), SEARCH, variables).await;
    response.data()["search"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// The messages' bodies among the hits of `query`.
async fn bodies(app: &TestApp, viewer: &Actor, query: &str) -> Vec<String> {
    hits(app, viewer, query, json!({ "kinds": ["MESSAGE"] }))
        .await
        .iter()
        .map(|h| h["node"]["body"].as_str().expect("body").to_owned())
        .collect()
}

async fn words_are_found_in_their_forms_whole_and_in_part(app: TestApp) {
    let staff = app.staff();
    let channel = app
        .create_channel(staff, "support", "PUBLIC", &["customer-service"])
        .await;
    for body in [
        "She runs the onboarding for new hires",
        "Kunderna ringde kundtjänst i morse",
        "See https://wiki.example.com/guides/onboarding-checklist for the steps",
        "Mail anna.berg@example.com about PROJ-1234 and the retry_backoff_ms setting",
        "The new hire kit is ready",
        "Hire new people next quarter",
    ] {
        app.post_message(staff, &channel, body, None).await;
    }
    let found = |query: &'static str| {
        let app = &app;
        async move { bodies(app, app.staff(), query).await }
    };
    let one = |body: &str| vec![body.to_owned()];
    // English word forms and prefixes while typing.
    assert_eq!(
        found("running").await,
        one("She runs the onboarding for new hires")
    );
    assert_eq!(found("onboa").await.len(), 2, "{:?}", found("onboa").await);
    // Swedish word forms, diacritics optional.
    assert_eq!(
        found("kunder").await,
        one("Kunderna ringde kundtjänst i morse")
    );
    assert_eq!(
        found("kundtjanst").await,
        one("Kunderna ringde kundtjänst i morse")
    );
    assert_eq!(
        found("KUNDTJÄNST").await,
        one("Kunderna ringde kundtjänst i morse")
    );
    // URLs, addresses, ids and identifiers, whole and by their parts.
    let wiki = "See https://wiki.example.com/guides/onboarding-checklist for the steps";
    assert_eq!(
        found("https://wiki.example.com/guides/onboarding-checklist").await,
        one(wiki)
    );
    assert_eq!(found("wiki.example.com").await, one(wiki));
    assert_eq!(found("checklist").await, one(wiki));
    let mail = "Mail anna.berg@example.com about PROJ-1234 and the retry_backoff_ms setting";
    for query in [
        "anna.berg@example.com",
        "PROJ-1234",
        "proj-1234",
        "1234",
        "retry_backoff_ms",
        "backoff",
    ] {
        assert_eq!(found(query).await, one(mail), "{query}");
    }
    // Exact phrases, and exclusions.
    assert_eq!(
        found("\"new hire\"").await,
        one("The new hire kit is ready")
    );
    // Words in any order and form ("hires" is a form of "hire").
    let mut all = found("hire new").await;
    all.sort();
    assert_eq!(
        all,
        [
            "Hire new people next quarter",
            "She runs the onboarding for new hires",
            "The new hire kit is ready"
        ]
    );
    let mut without = found("hire -kit").await;
    without.sort();
    assert_eq!(
        without,
        [
            "Hire new people next quarter",
            "She runs the onboarding for new hires"
        ]
    );
    // The snippet marks what matched, and escapes the rest.
    let found = hits(&app, staff, "onboa", json!({ "kinds": ["MESSAGE"] })).await;
    let hit = found
        .iter()
        .find(|h| h["node"]["body"] == "She runs the onboarding for new hires")
        .expect("found");
    assert!(
        hit["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>onboarding</mark>"),
        "{hit}"
    );
    assert_eq!(hit["matchedIn"], "BODY");
}
db_test!(words_are_found_in_their_forms_whole_and_in_part);

async fn filters_narrow_the_hits_as_arguments_and_in_the_query(app: TestApp) {
    let (staff, manager) = (app.staff(), app.manager());
    let support = app
        .create_channel(staff, "support", "PUBLIC", &["customer-service"])
        .await;
    let deals = app
        .create_channel(manager, "deals", "PUBLIC", &["sales"])
        .await;
    app.join_channel(staff, &deals).await;
    app.post_message(staff, &support, "quarterly report from support", None)
        .await;
    app.post_message(manager, &deals, "quarterly report from sales", None)
        .await;
    app.post_message(staff, &deals, "quarterly report by stella in deals", None)
        .await;
    let query_only = |query: String| {
        let app = &app;
        async move {
            let mut found = bodies(app, app.staff(), &query).await;
            found.sort();
            found
        }
    };
    let with = |arguments: Value| {
        let app = &app;
        async move {
            let mut args = arguments;
            args["kinds"] = json!(["MESSAGE"]);
            let found = hits(app, app.staff(), "quarterly", args).await;
            let mut found: Vec<String> = found
                .iter()
                .map(|h| h["node"]["body"].as_str().unwrap().to_owned())
                .collect();
            found.sort();
            found
        }
    };
    let in_deals = [
        "quarterly report by stella in deals",
        "quarterly report from sales",
    ];
    assert_eq!(with(json!({ "channel": "deals" })).await, in_deals);
    assert_eq!(query_only("quarterly in:#deals".to_owned()).await, in_deals);
    let by_stella = [
        "quarterly report by stella in deals",
        "quarterly report from support",
    ];
    assert_eq!(with(json!({ "author": "stella" })).await, by_stella);
    assert_eq!(
        query_only("quarterly from:@stella".to_owned()).await,
        by_stella
    );
    assert_eq!(
        query_only("quarterly from:@stella in:#deals".to_owned()).await,
        ["quarterly report by stella in deals"]
    );
    assert_eq!(with(json!({ "department": "sales" })).await, in_deals);
    // Dates: today is in, tomorrow on is not.
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(with(json!({ "from": today.to_string() })).await.len(), 3);
    assert!(
        with(json!({ "from": tomorrow.to_string() }))
            .await
            .is_empty()
    );
    assert!(with(json!({ "to": today.to_string() })).await.is_empty());
    assert_eq!(
        query_only(format!("quarterly before:{tomorrow}"))
            .await
            .len(),
        3
    );
    assert!(
        query_only(format!("quarterly after:{today}"))
            .await
            .is_empty()
    );
    // The same filter twice, differently: nothing is in two channels.
    assert!(with(json!({ "channel": "deals" })).await.len() == 2);
    assert!(
        hits(
            &app,
            staff,
            "quarterly in:#support",
            json!({ "channel": "deals" })
        )
        .await
        .is_empty()
    );
}
db_test!(filters_narrow_the_hits_as_arguments_and_in_the_query);

async fn a_title_hit_ranks_above_a_body_hit_and_every_kind_is_found(app: TestApp) {
    let staff = app.staff();
    app.publish_post("Mentoring juniors", "What we learned from a year of it.")
        .await;
    app.publish_post("A year in support", "Mostly mentoring, some tickets.")
        .await;
    let channel = app
        .create_channel(staff, "mentoring-circle", "PUBLIC", &["hr"])
        .await;
    app.post_message(staff, &channel, "mentoring session moved to Friday", None)
        .await;
    app.gql(
        Some(staff),
        "mutation($input: SubmitCheckinInput!) { submitCheckin(input: $input) { checkin { id } } }",
        json!({ "input": { "wins": "Ran the first mentoring session", "challenges": [] } }),
    )
    .await
    .data();
    let posts = hits(&app, staff, "mentoring", json!({ "kinds": ["POST"] })).await;
    let titles: Vec<&str> = posts
        .iter()
        .map(|h| h["node"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Mentoring juniors", "A year in support"]);
    assert_eq!(posts[0]["matchedIn"], "TITLE");
    assert_eq!(posts[1]["matchedIn"], "BODY");

    let all = hits(&app, staff, "mentoring", json!({})).await;
    let mut kinds: Vec<&str> = all.iter().map(|h| h["kind"].as_str().unwrap()).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds, ["CHANNEL", "CHECKIN", "MESSAGE", "POST"], "{all:?}");
    // People by name, handle or title.
    let people = hits(&app, staff, "magnus", json!({ "kinds": ["PERSON"] })).await;
    assert_eq!(people[0]["node"]["handle"], "magnus", "{people:?}");
    assert_eq!(people[0]["matchedIn"], "TITLE");

    // Paging: one at a time through the cursor.
    let first = app
        .gql(
            Some(staff),
            SEARCH,
            json!({ "query": "mentoring", "first": 1 }),
        )
        .await;
    let page = &first.data()["search"];
    assert_eq!(page["pageInfo"]["hasNextPage"], true, "{page}");
    let second = app
        .gql(
            Some(staff),
            SEARCH,
            json!({ "query": "mentoring", "first": 1, "after": page["pageInfo"]["endCursor"] }),
        )
        .await;
    let next = &second.data()["search"]["edges"][0]["node"];
    assert_eq!(
        next, &all[1],
        "the second page starts where the first ended"
    );
}
db_test!(a_title_hit_ranks_above_a_body_hit_and_every_kind_is_found);

async fn edits_and_deletes_are_reflected_at_once(app: TestApp) {
    let staff = app.staff();
    let channel = app
        .create_channel(staff, "support", "PUBLIC", &["customer-service"])
        .await;
    let id = app
        .post_message(
            staff,
            &channel,
            "the printer on floor three is broken",
            None,
        )
        .await;
    assert_eq!(bodies(&app, staff, "printer").await.len(), 1);
    app.gql(
        Some(staff),
        EDIT,
        json!({ "input": { "id": id, "body": "the scanner on floor three is fixed" } }),
    )
    .await
    .data();
    assert!(bodies(&app, staff, "printer").await.is_empty());
    assert_eq!(bodies(&app, staff, "scanner").await.len(), 1);
    app.gql(Some(staff), DELETE, json!({ "input": { "id": id } }))
        .await
        .data();
    assert!(bodies(&app, staff, "scanner").await.is_empty());
    assert!(bodies(&app, staff, "floor").await.is_empty());

    // A channel renamed, a profile changed: found by their new words.
    app.gql(
        Some(staff),
        "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { handle } } }",
        json!({ "input": { "title": "Escalations lead" } }),
    )
    .await
    .data();
    let people = hits(&app, staff, "escalations", json!({ "kinds": ["PERSON"] })).await;
    assert_eq!(people.len(), 1, "{people:?}");
    assert_eq!(people[0]["node"]["handle"], "stella");
}
db_test!(edits_and_deletes_are_reflected_at_once);

/// What each role finds of things only some may see: a private channel's
/// message and the channel, a draft, a submitted post, a deactivated
/// person.
async fn nobody_finds_what_they_may_not_see(app: TestApp) {
    let (staff, manager, comms, admin) = (app.staff(), app.manager(), app.comms(), app.admin());
    let hidden = app
        .create_channel(manager, "zebra-room", "PRIVATE", &["sales"])
        .await;
    app.post_message(manager, &hidden, "zebra plans for the launch", None)
        .await;
    let open = app
        .create_channel(manager, "open-room", "PUBLIC", &["sales"])
        .await;
    app.post_message(manager, &open, "zebra crossing outside", None)
        .await;
    app.draft_post(staff, "Zebra draft", "Unfinished zebra thoughts.")
        .await;
    let submitted = app
        .draft_post(staff, "Zebra submitted", "Ready zebra thoughts.")
        .await;
    app.post_step_ok(
        staff,
        "submitPost",
        submitted["id"].as_str().unwrap(),
        json!({}),
    )
    .await;
    let gone = app.create_actor(Role::Staff, "zebrafan", &["hr"]).await;
    app.gql(
        Some(admin),
        DEACTIVATE,
        json!({ "input": { "id": gone.id } }),
    )
    .await
    .data();

    let describe = |hit: &Value| -> String {
        let node = &hit["node"];
        match hit["kind"].as_str().unwrap() {
            "MESSAGE" => format!("message: {}", node["body"].as_str().unwrap()),
            "CHANNEL" => format!("channel: {}", node["slug"].as_str().unwrap()),
            "POST" => format!("post: {}", node["title"].as_str().unwrap()),
            "PERSON" => format!("person: {}", node["handle"].as_str().unwrap()),
            other => other.to_owned(),
        }
    };
    let public = vec!["message: zebra crossing outside"];
    let mut rows: Vec<(&Actor, Vec<&str>)> = vec![
        // The author of both posts sees their draft and their submitted post.
        (
            staff,
            [
                public.clone(),
                vec!["post: Zebra draft", "post: Zebra submitted"],
            ]
            .concat(),
        ),
        // A member of the private channel sees it and its message.
        (
            manager,
            [
                public.clone(),
                vec!["channel: zebra-room", "message: zebra plans for the launch"],
            ]
            .concat(),
        ),
        // Reviewers see the submitted post, never the draft.
        (
            comms,
            [public.clone(), vec!["post: Zebra submitted"]].concat(),
        ),
        // Admins see every channel; still nobody's draft.
        (
            admin,
            [
                public.clone(),
                vec![
                    "channel: zebra-room",
                    "message: zebra plans for the launch",
                    "post: Zebra submitted",
                ],
            ]
            .concat(),
        ),
    ];
    for (viewer, expected) in rows.iter_mut() {
        let mut found: Vec<String> = hits(&app, viewer, "zebra", json!({}))
            .await
            .iter()
            .map(describe)
            .collect();
        found.sort();
        expected.sort();
        assert_eq!(found, *expected, "{:?}", viewer.role);
    }
    // Anonymous: nothing at all.
    let anonymous = app.gql(None, SEARCH, json!({ "query": "zebra" })).await;
    assert_eq!(anonymous.code(), Some("UNAUTHENTICATED"));
}
db_test!(nobody_finds_what_they_may_not_see);

async fn odd_input_gets_a_clear_error_or_nothing_and_fast(app: TestApp) {
    let staff = app.staff();
    let channel = app
        .create_channel(staff, "support", "PUBLIC", &["customer-service"])
        .await;
    app.post_message(staff, &channel, "a (.*) regex and 'quotes' and 100%", None)
        .await;
    let thousand = vec!["word"; 1000].join(" ");
    let cases: Vec<(String, Option<&str>)> = vec![
        (String::new(), None),
        ("   ".to_owned(), None),
        ("-only -exclusions in:#support".to_owned(), None),
        ("\"unbalanced quote".to_owned(), None),
        ("(.*)+ [a-z]{3} \\d".to_owned(), None),
        ("' OR 1=1; DROP TABLE messages; --".to_owned(), None),
        ("100% _ %%".to_owned(), None),
        ("\"\" \"".to_owned(), None),
        ("a\u{0}b".to_owned(), Some("BAD_USER_INPUT")),
        (thousand, Some("BAD_USER_INPUT")),
        ("before:soon".to_owned(), Some("BAD_USER_INPUT")),
    ];
    for (query, code) in &cases {
        let mut fastest = Duration::MAX;
        for _ in 0..3 {
            let started = Instant::now();
            let response = app
                .gql(Some(staff), SEARCH, json!({ "query": query }))
                .await;
            fastest = fastest.min(started.elapsed());
            match code {
                Some(code) => assert_eq!(response.code(), Some(*code), "{query:.40}: {response:?}"),
                None => {
                    // Answered without an error (found or not).
                    let edges = &response.data()["search"]["edges"];
                    assert!(edges.is_array(), "{query:.40}: {response:?}");
                }
            }
        }
        assert!(
            fastest < Duration::from_millis(100),
            "{query:.40} took {fastest:?}"
        );
    }
    // Meta-characters are words like any other.
    assert_eq!(bodies(&app, staff, "regex").await.len(), 1);
    for first in [0, 51] {
        let response = app
            .gql(
                Some(staff),
                SEARCH,
                json!({ "query": "regex", "first": first }),
            )
            .await;
        assert_eq!(response.code(), Some("BAD_USER_INPUT"), "{first}");
    }
}
db_test!(odd_input_gets_a_clear_error_or_nothing_and_fast);
