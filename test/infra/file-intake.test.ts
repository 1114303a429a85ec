import { describe, expect, test } from 'vitest';
import { parseStageConfig } from '../../lib/config/stage-config';
import { EDI_B2BI_OVERRIDES, EDI_TRANSFER_OVERRIDES, EXAMPLE_CERTIFICATE_PEM } from '../support/edi-stage';
import { cdkJsonContext, synthStage } from '../support/synth';

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
    expect(users[0]![1].Properties).toMatchObject({ UserName: 'summit-freight', HomeDirectoryType: 'LOGICAL', HomeDirectory: '/inbound' });
    // It uploads into /inbound and collects its 997s from /acknowledgements: its own folders, nothing else.
    const mappings = (users[0]![1].Properties!.HomeDirectoryMappings as { Entry: string; Target: unknown }[]).map((m) => [m.Entry, JSON.stringify(m.Target)]);
    expect(mappings.map(([entry]) => entry)).toEqual(['/inbound', '/acknowledgements']);
    expect(mappings[0]![1]).toMatch(/\/inbound\/summit-freight"/);
    expect(mappings[1]![1]).toMatch(/\/acknowledgements\/summit-freight"/);
    const roleId = (users[0]![1].Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = withServer
      .ofType('AWS::IAM::Policy')
      .filter(([, r]) => JSON.stringify((r.Properties as { Roles: unknown }).Roles).includes(roleId))
      .flatMap(([, r]) => (r.Properties as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }).PolicyDocument.Statement)
      .map((s) => [[s.Action].flat().sort().join(','), JSON.stringify(s.Resource)]);
    expect(statements.find(([actions]) => actions === 's3:GetObject,s3:PutObject')![1]).toContain('/inbound/summit-freight/*');
    expect(statements.find(([actions]) => actions === 's3:DeleteObject,s3:GetObject')![1]).toContain('/acknowledgements/summit-freight/*');
  });
});

