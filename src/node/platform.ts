import { cpus } from "node:os";
import type { PlatformInfo } from "../run/session.js";

export function nodePlatform(): PlatformInfo {
  return {
    runtime: "node",
    version: process.versions.node,
    os: process.platform,
    arch: process.arch,
    cpu: cpus()[0]?.model.trim() ?? "unknown",
  };
}
