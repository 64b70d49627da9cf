//! Demo messages, posted and reacted to through `domain::messages` by the
//! channels' members, so that mentions, thread follows, notifications and
//! events come out as they would in real use: a few threads per channel,
//! some replies, reactions and @mentions.

use anyhow::Context;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::posts::viewer;
use crate::config::Limits;
use crate::domain::messages::post::{self, NewMessage};
use crate::domain::messages::reactions;
use crate::entities::channels;

struct DemoMessage {
    /// Slug of the channel.
    channel: &'static str,
    /// Handle of the author (a member of the channel).
    author: &'static str,
    body: &'static str,
    /// For a reply: the index in [`MESSAGES`] of the thread's first message.
    reply_to: Option<usize>,
    /// (handle, code) of each reaction.
    reactions: &'static [(&'static str, &'static str)],
}

/// In posting order; a reply names an earlier root.
const MESSAGES: [DemoMessage; 24] = [
    // 0
    DemoMessage {
        channel: "spring-launch",
        author: "sofia",
        body: "Kick-off: the spring launch is on **14 April**. Marketing owns the landing page and the launch email; Sales owns the demo script and the first 100 leads. Everything in between goes here.",
        reply_to: None,
        reactions: &[("lukas", "rocket"), ("mia", "tada"), ("emma", "thumbsup")],
    },
    DemoMessage {
        channel: "spring-launch",
        author: "lukas",
        body: "Great. @emma and @david draft the demo script this week; we'll share it here by Friday.",
        reply_to: Some(0),
        reactions: &[("sofia", "thumbsup")],
    },
    DemoMessage {
        channel: "spring-launch",
        author: "mia",
        body: "Landing page copy is in review. @priya, could you check the hero image against the new brand colours?",
        reply_to: Some(0),
        reactions: &[],
    },
    DemoMessage {
        channel: "spring-launch",
        author: "priya",
        body: "On it. I'll post two options tomorrow.",
        reply_to: Some(0),
        reactions: &[("mia", "heart")],
    },
    // 4
    DemoMessage {
        channel: "spring-launch",
        author: "emma",
        body: "Which customer quote should go on the landing page? We have three approved ones from the pilot.",
        reply_to: None,
        reactions: &[],
    },
    DemoMessage {
        channel: "spring-launch",
        author: "noah",
        body: "The one from the logistics pilot tested best in last month's ads: twice the click-through of the others.",
        reply_to: Some(4),
        reactions: &[("emma", "pray"), ("sofia", "eyes")],
    },
    DemoMessage {
        channel: "spring-launch",
        author: "david",
        body: "The first 20 leads from the webinar sign-ups are in the CRM, tagged `spring-launch`.",
        reply_to: None,
        reactions: &[("lukas", "tada")],
    },
    // 7
    DemoMessage {
        channel: "onboarding",
        author: "oskar",
        body: "Three new support hires start on Monday. Proposal for their first two weeks:\n\n1. Days 1–3 with HR: accounts, policies, buddies.\n2. Then shadowing in customer service.\n\nComments welcome before Thursday.",
        reply_to: None,
        reactions: &[("jonas", "thumbsup"), ("amara", "thumbsup")],
    },
    DemoMessage {
        channel: "onboarding",
        author: "jonas",
        body: "Looks good. Can we move the product training to day 2? Shadowing works much better once they have seen the product.",
        reply_to: Some(7),
        reactions: &[],
    },
    DemoMessage {
        channel: "onboarding",
        author: "hannah",
        body: "Yes, I'll swap it with the policies session. @tomas, could you be a buddy for one of them?",
        reply_to: Some(7),
        reactions: &[],
    },
    DemoMessage {
        channel: "onboarding",
        author: "tomas",
        body: "Happy to. I'll take the one on the late shift.",
        reply_to: Some(7),
        reactions: &[("hannah", "heart"), ("oskar", "pray")],
    },
    DemoMessage {
        channel: "onboarding",
        author: "anna",
        body: "For the starters' checklist: the macros for our ten most common questions save about an hour a day. I've written them up in the help-centre draft.",
        reply_to: None,
        reactions: &[("amara", "white_check_mark"), ("jonas", "rocket")],
    },
    // 12
    DemoMessage {
        channel: "announcements",
        author: "clara",
        body: "Welcome to synaps! This is the place for company-wide news. Departments have their own channels, and shared ones such as #spring-launch and #onboarding are where teams work together.",
        reply_to: None,
        reactions: &[
            ("ingrid", "tada"),
            ("ravi", "tada"),
            ("anna", "heart"),
            ("lukas", "thumbsup"),
            ("fatima", "thumbsup"),
        ],
    },
    DemoMessage {
        channel: "announcements",
        author: "ravi",
        body: "If anything looks wrong or you cannot find a channel, ask me or @ingrid.",
        reply_to: Some(12),
        reactions: &[],
    },
    DemoMessage {
        channel: "announcements",
        author: "ben",
        body: "Our post about a week on the social media desk is live on the blog. Thanks to everyone who sent in stories!",
        reply_to: None,
        reactions: &[("clara", "heart"), ("yuki", "rocket"), ("mia", "thumbsup")],
    },
    // 15
    DemoMessage {
        channel: "announcements",
        author: "oskar",
        body: "Reminder: the quarterly all-hands is next Thursday at 15:00. Questions for the leadership team go in this thread.",
        reply_to: None,
        reactions: &[("hannah", "eyes")],
    },
    DemoMessage {
        channel: "announcements",
        author: "leila",
        body: "Will there be a recording for the late shift?",
        reply_to: Some(15),
        reactions: &[],
    },
    DemoMessage {
        channel: "announcements",
        author: "oskar",
        body: "Yes, the recording goes up the same evening.",
        reply_to: Some(15),
        reactions: &[("leila", "pray")],
    },
    // 18
    DemoMessage {
        channel: "renewals-escalations",
        author: "fatima",
        body: "Heads-up: Northwind's renewal is due in three weeks and they have two open P1 tickets. @jonas, can support give us an update before the call?",
        reply_to: None,
        reactions: &[("emma", "eyes")],
    },
    DemoMessage {
        channel: "renewals-escalations",
        author: "jonas",
        body: "Both are with engineering and a fix ships on Tuesday. @anna is their contact and will call them tomorrow.",
        reply_to: Some(18),
        reactions: &[],
    },
    DemoMessage {
        channel: "renewals-escalations",
        author: "anna",
        body: "Called them: they are happy with the plan and would like a check-in after the fix.",
        reply_to: Some(18),
        reactions: &[("fatima", "pray"), ("emma", "tada")],
    },
    // 21
    DemoMessage {
        channel: "press-embargo",
        author: "clara",
        body: "Press kit draft v2 is in the shared folder. The embargo lifts at 09:00 on launch day, so please don't forward it.",
        reply_to: None,
        reactions: &[("sofia", "thumbsup")],
    },
    DemoMessage {
        channel: "press-embargo",
        author: "yuki",
        body: "I've tightened the boilerplate and fixed the product name in the headline.",
        reply_to: Some(21),
        reactions: &[("clara", "white_check_mark")],
    },
    DemoMessage {
        channel: "press-embargo",
        author: "ben",
        body: "The launch-day social posts are ready; I'll hold them until the embargo lifts.",
        reply_to: None,
        reactions: &[("sofia", "rocket")],
    },
];

