//! Channels: creating and managing them, membership, private channels that
//! non-members cannot even find, the synapse graph between departments, and
//! bad input that changes nothing.

use serde_json::{Value, json};
use synaps::auth::Role;
use synaps::graphql::node::{Kind, global_id};
use uuid::Uuid;

use crate::db_test;
use crate::helpers::{Actor, TestApp, missing_department_id, missing_user_id};

const CHANNEL: &str = "query($slug: String!) { channel(slug: $slug) { id slug name topic visibility archivedAt memberCount viewerIsMember departments { slug } createdBy { handle } members(first: 10) { totalCount edges { node { handle } } } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { id ... on Channel { slug } } }";
const UPDATE: &str = "mutation($input: UpdateChannelInput!) { updateChannel(input: $input) { channel { slug name topic visibility } } }";
const LINK: &str = "mutation($input: LinkChannelDepartmentInput!) { linkChannelDepartment(input: $input) { channel { departments { slug } } department { slug } } }";
const UNLINK: &str = "mutation($input: UnlinkChannelDepartmentInput!) { unlinkChannelDepartment(input: $input) { channel { departments { slug } } department { slug } } }";
const JOIN: &str = "mutation($input: JoinChannelInput!) { joinChannel(input: $input) { channel { viewerIsMember memberCount } } }";
const LEAVE: &str = "mutation($input: LeaveChannelInput!) { leaveChannel(input: $input) { channelId channel { viewerIsMember } } }";
const ADD: &str = "mutation($input: AddChannelMemberInput!) { addChannelMember(input: $input) { channel { memberCount } user { handle } } }";
const REMOVE: &str = "mutation($input: RemoveChannelMemberInput!) { removeChannelMember(input: $input) { channelId channel { memberCount } user { handle } } }";
const ARCHIVE: &str = "mutation($input: ArchiveChannelInput!) { archiveChannel(input: $input) { channel { archivedAt } } }";
const LINKED: &str = "query($slug: String!) { department(slug: $slug) { channels(first: 50) { edges { node { slug } } } linkedDepartments { department { slug } channelCount channels { slug } } } }";

fn channel_input(id: &str) -> Value {
    json!({ "input": { "channelId": id } })
}

async fn channel(app: &TestApp, actor: Option<&Actor>, slug: &str) -> crate::helpers::GqlResponse {
    app.gql(actor, CHANNEL, json!({ "slug": slug })).await
}

async fn anyone_signed_in_creates_a_channel_and_becomes_its_first_member(app: TestApp) {
    let mut department_ids = Vec::new();
    for slug in ["marketing", "sales"] {
        department_ids.push(app.department_id(slug).await);
    }
    let response = app
        .gql(
            Some(app.staff()),
            crate::helpers::channels::CREATE_CHANNEL,
            json!({ "input": {
                "name": "  Q4 Launch!  ",
                "topic": "Messaging and demos",
                "departmentIds": department_ids,
            }}),
        )
        .await;
    let created = &response.data()["createChannel"]["channel"];
    assert_eq!(created["slug"], "q4-launch");
    assert_eq!(created["name"], "Q4 Launch!");
    assert_eq!(created["visibility"], "PUBLIC");
    assert_eq!(created["archivedAt"], Value::Null);
    assert_eq!(created["memberCount"], 1);
    assert_eq!(created["viewerIsMember"], true);
    assert_eq!(created["createdBy"]["handle"], "stella");
    assert_eq!(
        created["departments"],
        json!([{ "slug": "marketing" }, { "slug": "sales" }])
    );

    let seen = channel(&app, Some(app.manager()), "q4-launch").await;
    let seen = &seen.data()["channel"];
    assert_eq!(seen["viewerIsMember"], false);
    assert_eq!(seen["members"]["totalCount"], 1);
    assert_eq!(seen["members"]["edges"][0]["node"]["handle"], "stella");
    let node = app
        .gql(Some(app.comms()), NODE, json!({ "id": created["id"] }))
        .await;
    assert_eq!(node.data()["node"]["slug"], "q4-launch");
}
db_test!(anyone_signed_in_creates_a_channel_and_becomes_its_first_member);

