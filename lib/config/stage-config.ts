import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { apiVendor } from '../../registry/api-vendors';
import { fileIntake, type InterchangeId, type TradingPartner } from '../../registry/file-intakes';

export type { InterchangeId, TradingPartner };
import { SYSTEMS, type SystemName } from '../../registry/systems';
import type { LogLevel } from '../core/powertools';
import { batchTimeProblems, pacingProblems } from './vendor-limits';


export interface MaintenanceWindow {
  /** Day of week (UTC) or `*` for every day. */
  readonly day: 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT' | 'SUN' | '*';
  /** `HH:MM` in UTC. */
  readonly startUtc: string;
  readonly durationMinutes: number;
}

export interface SystemConfig {
  /** The vendor whose API the system's outbound adapter calls (registry/api-vendors.ts). @default - the system's default vendor */
  readonly vendor?: string;
  /** Base URL of the system's API (outbound calls). */
  readonly apiBaseUrl: string;
  /** Name of an existing Secrets Manager secret with the API credentials and webhook signing secrets (JSON). */
  readonly secretName: string;
  /** API Gateway throttling for this system's webhook routes. */
  readonly webhook: { readonly rateLimitPerSecond: number; readonly burstLimit: number };
  readonly outbound: {
    readonly rateLimitPerSecond: number;
    /** SQS event source `maximumConcurrency`. */
    readonly maxConcurrency: number;
    readonly batchSize: number;
    /**
     * How long the SQS event source gathers messages into one batch (`MaximumBatchingWindowInSeconds`): fuller batches
     * at volume (fewer receives, deletes and invocations), at the price of up to that much latency per call. @default 0
     */
    readonly batchingWindowSeconds?: number;
    readonly timeoutSeconds: number;
    /** Deliveries before a message moves to the DLQ. */
    readonly maxReceiveCount: number;
    /**
     * The vendor's rate limit for this adapter's calls, when yours differs from the documented one
     * (lib/config/vendor-limits.ts). @default - the documented limit
     */
    readonly vendorLimitPerMinute?: number;
    /**
     * Lookups (GET requests) paced on their own at this rate across the concurrent functions, for a vendor that limits
     * them apart from its writes (registry/api-vendors.ts `lookupRateLimit`); 0: they share `rateLimitPerSecond`'s pace. @default - lookups share `rateLimitPerSecond`'s pace
     */
    readonly lookupRateLimitPerSecond?: number;
    /**
     * The vendor's lookup limit for your account, when it differs from the documented one (Zendesk's account-wide
     * limit on a larger plan than the smallest). @default - the documented limit
     */
    readonly vendorLookupLimitPerMinute?: number;
    /** Degraded mode: minutes the target may stay unreachable before the account team is told (customer service: 15 when unset). */
    readonly degradedNoticeMinutes?: number;
    /**
     * The outbound function's memory size, MB. Lambda bills duration by it and gives a function CPU in proportion to it:
     * an adapter whose pace keeps each function a second or more between calls spends most of its billed time at the
     * vendor's limit waiting for its slot, which costs less at a smaller size (the example stages give the fleet and CS
     * adapters 160 MB; docs/cost.md, "Knobs"). An alarm fires when its invocations use 80 % of it. @default 256
     */
    readonly memorySize?: number;
  };
  /**
   * Fleet only: the external id key under which the fleet address book knows the ERP's location ids; a stop
   * without coordinates is placed by `addressId: "<key>:<locationId>"`. @default - every stop needs coordinates
   */
  readonly addressBookExternalIdKey?: string;
  /** Windows in which outbound calls are held in the queue instead of attempted. */
  readonly maintenanceWindows: readonly MaintenanceWindow[];
  /** The reconciliation sweep (docs/reconciliation.md); every field has a default ({@link reconciliationSettings}). */
  readonly reconciliation?: { readonly intervalMinutes?: number; readonly requestsPerMinute?: number; readonly pageSize?: number };
}

