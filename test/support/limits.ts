/**
 * Service limits the emulator cannot tell us about, checked on the synthesized template at 80 % of each limit so
 * that growth is noticed before a deploy fails. Sources:
 * - CloudFormation quotas, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html:
 *   500 resources, 200 outputs and 200 parameters per stack; a template body of 1 MB in S3 (counted here as
 *   1,000,000 bytes, the stricter reading).
 * - Lambda quotas, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: 4 KB of environment
 *   variables per function (keys and values).
 * - API Gateway quotas, https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html: a REST API
 *   integration times out after 29 s, so a function behind one must finish well before.
 */
export const LIMITS = {
  resources: 500,
  outputs: 200,
  parameters: 200,
  templateBytes: 1_000_000,
  environmentBytes: 4 * 1024,
  apiIntegrationSeconds: 29,
} as const;

export const MARGIN = 0.8;

interface CfnTemplate {
  readonly Resources?: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
  readonly Outputs?: Record<string, unknown>;
  readonly Parameters?: Record<string, unknown>;
}

/** The size Lambda counts: each key and value. */
function environmentBytes(variables: Record<string, unknown>): number {
  return Object.entries(variables).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value)), 0);
}

/** Logical ids of functions API Gateway may invoke (a Lambda permission for apigateway.amazonaws.com). */
function functionsBehindApi(template: CfnTemplate): Set<string> {
  const ids = new Set<string>();
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Permission' || resource.Properties?.Principal !== 'apigateway.amazonaws.com') continue;
    const target = resource.Properties.FunctionName as { 'Fn::GetAtt'?: [string, string] } | undefined;
    if (target?.['Fn::GetAtt']) ids.add(target['Fn::GetAtt'][0]);
  }
  return ids;
}

/** One line per limit the template uses more than 80 % of; empty when every figure is inside the margin. */
export function limitFindings(template: CfnTemplate, templateText = JSON.stringify(template, undefined, 1)): string[] {
  const findings: string[] = [];
  const over = (what: string, used: number, limit: number) => {
    if (used > limit * MARGIN) findings.push(`${what}: ${used} of ${limit} (more than ${MARGIN * 100} %)`);
  };
  const resources = template.Resources ?? {};
  over('resources', Object.keys(resources).length, LIMITS.resources);
  over('outputs', Object.keys(template.Outputs ?? {}).length, LIMITS.outputs);
  over('parameters', Object.keys(template.Parameters ?? {}).length, LIMITS.parameters);
  over('template bytes', Buffer.byteLength(templateText), LIMITS.templateBytes);
  const behindApi = functionsBehindApi(template);
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    over(`${id} environment bytes`, environmentBytes(variables), LIMITS.environmentBytes);
    const timeout = typeof resource.Properties?.Timeout === 'number' ? resource.Properties.Timeout : 3;
    if (behindApi.has(id)) over(`${id} timeout behind API Gateway (s)`, timeout, LIMITS.apiIntegrationSeconds);
  }
  return findings;
}
