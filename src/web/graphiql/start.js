// Starts GraphiQL on the page synaps serves at GET /graphql in development
// (src/http/graphiql.rs). Everything comes from synaps itself: React,
// ReactDOM and GraphiQL are the vendored UMD builds loaded before this file
// (globals `React`, `ReactDOM`, `GraphiQL`), and the page's CSP allows
// scripts, styles and connections to this origin only.
(function () {
  'use strict';

  // Queries and mutations: POST /graphql, asking for the GraphQL-over-HTTP
  // media type (validation failures then come back as 400 with `errors`,
  // which GraphiQL shows as they are). Subscriptions: graphql-transport-ws
  // on /graphql/ws, through the graphql-ws client bundled in GraphiQL.
  var socketScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var send = GraphiQL.createFetcher({
    url: '/graphql',
    subscriptionUrl: socketScheme + '//' + window.location.host + '/graphql/ws',
    headers: { accept: 'application/graphql-response+json' },
    // synaps answers with one JSON document, never multipart/mixed.
    enableIncrementalDelivery: false,
  });

  // The Headers tab goes with every request and, for a subscription, is the
  // socket's `connection_init` payload. Names are sent in lower case: HTTP
  // does not mind, and the payload then has `authorization` however it was
  // typed, so {"Authorization": "Bearer …"} signs in both.
  function fetcher(params, options) {
    var typed = (options && options.headers) || {};
    var headers = {};
    Object.keys(typed).forEach(function (name) {
      headers[name.toLowerCase()] = typed[name];
    });
    return send(params, Object.assign({}, options, { headers: headers }));
  }

  var defaultQuery = [
    '# synaps, in development. The public blog needs',
    '# no sign-in: run this with ▶ or Ctrl-Enter.',
    '# For the rest, run the `login` mutation, then',
    '# put {"Authorization": "Bearer <accessToken>"}',
    '# in the Headers tab below.',
    '',
    '{',
    '  publicPosts(first: 5) {',
    '    nodes {',
    '      title',
    '      department {',
    '        name',
    '      }',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');

  var container = document.getElementById('graphiql');
  ReactDOM.createRoot(container).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      // Tokens typed into the Headers tab stay in memory, not localStorage.
      shouldPersistHeaders: false,
    }),
  );
})();