/** The reconciliation sweep's settings of a system, defaults applied: a sweep every 15 minutes, 30 reads a minute, pages of 25. */
export function reconciliationSettings(system: Pick<SystemConfig, 'reconciliation'>): { intervalMinutes: number; requestsPerMinute: number; pageSize: number } {
  return { intervalMinutes: 15, requestsPerMinute: 30, pageSize: 25, ...system.reconciliation };
}

/** The ERP's configuration: a system, plus where its OAuth2 tokens come from. */
export interface ErpSystemConfig extends SystemConfig {
  /**
   * OAuth2 token endpoint of the ERP API and the SAP read-back (client credentials), e.g. an SAP BTP service
   * key's `url` + `/oauth/token`.
   * @default '<apiBaseUrl>/oauth/token'
   */
  readonly tokenUrl?: string;
  /** Business Central's settings; required when `vendor` is `business-central`, refused otherwise ({@link businessCentralProblems}). */
  readonly businessCentral?: BusinessCentralConfig;
}

/** Where a Business Central stage's calls go (docs/vendors.md, "Business Central"). */
export interface BusinessCentralConfig {
  /** The company's id (GUID; `GET {apiBaseUrl}/api/v2.0/companies` lists them). */
  readonly companyId: string;
  /** Our location id of the warehouse released orders ship from (API v2.0 exposes none per sales order). */
  readonly shipFromLocation: string;
  /** `publisher/group/version` of the logistics-sync extension's custom API pages. @default 'logisticsSync/shipping/v1.0' */
  readonly customApi?: string;
}

/** The extension's custom API path when the stage does not name one (lambdas/erp/business-central/bc-api.ts has the same default). */
export const DEFAULT_BC_CUSTOM_API = 'logisticsSync/shipping/v1.0';

/**
 * A Business Central ERP needs its company, ship-from location and Entra token URL (the generic default
 * `<apiBaseUrl>/oauth/token` is not Entra's); another vendor must not carry BC settings (a stage that switched
 * vendors would otherwise keep dead settings). Pure.
 */
export function businessCentralProblems(erp: ErpSystemConfig): string[] {
  const isBc = apiVendor('erp', erp.vendor).name === 'business-central';
  if (!isBc) return erp.businessCentral ? [`systems.erp.businessCentral applies only to systems.erp.vendor "business-central" (the vendor is "${apiVendor('erp', erp.vendor).name}")`] : [];
  const problems: string[] = [];
  if (!erp.businessCentral) {
    problems.push('systems.erp.businessCentral is required when systems.erp.vendor is "business-central": { companyId: the company GUID (GET {apiBaseUrl}/api/v2.0/companies), shipFromLocation: our warehouse location id, customApi?: the extension\'s publisher/group/version }');
  }
  if (erp.tokenUrl === undefined) {
    problems.push('systems.erp.tokenUrl is required when systems.erp.vendor is "business-central": Microsoft Entra ID\'s https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token');
  }
  if (!/\/v2\.0\/[^/]+\/[^/]+\/?$/.test(erp.apiBaseUrl)) {
    problems.push(`systems.erp.apiBaseUrl must be the Business Central environment's root, https://api.businesscentral.dynamics.com/v2.0/<tenant>/<environment> (got ${erp.apiBaseUrl})`);
  }
  return problems;
}

/** One file intake of the stage (registry/file-intakes.ts). */
export interface FileIntakeConfig {
  /** Our own interchange id, as the partners address us. */
  readonly receiver: InterchangeId;
  readonly partners: readonly TradingPartner[];
  /** An AWS Transfer Family SFTP server in front of the bucket. @default - none */
  readonly transferServer?: { readonly enabled: boolean };
  /** An AWS Transfer Family AS2 server in front of the bucket, for the partners with `as2` (lib/adapters/as2-server.ts). @default - none */
  readonly as2Server?: As2ServerConfig;
  /** AWS B2B Data Interchange in front of the intake function (lib/adapters/b2bi-inbound.ts, docs/edi.md). @default - none */
  readonly b2bi?: B2biConfig;
}

