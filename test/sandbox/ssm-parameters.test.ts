import { describe, expect, test } from 'vitest';
import type { AssemblyStack } from '../../sandbox/deploy/assembly';
import { DeployError, ssmParameterDefaults } from '../../sandbox/deploy/deployer';

function stackWith(parameters: Record<string, { Type: string; Default?: string }>): AssemblyStack {
  return {
    stackName: 'Test',
    artifactId: 'Test',
    assemblyDir: '/nonexistent',
    template: { Parameters: parameters, Resources: {} },
    assets: [],
    bootstrapVersionParameter: '/cdk-bootstrap/hnb659fds/version',
  } as unknown as AssemblyStack;
}

describe('SSM-typed template parameters in the sandbox', () => {
  test('the bootstrap version and the public Powertools layer parameter are provided; plain parameters are not SSM reads', () => {
    const found = ssmParameterDefaults(
      stackWith({
        BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/hnb659fds/version' },
        Layer: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/aws/service/powertools/typescript/generic/all/2.35.0' },
        Plain: { Type: 'String', Default: 'x' },
      }),
    );
    expect(Object.fromEntries(found)).toEqual({
      BootstrapVersion: { name: '/cdk-bootstrap/hnb659fds/version', kind: 'bootstrap' },
      Layer: { name: '/aws/service/powertools/typescript/generic/all/2.35.0', kind: 'powertools' },
    });
  });

  test('any other SSM parameter is a clear deploy error naming it, not a guessed value', () => {
    const stack = stackWith({ Ami: { Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64' } });
    expect(() => ssmParameterDefaults(stack)).toThrow(DeployError);
    expect(() => ssmParameterDefaults(stack)).toThrow(/Ami reads SSM parameter "\/aws\/service\/ami-amazon-linux-latest\/al2023-ami-kernel-default-arm64", which the sandbox does not provide/);
    // A Powertools "latest" parameter is not pinned to the installed release either.
    expect(() => ssmParameterDefaults(stackWith({ L: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/aws/service/powertools/typescript/generic/all/latest' } }))).toThrow(/does not provide/);
  });
});
