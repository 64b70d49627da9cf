//! Arranging channels through the API.

use serde_json::{Value, json};

use super::{Actor, GqlResponse, TestApp};

pub const CREATE_CHANNEL: &str = "mutation($input: CreateChannelInput!) { createChannel(input: $input) { channel { id slug name topic visibility archivedAt memberCount viewerIsMember departments { slug } createdBy { handle } } } }";

impl TestApp {
    /// Posts `body` as `actor` (a reply to `parent`, if given); returns the
    /// message id.
    pub async fn post_message(
        &self,
        actor: &Actor,
        channel: &str,
        body: &str,
        parent: Option<&str>,
    ) -> String {
        let response = self
            .gql(
                Some(actor),
                "mutation($input: PostMessageInput!) { postMessage(input: $input) { message { id } } }",
                json!({ "input": { "channelId": channel, "body": body, "parentId": parent } }),
            )
            .await;
        response.data()["postMessage"]["message"]["id"]
            .as_str()
            .expect("message id")
            .to_owned()
    }

    /// `actor` reacts to message `id` with `code`.
    pub async fn react(&self, actor: &Actor, id: &str, code: &str) {
        self.gql(
            Some(actor),
            "mutation($input: AddReactionInput!) { addReaction(input: $input) { message { id } } }",
            json!({ "input": { "messageId": id, "code": code } }),
        )
        .await
        .data();
    }

    /// Creates a channel as `actor`, linked to the departments with `slugs`.
    pub async fn try_create_channel(
        &self,
        actor: Option<&Actor>,
        slug: &str,
        visibility: &str,
        slugs: &[&str],
    ) -> GqlResponse {
        let mut department_ids = Vec::new();
        for department in slugs {
            department_ids.push(self.department_id(department).await);
        }
        self.gql(
            actor,
            CREATE_CHANNEL,
            json!({ "input": {
                "name": format!("Channel {slug}"),
                "slug": slug,
                "visibility": visibility,
                "departmentIds": department_ids,
            }}),
        )
        .await
    }

    /// Creates a channel as `actor`; returns its global id.
    pub async fn create_channel(
        &self,
        actor: &Actor,
        slug: &str,
        visibility: &str,
        slugs: &[&str],
    ) -> String {
        let response = self
            .try_create_channel(Some(actor), slug, visibility, slugs)
            .await;
        response.data()["createChannel"]["channel"]["id"]
            .as_str()
            .expect("channel id")
            .to_owned()
    }

    /// Has `actor` join the public channel `channel_id`.
    pub async fn join_channel(&self, actor: &Actor, channel_id: &str) {
        self.gql(
            Some(actor),
            "mutation($input: JoinChannelInput!) { joinChannel(input: $input) { channel { id } } }",
            json!({ "input": { "channelId": channel_id } }),
        )
        .await
        .data();
    }

    /// Has `actor` add `user_id` to `channel_id`.
    pub async fn add_channel_member(&self, actor: &Actor, channel_id: &str, user_id: &str) {
        self.gql(
            Some(actor),
            "mutation($input: AddChannelMemberInput!) { addChannelMember(input: $input) { channel { id } } }",
            json!({ "input": { "channelId": channel_id, "userId": user_id } }),
        )
        .await
        .data();
    }

    /// The slugs of the channels `actor` sees through `channels(…)` with
    /// `arguments` (GraphQL argument text such as `joined: true`).
    pub async fn channel_slugs(&self, actor: &Actor, arguments: &str) -> Vec<String> {
        let arguments = if arguments.is_empty() {
            String::new()
        } else {
            format!("({arguments})")
        };
        let query =
            format!("{{ channels{arguments} {{ totalCount edges {{ node {{ slug }} }} }} }}");
        let response = self.gql(Some(actor), &query, Value::Null).await;
        let connection = &response.data()["channels"];
        let slugs: Vec<String> = connection["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["slug"].as_str().expect("slug").to_owned())
            .collect();
        assert_eq!(connection["totalCount"].as_u64(), Some(slugs.len() as u64));
        slugs
    }
}
