// The GraphQL API as a script sees it, for arranging what a browser test
// then looks at.

/** POSTs one operation; throws on `errors`, returns `data`. */
export async function graphql(url, query, { token, variables } = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) {
    throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
  }
  return body.data;
}

/** A demo person's access token (`serve --demo` seeds them). */
export async function signIn(url, email) {
  const data = await graphql(url, 'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }', {
    variables: { input: { email, password: 'synaps-demo-2026' } },
  });
  return data.login.accessToken;
}
