import path from 'node:path';
import { LocalFunction } from '../../sandbox/runtime/functions';

/** A sandbox function running `index.handler` from `dir`, logging to `dir/logs`, with an empty environment. */
export function localFunction(dir: string, name: string): LocalFunction {
  return new LocalFunction(
    {
      stackName: 'Test',
      logicalId: name,
      functionName: name,
      functionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${name}`,
      handler: 'index.handler',
      codeDir: dir,
      runtime: 'nodejs24.x',
      timeoutSeconds: 30,
      memorySize: 128,
      architecture: 'arm64',
      environment: {},
      logGroupName: `/aws/lambda/${name}`,
    },
    { serviceEnvironment: {}, logDir: path.join(dir, 'logs') },
  );
}
