// The GraphQL documents of the weekly round. Named operations, so the
// server's logs and metrics can tell them apart.

const CHALLENGE = `fragment RoundChallenge on Challenge {
  id body bodyHtml status answeredAt resolvedAt
  answeredBy { id handle displayName }
  department { id slug name }
  thread { id replyCount channel { id slug name visibility viewerIsMember } }
}`;

export const CHECKIN = `fragment RoundCheckin on Checkin {
  id week weekStart wins winsHtml mood createdAt updatedAt
  author { id handle displayName }
  challenges { ...RoundChallenge }
  reactions { code count viewerHasReacted }
  comments(last: 20) { nodes { id bodyHtml createdAt editedAt author { id handle displayName } } }
}
${CHALLENGE}`;

/** The viewer's own check-in (the newest; this week's if its week is the
 * current one) and what carries over from the last. */
export const MY_CHECKIN = `query MyCheckin {
  myCheckins(first: 1) { nodes { ...RoundCheckin } }
  myCarriedOver { ...RoundChallenge }
}
${CHECKIN}`;

export const MY_AWAY = `query MyAway($from: NaiveDate!, $to: NaiveDate!) {
  myAway { id from to note }
  holidays(from: $from, to: $to) { id day name }
}`;

export const WEEKLY_ROUND = `query WeeklyRound($week: String, $department: ID!) {
  weeklyRound(week: $week, department: $department) {
    week weekStart submittedCount missingCount excusedCount participation averageMood moodSuppressed
    department { id slug name }
    members { status person { id handle displayName } checkin { ...RoundCheckin } }
  }
}
${CHECKIN}`;

export const DEPARTMENTS = `query RoundDepartments {
  departments(first: 100) { nodes { id slug name } }
}`;

/**
 * The rounds of several departments in one request, to find the challenges
 * they addressed to another one: the API has no list of challenges by the
 * department asked, so the routed view reads every other department's round.
 * @param {number} count  how many departments ($d0 … $dN), at least 1
 */
export function routedRounds(count) {
  const vars = Array.from({ length: count }, (_, i) => `$d${i}: ID!`).join(", ");
  const fields = Array.from({ length: count }, (_, i) =>
    `r${i}: weeklyRound(week: $week, department: $d${i}) { checkins { id week author { id handle displayName } challenges { ...RoundChallenge } } }`).join("\n  ");
  return `query RoutedChallenges($week: String, ${vars}) {
  ${fields}
}
${CHALLENGE}`;
}

export const CHECKIN_STATE = `query CheckinState($department: ID!) {
  weeklyRound(department: $department) { week department { slug } members { status person { id } } }
}`;

export const MY_LATEST = `query MyLatestCheckin { myCheckins(first: 1) { nodes { id week } } }`;

export const SUBMIT = `mutation SubmitCheckin($input: SubmitCheckinInput!) {
  submitCheckin(input: $input) { checkin { ...RoundCheckin } }
}
${CHECKIN}`;

export const RESOLVE = `mutation ResolveChallenge($input: ResolveChallengeInput!) {
  resolveChallenge(input: $input) { challenge { ...RoundChallenge } }
}
${CHALLENGE}`;

export const REOPEN = `mutation ReopenChallenge($input: ResolveChallengeInput!) {
  reopenChallenge(input: $input) { challenge { ...RoundChallenge } }
}
${CHALLENGE}`;

export const REACT = `mutation AddCheckinReaction($input: CheckinReactionInput!) {
  addCheckinReaction(input: $input) { checkin { id reactions { code count viewerHasReacted } } }
}`;

export const UNREACT = `mutation RemoveCheckinReaction($input: CheckinReactionInput!) {
  removeCheckinReaction(input: $input) { checkin { id reactions { code count viewerHasReacted } } }
}`;

const COMMENT = `comment { id bodyHtml createdAt editedAt author { id handle displayName } }`;
export const COMMENT_ON = `mutation CommentOnCheckin($input: CommentOnCheckinInput!) { commentOnCheckin(input: $input) { ${COMMENT} } }`;
export const DELETE_COMMENT = `mutation DeleteCheckinComment($input: DeleteCheckinCommentInput!) { deleteCheckinComment(input: $input) { ${COMMENT} } }`;

export const ROUND_CHANGED = `subscription RoundChanged($department: ID!) {
  roundChanged(department: $department) { ...RoundCheckin }
}
${CHECKIN}`;

/** A challenge's thread: the replies, and the channel to answer in. */
export const CHALLENGE_THREAD = `query ChallengeThread($id: ID!) {
  node(id: $id) {
    ... on Message {
      id replyCount channel { id slug name visibility viewerIsMember archivedAt }
      replies(first: 100) { nodes { id bodyHtml createdAt deletedAt erasedAt author { id handle displayName } } }
    }
  }
}`;

export const JOIN = `mutation JoinChannel($input: JoinChannelInput!) { joinChannel(input: $input) { channel { id viewerIsMember } } }`;
export const REPLY = `mutation ReplyToChallenge($input: PostMessageInput!) { postMessage(input: $input) { message { id } } }`;

export const SET_AWAY = `mutation SetAway($input: SetAwayInput!) { setAway(input: $input) { away { id from to note } } }`;
export const CANCEL_AWAY = `mutation CancelAway($input: CancelAwayInput!) { cancelAway(input: $input) { away { id } } }`;

export const CHALLENGE_NODE = `query RoundChallenge($id: ID!) {
  node(id: $id) { ... on Challenge { ...RoundChallenge } }
}
${CHALLENGE}`;

export const CHECKIN_NODE = `query RoundCheckinPage($id: ID!) {
  node(id: $id) { ... on Checkin { ...RoundCheckin } }
}
${CHECKIN}`;