async fn creators_edit_link_unlink_and_archive_and_archived_channels_are_read_only(app: TestApp) {
    let id = app
        .create_channel(app.manager(), "pipeline", "PUBLIC", &["sales"])
        .await;
    let updated = app
        .gql(
            Some(app.manager()),
            UPDATE,
            json!({ "input": { "id": id, "name": "Pipeline review", "slug": "pipeline-review", "topic": "Weekly", "visibility": "PRIVATE" } }),
        )
        .await;
    assert_eq!(
        updated.data()["updateChannel"]["channel"],
        json!({ "slug": "pipeline-review", "name": "Pipeline review", "topic": "Weekly", "visibility": "PRIVATE" })
    );
    let marketing = app.department_id("marketing").await;
    let sales = app.department_id("sales").await;
    let linked = app
        .gql(
            Some(app.manager()),
            LINK,
            json!({ "input": { "channelId": id, "departmentId": marketing } }),
        )
        .await;
    assert_eq!(
        linked.data()["linkChannelDepartment"]["channel"]["departments"],
        json!([{ "slug": "marketing" }, { "slug": "sales" }])
    );
    let unlinked = app
        .gql(
            Some(app.admin()),
            UNLINK,
            json!({ "input": { "channelId": id, "departmentId": sales } }),
        )
        .await;
    assert_eq!(
        unlinked.data()["unlinkChannelDepartment"]["channel"]["departments"],
        json!([{ "slug": "marketing" }])
    );
    let archived = app
        .gql(Some(app.manager()), ARCHIVE, channel_input(&id))
        .await;
    assert!(archived.data()["archiveChannel"]["channel"]["archivedAt"].is_string());

    // Read-only from now on, for the creator and for admins alike.
    let before = app.snapshot().await;
    for actor in [app.manager(), app.admin()] {
        app.gql(
            Some(actor),
            UPDATE,
            json!({ "input": { "id": id, "topic": "x" } }),
        )
        .await
        .expect_conflict("id");
        for (operation, variables) in [
            (
                LINK,
                json!({ "input": { "channelId": id, "departmentId": sales } }),
            ),
            (
                ADD,
                json!({ "input": { "channelId": id, "userId": app.comms().id } }),
            ),
            (
                REMOVE,
                json!({ "input": { "channelId": id, "userId": app.manager().id } }),
            ),
            (LEAVE, channel_input(&id)),
            (ARCHIVE, channel_input(&id)),
        ] {
            app.gql(Some(actor), operation, variables)
                .await
                .expect_conflict("channelId");
        }
    }
    assert_eq!(app.snapshot().await, before);
    // Still readable by its members.
    let seen = channel(&app, Some(app.manager()), "pipeline-review").await;
    assert!(seen.data()["channel"]["archivedAt"].is_string());
}
db_test!(creators_edit_link_unlink_and_archive_and_archived_channels_are_read_only);

async fn people_join_and_leave_public_channels_and_members_add_colleagues(app: TestApp) {
    let id = app
        .create_channel(app.staff(), "support-wins", "PUBLIC", &["customer-service"])
        .await;
    let joined = app.gql(Some(app.comms()), JOIN, channel_input(&id)).await;
    assert_eq!(
        joined.data()["joinChannel"]["channel"],
        json!({ "viewerIsMember": true, "memberCount": 2 })
    );
    // Joining again changes nothing.
    app.gql(Some(app.comms()), JOIN, channel_input(&id))
        .await
        .data();
    assert_eq!(
        app.channel_slugs(app.comms(), "joined: true").await,
        ["support-wins"]
    );
    assert!(
        app.channel_slugs(app.manager(), "joined: true")
            .await
            .is_empty()
    );
    assert_eq!(
        app.channel_slugs(app.manager(), "joined: false").await,
        ["support-wins"]
    );

    // A member (not the creator) brings a colleague in.
    let added = app
        .gql(
            Some(app.comms()),
            ADD,
            json!({ "input": { "channelId": id, "userId": app.manager().id } }),
        )
        .await;
    assert_eq!(
        added.data()["addChannelMember"]["channel"]["memberCount"],
        3
    );
    assert_eq!(added.data()["addChannelMember"]["user"]["handle"], "magnus");

    let left = app.gql(Some(app.comms()), LEAVE, channel_input(&id)).await;
    assert_eq!(
        left.data()["leaveChannel"]["channel"]["viewerIsMember"],
        false
    );
    let removed = app
        .gql(
            Some(app.staff()),
            REMOVE,
            json!({ "input": { "channelId": id, "userId": app.manager().id } }),
        )
        .await;
    assert_eq!(
        removed.data()["removeChannelMember"]["channel"]["memberCount"],
        1
    );

    // Leaving a private channel makes it invisible again.
    let private = app
        .create_channel(app.staff(), "quiet-room", "PRIVATE", &["customer-service"])
        .await;
    app.add_channel_member(app.staff(), &private, &app.comms().id)
        .await;
    let left = app
        .gql(Some(app.comms()), LEAVE, channel_input(&private))
        .await;
    assert_eq!(left.data()["leaveChannel"]["channel"], Value::Null);
    channel(&app, Some(app.comms()), "quiet-room")
        .await
        .expect_error("NOT_FOUND");
}
db_test!(people_join_and_leave_public_channels_and_members_add_colleagues);

