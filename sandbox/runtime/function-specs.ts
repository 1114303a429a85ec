import { mkdirSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SANDBOX_ACCOUNT, SANDBOX_REGION } from '../aws';
import type { DeployedStack } from '../deploy/deployer';

/** Everything the sandbox needs to run one AWS::Lambda::Function from the template. */
export interface FunctionSpec {
  readonly stackName: string;
  readonly logicalId: string;
  readonly functionName: string;
  readonly functionArn: string;
  /** `index.handler` */
  readonly handler: string;
  /** Directory with the function's code: the asset bundle synth produced. */
  readonly codeDir: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** The template's `Architectures` (what Lambda bills by); the local worker runs on the host's. */
  readonly architecture: 'arm64' | 'x86_64';
  /** The template's Environment.Variables, resolved to the emulator's physical ids. */
  readonly environment: Readonly<Record<string, string>>;
  readonly reservedConcurrency?: number;
  readonly logGroupName: string;
  readonly logFormat?: string;
  readonly applicationLogLevel?: string;
}

/** Functions the sandbox cannot run (with the reason), reported once. */
export interface UnsupportedFunction {
  readonly logicalId: string;
  readonly reason: string;
}

/**
 * Reads every AWS::Lambda::Function of a deployed stack into a {@link FunctionSpec}: code from the
 * asset the template points at, environment variables resolved to the emulator's physical ids.
 */
export function functionSpecs(deployed: DeployedStack, inlineDir: string): { specs: FunctionSpec[]; unsupported: UnsupportedFunction[] } {
  const specs: FunctionSpec[] = [];
  const unsupported: UnsupportedFunction[] = [];
  for (const resource of deployed.ofType('AWS::Lambda::Function')) {
    const props = deployed.properties(resource.logicalId);
    const runtime = String(props.Runtime ?? '');
    const code = (props.Code ?? {}) as { S3Key?: string; ZipFile?: string; ImageUri?: string };
    if (props.PackageType === 'Image' || code.ImageUri) {
      unsupported.push({ logicalId: resource.logicalId, reason: 'container image functions are not supported' });
      continue;
    }
    if (!runtime.startsWith('nodejs')) {
      unsupported.push({ logicalId: resource.logicalId, reason: `runtime ${runtime || '(none)'} is not supported (Node.js only)` });
      continue;
    }
    let codeDir: string | undefined;
    if (code.S3Key) {
      codeDir = deployed.assembly.assets.find((asset) => asset.objectKey === code.S3Key)?.sourcePath;
    } else if (typeof code.ZipFile === 'string') {
      // Inline code is CommonJS in Lambda (index.js).
      codeDir = path.join(inlineDir, deployed.stackName, resource.logicalId);
      mkdirSync(codeDir, { recursive: true });
      writeFileSync(path.join(codeDir, 'index.js'), code.ZipFile);
      writeFileSync(path.join(codeDir, 'package.json'), '{"type":"commonjs"}');
    }
    if (!codeDir || !existsSync(codeDir)) {
      unsupported.push({ logicalId: resource.logicalId, reason: 'its code asset is not in the cloud assembly' });
      continue;
    }
    const functionName = String(resource.physicalId ?? props.FunctionName ?? `${deployed.stackName}-${resource.logicalId}`);
    const variables = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
    const logging = (props.LoggingConfig ?? {}) as { LogFormat?: string; LogGroup?: string; ApplicationLogLevel?: string };
    specs.push({
      stackName: deployed.stackName,
      logicalId: resource.logicalId,
      functionName,
      functionArn: `arn:aws:lambda:${SANDBOX_REGION}:${SANDBOX_ACCOUNT}:function:${functionName}`,
      handler: String(props.Handler ?? 'index.handler'),
      codeDir,
      runtime,
      timeoutSeconds: Number(props.Timeout ?? 3),
      memorySize: Number(props.MemorySize ?? 128),
      architecture: Array.isArray(props.Architectures) && props.Architectures[0] === 'arm64' ? 'arm64' : 'x86_64',
      environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
      reservedConcurrency: props.ReservedConcurrentExecutions === undefined ? undefined : Number(props.ReservedConcurrentExecutions),
      logGroupName: logging.LogGroup ?? `/aws/lambda/${functionName}`,
      logFormat: logging.LogFormat,
      applicationLogLevel: logging.ApplicationLogLevel,
    });
  }
  return { specs, unsupported };
}
