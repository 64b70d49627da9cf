// The GraphQL documents of the synapses screen and its home card. Every
// figure is an AnalyticsCount/AnalyticsRate: for managers it may be
// suppressed (null, with a reason) when too few people are behind it, and
// is then shown as hidden, never as zero.

const ANALYTICS_FIGURE = `value previous change suppressed reason`;

export const SYNAPSES = `query Synapses($from: NaiveDate!, $to: NaiveDate!) {
  synapses(from: $from, to: $to) {
    departments { id slug name }
    sharedChannels
    messages { ${ANALYTICS_FIGURE} }
    replies { ${ANALYTICS_FIGURE} }
    reactions { ${ANALYTICS_FIGURE} }
    people { ${ANALYTICS_FIGURE} }
    questionsAsked { ${ANALYTICS_FIGURE} }
    answeredShare { ${ANALYTICS_FIGURE} }
    medianSecondsToFirstAnswer { ${ANALYTICS_FIGURE} }
    challengesAnswered { ${ANALYTICS_FIGURE} }
  }
  departments(first: 100) { nodes { id slug name } }
}`;

export const QUIET_LINKS = `query QuietLinks($days: Int!) {
  quietLinks(days: $days) {
    departments { slug name }
    sharedChannels
    lastActiveOn
    usualWeeklyActs { value suppressed reason }
  }
}`;

export const BRIDGES = `query Bridges($from: NaiveDate!, $to: NaiveDate!, $first: Int) {
  bridges(from: $from, to: $to, first: $first) {
    user { handle displayName title departments { slug name } }
    departmentsReached
    acts
  }
}`;

export const DEPARTMENT_ACTIVITY = `query DepartmentActivity($department: ID!, $from: NaiveDate!, $to: NaiveDate!, $bucket: AnalyticsBucket!) {
  departmentActivity(department: $department, from: $from, to: $to, bucket: $bucket) {
    from
    to
    messages { value suppressed reason }
    replies { value suppressed reason }
    reactions { value suppressed reason }
    activePeople { value suppressed reason }
    participation { value suppressed reason }
  }
}`;

export const MY_NETWORK = `query MyNetwork($from: NaiveDate!, $to: NaiveDate!) {
  myNetwork(from: $from, to: $to) {
    departments { department { slug name } acts }
    helped { user { handle displayName } questions }
    helpedBy { user { handle displayName } questions }
  }
}`;
