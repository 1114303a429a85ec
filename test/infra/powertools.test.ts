import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, test } from 'vitest';
import { NodeFunction } from '../../lib/core/defaults';
import { Powertools, type PowertoolsSource } from '../../lib/core/powertools';
import { installedPowertoolsVersion, powertoolsLayerParameterName } from '../../lib/core/powertools-release';
import { synthStage } from '../support/synth';

type Template = { Parameters?: Record<string, { Type: string; Default?: string }>; Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

const root = path.resolve(import.meta.dirname, '..', '..');
const installed = (JSON.parse(readFileSync(path.join(root, 'node_modules/@aws-lambda-powertools/logger/package.json'), 'utf8')) as { version: string }).version;

function functionsOf(template: Template) {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
}

describe('Powertools from its official layer', () => {
  test('every function of the product gets the layer of the installed release, through the public SSM parameter', () => {
    const template = synthStage('dev').template.toJSON() as Template;
    const ssmParameters = Object.entries(template.Parameters ?? {}).filter(([, p]) => p.Default === powertoolsLayerParameterName(installed));
    expect(ssmParameters).toHaveLength(1);
    expect(ssmParameters[0][1].Type).toBe('AWS::SSM::Parameter::Value<String>');
    const functions = functionsOf(template);
    expect(functions.length).toBeGreaterThan(10);
    for (const [id, fn] of functions) expect(fn.Properties?.Layers, id).toEqual([{ Ref: ssmParameters[0][0] }]);
  });

  test('stage option powertools: bundled leaves the layer and its parameter out', () => {
    const template = synthStage('dev', { configOverrides: { powertools: 'bundled' } }).template.toJSON() as Template;
    expect(Object.values(template.Parameters ?? {}).map((p) => p.Default)).not.toContain(powertoolsLayerParameterName(installed));
    for (const [id, fn] of functionsOf(template)) expect(fn.Properties?.Layers, id).toBeUndefined();
  });

  test.each([
    ['layer', true],
    ['bundled', false],
  ] as const)('with %s, the bundle imports Powertools from the runtime: %s', (source: PowertoolsSource, external) => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'lsync-powertools-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'PowertoolsTest');
    Powertools.configure(stack, source);
    new NodeFunction(stack, 'Fn', { entry: 'test/infra/fixtures/powertools-entry.ts', serviceName: 'test' });
    app.synth();
    const asset = readdirSync(outdir).find((f) => f.startsWith('asset.'))!;
    const code = readFileSync(path.join(outdir, asset, 'index.mjs'), 'utf8');
    // The Logger's own code (its JSON log formatter) is in the bundle only when Powertools is bundled.
    expect(/from\s*"@aws-lambda-powertools\/logger"/.test(code)).toBe(external);
    expect(code.includes('PowertoolsLogFormatter') || code.includes('POWERTOOLS_LOG_LEVEL')).toBe(!external);
  });

  test('configuring a stack twice is refused (functions created in between would disagree)', () => {
    const stack = new Stack(new App(), 'Twice');
    Powertools.configure(stack, 'layer');
    expect(() => Powertools.configure(stack, 'bundled')).toThrow(/already configured/);
  });
});

describe('installedPowertoolsVersion', () => {
  function project(versions: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'lsync-pt-versions-'));
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ dependencies: { ...Object.fromEntries(Object.keys(versions).map((n) => [n, '^2.0.0'])), ajv: '^8.0.0' } }));
    for (const [name, version] of Object.entries(versions)) {
      mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
      writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
    }
    return dir;
  }

  test('is the one version every Powertools dependency is installed at', () => {
    expect(installedPowertoolsVersion()).toBe(installed);
    expect(installedPowertoolsVersion(project({ '@aws-lambda-powertools/logger': '2.1.0', '@aws-lambda-powertools/metrics': '2.1.0' }))).toBe('2.1.0');
  });

  test('refuses versions that one layer cannot hold together, naming them', () => {
    expect(() => installedPowertoolsVersion(project({ '@aws-lambda-powertools/logger': '2.1.0', '@aws-lambda-powertools/metrics': '2.2.0' }))).toThrow(
      /one version.*2\.1\.0 \(@aws-lambda-powertools\/logger\); 2\.2\.0 \(@aws-lambda-powertools\/metrics\)/,
    );
  });
});
