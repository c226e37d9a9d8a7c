/**
 * Path traversal at the routes that serve files (the console's assets, the docs page's assets): encoded
 * `..`, backslashes, absolute paths and NUL bytes find nothing outside the served files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const ATTEMPTS = [
  '..%2F..%2Fpackage.json',
  '%2e%2e%2f%2e%2e%2fpackage.json',
  '..%5c..%5cpackage.json',
  '%2Fetc%2Fpasswd',
  '....%2F%2F....%2F%2Fpackage.json',
  'index.html%00.js',
  '..%252F..%252Fpackage.json',
];

describe('file routes', () => {
  it('serve their own files (so the attempts below reach real file-serving code)', async () => {
    expect((await fetch(`${server.url}/_public/console/index.html`)).status).toBe(200);
    expect((await fetch(`${server.url}/_public/docs`)).status).toBe(200);
  });

  it('answer 404 JSON, never a file from elsewhere, to traversal attempts', async () => {
    for (const prefix of ['/_public/console/', '/_public/docs/assets/1/', '/_public/docs/assets/']) {
      for (const attempt of ATTEMPTS) {
        const response = await fetch(server.url + prefix + attempt);
        const text = await response.text();
        expect(response.status, prefix + attempt).toBe(404);
        expect(text, prefix + attempt).not.toMatch(/"name":\s*"switchyard"|root:x:0/);
        expect(JSON.parse(text)).toMatchObject({ code: expect.any(String) });
      }
    }
  });
});