/// Callers of the matrix, in column order.
#[derive(Clone, Copy, Debug)]
enum Caller {
    Anonymous,
    /// Staff, the channel's creator.
    Creator,
    Manager,
    Comms,
    Admin,
    /// Staff, a member (not the creator).
    Member,
    /// Staff, not a member.
    Outsider,
}

const CALLERS: [Caller; 7] = [
    Caller::Anonymous,
    Caller::Creator,
    Caller::Manager,
    Caller::Comms,
    Caller::Admin,
    Caller::Member,
    Caller::Outsider,
];

/// What a fresh matrix row works on.
struct World {
    channel_id: String,
    slug: String,
    /// A member other than the caller, to remove.
    other_member: String,
    /// Someone who is in no channel, to add.
    newcomer: String,
    /// One of the channel's two departments, to unlink.
    sales: String,
}

struct People {
    member: Actor,
    outsider: Actor,
    other_member: Actor,
    newcomer: Actor,
}

async fn world(app: &TestApp, people: &People, n: usize, visibility: &str, sales: &str) -> World {
    let slug = format!("matrix-{n}");
    let channel_id = app
        .create_channel(app.staff(), &slug, visibility, &["marketing", "sales"])
        .await;
    app.add_channel_member(app.staff(), &channel_id, &people.member.id)
        .await;
    app.add_channel_member(app.staff(), &channel_id, &people.other_member.id)
        .await;
    World {
        channel_id,
        slug,
        other_member: people.other_member.id.clone(),
        newcomer: people.newcomer.id.clone(),
        sales: sales.to_owned(),
    }
}

fn caller<'a>(app: &'a TestApp, people: &'a People, who: Caller) -> Option<&'a Actor> {
    match who {
        Caller::Anonymous => None,
        Caller::Creator => Some(app.staff()),
        Caller::Manager => Some(app.manager()),
        Caller::Comms => Some(app.comms()),
        Caller::Admin => Some(app.admin()),
        Caller::Member => Some(&people.member),
        Caller::Outsider => Some(&people.outsider),
    }
}

/// (name, visibility, operation, variables for a world, expected outcome per
/// caller in `CALLERS` order: "ok" or the error code).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    fn(&World, &str) -> Value,
    [&'static str; 7],
);

const U: &str = "UNAUTHENTICATED";
const F: &str = "FORBIDDEN";
const N: &str = "NOT_FOUND";

