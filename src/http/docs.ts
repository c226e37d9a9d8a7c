/**
 * The docs page: `GET /_public/docs` (Swagger UI through koa2-swagger-ui), `GET /_public/openapi.json`
 * (built once per app, then served from memory), and the Swagger UI files themselves from the
 * `swagger-ui-dist` package, so the page needs no CDN and works with no internet. koa2-swagger-ui's
 * template also links a Google font; that link is removed, and a Content-Security-Policy keeps the
 * page from loading anything that is not ours should a later Swagger UI version try.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Router from '@koa/router';
import { koaSwagger } from 'koa2-swagger-ui';
import { NotFoundError } from '../errors.js';
import type { AppState } from './context.js';
import type { JsonObject } from './openapi-operations.js';

export const DOCS_PATH = '/_public/docs';
export const OPENAPI_PATH = '/_public/openapi.json';
export const ASSETS_PATH = '/_public/docs/assets';

const require = createRequire(import.meta.url);
const DIST_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
export const SWAGGER_UI_VERSION = (JSON.parse(readFileSync(join(DIST_DIR, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The files the page loads, by the name the page asks for. koa2-swagger-ui asks for
 * `swagger-ui.min.css`, which swagger-ui-dist ships as `swagger-ui.css`. Only these are served: no
 * path from the URL ever reaches the file system.
 */
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'application/javascript; charset=utf-8' },
  'swagger-ui-standalone-preset.js': { file: 'swagger-ui-standalone-preset.js', type: 'application/javascript; charset=utf-8' },
  'swagger-ui.min.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
  'swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
  'favicon-32x32.png': { file: 'favicon-32x32.png', type: 'image/png' },
  'favicon-16x16.png': { file: 'favicon-16x16.png', type: 'image/png' },
};

/** `img-src data:` lets the blueprint graphs (data: URIs) show; everything else must be this server. */
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

/** Removes the template's links to other hosts (a Google font); the system font is fine. */
function stripExternalLinks(html: string): string {
  return html.replace(/<link[^>]+href="https?:\/\/[^"]*"[^>]*>\s*/g, '');
}

export interface DocsRoutesOptions {
  /** Builds the OpenAPI document; called once, on `ready()` or the first request. */
  build: () => Promise<JsonObject>;
}

export interface DocsRoutes {
  readonly router: Router<AppState>;
  /** Builds the document now (at start), so a blueprint that cannot be drawn stops the start. */
  ready(): Promise<void>;
}

export function docsRoutes(options: DocsRoutesOptions): DocsRoutes {
  let serialized: Promise<string> | undefined;
  const documentText = (): Promise<string> => (serialized ??= options.build().then((doc) => JSON.stringify(doc)));

  const swagger = koaSwagger({
    routePrefix: false,
    title: 'Switchyard API',
    swaggerVersion: SWAGGER_UI_VERSION,
    swaggerCdnUrl: ASSETS_PATH,
    favicon: `${ASSETS_PATH}/${SWAGGER_UI_VERSION}/favicon-32x32.png`,
    hideTopbar: true,
    swaggerOptions: {
      url: OPENAPI_PATH,
      // The default validator is a badge image from validator.swagger.io: a request to another host.
      validatorUrl: null,
      docExpansion: 'list',
      deepLinking: true,
      persistAuthorization: true,
      displayRequestDuration: true,
    },
  });

  const gzipped = new Map<string, Buffer>();
  const router = new Router<AppState>();

  router.get(DOCS_PATH, async (ctx, next) => {
    await swagger(ctx, next);
    if (typeof ctx.body === 'string') ctx.body = stripExternalLinks(ctx.body);
    ctx.set('Content-Security-Policy', DOCS_CSP);
    ctx.set('Cache-Control', 'no-cache');
  });

  router.get(OPENAPI_PATH, async (ctx) => {
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = await documentText();
  });

  router.get(`${ASSETS_PATH}/:version/:file`, (ctx) => {
    const asset = ASSETS[ctx.params.file ?? ''];
    if (!asset || ctx.params.version !== SWAGGER_UI_VERSION) {
      throw new NotFoundError(`no docs asset ${ctx.path}; the page loads ${ASSETS_PATH}/${SWAGGER_UI_VERSION}/<file>`);
    }
    ctx.type = asset.type;
    // The version is in the URL, so a cached copy is never stale.
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.vary('Accept-Encoding');
    if (asset.type.startsWith('image/') || ctx.acceptsEncodings('gzip', 'identity') !== 'gzip') {
      ctx.body = readFileSync(join(DIST_DIR, asset.file));
      return;
    }
    // The bundle is 1.7 MB; gzip once, keep it for every later page load.
    let body = gzipped.get(asset.file);
    if (!body) {
      body = gzipSync(readFileSync(join(DIST_DIR, asset.file)));
      gzipped.set(asset.file, body);
    }
    ctx.set('Content-Encoding', 'gzip');
    ctx.body = body;
  });

  return {
    router,
    ready: async () => {
      await documentText();
    },
  };
}
