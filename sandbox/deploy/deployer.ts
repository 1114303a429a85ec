import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { LambdaClient, PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import { SFNClient, UpdateStateMachineCommand } from '@aws-sdk/client-sfn';
import { POWERTOOLS_LAYER_PARAMETER } from '../../lib/core/powertools-release';
import { clientConfig, SANDBOX_ACCOUNT, SANDBOX_REGION } from '../aws';
import type { AssemblyStack, CfnResource, CfnTemplate, FileAsset } from './assembly';
import { collectReferences, replaceReferences, resolveIntrinsics, UnresolvableError, type IntrinsicContext, type Reference } from './intrinsics';
import { zipDirectory, zipEntries } from './zip';

/**
 * How the sandbox handles a template resource:
 * - `emulator`: created by CloudFormation in moto (and, for functions, state machines and API methods,
 *   also run by the local runtime from the same template);
 * - `runtime`: never sent to moto; the local runtime implements it from the template;
 * - `not-emulated`: moto cannot create it and it has no local behaviour (alarms, queue policies, ...).
 */
export type ResourceHandling = 'emulator' | 'runtime' | 'not-emulated';

/**
 * Resource types that must not reach the emulator even where it could create them, and why.
 * (A list of resource *types* the runtime implements, not of the stack's resources.)
 */
export const RUNTIME_ONLY_TYPES: Readonly<Record<string, string>> = {
  // moto would invoke the function itself, in Docker, the moment a message arrives on the queue.
  'AWS::Lambda::EventSourceMapping': 'SQS pollers of the local runtime',
};

/**
 * Resource types the local runtime implements from the template when the emulator cannot create them
 * (reported as run locally, not as missing).
 */
export const LOCALLY_IMPLEMENTED_TYPES: Readonly<Record<string, string>> = {
  'AWS::ApiGateway::Stage': 'stage path prefix, stage variables and method throttling of the local REST API server',
  'AWS::ApiGateway::RequestValidator': 'request parameter validation of the local REST API server',
  'AWS::ApiGateway::GatewayResponse': 'error responses of the local REST API server',
};

export interface DeployedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly handling: ResourceHandling;
  /** Physical id in the emulator (DescribeStackResources); a stand-in for resources the emulator lacks. */
  readonly physicalId?: string;
  /** The resource exactly as synthesized (unresolved). */
  readonly definition: CfnResource;
}

export interface DeployReport {
  /** Resources created in the emulator, counted by type. */
  readonly emulator: Readonly<Record<string, number>>;
  /** Resources the local runtime implements instead of the emulator, counted by type. */
  readonly runtime: Readonly<Record<string, number>>;
  /** Resources neither the emulator nor the runtime provides, counted by type. */
  readonly notEmulated: Readonly<Record<string, number>>;
  /** Resources skipped because their `Condition` is false. */
  readonly conditionFalse: readonly string[];
}

/** A stack deployed into the emulator, with what the runtime needs to run the rest of the template. */
export interface DeployedStack {
  readonly stackName: string;
  readonly stackId: string;
  readonly assembly: AssemblyStack;
  readonly template: CfnTemplate;
  readonly resources: ReadonlyMap<string, DeployedResource>;
  /** The template's own outputs, resolved. */
  readonly outputs: Readonly<Record<string, string>>;
  readonly report: DeployReport;
  /** Resolves intrinsic functions against the deployment (Refs and GetAtts answered by the emulator). */
  resolve(value: unknown): unknown;
  /** Resolved `Properties` of a resource. */
  properties(logicalId: string): Record<string, unknown>;
  /** Resources of one type that exist in this deployment (condition true). */
  ofType(type: string): DeployedResource[];
  /** Resolved ASL definition of each state machine, by logical id (DefinitionSubstitutions applied). */
  readonly stateMachineDefinitions: ReadonlyMap<string, string>;
}

export interface DeployOptions {
  /** Endpoint of the running emulator. */
  readonly endpoint: string;
  /** Resource types moto's CloudFormation can create (from the emulator). */
  readonly emulatorTypes: ReadonlySet<string>;
  readonly log?: (line: string) => void;
}

/** Raised when the emulator rejects the stack; the message carries moto's reason. */
export class DeployError extends Error {
  override readonly name = 'DeployError';
}

const BOOTSTRAP_VERSION = '30';

