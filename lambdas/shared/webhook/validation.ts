import { ValidationError } from '../errors';

/** The error shape of an Ajv (standalone) validator, narrowed to what we read. */
export interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** An Ajv standalone validate function: a type guard that leaves its errors on `.errors`. */
export interface SchemaValidator<T> {
  (data: unknown): data is T;
  errors?: SchemaError[] | null;
}

/** `/data/route/stops/0/id` → `data.route.stops[0].id`, JSON-pointer escapes undone. */
export function pointerToField(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

/** The field an Ajv error is about (a missing property is named, not its parent). */
export function errorField(error: SchemaError, prefix = ''): string {
  let field = pointerToField(error.instancePath);
  if (error.keyword === 'required') field = field ? `${field}.${String(error.params.missingProperty)}` : String(error.params.missingProperty);
  if (error.keyword === 'additionalProperties') field = field ? `${field}.${String(error.params.additionalProperty)}` : String(error.params.additionalProperty);
  if (prefix) field = field ? `${prefix}.${field}` : prefix;
  return field || '(root)';
}

/** A short human sentence for an Ajv error (validators are generated with `messages: false`). */
export function describeError(error: SchemaError): string {
  const p = error.params;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not an allowed property';
    case 'type':
      return `must be ${String(p.type)}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'enum':
      return `must be one of ${JSON.stringify(p.allowedValues)}`;
    case 'pattern':
      return 'has characters or a form that is not allowed';
    case 'format':
      return `must be a valid ${String(p.format)}`;
    case 'minLength':
    case 'maxLength':
      return `must have ${error.keyword === 'minLength' ? 'at least' : 'at most'} ${String(p.limit)} characters`;
    case 'minItems':
    case 'maxItems':
      return `must have ${error.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} items`;
    case 'minProperties':
    case 'maxProperties':
      return `must have ${error.keyword === 'minProperties' ? 'at least' : 'at most'} ${String(p.limit)} properties`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(p.comparison)} ${String(p.limit)}`;
    case 'oneOf':
    case 'anyOf':
      return 'does not match any allowed shape';
    case 'propertyNames':
      return `has a property name that is not allowed`;
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
}

/**
 * Validates `data` and returns it typed, or throws a {@link ValidationError} naming the first failing field
 * (prefixed with `prefix`, e.g. `data` for a CloudEvent's payload).
 */
export function validateOrThrow<T>(validate: SchemaValidator<T>, data: unknown, what: string, prefix = ''): T {
  if (validate(data)) return data;
  const error = validate.errors?.[0];
  if (!error) throw new ValidationError(`${what} is invalid`, prefix || '(root)');
  const field = errorField(error, prefix);
  throw new ValidationError(`${what}: ${field} ${describeError(error)}`, field);
}
