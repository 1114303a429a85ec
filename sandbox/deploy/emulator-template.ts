import { createHash } from 'node:crypto';
import { SANDBOX_ACCOUNT, SANDBOX_REGION } from '../aws';
import type { CfnResource, CfnTemplate } from './assembly';
import { collectReferences, replaceReferences, resolveIntrinsics, UnresolvableError, type IntrinsicContext, type Reference } from './intrinsics';

/**
 * Filling the emulator's gaps: which resources moto must not or cannot create, the template it is given
 * instead (those resources left out, references to them replaced by stand-ins, one extra output per
 * reference so that moto resolves Refs and GetAtts itself), and resolving the template's intrinsic
 * functions against what moto answered.
 */

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
  'AWS::ApiGatewayV2::Api': 'an HTTP API served by the local API server (moto has no CloudFormation support for API Gateway v2)',
  'AWS::ApiGatewayV2::Route': 'routes of the local HTTP API server',
  'AWS::ApiGatewayV2::Integration': 'Lambda proxy integrations (payload format 1.0) of the local HTTP API server',
  'AWS::ApiGatewayV2::Stage': 'stage path prefix and route throttling of the local HTTP API server',
  'AWS::Scheduler::Schedule': 'schedules of the local runtime (SQS targets): timers in npm start, fired on demand in tests',
};

/** The pseudo parameters of a stack in the sandbox's account and region (`AWS::StackId` is known once it exists). */
export function pseudoParameters(stackName: string): Record<string, string> {
  return {
    'AWS::AccountId': SANDBOX_ACCOUNT,
    'AWS::Region': SANDBOX_REGION,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stackName,
    'AWS::NotificationARNs': '',
  };
}

/** Evaluates the template's conditions (they may reference parameters only). */
export function conditionEvaluator(template: CfnTemplate, pseudo: Record<string, string>, parameters: Record<string, unknown>): (name: string) => boolean {
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

/** How each resource whose condition holds is handled (see {@link ResourceHandling}); `conditionFalse` lists the others. */
export function classifyResources(
  template: CfnTemplate,
  emulatorTypes: ReadonlySet<string>,
  conditionHolds: (name: string) => boolean,
): { handling: Map<string, ResourceHandling>; conditionFalse: string[] } {
  const handling = new Map<string, ResourceHandling>();
  const conditionFalse: string[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Condition && !conditionHolds(resource.Condition)) {
      conditionFalse.push(logicalId);
      continue;
    }
    if (Object.hasOwn(RUNTIME_ONLY_TYPES, resource.Type)) handling.set(logicalId, 'runtime');
    else if (emulatorTypes.has(resource.Type)) handling.set(logicalId, 'emulator');
    else if (Object.hasOwn(LOCALLY_IMPLEMENTED_TYPES, resource.Type)) handling.set(logicalId, 'runtime');
    else handling.set(logicalId, 'not-emulated');
  }
  return { handling, conditionFalse };
}

export function referenceKey(reference: Reference): string {
  return reference.attribute === undefined ? reference.logicalId : `${reference.logicalId}.${reference.attribute}`;
}

function serviceOf(type: string): string {
  return (type.split('::')[1] ?? 'unknown').toLowerCase();
}

/**
 * Stand-in value for a reference to a resource the emulator does not hold: the stage name for an API
 * Gateway stage (the local HTTP server uses it), otherwise a deterministic name or ARN.
 */
export function standIn(stackName: string, resource: CfnResource, reference: Reference): string {
  const props = resource.Properties ?? {};
  if (reference.attribute === undefined) {
    if ((resource.Type === 'AWS::ApiGateway::Stage' || resource.Type === 'AWS::ApiGatewayV2::Stage') && typeof props.StageName === 'string') return props.StageName;
    // An API id as API Gateway makes them (ten lower-case letters and digits), so the invoke URL built from it
    // (`https://<id>.execute-api.<region>.amazonaws.com/<stage>/`) is recognised and made local like a REST API's.
    if (resource.Type === 'AWS::ApiGatewayV2::Api') return createHash('sha256').update(`${stackName}/${reference.logicalId}`).digest('hex').slice(0, 10);
    return `${stackName}-${reference.logicalId}`;
  }
  if (reference.attribute === 'Arn') return `arn:aws:${serviceOf(resource.Type)}:${SANDBOX_REGION}:${SANDBOX_ACCOUNT}:${stackName}-${reference.logicalId}`;
  return `${stackName}-${reference.logicalId}-${reference.attribute}`;
}

/**
 * The template for the emulator: without the resources it must not or cannot create, references to them
 * replaced by stand-ins, plus one output per reference to an emulator resource (`SandboxRef0000`, ...: moto
 * resolves them for us). `outputKeyOf` maps each reference (see {@link referenceKey}) to its output.
 */
export function emulatorTemplate(stackName: string, template: CfnTemplate, handling: ReadonlyMap<string, ResourceHandling>): { template: Record<string, unknown>; outputKeyOf: Map<string, string> } {
  const removed = new Set([...handling].filter(([, h]) => h !== 'emulator').map(([id]) => id));
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
  const result: Record<string, unknown> = {
    ...template,
    Resources: emulatorResources,
    Outputs: { ...(replaceReferences(template.Outputs ?? {}, removed, replacement) as object), ...resolutionOutputs },
  };
  if (template.Conditions) result.Conditions = replaceReferences(template.Conditions, removed, replacement);
  return { template: result, outputKeyOf };
}

/**
 * Resolves intrinsic functions against the deployment: parameters by value, Refs and GetAtts of emulator
 * resources by what moto answered (`resolved`, by reference key), of the others by their stand-ins.
 */
export function deploymentResolver(
  stackName: string,
  template: CfnTemplate,
  options: { pseudo: Record<string, string>; parameters: Record<string, unknown>; handling: ReadonlyMap<string, ResourceHandling>; resolved: ReadonlyMap<string, string> },
): (value: unknown) => unknown {
  const { parameters, handling, resolved } = options;
  const lookup = (reference: Reference): string => {
    const resource = template.Resources[reference.logicalId];
    if (!resource) throw new UnresolvableError(`${referenceKey(reference)}: no such resource or parameter`);
    const h = handling.get(reference.logicalId);
    if (h === undefined) throw new UnresolvableError(`${referenceKey(reference)}: the resource's condition is false`);
    if (h !== 'emulator') return standIn(stackName, resource, reference);
    const value = resolved.get(referenceKey(reference));
    if (value === undefined) throw new UnresolvableError(`${referenceKey(reference)} is not referenced in the template, so the emulator was not asked for it`);
    return value;
  };
  const context: IntrinsicContext = {
    pseudo: options.pseudo,
    conditions: template.Conditions,
    mappings: template.Mappings,
    ref(logicalId) {
      if (Object.hasOwn(parameters, logicalId)) return parameters[logicalId];
      return lookup({ logicalId });
    },
    getAtt: (logicalId, attribute) => lookup({ logicalId, attribute }),
  };
  return (value) => resolveIntrinsics(value, context);
}
