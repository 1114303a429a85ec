import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, test } from 'vitest';
import { synthStage, validationFindings } from '../support/synth';

describe.each(['dev', 'prod', 'sandbox'])('cdk-nag AwsSolutions on the %s stage', (stage) => {
  test('synthesizes with no unacknowledged finding (error or warning)', () => {
    // synthStage throws, listing the findings, when the nag plugin fails validation.
    const { outdir } = synthStage(stage);
    expect(validationFindings(outdir)).toEqual([]);
  });
});

describe('the nag check itself', () => {
  test('fails synthesis and reports the rule for a queue without DLQ, encryption or SSL', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'lsync-nag-control-'));
    const app = new App({ outdir });
    new sqs.Queue(new Stack(app, 'Control'), 'Bare', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
    expect(validationFindings(outdir)).toEqual(
      expect.arrayContaining([expect.stringMatching(/error AwsSolutions-SQS3 at Control\/Bare/), expect.stringMatching(/AwsSolutions-SQS4/)]),
    );
  });
});
