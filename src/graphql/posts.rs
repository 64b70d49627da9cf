//! Guest posts: the `GuestPost` type, the author's and reviewers' queries,
//! and the public blog's `publicPosts`/`publicPost`. The workflow's
//! mutations are in `post_mutations`.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::context::ContextExt;
use super::departments::Department;
use super::loaders::{Batch, Loaders, PersonPage, PointedMessages};
use super::messages::Message;
use super::node::{Kind, decode_as, global_id};
use super::pagination::{Connection, EmptyFields, connection};
use super::people::User;
use super::round::Checkin;
use crate::domain::channels::Scope;
use crate::domain::departments;
use crate::domain::pagination::Page;
use crate::domain::posts::{self, PostFilter, Status, render};
use crate::domain::round::checkins;

/// A staff member's post about their work, on its way to the public blog;
/// with the page it came in, if any, which loads its relations for the
/// whole page.
pub struct GuestPost(pub posts::Post, pub Option<Arc<PostPage>>);

impl GuestPost {
    /// A post on its own (not from a page).
    pub fn one(post: posts::Post) -> GuestPost {
        GuestPost(post, None)
    }
}

/// A page of guest posts (or of public ones): their authors, departments
/// and sources, each loaded for the whole page by the first post that asks
/// (see `loaders::pages`).
#[derive(Default)]
pub struct PostPage {
    authors: Arc<PersonPage>,
    department_ids: Vec<Uuid>,
    departments: Batch<Uuid, departments::Department>,
    threads: PointedMessages,
    checkin_ids: Vec<Uuid>,
    checkins: Batch<Uuid, checkins::Checkin>,
}

impl PostPage {
    /// Wraps the posts of `page` with `wrap`, each knowing the page.
    fn wrap<T>(
        page: &Page<posts::Post>,
        wrap: fn(posts::Post, Option<Arc<PostPage>>) -> T,
    ) -> impl Fn(posts::Post) -> T + use<T> {
        let posts = || page.items.iter().map(|(_, p)| p);
        let rows = Arc::new(PostPage {
            authors: PersonPage::new(posts().map(|p| p.author_id)),
            department_ids: posts().map(|p| p.department_id).collect(),
            threads: PointedMessages::new(posts().filter_map(|p| p.source_thread).collect()),
            checkin_ids: posts().filter_map(|p| p.source_checkin).collect(),
            ..PostPage::default()
        });
        move |post| wrap(post, Some(rows.clone()))
    }

    async fn department(&self, ctx: &Context<'_>, id: Uuid) -> Result<departments::Department> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let keys = || self.department_ids.clone();
        let found = self
            .departments
            .get(loaders, |l| &l.department, keys, &id)
            .await?;
        Ok(found.ok_or(crate::error::Error::NotFound("Department"))?)
    }
}

