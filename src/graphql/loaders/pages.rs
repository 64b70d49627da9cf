//! Pages: the rows a connection returned, shared (an `Arc`) by the GraphQL
//! objects made of them, so that each relation of those rows is loaded for
//! the whole page, in one statement, by the first row that asks for it.
//!
//! Why not DataLoaders alone: a DataLoader batches the keys that arrive
//! within its delay, and the items of a long page do not always arrive
//! within it (the executor yields every few dozen futures), so a page cost
//! more statements, and more time, the longer it was. Why not looking ahead
//! at the query and loading ahead (what this replaced): the look-ahead found
//! fields only where it looked (`edges.node`), not under `nodes`, in
//! fragments, behind aliases or `node(id:)`, and those fell back to the
//! DataLoaders. A page knows all its rows as soon as its query returns: a
//! [`Batch`] loads a relation for all of them behind a
//! `tokio::sync::OnceCell`, and every other row awaits the same cell. No
//! look-ahead and no delay, so the cost cannot depend on how the query is
//! spelled, and a relation nobody selects costs nothing.
//!
//! An object not made from a page (`node(id:)`, a mutation's payload, a
//! subscription's event) has no page and asks the DataLoaders.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::{Batchers, MembershipKey};
use crate::domain::channels::reads::ReadState;
use crate::domain::channels::{Channel, Scope};
use crate::domain::departments::Department;
use crate::domain::messages::{self, Message, ReactionGroup};
use crate::domain::pagination::{Page, PageArgs};
use crate::domain::people::Person;

/// One relation of a page's rows, loaded for all of them at once by the
/// first row that asks.
pub struct Batch<K, V>(OnceCell<HashMap<K, V>>);

impl<K, V> Default for Batch<K, V> {
    fn default() -> Self {
        Batch(OnceCell::new())
    }
}

impl<K, V> Batch<K, V>
where
    K: Send + Sync + Clone + Eq + Hash + 'static,
    V: Clone,
{
    /// Whether the first caller has loaded (or is loading) the batch.
    pub fn started(&self) -> bool {
        self.0.initialized()
    }

    /// The values, once the first caller has loaded them.
    pub fn values(&self) -> Option<&HashMap<K, V>> {
        self.0.get()
    }

    /// A batch whose values are already known (loaded with something else).
    pub fn loaded(values: HashMap<K, V>) -> Self {
        Batch(OnceCell::new_with(Some(values)))
    }

    /// Gives the batch its values, loaded with something else, unless it
    /// has them already (the same rows, loaded by another field first).
    fn fill(&self, values: HashMap<K, V>) {
        let _ = self.0.set(values);
    }

    /// The value for `key`, once `load` (the first caller's; the others
    /// wait for it) has loaded the whole page. A failed load is tried again
    /// by the next caller. The load is boxed: async-graphql resolves each
    /// field of an object in a box as large as its largest field future,
    /// and a query's future inline made every field of a `Message` costly
    /// to allocate and copy.
    pub async fn get_with<F, Fut>(&self, load: F, key: &K) -> async_graphql::Result<Option<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = async_graphql::Result<HashMap<K, V>>> + Send,
    {
        let found = self.0.get_or_try_init(|| Box::pin(load())).await?;
        Ok(found.get(key).cloned())
    }

    /// As [`Batch::get_with`], through the loader `pick` takes of
    /// `loaders` ([`Batchers::load`]) for `keys`, every key of the page.
    pub async fn get<L>(
        &self,
        loaders: &Batchers,
        pick: fn(&Batchers) -> &DataLoader<L>,
        keys: impl FnOnce() -> Vec<K>,
        key: &K,
    ) -> async_graphql::Result<Option<V>>
    where
        L: Loader<K, Value = V, Error = async_graphql::Error>,
        V: Send + Sync + 'static,
    {
        self.get_with(|| loaders.load(pick(loaders), keys()), key)
            .await
    }
}

/// A relation of a page's rows that takes arguments (`replies(first: 5)`):
/// loaded once per distinct arguments for the whole page, since two aliases
/// may ask differently.
pub struct PerArgs<A, V>(Mutex<HashMap<A, Arc<OnceCell<V>>>>);

impl<A, V> Default for PerArgs<A, V> {
    fn default() -> Self {
        PerArgs(Mutex::new(HashMap::new()))
    }
}

impl<A: Eq + Hash, V: Clone> PerArgs<A, V> {
    /// The value for `args`, loaded by the first caller that asks with
    /// them (the others wait for it; a failed load is tried again).
    pub async fn get_with<F, Fut>(&self, args: A, load: F) -> async_graphql::Result<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = async_graphql::Result<V>> + Send,
    {
        let cell = {
            let mut cells = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            cells.entry(args).or_default().clone()
        };
        Ok(cell.get_or_try_init(|| Box::pin(load())).await?.clone())
    }
}

