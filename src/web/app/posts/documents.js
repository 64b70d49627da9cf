// The GraphQL documents of guest posts and review. Named operations, so the
// server's logs and metrics can tell them apart.

/** What the post page shows: the post, its trail and its revisions. */
export const POST_FIELDS = `fragment PostFields on GuestPost {
  id title slug body bodyHtml excerpt status version plannedFor
  publishAt publishedAt submittedAt createdAt updatedAt
  author { id handle displayName }
  department { id slug name }
  revisions { number createdAt diff }
  reviewEvents { actor { handle displayName } from to comment at }
}`;

/** What a list shows of a post. Lists stay under the server's complexity
 * limit (1,000 by default; a connection costs its page size times this). */
const POST_ROW = `id title status updatedAt submittedAt publishAt author { displayName } department { name }`;

export const MY_POSTS = `query MyPosts {
  myPosts(first: 50) { nodes { ${POST_ROW} } }
}`;

export const REVIEW_QUEUE = `query ReviewQueue {
  reviewQueue(first: 40) { nodes { ${POST_ROW} } }
  approved: posts(status: APPROVED, first: 20) { nodes { ${POST_ROW} } }
  scheduled: posts(status: SCHEDULED, first: 20) { nodes { ${POST_ROW} } }
}`;

export const REVIEW_COUNT = `query ReviewCard {
  reviewQueue(first: 50) { nodes { id title author { displayName } submittedAt } pageInfo { hasNextPage } }
}`;

export const POST = `query GuestPost($id: ID!) {
  post(id: $id) { ...PostFields }
}
${POST_FIELDS}`;

export const CREATE = `mutation CreatePostDraft($input: CreatePostDraftInput!) {
  createPostDraft(input: $input) { post { id } }
}`;

// Each step answers with the post as it now is, for the page to show.
export const UPDATE = `mutation UpdatePostDraft($input: UpdatePostDraftInput!) {
  updatePostDraft(input: $input) { post { ...PostFields } }
}
${POST_FIELDS}`;

export const SUBMIT = `mutation SubmitPost($input: PostIdInput!) {
  submitPost(input: $input) { post { ...PostFields } }
}
${POST_FIELDS}`;

export const WITHDRAW = `mutation WithdrawPost($input: PostIdInput!) {
  withdrawPost(input: $input) { post { ...PostFields } }
}
${POST_FIELDS}`;

export const REQUEST_CHANGES = `mutation RequestPostChanges($input: PostCommentInput!) {
  requestPostChanges(input: $input) { post { ...PostFields } }
}
${POST_FIELDS}`;

export const APPROVE = `mutation ApprovePost($input: PostCommentInput!) {
  approvePost(input: $input) { post { ...PostFields } }
}
${POST_FIELDS}`;

export const REJECT = `mutation RejectPost($input: RejectPostInput!) {
  rejectPost(input: $input) { post { ...PostFields } }
}
${POST_FIELDS}`;

export const SCHEDULE = `mutation SchedulePost($input: SchedulePostInput!) {
  schedulePost(input: $input) { post { ...PostFields } }
}
${POST_FIELDS}`;

export const UNSCHEDULE = `mutation UnschedulePost($input: PostIdInput!) {
  unschedulePost(input: $input) { post { ...PostFields } }
}
${POST_FIELDS}`;

export const PUBLISH = `mutation PublishPost($input: PostIdInput!) {
  publishPost(input: $input) { post { ...PostFields } }
}
${POST_FIELDS}`;

export const UNPUBLISH = `mutation UnpublishPost($input: PostIdInput!) {
  unpublishPost(input: $input) { post { ...PostFields } }
}
${POST_FIELDS}`;

export const STATUS_CHANGED = `subscription PostStatusChanged {
  postStatusChanged { id status version }
}`;

export const QUEUE_CHANGED = `subscription ReviewQueueChanged {
  reviewQueueChanged { id status }
}`;
