import { ENV_DEFAULTS } from './env-defaults';
import type { EnvName, NumericEnvName } from './environment';
import type { SystemName } from './systems';

/**
 * The contract between the constructs that create the functions (lib/) and the handlers (lambdas/): where each
 * handler's code is, and the environment variables it reads with their defaults. Constructs set variables by
 * these names and fall back to these defaults; handlers read them by these names with the same defaults, so
 * neither side writes a name or a default of its own. Pure data (no CDK, no AWS SDK).
 */

/** The handler files esbuild bundles, relative to the project root. */
export const FUNCTION_ENTRIES = {
  inbound: (system: SystemName) => `lambdas/${system}/inbound/handler.ts`,
  outbound: (system: SystemName) => `lambdas/${system}/outbound/handler.ts`,
  indexer: 'lambdas/indexer/handler.ts',
  trace: 'lambdas/trace/handler.ts',
  sapReadBack: 'lambdas/erp/read-back/handler.ts',
  bcReadBack: 'lambdas/erp/business-central/read-back-lambda.ts',
  bcSubscriptions: 'lambdas/erp/business-central/subscriptions-lambda.ts',
  fleetAlertRecheck: 'lambdas/fleet/alert-recheck/handler.ts',
  workflowRules: 'lambdas/workflows/rules-task.ts',
  workflowStarter: 'lambdas/workflows/starter.ts',
  workflowResolution: 'lambdas/workflows/resolution.ts',
  workflowErpTask: 'lambdas/workflows/erp-task.ts',
  workflowCsTask: 'lambdas/workflows/cs-task.ts',
  visibility: 'lambdas/visibility/handler.ts',
  /** A file intake's handler (registry/file-intakes.ts). */
  fileIntake: (system: SystemName, name: string) => `lambdas/${system}/files/${name}/handler.ts`,
  /** A file intake's sender of acknowledgements to AS2 partners (lib/adapters/as2-server.ts). */
  fileIntakeAs2Send: (system: SystemName, name: string) => `lambdas/${system}/files/${name}/as2-send-handler.ts`,
  reconciliation: (system: SystemName) => `lambdas/${system}/reconciliation/handler.ts`,
} as const;


export type { EnvName, NumericEnvName };

/** The default of a numeric variable. */
export function envDefault(name: NumericEnvName): number {
  return ENV_DEFAULTS[name];
}

/** A function's environment, with names checked against the contract (values as CloudFormation wants them). */
export function functionEnvironment(variables: Partial<Record<EnvName, string | number | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).filter((entry): entry is [string, string | number] => entry[1] !== undefined).map(([k, v]) => [k, String(v)]));
}