/// Pages of messages for a page's rows (each thread's replies, each
/// person's recent messages), and the one page they make together, whose
/// own relations load together.
pub struct MessagePages<K> {
    /// By row (and arguments).
    pub pages: HashMap<K, Page<Message>>,
    /// Every message of every page.
    pub page: Arc<MessagePage>,
}

impl<K> MessagePages<K> {
    fn new(pages: HashMap<K, Page<Message>>) -> Arc<MessagePages<K>> {
        let page = MessagePage::new(pages.values().flat_map(|p| p.items.iter().map(|(_, m)| m)));
        Arc::new(MessagePages { pages, page })
    }
}

/// A page of people, or the people a page of something else points at
/// (authors, actors): their ids, and their relations as they are asked.
#[derive(Default)]
pub struct PersonPage {
    ids: Vec<Uuid>,
    people: Batch<Uuid, Person>,
    departments: Batch<Uuid, Vec<Department>>,
    /// Whether `people` and `departments` were loaded together, in one
    /// statement.
    together: OnceCell<()>,
    recent: PerArgs<(PageArgs, Scope), Arc<MessagePages<Uuid>>>,
}

impl PersonPage {
    /// The page of the people `ids` (duplicates allowed).
    pub fn new(ids: impl IntoIterator<Item = Uuid>) -> Arc<PersonPage> {
        let mut ids: Vec<Uuid> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        Arc::new(PersonPage {
            ids,
            ..PersonPage::default()
        })
    }

    /// Person `id`, one of the page's (NOT_FOUND if gone).
    pub async fn person(&self, loaders: &Batchers, id: Uuid) -> async_graphql::Result<Person> {
        let found = self
            .people
            .get(loaders, |l| &l.person, || self.ids.clone(), &id)
            .await?;
        Ok(found.ok_or(crate::error::Error::NotFound("User"))?)
    }

    /// Person `id`, and with `departments` the page's departments in the
    /// same statement, so that `author { departments }` costs one statement
    /// for the page, not two. Boxed, as the other loads of a page.
    pub async fn person_and_departments(
        &self,
        loaders: &Batchers,
        id: Uuid,
        departments: bool,
    ) -> async_graphql::Result<Person> {
        if departments && !self.departments.started() {
            let load = || async {
                let found = loaders
                    .load(&loaders.person_with_departments, self.ids.iter().copied())
                    .await?;
                let (people, departments) = found
                    .into_iter()
                    .map(|(id, (person, departments))| ((id, person), (id, departments)))
                    .unzip();
                self.people.fill(people);
                self.departments.fill(departments);
                Ok::<_, async_graphql::Error>(())
            };
            self.together.get_or_try_init(|| Box::pin(load())).await?;
        }
        Box::pin(self.person(loaders, id)).await
    }

    /// The departments of person `id`, one of the page's.
    pub async fn departments(
        &self,
        loaders: &Batchers,
        id: Uuid,
    ) -> async_graphql::Result<Vec<Department>> {
        let found = self
            .departments
            .get(
                loaders,
                |l| &l.departments_of_user,
                || self.ids.clone(),
                &id,
            )
            .await?;
        Ok(found.unwrap_or_default())
    }

    /// What the page's people wrote recently, as `args` asks, in channels
    /// `scope` sees: one statement for the page (`messages::recent_by`).
    pub async fn recent_messages(
        &self,
        db: &DatabaseConnection,
        args: &PageArgs,
        scope: Scope,
    ) -> async_graphql::Result<Arc<MessagePages<Uuid>>> {
        let load = || async {
            let pages = messages::recent_by(db, &self.ids, scope, args).await?;
            Ok(MessagePages::new(pages))
        };
        self.recent.get_with((args.clone(), scope), load).await
    }
}

/// What a page needs to know of each of its messages.
struct Row {
    id: Uuid,
    author_id: Uuid,
    channel_id: Uuid,
    parent_id: Option<Uuid>,
}

/// A page of messages: a channel's feed, the replies of a page's threads
/// (all threads' together), the messages a page of notifications points
/// at. Viewer-dependent relations are keyed by the viewer (one per request
/// anyway).
#[derive(Default)]
pub struct MessagePage {
    rows: Vec<Row>,
    /// The authors, and through them their departments.
    pub authors: Arc<PersonPage>,
    reply_counts: Batch<Uuid, u64>,
    reactions: Batch<(Uuid, Uuid), Vec<ReactionGroup>>,
    mentions: Batch<Uuid, Vec<Person>>,
    follows: Batch<(Uuid, Uuid), bool>,
    channels: Batch<(Uuid, Scope), Channel>,
    parents: Batch<Uuid, Message>,
    /// The replies of the page's threads, per paging arguments.
    replies: PerArgs<PageArgs, Arc<Replies>>,
}

