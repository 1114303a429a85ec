import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { clientConfig } from '../aws';
import type { AssemblyStack, CfnResource, CfnTemplate } from './assembly';
import { publishAssets } from './assets';
import { bootstrap, sandboxParameterDefaults, ssmParameterDefaults } from './bootstrap';
import { classifyResources, conditionEvaluator, deploymentResolver, emulatorTemplate, pseudoParameters, standIn, type ResourceHandling } from './emulator-template';
import { createStack, resolvedReferences } from './stack';
import { resolveStateMachineDefinitions } from './state-machines';

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

function countBy(items: Iterable<DeployedResource>, handling: ResourceHandling): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) if (item.handling === handling) counts[item.type] = (counts[item.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** The template's parameters by their defaults, except SSM-typed ones (checked now, valued at bootstrap). */
function defaultParameters(stack: AssemblyStack): Record<string, unknown> {
  const ssmParameters = ssmParameterDefaults(stack);
  const parameters: Record<string, unknown> = {};
  for (const [name, parameter] of Object.entries(stack.template.Parameters ?? {})) {
    if (!ssmParameters.has(name)) parameters[name] = parameter.Default;
  }
  return parameters;
}

/** Every resource whose condition holds, with its handling and physical id (moto's, or a stand-in). */
function deployedResources(stackName: string, template: CfnTemplate, handling: ReadonlyMap<string, ResourceHandling>, physicalIds: ReadonlyMap<string, string | undefined>): Map<string, DeployedResource> {
  const resources = new Map<string, DeployedResource>();
  for (const [logicalId, h] of handling) {
    const definition = template.Resources[logicalId]!;
    const physicalId = h === 'emulator' ? physicalIds.get(logicalId) : standIn(stackName, definition, { logicalId });
    resources.set(logicalId, { logicalId, type: definition.Type, handling: h, physicalId, definition });
  }
  return resources;
}

/**
 * Deploys one synthesized stack into the emulator the way `cdk deploy` would — bootstrap resources,
 * asset publishing, CloudFormation CreateStack — after taking out what the emulator must not or cannot
 * create. Those resources are reported once by type and stay available to the local runtime from the
 * same template. Refs and GetAtts are resolved by moto itself: the sandbox adds one output per reference
 * to the template it sends, and reads them back (emulator-template.ts).
 */
export async function deployStack(stack: AssemblyStack, options: DeployOptions): Promise<DeployedStack> {
  const log = options.log ?? (() => undefined);
  const { endpoint } = options;
  const { template, stackName } = stack;

  // 1. What moto creates, what the runtime implements, what nobody provides; the template moto is given.
  const parameters = defaultParameters(stack);
  const conditionHolds = conditionEvaluator(template, { ...pseudoParameters(stackName), 'AWS::StackId': 'pending' }, parameters);
  const { handling, conditionFalse } = classifyResources(template, options.emulatorTypes, conditionHolds);
  const forEmulator = emulatorTemplate(stackName, template, handling);

  // 2. Bootstrap (buckets, SSM parameters), then the emulator's template names the SSM parameters where they are.
  const { values: ssmValues, storedAs } = await bootstrap(endpoint, stack);
  Object.assign(parameters, ssmValues);
  const sandboxParameters = sandboxParameterDefaults(template, storedAs);
  if (sandboxParameters) forEmulator.template.Parameters = sandboxParameters;
  // Kept next to the synthesized template: what the emulator was actually given (for debugging).
  writeFileSync(path.join(stack.assemblyDir, `${stackName}.emulator.template.json`), JSON.stringify(forEmulator.template, null, 1));

  // 3. Assets, CreateStack, and the references moto resolved.
  await publishAssets(endpoint, stack.assets);
  const cfn = new CloudFormationClient({ ...clientConfig(endpoint), maxAttempts: 1 });
  let created: Awaited<ReturnType<typeof createStack>>;
  try {
    created = await createStack(cfn, stackName, forEmulator.template);
  } finally {
    cfn.destroy();
  }
  const resolve = deploymentResolver(stackName, template, {
    pseudo: { ...pseudoParameters(stackName), 'AWS::StackId': created.stackId },
    parameters,
    handling,
    resolved: resolvedReferences(forEmulator.outputKeyOf, created.outputs),
  });
  const resources = deployedResources(stackName, template, handling, created.physicalIds);
  const outputs: Record<string, string> = {};
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition && !conditionHolds(output.Condition)) continue;
    outputs[key] = String(resolve(output.Value));
  }

  // 4. State machine definitions, resolved (moto keeps only DefinitionString and ignores substitutions).
  const stateMachineDefinitions = await resolveStateMachineDefinitions(
    endpoint,
    [...resources.values()]
      .filter((r) => r.type === 'AWS::StepFunctions::StateMachine')
      .map((r) => ({ logicalId: r.logicalId, physicalId: r.physicalId, inEmulator: r.handling === 'emulator', properties: resolve(r.definition.Properties ?? {}) as Record<string, unknown> })),
  );

  const report: DeployReport = {
    emulator: countBy(resources.values(), 'emulator'),
    runtime: countBy(resources.values(), 'runtime'),
    notEmulated: countBy(resources.values(), 'not-emulated'),
    conditionFalse,
  };
  log(`stack ${stackName}: ${Object.values(report.emulator).reduce((a, b) => a + b, 0)} resources created in the emulator`);

  return {
    stackName,
    stackId: created.stackId,
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
