/** CloudEvents 1.0 (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md). */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
}

export type CloudEventMode = 'structured' | 'binary';

export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json';

/** Body, content type and `ce-*` headers for one HTTP delivery of a CloudEvent in the given mode. */
export function encodeCloudEvent(event: CloudEvent, mode: CloudEventMode): { body: string; contentType: string; headers: Record<string, string> } {
  if (mode === 'structured') return { body: JSON.stringify(event), contentType: STRUCTURED_CONTENT_TYPE, headers: {} };
  // Binary mode: attributes travel as ce-* headers, the data alone is the body.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event)) {
    if (name !== 'data' && name !== 'datacontenttype' && value !== undefined) headers[`ce-${name}`] = String(value);
  }
  return { body: JSON.stringify(event.data ?? null), contentType: event.datacontenttype ?? 'application/json', headers };
}