/// A staff member's post about their work, on its way to the public blog.
/// Its author sees it always; reviewers (comms, admins) once it has been
/// submitted; everyone signed in once it is published.
#[Object]
impl GuestPost {
    /// The post's global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::GuestPost, self.0.id)
    }
    /// The headline: one line, 1–200 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The URL slug on the blog: `/blog/{slug}`. Stable once published.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The body as markdown.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The body rendered to sanitized HTML, as the blog shows it.
    async fn body_html(&self) -> String {
        render::markdown_to_safe_html(&self.0.body)
    }
    /// A short summary for the blog's index and link previews (up to 500
    /// characters); empty if none.
    async fn excerpt(&self) -> &str {
        &self.0.excerpt
    }
    /// Where the post is in its workflow.
    async fn status(&self) -> PostStatus {
        self.0.status.into()
    }
    /// Increases with every change; pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The editorial calendar's intent (not a commitment).
    async fn planned_for(&self) -> Option<NaiveDate> {
        self.0.planned_for
    }
    /// When a SCHEDULED post publishes itself.
    async fn publish_at(&self) -> Option<DateTime<Utc>> {
        self.0.publish_at
    }
    /// When it went on the blog; null unless PUBLISHED.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    /// When it was last submitted for review; null if never.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }
    /// Seconds it has been waiting for review, while IN_REVIEW.
    async fn waiting_seconds(&self) -> Option<i64> {
        (self.0.status == Status::InReview)
            .then_some(self.0.submitted_at)
            .flatten()
            .map(|at| (Utc::now() - at).num_seconds().max(0))
    }
    /// When the draft was started.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the post last changed: an edit or a step of the workflow.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> Result<User> {
        let Some(page) = &self.1 else {
            return Ok(User::one(Loaders::person(ctx, self.0.author_id).await?));
        };
        User::of_page(ctx, &page.authors, self.0.author_id).await
    }
    /// The department it is written for, one its author belongs to.
    async fn department(&self, ctx: &Context<'_>) -> Result<Department> {
        Ok(Department::one(match &self.1 {
            Some(page) => page.department(ctx, self.0.department_id).await?,
            None => Loaders::department(ctx, self.0.department_id).await?,
        }))
    }
    /// The message thread the post grew from, if it names one and you may
    /// see it: the path from internal work to public story.
    async fn source_thread(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        let Some(thread) = self.0.source_thread else {
            return Ok(None);
        };
        self.thread(ctx, thread).await
    }
    /// What the post grew from, if it names it and you may see it: a
    /// check-in of its author, or a message thread (its first message).
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<PostSource>> {
        if let Some(thread) = self.0.source_thread {
            return Ok(self.thread(ctx, thread).await?.map(PostSource::Message));
        }
        let Some(checkin) = self.0.source_checkin else {
            return Ok(None);
        };
        // Check-ins are for everyone signed in, as the post's viewer is.
        ctx.viewer().require(crate::auth::Action::ReadDirectory)?;
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = match &self.1 {
            Some(page) => {
                let keys = || page.checkin_ids.clone();
                page.checkins
                    .get(loaders, |l| &l.checkin, keys, &checkin)
                    .await?
            }
            None => loaders.checkin.load_one(checkin).await?,
        };
        Ok(found.map(|c| PostSource::Checkin(Checkin::one(c))))
    }
    /// Every submitted version, oldest first, each with a diff against the
    /// one before (author and reviewers).
    async fn revisions(&self, ctx: &Context<'_>) -> Result<Vec<PostRevision>> {
        // Boxed: inline, the query's future would size every field's box.
        let revisions = Box::pin(posts::revisions(ctx.db(), ctx.viewer(), &self.0)).await?;
        Ok(revisions.into_iter().map(PostRevision).collect())
    }
    /// The audit trail: every transition with who, when and why (author and
    /// reviewers).
    async fn review_events(&self, ctx: &Context<'_>) -> Result<Vec<ReviewEvent>> {
        let events = Box::pin(posts::review_events(ctx.db(), ctx.viewer(), &self.0)).await?;
        Ok(events.into_iter().map(ReviewEvent).collect())
    }
}

impl GuestPost {
    /// Message `id`, the post's source thread, if the viewer may see it.
    async fn thread(&self, ctx: &Context<'_>, id: Uuid) -> Result<Option<Message>> {
        let Some(page) = &self.1 else {
            return Message::visible(ctx, id).await;
        };
        let scope = Scope::of(ctx.viewer())?;
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = page.threads.get(loaders, scope, id).await?;
        Ok(found.map(|(message, page)| Message(message, Some(page))))
    }
}

/// Where a guest post is in its workflow: DRAFT, IN_REVIEW, then APPROVED,
/// SCHEDULED and PUBLISHED, or CHANGES_REQUESTED or REJECTED on the way.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum PostStatus {
    /// Being written: its author edits it and submits it for review.
    Draft,
    /// Submitted and waiting in the review queue; the author may withdraw it.
    InReview,
    /// A reviewer asked for changes; the author's next edit takes it back to
    /// DRAFT.
    ChangesRequested,
    /// Approved for the blog; a reviewer schedules it or publishes it now.
    Approved,
    /// Publishes itself at `publishAt`.
    Scheduled,
    /// On the public blog.
    Published,
    /// Turned down, with a reason. Final.
    Rejected,
}

impl From<Status> for PostStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Draft => PostStatus::Draft,
            Status::InReview => PostStatus::InReview,
            Status::ChangesRequested => PostStatus::ChangesRequested,
            Status::Approved => PostStatus::Approved,
            Status::Scheduled => PostStatus::Scheduled,
            Status::Published => PostStatus::Published,
            Status::Rejected => PostStatus::Rejected,
        }
    }
}