function countBy(items: Iterable<DeployedResource>, handling: ResourceHandling): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) if (item.handling === handling) counts[item.type] = (counts[item.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

function substitutePlaceholders(text: string): string {
  return text.replaceAll('${AWS::AccountId}', SANDBOX_ACCOUNT).replaceAll('${AWS::Region}', SANDBOX_REGION).replaceAll('${AWS::Partition}', 'aws');
}

/**
 * An Authorization header moto accepts: moto routes a request by the service in the credential scope and
 * treats unsigned S3 requests as anonymous (no access to private objects), but it does not verify
 * signatures. Used for the few calls the project has no SDK client for (S3, SSM).
 */
function motoAuthorization(service: string): string {
  return `AWS4-HMAC-SHA256 Credential=sandbox/20260101/${SANDBOX_REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}

/** Path-style S3 request against moto. */
export async function motoS3(endpoint: string, method: 'GET' | 'PUT', key: string, body?: Uint8Array): Promise<Response> {
  return fetch(`${endpoint}/${key}`, {
    method,
    headers: { authorization: motoAuthorization('s3'), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    body,
  });
}

/** Calls a JSON-protocol AWS API on moto without an SDK client. */
async function motoJson(endpoint: string, service: string, target: string, body: unknown): Promise<unknown> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, authorization: motoAuthorization(service) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new DeployError(`${target} failed: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
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
  try {
    const { Parameter } = (await motoJson(endpoint, 'ssm', 'AmazonSSM.GetParameter', { Name: name })) as { Parameter?: { Value?: string } };
    return Parameter?.Value;
  } catch (error) {
    if (error instanceof DeployError && error.message.includes('ParameterNotFound')) return undefined;
    throw error;
  }
}

/**
 * The public Powertools layer of one release, as the sandbox provides it: a layer version in the emulator
 * (so that functions referring to it can be created) and an SSM parameter holding its ARN. The layer holds
 * only a manifest: the local runtime resolves `@aws-lambda-powertools/*` from the project's node_modules,
 * the same release (lib/core/powertools-release.ts reads the installed version when synthesizing).
 *
 * moto reserves names under `/aws/` (as AWS does), so the parameter is stored as `/sandbox/aws/...`, and
 * the template given to the emulator reads it from there (see deployStack).
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
  await motoJson(endpoint, 'ssm', 'AmazonSSM.PutParameter', { Name: storedAs, Value: LayerVersionArn, Type: 'String', Overwrite: true });
  return { arn: LayerVersionArn, storedAs };
}

/**
 * `cdk bootstrap`, as far as the sandbox needs it (the assets bucket(s) and the bootstrap version
 * parameter), and the public parameters AWS provides (the Powertools layer). Returns the value of each
 * SSM-typed template parameter, by parameter name.
 */
async function bootstrap(endpoint: string, stack: AssemblyStack): Promise<{ values: Record<string, string>; storedAs: Record<string, string> }> {
  const buckets = new Set(stack.assets.map((asset) => substitutePlaceholders(asset.bucketName)));
  await Promise.all(
    [...buckets].map(async (bucket) => {
      const response = await motoS3(endpoint, 'PUT', bucket);
      await response.text();
      if (!response.ok && response.status !== 409) throw new DeployError(`creating bucket ${bucket} failed: HTTP ${response.status}`);
    }),
  );
  if (stack.bootstrapVersionParameter) {
    await motoJson(endpoint, 'ssm', 'AmazonSSM.PutParameter', {
      Name: stack.bootstrapVersionParameter,
      Value: BOOTSTRAP_VERSION,
      Type: 'String',
      Overwrite: true,
    });
  }
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

/** What cdk-assets does for file assets: zip directories, upload to the bootstrap bucket. */
async function publishAssets(endpoint: string, assets: readonly FileAsset[]): Promise<void> {
  await Promise.all(
    assets.map(async (asset) => {
      const isDir = statSync(asset.sourcePath).isDirectory();
      const body = asset.packaging === 'zip' || isDir ? zipDirectory(asset.sourcePath) : readFileSync(asset.sourcePath);
      const response = await motoS3(endpoint, 'PUT', `${substitutePlaceholders(asset.bucketName)}/${asset.objectKey}`, new Uint8Array(body));
      await response.text();
      if (!response.ok) throw new DeployError(`publishing asset ${asset.id} failed: HTTP ${response.status}`);
    }),
  );
}

function referenceKey(reference: Reference): string {
  return reference.attribute === undefined ? reference.logicalId : `${reference.logicalId}.${reference.attribute}`;
}

function serviceOf(type: string): string {
  return (type.split('::')[1] ?? 'unknown').toLowerCase();
}

/**
 * Stand-in value for a reference to a resource the emulator does not hold: the stage name for an API
 * Gateway stage (the local HTTP server uses it), otherwise a deterministic name or ARN.
 */
function standIn(stackName: string, resource: CfnResource, reference: Reference): string {
  const props = resource.Properties ?? {};
  if (reference.attribute === undefined) {
    if (resource.Type === 'AWS::ApiGateway::Stage' && typeof props.StageName === 'string') return props.StageName;
    return `${stackName}-${reference.logicalId}`;
  }
  if (reference.attribute === 'Arn') return `arn:aws:${serviceOf(resource.Type)}:${SANDBOX_REGION}:${SANDBOX_ACCOUNT}:${stackName}-${reference.logicalId}`;
  return `${stackName}-${reference.logicalId}-${reference.attribute}`;
}

async function waitForStack(cfn: CloudFormationClient, stackName: string): Promise<{ stackId: string; outputs: Record<string, string> }> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks?.[0];
    const status = stack?.StackStatus ?? 'UNKNOWN';
    if (status === 'CREATE_COMPLETE') {
      return {
        stackId: stack!.StackId!,
        outputs: Object.fromEntries((stack!.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue ?? ''])),
      };
    }
    if (!status.endsWith('IN_PROGRESS')) {
      const events = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName })).catch(() => undefined);
      const reasons = (events?.StackEvents ?? []).filter((e) => e.ResourceStatusReason).map((e) => `${e.LogicalResourceId}: ${e.ResourceStatusReason}`);
      throw new DeployError(`stack ${stackName} ended in ${status}: ${stack?.StackStatusReason ?? ''}\n  ${reasons.join('\n  ')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new DeployError(`stack ${stackName} did not finish creating`);
}

function resolveConditions(template: CfnTemplate, pseudo: Record<string, string>, parameters: Record<string, unknown>): (name: string) => boolean {
  const context: IntrinsicContext = {
    pseudo,
    conditions: template.Conditions,
    mappings: template.Mappings,
    ref: (id) => {
      if (Object.hasOwn(parameters, id)) return parameters[id];
      throw new UnresolvableError(`conditions may only reference parameters, not ${id}`);
    },
    getAtt: (id) => {
      throw new UnresolvableError(`conditions may not use Fn::GetAtt (${id})`);
    },
  };
  return (name) => Boolean(resolveIntrinsics({ Condition: name }, context));
}

/**
 * Deploys one synthesized stack into the emulator the way `cdk deploy` would — bootstrap resources,
 * asset publishing, CloudFormation CreateStack — after taking out what the emulator must not or cannot
 * create. Those resources are reported once by type and stay available to the local runtime from the
 * same template. Refs and GetAtts are resolved by moto itself: the sandbox adds one output per reference
 * to the template it sends, and reads them back.
 */
export async function deployStack(stack: AssemblyStack, options: DeployOptions): Promise<DeployedStack> {
  const log = options.log ?? (() => undefined);
  const { endpoint } = options;
  const template = stack.template;
  const stackName = stack.stackName;
  const cfn = new CloudFormationClient({ ...clientConfig(endpoint), maxAttempts: 1 });

  // SSM-typed parameters are checked now (a clear error before anything is created) and valued at bootstrap.
  const ssmParameters = ssmParameterDefaults(stack);
  const parameters: Record<string, unknown> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    if (!ssmParameters.has(name)) parameters[name] = parameter.Default;
  }
  const basePseudo = {
    'AWS::AccountId': SANDBOX_ACCOUNT,
    'AWS::Region': SANDBOX_REGION,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stackName,
    'AWS::NotificationARNs': '',
  };
  const conditionHolds = resolveConditions(template, { ...basePseudo, 'AWS::StackId': 'pending' }, parameters);

  // 1. Classify every resource.
  const handling = new Map<string, ResourceHandling>();
  const conditionFalse: string[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Condition && !conditionHolds(resource.Condition)) {
      conditionFalse.push(logicalId);
      continue;
    }
    if (Object.hasOwn(RUNTIME_ONLY_TYPES, resource.Type)) handling.set(logicalId, 'runtime');
    else if (options.emulatorTypes.has(resource.Type)) handling.set(logicalId, 'emulator');
    else if (Object.hasOwn(LOCALLY_IMPLEMENTED_TYPES, resource.Type)) handling.set(logicalId, 'runtime');
    else handling.set(logicalId, 'not-emulated');
  }
  const removed = new Set([...handling].filter(([, h]) => h !== 'emulator').map(([id]) => id));

  // 2. The template for the emulator: without the removed resources, references to them replaced by
  //    stand-ins, plus one output per reference to an emulator resource (moto resolves them for us).
  const replacement = (reference: Reference) => standIn(stackName, template.Resources[reference.logicalId]!, reference);
  const emulatorResources: Record<string, CfnResource> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (handling.get(logicalId) !== 'emulator') continue;
    const copy = replaceReferences(resource, removed, replacement) as Record<string, unknown>;
    if (copy.DependsOn !== undefined) {
      const dependsOn = ([] as string[]).concat(copy.DependsOn as string | string[]).filter((d) => handling.get(d) === 'emulator');
      if (dependsOn.length > 0) copy.DependsOn = dependsOn;
      else delete copy.DependsOn;
    }
    emulatorResources[logicalId] = copy as unknown as CfnResource;
  }
  const wanted = new Map<string, Reference>();
  for (const reference of collectReferences([template.Resources, template.Outputs ?? {}])) {
    if (handling.get(reference.logicalId) === 'emulator') wanted.set(referenceKey(reference), reference);
  }
  const resolutionOutputs: Record<string, { Value: unknown; Description: string }> = {};
  const outputKeyOf = new Map<string, string>();
  let index = 0;
  for (const [key, reference] of wanted) {
    const outputKey = `SandboxRef${String(index++).padStart(4, '0')}`;
    outputKeyOf.set(key, outputKey);
    resolutionOutputs[outputKey] = {
      Value: reference.attribute === undefined ? { Ref: reference.logicalId } : { 'Fn::GetAtt': [reference.logicalId, reference.attribute] },
      Description: `sandbox: resolves ${key}`,
    };
  }
  const emulatorTemplate: Record<string, unknown> = {
    ...template,
    Resources: emulatorResources,
    Outputs: { ...(replaceReferences(template.Outputs ?? {}, removed, replacement) as object), ...resolutionOutputs },
  };
  if (template.Conditions) emulatorTemplate.Conditions = replaceReferences(template.Conditions, removed, replacement);

  // 3. Bootstrap, publish assets, create the stack.
  const { values: ssmValues, storedAs } = await bootstrap(endpoint, stack);
  Object.assign(parameters, ssmValues);
  // moto resolves an SSM-typed parameter's Default even when the stack overrides it (and fails on a name it
  // reserves, like /aws/service/...): the emulator's template names the parameter where the sandbox stored it.
  if (Object.keys(storedAs).length > 0) {
    const declared = template.Parameters ?? {};
    emulatorTemplate.Parameters = Object.fromEntries(
      Object.entries(declared).map(([id, parameter]) => [id, Object.hasOwn(storedAs, id) ? { ...parameter, Default: storedAs[id] } : parameter]),
    );
  }
  // Kept next to the synthesized template: what the emulator was actually given (for debugging).
  writeFileSync(path.join(stack.assemblyDir, `${stackName}.emulator.template.json`), JSON.stringify(emulatorTemplate, null, 1));
  await publishAssets(endpoint, stack.assets);
  try {
    await cfn.send(new CreateStackCommand({ StackName: stackName, TemplateBody: JSON.stringify(emulatorTemplate), Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] }));
  } catch (error) {
    throw new DeployError(`the emulator rejected stack ${stackName}: ${describeSdkError(error)}`, { cause: error });
  }
  const { stackId, outputs: rawOutputs } = await waitForStack(cfn, stackName);
  const { StackResources } = await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  const physicalIds = new Map((StackResources ?? []).map((r) => [r.LogicalResourceId!, r.PhysicalResourceId]));

  const resolved = new Map<string, string>();
  for (const [key, outputKey] of outputKeyOf) {
    const value = rawOutputs[outputKey];
    if (value === undefined || value.startsWith('<moto.')) {
      throw new DeployError(`the emulator could not resolve ${key} (got ${value ?? 'nothing'}); a moto gap the sandbox does not fill yet`);
    }
    resolved.set(key, value);
  }

  const pseudo = { ...basePseudo, 'AWS::StackId': stackId };
  const context: IntrinsicContext = {
    pseudo,
    conditions: template.Conditions,
    mappings: template.Mappings,
    ref(logicalId) {
      if (Object.hasOwn(parameters, logicalId)) return parameters[logicalId];
      return lookup({ logicalId });
    },
    getAtt: (logicalId, attribute) => lookup({ logicalId, attribute }),
  };
  function lookup(reference: Reference): string {
    const resource = template.Resources[reference.logicalId];
    if (!resource) throw new UnresolvableError(`${referenceKey(reference)}: no such resource or parameter`);
    const h = handling.get(reference.logicalId);
    if (h === undefined) throw new UnresolvableError(`${referenceKey(reference)}: the resource's condition is false`);
    if (h !== 'emulator') return standIn(stackName, resource, reference);
    const value = resolved.get(referenceKey(reference));
    if (value === undefined) throw new UnresolvableError(`${referenceKey(reference)} is not referenced in the template, so the emulator was not asked for it`);
    return value;
  }
  const resolve = (value: unknown) => resolveIntrinsics(value, context);

  const resources = new Map<string, DeployedResource>();
  for (const [logicalId, h] of handling) {
    const definition = template.Resources[logicalId]!;
    const physicalId = h === 'emulator' ? physicalIds.get(logicalId) : standIn(stackName, definition, { logicalId });
    resources.set(logicalId, { logicalId, type: definition.Type, handling: h, physicalId, definition });
  }

  const outputs: Record<string, string> = {};
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition && !conditionHolds(output.Condition)) continue;
    outputs[key] = String(resolve(output.Value));
  }

  // 4. State machines: moto keeps only DefinitionString and ignores substitutions; the sandbox resolves the
  //    definition (inline, object or S3 asset) with its substitutions and stores it in moto as well.
  const stateMachineDefinitions = new Map<string, string>();
  const sfn = new SFNClient({ ...clientConfig(endpoint), maxAttempts: 1 });
  for (const resource of resources.values()) {
    if (resource.type !== 'AWS::StepFunctions::StateMachine') continue;
    const definition = await stateMachineDefinition(endpoint, resolve(resource.definition.Properties ?? {}) as Record<string, unknown>);
    stateMachineDefinitions.set(resource.logicalId, definition);
    if (resource.handling === 'emulator' && resource.physicalId) {
      await sfn.send(new UpdateStateMachineCommand({ stateMachineArn: resource.physicalId, definition }));
    }
  }

  const report: DeployReport = {
    emulator: countBy(resources.values(), 'emulator'),
    runtime: countBy(resources.values(), 'runtime'),
    notEmulated: countBy(resources.values(), 'not-emulated'),
    conditionFalse,
  };
  log(`stack ${stackName}: ${Object.values(report.emulator).reduce((a, b) => a + b, 0)} resources created in the emulator`);

  return {
    stackName,
    stackId,
    assembly: stack,
    template,
    resources,
    outputs,
    report,
    resolve,
    properties: (logicalId) => resolve(template.Resources[logicalId]?.Properties ?? {}) as Record<string, unknown>,
    ofType: (type) => [...resources.values()].filter((r) => r.type === type),
    stateMachineDefinitions,
  };
}

