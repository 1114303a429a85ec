import { readFileSync, statSync } from 'node:fs';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { clientConfig, SANDBOX_ACCOUNT, SANDBOX_REGION } from '../aws';
import type { FileAsset } from './assembly';
import { DeployError } from './deploy-error';
import { zipDirectory } from './zip';

/** S3 on the emulator: path-style addressing (moto serves buckets under its endpoint, not as subdomains). */
export function s3Client(endpoint: string): S3Client {
  return new S3Client({ ...clientConfig(endpoint), forcePathStyle: true, maxAttempts: 1 });
}

/** An asset manifest's bucket name with its `${AWS::AccountId}` / `${AWS::Region}` / `${AWS::Partition}` placeholders filled in. */
export function assetBucketName(bucketName: string): string {
  return bucketName.replaceAll('${AWS::AccountId}', SANDBOX_ACCOUNT).replaceAll('${AWS::Region}', SANDBOX_REGION).replaceAll('${AWS::Partition}', 'aws');
}

/** What cdk-assets does for file assets: zip directories, upload to the bootstrap bucket. */
export async function publishAssets(endpoint: string, assets: readonly FileAsset[]): Promise<void> {
  const s3 = s3Client(endpoint);
  try {
    await Promise.all(
      assets.map(async (asset) => {
        const isDir = statSync(asset.sourcePath).isDirectory();
        const body = asset.packaging === 'zip' || isDir ? zipDirectory(asset.sourcePath) : readFileSync(asset.sourcePath);
        try {
          await s3.send(new PutObjectCommand({ Bucket: assetBucketName(asset.bucketName), Key: asset.objectKey, Body: new Uint8Array(body) }));
        } catch (error) {
          throw new DeployError(`publishing asset ${asset.id} failed: ${(error as Error).message}`, { cause: error });
        }
      }),
    );
  } finally {
    s3.destroy();
  }
}