impl From<PostStatus> for Status {
    fn from(status: PostStatus) -> Self {
        match status {
            PostStatus::Draft => Status::Draft,
            PostStatus::InReview => Status::InReview,
            PostStatus::ChangesRequested => Status::ChangesRequested,
            PostStatus::Approved => Status::Approved,
            PostStatus::Scheduled => Status::Scheduled,
            PostStatus::Published => Status::Published,
            PostStatus::Rejected => Status::Rejected,
        }
    }
}

/// A post as it was submitted.
pub struct PostRevision(posts::Revision);

/// A post as it was submitted for review: each submit keeps one.
#[Object]
impl PostRevision {
    /// 1 for the first submit, then 2, 3, ….
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// The title as submitted.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The excerpt as submitted.
    async fn excerpt(&self) -> &str {
        &self.0.excerpt
    }
    /// The markdown body as submitted.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// When it was submitted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// A unified diff against the previous revision; empty for the first.
    async fn diff(&self) -> &str {
        &self.0.diff
    }
}

/// One step of a post's audit trail.
pub struct ReviewEvent(posts::ReviewEvent);

/// One step of a post's audit trail: a change of status, who made it,
/// when and why.
#[Object]
impl ReviewEvent {
    /// Who acted; null when the scheduler published the post.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.0.actor_id {
            Some(actor) => Ok(Some(User::one(Loaders::person(ctx, actor).await?))),
            None => Ok(None),
        }
    }
    /// The status before.
    async fn from(&self) -> PostStatus {
        self.0.from.into()
    }
    /// The status after.
    async fn to(&self) -> PostStatus {
        self.0.to.into()
    }
    /// What the actor said: the changes asked for, the reason for a
    /// rejection, or a note on approval; null if nothing.
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

/// A page of guest posts.
pub type GuestPostConnection = Connection<GuestPost>;

/// A published post as the public sees it: no email, no review trail.
pub struct PublicPost(posts::Post, Option<Arc<PostPage>>);

/// A post on the public blog, as anyone may read it: no email, no review
/// trail.
#[Object]
impl PublicPost {
    /// The URL slug: the post is at `/blog/{slug}`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The headline.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// A short summary; empty if none.
    async fn excerpt(&self) -> &str {
        &self.0.excerpt
    }
    /// The body rendered to sanitized HTML.
    async fn body_html(&self) -> String {
        render::markdown_to_safe_html(&self.0.body)
    }
    /// When it went on the blog.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    /// Who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> Result<PublicAuthor> {
        let person = match &self.1 {
            Some(page) => {
                let loaders = ctx.data_unchecked::<Loaders>();
                page.authors.person(loaders, self.0.author_id).await?
            }
            None => Loaders::person(ctx, self.0.author_id).await?,
        };
        Ok(PublicAuthor {
            display_name: person.display_name,
            title: person.title,
        })
    }
    /// The department it was written for.
    async fn department(&self, ctx: &Context<'_>) -> Result<PublicDepartment> {
        let department = match &self.1 {
            Some(page) => page.department(ctx, self.0.department_id).await?,
            None => Loaders::department(ctx, self.0.department_id).await?,
        };
        Ok(PublicDepartment {
            slug: department.slug,
            name: department.name,
        })
    }
}

/// A post's author, as the public sees them.
#[derive(SimpleObject)]
pub struct PublicAuthor {
    /// Their name.
    pub display_name: String,
    /// Job title.
    pub title: String,
}

/// A department, as the public sees it.
#[derive(SimpleObject)]
pub struct PublicDepartment {
    /// Its URL-safe name: its posts are at `/blog/department/{slug}`.
    pub slug: String,
    /// Its name.
    pub name: String,
}

/// A page of the public blog.
pub type PublicPostConnection = Connection<PublicPost>;

/// The guest posts' queries, the public blog's included.
#[derive(Default)]
pub struct PostQuery;