/** The stage's AWS B2B Data Interchange option: our B2BI profile (its partnerships are the intake's partners). */
export interface B2biConfig {
  readonly enabled: boolean;
  /** Our business as B2BI's profile names it (CloudFormation AWS::B2BI::Profile). */
  readonly profile: { readonly businessName: string; readonly phone: string; readonly email?: string };
  /** The 997 B2BI writes for each interchange (AWS::B2BI::Partnership X12AcknowledgmentOptions). @default 'GENERATE_ALL_SEGMENTS' */
  readonly functionalAcknowledgment?: 'DO_NOT_GENERATE' | 'GENERATE_ALL_SEGMENTS' | 'GENERATE_WITHOUT_TRANSACTION_SET_RESPONSE_LOOP';
  /** The TA1 B2BI writes. @default 'DO_NOT_GENERATE' */
  readonly technicalAcknowledgment?: 'DO_NOT_GENERATE' | 'GENERATE_ALL_SEGMENTS';
}

/** The stage's AS2 server: our AS2 identity and certificates, and the VPC its endpoint lives in. */
export interface As2ServerConfig {
  /** Our AS2 name (RFC 4130), the `AS2-To` of the partners' messages; no spaces. */
  readonly localAs2Id: string;
  /** Our signing and encryption certificates, imported into Transfer Family with their private keys (`cert-…`). */
  readonly localCertificateIds: readonly string[];
  /** AS2 needs a VPC endpoint: the VPC and the subnets to place it in. */
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  /** The partners' egress ranges (CIDR): the endpoint's security group lets only them in on TCP 5080. */
  readonly allowedCidrs: readonly string[];
}

export interface StageConfig {
  /** Stage name, e.g. `dev` or `prod` (the key under `stages` in cdk.json). */
  readonly stage: string;
  readonly onCallEmail: string;
  /** Where functions get Powertools from (lib/core/powertools.ts). @default 'layer' */
  readonly powertools?: 'layer' | 'bundled';
  /** The least severe log line the functions write (`POWERTOOLS_LOG_LEVEL`; lib/core/powertools.ts). @default 'INFO' */
  readonly logLevel?: LogLevel;
  /**
   * API Gateway's detailed metrics per method and route on the stack's APIs (webhooks, trace, visibility), which it
   * bills as custom metrics; the alarms and the dashboard read the API-level metrics, written either way. @default true
   */
  readonly apiDetailedMetrics?: boolean;
  readonly retention: {
    readonly eventArchiveDays: number;
    readonly logRetentionDays: number;
    readonly idempotencyTtlHours: number;
    readonly correlationTtlDays: number;
    readonly queueRetentionDays: number;
    readonly dlqRetentionDays: number;
  };
  readonly webhooks: {
    readonly timestampToleranceSeconds: number;
    readonly maxBodyBytes: number;
    /** Which API Gateway serves the webhooks (lib/adapters/webhook-api.ts, webhook-http-api.ts). @default 'rest' */
    readonly api?: 'rest' | 'http';
  };
  readonly exceptions: {
    readonly temperature: { readonly minorMinutes: number; readonly majorMinutes: number; readonly criticalDeltaCelsius: number };
    /** ETA / delay breach: grace past the delivery window, and the lateness that makes a delay major. */
    readonly delay: { readonly graceMinutes: number; readonly majorMinutes: number };
    /** Failed delivery: attempts after which it is major. */
    readonly failedDelivery: { readonly maxAttempts: number };
  };
  readonly systems: Readonly<Record<Exclude<SystemName, 'erp'>, SystemConfig>> & { readonly erp: ErpSystemConfig };
  /** File-based intakes by name (registry/file-intakes.ts). @default - none */
  readonly fileIntakes?: Readonly<Record<string, FileIntakeConfig>>;
}