describe('the EDI intake behind an AS2 server (fileIntakes.edi.as2Server), beside the SFTP one', () => {
  const as2Config = EDI_TRANSFER_OVERRIDES;
  const PEM = EXAMPLE_CERTIFICATE_PEM;
  // synthStage fails on any cdk-nag finding that is not acknowledged.
  const { template } = synthStage('dev', { configOverrides: as2Config });
  const resources = (template.toJSON() as { Resources: Record<string, Resource> }).Resources;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const intakeBucket = ofType('AWS::S3::Bucket').find(([, r]) => r.Properties?.NotificationConfiguration)![0];
  const bucketRef = { Ref: intakeBucket };
  const notifiedPrefix = 'inbound/';

  test('an AS2 server on a VPC endpoint (as AS2 requires), reachable on TCP 5080 from the partners\' ranges only', () => {
    const servers = ofType('AWS::Transfer::Server').filter(([, r]) => JSON.stringify(r.Properties!.Protocols).includes('AS2'));
    expect(servers).toHaveLength(1);
    // The SFTP server stays its own (public endpoint, SFTP only): AS2 cannot share it.
    expect(ofType('AWS::Transfer::Server').map(([, r]) => r.Properties!.Protocols)).toEqual(expect.arrayContaining([['SFTP'], ['AS2']]));
    const props = servers[0]![1].Properties!;
    expect(props).toMatchObject({ Protocols: ['AS2'], Domain: 'S3', EndpointType: 'VPC', ProtocolDetails: { As2Transports: ['HTTP'] } });
    expect(props.EndpointDetails).toMatchObject({ VpcId: 'vpc-0123456789abcdef0', SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] });
    const [sgRef] = (props.EndpointDetails as { SecurityGroupIds: { 'Fn::GetAtt': [string, string] }[] }).SecurityGroupIds;
    const sg = resources[sgRef!['Fn::GetAtt'][0]]!;
    expect(sg.Type).toBe('AWS::EC2::SecurityGroup');
    const ingress = (sg.Properties!.SecurityGroupIngress as { IpProtocol: string; FromPort: number; ToPort: number; CidrIp: string }[]).map((r) => `${r.IpProtocol}:${r.FromPort}-${r.ToPort}:${r.CidrIp}`);
    expect(ingress.sort()).toEqual(['tcp:5080-5080:198.51.100.7/32', 'tcp:5080-5080:203.0.113.0/24']);
  });

  test('our local profile and one partner profile per AS2 partner, with the partner\'s certificate imported', () => {
    const profiles = ofType('AWS::Transfer::Profile').map(([, r]) => r.Properties!);
    expect(profiles).toHaveLength(2);
    expect(profiles.find((p) => p.ProfileType === 'LOCAL')).toMatchObject({ As2Id: 'LSYNC-AS2', CertificateIds: ['cert-0123456789abcdef0', 'cert-0123456789abcdef1'] });
    const partner = profiles.find((p) => p.ProfileType === 'PARTNER')!;
    expect(partner.As2Id).toBe('SMFT-AS2');
    const certificates = ofType('AWS::Transfer::Certificate');
    expect(certificates.map(([, c]) => c.Properties!.Usage)).toEqual(['SIGNING', 'ENCRYPTION']);
    expect(certificates[0]![1].Properties).toMatchObject({ Certificate: PEM });
    expect(partner.CertificateIds).toEqual(certificates.map(([id]) => ({ 'Fn::GetAtt': [id, 'CertificateId'] })));
  });

  test('the agreement puts payloads in the partner\'s intake folder and every other AS2 file outside what the intake is notified of', () => {
    const agreements = ofType('AWS::Transfer::Agreement');
    expect(agreements).toHaveLength(1);
    const props = agreements[0]![1].Properties!;
    expect(props.EnforceMessageSigning).toBe('ENABLED');
    const dirs = props.CustomDirectories as Record<string, unknown>;
    // `/<bucket>/<key prefix>`: the bucket is a reference, the rest is text.
    const keyOf = (dir: unknown) => {
      const parts = (dir as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
      expect(parts).toContainEqual(bucketRef);
      return String(parts.at(-1)).replace(/^\//, '');
    };
    expect(keyOf(dirs.PayloadFilesDirectory)).toBe('inbound/summit-freight');
    for (const kind of ['MdnFilesDirectory', 'StatusFilesDirectory', 'FailedFilesDirectory', 'TemporaryFilesDirectory']) {
      const key = keyOf(dirs[kind]);
      expect(key, kind).toMatch(/^as2\/summit-freight\//);
      expect(`${key}/`.startsWith(notifiedPrefix), kind).toBe(false);
    }
    // The agreement's role writes the partner's payload folder and its AS2 folder, and deletes nothing of the intake's.
    const roleId = (props.AccessRole as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, r]) => JSON.stringify((r.Properties as { Roles: unknown }).Roles).includes(roleId))
      .flatMap(([, r]) => (r.Properties as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }).PolicyDocument.Statement);
    const writes = statements.filter((s) => [s.Action].flat().includes('s3:PutObject')).map((s) => JSON.stringify(s.Resource));
    expect(writes.some((r) => r.includes('/inbound/summit-freight/*'))).toBe(true);
    expect(writes.some((r) => r.includes('/as2/summit-freight/*'))).toBe(true);
    const deletes = statements.filter((s) => [s.Action].flat().includes('s3:DeleteObject')).map((s) => JSON.stringify(s.Resource));
    expect(deletes.every((r) => r.includes('/as2/summit-freight/*') && !r.includes('inbound/'))).toBe(true);
  });

  test('each certificate (ours and the partner\'s) has an expiry alarm that pages and names its runbook section', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties!).filter((p) => p.MetricName === 'DaysUntilExpiry');
    expect(alarms).toHaveLength(4);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({ Namespace: 'AWS/Transfer', Threshold: 30, ComparisonOperator: 'LessThanThreshold' });
      expect(String(alarm.AlarmDescription)).toContain('docs/runbook.md#as2-certificate-expiring');
      expect((alarm.AlarmActions as unknown[]).length).toBeGreaterThan(0);
    }
    const dimensions = alarms.map((a) => JSON.stringify(a.Dimensions));
    expect(dimensions.filter((d) => d.includes('cert-0123456789abcdef'))).toHaveLength(2);
  });

  test('a partner with an AS2 URL gets its acknowledgements over AS2: a connector, and a sender notified of new .997 objects only', () => {
    const connectors = ofType('AWS::Transfer::Connector');
    expect(connectors).toHaveLength(1);
    const [connectorId, connector] = connectors[0]!;
    expect(connector.Properties).toMatchObject({
      Url: 'http://as2.summit-freight.example:5080/as2',
      As2Config: { EncryptionAlgorithm: 'AES256_CBC', SigningAlgorithm: 'SHA256', MdnResponse: 'SYNC', Compression: 'DISABLED' },
    });
    const profiles = Object.fromEntries(ofType('AWS::Transfer::Profile').map(([id, r]) => [r.Properties!.ProfileType as string, id]));
    expect((connector.Properties!.As2Config as Record<string, unknown>).LocalProfileId).toEqual({ 'Fn::GetAtt': [profiles.LOCAL, 'ProfileId'] });
    expect((connector.Properties!.As2Config as Record<string, unknown>).PartnerProfileId).toEqual({ 'Fn::GetAtt': [profiles.PARTNER, 'ProfileId'] });

    // The bucket notifies two queues: the intake of inbound/, the sender of acknowledgements/…/*.997 (not the
    // connector's own status and MDN files written beside them).
    const queueConfigs = (resources[intakeBucket]!.Properties!.NotificationConfiguration as { QueueConfigurations: { Queue: { 'Fn::GetAtt': [string] }; Filter: { S3Key: { Rules: unknown[] } } }[] }).QueueConfigurations;
    expect(queueConfigs.map((q) => q.Filter.S3Key.Rules)).toEqual([
      [{ Name: 'prefix', Value: 'inbound/' }],
      [
        { Name: 'prefix', Value: 'acknowledgements/' },
        { Name: 'suffix', Value: '.997' },
      ],
    ]);
    const ackQueue = queueConfigs[1]!.Queue['Fn::GetAtt'][0];
    expect((resources[ackQueue]!.Properties as { RedrivePolicy?: unknown }).RedrivePolicy).toBeDefined();
    expect(resources[intakeBucket]!.DependsOn!.filter((d) => resources[d]!.Type === 'AWS::SQS::QueuePolicy')).toHaveLength(2);

    const sender = ofType('AWS::Lambda::Function').find(([, r]) => JSON.stringify(r.Properties).includes('AS2_CONNECTORS'))!;
    expect(JSON.stringify((sender[1].Properties as { Environment: unknown }).Environment)).toContain(connectorId);
    const mapping = ofType('AWS::Lambda::EventSourceMapping').find(([, r]) => JSON.stringify(r.Properties!.FunctionName).includes(sender[0]))!;
    expect(JSON.stringify(mapping[1].Properties!.EventSourceArn)).toContain(ackQueue);
    const transferGrants = ofType('AWS::IAM::Policy')
      .flatMap(([, r]) => (r.Properties as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }).PolicyDocument.Statement)
      .filter((st) => [st.Action].flat().includes('transfer:StartFileTransfer'));
    expect(transferGrants.map((st) => st.Resource)).toEqual([{ 'Fn::GetAtt': [connectorId, 'Arn'] }]);
  });

  test('the intake function learns partners without their AS2 certificates (its environment stays small)', () => {
    const fn = ofType('AWS::Lambda::Function').find(([, r]) => JSON.stringify(r.Properties).includes('TRADING_PARTNERS'))!;
    const env = (fn[1].Properties as { Environment: { Variables: Record<string, string> } }).Environment.Variables;
    expect(env.TRADING_PARTNERS).not.toContain('CERTIFICATE');
    expect(JSON.parse(env.TRADING_PARTNERS!).partners.map((p: { name: string }) => p.name)).toEqual(['summit-freight', 'ridge-haul']);
  });

  test('the stage config refuses an AS2 setup that cannot work, saying why', () => {
    const stages = { dev: (cdkJsonContext().stages as Record<string, unknown>).dev };
    const edi = as2Config.fileIntakes.edi;
    const withEdi = (overrides: Record<string, unknown>) => ({ fileIntakes: { edi: { ...edi, ...overrides } } });
    expect(() => parseStageConfig(stages, 'dev', withEdi({ as2Server: undefined }))).toThrow(/partners\.summit-freight\.as2 needs fileIntakes\.edi\.as2Server/);
    expect(() => parseStageConfig(stages, 'dev', withEdi({ as2Server: { ...edi.as2Server, allowedCidrs: ['0.0.0.0/0'] } }))).toThrow(/opens the AS2 endpoint to the whole internet/);
    expect(() => parseStageConfig(stages, 'dev', withEdi({ as2Server: { ...edi.as2Server, localAs2Id: 'SMFT-AS2' } }))).toThrow(/as2Id SMFT-AS2 is also as2Server\.localAs2Id/);
    expect(() => parseStageConfig(stages, 'dev', withEdi({ partners: [{ ...edi.partners[0], as2: { as2Id: 'SMFT AS2' } }] }))).toThrow(/as2Id must match pattern/);
    expect(() => parseStageConfig(stages, 'dev', withEdi({ partners: [{ ...edi.partners[0], as2: { as2Id: 'SMFT-AS2' } }] }))).toThrow(/has no certificate/);
    const eleven = Array.from({ length: 11 }, (_, i) => `cert-${'0'.repeat(16)}${i.toString(16)}`.slice(0, 22));
    expect(() => parseStageConfig(stages, 'dev', withEdi({ partners: [{ ...edi.partners[0], as2: { as2Id: 'SMFT-AS2', certificates: edi.partners[0].as2.certificates, certificateIds: eleven.slice(0, 9) } }, edi.partners[1]] }))).toThrow(/11 certificates: a Transfer Family partner profile holds at most 10/);
    const signingOnly = { ...edi.partners[0].as2, certificates: [edi.partners[0].as2.certificates[0]] };
    expect(() => parseStageConfig(stages, 'dev', withEdi({ partners: [{ ...edi.partners[0], as2: signingOnly }] }))).toThrow(/as2\.url needs the partner's ENCRYPTION certificate/);
    expect(() => parseStageConfig(stages, 'dev', withEdi({ partners: [{ ...edi.partners[0], as2: { ...signingOnly, url: undefined } }, edi.partners[1]] }))).not.toThrow();
    expect(parseStageConfig(stages, 'dev', withEdi({})).fileIntakes!.edi!.as2Server!.localAs2Id).toBe('LSYNC-AS2');
  });
});