/// The replies of a page's threads, by (thread, arguments).
pub type Replies = MessagePages<(Uuid, PageArgs)>;

impl MessagePage {
    /// The page of `messages`.
    pub fn new<'a>(messages: impl IntoIterator<Item = &'a Message>) -> Arc<MessagePage> {
        Arc::new(MessagePage::of(messages))
    }

    fn of<'a>(messages: impl IntoIterator<Item = &'a Message>) -> MessagePage {
        let rows: Vec<Row> = messages
            .into_iter()
            .map(|m| Row {
                id: m.id,
                author_id: m.author_id,
                channel_id: m.channel_id,
                parent_id: m.parent_id,
            })
            .collect();
        MessagePage {
            authors: PersonPage::new(rows.iter().map(|r| r.author_id)),
            rows,
            ..MessagePage::default()
        }
    }

    /// The page of the messages `ids` point at, as far as the viewer (in
    /// `scope`) may see them: the messages and their channels, two
    /// statements (the channels stay known to `Message.channel`).
    pub async fn visible(
        loaders: &Batchers,
        scope: Scope,
        ids: &[Uuid],
    ) -> async_graphql::Result<(HashMap<Uuid, Message>, Arc<MessagePage>)> {
        let mut found = loaders.load(&loaders.message, ids.iter().copied()).await?;
        let channels = loaders
            .load(
                &loaders.channel,
                found.values().map(|m| (m.channel_id, scope)),
            )
            .await?;
        found.retain(|_, m| channels.contains_key(&(m.channel_id, scope)));
        let mut page = MessagePage::of(found.values());
        page.channels = Batch::loaded(channels);
        Ok((found, Arc::new(page)))
    }

    fn ids(&self) -> Vec<Uuid> {
        self.rows.iter().map(|r| r.id).collect()
    }

    /// How many replies thread `id` (one of the page's) has.
    pub async fn reply_count(&self, loaders: &Batchers, id: Uuid) -> async_graphql::Result<u64> {
        let found = self
            .reply_counts
            .get(loaders, |l| &l.reply_count, || self.ids(), &id)
            .await?;
        Ok(found.unwrap_or(0))
    }

    /// The reactions to message `id` as `viewer` sees them.
    pub async fn reactions(
        &self,
        loaders: &Batchers,
        id: Uuid,
        viewer: Uuid,
    ) -> async_graphql::Result<Vec<ReactionGroup>> {
        let keys = || self.rows.iter().map(|r| (r.id, viewer)).collect();
        let found = self
            .reactions
            .get(loaders, |l| &l.reactions, keys, &(id, viewer))
            .await?;
        Ok(found.unwrap_or_default())
    }

    /// The people message `id` mentions.
    pub async fn mentions(
        &self,
        loaders: &Batchers,
        id: Uuid,
    ) -> async_graphql::Result<Vec<Person>> {
        let found = self
            .mentions
            .get(loaders, |l| &l.mentions, || self.ids(), &id)
            .await?;
        Ok(found.unwrap_or_default())
    }

    /// Whether `viewer` follows thread `root` (a row's thread).
    pub async fn follows(
        &self,
        loaders: &Batchers,
        root: Uuid,
        viewer: Uuid,
    ) -> async_graphql::Result<bool> {
        let keys = || {
            self.rows
                .iter()
                .map(|r| (r.parent_id.unwrap_or(r.id), viewer))
                .collect()
        };
        let found = self
            .follows
            .get(loaders, |l| &l.thread_follow, keys, &(root, viewer))
            .await?;
        Ok(found.unwrap_or(false))
    }

    /// Channel `id` (a row's) in the viewer's `scope`; `None` if they may
    /// not see it.
    pub async fn channel(
        &self,
        loaders: &Batchers,
        id: Uuid,
        scope: Scope,
    ) -> async_graphql::Result<Option<Channel>> {
        let keys = || self.rows.iter().map(|r| (r.channel_id, scope)).collect();
        self.channels
            .get(loaders, |l| &l.channel, keys, &(id, scope))
            .await
    }

    /// Message `id`, the thread of one of the page's replies.
    pub async fn parent(
        &self,
        loaders: &Batchers,
        id: Uuid,
    ) -> async_graphql::Result<Option<Message>> {
        let keys = || self.rows.iter().filter_map(|r| r.parent_id).collect();
        self.parents.get(loaders, |l| &l.message, keys, &id).await
    }

    /// The replies, as `args` asks for them, of every thread of the page,
    /// in one statement for the page (`messages::replies_of`).
    pub async fn replies(
        &self,
        loaders: &Batchers,
        args: &PageArgs,
    ) -> async_graphql::Result<Arc<Replies>> {
        let load = || async {
            let roots = self
                .rows
                .iter()
                .filter(|r| r.parent_id.is_none())
                .map(|r| (r.id, args.clone()));
            let pages = loaders.load(&loaders.replies, roots).await?;
            Ok(MessagePages::new(pages))
        };
        self.replies.get_with(args.clone(), load).await
    }
}

