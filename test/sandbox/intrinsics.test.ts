import { describe, expect, test } from 'vitest';
import { collectReferences, replaceReferences, resolveIntrinsics, UnresolvableError, type IntrinsicContext } from '../../sandbox/deploy/intrinsics';

const context: IntrinsicContext = {
  pseudo: { 'AWS::Region': 'us-east-1', 'AWS::AccountId': '123456789012', 'AWS::Partition': 'aws', 'AWS::StackName': 'S' },
  conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] }, NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] } },
  mappings: { Sizes: { small: { memory: 128 } } },
  ref: (id) => ({ Stage: 'sandbox', Queue: 'http://127.0.0.1:1/123456789012/q', Table: 'tbl' })[id] ?? (() => { throw new UnresolvableError(id); })(),
  getAtt: (id, attr) => `${id}.${attr}`,
};

describe('CloudFormation intrinsic functions, resolved against a deployment', () => {
  test('Ref, Fn::GetAtt, Fn::Join, Fn::Sub (with variables and literals) resolve to strings', () => {
    expect(
      resolveIntrinsics(
        {
          a: { Ref: 'Table' },
          b: { 'Fn::GetAtt': ['Queue', 'Arn'] },
          c: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':x:', { Ref: 'AWS::Region' }]] },
          d: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Table}/${Queue.Arn}/${!Literal}' },
          e: { 'Fn::Sub': ['${X}-${AWS::AccountId}', { X: { Ref: 'Table' } }] },
          f: 'Queue.Arn',
        },
        context,
      ),
    ).toEqual({ a: 'tbl', b: 'Queue.Arn', c: 'arn:aws:x:us-east-1', d: 'arn:aws:s3:::tbl/Queue.Arn/${Literal}', e: 'tbl-123456789012', f: 'Queue.Arn' });
  });

  test('conditions, Fn::If with AWS::NoValue, Fn::Select, Fn::Split, Fn::FindInMap and Fn::ToJsonString', () => {
    expect(
      resolveIntrinsics(
        {
          onlyInProd: { 'Fn::If': ['IsProd', 'yes', { Ref: 'AWS::NoValue' }] },
          notProd: { 'Fn::If': ['NotProd', 'yes', 'no'] },
          list: [1, { 'Fn::If': ['IsProd', 2, { Ref: 'AWS::NoValue' }] }, 3],
          host: { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'Queue' }] }] },
          memory: { 'Fn::FindInMap': ['Sizes', 'small', 'memory'] },
          json: { 'Fn::ToJsonString': { table: { Ref: 'Table' } } },
        },
        context,
      ),
    ).toEqual({ notProd: 'yes', list: [1, 3], host: '127.0.0.1:1', memory: 128, json: '{"table":"tbl"}' });
  });

  test('an unsupported function or unknown reference is an error naming it', () => {
    expect(() => resolveIntrinsics({ 'Fn::ImportValue': 'x' }, context)).toThrow(/Fn::ImportValue is not supported/);
    expect(() => resolveIntrinsics({ Ref: 'Nope' }, context)).toThrow(UnresolvableError);
  });

  test('references are collected from Ref, Fn::GetAtt (both forms) and Fn::Sub strings, pseudo parameters excluded', () => {
    const refs = collectReferences({
      a: { Ref: 'A' },
      b: { 'Fn::GetAtt': 'B.Arn' },
      c: { 'Fn::Sub': ['${C}-${D.Name}-${Local}-${AWS::Region}', { Local: { Ref: 'E' } }] },
      d: { Ref: 'AWS::StackName' },
    });
    expect(refs).toEqual([{ logicalId: 'A' }, { logicalId: 'B', attribute: 'Arn' }, { logicalId: 'C' }, { logicalId: 'D', attribute: 'Name' }, { logicalId: 'E' }]);
  });

  test('references to removed resources are replaced by literals, also inside Fn::Sub', () => {
    const replaced = replaceReferences(
      { a: { Ref: 'Gone' }, b: { 'Fn::GetAtt': ['Gone', 'Arn'] }, c: { 'Fn::Sub': '${Gone}/${Kept}' }, d: { Ref: 'Kept' } },
      new Set(['Gone']),
      (r) => `<${r.logicalId}${r.attribute ? `.${r.attribute}` : ''}>`,
    );
    expect(replaced).toEqual({ a: '<Gone>', b: '<Gone.Arn>', c: { 'Fn::Sub': '<Gone>/${Kept}' }, d: { Ref: 'Kept' } });
  });
});