#[Object]
impl PostQuery {
    /// Your own posts, newest first.
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn my_posts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only posts in this status.")] status: Option<PostStatus>,
        #[graphql(
            desc = "How many items from the start, or after `after`: 1–100 (the default cap); 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`).")]
        after: Option<String>,
        #[graphql(
            desc = "How many items from the end, or before `before`: 1–100 (the default cap); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "End before this cursor (an edge's `cursor`, or `pageInfo.startCursor`)."
        )]
        before: Option<String>,
    ) -> Result<GuestPostConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let found = posts::mine(ctx.db(), ctx.viewer(), status.map(Status::from), &page).await?;
        let wrap = PostPage::wrap(&found, GuestPost);
        Ok(connection(found, wrap, EmptyFields))
    }

    /// Posts waiting for review, the longest-waiting first (comms, admins).
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn review_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start, or after `after`: 1–100 (the default cap); 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`).")]
        after: Option<String>,
        #[graphql(
            desc = "How many items from the end, or before `before`: 1–100 (the default cap); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "End before this cursor (an edge's `cursor`, or `pageInfo.startCursor`)."
        )]
        before: Option<String>,
    ) -> Result<GuestPostConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let found = posts::review_queue(ctx.db(), ctx.viewer(), &page).await?;
        let wrap = PostPage::wrap(&found, GuestPost);
        Ok(connection(found, wrap, EmptyFields))
    }

    /// Every submitted post, newest first, by status, department slug or
    /// author handle (comms, admins).
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn posts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only posts in this status.")] status: Option<PostStatus>,
        #[graphql(
            desc = "Only posts for the department with this slug, such as `customer-service`."
        )]
        department: Option<String>,
        #[graphql(desc = "Only posts by the person with this handle (with or without `@`).")]
        author: Option<String>,
        #[graphql(
            desc = "How many items from the start, or after `after`: 1–100 (the default cap); 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`).")]
        after: Option<String>,
        #[graphql(
            desc = "How many items from the end, or before `before`: 1–100 (the default cap); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "End before this cursor (an edge's `cursor`, or `pageInfo.startCursor`)."
        )]
        before: Option<String>,
    ) -> Result<GuestPostConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let filter = PostFilter {
            status: status.map(Status::from),
            department,
            author,
        };
        let found = posts::list(ctx.db(), ctx.viewer(), &filter, &page).await?;
        let wrap = PostPage::wrap(&found, GuestPost);
        Ok(connection(found, wrap, EmptyFields))
    }

    /// A post you may see: your own, any submitted one (reviewers), or a
    /// published one.
    async fn post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post's global id.")] id: ID,
    ) -> Result<GuestPost> {
        let id = decode_as("id", Kind::GuestPost, &id)?;
        Ok(GuestPost::one(
            posts::by_id(ctx.db(), ctx.viewer(), id).await?,
        ))
    }

    /// The public blog: published posts, newest first. No sign-in needed.
    #[graphql(complexity = "super::pagination::connection_cost(first, last, child_complexity)")]
    async fn public_posts(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only posts for the department with this slug, such as `customer-service`."
        )]
        department: Option<String>,
        #[graphql(
            desc = "How many items from the start, or after `after`: 1–100 (the default cap); 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`).")]
        after: Option<String>,
        #[graphql(
            desc = "How many items from the end, or before `before`: 1–100 (the default cap); not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "End before this cursor (an edge's `cursor`, or `pageInfo.startCursor`)."
        )]
        before: Option<String>,
    ) -> Result<PublicPostConnection> {
        let page = ctx.page_args(first, after, last, before)?;
        let found = posts::published(ctx.db(), department.as_deref(), &page).await?;
        let wrap = PostPage::wrap(&found, PublicPost);
        Ok(connection(found, wrap, EmptyFields))
    }

    /// A published post by slug. No sign-in needed.
    async fn public_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post's slug, as in `/blog/{slug}`.")] slug: String,
    ) -> Result<PublicPost> {
        Ok(PublicPost(
            posts::published_by_slug(ctx.db(), &slug).await?,
            None,
        ))
    }
}

/// What a guest post grew from.
#[derive(async_graphql::Union)]
pub enum PostSource {
    /// A check-in of the weekly round, by the post's author.
    Checkin(Checkin),
    /// A message thread, named by its first message.
    Message(Message),
}
