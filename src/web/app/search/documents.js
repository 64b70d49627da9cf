// The GraphQL documents of search: everything at once (the best five of
// each kind, one request with an alias per kind), or one kind page by
// page. Each hit carries what the screen shows and where it leads.

const HIT = `fragment SearchHit on SearchHit {
  kind snippet matchedIn score
  node {
    __typename
    ... on Message { id createdAt author { displayName } channel { slug name } parent { id } }
    ... on GuestPost { id title status author { displayName } }
    ... on Checkin { id week author { displayName } }
    ... on User { id handle displayName title }
    ... on Channel { id slug name topic }
  }
}`;

/** The kinds, as the aliases of SEARCH_ALL name them. */
export const KINDS = ["MESSAGE", "POST", "CHECKIN", "PERSON", "CHANNEL"];

/** The best five of every kind, each with whether there are more. */
export const SEARCH_ALL = `query SearchAll($query: String!, $channel: String, $from: NaiveDate, $to: NaiveDate) {
  MESSAGE: search(query: $query, channel: $channel, from: $from, to: $to, kinds: [MESSAGE], first: 5) { edges { node { ...SearchHit } } pageInfo { hasNextPage } }
  POST: search(query: $query, channel: $channel, from: $from, to: $to, kinds: [POST], first: 5) { edges { node { ...SearchHit } } pageInfo { hasNextPage } }
  CHECKIN: search(query: $query, channel: $channel, from: $from, to: $to, kinds: [CHECKIN], first: 5) { edges { node { ...SearchHit } } pageInfo { hasNextPage } }
  PERSON: search(query: $query, channel: $channel, from: $from, to: $to, kinds: [PERSON], first: 5) { edges { node { ...SearchHit } } pageInfo { hasNextPage } }
  CHANNEL: search(query: $query, channel: $channel, from: $from, to: $to, kinds: [CHANNEL], first: 5) { edges { node { ...SearchHit } } pageInfo { hasNextPage } }
}
${HIT}`;

/** One kind, twenty at a time. */
export const SEARCH = `query Search($query: String!, $kinds: [SearchKind!], $channel: String, $from: NaiveDate, $to: NaiveDate, $after: String) {
  search(query: $query, channel: $channel, from: $from, to: $to, kinds: $kinds, first: 20, after: $after) {
    edges { node { ...SearchHit } }
    pageInfo { hasNextPage endCursor }
  }
}
${HIT}`;
