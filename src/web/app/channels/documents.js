// The GraphQL documents of the conversation screens. Named operations, so
// the server's logs and metrics can tell them apart.

export const MESSAGE = `fragment Msg on Message {
  id body bodyHtml createdAt editedAt deletedAt erasedAt
  author { id handle displayName }
  parent { id }
  replyCount viewerFollows
  reactions { code count viewerHasReacted }
}`;

const PAGE = `edges { cursor node { ...Msg } } pageInfo { hasNextPage hasPreviousPage }`;

export const CHANNEL_PAGE = `query ChannelPage($slug: String!) {
  channel(slug: $slug) {
    id slug name topic visibility archivedAt viewerIsMember viewerHasMuted memberCount
    createdBy { id }
    departments { id slug name }
    messages(first: 50) { ${PAGE} }
  }
}
${MESSAGE}`;

export const OLDER = `query OlderMessages($id: ID!, $after: String!) {
  node(id: $id) { ... on Channel { messages(first: 50, after: $after) { ${PAGE} } } }
}
${MESSAGE}`;

export const NEWER = `query NewerMessages($id: ID!, $before: String!) {
  node(id: $id) { ... on Channel { messages(last: 50, before: $before) { ${PAGE} } } }
}
${MESSAGE}`;

/** A reply in the thread panel: what a message shows, less what only a
 * thread's first message has (its replies, following it), so that a
 * hundred replies stay within the server's complexity limit. */
const THREAD_REPLY = `fragment Reply on Message {
  id body bodyHtml createdAt editedAt deletedAt erasedAt
  author { id handle displayName }
  reactions { code count viewerHasReacted }
}`;

export const THREAD = `query Thread($id: ID!) {
  node(id: $id) { ... on Message { ...Msg replies(first: 100) { nodes { ...Reply } } } }
}
${MESSAGE}
${THREAD_REPLY}`;

export const MESSAGE_ADDED = `subscription MessageAdded($channel: ID!, $after: String) {
  messageAdded(channel: $channel, after: $after) { cursor node { ...Msg parent { id replyCount } } }
}
${MESSAGE}`;

export const MESSAGE_CHANGED = `subscription MessageChanged($channel: ID!) {
  messageChanged(channel: $channel) { ...Msg }
}
${MESSAGE}`;

export const POST = `mutation PostMessage($input: PostMessageInput!) {
  postMessage(input: $input) { message { ...Msg } }
}
${MESSAGE}`;

export const EDIT = `mutation EditMessage($input: EditMessageInput!) {
  editMessage(input: $input) { message { ...Msg } }
}
${MESSAGE}`;

export const DELETE = `mutation DeleteMessage($input: DeleteMessageInput!) {
  deleteMessage(input: $input) { message { ...Msg } }
}
${MESSAGE}`;

export const REACT = `mutation AddReaction($input: AddReactionInput!) {
  addReaction(input: $input) { message { ...Msg } }
}
${MESSAGE}`;

export const UNREACT = `mutation RemoveReaction($input: RemoveReactionInput!) {
  removeReaction(input: $input) { message { ...Msg } }
}
${MESSAGE}`;

export const FOLLOW = `mutation FollowThread($input: FollowThreadInput!) {
  followThread(input: $input) { message { id viewerFollows } }
}`;

export const UNFOLLOW = `mutation UnfollowThread($input: UnfollowThreadInput!) {
  unfollowThread(input: $input) { message { id viewerFollows } }
}`;

export const MUTE = `mutation MuteChannel($input: MuteChannelInput!) { muteChannel(input: $input) { channel { id viewerHasMuted } } }`;
export const UNMUTE = `mutation UnmuteChannel($input: UnmuteChannelInput!) { unmuteChannel(input: $input) { channel { id viewerHasMuted } } }`;
export const JOIN = `mutation JoinChannel($input: JoinChannelInput!) { joinChannel(input: $input) { channel { id viewerIsMember } } }`;
export const LEAVE = `mutation LeaveChannel($input: LeaveChannelInput!) { leaveChannel(input: $input) { channelId } }`;

export const PEOPLE = `query MentionCandidates($search: String!) {
  users(search: $search, first: 6) { nodes { id handle displayName } }
}`;

export const DEPARTMENTS = `query Departments { departments(first: 100) { nodes { id slug name } } }`;

export const LINK = `mutation LinkChannelDepartment($input: LinkChannelDepartmentInput!) {
  linkChannelDepartment(input: $input) { channel { id departments { id slug name } } }
}`;

export const UNLINK = `mutation UnlinkChannelDepartment($input: UnlinkChannelDepartmentInput!) {
  unlinkChannelDepartment(input: $input) { channel { id departments { id slug name } } }
}`;