fn rows() -> Vec<Row> {
    let manage_private = [U, "ok", N, N, "ok", F, N];
    let manage_public = [U, "ok", F, F, "ok", F, F];
    vec![
        (
            "update private",
            "PRIVATE",
            UPDATE,
            |w, _| json!({ "input": { "id": w.channel_id, "topic": "new" } }),
            manage_private,
        ),
        (
            "update public",
            "PUBLIC",
            UPDATE,
            |w, _| json!({ "input": { "id": w.channel_id, "topic": "new" } }),
            manage_public,
        ),
        (
            "link private",
            "PRIVATE",
            LINK,
            |w, hr| json!({ "input": { "channelId": w.channel_id, "departmentId": hr } }),
            manage_private,
        ),
        (
            "link public",
            "PUBLIC",
            LINK,
            |w, hr| json!({ "input": { "channelId": w.channel_id, "departmentId": hr } }),
            manage_public,
        ),
        (
            "unlink private",
            "PRIVATE",
            UNLINK,
            |w, _| json!({ "input": { "channelId": w.channel_id, "departmentId": w.sales } }),
            manage_private,
        ),
        (
            "archive private",
            "PRIVATE",
            ARCHIVE,
            |w, _| channel_input(&w.channel_id),
            manage_private,
        ),
        (
            "archive public",
            "PUBLIC",
            ARCHIVE,
            |w, _| channel_input(&w.channel_id),
            manage_public,
        ),
        (
            "add private",
            "PRIVATE",
            ADD,
            |w, _| json!({ "input": { "channelId": w.channel_id, "userId": w.newcomer } }),
            [U, "ok", N, N, "ok", "ok", N],
        ),
        (
            "add public",
            "PUBLIC",
            ADD,
            |w, _| json!({ "input": { "channelId": w.channel_id, "userId": w.newcomer } }),
            [U, "ok", F, F, "ok", "ok", F],
        ),
        (
            "remove private",
            "PRIVATE",
            REMOVE,
            |w, _| json!({ "input": { "channelId": w.channel_id, "userId": w.other_member } }),
            manage_private,
        ),
        (
            "remove public",
            "PUBLIC",
            REMOVE,
            |w, _| json!({ "input": { "channelId": w.channel_id, "userId": w.other_member } }),
            manage_public,
        ),
        (
            "join private",
            "PRIVATE",
            JOIN,
            |w, _| channel_input(&w.channel_id),
            [U, "ok", N, N, F, "ok", N],
        ),
        (
            "join public",
            "PUBLIC",
            JOIN,
            |w, _| channel_input(&w.channel_id),
            [U, "ok", "ok", "ok", "ok", "ok", "ok"],
        ),
        (
            "leave private",
            "PRIVATE",
            LEAVE,
            |w, _| channel_input(&w.channel_id),
            [U, "ok", N, N, "ok", "ok", N],
        ),
        (
            "leave public",
            "PUBLIC",
            LEAVE,
            |w, _| channel_input(&w.channel_id),
            [U, "ok", "ok", "ok", "ok", "ok", "ok"],
        ),
        (
            "read private",
            "PRIVATE",
            CHANNEL,
            |w, _| json!({ "slug": w.slug }),
            [U, "ok", N, N, "ok", "ok", N],
        ),
        (
            "read public",
            "PUBLIC",
            CHANNEL,
            |w, _| json!({ "slug": w.slug }),
            [U, "ok", "ok", "ok", "ok", "ok", "ok"],
        ),
        (
            "node private",
            "PRIVATE",
            NODE,
            |w, _| json!({ "id": w.channel_id }),
            [U, "ok", N, N, "ok", "ok", N],
        ),
    ]
}

async fn every_channel_operation_is_allowed_or_refused_as_the_rules_say(app: TestApp) {
    let people = People {
        member: app.create_actor(Role::Staff, "mira", &["sales"]).await,
        outsider: app.create_actor(Role::Staff, "otto", &["hr"]).await,
        other_member: app.create_actor(Role::Staff, "tina", &["marketing"]).await,
        newcomer: app.create_actor(Role::Staff, "theo", &["marketing"]).await,
    };
    let hr = app.department_id("hr").await;
    let sales = app.department_id("sales").await;
    let mut n = 0;
    for (name, visibility, operation, variables, expected) in rows() {
        for (who, expected) in CALLERS.into_iter().zip(expected) {
            n += 1;
            let world = world(&app, &people, n, visibility, &sales).await;
            let variables = variables(&world, &hr);
            let before = app.snapshot().await;
            let response = app
                .gql(caller(&app, &people, who), operation, variables)
                .await;
            if expected == "ok" {
                assert!(
                    response.body["errors"].is_null(),
                    "{name} as {who:?}: expected success, got {}",
                    response.body
                );
            } else {
                assert_eq!(
                    response.code(),
                    Some(expected),
                    "{name} as {who:?}: {}",
                    response.body
                );
                assert_eq!(
                    app.snapshot().await,
                    before,
                    "{name} as {who:?} changed something"
                );
            }
        }
    }
    // Creating a channel: anyone signed in.
    for (i, who) in CALLERS.into_iter().enumerate() {
        let response = app
            .try_create_channel(
                caller(&app, &people, who),
                &format!("new-{i}"),
                "PUBLIC",
                &["hr"],
            )
            .await;
        match who {
            Caller::Anonymous => {
                response.expect_error(U);
            }
            _ => {
                response.data();
            }
        }
    }
    // Lists are denied to anonymous callers too.
    for query in [
        "{ channels { edges { node { slug } } } }",
        "{ department(slug: \"hr\") { channels { edges { node { slug } } } } }",
    ] {
        app.gql(None, query, Value::Null).await.expect_error(U);
    }
}
db_test!(every_channel_operation_is_allowed_or_refused_as_the_rules_say);

