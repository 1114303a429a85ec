import { BucketAlreadyExists, BucketAlreadyOwnedByYou, CreateBucketCommand } from '@aws-sdk/client-s3';
import { LambdaClient, PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { POWERTOOLS_LAYER_PARAMETER } from '../../lib/core/powertools-release';
import { clientConfig } from '../aws';
import type { AssemblyStack, CfnTemplate } from './assembly';
import { assetBucketName, s3Client } from './assets';
import { DeployError } from './deploy-error';
import { zipEntries } from './zip';

/**
 * What an account has before `cdk deploy`, as far as the sandbox needs it: what `cdk bootstrap` creates (the
 * assets bucket(s), the bootstrap version parameter) and the public SSM parameters AWS provides (the Powertools
 * layer), each SSM-typed template parameter valued from them.
 */

const BOOTSTRAP_VERSION = '30';

function ssmClient(endpoint: string): SSMClient {
  return new SSMClient({ ...clientConfig(endpoint), maxAttempts: 1 });
}

/** Layer name of the official Powertools layer (AWS account 094274105915 publishes it in every region). */
const POWERTOOLS_LAYER_NAME = 'AWSLambdaPowertoolsTypeScriptV2';

/**
 * The value of each `AWS::SSM::Parameter::Value<…>` template parameter, by parameter name, as the sandbox
 * provides them: the bootstrap version (what `cdk bootstrap` stores) and the public Powertools layer ARN
 * (what AWS publishes). Anything else is a parameter the sandbox cannot know: a clear error, not a guess.
 */
export function ssmParameterDefaults(stack: AssemblyStack): Map<string, { name: string; kind: 'bootstrap' | 'powertools' }> {
  const out = new Map<string, { name: string; kind: 'bootstrap' | 'powertools' }>();
  for (const [logicalId, parameter] of Object.entries(stack.template.Parameters ?? {})) {
    if (!parameter.Type.startsWith('AWS::SSM::Parameter::Value')) continue;
    const name = String(parameter.Default ?? '');
    if (name === stack.bootstrapVersionParameter) out.set(logicalId, { name, kind: 'bootstrap' });
    else if (POWERTOOLS_LAYER_PARAMETER.test(name)) out.set(logicalId, { name, kind: 'powertools' });
    else throw new DeployError(`template parameter ${logicalId} reads SSM parameter "${name}", which the sandbox does not provide (docs/sandbox.md)`);
  }
  return out;
}

/** Reads an SSM parameter from moto; undefined when it does not exist. */
async function motoSsmValue(endpoint: string, name: string): Promise<string | undefined> {
  const ssm = ssmClient(endpoint);
  try {
    return (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (error) {
    if (error instanceof ParameterNotFound) return undefined;
    throw error;
  } finally {
    ssm.destroy();
  }
}

/** Stores a String parameter in moto (overwriting it). */
async function putMotoSsmValue(endpoint: string, name: string, value: string): Promise<void> {
  const ssm = ssmClient(endpoint);
  try {
    await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
  } catch (error) {
    throw new DeployError(`storing SSM parameter ${name} in the emulator failed: ${(error as Error).message}`, { cause: error });
  } finally {
    ssm.destroy();
  }
}

/**
 * The public Powertools layer of one release, as the sandbox provides it: a layer version in the emulator
 * (so that functions referring to it can be created) and an SSM parameter holding its ARN. The layer holds
 * only a manifest: the local runtime resolves `@aws-lambda-powertools/*` from the project's node_modules,
 * the same release (lib/core/powertools-release.ts reads the installed version when synthesizing).
 *
 * moto reserves names under `/aws/` (as AWS does), so the parameter is stored as `/sandbox/aws/...`, and
 * the template given to the emulator reads it from there (see
 * {@link sandboxParameterDefaults}).
 */
async function providePowertoolsLayer(endpoint: string, publicName: string): Promise<{ arn: string; storedAs: string }> {
  const storedAs = `/sandbox${publicName}`;
  const existing = await motoSsmValue(endpoint, storedAs);
  if (existing) return { arn: existing, storedAs };
  const version = POWERTOOLS_LAYER_PARAMETER.exec(publicName)![1];
  const manifest = { name: 'powertools-layer (sandbox)', version, note: 'The sandbox runtime loads @aws-lambda-powertools/* from the project node_modules.' };
  const lambdaClient = new LambdaClient({ ...clientConfig(endpoint), maxAttempts: 1 });
  const { LayerVersionArn } = await lambdaClient.send(
    new PublishLayerVersionCommand({
      LayerName: POWERTOOLS_LAYER_NAME,
      Description: `Powertools for AWS Lambda (TypeScript) ${version}`,
      Content: { ZipFile: zipEntries([{ name: 'nodejs/package.json', data: Buffer.from(JSON.stringify(manifest, null, 2)) }]) },
      CompatibleRuntimes: ['nodejs24.x'],
    }),
  );
  if (!LayerVersionArn) throw new DeployError(`publishing the Powertools ${version} layer in the emulator returned no ARN`);
  await putMotoSsmValue(endpoint, storedAs, LayerVersionArn);
  return { arn: LayerVersionArn, storedAs };
}

/**
 * `cdk bootstrap`, as far as the sandbox needs it (the assets bucket(s) and the bootstrap version
 * parameter), and the public parameters AWS provides (the Powertools layer). Returns the value of each
 * SSM-typed template parameter, by parameter name.
 */
export async function bootstrap(endpoint: string, stack: AssemblyStack): Promise<{ values: Record<string, string>; storedAs: Record<string, string> }> {
  const buckets = new Set(stack.assets.map((asset) => assetBucketName(asset.bucketName)));
  const s3 = s3Client(endpoint);
  try {
    await Promise.all(
      [...buckets].map(async (bucket) => {
        try {
          await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        } catch (error) {
          // Another stack of the same assembly (or an earlier deployment) created it: as `cdk bootstrap` finds it.
          if (error instanceof BucketAlreadyOwnedByYou || error instanceof BucketAlreadyExists) return;
          throw new DeployError(`creating bucket ${bucket} failed: ${(error as Error).message}`, { cause: error });
        }
      }),
    );
  } finally {
    s3.destroy();
  }
  if (stack.bootstrapVersionParameter) await putMotoSsmValue(endpoint, stack.bootstrapVersionParameter, BOOTSTRAP_VERSION);
  const values: Record<string, string> = {};
  const storedAs: Record<string, string> = {};
  for (const [logicalId, { name, kind }] of ssmParameterDefaults(stack)) {
    if (kind === 'bootstrap') values[logicalId] = BOOTSTRAP_VERSION;
    else {
      const layer = await providePowertoolsLayer(endpoint, name);
      values[logicalId] = layer.arn;
      storedAs[logicalId] = layer.storedAs;
    }
  }
  return { values, storedAs };
}

/**
 * moto resolves an SSM-typed parameter's Default even when the stack overrides it (and fails on a name it
 * reserves, like /aws/service/...): the template given to the emulator names each parameter where the sandbox
 * stored it. Returns the template's parameters with those defaults, or undefined when nothing is stored elsewhere.
 */
export function sandboxParameterDefaults(template: CfnTemplate, storedAs: Readonly<Record<string, string>>): CfnTemplate['Parameters'] | undefined {
  if (Object.keys(storedAs).length === 0) return undefined;
  return Object.fromEntries(Object.entries(template.Parameters ?? {}).map(([id, parameter]) => [id, Object.hasOwn(storedAs, id) ? { ...parameter, Default: storedAs[id] } : parameter]));
}
