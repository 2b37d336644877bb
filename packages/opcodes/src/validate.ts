/**
 * A tiny set of structural checks for JSON payloads (internal). A check returns nothing on success
 * and throws `Invalid` on failure; each container prepends its key to the path on the way out, so
 * the success path builds no strings. Checks are built once at module load: no per-message schema
 * compilation. Every array check has a length cap and every string check a size cap, so a hostile
 * payload costs at most what it took to parse.
 */
export class Invalid {
  constructor(
    public path: string,
    readonly expected: string,
  ) {}
}

export type Check = (v: unknown) => void;

function fail(expected: string): never {
  throw new Invalid('', expected);
}

function within(segment: string, e: unknown): never {
  if (e instanceof Invalid) {
    e.path = e.path === '' ? segment : e.path.startsWith('[') ? segment + e.path : `${segment}.${e.path}`;
  }
  throw e;
}

/** Runs `check` on `v`, and on failure puts `segment` in front of the failing path. */
export function checkAt(segment: string, check: Check, v: unknown): void {
  try {
    check(v);
  } catch (e) {
    within(segment, e);
  }
}

export const DEFAULT_MAX_STRING = 4096;
export const DEFAULT_MAX_ARRAY = 10_000;

export function str(max: number = DEFAULT_MAX_STRING): Check {
  const expected = `a string of at most ${max} characters`;
  return (v) => {
    if (typeof v !== 'string' || v.length > max) fail(expected);
  };
}

export function oneOfStrings(values: readonly string[]): Check {
  const set = new Set(values);
  const expected = `one of ${values.map((s) => JSON.stringify(s)).join(', ')}`;
  return (v) => {
    if (typeof v !== 'string' || !set.has(v)) fail(expected);
  };
}

const SNOWFLAKE = /^[0-9]{1,20}$/;
/** A Discord ID as a decimal string (u64 fits in 20 digits). */
export const snowflake: Check = (v) => {
  if (typeof v !== 'string' || !SNOWFLAKE.test(v)) fail('a snowflake (decimal string of 1-20 digits)');
};

export function int(min: number = Number.MIN_SAFE_INTEGER, max: number = Number.MAX_SAFE_INTEGER): Check {
  const expected = `an integer in [${min}, ${max}]`;
  return (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(expected);
  };
}

export const u8 = int(0, 0xff);
export const u16 = int(0, 0xffff);
export const u32 = int(0, 0xffffffff);
export const uint = int(0);

export function num(
  min: number = -Number.MAX_VALUE,
  max: number = Number.MAX_VALUE,
  exclusiveMin = false,
): Check {
  const expected = `a finite number ${exclusiveMin ? '>' : '>='} ${min}${max < Number.MAX_VALUE ? ` and <= ${max}` : ''}`;
  return (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (exclusiveMin && v === min) || v > max) {
      fail(expected);
    }
  };
}

export const bool: Check = (v) => {
  if (typeof v !== 'boolean') fail('a boolean');
};

/** null, or absent: a message whose `d` is null may leave it out. */
export const nullish: Check = (v) => {
  if (v !== null && v !== undefined) fail('null');
};

/** Any JSON value (present). Used for payloads no seed describes. */
export const anyValue: Check = (v) => {
  if (v === undefined) fail('a value');
};

export function nullable(check: Check, what: string): Check {
  const expected = `${what} or null`;
  return (v) => {
    if (v === null) return;
    try {
      check(v);
    } catch (e) {
      if (e instanceof Invalid && e.path === '') fail(expected);
      throw e;
    }
  };
}

/** The first check that accepts wins; otherwise the error says all of what was acceptable. */
export function either(expected: string, ...checks: Check[]): Check {
  return (v) => {
    for (const c of checks) {
      try {
        c(v);
        return;
      } catch (e) {
        if (!(e instanceof Invalid)) throw e;
      }
    }
    fail(expected);
  };
}

export function arrayOf(item: Check, max: number = DEFAULT_MAX_ARRAY, min = 0): Check {
  const expected =
    min === max
      ? `an array of exactly ${max} items`
      : `an array of ${min > 0 ? `${min} to ` : 'at most '}${max} items`;
  return (v) => {
    if (!Array.isArray(v) || v.length > max || v.length < min) fail(expected);
    for (let i = 0; i < v.length; i++) {
      try {
        item(v[i]);
      } catch (e) {
        within(`[${i}]`, e);
      }
    }
  };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * An object with `required` and `optional` fields. Extra fields are allowed (Discord adds fields
 * without notice) and left untouched. An optional field that is present must be valid.
 */
export function object(required: Record<string, Check>, optional: Record<string, Check> = {}): Check {
  const req = Object.entries(required);
  const opt = Object.entries(optional);
  return (v) => {
    if (!isRecord(v)) fail('an object');
    for (const [k, check] of req) {
      const field = Object.hasOwn(v, k) ? v[k] : undefined;
      if (field === undefined) throw new Invalid(k, 'a value (required)');
      try {
        check(field);
      } catch (e) {
        within(k, e);
      }
    }
    for (const [k, check] of opt) {
      const field = Object.hasOwn(v, k) ? v[k] : undefined;
      if (field === undefined) continue;
      try {
        check(field);
      } catch (e) {
        within(k, e);
      }
    }
  };
}

/** Runs `extra` after `base`, for rules across fields. */
export function refine(base: Check, extra: (v: Record<string, unknown>) => void): Check {
  return (v) => {
    base(v);
    extra(v as Record<string, unknown>);
  };
}

export { fail };
