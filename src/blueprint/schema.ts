/** The blueprint JSON Schema, compiled once with ajv (2020-12). */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import blueprintSchema from '../../schemas/blueprint.schema.json' with { type: 'json' };

export { blueprintSchema };

let validator: ValidateFunction | undefined;

/** `patternErrorMessage`/`errorMessage` are the editor keywords (yaml-language-server) for friendly messages. */
export function createBlueprintAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, allowUnionTypes: true, strict: true });
  ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  return ajv;
}

export function blueprintValidator(): ValidateFunction {
  validator ??= createBlueprintAjv().compile(blueprintSchema);
  return validator;
}