/** SDK errors on moto's non-AWS error pages hide the body; dig it out so the reason reaches the user. */
function describeSdkError(error: unknown): string {
  const e = error as { message?: string; $response?: { body?: unknown }; $responseBodyText?: string };
  const body = e.$responseBodyText ?? (typeof e.$response?.body === 'string' ? e.$response.body : undefined);
  const reason = body?.match(/<Message>([\s\S]*?)<\/Message>/)?.[1] ?? body?.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 500);
  return reason ? `${reason}` : (e.message ?? String(error));
}

async function stateMachineDefinition(endpoint: string, props: Record<string, unknown>): Promise<string> {
  let definition: string;
  if (typeof props.DefinitionString === 'string') {
    definition = props.DefinitionString;
  } else if (props.Definition !== undefined) {
    definition = JSON.stringify(props.Definition);
  } else if (props.DefinitionS3Location) {
    const location = props.DefinitionS3Location as { Bucket: string; Key: string };
    // Read back what was published, as CloudFormation reads it from S3.
    const response = await motoS3(endpoint, 'GET', `${location.Bucket}/${location.Key}`);
    if (!response.ok) throw new DeployError(`state machine definition s3://${location.Bucket}/${location.Key} not found in the emulator`);
    definition = await response.text();
  } else {
    throw new DeployError('state machine without DefinitionString, Definition or DefinitionS3Location');
  }
  for (const [key, value] of Object.entries((props.DefinitionSubstitutions ?? {}) as Record<string, unknown>)) {
    definition = definition.replaceAll(`\${${key}}`, String(value));
  }
  return definition;
}
