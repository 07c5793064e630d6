/** Where a run's files go: a directory in Node (atomic writes), memory in a browser. */
export interface RunSink {
  write(name: string, data: string | Uint8Array): void | Promise<void>;
  /** Removes a file if it exists (sinks that keep everything may omit this). */
  remove?(name: string): void | Promise<void>;
}