describe('the EDI intake behind AWS B2B Data Interchange (fileIntakes.edi.b2bi)', () => {
  // synthStage fails on any cdk-nag finding that is not acknowledged.
  const { template } = synthStage('dev', { configOverrides: EDI_B2BI_OVERRIDES });
  const json = template.toJSON() as { Resources: Record<string, Resource>; Outputs: Record<string, { Value: unknown }> };
  const resources = json.Resources;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const [, bucket] = ofType('AWS::S3::Bucket').find(([, r]) => r.Properties?.NotificationConfiguration)!;
  const queueId = (bucket.Properties!.NotificationConfiguration as { QueueConfigurations: { Queue: { 'Fn::GetAtt': [string, string] } }[] }).QueueConfigurations[0]!.Queue['Fn::GetAtt'][0];

  test('a profile, an inbound 214 4010 transformer and capability on the intake bucket (b2bi/inbound/ → b2bi/outbound/), one partnership per partner', () => {
    expect(ofType('AWS::B2BI::Profile').map(([, r]) => r.Properties)).toEqual([expect.objectContaining({ BusinessName: 'Example Shipper Inc.', Phone: '+13125550199', Logging: 'ENABLED' })]);
    const [[transformerId, transformer]] = ofType('AWS::B2BI::Transformer') as [[string, Resource]];
    expect(transformer.Properties).toMatchObject({ Status: 'active', InputConversion: { FromFormat: 'X12', FormatOptions: { X12: { TransactionSet: 'X12_214', Version: 'VERSION_4010' } } } });
    const [[capabilityId, capability]] = ofType('AWS::B2BI::Capability') as [[string, Resource]];
    expect(capability.Properties).toMatchObject({
      Type: 'edi',
      Configuration: { Edi: { CapabilityDirection: 'INBOUND', Type: { X12Details: { TransactionSet: 'X12_214', Version: 'VERSION_4010' } }, InputLocation: { BucketName: bucket.Properties!.BucketName, Key: 'b2bi/inbound/' }, OutputLocation: { BucketName: bucket.Properties!.BucketName, Key: 'b2bi/outbound/' }, TransformerId: { 'Fn::GetAtt': [transformerId, 'TransformerId'] } } },
    });
    const partnerships = ofType('AWS::B2BI::Partnership').map(([, r]) => r.Properties!);
    expect(partnerships.map((p) => p.Email).sort()).toEqual(['edi@ridge-haul.example', 'edi@summit-freight.example']);
    for (const p of partnerships) {
      expect(p.Capabilities).toEqual([{ 'Fn::GetAtt': [capabilityId, 'CapabilityId'] }]);
      expect(p.CapabilityOptions).toEqual({ InboundEdi: { X12: { AcknowledgmentOptions: { FunctionalAcknowledgment: 'GENERATE_ALL_SEGMENTS', TechnicalAcknowledgment: 'DO_NOT_GENERATE' } } } });
    }
    // The output names each partner's B2BI folder (its trading partner id).
    const output = Object.entries(json.Outputs).find(([id]) => id.startsWith('FileIntakeB2biPartnersEdi'));
    expect(JSON.stringify(output![1].Value)).toContain('TradingPartnerId');
  });

  test('what B2BI needs of the bucket: EventBridge notifications, and b2bi.amazonaws.com reading the input and writing the output for this account', () => {
    expect(bucket.Properties!.NotificationConfiguration).toMatchObject({ EventBridgeConfiguration: { EventBridgeEnabled: true }, QueueConfigurations: [expect.objectContaining({ Event: 's3:ObjectCreated:*' }), expect.objectContaining({ Event: 's3:ObjectCreated:*' })] });
    const policy = ofType('AWS::S3::BucketPolicy').find(([, r]) => JSON.stringify(r.Properties).includes('b2bi.amazonaws.com'))!;
    const statements = (policy[1].Properties as { PolicyDocument: { Statement: { Principal?: { Service?: string }; Action: string | string[]; Resource: unknown; Condition?: unknown }[] } }).PolicyDocument.Statement.filter((s) => s.Principal?.Service === 'b2bi.amazonaws.com');
    expect(statements.map((s) => [[s.Action].flat().sort(), JSON.stringify(s.Resource).includes('/b2bi/inbound/*') ? 'input' : JSON.stringify(s.Resource).includes('/b2bi/outbound/*') ? 'output' : 'other'])).toEqual([
      [['s3:GetObject', 's3:GetObjectAttributes'], 'input'],
      [['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'], 'output'],
    ]);
    for (const s of statements) expect(s.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
  });

  test('B2BI\'s transformation events of this bucket\'s 214s go from the default bus to the intake queue; the function may read b2bi/inbound/', () => {
    const rules = ofType('AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties).includes('Transformation Completed'));
    expect(rules).toHaveLength(1);
    const props = rules[0]![1].Properties!;
    expect(props.EventBusName).toBeUndefined();
    expect(props.EventPattern).toEqual({
      source: ['aws.b2bi'],
      'detail-type': ['Transformation Completed', 'Transformation Failed'],
      detail: { 'x12-transaction-set': ['X12_214'], 'input-file-s3-attributes': { bucket: [bucket.Properties!.BucketName] } },
    });
    expect(props.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } })]);
    const queuePolicies = JSON.stringify(ofType('AWS::SQS::QueuePolicy').map(([, r]) => r.Properties));
    expect(queuePolicies).toContain('events.amazonaws.com');
    const reads = JSON.stringify(ofType('AWS::IAM::Policy').filter(([, r]) => JSON.stringify(r.Properties).includes('s3:GetObjectVersion')));
    expect(reads).toContain('/b2bi/inbound/*');
    expect(reads).not.toContain('/b2bi/outbound/*');
  });

  test('the safety net: files in B2BI folders are also notified to a queue that delays them 15 min, read by the same function', () => {
    const rules = (bucket.Properties!.NotificationConfiguration as { QueueConfigurations: { Queue: { 'Fn::GetAtt': [string, string] }; Filter: { S3Key: { Rules: { Name: string; Value: string }[] } } }[] }).QueueConfigurations;
    const watchdog = rules.find((q) => q.Filter.S3Key.Rules.some((r) => r.Value === 'b2bi/inbound/'))!;
    expect(watchdog).toBeDefined();
    const queue = resources[watchdog.Queue['Fn::GetAtt'][0]]!;
    expect(queue.Properties).toMatchObject({ DelaySeconds: 900, RedrivePolicy: expect.anything() });
    const intakeFunction = ofType('AWS::Lambda::Function').find(([, r]) => JSON.stringify(r.Properties).includes('TRADING_PARTNERS'))![0];
    const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(([, r]) => JSON.stringify(r.Properties!.FunctionName).includes(intakeFunction));
    expect(mappings.map(([, r]) => JSON.stringify(r.Properties!.EventSourceArn))).toEqual(expect.arrayContaining([expect.stringContaining(watchdog.Queue['Fn::GetAtt'][0]), expect.stringContaining(queueId)]));
  });

  test('with the SFTP server too, each partner\'s home is its B2BI folder (its trading partner id), not its own', () => {
    const sftp = synthStage('dev', { configOverrides: { fileIntakes: { edi: { ...EDI_B2BI_OVERRIDES.fileIntakes.edi, transferServer: { enabled: true }, partners: EDI_B2BI_OVERRIDES.fileIntakes.edi.partners.map((p) => ({ ...p, sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyForTests partner@example' })) } } } });
    const all = (sftp.template.toJSON() as { Resources: Record<string, Resource> }).Resources;
    const users = Object.values(all).filter((r) => r.Type === 'AWS::Transfer::User');
    expect(users).toHaveLength(2);
    for (const user of users) {
      const partnershipId = Object.entries(all).find(([, r]) => r.Type === 'AWS::B2BI::Partnership' && String(r.Properties!.Name).endsWith(String(user.Properties!.UserName)))![0];
      const mapping = JSON.stringify(user.Properties!.HomeDirectoryMappings);
      expect(mapping).toContain('/b2bi/inbound/');
      expect(mapping).toContain(JSON.stringify({ 'Fn::GetAtt': [partnershipId, 'TradingPartnerId'] }));
      expect(mapping).not.toContain('inbound/summit-freight');
      // Its 997s are B2BI's, in its B2BI output folder.
      expect(mapping).toContain('/b2bi/outbound/');
    }
  });

  test('with the AS2 server, the partner\'s payloads land in its B2BI folder, and B2BI\'s 997s for it go back over its connector', () => {
    const [[, agreement]] = ofType('AWS::Transfer::Agreement') as [[string, Resource]];
    const partnershipId = ofType('AWS::B2BI::Partnership').find(([, r]) => String(r.Properties!.Name).endsWith('summit-freight'))![0];
    const tp = JSON.stringify({ 'Fn::GetAtt': [partnershipId, 'TradingPartnerId'] });
    const payload = JSON.stringify((agreement.Properties!.CustomDirectories as Record<string, unknown>).PayloadFilesDirectory);
    expect(payload).toContain('/b2bi/inbound/');
    expect(payload).toContain(tp);
    // B2BI's Acknowledgement Completed events of this bucket go to the AS2 acknowledgement queue; the sender knows the partners' ids.
    const rules = ofType('AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties!.EventPattern).includes('Acknowledgement Completed'));
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties!.EventPattern).toMatchObject({ source: ['aws.b2bi'], detail: { 'input-x12-transaction-set': ['X12_214'] } });
    const sender = ofType('AWS::Lambda::Function').find(([, r]) => JSON.stringify(r.Properties).includes('AS2_CONNECTORS'))!;
    expect(JSON.stringify((sender[1].Properties as { Environment: unknown }).Environment)).toContain('B2BI_TRADING_PARTNERS');
    // The intake writes no 997 with B2BI: nothing notifies the AS2 queue of acknowledgements/.
    expect(JSON.stringify(bucket.Properties!.NotificationConfiguration)).not.toContain('.997');
    // The connector's role reads and writes the partner's B2BI output folder.
    const connectorRoleId = ((ofType('AWS::Transfer::Connector')[0]![1].Properties!.AccessRole) as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const grants = JSON.stringify(ofType('AWS::IAM::Policy').filter(([, r]) => JSON.stringify((r.Properties as { Roles: unknown }).Roles).includes(connectorRoleId)));
    expect(grants).toContain('/b2bi/outbound/');
    expect(grants).toContain(tp);
  });

  test('the stage must give each partner a contact', () => {
    const edi = EDI_B2BI_OVERRIDES.fileIntakes.edi;
    const stages = { dev: (cdkJsonContext().stages as Record<string, unknown>).dev };
    const problemsOf = (intake: object) => {
      try {
        parseStageConfig(stages, 'dev', { fileIntakes: { edi: intake } });
        return [];
      } catch (error) {
        return (error as { problems?: string[] }).problems ?? [(error as Error).message];
      }
    };
    expect(problemsOf({ ...edi, partners: [{ ...edi.partners[0], contact: undefined }, edi.partners[1]] })).toEqual([expect.stringMatching(/summit-freight\.contact is required with b2bi/)]);
    expect(problemsOf(edi)).toEqual([]);
  });
});