/// A page of channels (`channels`, `Department.channels`, the channels two
/// departments share).
#[derive(Default)]
pub struct ChannelPage {
    ids: Vec<Uuid>,
    /// Who created them.
    pub creators: Arc<PersonPage>,
    departments: Batch<Uuid, Vec<Department>>,
    member_counts: Batch<Uuid, u64>,
    memberships: Batch<MembershipKey, bool>,
    mutes: Batch<(Uuid, Uuid), bool>,
    reads: Batch<(Uuid, Uuid), ReadState>,
}

impl ChannelPage {
    /// The page of `channels`.
    pub fn new<'a>(channels: impl IntoIterator<Item = &'a Channel>) -> Arc<ChannelPage> {
        let (ids, creators): (Vec<Uuid>, Vec<Uuid>) =
            channels.into_iter().map(|c| (c.id, c.created_by)).unzip();
        Arc::new(ChannelPage {
            ids,
            creators: PersonPage::new(creators),
            ..ChannelPage::default()
        })
    }

    /// The departments channel `id` (one of the page's) links.
    pub async fn departments(
        &self,
        loaders: &Batchers,
        id: Uuid,
    ) -> async_graphql::Result<Vec<Department>> {
        let keys = || self.ids.clone();
        let found = self
            .departments
            .get(loaders, |l| &l.departments_of_channel, keys, &id)
            .await?;
        Ok(found.unwrap_or_default())
    }

    /// How many people channel `id` has.
    pub async fn member_count(&self, loaders: &Batchers, id: Uuid) -> async_graphql::Result<u64> {
        let keys = || self.ids.clone();
        let found = self
            .member_counts
            .get(loaders, |l| &l.channel_member_count, keys, &id)
            .await?;
        Ok(found.unwrap_or(0))
    }

    /// Whether `user` is in channel `id`.
    pub async fn is_member(
        &self,
        loaders: &Batchers,
        id: Uuid,
        user: Uuid,
    ) -> async_graphql::Result<bool> {
        let key = |channel_id| MembershipKey {
            channel_id,
            user_id: user,
        };
        let keys = || self.ids.iter().map(|id| key(*id)).collect();
        let found = self
            .memberships
            .get(loaders, |l| &l.channel_membership, keys, &key(id))
            .await?;
        Ok(found.unwrap_or(false))
    }

    /// Whether `user` muted channel `id`.
    pub async fn has_muted(
        &self,
        loaders: &Batchers,
        id: Uuid,
        user: Uuid,
    ) -> async_graphql::Result<bool> {
        let keys = || self.ids.iter().map(|id| (*id, user)).collect();
        let found = self
            .mutes
            .get(loaders, |l| &l.channel_mute, keys, &(id, user))
            .await?;
        Ok(found.unwrap_or(false))
    }

    /// `user`'s read state in channel `id`; `None` if they are not in it.
    /// Every channel of the page in one statement, whichever of its fields
    /// asks first.
    pub async fn read_state(
        &self,
        loaders: &Batchers,
        id: Uuid,
        user: Uuid,
    ) -> async_graphql::Result<Option<ReadState>> {
        let keys = || self.ids.iter().map(|id| (*id, user)).collect();
        self.reads
            .get(loaders, |l| &l.channel_reads, keys, &(id, user))
            .await
    }
}

/// The messages a page of something else points at (notifications, guest
/// posts' source threads): loaded, as far as the viewer may see them, by
/// the first item that asks, and then a page of messages of their own.
#[derive(Default)]
pub struct PointedMessages {
    ids: Vec<Uuid>,
    found: OnceCell<(HashMap<Uuid, Message>, Arc<MessagePage>)>,
}

impl PointedMessages {
    /// The messages `ids` (duplicates allowed).
    pub fn new(ids: Vec<Uuid>) -> PointedMessages {
        PointedMessages {
            ids,
            found: OnceCell::new(),
        }
    }

    /// Message `id`, one of those pointed at, if the viewer (in `scope`)
    /// may see it, and the page it is in.
    pub async fn get(
        &self,
        loaders: &Batchers,
        scope: Scope,
        id: Uuid,
    ) -> async_graphql::Result<Option<(Message, Arc<MessagePage>)>> {
        let load = || MessagePage::visible(loaders, scope, &self.ids);
        let (found, page) = self.found.get_or_try_init(|| Box::pin(load())).await?;
        Ok(found.get(&id).map(|m| (m.clone(), page.clone())))
    }
}
