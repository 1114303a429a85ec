import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import * as openapiBackend from 'openapi-backend';
import type { OpenAPIV3 } from 'openapi-types';
import { CONTRACT_NAMES, type ContractName } from '../registry/vendors';

/**
 * Vendor contracts: an excerpt of each vendor's published API contract (OpenAPI 3.0.3, JSON), holding the
 * operations logistics-sync calls and the webhook payloads it accepts, each with the source it was taken
 * from. The simulators validate every request against them and the client tests validate every request our
 * clients build, so a request the vendor would refuse fails a test here first. See contracts/README.md.
 *
 * Validation is openapi-backend's (routing by method and path template, Ajv for parameters and bodies); this
 * module only loads the files, keeps one validator per vendor and turns errors into readable lines.
 */

// openapi-backend is published as CommonJS; its named export works the same under ESM and tsx.
const { OpenAPIBackend } = openapiBackend;

/** Where a contract (or one operation or webhook of it) was taken from. */
export interface ContractSource {
  /** The page, document or file, as a URL. */
  readonly url: string;
  /** When it was read (YYYY-MM-DD). */
  readonly retrieved: string;
  /** The document's version, or the commit of the file it was read from. */
  readonly revision?: string;
  /** The licence the source is published under, as stated by the vendor. */
  readonly license?: string;
  /** What of the contract comes from this source. */
  readonly covers?: string;
}

/** A documented webhook payload: its schema and the vendor's documented examples. */
export interface ContractWebhook {
  /** The event name as the vendor sends it (e.g. `RouteStopArrival`, `zen:event-type:ticket.status_changed`). */
  readonly event: string;
  readonly schema: OpenAPIV3.ReferenceObject | OpenAPIV3.SchemaObject;
  readonly 'x-source': string;
  readonly examples?: readonly ContractExample[];
}

/**
 * A rule of an operation that OpenAPI 3.0 schemas cannot express (e.g. "the first stop needs a departure
 * time"): a JSON Schema draft-07 object (tuple `items`, `if`/`then`) applied to the whole request body.
 */
export interface ContractRule {
  readonly rule: string;
  /** The vendor's words the rule is based on. */
  readonly description: string;
  readonly 'x-source': string;
  readonly schema: object;
}

export interface ContractExample {
  readonly summary: string;
  /** The page the example is published on. */
  readonly 'x-source': string;
  readonly value: unknown;
}

export interface ContractDocument extends OpenAPIV3.Document {
  readonly info: OpenAPIV3.InfoObject & { readonly 'x-sources': readonly ContractSource[]; readonly 'x-note'?: string };
  readonly 'x-webhooks'?: Readonly<Record<string, ContractWebhook>>;
}

/** A request as it arrives at a simulator or leaves one of our clients. */
export interface ContractRequest {
  readonly method: string;
  /** The path without the query string, relative to the vendor's server URL. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | string[]>> | URLSearchParams;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** The outcome of checking one request against a contract. */
export interface ContractCheck {
  /** The operation the request matched; undefined when the vendor has no such operation. */
  readonly operationId?: string;
  /** Empty when the request is valid. */
  readonly errors: readonly string[];
}

/** The vendors whose contracts are kept in `contracts/<name>/openapi.json`. */
export { CONTRACT_NAMES, type ContractName };

type Backend = InstanceType<typeof OpenAPIBackend>;

/** One vendor's contract, loaded and ready to validate. */
export class Contract {
  private readonly compiled = new Map<unknown, (value: unknown) => readonly string[]>();
  private readonly rules = new Map<string, { rule: ContractRule; validate: ValidateFunction }[]>();

  private constructor(
    readonly name: string,
    readonly document: ContractDocument,
    private readonly backend: Backend,
  ) {}

  /** Loads and checks a contract document (throws when it is not valid OpenAPI 3.0). */
  static async fromDocument(name: string, document: ContractDocument): Promise<Contract> {
    const backend = new OpenAPIBackend({
      definition: document as never,
      strict: true,
      quick: false,
      validate: true,
      ajvOpts: { allErrors: true, strict: false },
      customizeAjv: (ajv: import('ajv').default) => {
        // Vendors publish formats their examples do not always meet (e.g. `date-time` without a zone); the
        // contract keeps the format as documentation and checks the types and required fields.
        ajv.addFormat('date-time', true);
        ajv.addFormat('date', true);
        ajv.addFormat('uri', true);
        ajv.addFormat('uri-reference', true);
        ajv.addFormat('email', true);
        ajv.addFormat('int64', true);
        ajv.addFormat('int32', true);
        ajv.addFormat('double', true);
        ajv.addFormat('float', true);
        return ajv;
      },
    });
    await backend.init();
    return new Contract(name, document, backend);
  }

  /** Where the contract was taken from. */
  get sources(): readonly ContractSource[] {
    return this.document.info['x-sources'];
  }

  /** Every operation in the contract: id, method, path template and its source. */
  get operations(): { operationId: string; method: string; path: string; source?: string }[] {
    return this.backend.getOperations().map((op: openapiBackend.Operation) => ({
      operationId: op.operationId ?? `${op.method.toUpperCase()} ${op.path}`,
      method: op.method.toUpperCase(),
      path: op.path,
      source: (op as unknown as { 'x-source'?: string })['x-source'],
    }));
  }

