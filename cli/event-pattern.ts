/**
 * Just enough of EventBridge's event-pattern semantics to tell whether a rule's pattern can accept an event
 * of a given `detail-type` (`lsync replay --type`). Only the `detail-type` field is considered: a rule that
 * does not constrain it accepts every type. Pure.
 */
type Condition = string | number | boolean | null | Record<string, unknown>;

function matchesCondition(condition: Condition, value: string): boolean {
  if (typeof condition === 'string') return condition === value;
  if (condition === null || typeof condition !== 'object') return false;
  if ('prefix' in condition) {
    const prefix = condition.prefix;
    if (typeof prefix === 'string') return value.startsWith(prefix);
    if (prefix && typeof prefix === 'object' && 'equals-ignore-case' in prefix) {
      return value.toLowerCase().startsWith(String((prefix as Record<string, unknown>)['equals-ignore-case']).toLowerCase());
    }
  }
  if ('suffix' in condition && typeof condition.suffix === 'string') return value.endsWith(condition.suffix);
  if ('equals-ignore-case' in condition) return value.toLowerCase() === String(condition['equals-ignore-case']).toLowerCase();
  if ('wildcard' in condition && typeof condition.wildcard === 'string') {
    const regex = new RegExp(`^${condition.wildcard.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return regex.test(value);
  }
  if ('anything-but' in condition) {
    const excluded = condition['anything-but'];
    if (Array.isArray(excluded)) return !excluded.includes(value);
    if (typeof excluded === 'string') return excluded !== value;
    if (excluded && typeof excluded === 'object' && 'prefix' in excluded) return !value.startsWith(String((excluded as Record<string, unknown>).prefix));
    return true;
  }
  if ('exists' in condition) return condition.exists === true;
  return false;
}

/** Whether `pattern` (a rule's EventPattern JSON) can match an event of `detailType`. */
export function patternAcceptsDetailType(pattern: string | undefined, detailType: string): boolean {
  if (!pattern) return false;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(pattern) as Record<string, unknown>;
  } catch {
    return false;
  }
  const conditions = parsed['detail-type'];
  if (conditions === undefined) return true;
  if (!Array.isArray(conditions)) return false;
  return (conditions as Condition[]).some((c) => matchesCondition(c, detailType));
}
