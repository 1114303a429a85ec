import type { DeployedStack } from '../../deploy/deployer';

/** A state machine of the template, with its definition resolved (substitutions applied). */
export interface StateMachineSpec {
  readonly stackName: string;
  readonly logicalId: string;
  readonly arn: string;
  readonly name: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly roleArn?: string;
  readonly definition: string;
}

/** Reads every AWS::StepFunctions::StateMachine of a deployed stack. */
export function stateMachineSpecs(deployed: DeployedStack): StateMachineSpec[] {
  const specs: StateMachineSpec[] = [];
  for (const resource of deployed.ofType('AWS::StepFunctions::StateMachine')) {
    const definition = deployed.stateMachineDefinitions.get(resource.logicalId);
    if (!definition || !resource.physicalId) continue;
    const props = deployed.properties(resource.logicalId);
    specs.push({
      stackName: deployed.stackName,
      logicalId: resource.logicalId,
      arn: resource.physicalId,
      name: resource.physicalId.split(':').pop()!,
      type: props.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      roleArn: typeof props.RoleArn === 'string' ? props.RoleArn : undefined,
      definition,
    });
  }
  return specs;
}
