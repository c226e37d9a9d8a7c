/**
 * Blueprints for the OpenAPI and docs-page tests, loaded through the real blueprint pipeline: one with
 * an `input` schema, one served at another version and endpoint, and a child-only one (`api: false`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBlueprintSources, formatDiagnostic } from '../../src/blueprint/index.js';
import type { CompiledBlueprint } from '../../src/blueprint/types.js';

/** Every endpoint of docs/orchestrator-api-reference.md and docs/api-details.md (create: per blueprint). */
export const REFERENCE_ENDPOINTS = [
  'GET /_public/status',
  'GET /_public/metrics',
  'POST /_public/webhooks/approval/{job_id}',
  'POST /_public/debug/flush_db',
  'GET /_public/docs',
  'GET /api/v1/jobs/{job_id}',
  'POST /api/v1/jobs/{job_id}/cancel',
  'GET /api/v1/jobs/{job_id}/history',
  'GET /api/v1/blueprints/{blueprint_name}/graph',
  'GET /api/v1/workers',
  'GET /api/v1/dashboard',
  'GET /api/v1/blueprints',
  'GET /api/v1/jobs',
  'POST /_worker/workers/register',
  'PATCH /_worker/workers/{worker_id}',
  'GET /_worker/workers/{worker_id}/tasks/next',
  'POST /_worker/tasks/result',
  'GET /_worker/ws/{worker_id}',
] as const;

export const TEST_BLUEPRINT_SOURCES: ReadonlyArray<{ file: string; text: string }> = [
  {
    file: 'image_pipeline.yaml',
    text: `
name: image_pipeline
description: Resize an uploaded image, ask a human when it is large, and publish it.
api: { version: v1, endpoint: /jobs/image_pipeline }
input:
  type: object
  required: [url]
  properties:
    url: { type: string }
    tags: { type: array, items: { type: string } }
start: resize
states:
  resize:
    type: task
    task: image.resize
    params: { url: "\${ initial_data.url }" }
    transitions: { success: review, failure: failed }
  review:
    type: approval
    transitions: { approved: done, rejected: failed }
  done: { type: end }
  failed: { type: end, status: failed }
`,
  },
  {
    file: 'order.yaml',
    text: `
name: order
api: { version: v2, endpoint: /orders/place }
start: pay
states:
  pay:
    type: task
    task: payment.charge
    transitions: { success: ship }
  ship:
    type: blueprint
    blueprint: child_only
    transitions: { finished: done }
  done: { type: end }
`,
  },
  {
    file: 'child_only.yaml',
    text: `
name: child_only
api: false
start: done
states:
  done: { type: end }
`,
  },
];

/** Writes the blueprints into a new temporary directory, for a server's BLUEPRINTS_DIR. */
export function writeTestBlueprints(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-docs-'));
  for (const source of TEST_BLUEPRINT_SOURCES) writeFileSync(join(dir, source.file), source.text);
  return dir;
}

export function loadTestBlueprints(): CompiledBlueprint[] {
  const result = loadBlueprintSources(TEST_BLUEPRINT_SOURCES);
  if (result.diagnostics.length > 0) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
  return [...result.blueprints.values()];
}
