/**
 * What the OpenAPI document says about each fixed route of the API (the contract of
 * docs/orchestrator-api-reference.md and docs/api-details.md), keyed `METHOD /openapi/{template}`.
 * Request bodies reference the JSON Schemas of schemas/api (the ones the server validates with), by
 * file name; the response shapes below follow the views of src/engine/api.ts. The per-blueprint create
 * endpoints are built in openapi.ts from the loaded blueprints.
 */
import { JOB_STATUSES } from '../engine/api.js';

export type JsonObject = { [key: string]: unknown };

export const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });

/** Response with a JSON body of the given schema. */
export function jsonResponse(description: string, schema: JsonObject): JsonObject {
  return { description, content: { 'application/json': { schema } } };
}

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'The request is invalid; `error` says what and where, `details` lists each problem.',
  401: 'The token header is missing or wrong.',
  403: 'The token is valid but does not allow this.',
  404: 'Not found (or not visible to this client).',
  409: 'The request conflicts with the current state.',
  413: 'The request body is larger than MAX_BODY.',
  415: 'The body is not JSON.',
  429: 'Too many requests from this token; `Retry-After` says how many seconds to wait.',
  503: 'The store cannot be reached.',
};

export function errorResponses(...codes: number[]): JsonObject {
  return Object.fromEntries(codes.map((code) => [String(code), jsonResponse(ERROR_DESCRIPTIONS[code] ?? 'Error.', ref('Error'))]));
}

const pathParam = (name: string, description: string): JsonObject => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
const JOB_ID = pathParam('job_id', 'The id of the job, as returned when it was created.');
const WORKER_ID = pathParam('worker_id', 'The worker id that the worker registered with.');

const statusReply = (status: string | string[], extra: JsonObject = {}): JsonObject => ({
  type: 'object',
  required: ['status', ...Object.keys(extra)],
  properties: { status: Array.isArray(status) ? { type: 'string', enum: status } : { const: status }, ...extra },
});

/** Request-body schema names (files of schemas/api) that the fixed routes use. */
export const REQUEST_SCHEMAS = {
  approval: 'approval',
  register: 'register-worker',
  heartbeat: 'heartbeat',
  result: 'task-result',
  createJob: 'create-job',
  progress: 'progress-update',
} as const;

/** Component schema name of a schemas/api file: `task-result` -> `TaskResultRequest` (its title). */
export type RequestSchemaRef = (file: string) => JsonObject;

