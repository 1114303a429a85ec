import { GetObjectCommand, NoSuchKey } from '@aws-sdk/client-s3';
import { SFNClient, UpdateStateMachineCommand } from '@aws-sdk/client-sfn';
import { clientConfig } from '../aws';
import { s3Client } from './assets';
import { DeployError } from './deploy-error';

/** A state machine's resolved properties: the definition inline, as an object or as an S3 asset, with its substitutions. */
async function stateMachineDefinition(endpoint: string, props: Record<string, unknown>): Promise<string> {
  let definition: string;
  if (typeof props.DefinitionString === 'string') {
    definition = props.DefinitionString;
  } else if (props.Definition !== undefined) {
    definition = JSON.stringify(props.Definition);
  } else if (props.DefinitionS3Location) {
    const location = props.DefinitionS3Location as { Bucket: string; Key: string };
    // Read back what was published, as CloudFormation reads it from S3.
    const s3 = s3Client(endpoint);
    try {
      definition = await (await s3.send(new GetObjectCommand({ Bucket: location.Bucket, Key: location.Key }))).Body!.transformToString();
    } catch (error) {
      const reason = error instanceof NoSuchKey || (error as Error).name === 'NoSuchBucket' ? 'not found in the emulator' : `could not be read from the emulator: ${(error as Error).message}`;
      throw new DeployError(`state machine definition s3://${location.Bucket}/${location.Key} ${reason}`, { cause: error });
    } finally {
      s3.destroy();
    }
  } else {
    throw new DeployError('state machine without DefinitionString, Definition or DefinitionS3Location');
  }
  for (const [key, value] of Object.entries((props.DefinitionSubstitutions ?? {}) as Record<string, unknown>)) {
    definition = definition.replaceAll(`\${${key}}`, String(value));
  }
  return definition;
}

/**
 * moto keeps only DefinitionString and ignores substitutions: the sandbox resolves each state machine's
 * definition (inline, object or S3 asset) with its substitutions, stores it in moto as well, and returns it by
 * logical id (what the local Step Functions runtime executes).
 */
export async function resolveStateMachineDefinitions(
  endpoint: string,
  stateMachines: readonly { logicalId: string; physicalId?: string; inEmulator: boolean; properties: Record<string, unknown> }[],
): Promise<Map<string, string>> {
  const definitions = new Map<string, string>();
  const sfn = new SFNClient({ ...clientConfig(endpoint), maxAttempts: 1 });
  try {
    for (const machine of stateMachines) {
      const definition = await stateMachineDefinition(endpoint, machine.properties);
      definitions.set(machine.logicalId, definition);
      if (machine.inEmulator && machine.physicalId) await sfn.send(new UpdateStateMachineCommand({ stateMachineArn: machine.physicalId, definition }));
    }
  } finally {
    sfn.destroy();
  }
  return definitions;
}