/** Thrown when the stage configuration is missing or invalid; the message names the stage and every bad key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly stage: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}

const schema = JSON.parse(readFileSync(new URL('./stage-config.schema.json', import.meta.url), 'utf8')) as object;
// ajv-formats is published as CommonJS: under ESM its default export may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validateSchema = ajv.compile(schema);

function keyPath(error: ErrorObject): string {
  const base = error.instancePath.split('/').filter(Boolean).join('.');
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return base ? `${base}.${missing}` : missing;
  }
  if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') {
    const params = error.params as { additionalProperty?: string; unevaluatedProperty?: string };
    const extra = params.additionalProperty ?? params.unevaluatedProperty ?? '';
    return base ? `${base}.${extra}` : extra;
  }
  return base || '(root)';
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return 'is missing';
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return 'is not a known key';
    case 'enum':
      return `must be one of ${JSON.stringify((error.params as { allowedValues: unknown[] }).allowedValues)}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/** Cross-field rules the JSON Schema cannot express. */
function semanticProblems(config: Omit<StageConfig, 'stage'>, stage: string): string[] {
  const problems: string[] = [];
  if (config.retention.queueRetentionDays >= config.retention.dlqRetentionDays) {
    problems.push('retention.queueRetentionDays must be shorter than retention.dlqRetentionDays (a DLQ must outlive its source)');
  }
  const t = config.exceptions.temperature;
  if (t.minorMinutes > t.majorMinutes) {
    problems.push('exceptions.temperature.minorMinutes must not exceed exceptions.temperature.majorMinutes');
  }
  for (const system of SYSTEMS) {
    const { vendor, outbound } = config.systems[system];
    try {
      const chosen = apiVendor(system, vendor);
      if (chosen.notDeployable) {
        problems.push(`systems.${system}.vendor "${chosen.name}" cannot be deployed yet: ${chosen.notDeployable}`);
        continue;
      }
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    problems.push(...pacingProblems(system, outbound, vendor, reconciliationSettings(config.systems[system]).requestsPerMinute), ...batchTimeProblems(system, outbound));
  }
  try {
    problems.push(...businessCentralProblems(config.systems.erp));
  } catch {
    // an unknown ERP vendor is reported above
  }
  problems.push(...fileIntakeProblems(config.fileIntakes ?? {}));
  if (stage === 'prod') {
    for (const system of SYSTEMS) {
      if (!config.systems[system].apiBaseUrl.startsWith('https://')) {
        problems.push(`systems.${system}.apiBaseUrl must use https in prod`);
      }
    }
    const tokenUrl = config.systems.erp.tokenUrl;
    if (tokenUrl !== undefined && !tokenUrl.startsWith('https://')) problems.push('systems.erp.tokenUrl must use https in prod');
  }
  return problems;
}

/** Each configured intake must be in the registry; partner names and interchange ids must be unique. */
function fileIntakeProblems(intakes: Readonly<Record<string, FileIntakeConfig>>): string[] {
  const problems: string[] = [];
  for (const [name, intake] of Object.entries(intakes)) {
    try {
      fileIntake(name);
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    const seen = new Map<string, string>();
    for (const partner of intake.partners) {
      for (const key of [`name ${partner.name}`, `interchange id ${partner.qualifier}/${partner.id}`]) {
        const other = seen.get(key);
        if (other !== undefined) problems.push(`fileIntakes.${name}.partners: ${other} and ${partner.name} share the ${key}`);
        seen.set(key, partner.name);
      }
      if (partner.qualifier === intake.receiver.qualifier && partner.id === intake.receiver.id) {
        problems.push(`fileIntakes.${name}.partners.${partner.name} has our own interchange id (receiver)`);
      }
    }
    if (intake.transferServer?.enabled && !intake.partners.some((p) => p.sshPublicKey)) {
      problems.push(`fileIntakes.${name}.transferServer is enabled but no partner has an sshPublicKey to sign in with`);
    }
    problems.push(...as2Problems(`fileIntakes.${name}`, intake));
    if (intake.b2bi?.enabled) {
      for (const partner of intake.partners.filter((p) => !p.contact)) {
        problems.push(`fileIntakes.${name}.partners.${partner.name}.contact is required with b2bi (B2B Data Interchange needs an email on each partnership)`);
      }
    }
  }
  return problems;
}

/** What the AS2 server of an intake needs beyond the schema: partners to serve, ids that tell them apart, an open range. */
function as2Problems(at: string, intake: FileIntakeConfig): string[] {
  const onAs2 = intake.partners.filter((p) => p.as2);
  if (!intake.as2Server) {
    return onAs2.map((p) => `${at}.partners.${p.name}.as2 needs ${at}.as2Server (the Transfer Family AS2 server its messages arrive at)`);
  }
  const problems: string[] = [];
  if (onAs2.length === 0) problems.push(`${at}.as2Server is set but no partner has as2 (its AS2 id and certificates)`);
  const ids = new Map<string, string>([[intake.as2Server.localAs2Id, 'as2Server.localAs2Id']]);
  for (const partner of onAs2) {
    const other = ids.get(partner.as2!.as2Id);
    if (other !== undefined) problems.push(`${at}.partners.${partner.name}.as2.as2Id ${partner.as2!.as2Id} is also ${other}: the AS2-From header must tell the partners apart`);
    ids.set(partner.as2!.as2Id, `partners.${partner.name}`);
    const certificates = (partner.as2!.certificates?.length ?? 0) + (partner.as2!.certificateIds?.length ?? 0);
    if (certificates === 0) {
      problems.push(`${at}.partners.${partner.name}.as2 has no certificate: its signing certificate is needed to verify its messages (unsigned messages are refused)`);
    }
    // Transfer Family's quota, not adjustable: https://docs.aws.amazon.com/transfer/latest/userguide/as2-limitations.html
    if (certificates > 10) problems.push(`${at}.partners.${partner.name}.as2 has ${certificates} certificates: a Transfer Family partner profile holds at most 10`);
    const usages = new Set(partner.as2!.certificates?.map((c) => c.usage));
    if (partner.as2!.url && !partner.as2!.certificateIds?.length && !usages.has('ENCRYPTION')) {
      problems.push(`${at}.partners.${partner.name}.as2.url needs the partner's ENCRYPTION certificate: acknowledgements sent over AS2 are encrypted to it`);
    }
  }
  for (const cidr of intake.as2Server.allowedCidrs.filter((c) => c.endsWith('/0'))) {
    problems.push(`${at}.as2Server.allowedCidrs: ${cidr} opens the AS2 endpoint to the whole internet; list the partners' egress ranges`);
  }
  return problems;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep-merges `overrides` into `base` (objects merge, everything else replaces). Pure. */
export function mergeConfig(base: unknown, overrides: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(overrides)) return overrides === undefined ? base : overrides;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    out[key] = mergeConfig(base[key], value);
  }
  return out;
}

/**
 * Reads and validates one stage's block from the `stages` context object.
 * Throws {@link ConfigError} naming the stage and each offending key.
 */
export function parseStageConfig(stages: unknown, stage: string, overrides?: unknown): StageConfig {
  if (!isPlainObject(stages)) {
    throw new ConfigError(`cdk.json context "stages" is missing or not an object (stage "${stage}")`, stage);
  }
  if (!Object.hasOwn(stages, stage)) {
    throw new ConfigError(`stage "${stage}" is not defined in cdk.json context "stages" (known: ${Object.keys(stages).join(', ') || 'none'})`, stage);
  }
  const raw = overrides === undefined ? stages[stage] : mergeConfig(stages[stage], overrides);
  if (!validateSchema(raw)) {
    const problems = [...new Set((validateSchema.errors ?? []).map((e) => `${keyPath(e)} ${describe(e)}`))];
    throw new ConfigError(`invalid configuration for stage "${stage}":\n  - ${problems.join('\n  - ')}`, stage, problems);
  }
  const config = raw as unknown as Omit<StageConfig, 'stage'>;
  const problems = semanticProblems(config, stage);
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration for stage "${stage}":\n  - ${problems.join('\n  - ')}`, stage, problems);
  }
  return { stage, ...config };
}
