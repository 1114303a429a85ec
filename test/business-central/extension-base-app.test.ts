import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

/**
 * The logistics-sync Business Central extension is not compiled here (extensions/business-central/README.md): no AL
 * compiler is reachable from this machine. What a compiler would catch first — a base table, field, event or enum
 * value that does not exist, an event subscriber whose parameters the publisher does not have — is checked against
 * Microsoft's own source instead: contracts/business-central/base-application.json, extracted from the W1 Base
 * Application in microsoft/BCApps (its `$comment` says how).
 */

interface BaseApplication {
  tables: Record<string, { id: number; fields: Record<string, [number, string]> }>;
  codeunits: Record<string, { id: number; events: Record<string, { parameters: { name: string; type: string; var: boolean }[] }> }>;
  enums: Record<string, { values: string[] }>;
}

const BASE = JSON.parse(readFileSync(new URL('../../contracts/business-central/base-application.json', import.meta.url), 'utf8')) as BaseApplication;
const APP = JSON.parse(readFileSync(new URL('../../extensions/business-central/app.json', import.meta.url), 'utf8')) as { idRanges: { from: number; to: number }[] };
const DIR = new URL('../../extensions/business-central/src/', import.meta.url);
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.al'))
  .map((name) => ({ name, al: readFileSync(new URL(name, DIR), 'utf8').replace(/\/\/[^\n]*/g, '') }));

/** An AL identifier, quoted or not. */
const ID = String.raw`(?:"([^"]+)"|(\w+))`;
const id = (m: RegExpMatchArray, at: number) => (m[at] ?? m[at + 1])!;
/** `field(50105; "LSYNC Source Order No."; Code[20])` in a table or table extension. */
const FIELD = new RegExp(String.raw`\bfield\((\d+);\s*${ID};\s*([^)\n]+?)\)\s*(?:\{|$)`, 'gm');
/** Fields implicit on every table. */
const SYSTEM_FIELDS = new Set(['SystemId', 'SystemCreatedAt', 'SystemCreatedBy', 'SystemModifiedAt', 'SystemModifiedBy']);

type Fields = Map<string, { id: number; type: string }>;

/** Every table the extension can name (the base tables with the extension's own fields added, and its own tables), by name. */
function tables(): Map<string, Fields> {
  const all = new Map<string, Fields>(Object.entries(BASE.tables).map(([name, t]) => [name, new Map(Object.entries(t.fields).map(([f, [n, type]]) => [f, { id: n, type }]))]));
  for (const { al } of FILES) {
    const own = new RegExp(String.raw`^table\s+\d+\s+${ID}`, 'm').exec(al);
    const extension = new RegExp(String.raw`^tableextension\s+\d+\s+${ID}\s+extends\s+${ID}`, 'm').exec(al);
    const target = own ? id(own, 1) : extension ? id(extension, 3) : undefined;
    if (!target) continue;
    const fields = all.get(target) ?? new Map();
    for (const f of al.matchAll(FIELD)) fields.set(id(f, 2), { id: Number(f[1]), type: f[4]!.trim() });
    all.set(target, fields);
  }
  return all;
}

/** The enum a field's type names (`Enum "Sales Document Type"`), if it is one of the base application's. */
const enumOf = (type: string | undefined) => /^Enum\s+"([^"]+)"/.exec(type ?? '')?.[1];