/** Schemas of replies (components.schemas), shaped like the views of src/engine/api.ts. */
export const RESPONSE_SCHEMAS: Readonly<Record<string, JsonObject>> = {
  Error: {
    type: 'object',
    required: ['error', 'code'],
    properties: {
      error: { type: 'string', description: 'A message a person can act on.' },
      code: { type: 'string', description: 'A stable code, e.g. VALIDATION_ERROR.' },
      details: { description: 'For validation errors: each violation with its JSON path.' },
    },
  },
  JobStatus: { type: 'string', enum: [...JOB_STATUSES] },
  Job: {
    type: 'object',
    required: ['id', 'blueprint_name', 'blueprint_version', 'status', 'created_at', 'updated_at'],
    properties: {
      id: { type: 'string' },
      blueprint_name: { type: 'string' },
      blueprint_version: { type: 'integer' },
      status: ref('JobStatus'),
      current_state: { type: ['string', 'null'] },
      initial_data: { type: 'object' },
      state_history: { type: 'object', description: 'Results of the states run so far, by state name.' },
      result: { description: 'The result of a finished job.' },
      error_message: { type: 'string' },
      error: {
        type: 'object',
        properties: { code: { type: 'string' }, message: { type: 'string' }, state: { type: 'string' } },
      },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
      finished_at: { type: ['string', 'null'], format: 'date-time' },
      webhook_url: { type: ['string', 'null'] },
      parent_job_id: { type: ['string', 'null'] },
      child_job_ids: { type: 'array', items: { type: 'string' } },
      current_task: {
        type: ['object', 'null'],
        properties: {
          task_id: { type: 'string' },
          type: { type: 'string' },
          worker_id: { type: ['string', 'null'] },
          attempt: { type: 'integer' },
          deadline: { type: ['string', 'null'], format: 'date-time' },
        },
      },
      progress: {
        type: ['object', 'null'],
        properties: {
          progress: { type: 'number' },
          message: { type: 'string' },
          task_id: { type: 'string' },
          at: { type: 'string', format: 'date-time' },
        },
      },
      decisions: { type: 'array', items: { type: 'string' }, description: 'Decisions a waiting approval offers.' },
      parallel: {
        type: 'object',
        properties: { total: { type: 'integer' }, by_status: { type: 'object', additionalProperties: { type: 'integer' } } },
      },
    },
  },
  HistoryEvent: {
    type: 'object',
    required: ['event_id', 'job_id', 'timestamp', 'event_type'],
    properties: {
      event_id: { type: 'string' },
      job_id: { type: 'string' },
      timestamp: { type: 'string', format: 'date-time' },
      event_type: {
        type: 'string',
        examples: ['job_created', 'state_entered', 'task_queued', 'task_leased', 'task_result', 'job_finished'],
      },
      state: { type: ['string', 'null'] },
    },
    additionalProperties: true,
  },
  Worker: {
    type: 'object',
    required: ['worker_id', 'supported_tasks', 'status'],
    properties: {
      worker_id: { type: 'string' },
      supported_tasks: { type: 'array', items: { type: 'string' } },
      resources: { type: 'object' },
      status: { type: 'string', enum: ['idle', 'busy'] },
      current_tasks: { type: 'array', items: { type: 'string' } },
      last_heartbeat: { type: 'string', format: 'date-time' },
      registered_at: { type: 'string', format: 'date-time' },
    },
    additionalProperties: true,
  },
  Task: {
    type: 'object',
    required: ['job_id', 'task_id', 'type', 'params'],
    properties: {
      job_id: { type: 'string' },
      task_id: { type: 'string' },
      type: { type: 'string', description: 'The task type, one of the worker’s supported_tasks.' },
      params: { type: 'object' },
      priority: { type: 'integer' },
      attempt: { type: 'integer' },
      deadline: { type: ['string', 'null'], format: 'date-time' },
      tracing_context: { type: 'object' },
      params_metadata: { type: 'object' },
    },
  },
  Dashboard: {
    type: 'object',
    required: ['jobs', 'workers', 'queues', 'blueprints'],
    properties: {
      jobs: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Job count by status.' },
      workers: {
        type: 'object',
        properties: { total: { type: 'integer' }, idle: { type: 'integer' }, busy: { type: 'integer' } },
      },
      queues: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Queue depth by task type.' },
      blueprints: { type: 'array', items: { type: 'string' } },
    },
  },
  BlueprintSummary: {
    type: 'object',
    required: ['name', 'version'],
    properties: {
      name: { type: 'string' },
      version: { type: 'integer' },
      endpoint: { type: ['string', 'null'], description: 'POST path that creates a job; null for child-only blueprints.' },
      description: { type: ['string', 'null'] },
      input: { type: ['object', 'null'], description: 'The JSON Schema of `initial_data`, if the blueprint declares one.' },
    },
    additionalProperties: true,
  },
  JobAccepted: statusReply('accepted', { job_id: { type: 'string' } }),
};

