import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of a CloudFormation template the sandbox reads. */
export interface CfnTemplate {
  readonly Parameters?: Record<string, { Type: string; Default?: unknown }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown; Description?: string; Condition?: string; Export?: unknown }>;
  readonly Rules?: unknown;
  readonly [key: string]: unknown;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
  readonly Metadata?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** A file asset of a stack (Lambda code, a state machine definition file, ...), as cdk-assets sees it. */
export interface FileAsset {
  readonly id: string;
  /** Absolute path of the asset in the cloud assembly (a directory for `zip` packaging). */
  readonly sourcePath: string;
  readonly packaging: 'zip' | 'file';
  /** Bucket name with `${AWS::AccountId}` / `${AWS::Region}` / `${AWS::Partition}` placeholders. */
  readonly bucketName: string;
  readonly objectKey: string;
}

/** One CloudFormation stack of a synthesized cloud assembly. */
export interface AssemblyStack {
  readonly stackName: string;
  readonly artifactId: string;
  /** Absolute path of the cloud assembly directory. */
  readonly assemblyDir: string;
  readonly templateFile: string;
  readonly template: CfnTemplate;
  readonly assets: readonly FileAsset[];
  /** SSM parameter the template reads the bootstrap version from, if any (`cdk bootstrap` creates it). */
  readonly bootstrapVersionParameter?: string;
}

interface Manifest {
  artifacts?: Record<string, { type: string; properties?: Record<string, unknown>; dependencies?: string[]; displayName?: string }>;
}

interface AssetManifest {
  files?: Record<string, { source: { path: string; packaging?: 'zip' | 'file' }; destinations: Record<string, { bucketName: string; objectKey: string }> }>;
  dockerImages?: Record<string, unknown>;
}

/** Reads every CloudFormation stack (with its file assets) from a synthesized cloud assembly directory. */
export function readAssembly(assemblyDir: string): AssemblyStack[] {
  const dir = path.resolve(assemblyDir);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const artifacts = manifest.artifacts ?? {};
  const stacks: AssemblyStack[] = [];
  for (const [artifactId, artifact] of Object.entries(artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const props = artifact.properties ?? {};
    const templateFile = path.join(dir, String(props.templateFile));
    const assets: FileAsset[] = [];
    let bootstrapVersionParameter: string | undefined;
    for (const dependency of artifact.dependencies ?? []) {
      const dep = artifacts[dependency];
      if (dep?.type !== 'cdk:asset-manifest') continue;
      const depProps = dep.properties ?? {};
      bootstrapVersionParameter ??= depProps.bootstrapStackVersionSsmParameter as string | undefined;
      const assetManifest = JSON.parse(readFileSync(path.join(dir, String(depProps.file)), 'utf8')) as AssetManifest;
      if (assetManifest.dockerImages && Object.keys(assetManifest.dockerImages).length > 0) {
        throw new Error(`stack ${artifactId} has Docker image assets; the sandbox runs zip-packaged Node.js functions only`);
      }
      for (const [id, file] of Object.entries(assetManifest.files ?? {})) {
        for (const destination of Object.values(file.destinations)) {
          assets.push({
            id,
            sourcePath: path.join(dir, file.source.path),
            packaging: file.source.packaging ?? 'file',
            bucketName: destination.bucketName,
            objectKey: destination.objectKey,
          });
        }
      }
    }
    stacks.push({
      stackName: String(props.stackName ?? artifact.displayName ?? artifactId),
      artifactId,
      assemblyDir: dir,
      templateFile,
      template: JSON.parse(readFileSync(templateFile, 'utf8')) as CfnTemplate,
      assets,
      bootstrapVersionParameter,
    });
  }
  return stacks;
}
