/** A starting value for initial_data: each required property of the input schema, with a placeholder. */
export function skeleton(schema: unknown): Record<string, unknown> {
  if (!schema || typeof schema !== 'object') return {};
  const { required, properties } = schema as { required?: unknown; properties?: Record<string, unknown> };
  const out: Record<string, unknown> = {};
  if (!Array.isArray(required)) return out;
  for (const key of required) {
    if (typeof key !== 'string') continue;
    const prop = (properties?.[key] ?? {}) as { type?: unknown; default?: unknown; examples?: unknown[]; enum?: unknown[] };
    if (prop.default !== undefined) out[key] = prop.default;
    else if (Array.isArray(prop.examples) && prop.examples.length) out[key] = prop.examples[0];
    else if (Array.isArray(prop.enum) && prop.enum.length) out[key] = prop.enum[0];
    else out[key] = { string: '', number: 0, integer: 0, boolean: false, array: [], object: {} }[String(prop.type)] ?? null;
  }
  return out;
}
