import { CloudFormationClient, CreateStackCommand, DescribeStackEventsCommand, DescribeStackResourcesCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DeployError, describeSdkError } from './deploy-error';

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

/**
 * CloudFormation CreateStack in the emulator, waited for: the stack id, its outputs as moto resolved them and
 * the physical id of every resource (DescribeStackResources). Fails with moto's reason.
 */
export async function createStack(
  cfn: CloudFormationClient,
  stackName: string,
  template: Record<string, unknown>,
): Promise<{ stackId: string; outputs: Record<string, string>; physicalIds: Map<string, string | undefined> }> {
  try {
    await cfn.send(new CreateStackCommand({ StackName: stackName, TemplateBody: JSON.stringify(template), Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] }));
  } catch (error) {
    throw new DeployError(`the emulator rejected stack ${stackName}: ${describeSdkError(error)}`, { cause: error });
  }
  const { stackId, outputs } = await waitForStack(cfn, stackName);
  const { StackResources } = await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  return { stackId, outputs, physicalIds: new Map((StackResources ?? []).map((r) => [r.LogicalResourceId!, r.PhysicalResourceId])) };
}

/** The value moto gave each resolution output, by reference key; a value moto could not produce is a clear error. */
export function resolvedReferences(outputKeyOf: ReadonlyMap<string, string>, outputs: Readonly<Record<string, string>>): Map<string, string> {
  const resolved = new Map<string, string>();
  for (const [key, outputKey] of outputKeyOf) {
    const value = outputs[outputKey];
    if (value === undefined || value.startsWith('<moto.')) {
      throw new DeployError(`the emulator could not resolve ${key} (got ${value ?? 'nothing'}); a moto gap the sandbox does not fill yet`);
    }
    resolved.set(key, value);
  }
  return resolved;
}