describe('the Business Central extension against Microsoft\'s base application (contracts/business-central/base-application.json)', () => {
  const TABLES = tables();

  test('every table extension extends a base table and adds fields in the app\'s id range, none renaming or renumbering a base field; a field on several tables (what TransferFields copies by number) has one name and type', () => {
    // TransferFields copies "the field that has the same field number", which "must have the same data type"
    // (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/developer/methods-auto/record/record-transferfields-table-boolean-method,
    // retrieved 2026-12-07); the community linter's LC0044 holds table extension pairs to the same name and type too.
    const byNumber = new Map<number, Set<string>>();
    for (const { name, al } of FILES) {
      const extension = new RegExp(String.raw`^tableextension\s+\d+\s+${ID}\s+extends\s+${ID}`, 'm').exec(al);
      if (!extension) continue;
      const base = BASE.tables[id(extension, 3)];
      expect(base, `${name} extends a table of the base application`).toBeDefined();
      for (const f of al.matchAll(FIELD)) {
        const [number, fieldName, type] = [Number(f[1]), id(f, 2), f[4]!.trim()];
        expect(APP.idRanges.some((r) => number >= r.from && number <= r.to), `${name}: field ${number} in app.json's idRanges`).toBe(true);
        expect(Object.entries(base!.fields).filter(([n, [i]]) => n === fieldName || i === number), `${name}: field ${number} "${fieldName}" clashes with a base field`).toEqual([]);
        byNumber.set(number, (byNumber.get(number) ?? new Set()).add(`"${fieldName}"; ${type}`));
      }
    }
    expect([...byNumber.keys()].length).toBeGreaterThan(0);
    for (const [number, shapes] of byNumber) expect([...shapes], `field ${number} declared alike on every table`).toHaveLength(1);
  });

  test('names within the compiler\'s length limits: objects 30 (AL0305), table fields 30 (AL0468: the base application\'s longest are 30), keys 28 (AL0534); each key\'s fields are its table\'s; each Page::/Codeunit:: reference an object of the extension or the base application; object ids, object names and API entity names unique', () => {
    // https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/developer/diagnostics/diagnostic-al305,
    // …/diagnostic-al468, …/diagnostic-al534 (retrieved 2026-12-07).
    const problems: string[] = [];
    for (const { name, al } of FILES) {
      for (const o of al.matchAll(new RegExp(String.raw`^(?:table|tableextension|page|codeunit|enum|report|query)\s+\d+\s+${ID}`, 'gm'))) if (id(o, 1).length > 30) problems.push(`${name}: object "${id(o, 1)}" (${id(o, 1).length})`);
      for (const f of al.matchAll(FIELD)) if (id(f, 2).length > 30) problems.push(`${name}: field "${id(f, 2)}"`);
      const target = new RegExp(String.raw`^(?:table\s+\d+\s+${ID}|tableextension\s+\d+\s+${ID}\s+extends\s+${ID})`, 'm').exec(al);
      for (const k of al.matchAll(/\bkey\((\w+);\s*([^)]*)\)/g)) {
        if (k[1]!.length > 28) problems.push(`${name}: key ${k[1]}`);
        const table = target ? (target[1] ?? target[2] ?? target[5] ?? target[6])! : '';
        for (const field of k[2]!.split(',').map((f) => f.trim().replace(/^"|"$/g, ''))) if (!TABLES.get(table)?.has(field)) problems.push(`${name}: key ${k[1]} names no field "${field}" of "${table}"`);
      }
    }
    // Ids and names unique per object type (tables and table extensions apart), API entity names unique.
    const declared = FILES.flatMap(({ al }) => [...al.matchAll(new RegExp(String.raw`^(table|tableextension|page|codeunit|enum)\s+(\d+)\s+${ID}`, 'gm'))].map((o) => ({ kind: o[1]!, number: o[2]!, name: id(o, 3) })));
    for (const key of ['number', 'name'] as const) {
      const seen = new Set<string>();
      for (const o of declared) if (seen.has(`${o.kind} ${o[key]}`) || !seen.add(`${o.kind} ${o[key]}`)) problems.push(`two ${o.kind} objects ${o[key]}`);
    }
    for (const property of ['EntityName', 'EntitySetName']) {
      const values = FILES.flatMap(({ al }) => [...al.matchAll(new RegExp(`${property} = '(\\w+)'`, 'g'))].map((m) => m[1]!));
      if (new Set(values).size !== values.length) problems.push(`a ${property} used twice: ${values.join(', ')}`);
    }
    const objects = new Set([...FILES.flatMap(({ al }) => [...al.matchAll(new RegExp(String.raw`^(?:page|codeunit)\s+\d+\s+${ID}`, 'gm'))].map((o) => id(o, 1))), ...Object.keys(BASE.codeunits)]);
    for (const { name, al } of FILES) for (const r of al.matchAll(new RegExp(String.raw`\b(?:Page|Codeunit)::${ID}`, 'g'))) if (!objects.has(id(r, 1))) problems.push(`${name}: no object "${id(r, 1)}"`);
    expect(problems).toEqual([]);
  });

  test('every API page sets what the compiler requires of one: EntitySetName, EntityName, APIPublisher, APIGroup (AL0485); DelayedInsert = true unless, from runtime 7.2, it is not insertable (AL0505); no reserved entity set name', () => {
    // https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/developer/diagnostics/diagnostic-al485,
    // …/diagnostic-al505, …/properties/devenv-entitysetname-property (EntityDefinitions is reserved), retrieved 2026-12-07.
    const runtime = Number(JSON.parse(readFileSync(new URL('../../extensions/business-central/app.json', import.meta.url), 'utf8')).runtime);
    const pages = FILES.filter(({ al }) => /PageType\s*=\s*API;/.test(al));
    expect(pages.length).toBeGreaterThan(0);
    const problems: string[] = [];
    // Page-level properties: those before the layout (a field's own `Editable = false` is not the page's).
    const property = (al: string, name: string) => new RegExp(String.raw`\b${name}\s*=\s*([^;]+);`).exec(al.split(/\blayout\b/)[0]!)?.[1]?.trim();
    for (const { name, al } of pages) {
      for (const mandatory of ['EntitySetName', 'EntityName', 'APIPublisher', 'APIGroup']) if (!property(al, mandatory)) problems.push(`${name}: no ${mandatory}`);
      const notInsertable = property(al, 'InsertAllowed') === 'false' || property(al, 'Editable') === 'false';
      if (property(al, 'DelayedInsert') !== 'true' && !(runtime >= 7.2 && notInsertable)) problems.push(`${name}: DelayedInsert must be true`);
      if (property(al, 'EntitySetName') === "'EntityDefinitions'") problems.push(`${name}: EntitySetName EntityDefinitions is reserved`);
    }
    expect(problems).toEqual([]);
  });

  test('every event subscriber names an event the publisher raises, each of its parameters one of the publisher\'s (name, type, var)', () => {
    const subscriber = new RegExp(String.raw`\[EventSubscriber\(ObjectType::Codeunit,\s*Codeunit::${ID},\s*'(\w+)'[^\]]*\]\s*(?:local\s+)?procedure\s+\w+\(([^)]*)\)`, 'g');
    let count = 0;
    for (const { name, al } of FILES) {
      for (const m of al.matchAll(subscriber)) {
        count += 1;
        const [codeunit, event, params] = [id(m, 1), m[3]!, m[4]!];
        const published = BASE.codeunits[codeunit]?.events[event];
        expect(published, `${name}: ${codeunit}.${event} is an event of the base application`).toBeDefined();
        for (const param of params.split(';').map((p) => p.trim()).filter(Boolean)) {
          const [, isVar, paramName, type] = /^(var\s+)?(\w+):\s*(.+)$/.exec(param)!;
          expect(published!.parameters, `${name}: ${codeunit}.${event} has the parameter ${param}`).toContainEqual({ name: paramName, type: type!.trim(), var: Boolean(isVar) });
        }
      }
    }
    expect(count).toBeGreaterThan(0);
  });

  test('every field the extension reads or writes on a record, relates to or looks up exists on that table, and every enum value it names is one of the enum\'s', () => {
    const missing: string[] = [];
    const check = (file: string, table: string, field: string, value?: string) => {
      const fields = TABLES.get(table);
      if (!fields) return missing.push(`${file}: no table "${table}"`);
      const known = fields.get(field);
      if (!known && !SYSTEM_FIELDS.has(field)) return missing.push(`${file}: no field "${field}" on "${table}"`);
      const values = BASE.enums[enumOf(known?.type) ?? '']?.values;
      if (value !== undefined && values && !values.includes(value)) missing.push(`${file}: no value ${value} of "${table}"."${field}"`);
      return undefined;
    };
    let references = 0;
    for (const { name, al } of FILES) {
      // The records a file names: `Rec` of a page's source table, and every `Name: Record "Table"` it declares.
      const records = new Map<string, string>();
      const source = new RegExp(String.raw`SourceTable\s*=\s*${ID};`).exec(al);
      if (source) records.set('Rec', id(source, 1));
      for (const d of al.matchAll(new RegExp(String.raw`\b(\w+):\s*Record\s+${ID}`, 'g'))) records.set(d[1]!, id(d, 2));
      for (const [variable, table] of records) {
        // Name."Field", Name.Field, Name."Field"::Value — not methods (Name.Modify(), Name.Get(…)).
        for (const r of al.matchAll(new RegExp(String.raw`\b${variable}\.(?:"([^"]+)"|(\w+)\b(?!\s*\())(?:::${ID})?`, 'g'))) {
          references += 1;
          check(name, table, id(r, 1), r[3] ?? r[4]);
        }
        for (const r of al.matchAll(new RegExp(String.raw`\b${variable}\.(?:SetRange|SetFilter|CalcFields|SetLoadFields)\(${ID}`, 'g'))) {
          references += 1;
          check(name, table, id(r, 1));
        }
      }
      // TableRelation = "Table"."Field" where(…) and lookup("Table".Field where(…)): the fields and const values.
      for (const r of al.matchAll(new RegExp(String.raw`${ID}\.${ID}\s+where\(((?:[^()]|\([^()]*\))*)\)`, 'g'))) {
        const table = id(r, 1);
        if (!BASE.tables[table]) continue;
        references += 1;
        check(name, table, id(r, 3));
        for (const c of r[5]!.matchAll(new RegExp(String.raw`${ID}\s*=\s*(const|field)\(([^)]*)\)`, 'g'))) {
          references += 1;
          check(name, table, id(c, 1), c[3] === 'const' ? c[4]!.replace(/^"|"$/g, '') : undefined);
        }
      }
      for (const r of al.matchAll(new RegExp(String.raw`TableRelation\s*=\s*${ID}\.${ID}\s*;`, 'g'))) {
        references += 1;
        check(name, id(r, 1), id(r, 3));
      }
    }
    expect(references).toBeGreaterThan(40);
    expect(missing).toEqual([]);
  });
});
