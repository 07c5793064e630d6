import { availableParallelism } from "node:os";
import { InvalidArgumentError } from "commander";

/** Commander parsers: each turns a flag's text into a value or a one-line error. */
export function positiveInt(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got '${text}'`);
  return n;
}

/**
 * --threads: a positive integer, at most the cores here. More threads than
 * cores only share the cores (each seed takes one), so more is capped, and
 * said once on stderr.
 */
export function threadCount(text: string): number {
  const n = positiveInt(text);
  const cores = availableParallelism();
  if (n <= cores) return n;
  process.stderr.write(`initdrift: --threads ${n} is more than the ${cores} cores here; using ${cores} (one seed per core)\n`);
  return cores;
}

export function nonNegativeInt(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a non-negative integer, got '${text}'`);
  return n;
}

export function seedValue(text: string): number {
  const n = nonNegativeInt(text);
  if (n >= 2 ** 32) throw new InvalidArgumentError(`seed must be below 2^32, got '${text}'`);
  return n;
}

export function positiveNumber(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got '${text}'`);
  return n;
}

export function finiteNumber(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got '${text}'`);
  return n;
}

export function nonNegativeNumber(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative number, got '${text}'`);
  return n;
}

export function intList(text: string): number[] {
  const parts = text.split(",").map((s) => s.trim());
  if (parts.every((s) => s.length === 0)) throw new InvalidArgumentError(`expected a comma-separated list of positive integers, got '${text}'`);
  if (parts.some((s) => s.length === 0)) throw new InvalidArgumentError(`an entry of '${text}' is empty`);
  return parts.map(positiveInt);
}

export function numberList(text: string): number[] {
  const parts = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of positive numbers, got '${text}'`);
  return parts.map(positiveNumber);
}

export function oneOf<T extends string>(choices: readonly T[]): (text: string) => T {
  return (text: string) => {
    if (!(choices as readonly string[]).includes(text)) throw new InvalidArgumentError(`expected one of ${choices.join(", ")}, got '${text}'`);
    return text as T;
  };
}
