/**
 * A worker's registration -> the record the registry keeps. Unknown fields are kept for the workers
 * list; tokens are dropped. Avtomatika's SDK describes its GPU as `resources.gpu_info` and its models as
 * `installed_models: [{ name, version }]`; both are read as `gpu` and `models` for matching `requires`.
 */
import type { JsonObject, WorkerMatch, WorkerRecord } from '../storage/types.js';
import type { WorkerRegistration } from './api.js';

const SECRET_FIELDS = ['token', 'worker_token', 'X-Worker-Token'];

export function workerMatchOf(registration: Record<string, unknown>): WorkerMatch {
  const resources = asObject(registration.resources) ?? {};
  const gpu = asObject(resources.gpu) ?? asObject(resources.gpu_info);
  const match: WorkerMatch = {};
  if (gpu) {
    const model = typeof gpu.model === 'string' ? gpu.model : typeof gpu.name === 'string' ? gpu.name : undefined;
    const vram = typeof gpu.vram_gb === 'number' ? gpu.vram_gb : undefined;
    match.gpu = { ...(model !== undefined ? { model } : {}), ...(vram !== undefined ? { vram_gb: vram } : {}) };
  }
  if (typeof resources.cpu_cores === 'number') match.cpu_cores = resources.cpu_cores;
  if (typeof resources.memory_gb === 'number') match.memory_gb = resources.memory_gb;
  const models = new Set<string>();
  if (Array.isArray(registration.models)) for (const m of registration.models) if (typeof m === 'string') models.add(m);
  if (Array.isArray(registration.installed_models)) {
    for (const m of registration.installed_models) {
      if (typeof m === 'string') models.add(m);
      else if (typeof asObject(m)?.name === 'string') models.add(asObject(m)!.name as string);
    }
  }
  if (models.size > 0) match.models = [...models];
  return match;
}

export function workerRecordOf(registration: WorkerRegistration, now: number, ttlMs: number): WorkerRecord {
  const description = JSON.parse(JSON.stringify(registration)) as JsonObject;
  for (const field of SECRET_FIELDS) delete description[field];
  const max = registration.max_concurrent_tasks;
  return {
    worker_id: registration.worker_id,
    supported_tasks: [...new Set(registration.supported_tasks)],
    match: workerMatchOf(registration),
    max_concurrent_tasks: typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : null,
    description,
    registered_at: now,
    last_heartbeat: now,
    expires_at: now + ttlMs,
    current_tasks: [],
    cancelled_tasks: [],
  };
}

/** A heartbeat update without secrets, as JSON. */
export function heartbeatUpdateOf(update: Record<string, unknown>): Record<string, unknown> {
  const clean = JSON.parse(JSON.stringify(update)) as Record<string, unknown>;
  for (const field of SECRET_FIELDS) delete clean[field];
  return clean;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