async fn private_channels_are_invisible_to_non_members_through_every_path(app: TestApp) {
    let member = app.create_actor(Role::Staff, "mira", &["hr"]).await;
    let private = app
        .create_channel(app.staff(), "hush", "PRIVATE", &["hr", "sales"])
        .await;
    app.add_channel_member(app.staff(), &private, &member.id)
        .await;
    app.create_channel(app.manager(), "open-floor", "PUBLIC", &["hr", "sales"])
        .await;

    for (actor, sees) in [
        (app.staff(), true),
        (&member, true),
        (app.admin(), true),
        (app.manager(), false),
        (app.comms(), false),
    ] {
        let expected: Vec<&str> = if sees {
            vec!["hush", "open-floor"]
        } else {
            vec!["open-floor"]
        };
        assert_eq!(
            app.channel_slugs(actor, "").await,
            expected,
            "{}",
            actor.handle
        );
        assert_eq!(
            app.channel_slugs(actor, "department: \"hr\"").await,
            expected
        );
        assert_eq!(
            app.channel_slugs(actor, "between: [\"sales\", \"hr\"]")
                .await,
            expected
        );
        assert_eq!(
            app.channel_slugs(actor, "search: \"HUS\"").await.len(),
            usize::from(sees)
        );
        let by_slug = channel(&app, Some(actor), "hush").await;
        let by_node = app.gql(Some(actor), NODE, json!({ "id": private })).await;
        if sees {
            assert_eq!(by_slug.data()["channel"]["members"]["totalCount"], 2);
            assert_eq!(by_node.data()["node"]["slug"], "hush");
        } else {
            by_slug.expect_error("NOT_FOUND");
            by_node.expect_error("NOT_FOUND");
        }
        let department = app.gql(Some(actor), LINKED, json!({ "slug": "hr" })).await;
        let department = &department.data()["department"];
        let listed: Vec<&str> = department["channels"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["slug"].as_str().unwrap())
            .collect();
        assert_eq!(listed, expected);
        assert_eq!(
            department["linkedDepartments"],
            json!([{
                "department": { "slug": "sales" },
                "channelCount": expected.len(),
                "channels": expected.iter().map(|s| json!({ "slug": s })).collect::<Vec<_>>(),
            }]),
            "{}",
            actor.handle
        );
    }
}
db_test!(private_channels_are_invisible_to_non_members_through_every_path);

/// (linked department, shared channel count, shared channel slugs).
type Link = (String, u64, Vec<String>);

async fn the_synapse_graph_links_departments_that_share_channels(app: TestApp) {
    app.create_channel(app.staff(), "launch", "PUBLIC", &["marketing", "sales"])
        .await;
    app.create_channel(app.staff(), "deals", "PUBLIC", &["sales", "marketing"])
        .await;
    app.create_channel(
        app.staff(),
        "onboarding",
        "PUBLIC",
        &["hr", "customer-service"],
    )
    .await;
    app.create_channel(
        app.comms(),
        "announcements",
        "PUBLIC",
        &[
            "marketing",
            "sales",
            "hr",
            "customer-service",
            "communications",
        ],
    )
    .await;
    app.create_channel(app.staff(), "solo", "PUBLIC", &["marketing"])
        .await;

    let response = app
        .gql(
            Some(app.manager()),
            "{ departments { edges { node { slug linkedDepartments { department { slug } channelCount channels { slug } } } } } }",
            Value::Null,
        )
        .await;
    let graph: Vec<(String, Vec<Link>)> = response.data()["departments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let node = &e["node"];
            let links = node["linkedDepartments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l["department"]["slug"].as_str().unwrap().to_owned(),
                        l["channelCount"].as_u64().unwrap(),
                        l["channels"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|c| c["slug"].as_str().unwrap().to_owned())
                            .collect(),
                    )
                })
                .collect();
            (node["slug"].as_str().unwrap().to_owned(), links)
        })
        .collect();
    let marketing = graph.iter().find(|(slug, _)| slug == "marketing").unwrap();
    let link = |slug: &str, count: u64, channels: &[&str]| {
        (
            slug.to_owned(),
            count,
            channels.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>(),
        )
    };
    // By department name: Communications, Customer Service, HR, Sales.
    assert_eq!(
        marketing.1,
        vec![
            link("communications", 1, &["announcements"]),
            link("customer-service", 1, &["announcements"]),
            link("hr", 1, &["announcements"]),
            link("sales", 3, &["announcements", "deals", "launch"]),
        ]
    );
    let hr = graph.iter().find(|(slug, _)| slug == "hr").unwrap();
    assert_eq!(
        hr.1[1],
        link("customer-service", 2, &["announcements", "onboarding"])
    );
    assert_eq!(
        app.channel_slugs(app.manager(), "between: [\"marketing\", \"sales\"]")
            .await,
        ["announcements", "deals", "launch"]
    );
    assert_eq!(
        app.channel_slugs(app.manager(), "between: [\"hr\", \"customer-service\"]")
            .await,
        ["announcements", "onboarding"]
    );
    assert!(
        app.channel_slugs(
            app.manager(),
            "between: [\"hr\", \"customer-service\"], search: \"zzz\""
        )
        .await
        .is_empty()
    );
}
db_test!(the_synapse_graph_links_departments_that_share_channels);

