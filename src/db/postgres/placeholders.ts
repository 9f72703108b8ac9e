/**
 * better-sqlite3's parameters in PostgreSQL's form: `?` by position and `@name` / `:name` /
 * `$name` by name become `$1`, `$2`, ... Quoted text, quoted names, comments and PostgreSQL's
 * own `::type` casts and `$1` parameters are left as they are.
 */
export interface Translated {
  text: string;
  /** For each `$n` (n-1): the position of a `?`, or the name it stands for. */
  slots: (number | string)[];
}

export function translatePlaceholders(sql: string): Translated {
  const slots: (number | string)[] = [];
  const named = new Map<string, number>();
  let positional = 0;
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const skip = skipQuotedOrComment(sql, i);
    if (skip > i) {
      out += sql.slice(i, skip);
      i = skip;
    } else if (c === '?') {
      slots.push(positional++);
      out += `$${slots.length}`;
      i++;
    } else if (c === ':' && sql[i + 1] === ':') {
      out += '::';
      i += 2;
    } else if ((c === '@' || c === ':' || c === '$') && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))![0];
      let slot = named.get(name);
      if (slot === undefined) {
        slots.push(name);
        named.set(name, (slot = slots.length));
      }
      out += `$${slot}`;
      i += 1 + name.length;
    } else {
      out += c;
      i++;
    }
  }
  return { text: out, slots };
}

/** Where a quoted string, a quoted name or a comment starting at `i` ends (i itself when none starts there). */
function skipQuotedOrComment(sql: string, i: number): number {
  const c = sql[i];
  if (c === "'" || c === '"') {
    let j = i + 1;
    while (j < sql.length) {
      if (sql[j] === c) {
        if (sql[j + 1] === c)
          j += 2; // a doubled quote inside
        else return j + 1;
      } else j++;
    }
    return sql.length;
  }
  if (c === '-' && sql[i + 1] === '-') {
    const end = sql.indexOf('\n', i);
    return end < 0 ? sql.length : end;
  }
  if (c === '/' && sql[i + 1] === '*') {
    const end = sql.indexOf('*/', i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  return i;
}

/**
 * The values for `$1..$n` from better-sqlite3's call forms: values by position (arrays spread),
 * and one plain object for the named ones.
 */
export function bindValues(translated: Translated, args: readonly unknown[]): unknown[] {
  const positional: unknown[] = [];
  let named: Record<string, unknown> | undefined;
  for (const arg of args) {
    if (Array.isArray(arg)) positional.push(...(arg as unknown[]));
    else if (isPlainObject(arg)) named = { ...named, ...arg };
    else positional.push(arg);
  }
  const expected = translated.slots.filter((s) => typeof s === 'number').length;
  if (positional.length !== expected) throw new RangeError(`this statement takes ${expected} positional parameter(s), ${positional.length} given`);
  return translated.slots.map((slot) => {
    if (typeof slot === 'number') return positional[slot];
    if (!named || !(slot in named)) throw new RangeError(`missing named parameter "${slot}"`);
    return named[slot];
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
