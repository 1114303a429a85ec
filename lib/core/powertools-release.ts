import { readFileSync } from 'node:fs';
import path from 'node:path';

// Which Powertools release the project runs, and the public SSM parameter of its layer. No aws-cdk-lib here:
// the sandbox deployer reads these too, and it runs without loading the CDK.

const projectRoot = path.resolve(import.meta.dirname, '..', '..');

/** SSM parameter (public, AWS-owned) whose value is the ARN of the Powertools layer of one release in the region. */
export function powertoolsLayerParameterName(version: string): string {
  return `/aws/service/powertools/typescript/generic/all/${version}`;
}

/** Matches the public parameter names above; the sandbox provides these itself (sandbox/deploy/deployer.ts). */
export const POWERTOOLS_LAYER_PARAMETER = /^\/aws\/service\/powertools\/typescript\/generic\/all\/(\d+\.\d+\.\d+)$/;

/**
 * The one Powertools version the project runs: every `@aws-lambda-powertools/*` dependency in package.json,
 * as installed. They must agree, because one layer holds one release of all of them.
 */
export function installedPowertoolsVersion(root = projectRoot): string {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const names = Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@aws-lambda-powertools/'));
  if (names.length === 0) throw new Error('package.json has no @aws-lambda-powertools/* dependency');
  const versions = new Map<string, string[]>();
  for (const name of names) {
    const { version } = JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
    versions.set(version, [...(versions.get(version) ?? []), name]);
  }
  if (versions.size > 1) {
    const found = [...versions].map(([version, packages]) => `${version} (${packages.join(', ')})`).join('; ');
    throw new Error(`Powertools packages must share one version to come from one layer; installed: ${found}. Align them in package.json and run npm install.`);
  }
  return [...versions.keys()][0]!;
}
