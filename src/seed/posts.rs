//! Demo guest posts in every state of the workflow, each taken there through
//! `domain::posts` by the people who would really act: the author drafts and
//! submits, a communications editor (never the author) reviews.

use anyhow::Context;
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::auth::Role;
use crate::auth::{Actor, Viewer};
use crate::domain::posts::edit::{self, NewDraft};
use crate::domain::posts::review::{self, TransitionInput};
use crate::domain::posts::{Post, Transition};
use crate::entities::{departments, users};

/// Where a demo post ends up.
#[derive(Clone, Copy)]
enum Goal {
    Draft,
    InReview,
    ChangesRequested(&'static str),
    Approved,
    /// Scheduled a day ahead.
    Scheduled,
    Published,
    Rejected(&'static str),
}

struct DemoPost {
    /// Handle of the author.
    author: &'static str,
    department: &'static str,
    title: &'static str,
    excerpt: &'static str,
    body: &'static str,
    goal: Goal,
}

/// The editor who reviews the demo posts (Ben's own post goes to Yuki).
const EDITOR: &str = "clara";
const SECOND_EDITOR: &str = "yuki";

/// Oldest first: the last published one tops the blog.
const POSTS: [DemoPost; 12] = [
    DemoPost {
        author: "hannah",
        department: "hr",
        title: "We dropped the take-home test. Here is what we do instead",
        excerpt: "Eight-hour assignments were filtering out exactly the people we wanted to hire. A short paired session turned out to be fairer and better at predicting who would thrive.",
        body: include_str!("posts/hiring.md"),
        goal: Goal::Published,
    },
    DemoPost {
        author: "ben",
        department: "communications",
        title: "A week on our social media desk",
        excerpt: "Four platforms, three time zones and one rule: a real person answers. What a week of replies, mentions and the occasional meme looks like from the inside.",
        body: include_str!("posts/social-desk.md"),
        goal: Goal::Published,
    },
    DemoPost {
        author: "fatima",
        department: "sales",
        title: "Closing the loop between sales and support",
        excerpt: "A shared channel, one weekly meeting and a rule about who calls the customer back.",
        body: include_str!("posts/closing-the-loop.md"),
        goal: Goal::Published,
    },
    DemoPost {
        author: "emma",
        department: "sales",
        title: "The best sales call I ever had started as a support ticket",
        excerpt: "A frustrated customer, a bug that was not a bug, and why our sales team now reads the support queue every Monday morning.",
        body: include_str!("posts/support-ticket.md"),
        goal: Goal::Published,
    },
    DemoPost {
        author: "mia",
        department: "marketing",
        title: "Why we stopped writing for the algorithm",
        excerpt: "For a year we chased keywords and posting schedules. Then we asked our customers what they actually read, and rewrote our content plan around the answers.",
        body: include_str!("posts/algorithm.md"),
        goal: Goal::Published,
    },
    DemoPost {
        author: "anna",
        department: "customer-service",
        title: "What 4,000 support chats taught us about onboarding",
        excerpt: "We read every chat from a customer’s first two weeks for a whole quarter. Three small changes to onboarding followed, and the questions we used to get every day nearly disappeared.",
        body: include_str!("posts/onboarding.md"),
        goal: Goal::Published,
    },
    DemoPost {
        author: "noah",
        department: "marketing",
        title: "Notes on our first podcast experiment",
        excerpt: "Six episodes, one borrowed microphone and what the numbers did (and did not) tell us.",
        body: "## Why a podcast\n\nRough notes so far — to be written up properly.\n\n- episode lengths\n- where listeners came from\n- what we would do differently\n",
        goal: Goal::Draft,
    },
    DemoPost {
        author: "leila",
        department: "customer-service",
        title: "A night on the late shift",
        excerpt: "Who writes to a support team at 2 a.m., and why those conversations are some of the best we have.",
        body: "Most of our customers are asleep when the late shift starts. The ones who are not are often the ones who need us most.\n\n## The regulars\n\nA bakery owner doing the books after closing. A nurse between rounds. A student with a deadline.\n\n## What we learned\n\n1. Short answers win at night.\n2. A follow-up in the morning is worth more than a perfect reply at 3 a.m.\n",
        goal: Goal::InReview,
    },
    DemoPost {
        author: "david",
        department: "sales",
        title: "Cold calls are not dead (but our script was)",
        excerpt: "We threw out the script and started with one question. Here is what happened to our reply rate.",
        body: "For two years our first calls followed a script. Then we replaced it with a single opening question.\n\n## The question\n\n> What is the most annoying part of your week?\n\nReply rates went from 4% to 11%.\n",
        goal: Goal::ChangesRequested(
            "Great story! Two things before we can publish: please check the reply-rate figures with Lukas, and leave out the customer's company name in the second example.",
        ),
    },
    DemoPost {
        author: "amara",
        department: "hr",
        title: "Parental leave, explained by the people who took it",
        excerpt: "Our new policy in plain words, and three colleagues on what the time away meant to them.",
        body: "From January, every parent gets the same paid leave, however their family came to be.\n\n## In plain words\n\n- 20 weeks, fully paid\n- take it in up to three blocks\n- a phased return over four weeks\n\n## Three stories\n\nWe asked three colleagues what the time meant to them.\n",
        goal: Goal::Approved,
    },
    DemoPost {
        author: "priya",
        department: "marketing",
        title: "How we chose our new brand colours",
        excerpt: "Contrast ratios, colour blindness and a surprising amount of arguing about teal.",
        body: "Our old palette failed accessibility checks on half our pages. So we started again, from contrast.\n\n## The rules we set\n\n1. Every text colour passes WCAG AA on every background.\n2. No meaning carried by colour alone.\n3. It has to look good in dark mode too.\n",
        goal: Goal::Scheduled,
    },
    DemoPost {
        author: "tomas",
        department: "customer-service",
        title: "Our Q3 ticket numbers, in full",
        excerpt: "Every metric from the support dashboard for the quarter.",
        body: "Here are all our ticket numbers for Q3, by customer and by product line.\n",
        goal: Goal::Rejected(
            "Thanks, Tomás — we cannot publish per-customer figures. A post about what the numbers taught the team would be very welcome instead.",
        ),
    },
];

/// Seeds the demo posts; the people and departments must exist.
pub async fn seed(db: &DatabaseConnection) -> anyhow::Result<()> {
    for demo in &POSTS {
        seed_one(db, demo)
            .await
            .with_context(|| format!("cannot seed the post {:?}", demo.title))?;
    }
    Ok(())
}

async fn seed_one(db: &DatabaseConnection, demo: &DemoPost) -> anyhow::Result<()> {
    let author = viewer(db, demo.author).await?;
    let editor_handle = if demo.author == EDITOR {
        SECOND_EDITOR
    } else {
        EDITOR
    };
    let editor = viewer(db, editor_handle).await?;
    let department = departments::Entity::find()
        .filter(departments::Column::Slug.eq(demo.department))
        .one(db)
        .await?
        .with_context(|| format!("no department {}", demo.department))?;
    // The demo drafts a handful of posts: the default budget covers them.
    let post = edit::create_draft(
        db,
        &author,
        &crate::config::Limits::default(),
        NewDraft {
            title: demo.title.to_owned(),
            body: demo.body.to_owned(),
            excerpt: Some(demo.excerpt.to_owned()),
            department_id: department.id,
            planned_for: None,
            slug: None,
            source_thread: None,
            source_checkin: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let steps: &[(Transition, bool, Option<&str>)] = match demo.goal {
        Goal::Draft => &[],
        Goal::InReview => &[(Transition::Submit, false, None)],
        Goal::ChangesRequested(comment) => &[
            (Transition::Submit, false, None),
            (Transition::RequestChanges, true, Some(comment)),
        ],
        Goal::Approved => &[
            (Transition::Submit, false, None),
            (Transition::Approve, true, Some("Lovely piece. Approved.")),
        ],
        Goal::Scheduled => &[
            (Transition::Submit, false, None),
            (Transition::Approve, true, None),
            (Transition::Schedule, true, None),
        ],
        Goal::Published => &[
            (Transition::Submit, false, None),
            (Transition::Approve, true, Some("Ready to go.")),
            (Transition::Publish, true, None),
        ],
        Goal::Rejected(reason) => &[
            (Transition::Submit, false, None),
            (Transition::Reject, true, Some(reason)),
        ],
    };
    let mut post: Post = post;
    for &(transition, by_editor, comment) in steps {
        let actor = if by_editor { &editor } else { &author };
        let publish_at =
            (transition == Transition::Schedule).then(|| Utc::now() + Duration::days(1));
        post = review::apply(
            db,
            actor,
            TransitionInput {
                post_id: post.id,
                transition,
                comment: comment.map(str::to_owned),
                publish_at,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{transition:?}: {e:?}"))?;
    }
    Ok(())
}

/// The demo person with `handle`, acting as themselves.
pub(super) async fn viewer(db: &DatabaseConnection, handle: &str) -> anyhow::Result<Viewer> {
    let user = users::Entity::find()
        .filter(users::Column::Handle.eq(handle))
        .one(db)
        .await?
        .with_context(|| format!("no demo person @{handle}"))?;
    Ok(Viewer::User(Actor {
        user_id: user.id,
        role: Role::from_db(&user.role),
        session_id: uuid::Uuid::nil(),
    }))
}
