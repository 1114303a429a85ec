import { describe, expect, test } from 'vitest';
import { synthStage } from '../support/synth';

type Resource = { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] };

const intakeConfig = (transferServer: boolean) => ({
  fileIntakes: {
    edi: {
      receiver: { qualifier: 'ZZ', id: 'LSYNC' },
      partners: [{ name: 'summit-freight', qualifier: '02', id: 'SMFT', scac: 'SMFT', sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyForTests partner@example' }],
      transferServer: { enabled: transferServer },
    },
  },
});

function synth(transferServer: boolean) {
  // synthStage fails on any cdk-nag finding (AwsSolutions and ServerlessChecks) that is not acknowledged.
  const { template } = synthStage('dev', { configOverrides: intakeConfig(transferServer) });
  const resources = (template.toJSON() as { Resources: Record<string, Resource> }).Resources;
  return { template, resources, ofType: (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type) };
}

describe('the EDI file intake of a stage (fileIntakes.edi)', () => {
  const { resources, ofType } = synth(false);

  test('the bucket notifies the intake queue of objects created under inbound/, and waits for the queue policy that allows it', () => {
    const buckets = ofType('AWS::S3::Bucket').filter(([, r]) => r.Properties?.NotificationConfiguration);
    expect(buckets).toHaveLength(1);
    const [, bucket] = buckets[0]!;
    expect(bucket.Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      NotificationConfiguration: { QueueConfigurations: [{ Event: 's3:ObjectCreated:*', Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'inbound/' }] } } }] },
    });
    const queueRef = (bucket.Properties!.NotificationConfiguration as { QueueConfigurations: { Queue: { 'Fn::GetAtt': [string, string] } }[] }).QueueConfigurations[0]!.Queue['Fn::GetAtt'][0];
    const policy = ofType('AWS::SQS::QueuePolicy').find(([, r]) => JSON.stringify(r.Properties).includes('s3.amazonaws.com') && JSON.stringify(r.Properties).includes(queueRef));
    expect(policy).toBeDefined();
    expect(bucket.DependsOn).toContain(policy![0]);
    // The queue has a DLQ (a ReliableQueue), so monitoring alarms on it.
    expect((resources[queueRef]!.Properties as { RedrivePolicy?: unknown }).RedrivePolicy).toBeDefined();
  });

  test('the function reads inbound/ and writes acknowledgements/ and rejected/ only, never deletes', () => {
    const fn = ofType('AWS::Lambda::Function').find(([, r]) => JSON.stringify(r.Properties).includes('TRADING_PARTNERS'));
    expect(fn).toBeDefined();
    const env = (fn![1].Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
    expect(JSON.parse(env.TRADING_PARTNERS as string)).toEqual({ receiver: { qualifier: 'ZZ', id: 'LSYNC' }, partners: [{ name: 'summit-freight', qualifier: '02', id: 'SMFT', scac: 'SMFT' }] });
    const policies = JSON.stringify(ofType('AWS::IAM::Policy').filter(([, r]) => JSON.stringify(r.Properties).includes('s3:GetObject')));
    expect(policies).toContain('inbound/*');
    expect(policies).toContain('acknowledgements/*');
    expect(policies).not.toContain('s3:DeleteObject');
  });

  test('a rejected file alarms, pointing at the runbook', () => {
    const alarm = ofType('AWS::CloudWatch::Alarm').find(([, r]) => (r.Properties as { MetricName?: string }).MetricName === 'FilesRejected');
    expect(String((alarm![1].Properties as { AlarmDescription: string }).AlarmDescription)).toContain('docs/runbook.md#file-intake-rejected');
  });

  test('no Transfer Family server unless the stage enables it; enabled, one SFTP user per partner key, home in its own folder', () => {
    expect(ofType('AWS::Transfer::Server')).toHaveLength(0);
    const withServer = synth(true);
    expect(withServer.ofType('AWS::Transfer::Server')).toHaveLength(1);
    const users = withServer.ofType('AWS::Transfer::User');
    expect(users).toHaveLength(1);
    expect(users[0]![1].Properties).toMatchObject({ UserName: 'summit-freight', HomeDirectoryType: 'LOGICAL' });
    expect(JSON.stringify(users[0]![1].Properties)).toContain('inbound/summit-freight');
  });
});
