/**
 * The console's only way to the server: the public HTTP API with the client token in X-Client-Token.
 * Every non-2xx reply becomes an ApiError carrying the server's `{ error, code }` message.
 */
import type { BlueprintStates, BlueprintSummary, Dashboard, HistoryEventView, JobView, WorkerView } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface JobListQuery {
  status?: string;
  blueprint?: string;
  q?: string;
  limit?: number;
  cursor?: string;
}

export class ApiClient {
  constructor(
    private readonly token: string,
    private readonly base = '',
  ) {}

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { 'X-Client-Token': this.token };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
    if (!res.ok) {
      let message = `${method} ${path}: HTTP ${res.status}`;
      let code: string | undefined;
      try {
        const parsed = (await res.json()) as { error?: unknown; code?: unknown };
        if (typeof parsed.error === 'string') message = parsed.error;
        if (typeof parsed.code === 'string') code = parsed.code;
      } catch {
        // Not JSON: keep the generic message.
      }
      throw new ApiError(res.status, message, code);
    }
    return res;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, body)).json()) as T;
  }

  async blueprints(): Promise<BlueprintSummary[]> {
    const reply = await this.json<BlueprintSummary[] | { blueprints: BlueprintSummary[] }>('GET', '/api/v1/blueprints');
    return Array.isArray(reply) ? reply : reply.blueprints;
  }

  async graphSvg(blueprint: string): Promise<string> {
    const res = await this.request('GET', `/api/v1/blueprints/${encodeURIComponent(blueprint)}/graph?format=svg`);
    return res.text();
  }

  states(blueprint: string): Promise<BlueprintStates> {
    return this.json('GET', `/api/v1/blueprints/${encodeURIComponent(blueprint)}/states`);
  }

  /** `endpoint` as the blueprint list gives it, e.g. `/jobs/simple_flow`. */
  createJob(apiVersion: string, endpoint: string, initialData: Record<string, unknown>): Promise<{ job_id: string }> {
    const path = `/api/${encodeURIComponent(apiVersion)}/${endpoint.replace(/^\/+/, '')}`;
    return this.json('POST', path, { initial_data: initialData });
  }

  jobs(query: JobListQuery): Promise<{ jobs: JobView[]; next_cursor: string | null }> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') params.set(key, String(value));
    }
    const qs = params.toString();
    return this.json('GET', `/api/v1/jobs${qs ? `?${qs}` : ''}`);
  }

  job(id: string): Promise<JobView> {
    return this.json('GET', `/api/v1/jobs/${encodeURIComponent(id)}`);
  }

  history(id: string): Promise<HistoryEventView[]> {
    return this.json('GET', `/api/v1/jobs/${encodeURIComponent(id)}/history`);
  }

  cancel(id: string): Promise<{ status: string }> {
    return this.json('POST', `/api/v1/jobs/${encodeURIComponent(id)}/cancel`);
  }

  decide(id: string, decision: string): Promise<{ status: string }> {
    return this.json('POST', `/_public/webhooks/approval/${encodeURIComponent(id)}`, { decision });
  }

  workers(): Promise<WorkerView[]> {
    return this.json('GET', '/api/v1/workers');
  }

  dashboard(): Promise<Dashboard> {
    return this.json('GET', '/api/v1/dashboard');
  }
}