/** The fixed operations, keyed `METHOD /template` with OpenAPI `{param}` templates. */
export function fixedOperations(request: RequestSchemaRef): Readonly<Record<string, JsonObject>> {
  return {
    'GET /_public/status': {
      tags: ['Public'],
      operationId: 'getStatus',
      summary: 'Service status',
      description: 'Answers while the service is running.',
      responses: { '200': jsonResponse('Running.', statusReply('ok')) },
    },
    'GET /_public/metrics': {
      tags: ['Public'],
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      description: 'Prometheus text exposition format; the metrics are listed in docs/observability.md.',
      responses: { '200': { description: 'Metrics.', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
    'POST /_public/webhooks/approval/{job_id}': {
      tags: ['Public'],
      operationId: 'decideApproval',
      summary: 'Approve or reject a step waiting for a human',
      description:
        'The decision must be one of the transitions of the approval state the job waits in; a `400` lists the allowed ones.',
      parameters: [JOB_ID],
      requestBody: { required: true, content: { 'application/json': { schema: request(REQUEST_SCHEMAS.approval) } } },
      responses: {
        '200': jsonResponse('Decision applied.', statusReply('approval_received', { job_id: { type: 'string' } })),
        ...errorResponses(400, 404, 409, 415),
      },
    },
    'POST /_public/debug/flush_db': {
      tags: ['Public'],
      operationId: 'flushDb',
      summary: 'Forget every job, task and worker (development only)',
      description: 'Answers `404` unless the server runs with `ENABLE_DEBUG_ENDPOINTS=true`.',
      responses: { '200': jsonResponse('Flushed.', statusReply('db_flushed')), ...errorResponses(404) },
    },
    'GET /_public/docs': {
      tags: ['Public'],
      operationId: 'getDocs',
      summary: 'This page',
      description: 'Swagger UI over `/_public/openapi.json`; works with no internet.',
      responses: { '200': { description: 'HTML page.', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
    'GET /_public/console': {
      tags: ['Public'],
      operationId: 'getConsole',
      summary: 'The operator console',
      description: 'A single-page app over the client API; it asks for the client token.',
      responses: { '200': { description: 'HTML page.', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
    'GET /_public/openapi.json': {
      tags: ['Public'],
      operationId: 'getOpenApi',
      summary: 'This OpenAPI 3.1 document',
      responses: { '200': jsonResponse('The document.', { type: 'object' }) },
    },
    'GET /api/v1/jobs': {
      tags: ['Client'],
      operationId: 'listJobs',
      summary: 'List the caller’s jobs, newest first',
      parameters: [
        { name: 'status', in: 'query', schema: ref('JobStatus') },
        { name: 'blueprint', in: 'query', schema: { type: 'string' } },
        { name: 'q', in: 'query', schema: { type: 'string' }, description: 'Part of the job id.' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
        { name: 'cursor', in: 'query', schema: { type: 'string' }, description: '`next_cursor` of the previous page.' },
      ],
      responses: {
        '200': jsonResponse('A page of jobs.', {
          type: 'object',
          properties: { jobs: { type: 'array', items: ref('Job') }, next_cursor: { type: ['string', 'null'] } },
        }),
        ...errorResponses(400, 401),
      },
    },
    'GET /api/v1/jobs/{job_id}': {
      tags: ['Client'],
      operationId: 'getJob',
      summary: 'The full current state of a job',
      parameters: [JOB_ID],
      responses: { '200': jsonResponse('The job.', ref('Job')), ...errorResponses(401, 404) },
    },
    'POST /api/v1/jobs/{job_id}/cancel': {
      tags: ['Client'],
      operationId: 'cancelJob',
      summary: 'Cancel a job',
      description:
        'The job becomes `cancelled` at once and its queued tasks are withdrawn. `cancellation_request_sent` means a worker holding one of its tasks was told over its WebSocket.',
      parameters: [JOB_ID],
      responses: {
        '200': jsonResponse(
          'Cancelled.',
          statusReply(['cancellation_request_sent', 'cancellation_request_accepted']),
        ),
        ...errorResponses(401, 404, 409),
      },
    },
    'GET /api/v1/jobs/{job_id}/history': {
      tags: ['Client'],
      operationId: 'getJobHistory',
      summary: 'Every event of a job, in order',
      parameters: [JOB_ID],
      responses: {
        '200': jsonResponse('The events.', { type: 'array', items: ref('HistoryEvent') }),
        ...errorResponses(401, 404),
      },
    },
    'GET /api/v1/blueprints': {
      tags: ['Client'],
      operationId: 'listBlueprints',
      summary: 'The loaded blueprints',
      responses: {
        '200': jsonResponse('Blueprints.', { type: 'array', items: ref('BlueprintSummary') }),
        ...errorResponses(401),
      },
    },
    'GET /api/v1/blueprints/{blueprint_name}/graph': {
      tags: ['Client'],
      operationId: 'getBlueprintGraph',
      summary: 'A blueprint’s graph (DOT, or SVG)',
      parameters: [
        pathParam('blueprint_name', 'The `name` of a loaded blueprint.'),
        { name: 'job_id', in: 'query', schema: { type: 'string' }, description: 'Colour the path this job took.' },
        { name: 'format', in: 'query', schema: { type: 'string', enum: ['dot', 'svg'], default: 'dot' } },
      ],
      responses: {
        '200': {
          description: 'The graph.',
          content: { 'text/vnd.graphviz': { schema: { type: 'string' } }, 'image/svg+xml': { schema: { type: 'string' } } },
        },
        ...errorResponses(400, 401, 404),
      },
    },
    'GET /api/v1/blueprints/{blueprint_name}/states': {
      tags: ['Client'],
      operationId: 'getBlueprintStates',
      summary: 'Each state of a blueprint as written (for the console)',
      description: 'Each state with its YAML text, its line and column in the file, and the expressions in it.',
      parameters: [pathParam('blueprint_name', 'The `name` of a loaded blueprint.')],
      responses: {
        '200': jsonResponse('The states.', {
          type: 'object',
          properties: {
            blueprint: { type: 'string' },
            version: { type: 'integer' },
            start: { type: 'string' },
            states: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  name: { type: 'string' },
                  type: { type: 'string' },
                  line: { type: 'integer' },
                  column: { type: 'integer' },
                  yaml: { type: 'string' },
                  expressions: {
                    type: 'array',
                    items: { type: 'object', properties: { path: { type: 'string' }, source: { type: 'string' } } },
                  },
                },
              },
            },
          },
        }),
        ...errorResponses(401, 404),
      },
    },
    'GET /api/v1/workers': {
      tags: ['Client'],
      operationId: 'listWorkers',
      summary: 'Live workers',
      responses: { '200': jsonResponse('Workers.', { type: 'array', items: ref('Worker') }), ...errorResponses(401) },
    },
    'GET /api/v1/dashboard': {
      tags: ['Client'],
      operationId: 'getDashboard',
      summary: 'Counts of jobs, workers and queued tasks',
      responses: { '200': jsonResponse('Statistics.', ref('Dashboard')), ...errorResponses(401) },
    },
    'POST /_worker/workers/register': {
      tags: ['Worker'],
      operationId: 'registerWorker',
      summary: 'Register a worker',
      description: 'Re-registering replaces the description. Unknown fields are kept and shown in the workers list.',
      requestBody: { required: true, content: { 'application/json': { schema: request(REQUEST_SCHEMAS.register) } } },
      responses: { '200': jsonResponse('Registered.', statusReply('registered')), ...errorResponses(400, 401, 403, 415) },
    },
    'PATCH /_worker/workers/{worker_id}': {
      tags: ['Worker'],
      operationId: 'heartbeat',
      summary: 'Heartbeat, or update the worker’s state',
      description:
        'An empty body only refreshes the TTL. Either reply lists `cancelled_tasks` the worker should stop. For an unknown worker, a body with `supported_tasks` registers it again; an empty body gets `404`.',
      parameters: [WORKER_ID],
      requestBody: { required: false, content: { 'application/json': { schema: request(REQUEST_SCHEMAS.heartbeat) } } },
      responses: {
        '200': jsonResponse('Alive.', {
          type: 'object',
          properties: {
            status: {
              type: 'string',
              description: '`ttl_refreshed` after an empty body; after a JSON body, the worker’s own status (`idle`, `busy`) with its updated state.',
            },
            worker_id: { type: 'string' },
            cancelled_tasks: { type: 'array', items: { type: 'string' } },
          },
          additionalProperties: true,
        }),
        ...errorResponses(400, 401, 403, 404),
      },
    },
    'GET /_worker/workers/{worker_id}/tasks/next': {
      tags: ['Worker'],
      operationId: 'nextTask',
      summary: 'Take the next task (long-poll)',
      description: 'Holds the request until a task fits this worker, or answers `204` after WORKER_POLL_TIMEOUT.',
      parameters: [
        WORKER_ID,
        { name: 'timeout', in: 'query', schema: { type: 'number', minimum: 0, maximum: 60 }, description: 'Seconds.' },
      ],
      responses: {
        '200': jsonResponse('A task leased to this worker.', ref('Task')),
        '204': { description: 'No task came before the timeout.' },
        ...errorResponses(400, 401, 403, 404),
      },
    },
    'POST /_worker/tasks/result': {
      tags: ['Worker'],
      operationId: 'submitResult',
      summary: 'Submit the result of a task',
      description:
        'Only the worker holding the task may post it (`403` otherwise); a result for a task that is not current is `409` and changes nothing; a repeat of an applied result is `200` again.',
      requestBody: { required: true, content: { 'application/json': { schema: request(REQUEST_SCHEMAS.result) } } },
      responses: {
        '200': jsonResponse(
          'Applied.',
          statusReply([
            'result_accepted_success',
            'result_accepted_failure',
            'result_accepted_cancelled',
            'parallel_branch_result_accepted',
          ]),
        ),
        ...errorResponses(400, 401, 403, 409, 415),
      },
    },
    'GET /_worker/ws/{worker_id}': {
      tags: ['Worker'],
      operationId: 'workerSocket',
      summary: 'WebSocket for commands to the worker',
      description:
        'Upgrade to a WebSocket. The server sends `{"command":"cancel_task","job_id":...,"task_id":...}`; the worker may send `progress_update` messages (schema `ProgressUpdateMessage`). A new connection replaces the previous one. Swagger UI cannot open WebSockets; use a WebSocket client.',
      parameters: [WORKER_ID],
      responses: {
        '101': { description: 'Switching protocols to WebSocket.' },
        ...errorResponses(401, 403),
      },
      'x-websocket-message': request(REQUEST_SCHEMAS.progress),
    },
  };
}