const SAY: &str =
    "mutation($input: PostMessageInput!) { postMessage(input: $input) { message { id } } }";
const LINK_COUNTS: &str = "{ departments { edges { node { slug linkedDepartments { department { slug } channelCount messageCount } } } } }";

/// `actor` posts `body` in `channel_id` (a reply under `parent_id`); the id.
async fn say(
    app: &TestApp,
    actor: &Actor,
    channel_id: &str,
    body: &str,
    parent_id: Option<&str>,
) -> String {
    let response = app
        .gql(
            Some(actor),
            SAY,
            json!({ "input": { "channelId": channel_id, "body": body, "parentId": parent_id } }),
        )
        .await;
    response.data()["postMessage"]["message"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// (linked department, shared channels, messages in them).
type Counted = (String, u64, u64);
/// Each department with its links.
type CountedGraph = Vec<(String, Vec<Counted>)>;

/// Every department's links as `actor` sees them.
async fn link_counts(app: &TestApp, actor: &Actor) -> CountedGraph {
    let response = app.gql(Some(actor), LINK_COUNTS, Value::Null).await;
    response.data()["departments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| {
            let node = &edge["node"];
            let links = node["linkedDepartments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l["department"]["slug"].as_str().unwrap().to_owned(),
                        l["channelCount"].as_u64().unwrap(),
                        l["messageCount"].as_u64().unwrap(),
                    )
                })
                .collect();
            (node["slug"].as_str().unwrap().to_owned(), links)
        })
        .collect()
}

