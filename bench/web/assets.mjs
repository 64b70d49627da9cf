// What the first load of the web client transfers in JS and CSS, without a
// browser: the page's preloaded modules and linked stylesheets, each
// fetched as a browser would (brotli), body and response headers counted.
//
//   node bench/web/assets.mjs --url http://127.0.0.1:8080
//
// (bench/web/load.mjs measures the same in a real browser, with timings.)

import http from 'node:http';

const at = process.argv.indexOf('--url');
const base = at > 0 ? process.argv[at + 1] : 'http://127.0.0.1:8080';

function get(path, encoding) {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, base), { headers: { 'accept-encoding': encoding } }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const head = `HTTP/1.1 ${response.statusCode} ${response.statusMessage}\r\n`
          + Object.entries(response.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
        const body = Buffer.concat(chunks);
        resolve({ body: body.length, head: head.length, text: body.toString() });
      });
    });
    request.on('error', reject);
    request.end();
  });
}

const page = await get('/', 'identity');
const assets = new Set([...page.text.matchAll(/(?:href|src)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]));
let body = 0;
let head = 0;
for (const asset of assets) {
  const got = await get(asset, 'br');
  body += got.body;
  head += got.head;
}
console.log(`${assets.size} files: ${body} B of bodies, ${body + head} B with headers (budget 153,600 B)`);
