// The GraphQL documents of the directory: departments, people, a
// department's synapses and a person's page.

export const DEPARTMENTS = `query DirectoryDepartments {
  departments(first: 100) { nodes { id slug name description memberCount } }
}`;

export const PEOPLE = `query DirectoryPeople($search: String, $department: String) {
  users(search: $search, department: $department, first: 50) {
    totalCount
    nodes { id handle displayName title departments { slug name } }
  }
}`;

export const DEPARTMENT = `query DepartmentPage($slug: String!) {
  department(slug: $slug) {
    id slug name description memberCount
    members(first: 50) { totalCount nodes { id handle displayName title } }
    linkedDepartments {
      department { slug name }
      channelCount
      messageCount
      channels { id slug name topic visibility archivedAt }
    }
    channels(first: 30) {
      nodes { id slug name topic visibility archivedAt memberCount departments { slug name } }
    }
  }
}`;

export const PERSON = `query PersonPage($handle: String!) {
  user(handle: $handle) {
    id handle displayName title bio email role
    departments { slug name }
  }
}`;

/** What a person wrote lately, in the channels the viewer may see (the
 * server leaves out the others); `after` pages further back. */
export const PERSON_ACTIVITY = `query PersonActivity($handle: String!, $after: String) {
  user(handle: $handle) {
    recentMessages(first: 10, after: $after) {
      nodes { id bodyHtml createdAt channel { slug name } parent { id } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

/** Comms and admins: a person's published posts, by handle. */
export const PERSON_POSTS = `query PersonPosts($handle: String!) {
  posts(author: $handle, status: PUBLISHED, first: 20) {
    nodes { id slug title excerpt publishedAt department { slug name } }
  }
}`;

/** Everyone else: the public blog of one of their departments, filtered
 * here (it has no author filter). */
export const PUBLIC_POSTS = `query PersonPublicPosts($department: String) {
  publicPosts(department: $department, first: 50) {
    nodes { slug title excerpt publishedAt author { displayName title } department { slug name } }
  }
}`;
