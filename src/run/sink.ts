/** Where a run's files go: a directory in Node (atomic writes), memory in a browser. */
export interface RunSink {
  write(name: string, data: string | Uint8Array): void | Promise<void>;
  /** Removes a file if it exists (sinks that keep everything may omit this). */
  remove?(name: string): void | Promise<void>;
  /**
   * Appends to a file (creating it). Sinks without it get whole files
   * rewritten instead. A kill in the middle may leave a torn last line, which
   * readers drop (a complete line always ends in a newline).
   */
  append?(name: string, data: string): void | Promise<void>;
}