/// Seeds the demo messages; the channels and their members must exist.
pub async fn seed(db: &DatabaseConnection) -> anyhow::Result<()> {
    let mut ids: Vec<Uuid> = Vec::with_capacity(MESSAGES.len());
    for (index, demo) in MESSAGES.iter().enumerate() {
        let id = seed_one(db, demo, &ids)
            .await
            .with_context(|| format!("cannot seed demo message {index} in #{}", demo.channel))?;
        ids.push(id);
    }
    Ok(())
}

/// Posts one message and its reactions; `earlier` are the ids of the
/// messages posted before it.
async fn seed_one(
    db: &DatabaseConnection,
    demo: &DemoMessage,
    earlier: &[Uuid],
) -> anyhow::Result<Uuid> {
    let channel = channels::Entity::find()
        .filter(channels::Column::Slug.eq(demo.channel))
        .one(db)
        .await?
        .with_context(|| format!("no channel {}", demo.channel))?;
    let parent_id = match demo.reply_to {
        Some(index) => Some(
            *earlier
                .get(index)
                .with_context(|| format!("reply to message {index}, not posted yet"))?,
        ),
        None => None,
    };
    let author = viewer(db, demo.author).await?;
    // A handful of messages per person: the default rate limit covers them.
    let message = post::post(
        db,
        &author,
        &Limits::default(),
        NewMessage {
            channel_id: channel.id,
            body: demo.body.to_owned(),
            parent_id,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("@{}: {e:?}", demo.author))?;
    for (handle, code) in demo.reactions {
        let reactor = viewer(db, handle).await?;
        reactions::add(db, &reactor, message.id, code)
            .await
            .map_err(|e| anyhow::anyhow!("reaction :{code}: by @{handle}: {e:?}"))?;
    }
    Ok(message.id)
}