async fn a_link_counts_the_messages_its_shared_channels_hold_for_the_viewer(app: TestApp) {
    let outsider = app.create_actor(Role::Staff, "otto", &["hr"]).await;
    let staff = app.staff();
    let launch = app
        .create_channel(staff, "launch", "PUBLIC", &["marketing", "sales"])
        .await;
    let deals = app
        .create_channel(staff, "deals", "PRIVATE", &["sales", "marketing"])
        .await;
    let solo = app
        .create_channel(staff, "solo", "PUBLIC", &["marketing"])
        .await;
    app.create_channel(staff, "onboarding", "PUBLIC", &["hr", "customer-service"])
        .await;
    // launch: two roots and a reply count; a deleted root does not.
    let plan = say(&app, staff, &launch, "The launch plan", None).await;
    say(&app, staff, &launch, "Looks good", Some(&plan)).await;
    say(&app, staff, &launch, "Demo on Friday", None).await;
    let oops = say(&app, staff, &launch, "Oops, wrong channel", None).await;
    app.gql(
        Some(staff),
        "mutation($input: DeleteMessageInput!) { deleteMessage(input: $input) { message { id } } }",
        json!({ "input": { "id": oops } }),
    )
    .await
    .data();
    // deals (private): a root and a reply, seen by members and admins only.
    let terms = say(&app, staff, &deals, "Discount terms", None).await;
    say(&app, staff, &deals, "Agreed", Some(&terms)).await;
    // solo links one department: no synapse, so never counted.
    say(&app, staff, &solo, "Just us", None).await;

    let link = |slug: &str, channels: u64, messages: u64| (slug.to_owned(), channels, messages);
    let of =
        |graph: &CountedGraph, slug: &str| graph.iter().find(|(s, _)| s == slug).unwrap().1.clone();
    for (actor, channels, messages) in [(staff, 2, 5), (app.admin(), 2, 5), (&outsider, 1, 3)] {
        let graph = link_counts(&app, actor).await;
        let who = &actor.handle;
        assert_eq!(
            of(&graph, "marketing"),
            [link("sales", channels, messages)],
            "{who}"
        );
        assert_eq!(
            of(&graph, "sales"),
            [link("marketing", channels, messages)],
            "{who}"
        );
        assert_eq!(of(&graph, "hr"), [link("customer-service", 1, 0)], "{who}");
        // One department on its own (no page): the same count, through the
        // DataLoader rather than the page's batch.
        let one = app
            .gql(
                Some(actor),
                "{ department(slug: \"marketing\") { linkedDepartments { messageCount } } }",
                Value::Null,
            )
            .await;
        assert_eq!(
            one.data()["department"]["linkedDepartments"][0]["messageCount"],
            json!(messages),
            "{who}"
        );
    }

    // One GROUP BY for the links of the whole page, not a query per link,
    // and one statement for their channels: loaded for the page, so the
    // count does not depend on the links arriving within a loader's delay.
    let without = LINK_COUNTS.replace(" messageCount", "");
    let with_channels = LINK_COUNTS.replace(" messageCount", " messageCount channels { slug }");
    let mut statements = Vec::new();
    for query in [without.as_str(), LINK_COUNTS, with_channels.as_str()] {
        let before = app.statements.load(std::sync::atomic::Ordering::SeqCst);
        app.gql(Some(staff), query, Value::Null).await.data();
        statements.push(app.statements.load(std::sync::atomic::Ordering::SeqCst) - before);
    }
    assert_eq!(statements[1], statements[0] + 1, "{statements:?}");
    assert_eq!(statements[2], statements[1] + 1, "{statements:?}");
}
db_test!(a_link_counts_the_messages_its_shared_channels_hold_for_the_viewer);

/// (name, caller, operation, variables, code, field).
type Case<'a> = (&'a str, &'a Actor, &'a str, Value, &'a str, Option<&'a str>);

