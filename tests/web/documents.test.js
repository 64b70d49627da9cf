// Every GraphQL document the web client sends is valid against the schema
// the server serves (schema.graphql, regenerated with every schema change):
// a renamed field fails here, in CI, not in someone's browser.
//
// The client's documents are string constants (`const NAME = \`query …\``)
// and literal `gql("…")` calls; `${OTHER}` inside one is another constant
// (a fragment, a selection), substituted as the browser would.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, parse, validate } from 'graphql';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const client = path.join(root, 'src/web/app');

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'vendor' ? [] : sources(full);
    return name.endsWith('.js') ? [full] : [];
  });
}

test('every GraphQL document of the web client is valid against schema.graphql', () => {
  const schema = buildSchema(readFileSync(path.join(root, 'schema.graphql'), 'utf8'));
  const constants = new Map();
  const literals = [];
  for (const file of sources(client)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/const (\w+) = `([^`]*)`/g)) constants.set(m[1], { text: m[2], file });
    for (const m of text.matchAll(/gql\("((?:query|mutation|subscription)[^"]*)"/g)) literals.push({ text: m[1], file });
  }
  const expand = (text, depth = 0) => {
    assert.ok(depth < 10, 'constants nest too deep');
    return text.replace(/\$\{(\w+)\}/g, (_, name) => {
      assert.ok(constants.has(name), `\${${name}} is not a constant of the client`);
      return expand(constants.get(name).text, depth + 1);
    });
  };
  const documents = [
    ...[...constants.values()].filter((c) => /^\s*(query|mutation|subscription)\b/.test(c.text)),
    ...literals,
  ];
  assert.ok(documents.length >= 20, `found only ${documents.length} documents`);
  const names = new Set();
  for (const { text, file } of documents) {
    const document = parse(expand(text));
    const errors = validate(schema, document);
    const where = `${path.relative(root, file)}: ${text.slice(0, 60).replace(/\s+/g, ' ')}`;
    assert.deepEqual(errors.map((e) => e.message), [], where);
    for (const definition of document.definitions) {
      if (definition.kind !== 'OperationDefinition') continue;
      assert.ok(definition.name, `${where}: operations are named, so logs and metrics tell them apart`);
      names.add(definition.name.value);
    }
  }
});
