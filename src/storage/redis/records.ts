/**
 * Turning what the scripts return back into store records: a task is its JSON as queued plus the lease
 * meta the scripts keep beside it; a worker is a hash of small fields plus `d:<field>` description
 * entries. Kept apart from redis.ts so the store file reads as the contract, call by call.
 */
import type { JsonObject, TaskRecord, WorkerRecord } from '../types.js';

/** The lease meta of a task, kept by the scripts as `<task id>:m` in the job's task hash. */
interface TaskMeta {
  st: 'queued' | 'leased';
  q: string;
  w?: string;
  la?: number;
  dl?: number;
}

export function taskFrom(raw: string, metaJson: string): TaskRecord {
  const task = JSON.parse(raw) as TaskRecord;
  const meta = JSON.parse(metaJson) as TaskMeta;
  task.status = meta.st;
  task.worker_id = meta.w ?? null;
  task.leased_at = meta.la ?? null;
  task.deadline = meta.dl ?? null;
  return task;
}

/** The live tasks of a job from its task hash (flat field/value array), in enqueue order. */
export function tasksFrom(flat: string[]): TaskRecord[] {
  const raw = new Map<string, string>();
  const metas = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i]!;
    if (field.endsWith(':m')) metas.set(field.slice(0, -2), flat[i + 1]!);
    else raw.set(field, flat[i + 1]!);
  }
  const tasks: { order: string; task: TaskRecord }[] = [];
  for (const [id, json] of raw) {
    const meta = metas.get(id);
    if (meta === undefined) continue;
    // The queue member starts with the 16-digit enqueue sequence.
    tasks.push({ order: (JSON.parse(meta) as TaskMeta).q, task: taskFrom(json, meta) });
  }
  return tasks.sort((a, b) => (a.order < b.order ? -1 : 1)).map((entry) => entry.task);
}

/** A worker from its hash (flat field/value array), or null for an empty reply. */
export function workerFrom(flat: string[]): WorkerRecord | null {
  if (flat.length === 0) return null;
  const fields = new Map<string, string>();
  const description: JsonObject = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i]!;
    const value = flat[i + 1]!;
    if (field.startsWith('d:')) description[field.slice(2)] = JSON.parse(value) as JsonObject[string];
    else fields.set(field, value);
  }
  const get = (name: string): string => fields.get(name) ?? '';
  const current = JSON.parse(get('cur') || '[]') as [string, string][];
  const max = get('max');
  return {
    worker_id: get('id'),
    supported_tasks: JSON.parse(get('types') || '[]') as string[],
    match: JSON.parse(get('match') || '{}') as WorkerRecord['match'],
    max_concurrent_tasks: max === '' ? null : Number(max),
    description,
    registered_at: Number(get('reg')),
    last_heartbeat: Number(get('hb')),
    expires_at: Number(get('exp')),
    current_tasks: current.map((pair) => pair[0]),
    cancelled_tasks: JSON.parse(get('canc') || '[]') as WorkerRecord['cancelled_tasks'],
  };
}

/** A JSON object's top-level entries as field/JSON pairs, for `d:<field>` description entries. */
export function descriptionPairs(description: Record<string, unknown>): string[] {
  const pairs: string[] = [];
  for (const [field, value] of Object.entries(description)) {
    if (value === undefined) continue;
    pairs.push(field, JSON.stringify(value));
  }
  return pairs;
}