async fn bad_input_gets_a_clear_error_and_changes_nothing(app: TestApp) {
    let outsider = app.create_actor(Role::Staff, "otto", &["hr"]).await;
    let marketing = app.department_id("marketing").await;
    let public = app
        .create_channel(app.staff(), "taken", "PUBLIC", &["marketing"])
        .await;
    let private = app
        .create_channel(app.staff(), "secret", "PRIVATE", &["marketing"])
        .await;
    let archived = app
        .create_channel(app.staff(), "old-news", "PUBLIC", &["marketing"])
        .await;
    app.gql(Some(app.staff()), ARCHIVE, channel_input(&archived))
        .await
        .data();
    let missing_channel = global_id(Kind::Channel, Uuid::now_v7()).0;
    let create = |name: &str, slug: Option<&str>, topic: &str, departments: Value| json!({ "input": { "name": name, "slug": slug, "topic": topic, "departmentIds": departments } });
    let create_op = crate::helpers::channels::CREATE_CHANNEL;
    let staff = app.staff();
    let cases: Vec<Case> = vec![
        (
            "empty name",
            staff,
            create_op,
            create(" ", Some("x1"), "", json!([marketing])),
            "BAD_USER_INPUT",
            Some("name"),
        ),
        (
            "long name",
            staff,
            create_op,
            create(&"n".repeat(81), Some("x2"), "", json!([marketing])),
            "BAD_USER_INPUT",
            Some("name"),
        ),
        (
            "long topic",
            staff,
            create_op,
            create("Fine", Some("x3"), &"t".repeat(501), json!([marketing])),
            "BAD_USER_INPUT",
            Some("topic"),
        ),
        (
            "bad slug",
            staff,
            create_op,
            create("Fine", Some("Not A Slug"), "", json!([marketing])),
            "BAD_USER_INPUT",
            Some("slug"),
        ),
        (
            "no slug to derive",
            staff,
            create_op,
            create("!!!", None, "", json!([marketing])),
            "BAD_USER_INPUT",
            Some("slug"),
        ),
        (
            "no department",
            staff,
            create_op,
            create("Fine", Some("x4"), "", json!([])),
            "BAD_USER_INPUT",
            Some("departmentIds"),
        ),
        (
            "garbage department id",
            staff,
            create_op,
            create("Fine", Some("x5"), "", json!(["nope"])),
            "BAD_USER_INPUT",
            Some("departmentIds"),
        ),
        (
            "unknown department",
            staff,
            create_op,
            create("Fine", Some("x6"), "", json!([missing_department_id()])),
            "NOT_FOUND",
            None,
        ),
        (
            "slug clash",
            staff,
            create_op,
            create("Taken", Some("taken"), "", json!([marketing])),
            "CONFLICT",
            Some("slug"),
        ),
        (
            "update unknown channel",
            staff,
            UPDATE,
            json!({ "input": { "id": missing_channel, "name": "x" } }),
            "NOT_FOUND",
            None,
        ),
        (
            "update with empty name",
            staff,
            UPDATE,
            json!({ "input": { "id": public, "name": "" } }),
            "BAD_USER_INPUT",
            Some("name"),
        ),
        (
            "update onto a taken slug",
            staff,
            UPDATE,
            json!({ "input": { "id": public, "slug": "secret" } }),
            "CONFLICT",
            Some("slug"),
        ),
        (
            "unlink the last department",
            staff,
            UNLINK,
            json!({ "input": { "channelId": public, "departmentId": marketing } }),
            "BAD_USER_INPUT",
            Some("departmentId"),
        ),
        (
            "link an unknown department",
            staff,
            LINK,
            json!({ "input": { "channelId": public, "departmentId": missing_department_id() } }),
            "NOT_FOUND",
            None,
        ),
        (
            "add an unknown person",
            staff,
            ADD,
            json!({ "input": { "channelId": public, "userId": missing_user_id() } }),
            "NOT_FOUND",
            None,
        ),
        (
            "change an archived channel",
            staff,
            UPDATE,
            json!({ "input": { "id": archived, "topic": "x" } }),
            "CONFLICT",
            Some("id"),
        ),
        (
            "join an archived channel",
            &outsider,
            JOIN,
            channel_input(&archived),
            "CONFLICT",
            Some("channelId"),
        ),
        (
            "join a private channel",
            &outsider,
            JOIN,
            channel_input(&private),
            "NOT_FOUND",
            None,
        ),
        (
            "join an unknown channel",
            &outsider,
            JOIN,
            channel_input(&missing_channel),
            "NOT_FOUND",
            None,
        ),
        (
            "a non-member adds to a private channel",
            &outsider,
            ADD,
            json!({ "input": { "channelId": private, "userId": outsider.id } }),
            "NOT_FOUND",
            None,
        ),
        (
            "a non-member edits a private channel",
            &outsider,
            UPDATE,
            json!({ "input": { "id": private, "topic": "mine" } }),
            "NOT_FOUND",
            None,
        ),
        (
            "a non-member archives a private channel",
            &outsider,
            ARCHIVE,
            channel_input(&private),
            "NOT_FOUND",
            None,
        ),
    ];
    for (name, actor, operation, variables, code, field) in cases {
        let before = app.snapshot().await;
        let response = app.gql(Some(actor), operation, variables).await;
        let error = response.expect_error(code);
        if let Some(field) = field {
            assert_eq!(
                error["extensions"]["field"], field,
                "{name}: {}",
                response.body
            );
        }
        assert_eq!(app.snapshot().await, before, "{name} changed something");
    }
    for (arguments, code) in [
        ("between: [\"hr\"]", "BAD_USER_INPUT"),
        ("between: [\"hr\", \"hr\"]", "BAD_USER_INPUT"),
        ("department: \"nowhere\"", "NOT_FOUND"),
        ("department: \"Not A Slug\"", "BAD_USER_INPUT"),
        ("first: 101", "BAD_USER_INPUT"),
    ] {
        let query = format!("{{ channels({arguments}) {{ edges {{ node {{ slug }} }} }} }}");
        app.gql(Some(app.staff()), &query, Value::Null)
            .await
            .expect_error(code);
    }
}
db_test!(bad_input_gets_a_clear_error_and_changes_nothing);