  /** The documented webhooks, by event name. */
  get webhooks(): readonly ContractWebhook[] {
    return Object.values(this.document['x-webhooks'] ?? {});
  }

  /** Checks a request against the operation its method and path select. */
  checkRequest(request: ContractRequest): ContractCheck {
    const req = {
      method: request.method.toLowerCase(),
      path: request.path,
      query: queryRecord(request.query),
      headers: { ...lowerCaseKeys(request.headers ?? {}) },
      body: request.body,
    };
    const operation = this.backend.matchOperation(req);
    if (!operation) return { errors: [`${this.name} has no operation ${request.method.toUpperCase()} ${request.path}`] };
    const operationId = operation.operationId ?? `${operation.method} ${operation.path}`;
    const result = this.backend.validateRequest(req, operation);
    const errors = (result.errors ?? []).map(describeError);
    for (const { rule, validate } of this.rulesOf(operationId, operation as unknown as { 'x-rules'?: ContractRule[] })) {
      if (!validate(request.body)) errors.push(`${rule.rule}: ${rule.description} (${(validate.errors ?? []).map(describeError).join('; ')})`);
    }
    return { operationId, errors };
  }

  private rulesOf(operationId: string, operation: { 'x-rules'?: ContractRule[] }): { rule: ContractRule; validate: ValidateFunction }[] {
    let compiled = this.rules.get(operationId);
    if (!compiled) {
      compiled = (operation['x-rules'] ?? []).map((rule) => ({ rule, validate: rulesAjv.compile(rule.schema) }));
      this.rules.set(operationId, compiled);
    }
    return compiled;
  }

  /**
   * A 2xx answer for an operation as the contract documents it (its example when it has one, else one generated
   * from the response schema), for probes that drive our clients without a simulator.
   */
  mockResponse(operationId: string): { status: number; body: unknown } {
    const { status, mock } = this.backend.mockResponseForOperation(operationId);
    return { status, body: mock };
  }

  /** Checks a response body against the operation's documented response for that status. */
  checkResponse(operationId: string, status: number, body: unknown): readonly string[] {
    const result = this.backend.validateResponse(body, operationId, status);
    return (result.errors ?? []).map(describeError);
  }

  /** Checks a webhook body against the documented payload of its event. */
  checkWebhook(event: string, body: unknown): readonly string[] {
    const webhook = this.document['x-webhooks']?.[event];
    if (!webhook) return [`${this.name} documents no webhook ${event}`];
    return this.checkSchema(webhook.schema, body);
  }

  /** Checks a value against a schema of the contract (a `$ref` into it, or an inline schema). */
  checkSchema(schema: OpenAPIV3.ReferenceObject | OpenAPIV3.SchemaObject, value: unknown): readonly string[] {
    let check = this.compiled.get(schema);
    if (!check) {
      const ajv = this.backend.validator.getAjv(0 as never);
      const root = this.document as unknown as Record<string, unknown>;
      const resolved = '$ref' in schema ? resolvePointer(root, schema.$ref) : schema;
      // `#/components/...` references inside the schema resolve against the document's components.
      const validate = ajv.compile({ ...(resolved as object), components: (root.components ?? {}) as object });
      check = (v) => (validate(v) ? [] : (validate.errors ?? []).map(describeError));
      this.compiled.set(schema, check);
    }
    return check(value);
  }
}

// Rules are plain JSON Schema draft-07 over the request body (no OpenAPI dialect, formats as annotations).
const rulesAjv = new Ajv({ allErrors: true, strict: false, validateFormats: false });

function resolvePointer(root: Record<string, unknown>, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported, got ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  if (node === undefined) throw new Error(`unresolved reference ${ref}`);
  return node;
}

function lowerCaseKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function queryRecord(query: ContractRequest['query']): Record<string, string | string[]> {
  if (!query) return {};
  if (query instanceof URLSearchParams) {
    const out: Record<string, string | string[]> = {};
    for (const key of new Set(query.keys())) {
      const values = query.getAll(key);
      out[key] = values.length === 1 ? values[0] : values;
    }
    return out;
  }
  return { ...query };
}

interface AjvLikeError {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** `requestBody.stops[0].singleUseLocation must have required property 'latitude'`. */
function describeError(error: AjvLikeError): string {
  const path = (error.instancePath ?? '')
    .split('/')
    .filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : `${i === 0 ? '' : '.'}${part}`))
    .join('');
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties') message = `must not have property '${String(error.params?.additionalProperty)}'`;
  if (error.keyword === 'enum') message = `must be one of ${JSON.stringify(error.params?.allowedValues)}`;
  return path ? `${path} ${message}` : message;
}

const CONTRACTS_DIR = fileURLToPath(new URL('.', import.meta.url));
const cache = new Map<string, Promise<Contract>>();

/** The path of a vendor's contract file. */
export function contractPath(name: ContractName): string {
  return `${CONTRACTS_DIR}${name}/openapi.json`;
}

/** Reads a vendor's contract document (no validation). */
export function readContractDocument(name: ContractName): ContractDocument {
  return JSON.parse(readFileSync(contractPath(name), 'utf8')) as ContractDocument;
}

/** A vendor's contract, loaded once per process. */
export function loadContract(name: ContractName): Promise<Contract> {
  let contract = cache.get(name);
  if (!contract) {
    contract = Contract.fromDocument(name, readContractDocument(name));
    cache.set(name, contract);
  }
  return contract;
}
