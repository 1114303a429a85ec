import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, type IConstruct } from 'constructs';
import { installedPowertoolsVersion, powertoolsLayerParameterName } from './powertools-release';

/**
 * Where the functions get Powertools for AWS Lambda (TypeScript) from:
 * - `layer` (default): the official Powertools layer, the exact version in package-lock.json, found through
 *   the public SSM parameter AWS publishes for each release
 *   (`/aws/service/powertools/typescript/generic/all/<version>`); bundles leave `@aws-lambda-powertools/*`
 *   out. About 80 KB less per bundle, and one copy shared by every function of the account.
 * - `bundled`: Powertools inside each bundle, for partitions or regions without the public layer.
 */
export type PowertoolsSource = 'layer' | 'bundled';

/** The least severe line Powertools Logger writes (`POWERTOOLS_LOG_LEVEL`). */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/**
 * The stack-wide Powertools setting: configured once by the stack, read by every NodeFunction.
 * A stack that never configures it gets the default (`layer`).
 */
export class Powertools extends Construct {
  private static readonly ID = 'Powertools';

  /** Sets the stack's source and log level; call before creating functions. */
  static configure(scope: IConstruct, source: PowertoolsSource, logLevel: LogLevel = 'INFO'): Powertools {
    const stack = Stack.of(scope);
    if (stack.node.tryFindChild(Powertools.ID)) throw new Error('Powertools is already configured for this stack');
    return new Powertools(stack, source, logLevel);
  }

  /** The stack's setting (created with the default on first use). */
  static of(scope: IConstruct): Powertools {
    const stack = Stack.of(scope);
    return (stack.node.tryFindChild(Powertools.ID) as Powertools | undefined) ?? new Powertools(stack, 'layer');
  }

  readonly version: string;
  private layerVersion?: lambda.ILayerVersion;

  private constructor(
    stack: Stack,
    readonly source: PowertoolsSource,
    /** Every function's `POWERTOOLS_LOG_LEVEL` (stage `logLevel`): what its logger writes, and CloudWatch Logs ingests. */
    readonly logLevel: LogLevel = 'INFO',
  ) {
    super(stack, Powertools.ID);
    this.version = installedPowertoolsVersion();
  }

  /** The layer every function gets, or none when Powertools is bundled. */
  get layer(): lambda.ILayerVersion | undefined {
    if (this.source !== 'layer') return undefined;
    this.layerVersion ??= lambda.LayerVersion.fromLayerVersionArn(
      this,
      'Layer',
      // Resolved by CloudFormation at deploy time (a template parameter), in the stack's own region.
      ssm.StringParameter.valueForStringParameter(this, powertoolsLayerParameterName(this.version)),
    );
    return this.layerVersion;
  }

  /** Module patterns esbuild leaves to the runtime (and the layer). */
  get externalModules(): string[] {
    return this.source === 'layer' ? ['@aws-lambda-powertools/*'] : [];
  }
}
