import { describe, expect, test } from 'vitest';
import { missingParameters } from '../../sandbox/runtime/api-gateway';

describe('API Gateway request parameter validation', () => {
  const required = ['method.request.header.X-Samsara-Signature', 'method.request.querystring.since', 'method.request.path.id'];

  test('headers match case-insensitively; query and path parameters by name', () => {
    expect(missingParameters(required, { headers: { 'x-samsara-signature': 'v1=..' }, query: new URLSearchParams('since=1'), path: { id: 'SO-1' } })).toEqual([]);
  });

  test('names every missing parameter, as API Gateway’s message does', () => {
    expect(missingParameters(required, { headers: {}, query: new URLSearchParams(), path: {} })).toEqual(['X-Samsara-Signature', 'since', 'id']);
  });
});
