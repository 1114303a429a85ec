import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { parseStageConfig, type StageConfig } from './config/stage-config';
import { LogisticsSyncStack } from './logistics-sync-stack';

export interface BuildAppOptions {
  /** Context to seed the app with (tests); bin/app.ts leaves it to cdk.json and `--context`. */
  readonly context?: Record<string, unknown>;
  /** Output directory for synthesis. @default - the CDK default */
  readonly outdir?: string;
}

export interface BuiltApp {
  readonly app: App;
  readonly config: StageConfig;
  readonly stack: LogisticsSyncStack;
}

/** Stack name for a stage; tooling (lsync, the sandbox) finds the stack by it. */
export function stackName(stage: string): string {
  return `LogisticsSync-${stage}`;
}

function contextJson(app: App, key: string): unknown {
  const value: unknown = app.node.tryGetContext(key);
  // `--context key=value` on the command line always arrives as a string.
  if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch (error) {
      throw new Error(`context "${key}" is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  return value;
}

/**
 * Builds the CDK app for the stage named by the `stage` context key: reads and validates the stage
 * configuration once, creates the stack and applies cdk-nag's AwsSolutions and Serverless checks.
 * Optional context `configOverrides` (JSON) is deep-merged into the stage block before validation; the
 * sandbox uses it to point the systems at its simulators.
 */
export function buildApp(options: BuildAppOptions = {}): BuiltApp {
  const app = new App({ context: options.context, outdir: options.outdir });
  const stage = String(app.node.tryGetContext('stage') ?? 'dev');
  const config = parseStageConfig(contextJson(app, 'stages'), stage, contextJson(app, 'configOverrides'));
  const stack = new LogisticsSyncStack(app, stackName(stage), {
    config,
    description: `logistics-sync integration stack (${stage})`,
  });
  Tags.of(app).add('application', 'logistics-sync');
  Tags.of(app).add('stage', stage);
  // cdk-nag runs as CDK policy-validation plugins: any unacknowledged finding of either pack fails synthesis.
  // AwsSolutions: security and well-architected defaults; Serverless: DLQs, redrive policies and failure destinations
  // on every hop (acknowledgements where a rule does not apply: lib/core/serverless-checks.ts).
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }), new ServerlessChecks(app, { verbose: true }));
  return { app, config, stack };
}
