/**
 * Checks that a parsed JSON document has the shape the code relies on, so a
 * damaged or hand-edited file answers with one line naming the file and the
 * field ("runs/x/manifest.json: field config.hiddenWidths[1]: expected a
 * positive integer, got "16"") instead of a TypeError deep in the program.
 *
 * A schema is a function that returns the value when it fits and throws
 * SchemaMismatch otherwise. Objects may carry keys the schema does not name
 * (newer writers add fields); the named ones must fit.
 */
import { UserError } from "../errors.js";

export type Schema<T> = (value: unknown, field: string) => T;

class SchemaMismatch extends Error {
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`${field}: expected ${expected}`);
  }
}

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

const check =
  <T>(expected: string, ok: (v: unknown) => boolean): Schema<T> =>
  (v, field) => {
    if (!ok(v)) throw new SchemaMismatch(field, expected, v);
    return v as T;
  };

export const string = check<string>("a string", (v) => typeof v === "string");
export const boolean = check<boolean>("true or false", (v) => typeof v === "boolean");
export const number = check<number>("a number", (v) => typeof v === "number" && Number.isFinite(v));
/** A number, or null where the writer stored a non-finite value (JSON has no NaN). */
export const numberOrNull = check<number>("a number or null", (v) => v === null || (typeof v === "number" && Number.isFinite(v)));
export const nonNegativeInt = check<number>("a non-negative integer", (v) => Number.isSafeInteger(v) && (v as number) >= 0);
export const positiveInt = check<number>("a positive integer", (v) => Number.isSafeInteger(v) && (v as number) >= 1);
export const sha256Hex = check<string>("a SHA-256 in hex", (v) => typeof v === "string" && /^[0-9a-f]{64}$/.test(v));

export function literal<const T extends string | number>(...values: readonly T[]): Schema<T> {
  return check<T>(values.map((x) => JSON.stringify(x)).join(" or "), (v) => (values as readonly unknown[]).includes(v));
}

export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return (v, field) => (v === null ? null : inner(v, field));
}

export function array<T>(item: Schema<T>, length?: number): Schema<T[]> {
  return (v, field) => {
    if (!Array.isArray(v)) throw new SchemaMismatch(field, "an array", v);
    if (length !== undefined && v.length !== length) throw new SchemaMismatch(field, `an array of ${length}`, v);
    v.forEach((x, i) => item(x, `${field}[${i}]`));
    return v as T[];
  };
}

type Shape = Record<string, Schema<unknown>>;
type Optional<T> = Schema<T> & { optional: true };
type Out<S extends Shape> = { [K in keyof S as S[K] extends Optional<unknown> ? never : K]: ReturnType<S[K]> } & {
  [K in keyof S as S[K] extends Optional<unknown> ? K : never]?: ReturnType<S[K]>;
};

/** A key that may be absent (or undefined); when present it must fit. */
export function optional<T>(inner: Schema<T>): Optional<T> {
  const s = ((v: unknown, field: string) => (v === undefined ? undefined : inner(v, field))) as Optional<T>;
  s.optional = true;
  return s;
}

export function object<S extends Shape>(shape: S): Schema<Out<S>> {
  return (v, field) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new SchemaMismatch(field, "an object", v);
    const o = v as Record<string, unknown>;
    for (const [key, schema] of Object.entries(shape)) {
      const at = field ? `${field}.${key}` : key;
      if (!(key in o) && !(schema as Partial<Optional<unknown>>).optional) throw new SchemaMismatch(at, "a value (the field is missing)", undefined);
      schema(o[key], at);
    }
    return v as Out<S>;
  };
}

/** Checks `value` against `schema`; a mismatch is one UserError naming `where` and the field. */
export function validate<T>(schema: Schema<T>, value: unknown, where: string): T {
  try {
    return schema(value, "");
  } catch (e) {
    if (!(e instanceof SchemaMismatch)) throw e;
    const field = e.field ? `field ${e.field}` : "the document";
    throw new UserError(`${where}: ${field}: expected ${e.expected}${e.got === undefined ? "" : `, got ${shown(e.got)}`}`);
  }
}

/** JSON.parse plus validate: one UserError for text that is not JSON or does not fit. */
export function parseDocument<T>(text: string, schema: Schema<T>, where: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`${where}: not valid JSON`);
  }
  return validate(schema, value, where);
}
